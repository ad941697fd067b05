"""Shared helpers for lintops' tests: run the CLI in-process or as a real subprocess (inputs: builders.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from builders import write as write  # tests import it from here; builders.py makes the inputs
from lintops.catalog import available_checks
from lintops.cli import main
from lintops.engine import Engine
from lintops.rules import RuleSpec, bind, load_rule_file
from lintops.run_context import Options
from lintops.workloads import WORKLOAD_POD_SPECS

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _own_result_cache(tmp_path_factory, monkeypatch):
    """Each test's command-line runs get a result cache of their own (lintops.result_cache): a report cached by
    one test must not answer another that patched a check or the environment."""
    monkeypatch.setenv("LINTOPS_CACHE_DIR", str(tmp_path_factory.mktemp("result-cache")))


@pytest.fixture
def cli():
    """Invoke the CLI in-process: ``cli("check", path, "--format", "json")`` -> click Result."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    return invoke


@pytest.fixture
def lint_json(cli):
    """Lint with ``--format json`` and return (exit code, parsed report)."""

    def run(*args: str, input: str | None = None):
        result = cli("check", "--format", "json", *args, input=input)
        return result.exit_code, json.loads(result.stdout)

    return run


def run_lintops(*args: str, cwd: Path | None = None, input: str | None = None, env: dict | None = None):
    """The real console entry point in a subprocess (``python -m lintops``)."""
    return subprocess.run([sys.executable, "-m", "lintops", *args], cwd=cwd, input=input, capture_output=True,
                          text=True, env=env, timeout=120)


@cache
def rule_spec(rule_id: str) -> RuleSpec:
    """A built-in rule as written in rules/."""
    return load_rule_file(REPO / "rules" / f"{rule_id}.yaml", "built-in")


def lint_rules(text: str, *rule_ids: str, specs: list[RuleSpec] | None = None, workloads: dict | None = None) -> list:
    """Findings of the named built-in rules (and ``specs``) on ``text`` (dedented), through the real engine."""
    specs = list(specs or []) + [rule_spec(rule_id) for rule_id in rule_ids]
    options = Options(workloads={**WORKLOAD_POD_SPECS, **(workloads or {})})
    engine = Engine(bind(specs, available_checks()), options)
    findings = [f for report in engine.lint_text(textwrap.dedent(text), "x.yaml") for f in report.findings]
    assert not engine.internal_errors
    return findings


def where(findings: list) -> list[tuple]:
    """(rule, line, column, pointer) of each finding."""
    return [(f.rule_id, f.location.line, f.location.column, f.pointer) for f in findings]


@cache
def findings_per_object(fixture: str, rule_id: str) -> tuple[tuple[str, tuple], ...]:
    """(kind, findings of the built-in rule ``rule_id``) for each object of ``tests/fixtures/<fixture>``, in
    document order, with the default workload kinds (OpenShift's DeploymentConfig among them): how a
    conformance test compares lintops' verdict per object with another linter's."""
    from lintops.inputs.manifests import resources_from
    from lintops.parse.stream import parse_text

    text = (FIXTURES / fixture).read_text(encoding="utf-8")
    resources = resources_from(parse_text(text, fixture)).resources
    starts = [resource.location("").line for resource in resources]
    engine = Engine(bind([rule_spec(rule_id)], available_checks()), Options(workloads=dict(WORKLOAD_POD_SPECS)))
    findings = [f for report in engine.lint_text(text, fixture) for f in report.findings]
    assert not engine.internal_errors
    per_object: list[list] = [[] for _ in resources]
    for finding in findings:
        per_object[max(i for i, start in enumerate(starts) if start <= finding.location.line)].append(finding)
    return tuple((resource.kind, tuple(found)) for resource, found in zip(resources, per_object, strict=True))
