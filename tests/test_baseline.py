"""Baselines: record debt, fail only on new findings, report entries that no longer match."""

from __future__ import annotations

import json

from conftest import write

OLD = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: legacy}
data: {mode: fast}
extra: 1
"""
NEW = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: fresh}
data: {mode: fast}
bogus: 1
"""


def test_baseline_suppresses_recorded_and_fails_on_new(cli, lint_json, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "old.yaml", OLD)
    result = cli("baseline", ".", "--output", ".lintops-baseline.json")
    assert result.exit_code == 0 and "1 finding recorded" in result.stdout
    recorded = json.loads((tmp_path / ".lintops-baseline.json").read_text())
    assert [e["rule"] for e in recorded["findings"]] == ["schema"]

    # the recorded finding moves down two lines: still the same finding
    write(tmp_path / "old.yaml", "# a comment\n# another\n" + OLD)
    code, report = lint_json(".", "--baseline", ".lintops-baseline.json")
    assert code == 0
    [finding] = [f for f in report["findings"] if f["rule"] == "schema"]
    assert finding["suppressed"] and finding["suppression_reason"].startswith("baseline")

    write(tmp_path / "new.yaml", NEW)
    code, report = lint_json(".", "--baseline", ".lintops-baseline.json")
    assert code == 1
    assert [f["path"] for f in report["findings"] if f["rule"] == "schema" and not f["suppressed"]] == ["new.yaml"]


def test_paid_debt_is_reported_as_stale(cli, lint_json, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "old.yaml", OLD)
    cli("baseline", ".")
    write(tmp_path / "old.yaml", OLD.replace("extra: 1\n", ""))
    write(tmp_path / ".lintops.yaml", "baseline: .lintops-baseline.json\n")
    code, report = lint_json(".")
    [stale] = [f for f in report["findings"] if f["rule"] == "baseline-stale"]
    assert stale["path"] == ".lintops-baseline.json" and stale["line"] == 4
    assert stale["severity"] == "info" and code == 0


def test_broken_baseline_is_a_usage_error(cli, tmp_path):
    write(tmp_path / "b.json", '{"version": 99, "findings": []}')
    write(tmp_path / "a.yaml", OLD)
    result = cli("check", str(tmp_path / "a.yaml"), "--baseline", str(tmp_path / "b.json"))
    assert result.exit_code == 2 and "unsupported baseline version" in result.stderr
