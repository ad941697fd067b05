"""The probe and resource house rules through the real engine: what must fire, and what must not.

A false positive costs more than a miss: people stop reading a linter that cries wolf. So most cases
here are objects the rules must leave alone (init containers and probes, Jobs and probes, a limit
that stands for the request), next to the exact place (line:column, pointer) of what they report.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from builders import bare_workload, cronjob, pod
from conftest import lint_rules as lint
from conftest import rule_spec as spec
from conftest import where
from lintops.model import Severity

RULES = Path(__file__).resolve().parent.parent / "rules"
PROBES = ("liveness-probe", "readiness-probe")
RESOURCES = ("resource-limits", "resource-requests")

FULL_RESOURCES = "resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 200m, memory: 64Mi}}"
PROBED = "livenessProbe: {tcpSocket: {port: 8080}}\n    readinessProbe: {tcpSocket: {port: 8080}}"


# -- the rule files ----------------------------------------------------------------------------------


def test_rule_files_declare_the_decided_targets_and_severities():
    liveness, readiness, limits, requests = (spec(r) for r in (*PROBES, *RESOURCES))
    assert (liveness.severity, readiness.severity) == (Severity.ERROR, Severity.WARNING)
    assert (limits.severity, requests.severity) == (Severity.ERROR, Severity.WARNING)
    for probe in (liveness, readiness):
        assert probe.targets == ("container",)
        assert set(probe.kinds) == {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
                                    "Pod", "Rollout", "DeploymentConfig"}
    for resources in (limits, requests):
        assert resources.targets == ("container", "init-container")
        assert resources.kinds is None
    assert all(s.check == "json-schema" for s in (liveness, readiness, limits, requests))


# -- probes: what must fire ----------------------------------------------------------------------------


def test_only_the_container_without_a_probe_is_reported_at_its_exact_place():
    text = bare_workload("Deployment", """\
        containers:
          - name: web
            livenessProbe: {httpGet: {path: /healthz, port: 8080}}
            readinessProbe: {httpGet: {path: /ready, port: 8080}}
          - name: log-shipper
            image: shipper:1.0
        """)
    findings = lint(text, *PROBES)
    assert where(findings) == [
        ("liveness-probe", 11, 11, "/spec/template/spec/containers/1"),
        ("readiness-probe", 11, 11, "/spec/template/spec/containers/1"),
    ]
    assert [f.message for f in findings] == ["container 'log-shipper' has no livenessProbe",
                                            "container 'log-shipper' has no readinessProbe"]
    assert [f.severity for f in findings] == [Severity.ERROR, Severity.WARNING]


@pytest.mark.parametrize("api_version, kind", [("apps/v1", "Deployment"), ("apps/v1", "StatefulSet"),
                                               ("apps/v1", "DaemonSet"), ("apps/v1", "ReplicaSet"),
                                               ("v1", "ReplicationController")])
def test_every_long_running_workload_kind_is_checked(api_version, kind):
    text = bare_workload(kind, "containers: [{name: app, image: app:1}]", name="w", api_version=api_version)
    assert where(lint(text, *PROBES)) == [
        ("liveness-probe", 7, 20, "/spec/template/spec/containers/0"),
        ("readiness-probe", 7, 20, "/spec/template/spec/containers/0"),
    ]


@pytest.mark.parametrize("restart_policy", [None, "Always"])
def test_a_bare_long_running_pod_is_checked(restart_policy):
    policy = f"restartPolicy: {restart_policy}\n" if restart_policy else ""
    text = pod(policy + "containers:\n  - name: app\n    image: app:1\n")
    line = 7 if restart_policy else 6
    assert where(lint(text, *PROBES)) == [("liveness-probe", line, 7, "/spec/containers/0"),
                                          ("readiness-probe", line, 7, "/spec/containers/0")]


def test_a_null_probe_is_no_probe():
    text = pod("containers:\n  - name: app\n    livenessProbe: ~\n    readinessProbe: null\n")
    assert [f.rule_id for f in lint(text, *PROBES)] == ["liveness-probe", "readiness-probe"]


def test_a_team_can_enable_probe_checks_for_jobs_through_kinds():
    job = bare_workload("Job", "restartPolicy: Never\ncontainers: [{name: migrate, image: migrate:1}]", name="migrate",
                        api_version="batch/v1")
    liveness = spec("liveness-probe")
    with_jobs = liveness.with_overrides(kinds=(*liveness.kinds, "Job", "CronJob"))
    assert where(lint(job, specs=[with_jobs])) == [("liveness-probe", 8, 20, "/spec/template/spec/containers/0")]


def test_custom_workload_kinds_are_checked_once_listed_in_kinds():
    cloneset = bare_workload("CloneSet", "containers: [{name: web, image: web:1}]",
                             api_version="apps.kruise.io/v1alpha1")
    workloads = {"CloneSet": "/spec/template/spec"}
    assert lint(cloneset, *PROBES, workloads=workloads) == []
    liveness = spec("liveness-probe")
    listed = liveness.with_overrides(kinds=(*liveness.kinds, "CloneSet"))
    assert [f.rule_id for f in lint(cloneset, specs=[listed], workloads=workloads)] == ["liveness-probe"]
    # The resource rules cover every workload kind the configuration declares, without a kinds list.
    assert [f.rule_id for f in lint(cloneset, *RESOURCES, workloads=workloads)] == list(RESOURCES)


def test_rollouts_and_deploymentconfigs_are_long_running_workloads_by_default():
    for api_version, kind in (("argoproj.io/v1alpha1", "Rollout"), ("apps.openshift.io/v1", "DeploymentConfig")):
        text = bare_workload(kind, "containers: [{name: web, image: web:1}]", api_version=api_version)
        assert sorted(f.rule_id for f in lint(text, *PROBES, *RESOURCES)) == sorted((*PROBES, *RESOURCES)), kind


# -- probes: what must not fire ------------------------------------------------------------------------


def test_init_containers_never_need_probes():
    text = pod(f"""\
        initContainers:
          - name: migrate
            image: migrate:1
        containers:
          - name: app
            {PROBED}
        """)
    assert lint(text, *PROBES) == []


def test_ephemeral_containers_are_not_checked_for_probes():
    text = pod(f"""\
        containers:
          - name: app
            {PROBED}
        ephemeralContainers:
          - name: debugger
            image: busybox:1.36
        """)
    assert lint(text, *PROBES) == []


JOB = bare_workload("Job", "restartPolicy: OnFailure\ncontainers: [{name: run, image: run:1}]", name="migrate",
                    api_version="batch/v1")
CRONJOB = cronjob("report", "containers: [{name: run, image: run:1}]")


@pytest.mark.parametrize("text", [JOB, CRONJOB], ids=["Job", "CronJob"])
def test_jobs_and_cronjobs_are_not_checked_for_probes(text):
    assert lint(text, *PROBES) == []
    # ... but their containers are checked for resources.
    assert [f.rule_id for f in lint(text, *RESOURCES)] == list(RESOURCES)


@pytest.mark.parametrize("restart_policy", ["Never", "OnFailure"])
def test_a_pod_that_runs_to_completion_is_not_checked_for_probes(restart_policy):
    """A Helm test hook (`helm create` makes one) or a one-off task is not a long-running workload."""
    text = """\
    apiVersion: v1
    kind: Pod
    metadata:
      name: web-test-connection
      annotations: {helm.sh/hook: test}
    spec:
      restartPolicy: POLICY
      containers:
        - name: wget
          image: busybox:1.36
          command: [wget, "web:80"]
    """.replace("POLICY", restart_policy)
    assert lint(text, *PROBES) == []
    assert [f.rule_id for f in lint(text, "resource-limits")] == ["resource-limits"]


def test_objects_without_containers_and_other_kinds_are_left_alone():
    text = """\
    apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec: {selector: {app: web}, ports: [{port: 80}]}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: empty}
    spec: {template: {spec: {containers: []}}}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: no-template}
    spec: {replicas: 1}
    """
    assert lint(text, *PROBES, *RESOURCES) == []


# -- resource limits -----------------------------------------------------------------------------------


def test_cronjob_containers_are_checked_for_limits_at_the_exact_place():
    text = cronjob("report", """\
        containers:
          - name: report
            image: report:3
            resources:
              limits:
                cpu: 500m
        """)
    findings = lint(text, "resource-limits")
    assert where(findings) == [
        ("resource-limits", 15, 17, "/spec/jobTemplate/spec/template/spec/containers/0/resources/limits"),
    ]
    assert findings[0].message == "container 'report' sets no resources.limits.memory"


@pytest.mark.parametrize("container, line, column, pointer, message", [
    ("- name: app\n  image: app:1\n", 6, 7, "/spec/containers/0",
     "container 'app' sets no resources.limits.cpu and resources.limits.memory"),
    ("- name: app\n  resources:\n    requests: {cpu: 100m}\n", 7, 7, "/spec/containers/0/resources",
     "container 'app' sets no resources.limits.cpu and resources.limits.memory"),
    ("- name: app\n  resources: ~\n", 6, 7, "/spec/containers/0",
     "container 'app' sets no resources.limits.cpu and resources.limits.memory"),
    ("- name: app\n  resources:\n    limits:\n      memory: 1Gi\n", 8, 9, "/spec/containers/0/resources/limits",
     "container 'app' sets no resources.limits.cpu"),
    ("- name: app\n  resources:\n    limits: {cpu: '1', memory: ~}\n", 8, 17,
     "/spec/containers/0/resources/limits", "container 'app' sets no resources.limits.memory"),
    ("- name: app\n  resources:\n    limits:\n      cpu: 0\n      memory: 1Gi\n", 9, 16,
     "/spec/containers/0/resources/limits/cpu",
     "container 'app' sets resources.limits.cpu to zero, which means no limit"),
    ("- name: app\n  resources:\n    limits: {cpu: 1, memory: 0Mi}\n", 8, 34,
     "/spec/containers/0/resources/limits/memory",
     "container 'app' sets resources.limits.memory to zero, which means no limit"),
])
def test_limits_are_reported_at_the_deepest_existing_node(container, line, column, pointer, message):
    text = pod("containers:\n" + textwrap.indent(container, "  "))
    findings = lint(text, "resource-limits")
    assert [(f.location.line, f.location.column, f.pointer, f.message) for f in findings] == [
        (line, column, pointer, message)]


@pytest.mark.parametrize("limits", ["{cpu: 500m, memory: 1Gi}", "{cpu: 1, memory: 1073741824}",
                                    "{cpu: '0.5', memory: 512Mi}", "{cpu: 2.5, memory: 1e9}"])
def test_set_limits_pass(limits):
    text = pod(f"containers:\n  - name: app\n    resources: {{limits: {limits}}}\n")
    assert lint(text, "resource-limits") == []


def test_init_containers_need_limits_and_ephemeral_containers_do_not():
    text = pod(f"""\
        initContainers:
          - name: migrate
            image: migrate:1
        containers:
          - name: app
            {FULL_RESOURCES}
        ephemeralContainers:
          - name: debugger
            image: busybox:1.36
        """)
    findings = lint(text, *RESOURCES)
    assert where(findings) == [("resource-limits", 6, 7, "/spec/initContainers/0"),
                               ("resource-requests", 6, 7, "/spec/initContainers/0")]
    assert findings[0].message == "container 'migrate' sets no resources.limits.cpu and resources.limits.memory"


def test_list_items_are_checked_and_positioned_in_their_file():
    text = """\
    apiVersion: v1
    kind: List
    items:
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: ok}
        spec:
          template:
            spec:
              containers:
                - name: app
                  resources: {limits: {cpu: 100m, memory: 64Mi}}
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: missing}
        spec:
          template:
            spec:
              containers:
                - name: app
                  resources:
                    limits: {cpu: 100m}
    """
    findings = lint(text, *RESOURCES)
    assert where(findings) == [
        ("resource-requests", 21, 15, "/spec/template/spec/containers/0/resources"),
        ("resource-limits", 22, 25, "/spec/template/spec/containers/0/resources/limits"),
    ]
    assert [f.object.name for f in findings] == ["missing", "missing"]


# -- resource requests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("resources", [
    "{requests: {cpu: 100m, memory: 64Mi}}",
    "{limits: {cpu: 100m, memory: 64Mi}}",  # Kubernetes copies the limits into the requests
    "{requests: {cpu: 100m}, limits: {memory: 64Mi}}",
    "{requests: {memory: 64Mi}, limits: {cpu: 1, memory: 128Mi}}",
])
def test_requests_or_limits_standing_for_them_pass(resources):
    text = pod(f"containers:\n  - name: app\n    resources: {resources}\n")
    assert lint(text, "resource-requests") == []


@pytest.mark.parametrize("resources, pointer, message", [
    (None, "/spec/containers/0",
     "container 'app' sets no resources.requests.cpu and resources.requests.memory"),
    ("{requests: {memory: 64Mi}}", "/spec/containers/0/resources/requests",
     "container 'app' sets no resources.requests.cpu"),
    ("{limits: {cpu: 1}}", "/spec/containers/0/resources",
     "container 'app' sets no resources.requests.memory"),
    # A zero limit is no limit, so it does not stand for the request.
    ("{limits: {cpu: '0', memory: 64Mi}}", "/spec/containers/0/resources",
     "container 'app' sets no resources.requests.cpu"),
    # An explicit zero request is kept by Kubernetes even when a limit is set.
    ("{requests: {cpu: 0m}, limits: {cpu: 1, memory: 64Mi}}", "/spec/containers/0/resources/requests/cpu",
     "container 'app' sets resources.requests.cpu to zero, which reserves nothing"),
])
def test_missing_requests_are_reported(resources, pointer, message):
    text = pod("containers:\n  - name: app\n" + (f"    resources: {resources}\n" if resources else ""))
    findings = lint(text, "resource-requests")
    assert [(f.pointer, f.message, f.severity) for f in findings] == [(pointer, message, Severity.WARNING)]


def test_messages_never_echo_values():
    text = pod("containers:\n  - name: app\n    resources: {limits: {cpu: '0.000', memory: 0e3}}\n")
    for finding in lint(text, *RESOURCES):
        assert "0.000" not in finding.message and "0e3" not in finding.message
