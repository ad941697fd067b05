"""Every credential format: one value that holds it (named in the message), one near miss that does not.

The formats are matched in linear time (RE2) and compiled on first use; a value never appears in any
report (text, JSON, SARIF).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from lintops.credential_formats import FORMATS, credential_format
from tests.credential_samples import SAMPLES


@pytest.mark.parametrize(("what", "value", "near_miss"), SAMPLES, ids=[f"{i}-{s[0]}" for i, s in enumerate(SAMPLES)])
def test_each_format_fires_and_its_near_miss_does_not(what, value, near_miss):
    assert credential_format(value) == what
    assert credential_format(near_miss) is None


def test_every_format_of_the_catalogue_has_a_sample():
    named = {what for what, _, _ in SAMPLES}
    for entry in FORMATS:
        if entry.name is None:
            assert entry.what in named, entry.what


def test_patterns_are_linear_on_hostile_values():
    started = time.process_time()
    for hostile in ("eyJ-" * 250_000, "ghp_" * 250_000, "a://" * 250_000 + "@", "Password=;" * 100_000,
                    "-----BEGIN " * 100_000, "AKIA" * 250_000):
        credential_format(hostile)
    assert time.process_time() - started < 10


def test_no_pattern_is_compiled_at_import():
    code = ("import sys, lintops.credential_formats, lintops.credentials, lintops.checks.high_entropy_literal\n"
            "print('re2' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stderr


def _manifest() -> str:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: leaky}", "data:"]
    lines += [f"  value{index}: {json.dumps(value)}" for index, (_, value, _) in enumerate(SAMPLES)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("output", ["text", "json", "sarif"])
def test_no_value_appears_in_any_report(tmp_path, output):
    (tmp_path / "cm.yaml").write_text(_manifest())
    result = subprocess.run([sys.executable, "-m", "lintops", "check", "--format", output, "cm.yaml"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    for index, (what, value, _) in enumerate(SAMPLES):
        assert f"value{index}" in result.stdout
        for piece in (value, value[-12:]):
            assert piece.strip() not in result.stdout, (what, output)
    assert "an OpenSSH private key" in result.stdout and "a Slack webhook URL" in result.stdout
