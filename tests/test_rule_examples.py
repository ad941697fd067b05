"""Every rule's documented examples are its tests: ``pass`` must not fire it, ``fail`` must.

So a rule's documentation (``lintops explain`` prints the examples) can never drift from its behaviour.
"""

from __future__ import annotations

import pytest

from lintops.catalog import available_checks, builtin_rule_specs
from lintops.engine import Engine
from lintops.rules import bind

SPECS = builtin_rule_specs()
#: Rules whose findings need a whole run's context, not one text: their own tests make them fire.
NEEDS_A_RUN = {
    "baseline-stale": "fires on baseline entries no finding matched (tests/test_baseline.py)",
    "render-failed": "fires when a chart or overlay cannot be rendered (tests/test_helm.py, test_kustomize.py)",
    "render-empty": "fires when a chart environment or overlay renders no object (tests/test_accounting.py)",
    "unsafe-path": "fires on links out of the tree and special files (tests/test_hostile_files.py)",
    "policy-violation": "fires on what the tree tries beyond a run's policy (tests/test_policy.py)",
}


def _findings(spec, text):
    engine = Engine(bind([spec], available_checks()))
    # values-only rules see Helm values files, which are recognised by their name
    path = f"{spec.id}/values.yaml" if "helm-values" in spec.targets else f"{spec.id}-example.yaml"
    return [f for report in engine.lint_text(text, path) for f in report.findings]


@pytest.mark.parametrize("spec", SPECS, ids=[s.id for s in SPECS])
def test_rule_has_examples_and_docs(spec):
    assert spec.examples.get("pass"), f"{spec.id} needs a pass example"
    assert spec.examples.get("fail") or spec.id in NEEDS_A_RUN, f"{spec.id} needs a fail example"
    assert spec.rationale and spec.remediation and spec.documentation, f"{spec.id} needs its documentation"


@pytest.mark.parametrize("spec", SPECS, ids=[s.id for s in SPECS])
def test_pass_example_does_not_fire(spec):
    assert [f for f in _findings(spec, spec.examples["pass"]) if f.rule_id == spec.id] == []


@pytest.mark.parametrize("spec", SPECS, ids=[s.id for s in SPECS])
def test_fail_example_fires(spec):
    if spec.id in NEEDS_A_RUN:
        assert not spec.examples.get("fail"), f"{spec.id}: {NEEDS_A_RUN[spec.id]}"
        return
    assert [f for f in _findings(spec, spec.examples["fail"]) if f.rule_id == spec.id], spec.id
