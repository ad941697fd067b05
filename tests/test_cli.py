"""End to end through the command line: exit codes, formats, stdin, configuration errors."""

from __future__ import annotations

import json

from builders import deployment
from conftest import FIXTURES, REPO, run_lintops, write

GOOD = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: web}
data: {mode: fast}
"""
BAD = deployment(namespace="shop", spec='replicas: "two"', pod_spec="""\
    containers:
    - name: web
      image: nginx:1.19.10
      imagePulPolicy: Always
    """)


def test_clean_file_exits_0(tmp_path, lint_json):
    code, report = lint_json(str(write(tmp_path / "ok.yaml", GOOD)))
    assert code == 0
    assert [f for f in report["findings"] if f["rule"] == "schema"] == []
    assert report["summary"]["objects"] == 1
    assert report["kubernetes_version"] == "1.18"


def test_findings_exit_1_with_exact_positions(tmp_path, lint_json, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "deploy" / "web.yaml", BAD)
    code, report = lint_json("deploy")
    assert code == 1
    schema = sorted((f["line"], f["column"], f["pointer"], f["message"]) for f in report["findings"]
                    if f["rule"] == "schema")
    assert schema == [
        (5, 13, "/spec/replicas", "spec.replicas: expected integer, got string"),
        (13, 9, "/spec/template/spec/containers/0/imagePulPolicy", "unknown field 'imagePulPolicy'"),
    ]
    finding = next(f for f in report["findings"] if f["rule"] == "schema")
    assert finding["path"] == "deploy/web.yaml"
    assert finding["object"] == {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "web"}
    assert finding["severity"] == "error" and finding["suppressed"] is False


def test_json_contract_keys(tmp_path, lint_json):
    _, report = lint_json(str(write(tmp_path / "bad.yaml", BAD)))
    assert {"version", "kubernetes_version", "findings", "summary"} <= set(report)
    assert {"files", "objects", "findings", "errors", "warnings", "skipped"} <= set(report["summary"])
    for finding in report["findings"]:
        assert {"rule", "severity", "message", "path", "line", "column", "pointer", "object",
                "suppressed"} <= set(finding)


def test_no_strict_allows_unknown_fields(tmp_path, lint_json):
    _, report = lint_json("--no-strict", str(write(tmp_path / "bad.yaml", BAD)))
    assert [f["pointer"] for f in report["findings"] if f["rule"] == "schema"] == ["/spec/replicas"]


def test_stdin_and_files_together_with_version_117(tmp_path, lint_json):
    code, report = lint_json("-k", "1.17", str(write(tmp_path / "ok.yaml", GOOD)), "-", input=BAD)
    assert report["kubernetes_version"] == "1.17"
    assert {f["path"] for f in report["findings"] if f["rule"] == "schema"} == {"-"}
    assert report["summary"]["files"] == 2
    assert code == 1


def test_unsupported_version_is_a_usage_error(cli):
    result = cli("check", "-k", "1.5", str(FIXTURES / "kubeconform" / "valid.yaml"))
    assert result.exit_code == 2
    assert "Kubernetes 1.5 is not supported; supported versions: 1.17 to 1.37" in result.stderr


def test_missing_path_is_a_usage_error(cli, tmp_path):
    result = cli("check", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert "no such file or directory" in result.stderr


def test_text_output_has_path_line_col_and_summary(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "bad.yaml", BAD)
    write(tmp_path / ".gitlab-ci.yml", "stages: [lint]\nlint: {script: [lintops check .]}\n")
    result = cli("check", ".", "--verbose")
    assert "bad.yaml:13:9: error [schema] unknown field 'imagePulPolicy' (Deployment/shop/web)" in result.stdout
    assert "Not Kubernetes manifests (skipped):\n  .gitlab-ci.yml" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("2 files, 1 object checked against Kubernetes 1.18")
    assert "1 file skipped" in result.stdout


def test_exclude_glob(tmp_path, lint_json, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "vendor" / "bad.yaml", BAD)
    write(tmp_path / "ok.yaml", GOOD)
    code, report = lint_json(".", "--exclude", "vendor")
    assert code == 0 and report["summary"]["files"] == 1


def test_default_command_is_check(tmp_path):
    path = write(tmp_path / "bad.yaml", BAD)
    result = run_lintops(str(path), "--format", "json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["summary"]["errors"] >= 2


def test_hostile_files_are_findings_and_others_still_linted(tmp_path, lint_json, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "binary.yaml").write_bytes(bytes(range(256)))
    (tmp_path / "latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    write(tmp_path / "empty.yaml", "")
    write(tmp_path / "comments.yaml", "# nothing here\n# at all\n")
    write(tmp_path / "deep.yaml", "a: " + "[" * 10_000 + "]" * 10_000)
    write(tmp_path / "z-bad.yaml", BAD)
    code, report = lint_json(".")
    by_path = {}
    for finding in report["findings"]:
        by_path.setdefault(finding["path"], set()).add(finding["rule"])
    assert by_path["binary.yaml"] == {"yaml-syntax"}
    assert by_path["latin1.yaml"] == {"yaml-syntax"}
    assert by_path["deep.yaml"] == {"yaml-limit"}
    assert "schema" in by_path["z-bad.yaml"]
    assert "empty.yaml" not in by_path and "comments.yaml" not in by_path
    assert code == 1


def test_real_subprocess_examples(tmp_path):
    result = run_lintops("check", str(REPO / "examples"), "--format", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["objects"] >= 10
    assert {"schema", "api-removed"} <= {f["rule"] for f in report["findings"]}


def test_list_items_are_positioned_inside_the_list(lint_json):
    _, report = lint_json(str(FIXTURES / "kubeconform" / "list_invalid.yaml"))
    replicas = next(f for f in report["findings"] if f["pointer"] == "/spec/replicas")
    assert (replicas["line"], replicas["column"]) == (26, 15)
    assert replicas["object"]["name"] == "bob"


def test_several_reports_from_one_run(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "bad.yaml", BAD)
    result = cli("check", ".", "--report", "json=out/report.json", "--report", "text=out/report.txt")
    assert result.exit_code == 1
    assert "bad.yaml:13:9" in result.stdout
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["summary"]["errors"] >= 2
    assert "bad.yaml:13:9" in (tmp_path / "out" / "report.txt").read_text()


def test_bad_report_spec_is_a_usage_error(tmp_path, cli):
    path = write(tmp_path / "bad.yaml", BAD)
    assert cli("check", str(path), "--report", "json").exit_code == 2
    assert cli("check", str(path), "--report", "nope=x.json").exit_code == 2


def test_paths_are_relative_to_the_repository_root(tmp_path, lint_json, monkeypatch):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "deploy" / "bad.yaml", BAD)
    monkeypatch.chdir(tmp_path / "deploy")
    _, report = lint_json(".")
    assert {f["path"] for f in report["findings"]} == {"deploy/bad.yaml"}


def test_progress_line_only_on_a_terminal(tmp_path):
    import io

    from lintops.progress import Progress, track

    assert list(track(range(3), enabled=False)) == [0, 1, 2]
    stream = io.StringIO()
    progress = Progress(4, stream=stream, delay=0)
    progress.update(2, "deploy/web.yaml")
    progress.close()
    assert "2/4 deploy/web.yaml" in stream.getvalue() and stream.getvalue().endswith("\r")
    # through the CLI, standard error is not a terminal: no progress line
    path = write(tmp_path / "ok.yaml", GOOD)
    result = run_lintops("check", str(path))
    assert "[#" not in result.stderr


def test_render_prints_overlays_with_their_sources(cli):
    from conftest import FIXTURES

    result = cli("render", str(FIXTURES / "kustomize" / "shop"))
    assert result.exit_code == 0, result.stderr
    assert "# Source: tests/fixtures/kustomize/shop/base/deployment.yaml (environment: production)" in result.stdout
    assert "(environment: staging)" in result.stdout
    assert "config.kubernetes.io/origin" not in result.stdout


def test_render_without_charts_or_overlays_is_a_usage_error(cli, tmp_path):
    write(tmp_path / "a.yaml", GOOD)
    assert cli("render", str(tmp_path)).exit_code == 2


def test_rules_lists_every_rule_with_origin(cli):
    result = cli("rules")
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    for rule_id in ("schema", "liveness-probe", "pinned-image-tag", "no-plaintext-secret", "argocd-self-heal-staging",
                    "api-removed", "duplicate-key", "yaml-syntax"):
        assert rule_id in lines and "built-in" in lines[rule_id]


def test_explain_prints_rationale_semantics_fix_and_examples(cli):
    result = cli("explain", "liveness-probe")
    assert result.exit_code == 0
    for heading in ("Why:", "Exactly:", "Fix:", "Example that fires:", "Example that passes:"):
        assert heading in result.stdout
    assert cli("explain", "no-such-rule").exit_code == 2
