"""A placeholder is no reason: an exemption whose reason is REASON, TODO, TBD, FIXME, ..., xxx or <reason>
is an ``exemption-reason`` finding, as one without a reason is (the exemption still applies)."""

from __future__ import annotations

import pytest

from conftest import write
from lintops.reasons import is_placeholder_reason

CONFIGMAP = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
             "{annotations}extra: 1  # lintops: ignore[schema] {reason}\n")


@pytest.mark.parametrize("reason", ["REASON", "reason", "TODO", "todo:", "TBD.", "FIXME!", "...", "…", "xxx", "XXX",
                                    "<reason>", "<REASON>", "(todo)"])
def test_placeholders_are_recognised(reason):
    assert is_placeholder_reason(reason)


@pytest.mark.parametrize("reason", ["legacy field read by the v1 client", "TODO remove after the migration",
                                    "reason: set by the mesh", "todos are tracked in OPS-12"])
def test_real_reasons_are_not_placeholders(reason):
    assert not is_placeholder_reason(reason)


@pytest.mark.parametrize("reason", ["REASON", "TODO", "...", "<reason>"])
def test_a_comment_with_a_placeholder_reason_is_a_finding_on_the_placeholder(lint_json, tmp_path, reason):
    path = write(tmp_path / "c.yaml", CONFIGMAP.format(annotations="", reason=reason))
    code, report = lint_json(str(path))
    [schema] = [f for f in report["findings"] if f["rule"] == "schema"]
    assert schema["suppressed"] is True  # the exemption applies, as one without a reason does
    [finding] = [f for f in report["findings"] if f["rule"] == "exemption-reason"]
    assert (finding["line"], finding["column"]) == (5, 10 + len("# lintops: ignore[schema] ") + 1)
    assert f"placeholder {reason!r}" in finding["message"]
    assert code == 1


def test_an_annotation_with_a_placeholder_reason_is_a_finding(lint_json, tmp_path):
    annotations = '  annotations:\n    lintops.io/ignore-schema: "TODO"\n'
    text = CONFIGMAP.format(annotations=annotations, reason="kept for the old client")
    code, report = lint_json(str(write(tmp_path / "a.yaml", text)))
    [finding] = [f for f in report["findings"] if f["rule"] == "exemption-reason"]
    assert finding["line"] == 6 and "placeholder 'TODO'" in finding["message"]
    assert code == 1


def test_a_real_reason_passes(lint_json, tmp_path):
    path = write(tmp_path / "c.yaml", CONFIGMAP.format(annotations="", reason="read by the legacy controller"))
    code, report = lint_json(str(path))
    assert not [f for f in report["findings"] if f["rule"] == "exemption-reason"]
    assert code == 0


def test_a_configuration_exemption_with_a_placeholder_reason_is_refused_at_the_reason(tmp_path):
    import subprocess
    import sys

    write(tmp_path / ".lintops.yaml", "exemptions:\n  - rule: schema\n    reason: ok, real\n"
                                      "  - rule: liveness-probe\n    reason: TODO\n")
    write(tmp_path / "c.yaml", CONFIGMAP.format(annotations="", reason="read by the legacy controller"))
    result = subprocess.run([sys.executable, "-m", "lintops", "check", "c.yaml"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert ".lintops.yaml:5:13: exemptions[1].reason: 'TODO' is a placeholder, not a reason" in result.stderr
    assert "Traceback" not in result.stderr
