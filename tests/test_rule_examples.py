"""Every rule's documented examples are its tests: ``pass`` must not fire it, ``fail`` must, exactly where its
``fail_at`` says (``LINE:COLUMN`` and the finding's JSON pointer, in the order of the text).

So a rule's documentation (``lintops explain`` prints the examples, docs/rules.md shows where the fail example
fires) can never drift from its behaviour: a rule that fires on the wrong node fails here as surely as one that
does not fire.
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
    "kustomize-unused": "fires on a Component no overlay of the run uses (tests/test_kustomize_components.py)",
    "unsafe-path": "fires on links out of the tree and special files (tests/test_hostile_files.py)",
    "policy-violation": "fires on what the tree tries beyond a run's policy (tests/test_policy.py)",
    "argocd-shared-resource": "fires on objects two Applications render (tests/test_rules_argocd_shared_resource.py)",
}


def _findings(spec, text):
    engine = Engine(bind([spec], available_checks()))
    # a suppressed finding (a "not checked" note, shown with --verbose) is not the rule firing
    return [f for report in engine.lint_text(text, _example_path(spec)) for f in report.findings if not f.suppressed]


def _example_path(spec) -> str:
    # values-only rules see Helm values files, which are recognised by their name
    return f"{spec.id}/values.yaml" if "helm-values" in spec.targets else f"{spec.id}-example.yaml"


def _at(finding) -> str:
    """A finding's place as ``fail_at`` writes it: ``LINE:COLUMN``, then its pointer if it has one."""
    place = f"{finding.location.line}:{finding.location.column}"
    return f"{place} {finding.pointer}" if finding.pointer else place


@pytest.mark.parametrize("spec", SPECS, ids=[s.id for s in SPECS])
def test_rule_has_examples_and_docs(spec):
    assert spec.examples.get("pass"), f"{spec.id} needs a pass example"
    assert spec.examples.get("fail") or spec.id in NEEDS_A_RUN, f"{spec.id} needs a fail example"
    if spec.examples.get("fail"):
        assert spec.examples.get("fail_at"), f"{spec.id} needs fail_at: where its fail example's findings are"
    assert spec.rationale and spec.remediation and spec.documentation, f"{spec.id} needs its documentation"


@pytest.mark.parametrize("spec", SPECS, ids=[s.id for s in SPECS])
def test_pass_example_does_not_fire(spec):
    assert [f for f in _findings(spec, spec.examples["pass"]) if f.rule_id == spec.id] == []


@pytest.mark.parametrize("spec", SPECS, ids=[s.id for s in SPECS])
def test_fail_example_fires_where_it_says(spec):
    if spec.id in NEEDS_A_RUN:
        assert not spec.examples.get("fail"), f"{spec.id}: {NEEDS_A_RUN[spec.id]}"
        assert not spec.examples.get("fail_at"), f"{spec.id}: no fail example, so nowhere to fire"
        return
    found = sorted((f for f in _findings(spec, spec.examples["fail"]) if f.rule_id == spec.id),
                   key=lambda f: (f.location.line, f.location.column))
    assert found, spec.id
    assert all(f.location.path == _example_path(spec) for f in found), spec.id
    assert [_at(f) for f in found] == list(spec.examples["fail_at"]), spec.id
