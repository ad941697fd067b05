"""Conformance of the reference rules with kube-linter and kube-score, on their own fixtures.

The fixtures are copied byte for byte into tests/fixtures/references/ (SOURCES.md and LICENSE there); the
peers' verdicts are transcribed from their tests (kube-linter: e2etests/bats-tests.sh, kube-score:
score/*_test.go). Each fixture file is linted alone, as the peers lint it. Every disagreement is listed
with its reason, which the rule's documentation states.

Agreement: kube-linter `dangling-service` 3/3 Services, `dangling-horizontalpodautoscaler` 2/2 HPAs,
`dangling-ingress` 5/6 Ingresses (not the port), `pdb-max-unavailable` 2/2 and `pdb-min-available` 2/3
budgets; kube-score "HorizontalPodAutoscaler has target" 5/5 files, "Ingress targets Service" 6/8 files,
"... has PodDisruptionBudget" 10/11 files (seen from the budget's side).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lintops.catalog import available_checks, builtin_rule_specs
from lintops.engine import Engine
from lintops.rules import bind

FIXTURES = Path(__file__).parent / "fixtures" / "references"
RULES = ("dangling-service-selector", "dangling-ingress-backend", "dangling-scale-target", "pdb-selects-nothing",
         "pdb-blocks-eviction", "dangling-config-reference")


def _lint(path: Path) -> list[tuple[str, str | None]]:
    specs = [spec for spec in builtin_rule_specs() if spec.id in RULES]
    engine = Engine(bind(specs, available_checks()))
    return sorted((f.rule_id, f.object.name if f.object else None)
                  for report in engine.lint_text(path.read_text(), path.name) for f in report.findings
                  if not f.suppressed)


KUBE_LINTER = {
    # file: (kube-linter check, objects it reports), lintops' rule, objects lintops reports
    "dangling-service.yml": ("dangling-service", {"app1", "app2"}, "dangling-service-selector", {"app1", "app2"}),
    "dangling-hpa.yml": ("dangling-horizontalpodautoscaler", {"hpa1"}, "dangling-scale-target", {"hpa1"}),
    # bad-port: the Service exists without the backend's port; lintops does not judge ports
    "dangling-ingress.yml": ("dangling-ingress", {"missing-service", "bad-port"}, "dangling-ingress-backend",
                             {"missing-service"}),
    "pdb-max-unavailable.yaml": ("pdb-max-unavailable", {"foo"}, "pdb-blocks-eviction", {"foo"}),
    # baz: its Deployment has no pod template (no pods; the schema rule reports it), kube-linter compares the
    # budget with the Deployment's spec.selector
    "pdb-min-available.yaml": ("pdb-min-available", {"baz", "baz2", "baz3"}, "pdb-blocks-eviction", {"baz2", "baz3"}),
}


@pytest.mark.parametrize("name", sorted(KUBE_LINTER))
def test_kube_linter_fixtures(name):
    _, peer, rule_id, ours = KUBE_LINTER[name]
    found = {obj for rule, obj in _lint(FIXTURES / "kube-linter" / "tests" / "checks" / name) if rule == rule_id}
    assert found == ours
    assert ours <= peer  # every difference is a finding kube-linter has and lintops has not (documented above)


#: kube-score: file -> (check, grade), lintops' rule, whether lintops fires on the file.
KUBE_SCORE = {
    "hpa-has-no-target.yaml": ("HorizontalPodAutoscaler has target", "CRITICAL", "dangling-scale-target", True),
    **{f"hpa-autoscaling{v}-targets-deployment.yaml": ("HorizontalPodAutoscaler has target", "OK",
                                                       "dangling-scale-target", False)
       for v in ("v1", "v2", "v2beta1", "v2beta2")},
    "ingress-targets-service.yaml": ("Ingress targets Service", "OK", "dangling-ingress-backend", False),
    "ingress-targets-service-no-match.yaml": ("Ingress targets Service", "CRITICAL", "dangling-ingress-backend", True),
    "ingress-networkingv1-targets-service.yaml": ("Ingress targets Service", "OK", "dangling-ingress-backend", False),
    "ingress-networkingv1-targets-service-no-match.yaml": ("Ingress targets Service", "CRITICAL",
                                                           "dangling-ingress-backend", True),
    "ingress-networkingv1beta1-targets-service.yaml": ("Ingress targets Service", "OK", "dangling-ingress-backend",
                                                       False),
    "ingress-networkingv1beta1-targets-service-no-match.yaml": ("Ingress targets Service", "CRITICAL",
                                                                "dangling-ingress-backend", True),
    "ingress_issue388.yaml": ("Ingress targets Service", "OK", "dangling-ingress-backend", False),
    "deployment-poddisruptionbudget-v1-matches.yaml": ("Deployment has PodDisruptionBudget", "OK",
                                                       "pdb-selects-nothing", False),
    "deployment-poddisruptionbudget-v1-no-match.yaml": ("Deployment has PodDisruptionBudget", "CRITICAL",
                                                        "pdb-selects-nothing", True),
    "deployment-poddisruptionbudget-v1beta1-matches.yaml": ("Deployment has PodDisruptionBudget", "OK",
                                                            "pdb-selects-nothing", False),
    "deployment-poddisruptionbudget-v1beta1-no-match.yaml": ("Deployment has PodDisruptionBudget", "CRITICAL",
                                                             "pdb-selects-nothing", True),
    "deployment-poddisruptionbudget-v1beta1-expression-matches.yaml": ("Deployment has PodDisruptionBudget", "OK",
                                                                       "pdb-selects-nothing", False),
    "deployment-poddisruptionbudget-v1beta1-expression-no-match.yaml": ("Deployment has PodDisruptionBudget",
                                                                        "CRITICAL", "pdb-selects-nothing", True),
    "statefulset-poddisruptionbudget-v1beta1-matches.yaml": ("StatefulSet has PodDisruptionBudget", "OK",
                                                             "pdb-selects-nothing", False),
    "statefulset-poddisruptionbudget-v1beta1-no-match.yaml": ("StatefulSet has PodDisruptionBudget", "CRITICAL",
                                                              "pdb-selects-nothing", True),
    "statefulset-poddisruptionbudget-v1beta1-expression-matches.yaml": ("StatefulSet has PodDisruptionBudget", "OK",
                                                                        "pdb-selects-nothing", False),
    "statefulset-poddisruptionbudget-v1beta1-expression-no-match.yaml": ("StatefulSet has PodDisruptionBudget",
                                                                         "CRITICAL", "pdb-selects-nothing", True),
}
#: Where lintops' verdict differs from kube-score's, and why (each stated in the rule's documentation).
KUBE_SCORE_DIFFERENCES = {
    # the budgets are in namespaces without any pod template: not judged ("not checked"), so that a budget for
    # pods another tool deploys is not punished; kube-score grades the Deployment, which no budget selects
    "deployment-poddisruptionbudget-v1-different-namespace.yaml": ("Deployment has PodDisruptionBudget", "CRITICAL",
                                                                   "pdb-selects-nothing", False),
    # networking.k8s.io/v1 with the v1beta1 field serviceName: lintops reads the name (and the schema rule reports
    # the unknown field); kube-score reads no Service name in it at all
    "ingress_issue363.yaml": ("Ingress targets Service", "CRITICAL", "dangling-ingress-backend", False),
    # the same, with no Service in the file: not judged ("not checked")
    "ingress-v1-invalid-backend.yaml": ("Ingress targets Service", "CRITICAL", "dangling-ingress-backend", False),
}


@pytest.mark.parametrize("name", sorted({**KUBE_SCORE, **KUBE_SCORE_DIFFERENCES}))
def test_kube_score_fixtures(name):
    _, grade, rule_id, fires = {**KUBE_SCORE, **KUBE_SCORE_DIFFERENCES}[name]
    found = [obj for rule, obj in _lint(FIXTURES / "kube-score" / "score" / "testdata" / name) if rule == rule_id]
    assert bool(found) is fires
    if name not in KUBE_SCORE_DIFFERENCES:
        assert fires is (grade == "CRITICAL")
