"""Every rule's documented examples are its tests: ``pass`` must not fire it, ``fail`` must.

So a rule's documentation (``lintops explain`` prints the examples) can never drift from its behaviour.
"""

from __future__ import annotations

import pytest

from lintops.catalog import available_checks, builtin_rule_specs
from lintops.engine import Engine
from lintops.rules import bind

SPECS = builtin_rule_specs()


def _findings(spec, text):
    engine = Engine(bind([spec], available_checks()))
    return [f for report in engine.lint_text(text, f"{spec.id}-example.yaml") for f in report.findings]


@pytest.mark.parametrize("spec", SPECS, ids=[s.id for s in SPECS])
def test_rule_has_examples_and_docs(spec):
    assert spec.examples.get("pass") and spec.examples.get("fail"), f"{spec.id} needs pass and fail examples"
    assert spec.rationale and spec.remediation and spec.documentation, f"{spec.id} needs its documentation"


@pytest.mark.parametrize("spec", SPECS, ids=[s.id for s in SPECS])
def test_pass_example_does_not_fire(spec):
    assert [f for f in _findings(spec, spec.examples["pass"]) if f.rule_id == spec.id] == []


@pytest.mark.parametrize("spec", SPECS, ids=[s.id for s in SPECS])
def test_fail_example_fires(spec):
    assert [f for f in _findings(spec, spec.examples["fail"]) if f.rule_id == spec.id], spec.id
