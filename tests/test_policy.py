"""The trust boundary: under ``--policy`` the linted tree's configuration, rules and comments may only
do what the policy grants, and each refused attempt is a ``policy-violation`` finding at its place.

Every test runs the real command line on a real tree; the policy file lies outside the tree, as in CI.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from conftest import run_lintops, write

LATEST = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: web
    image: nginx:latest
"""


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)  # the repository root reports are relative to
    write(root / "pod.yaml", LATEST)
    return root


@pytest.fixture
def policy(tmp_path):
    def make(text: str = "") -> str:
        path = tmp_path / "ci" / "policy.yaml"
        write(path, textwrap.dedent(text))
        return str(path)

    return make


def lint(tree, *args: str):
    result = run_lintops("check", ".", "--format", "json", *args, cwd=tree)
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    return result.returncode, report


def rules_of(report, suppressed: bool = False) -> set[str]:
    return {f["rule"] for f in report["findings"] if f["suppressed"] is suppressed}


def violations(report) -> list[tuple[str, int, int, str]]:
    return [(f["path"], f["line"], f["column"], f["message"]) for f in report["findings"]
            if f["rule"] == "policy-violation"]


def test_exclude_everything_is_refused_and_reported_at_the_glob(tree, policy):
    write(tree / ".lintops.yaml", 'exclude: ["**"]\n')
    code, report = lint(tree, "--policy", policy())
    assert code == 1
    assert "pinned-image-tag" in rules_of(report)  # pod.yaml was linted after all
    [(path, line, column, message)] = violations(report)
    assert (path, line, column) == (".lintops.yaml", 1, 11)
    assert "exclude '**' is not applied" in message


def test_without_policy_the_repository_configuration_is_the_configuration(tree):
    write(tree / ".lintops.yaml", 'exclude: ["**"]\n')
    code, report = lint(tree)
    assert code == 0 and report["summary"]["objects"] == 0


def test_policy_may_grant_excludes(tree, policy):
    write(tree / ".lintops.yaml", 'exclude: ["pod.yaml"]\n')
    code, report = lint(tree, "--policy", policy("repository: {exclude: true}\n"))
    assert code == 0 and violations(report) == [] and report["summary"]["objects"] == 0


def test_file_wide_wildcard_comment_is_refused_under_a_policy(tree, policy):
    write(tree / "pod.yaml", "# lintops: ignore-file[*] nothing to see\n" + LATEST)
    code, report = lint(tree, "--policy", policy())
    assert code == 1
    assert "pinned-image-tag" in rules_of(report)
    [(path, line, column, message)] = violations(report)
    assert (path, line, column) == ("pod.yaml", 1, 1) and "by pattern" in message


def test_comment_naming_one_rule_with_a_reason_still_applies_under_a_policy(tree, policy):
    write(tree / "pod.yaml", LATEST.replace("nginx:latest", "nginx:latest  # lintops: ignore[pinned-image-tag] smoke"))
    _code, report = lint(tree, "--policy", policy())
    assert "pinned-image-tag" in rules_of(report, suppressed=True)
    assert violations(report) == []


def test_policy_may_grant_wildcard_exemptions(tree, policy):
    write(tree / "pod.yaml", "# lintops: ignore-file[*] generated\n" + LATEST)
    code, report = lint(tree, "--policy", policy("repository: {wildcard_exemptions: true}\n"))
    assert code == 0 and violations(report) == []


def test_forbidden_comment_exemptions_are_reported_not_silently_ignored(tree, policy):
    write(tree / "pod.yaml", LATEST.replace("nginx:latest", "nginx:latest  # lintops: ignore[pinned-image-tag] smoke"))
    code, report = lint(tree, "--policy", policy("allow_exemptions: {inline: false}\n"))
    assert code == 1 and "pinned-image-tag" in rules_of(report)
    [(path, line, _column, message)] = violations(report)
    assert (path, line) == ("pod.yaml", 7) and "allow_exemptions.inline: false" in message


def test_forbidden_annotation_exemptions_are_reported_at_the_annotation(tree, policy):
    write(tree / "pod.yaml", LATEST.replace(
        "metadata: {name: web}",
        'metadata:\n  name: web\n  annotations:\n    lintops.io/ignore-pinned-image-tag: "smoke test"'))
    code, report = lint(tree, "--policy", policy("allow_exemptions: {annotations: false}\n"))
    assert code == 1 and "pinned-image-tag" in rules_of(report)
    [(path, line, column, _)] = violations(report)
    assert (path, line, column) == ("pod.yaml", 6, 5)


def test_repository_cannot_disable_or_lower_rules_but_may_raise_them(tree, policy):
    write(tree / ".lintops.yaml", textwrap.dedent("""\
        rules:
          pinned-image-tag: false
          liveness-probe: info
          readiness-probe: error
        strict: false
        fail_on: warning
        """))
    code, report = lint(tree, "--policy", policy())
    found = {f["rule"]: f["severity"] for f in report["findings"] if f["rule"] != "policy-violation"}
    assert found["pinned-image-tag"] == "error"  # still on
    assert found["liveness-probe"] == "error"  # not lowered
    assert found["readiness-probe"] == "error"  # raised from its default
    refused = {(line, message.split(":")[0]) for _, line, _, message in violations(report)}
    assert refused == {(2, "the setting of rule 'pinned-image-tag' disables it"),
                       (3, "the setting of rule 'liveness-probe' lowers its severity to info"),
                       (5, "strict")}
    assert report["strict"] is True
    assert code == 1


def test_policy_may_grant_relaxing_rules(tree, policy):
    write(tree / ".lintops.yaml", "rules: {pinned-image-tag: false}\n")
    _code, report = lint(tree, "--policy", policy("repository: {disable: true}\n"))
    assert "pinned-image-tag" not in rules_of(report) and violations(report) == []


def test_settings_the_policy_already_makes_are_not_violations(tree, policy):
    """In CI the policy is the target branch's own .lintops.yaml: an unchanged file refuses nothing."""
    text = 'exclude: ["vendor/**"]\nrules: {readiness-probe: false}\nexemptions:\n' \
           '  - {rule: pinned-image-tag, name: web, reason: "pinned by digest at deploy time"}\n'
    write(tree / ".lintops.yaml", text)
    _code, report = lint(tree, "--policy", policy(text))
    assert violations(report) == []
    assert "pinned-image-tag" in rules_of(report, suppressed=True)


def test_configuration_exemptions_need_a_grant(tree, policy):
    write(tree / ".lintops.yaml",
          "exemptions:\n  - {rule: pinned-image-tag, name: web, reason: smoke}\n  - {rule: '*', reason: all}\n")
    _, refused = lint(tree, "--policy", policy())
    assert [line for _, line, _, _ in violations(refused)] == [2, 3]
    assert "pinned-image-tag" in rules_of(refused)
    _, granted = lint(tree, "--policy", policy("repository: {exemptions: true}\n"))
    assert "pinned-image-tag" in rules_of(granted, suppressed=True)
    [(_, line, _, message)] = violations(granted)
    assert line == 3 and "by pattern" in message


def test_policy_violations_cannot_be_exempted_by_the_repository(tree, policy):
    write(tree / ".lintops.yaml", '# lintops: ignore-file[policy-violation] trust me\nexclude: ["**"]\n')
    write(tree / "pod.yaml", "# lintops: ignore-file[policy-violation] trust me\n" + LATEST)
    code, report = lint(tree, "--policy", policy())
    assert code == 1
    assert all(not f["suppressed"] for f in report["findings"] if f["rule"] == "policy-violation")
    assert len(violations(report)) == 1


def test_repository_rules_load_only_where_the_policy_grants_them(tree, policy):
    write(tree / ".lintops" / "rules" / "team.yaml", textwrap.dedent("""\
        id: team-label
        severity: error
        summary: Every object has a team label.
        targets: ["*"]
        check: json-schema
        params:
          message: the object has no labels
          schema: {required: [metadata], properties: {metadata: {required: [labels]}}}
        """))
    _, refused = lint(tree, "--policy", policy())
    assert "team-label" not in rules_of(refused)
    assert violations(refused)[0][:3] == (".lintops/rules/team.yaml", 1, 1)
    _, granted = lint(tree, "--policy", policy("repository: {rules: true}\n"))
    assert "team-label" in rules_of(granted) and violations(granted) == []


def test_a_trusted_config_named_with_c_does_not_load_the_trees_rules(tree, tmp_path):
    write(tree / ".lintops" / "rules" / "quiet.yaml", "id: [not, a, rule]\n")  # would be exit 2 if loaded
    config = write(tmp_path / "ci" / "lintops.yaml", "fail_on: error\n")
    code, report = lint(tree, "-c", str(config))
    assert code == 1 and "pinned-image-tag" in rules_of(report)


def test_repository_baseline_and_plugins_need_grants(tree, policy):
    write(tree / "baseline.json", json.dumps({"version": 1, "findings": []}))
    write(tree / ".lintops.yaml", "baseline: baseline.json\nplugins: [anything]\n")
    _, report = lint(tree, "--policy", policy())
    assert {message.split(":")[0] for _, _, _, message in violations(report)} == {
        "the baseline is not applied", "the policy does not let the repository require plugins (repository.plugins)"}


def test_pinned_settings_and_self_granted_permissions(tree, policy):
    write(tree / ".lintops.yaml", 'kubernetes_version: "1.17"\nrepository: {exclude: true}\nexclude: ["**"]\n')
    _, report = lint(tree, "--policy", policy('kubernetes_version: "1.18"\n'))
    assert report["kubernetes_version"] == "1.18"
    messages = [message for _, _, _, message in violations(report)]
    assert any(m.startswith("kubernetes_version is set by the policy") for m in messages)
    assert any(m.startswith("grants changed by the repository are not applied") for m in messages)
    assert any(m.startswith("exclude '**' is not applied") for m in messages)


def test_redefining_a_known_workload_kind_is_refused(tree, policy):
    write(tree / ".lintops.yaml", "workloads: {Pod: /nowhere, Rollout: /spec/template/spec}\n")
    _, report = lint(tree, "--policy", policy())
    [(_, line, column, message)] = violations(report)
    assert (line, column) == (1, 13) and "workload kind 'Pod' is already known" in message
    assert "pinned-image-tag" in rules_of(report)


def test_a_missing_policy_is_a_usage_error(tree, tmp_path):
    result = run_lintops("check", ".", "--policy", str(tmp_path / "absent.yaml"), cwd=tree)
    assert result.returncode == 2 and "the policy file does not exist" in result.stderr


def test_python_m_lintops_does_not_import_modules_of_the_working_directory(tree):
    marker = tree.parent / "imported"
    write(tree / "click.py", f"open({str(marker)!r}, 'w').write('ran')\nraise SystemExit(99)\n")
    dist = tree / "evil-1.0.dist-info"
    write(dist / "METADATA", "Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n")
    write(dist / "entry_points.txt", "[lintops]\nevil = evil_plugin\n")
    write(tree / "evil_plugin.py", f"open({str(marker)!r}, 'w').write('ran')\n")
    result = run_lintops("check", ".", "--format", "json", cwd=tree)
    assert result.returncode == 1, result.stderr
    assert not marker.exists()
    assert "pinned-image-tag" in {f["rule"] for f in json.loads(result.stdout)["findings"]}


def test_rules_and_explain_escape_control_characters_of_repository_rules(tree):
    write(tree / ".lintops" / "rules" / "loud.yaml", textwrap.dedent("""\
        id: loud
        severity: warning
        summary: "quiet\\e[2K\\rall good"
        rationale: "line one\\nline two \\e]0;title\\a"
        remediation: fix it
        documentation: exactly this
        targets: ["*"]
        check: json-schema
        params: {message: m, schema: {}}
        """))
    listed = run_lintops("rules", ".", cwd=tree)
    explained = run_lintops("explain", "loud", cwd=tree)
    for result in (listed, explained):
        assert result.returncode == 0, result.stderr
        assert "\x1b" not in result.stdout and "\r" not in result.stdout
    assert "quiet\\x1b[2K\\rall good" in listed.stdout
    assert "line one\n" in explained.stdout  # line breaks of a multi-line text stay


def test_a_configuration_or_baseline_linked_out_of_the_tree_is_refused(tree, tmp_path):
    outside = write(tmp_path / "outside.yaml", "exclude: ['**']  # SECRET-MARKER\n")
    (tree / ".lintops.yaml").symlink_to(outside)
    result = run_lintops("check", ".", cwd=tree)
    assert result.returncode == 2 and ".lintops.yaml" in result.stderr
    assert "SECRET-MARKER" not in result.stdout + result.stderr
    (tree / ".lintops.yaml").unlink()
    baseline = write(tmp_path / "baseline.json", '{"version": 1, "findings": [], "x": "SECRET-MARKER"}')
    (tree / "baseline.json").symlink_to(baseline)
    write(tree / ".lintops.yaml", "baseline: baseline.json\n")
    result = run_lintops("check", ".", cwd=tree)
    assert result.returncode == 2 and "baseline.json" in result.stderr
    assert "SECRET-MARKER" not in result.stdout + result.stderr


def test_a_named_pipe_as_the_configuration_is_refused_not_ignored(tree):
    import os

    os.mkfifo(tree / ".lintops.yaml")
    result = run_lintops("check", ".", cwd=tree)
    assert result.returncode == 2 and ".lintops.yaml" in result.stderr
