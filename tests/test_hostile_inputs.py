"""Values no YAML constructor can build are findings, never a crash (exit 3), through the real CLI.

Each case is a manifest whose ConfigMap holds one hostile scalar (``!!int true``, a 5,000-digit
integer, ``!!binary`` that is not base64, ...), linted with a later file that has a finding of its own.
The run must report the hostile value at its line:col, still check the rest of that document and
the later file, and write a complete JSON report. The same values in a values file, ``.lintops.yaml``,
a rule file and a baseline are a finding or a usage error (exit 2) naming path:line:col.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_lintops, write

LATER = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: later}\ndatta: {}\n"  # unknown field at 4:1

# (id, the value written after "data: {a: ", rule, message fragment)
CASES = [
    ("int-true", "!!int true", "yaml-syntax", "tagged !!int is not a valid integer"),
    ("int-empty", '!!int ""', "yaml-syntax", "tagged !!int is not a valid integer"),
    ("int-bad-base", "!!int 0b2", "yaml-syntax", "tagged !!int is not a valid integer"),
    ("float-word", "!!float x", "yaml-syntax", "tagged !!float is not a valid floating-point number"),
    ("float-empty", '!!float ""', "yaml-syntax", "tagged !!float is not a valid floating-point number"),
    ("bool-maybe", "!!bool maybe", "yaml-syntax", "tagged !!bool is not a valid boolean"),
    ("null-word", "!!null x", "yaml-syntax", "tagged !!null is not a valid null"),
    ("timestamp-word", "!!timestamp soon", "yaml-syntax", "tagged !!timestamp is not a valid timestamp"),
    ("timestamp-date", "!!timestamp 2001-13-45", "yaml-syntax", "tagged !!timestamp is not a valid timestamp"),
    ("binary-not-base64", '!!binary "abc"', "yaml-syntax", "tagged !!binary is not a valid base64 text"),
    ("map-on-scalar", "!!map x", "yaml-syntax", "tagged !!map is a scalar, not a mapping"),
    ("seq-on-scalar", "!!seq x", "yaml-syntax", "tagged !!seq is a scalar, not a sequence"),
    ("str-on-sequence", "!!str [x]", "yaml-syntax", "tagged !!str is a sequence"),
    ("seq-on-mapping", "!!seq {x: y}", "yaml-syntax", "tagged !!seq is a mapping"),
    ("decimal-5000-digits", "9" * 5000, "yaml-syntax", "integer of 5,000 digits is larger than any Kubernetes"),
    ("hex-huge", "0x" + "f" * 4000, "yaml-syntax", "integer of about 4,816 digits is larger than any"),
    ("nesting-500", "[" * 500 + "]" * 500, "yaml-limit", "nesting deeper than 200 levels"),
]


def _lint(tmp_path: Path, *args: str):
    result = run_lintops("check", "--format", "json", "-q", *args, cwd=tmp_path)
    assert result.returncode in (0, 1), (result.returncode, result.stderr)
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def _found(report: dict) -> list[tuple[str, str, int, int]]:
    return [(f["path"], f["rule"], f["line"], f["column"]) for f in report["findings"]]


@pytest.mark.parametrize(("value", "rule", "message"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_hostile_scalar_is_a_finding_at_its_place(tmp_path: Path, value: str, rule: str, message: str) -> None:
    # b: 1 after the hostile value: a ConfigMap's data are strings, so the schema reports it, which shows
    # that the rest of the document was still checked (unless the whole document was refused).
    write(tmp_path / "a.yaml", f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\ndata: {{a: {value}, b: 1}}\n"
                               "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: second}\ndatta: {}\n")
    write(tmp_path / "z.yaml", LATER)
    code, report = _lint(tmp_path, ".")
    assert code == 1
    hostile = [f for f in report["findings"] if f["rule"] == rule]
    # at the value; a too deep document where it gets too deep (the 201st collection: 198 brackets in)
    column = 11 if rule == "yaml-syntax" else 11 + 198
    assert [(f["path"], f["line"], f["column"]) for f in hostile] == [("a.yaml", 4, column)], report["findings"]
    assert message in hostile[0]["message"]
    assert value[-20:] not in hostile[0]["message"] or value in ("!!map x", "!!seq x")  # the value is not quoted
    found = _found(report)
    assert ("a.yaml", "schema", 9, 1) in found  # the next document of the same file
    assert ("z.yaml", "schema", 4, 1) in found  # the later file
    if rule == "yaml-syntax":  # the document itself is still checked: b: 1 is not a string
        assert ("a.yaml", "schema", 4, 11 + len(value) + 5) in found, found
    assert report["summary"]["files"] == 2
    assert report["summary"]["findings"] == len(report["findings"])


def test_hostile_scalars_in_a_values_file_are_findings(tmp_path: Path) -> None:
    write(tmp_path / "values-production.yaml", "image: {repository: web, tag: !!float x}\nreplicas: !!int 0x\n")
    write(tmp_path / "z.yaml", LATER)
    code, report = _lint(tmp_path, ".")
    assert code == 1
    found = _found(report)
    assert ("values-production.yaml", "yaml-syntax", 1, 31) in found
    assert ("values-production.yaml", "yaml-syntax", 2, 11) in found
    assert ("z.yaml", "schema", 4, 1) in found


def test_hostile_scalar_in_a_chart_values_file_is_a_render_finding(tmp_path: Path) -> None:
    pytest.importorskip("helm_python", reason="renders a chart with helm-python-sdk")
    chart = tmp_path / "web"
    write(chart / "Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n")
    write(chart / "values.yaml", "replicas: 2\nimage: {tag: !!int true}\n")
    write(chart / "templates" / "cm.yaml",
          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {tag: \"{{ .Values.image.tag }}\"}\n")
    write(tmp_path / "z.yaml", LATER)
    code, report = _lint(tmp_path, ".")
    assert code == 1
    found = _found(report)
    assert ("web/values.yaml", "render-failed", 2, 14) in found
    assert ("z.yaml", "schema", 4, 1) in found


def test_repo_url_that_is_no_url_is_compared_as_written(tmp_path: Path) -> None:
    write(tmp_path / "app.yaml", """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web-production, namespace: argocd}
spec:
  project: default
  source: {repoURL: "https://[git.example/repo.git", path: apps/web, targetRevision: main}
  destination: {server: "https://kubernetes.default.svc", namespace: production}
  syncPolicy: {automated: {selfHeal: true}}
""")
    write(tmp_path / "z.yaml", LATER)
    code, report = _lint(tmp_path, ".")
    assert code == 1
    found = _found(report)
    assert ("app.yaml", "argocd-self-heal-staging", 8, 38) in found
    assert ("z.yaml", "schema", 4, 1) in found


def _usage_error(tmp_path: Path, *args: str) -> str:
    result = run_lintops("check", "--format", "json", "-q", *args, cwd=tmp_path)
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    return result.stderr


def test_hostile_scalar_in_the_configuration_is_a_usage_error_at_its_place(tmp_path: Path) -> None:
    write(tmp_path / ".lintops.yaml", "strict: true\nfail_on: !!int true\n")
    write(tmp_path / "z.yaml", LATER)
    assert ".lintops.yaml:2:10: value tagged !!int is not a valid integer" in _usage_error(tmp_path, ".")


def test_hostile_scalar_in_a_rule_file_is_a_usage_error_at_its_place(tmp_path: Path) -> None:
    write(tmp_path / ".lintops.yaml", "strict: true\n")
    write(tmp_path / ".lintops" / "rules" / "x.yaml",
          "id: x-rule\nseverity: !!float x\nsummary: s\ncheck: json-schema\ntargets: [pod-spec]\n")
    write(tmp_path / "z.yaml", LATER)
    stderr = _usage_error(tmp_path, ".")
    assert "x.yaml:2:11: value tagged !!float is not a valid floating-point number" in stderr


@pytest.mark.parametrize(("text", "where"), [
    ('{"version": !!int "", "findings": []}', "b.json:1:13:"),
    ('{"version": 1, "findings": [{"fingerprint": "x", "rule": ' + "9" * 5000 + "}]}", "b.json:1:58:"),
], ids=["tagged", "huge-integer"])
def test_hostile_scalar_in_the_baseline_is_a_usage_error_at_its_place(tmp_path: Path, text: str, where: str) -> None:
    write(tmp_path / "b.json", text)
    write(tmp_path / "z.yaml", LATER)
    assert where in _usage_error(tmp_path, ".", "--baseline", "b.json")
