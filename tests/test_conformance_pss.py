"""Conformance of the Pod Security Standards rules with the peers, on the peers' own fixtures.

The fixtures are copied byte for byte into ``tests/fixtures/pss/`` (see its ``SOURCES.md``). Per object,
lintops' verdict equals the one the peer's own test expects, except the deliberate differences listed in
``DIFFERENCES`` with their reason, which the rule's documentation states too.

- kube-linter (``e2etests/bats-tests.sh``): ``unsafe-proc-mount`` -> ``proc-mount``, ``unsafe-sysctls`` ->
  ``unsafe-sysctls``, ``drop-net-raw-capability`` (its "adds NET_RAW" half) -> ``dangerous-capabilities``.
- kube-score (``score/security_test.go``, "Container Seccomp Profile") -> ``pss-seccomp-required``.
"""

from __future__ import annotations

import pytest

from conftest import findings_per_object

KUBE_LINTER = "pss/kube-linter/tests/checks/"
KUBE_SCORE = "pss/kube-score/score/testdata/"

#: (fixture, rule, the objects (kind, fired?) the peer's test expects, in document order)
KUBE_LINTER_CASES = [
    # both objects set procMount: Unmasked; kube-linter reports each (2 reports)
    ("unsafe-proc-mount.yml", "proc-mount", [("Deployment", True), ("DeploymentConfig", True)]),
    # both set kernel.sem in the pod's securityContext (2 reports)
    ("unsafe-sysctls.yml", "unsafe-sysctls", [("Deployment", True), ("DeploymentConfig", True)]),
    # the two "app" objects add NET_RAW (the reports quoted by the test); the "dont-fire" ones add nothing.
    # kube-linter's two further reports are its other half, NET_RAW not dropped, which lintops leaves to
    # pss-capabilities-restricted (off by default)
    ("drop-net-raw-capability.yml", "dangerous-capabilities",
     [("Deployment", False), ("DeploymentConfig", False), ("Deployment", True), ("DeploymentConfig", True)]),
]


@pytest.mark.parametrize(("fixture", "rule_id", "expected"), KUBE_LINTER_CASES, ids=[c[0] for c in KUBE_LINTER_CASES])
def test_kube_linter_verdicts(fixture, rule_id, expected):
    verdicts = [(kind, bool(found)) for kind, found in findings_per_object(KUBE_LINTER + fixture, rule_id)]
    assert verdicts == expected


def test_kube_linter_net_raw_findings_are_at_the_added_entry():
    per_object = findings_per_object(KUBE_LINTER + "drop-net-raw-capability.yml", "dangerous-capabilities")
    pointers = [f.pointer for _, found in per_object for f in found]
    assert pointers == ["/spec/template/spec/containers/0/securityContext/capabilities/add/0"] * 2


#: kube-score's grade per file (OK: no finding, WARNING: a finding), and lintops' where it differs on purpose
KUBE_SCORE_GRADES = {
    "pod-seccomp-securecontext-ok.yaml": "OK",
    "pod-seccomp-container-securecontext-ok.yaml": "OK",
    "pod-seccomp-container-securecontext-warning.yaml": "WARNING",
    "pod-seccomp-securecontext-warning.yaml": "WARNING",
    "pod-seccomp-no-annotation.yaml": "WARNING",
    "pod-seccomp-annotated.yaml": "OK",
}
DIFFERENCES = {
    # kube-score accepts the PodSecurityPolicy annotation seccomp.security.alpha.kubernetes.io/defaultProfileName
    # on the pod; it is a policy's default, not the pod's profile, and the restricted control reads the fields
    "pod-seccomp-annotated.yaml": "WARNING",
}


@pytest.mark.parametrize("fixture", sorted(KUBE_SCORE_GRADES))
def test_kube_score_seccomp_grades(fixture):
    per_object = findings_per_object(KUBE_SCORE + fixture, "pss-seccomp-required")
    grade = "WARNING" if any(found for _, found in per_object) else "OK"
    assert grade == DIFFERENCES.get(fixture, KUBE_SCORE_GRADES[fixture])


def test_kube_score_seccomp_names_each_container_without_a_profile():
    per_object = findings_per_object(KUBE_SCORE + "pod-seccomp-container-securecontext-warning.yaml",
                                     "pss-seccomp-required")
    assert [f.pointer for _, found in per_object for f in found] == ["/spec/containers/1/securityContext"]
