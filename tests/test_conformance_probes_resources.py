"""Conformance of the probe and resource rules with kube-linter's and kube-score's own fixtures.

The fixtures under ``tests/fixtures/kube-linter`` and ``tests/fixtures/kube-score`` are copied byte
for byte from those projects (see SOURCES-probes-resources.md next to them); the expected verdicts below are
transcribed from their tests (kube-linter: ``e2etests/bats-tests.sh``; kube-score:
``score/probe_test.go``, ``score/cronjob_test.go``, ``score/score_test.go``).

Every object of every copied fixture has one row per peer check and run configuration: either
lintops agrees with the peer, or the difference is deliberate, documented in the rule's
``documentation`` and listed here with its reason. The peer's verdict is written as "does the
lintops rule that corresponds to the peer's check fire on this object" (``None``: the peer's grade
does not say).

Mapping of checks:
- kube-linter ``no-liveness-probe`` / ``no-readiness-probe``: ``liveness-probe`` / ``readiness-probe``;
  ``unset-cpu-requirements`` (CPU request zero or absent): ``resource-requests``, a finding naming
  ``resources.requests.cpu``; ``unset-memory-requirements`` (memory limit zero or absent):
  ``resource-limits``, a finding naming ``resources.limits.memory``.
- kube-score "Pod Probes": CRITICAL "missing a readinessProbe" is ``readiness-probe`` firing; OK is
  neither probe rule firing. "Container Resources": CRITICAL (a limit is missing) is
  ``resource-limits`` firing; WARNING (only a request is missing) is ``resource-limits`` silent and
  ``resource-requests`` firing; OK is both silent.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from lintops.catalog import available_checks
from lintops.engine import Engine
from lintops.inputs.manifests import resources_from
from lintops.parse.stream import parse_text
from lintops.rules import RuleSpec, bind, load_rule_file
from lintops.run_context import Options
from lintops.workloads import WORKLOAD_POD_SPECS

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
RULE_IDS = ("liveness-probe", "readiness-probe", "resource-limits", "resource-requests")
PROBES = ("liveness-probe", "readiness-probe")


def _spec(rule_id: str) -> RuleSpec:
    return load_rule_file(ROOT / "rules" / f"{rule_id}.yaml", "built-in")


def _memory_only_limits(spec: RuleSpec) -> RuleSpec:
    """What the documentation tells a team without CPU limits to write in its configuration."""
    params = copy.deepcopy(dict(spec.params))
    params["schema"]["properties"]["resources"]["properties"]["limits"]["required"] = ["memory"]
    return spec.with_overrides(params=params)


@cache
def _configuration(name: str) -> tuple[tuple[RuleSpec, ...], tuple[tuple[str, str], ...]]:
    """The rules and workload kinds of a named run configuration."""
    specs = {rule_id: _spec(rule_id) for rule_id in RULE_IDS}
    workloads = dict(WORKLOAD_POD_SPECS)
    # OpenShift's DeploymentConfig is a workload kind by default, in the probe rules' `kinds` too: the
    # "default" configuration judges it as kube-linter does (it once needed a configuration of its own).
    if name == "no-cpu-limit":  # kube-score IgnoreContainerCpuLimitRequirement: true
        specs["resource-limits"] = _memory_only_limits(specs["resource-limits"])
    elif name == "no-limits":  # kube-score IgnoreContainerCpu/MemoryLimitRequirement: true
        del specs["resource-limits"]
    else:
        assert name == "default", name
    return tuple(specs.values()), tuple(workloads.items())


@cache
def _objects(fixture: str, configuration: str) -> tuple[tuple[str, tuple], ...]:
    """(kind, findings) for each object of the fixture, in document order."""
    path = FIXTURES / fixture
    text = path.read_text(encoding="utf-8")
    resources = resources_from(parse_text(text, fixture)).resources
    starts = [resource.location("").line for resource in resources]
    specs, workloads = _configuration(configuration)
    engine = Engine(bind(specs, available_checks()), Options(workloads=dict(workloads)))
    findings = [finding for report in engine.lint_text(text, fixture) for finding in report.findings]
    assert not engine.internal_errors
    per_object: list[list] = [[] for _ in resources]
    for finding in findings:
        index = max(i for i, start in enumerate(starts) if start <= finding.location.line)
        per_object[index].append(finding)
    return tuple((resource.kind, tuple(found)) for resource, found in zip(resources, per_object, strict=True))


@dataclass(frozen=True)
class Row:
    peer: str
    fixture: str  # relative to tests/fixtures
    check: str  # the peer's check
    index: int  # the object's position in the file
    kind: str
    expected: dict  # lintops rule -> does it fire, per the peer's verdict (None: the peer does not say)
    configuration: str = "default"
    aspect: dict = field(default_factory=dict)  # rule -> text a finding must contain when it fires
    container: str | None = None  # the container the peer's report names
    # A documented difference: what lintops does instead, why, and the phrase of the rule's
    # documentation that documents it.
    ours: dict | None = None
    reason: str = ""
    documented: tuple[str, str] | None = None


KL = "kube-linter/tests/checks/"
KS = "kube-score/score/testdata/"

_SERVICE_INDEPENDENT = (
    "kube-score checks probes only when a Service of the same input targets the pod; lintops does not "
    "depend on the Service, which a GitOps repository often keeps elsewhere"
)
_PER_CONTAINER = "kube-score is satisfied by one probe on any container of the pod; lintops judges each container"
_LIMIT_IS_REQUEST = (
    "kube-score does not count a limit as the request; Kubernetes copies a limit without a request into "
    "the request, so lintops does"
)


def _probe_pod_rows(fixture: str, grade: str, **difference) -> list[Row]:
    """A kube-score probe fixture: the Pod (graded) and the Service (not graded; lintops silent too)."""
    expected = {"readiness-probe": True} if grade == "CRITICAL" else {"liveness-probe": False, "readiness-probe": False}
    return [
        Row("kube-score", KS + fixture, "Pod Probes", 0, "Pod", expected, **difference),
        Row("kube-score", KS + fixture, "Pod Probes", 1, "Service",
            {"liveness-probe": False, "readiness-probe": False}),
    ]


ROWS: list[Row] = [
    # -- kube-linter, in the default configuration (DeploymentConfig is a workload kind) --------------
    # bats no-liveness-probe: 2 reports, Deployment container "app1" and DeploymentConfig container
    # "app2"; the objects named dont-fire are the fixture's negatives (the last one has an init
    # container without a probe).
    Row("kube-linter", KL + "no-liveness-probe.yml", "no-liveness-probe", 0, "Deployment",
        {"liveness-probe": False}, "default"),
    Row("kube-linter", KL + "no-liveness-probe.yml", "no-liveness-probe", 1, "DeploymentConfig",
        {"liveness-probe": False}, "default"),
    Row("kube-linter", KL + "no-liveness-probe.yml", "no-liveness-probe", 2, "Deployment",
        {"liveness-probe": True}, "default", container="app1"),
    Row("kube-linter", KL + "no-liveness-probe.yml", "no-liveness-probe", 3, "DeploymentConfig",
        {"liveness-probe": True}, "default", container="app2"),
    Row("kube-linter", KL + "no-liveness-probe.yml", "no-liveness-probe", 4, "Deployment",
        {"liveness-probe": False}, "default"),
    # bats no-readiness-probe: 2 reports, Deployment and DeploymentConfig, container "app".
    Row("kube-linter", KL + "no-readiness-probe.yml", "no-readiness-probe", 0, "Deployment",
        {"readiness-probe": False}, "default"),
    Row("kube-linter", KL + "no-readiness-probe.yml", "no-readiness-probe", 1, "DeploymentConfig",
        {"readiness-probe": False}, "default"),
    Row("kube-linter", KL + "no-readiness-probe.yml", "no-readiness-probe", 2, "Deployment",
        {"readiness-probe": True}, "default", container="app"),
    Row("kube-linter", KL + "no-readiness-probe.yml", "no-readiness-probe", 3, "DeploymentConfig",
        {"readiness-probe": True}, "default", container="app"),
    Row("kube-linter", KL + "no-readiness-probe.yml", "no-readiness-probe", 4, "Deployment",
        {"readiness-probe": False}, "default"),
    # bats unset-cpu-requirements: 2 reports "container "app" has cpu request 0" (the fixture puts
    # `requests` directly under the container, not under `resources`).
    Row("kube-linter", KL + "unset-cpu-requirements.yml", "unset-cpu-requirements", 0, "Deployment",
        {"resource-requests": True}, "default", {"resource-requests": "resources.requests.cpu"}, "app"),
    Row("kube-linter", KL + "unset-cpu-requirements.yml", "unset-cpu-requirements", 1, "DeploymentConfig",
        {"resource-requests": True}, "default", {"resource-requests": "resources.requests.cpu"}, "app"),
    # bats unset-memory-requirements: 2 reports "container "app" has memory limit 0" (`limit` misspelt
    # directly under the container).
    Row("kube-linter", KL + "unset-memory-requirements.yml", "unset-memory-requirements", 0, "Deployment",
        {"resource-limits": True}, "default", {"resource-limits": "resources.limits.memory"}, "app"),
    Row("kube-linter", KL + "unset-memory-requirements.yml", "unset-memory-requirements", 1, "DeploymentConfig",
        {"resource-limits": True}, "default", {"resource-limits": "resources.limits.memory"}, "app"),
    # -- kube-score "Pod Probes" (score/probe_test.go, score/cronjob_test.go) ------------------------
    # TestProbesPodCronMissingReady: OK, Jobs and CronJobs are not checked.
    Row("kube-score", KS + "cronjob-batchv1beta1-deadline-not-set.yaml", "Pod Probes", 0, "CronJob",
        {"liveness-probe": False, "readiness-probe": False}),
    Row("kube-score", KS + "cronjob-batchv1-deadline-not-set.yaml", "Pod Probes", 0, "CronJob",
        {"liveness-probe": False, "readiness-probe": False}),
    *_probe_pod_rows("pod-probes-all-missing.yaml", "CRITICAL"),  # TestProbesPodAllMissing
    *_probe_pod_rows("pod-probes-missing-ready.yaml", "CRITICAL"),  # TestProbesPodMissingReady
    *_probe_pod_rows("pod-probes-targeted-by-service.yaml", "CRITICAL"),  # TestProbesTargetedByService
    *_probe_pod_rows("pod-probes-targeted-by-service-same-namespace.yaml", "CRITICAL"),
    *_probe_pod_rows("pod-probes-targeted-by-service-same-namespace-multi-labels.yaml", "CRITICAL"),
    *_probe_pod_rows("pod-probes-on-different-containers-init.yaml", "OK"),  # TestProbesMultipleContainersInit
    # TestProbesTargetedByServiceNotTargeted(MultiLabels), ...DifferentNamespace: OK, "The pod is not
    # targeted by a service, skipping probe checks." The pod has a liveness probe, no readiness probe.
    *_probe_pod_rows("pod-probes-not-targeted-by-service.yaml", "OK",
                     ours={"liveness-probe": False, "readiness-probe": True}, reason=_SERVICE_INDEPENDENT,
                     documented=("readiness-probe", "lintops does not depend on the Service")),
    *_probe_pod_rows("pod-probes-not-targeted-by-service-multi-labels.yaml", "OK",
                     ours={"liveness-probe": False, "readiness-probe": True}, reason=_SERVICE_INDEPENDENT,
                     documented=("readiness-probe", "lintops does not depend on the Service")),
    *_probe_pod_rows("pod-probes-targeted-by-service-different-namespace.yaml", "OK",
                     ours={"liveness-probe": False, "readiness-probe": True}, reason=_SERVICE_INDEPENDENT,
                     documented=("readiness-probe", "lintops does not depend on the Service")),
    # TestProbesMultipleContainers: OK, the first container has both probes, the second none.
    *_probe_pod_rows("pod-probes-on-different-containers.yaml", "OK",
                     ours={"liveness-probe": True, "readiness-probe": True}, reason=_PER_CONTAINER,
                     documented=("liveness-probe", "is satisfied by one probe on any")),
    # -- kube-score "Container Resources" (score/score_test.go) --------------------------------------
    # TestPodContainerResourceLimitsAndRequests: OK.
    Row("kube-score", KS + "pod-test-resources-limits-and-requests.yaml", "Container Resources", 0, "Pod",
        {"resource-limits": False, "resource-requests": False}),
    # TestPodContainerNoResources: CRITICAL.
    Row("kube-score", KS + "pod-test-resources-none.yaml", "Container Resources", 0, "Pod",
        {"resource-limits": True}, aspect={"resource-limits": "resources.limits.cpu and resources.limits.memory"}),
    # TestPodContainerResourceLimitCpuRequired (IgnoreContainerCpuLimitRequirement: false): CRITICAL.
    Row("kube-score", KS + "pod-test-resources-limits-and-requests-no-cpu-limit.yaml", "Container Resources", 0,
        "Pod", {"resource-limits": True}, aspect={"resource-limits": "resources.limits.cpu"}),
    # TestPodContainerResourceLimitCpuNotRequired (IgnoreContainerCpuLimitRequirement: true): OK; in
    # lintops the team's configuration replaces the schema by one requiring only memory.
    Row("kube-score", KS + "pod-test-resources-limits-and-requests-no-cpu-limit.yaml", "Container Resources", 0,
        "Pod", {"resource-limits": False, "resource-requests": False}, "no-cpu-limit"),
    # TestPodContainerResourceNoLimitRequired (both Ignore...LimitRequirement: true): OK; in lintops
    # the team disables resource-limits.
    Row("kube-score", KS + "pod-test-resources-no-limits.yaml", "Container Resources", 0, "Pod",
        {"resource-requests": False}, "no-limits"),
    # TestPodContainerResourceLimits, TestDeploymentResources, TestStatefulSetResources: WARNING
    # (limits set, requests not).
    *[
        Row("kube-score", KS + fixture, "Container Resources", 0, kind,
            {"resource-limits": False, "resource-requests": True},
            ours={"resource-limits": False, "resource-requests": False}, reason=_LIMIT_IS_REQUEST,
            documented=("resource-requests", "A limit without a request counts as the request"))
        for fixture, kind in (("pod-test-resources-only-limits.yaml", "Pod"),
                              ("deployment-test-resources.yaml", "Deployment"),
                              ("statefulset-test-resources.yaml", "StatefulSet"))
    ],
]


def _row_id(row: Row) -> str:
    config = "" if row.configuration == "default" else f"[{row.configuration}]"
    return f"{row.peer}:{Path(row.fixture).name}#{row.index}{config}"


def _fires(row: Row, rule_id: str) -> bool:
    _, findings = _objects(row.fixture, row.configuration)[row.index]
    found = [f for f in findings if f.rule_id == rule_id]
    if rule_id in row.aspect:
        found = [f for f in found if row.aspect[rule_id] in f.message]
    return bool(found)


def _ours(row: Row) -> dict:
    return {rule_id: _fires(row, rule_id) for rule_id in row.expected}


@pytest.mark.parametrize("row", [r for r in ROWS if r.ours is None], ids=_row_id)
def test_agrees_with_peer(row):
    kind, findings = _objects(row.fixture, row.configuration)[row.index]
    assert kind == row.kind
    expected = {rule: verdict for rule, verdict in row.expected.items() if verdict is not None}
    assert {rule: _fires(row, rule) for rule in expected} == expected
    if row.container is not None:
        assert all(f"container '{row.container}'" in f.message for f in findings if f.rule_id in expected)


@pytest.mark.parametrize("row", [r for r in ROWS if r.ours is not None], ids=_row_id)
def test_documented_difference(row):
    kind, _ = _objects(row.fixture, row.configuration)[row.index]
    assert kind == row.kind
    ours = {rule_id: _fires(row, rule_id) for rule_id in row.ours}
    assert ours == row.ours, row.reason
    assert any(row.expected.get(rule) is not None and row.expected[rule] != ours[rule] for rule in ours)
    assert row.reason and row.documented is not None
    rule_id, phrase = row.documented
    assert phrase in _spec(rule_id).documentation, f"{rule_id} must document: {row.reason}"


def _copied_fixtures() -> dict[str, str]:
    """The fixtures this test copied, with their sha256, as listed in SOURCES-probes-resources.md."""
    copied = {}
    for folder in ("kube-linter", "kube-score"):
        note = (FIXTURES / folder / "SOURCES-probes-resources.md").read_text(encoding="utf-8")
        for path, digest in re.findall(r"^\| (\S+\.ya?ml) \| ([0-9a-f]{64}) \|$", note, re.MULTILINE):
            copied[f"{folder}/{path}"] = digest
    return copied


def test_fixtures_are_the_listed_copies():
    copied = _copied_fixtures()
    assert sorted({row.fixture for row in ROWS}) == sorted(copied)
    for fixture, digest in copied.items():
        assert hashlib.sha256((FIXTURES / fixture).read_bytes()).hexdigest() == digest, fixture


def test_every_fixture_object_is_accounted_for():
    """Each object of each copied fixture has a row for each peer check the fixture is used for."""
    for fixture in sorted({row.fixture for row in ROWS}):
        objects = _objects(fixture, "default")
        for check in sorted({row.check for row in ROWS if row.fixture == fixture}):
            indices = sorted({row.index for row in ROWS if row.fixture == fixture and row.check == check})
            assert indices == list(range(len(objects))), f"{fixture}: every object needs a row for {check}"


def test_agreement_counts():
    """The tally of this conformance run: a change of a rule or of a row shows here."""
    tally = Counter((row.peer, "differs" if row.ours is not None else "agrees") for row in ROWS)
    assert tally == {
        ("kube-linter", "agrees"): 14,
        ("kube-score", "agrees"): 23,  # 10 of them Services, which kube-score's probe check does not grade
        ("kube-score", "differs"): 7,
    }


def test_deploymentconfig_is_a_workload_without_configuration():
    """OpenShift's DeploymentConfig gets the container rules by default, as in kube-linter (no `workloads:`)."""
    for fixture, rule_id in ((KL + "no-liveness-probe.yml", "liveness-probe"),
                             (KL + "unset-memory-requirements.yml", "resource-limits")):
        fired = [kind for kind, findings in _objects(fixture, "default")
                 if kind == "DeploymentConfig" and any(f.rule_id == rule_id for f in findings)]
        assert fired, fixture
