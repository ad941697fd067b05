"""The pod security house rules through the real engine: what must fire, what must not, and where.

Rules: ``privileged-container``, ``privilege-escalation``, ``host-namespaces``, ``run-as-non-root``,
``read-only-root-filesystem``, ``sensitive-host-mounts``. All are ``json-schema`` rules (data): the
ones that depend on pod-level settings (``run-as-non-root``) or on which list a container is in
(``read-only-root-filesystem``) target the pod spec and report each container at its own position.

The last part is conformance with kube-linter on its own fixtures (copied byte for byte, see
``tests/fixtures/kube-linter/SOURCES-security.md``): per object, lintops' verdict equals the one
kube-linter's end-to-end test expects, except the deliberate differences listed in
``DIFFERENCES`` with their reason, which the rule's documentation states too.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from builders import bare_workload, cronjob, deployment, pod
from conftest import findings_per_object, where
from conftest import lint_rules as lint
from conftest import rule_spec as spec
from lintops.model import Severity

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SECURITY = ("privileged-container", "privilege-escalation", "host-namespaces", "run-as-non-root",
            "read-only-root-filesystem", "sensitive-host-mounts")


def fired(text: str, rule_id: str) -> list[str]:
    """The names (as the messages quote them) of what ``rule_id`` reports in ``text``."""
    return [re.search(r"'([^']*)'", f.message).group(1) for f in lint(text, rule_id)]


# -- the rule files ----------------------------------------------------------------------------------


def test_rule_files_declare_the_decided_severities_and_targets():
    severities = {rule_id: spec(rule_id).severity for rule_id in SECURITY}
    assert severities == {
        "privileged-container": Severity.ERROR, "host-namespaces": Severity.ERROR,
        "sensitive-host-mounts": Severity.ERROR, "privilege-escalation": Severity.WARNING,
        "run-as-non-root": Severity.WARNING, "read-only-root-filesystem": Severity.WARNING,
    }
    assert spec("privileged-container").targets == ("container", "init-container", "ephemeral-container")
    assert spec("privilege-escalation").targets == ("container", "init-container", "ephemeral-container")
    assert spec("host-namespaces").targets == ("pod-spec",)
    assert spec("run-as-non-root").targets == ("pod-spec",)
    assert spec("read-only-root-filesystem").targets == ("pod-spec",)
    assert spec("sensitive-host-mounts").targets == ("pod-spec", "PersistentVolume")
    for rule_id in SECURITY:
        assert spec(rule_id).check == "json-schema", rule_id  # rules as data: no code of their own
        assert spec(rule_id).enabled and spec(rule_id).kinds is None, rule_id
        assert "kube-linter" in spec(rule_id).documentation, rule_id


CRONJOB = cronjob("nightly", """\
    hostPID: true
    containers:
      - name: run
        image: registry.example.com/run:1.0.0
        securityContext:
          privileged: true
          allowPrivilegeEscalation: true
          runAsUser: 0
          readOnlyRootFilesystem: false
    volumes:
      - name: host
        hostPath: {path: /}
    """)


def test_cronjob_pod_specs_are_checked_at_the_exact_places():
    base = "/spec/jobTemplate/spec/template/spec"
    findings = lint(CRONJOB, *SECURITY)
    assert sorted(where(findings)) == sorted([
        ("host-namespaces", 11, 20, f"{base}/hostPID"),
        ("privileged-container", 16, 29, f"{base}/containers/0/securityContext/privileged"),
        ("privilege-escalation", 17, 43, f"{base}/containers/0/securityContext/allowPrivilegeEscalation"),
        ("run-as-non-root", 18, 28, f"{base}/containers/0/securityContext/runAsUser"),
        ("read-only-root-filesystem", 19, 41, f"{base}/containers/0/securityContext/readOnlyRootFilesystem"),
        ("sensitive-host-mounts", 22, 32, f"{base}/volumes/0/hostPath/path"),
    ])
    assert all(f.object.name == "nightly" and f.object.kind == "CronJob" for f in findings)


HARDENED = deployment(pod_spec="""\
    securityContext:
      runAsNonRoot: true
      runAsUser: 10001
    initContainers:
      - name: migrate
        image: registry.example.com/migrate:1.0.0
        securityContext: {allowPrivilegeEscalation: false}
    containers:
      - name: web
        image: registry.example.com/web:1.0.0
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
        volumeMounts: [{name: tmp, mountPath: /tmp}]
    volumes:
      - {name: tmp, emptyDir: {}}
      - {name: certs, hostPath: {path: /etc/ssl/certs}}
    """)


def test_a_hardened_workload_passes_every_rule():
    assert lint(HARDENED, *SECURITY) == []


def test_objects_without_pod_specs_are_left_alone():
    text = """\
    apiVersion: v1
    kind: Service
    metadata: {name: web}
    spec: {selector: {app: web}, ports: [{port: 80}], hostNetwork: true}
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: c}
    data: {securityContext: "privileged: true"}
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: no-template}
    spec: {replicas: 1}
    """
    assert lint(text, *SECURITY) == []


def test_custom_workload_kinds_are_checked_once_declared():
    cloneset = bare_workload("CloneSet", """\
        hostNetwork: true
        containers:
          - name: web
            securityContext: {privileged: true}
        """, api_version="apps.kruise.io/v1alpha1")
    assert lint(cloneset, *SECURITY) == []
    found = {f.rule_id for f in lint(cloneset, *SECURITY, workloads={"CloneSet": "/spec/template/spec"})}
    assert found == {"host-namespaces", "privileged-container", "run-as-non-root", "read-only-root-filesystem"}
    # Argo Rollouts are workload kinds without any configuration
    rollout = cloneset.replace("apps.kruise.io/v1alpha1", "argoproj.io/v1alpha1").replace("CloneSet", "Rollout")
    assert {f.rule_id for f in lint(rollout, *SECURITY)} == found


# -- privileged-container -------------------------------------------------------------------------------


def test_privileged_containers_of_every_list_are_reported_at_the_value():
    text = pod("""\
        initContainers:
          - name: sysctl
            securityContext: {privileged: true}
        containers:
          - name: app
            securityContext:
              privileged: true
          - name: sidecar
        ephemeralContainers:
          - name: debug
            securityContext: {privileged: true}
        """)
    findings = lint(text, "privileged-container")
    assert where(findings) == [
        ("privileged-container", 7, 37, "/spec/initContainers/0/securityContext/privileged"),
        ("privileged-container", 11, 21, "/spec/containers/0/securityContext/privileged"),
        ("privileged-container", 15, 37, "/spec/ephemeralContainers/0/securityContext/privileged"),
    ]
    assert findings[1].message.startswith("container 'app' is privileged (securityContext.privileged: true)")
    assert {f.severity for f in findings} == {Severity.ERROR}


@pytest.mark.parametrize("security_context", [None, "{}", "~", "{privileged: false}", "{privileged: ~}"])
def test_unprivileged_containers_pass(security_context):
    container = "- name: app\n" + (f"  securityContext: {security_context}\n" if security_context else "")
    assert lint(pod("containers:\n" + textwrap.indent(container, "  ")), "privileged-container") == []


# -- privilege-escalation -------------------------------------------------------------------------------


@pytest.mark.parametrize("security_context, fires", [
    ("{allowPrivilegeEscalation: true}", True),
    ("{allowPrivilegeEscalation: false}", False),
    (None, False),  # unset is not reported on its own (documented decision)
    ("{runAsNonRoot: true}", False),
    ("{allowPrivilegeEscalation: ~}", False),
    ("{capabilities: {add: [SYS_ADMIN]}}", True),
    ("{capabilities: {add: [NET_ADMIN, CAP_SYS_ADMIN]}}", True),
    ("{capabilities: {add: [ALL]}}", True),
    ("{capabilities: {add: [NET_BIND_SERVICE]}}", False),
    ("{capabilities: {drop: [SYS_ADMIN]}}", False),
    ("{allowPrivilegeEscalation: false, capabilities: {add: [SYS_ADMIN]}}", False),
    ("{allowPrivilegeEscalation: ~, capabilities: {add: [SYS_ADMIN]}}", True),
    # privileged implies escalation, but privileged-container reports it (documented decision)
    ("{privileged: true}", False),
    ("{privileged: true, allowPrivilegeEscalation: true}", True),
])
def test_privilege_escalation_semantics(security_context, fires):
    container = "- name: app\n" + (f"  securityContext: {security_context}\n" if security_context else "")
    text = pod("containers:\n" + textwrap.indent(container, "  "))
    assert fired(text, "privilege-escalation") == (["app"] if fires else [])


def test_privilege_escalation_positions_and_messages():
    text = pod("""\
        initContainers:
          - name: setup
            securityContext:
              allowPrivilegeEscalation: true
        containers:
          - name: fuse
            securityContext:
              capabilities:
                add:
                  - NET_ADMIN
                  - SYS_ADMIN
        """)
    findings = lint(text, "privilege-escalation")
    assert where(findings) == [
        ("privilege-escalation", 8, 35, "/spec/initContainers/0/securityContext/allowPrivilegeEscalation"),
        ("privilege-escalation", 15, 15, "/spec/containers/0/securityContext/capabilities/add/1"),
    ]
    assert findings[0].message.startswith("container 'setup' sets securityContext.allowPrivilegeEscalation: true")
    assert findings[1].message.startswith("container 'fuse' adds SYS_ADMIN (or ALL) to its capabilities "
                                          "(securityContext.capabilities.add[1])")
    assert {f.severity for f in findings} == {Severity.WARNING}


# -- host-namespaces ------------------------------------------------------------------------------------


def test_each_shared_namespace_is_one_finding_that_names_it():
    text = bare_workload("DaemonSet", """\
        hostNetwork: true
        hostPID: true
        hostIPC: true
        containers: [{name: a}]
        """, name="agent")
    findings = lint(text, "host-namespaces")
    assert where(findings) == [
        ("host-namespaces", 7, 20, "/spec/template/spec/hostNetwork"),
        ("host-namespaces", 8, 16, "/spec/template/spec/hostPID"),
        ("host-namespaces", 9, 16, "/spec/template/spec/hostIPC"),
    ]
    messages = [f.message for f in findings]
    assert messages[0].startswith("DaemonSet 'agent' sets hostNetwork: true: its pod uses the node's network")
    assert messages[1].startswith("DaemonSet 'agent' sets hostPID: true: its pod sees every process")
    assert messages[2].startswith("DaemonSet 'agent' sets hostIPC: true: its pod shares the node's System V IPC")
    assert {f.severity for f in findings} == {Severity.ERROR}


@pytest.mark.parametrize("settings", ["", "hostNetwork: false\nhostPID: false\nhostIPC: false\n",
                                      "hostNetwork: ~\n", "shareProcessNamespace: true\n"])
def test_unshared_namespaces_pass(settings):
    assert lint(pod(settings + "containers: [{name: a}]\n"), "host-namespaces") == []


# -- run-as-non-root --------------------------------------------------------------------------------------

#: (pod securityContext, container securityContext, fires). None: the key is absent.
RUN_AS_NON_ROOT = [
    # neither pod nor container
    (None, None, True),
    ("{}", "{}", True),
    (None, "{runAsNonRoot: false}", True),
    (None, "{runAsGroup: 1000, fsGroup: 1000}", True),
    # the container alone
    (None, "{runAsNonRoot: true}", False),
    (None, "{runAsUser: 1000}", False),
    (None, "{runAsUser: 0}", True),
    (None, "{runAsNonRoot: true, runAsUser: 0}", True),  # the kubelet refuses to start it
    (None, "{runAsNonRoot: false, runAsUser: 1000}", False),  # runs as 1000
    # the pod, inherited
    ("{runAsNonRoot: true}", None, False),
    ("{runAsUser: 1000}", None, False),
    ("{runAsNonRoot: true, runAsUser: 1000}", "{}", False),
    ("{runAsUser: 0}", None, True),
    ("{runAsNonRoot: true, runAsUser: 0}", None, True),
    ("{runAsNonRoot: false}", None, True),
    # the container overrides the pod
    ("{runAsNonRoot: true}", "{runAsNonRoot: false}", True),
    ("{runAsNonRoot: true}", "{runAsUser: 0}", True),
    ("{runAsUser: 1000}", "{runAsUser: 0}", True),
    ("{runAsNonRoot: true, runAsUser: 1000}", "{runAsUser: 0}", True),
    ("{runAsUser: 0}", "{runAsUser: 1000}", False),
    ("{runAsUser: 0}", "{runAsNonRoot: true}", True),  # still user 0
    ("{runAsNonRoot: false}", "{runAsNonRoot: true}", False),
    ("{runAsUser: 1000}", "{runAsNonRoot: false}", False),  # still user 1000
    ("{runAsNonRoot: true}", "{runAsNonRoot: false, runAsUser: 1000}", False),
    # null is unset
    ("{runAsNonRoot: true}", "{runAsNonRoot: ~, runAsUser: ~}", False),
    ("{runAsNonRoot: ~}", None, True),
    # the group is not checked (documented difference with kube-linter)
    ("{runAsNonRoot: true, runAsGroup: 0}", "{runAsGroup: 0}", False),
]


@pytest.mark.parametrize("pod_context, container_context, fires", RUN_AS_NON_ROOT)
def test_run_as_non_root_inheritance_and_override(pod_context, container_context, fires):
    body = f"securityContext: {pod_context}\n" if pod_context else ""
    body += "containers:\n  - name: app\n"
    body += f"    securityContext: {container_context}\n" if container_context else ""
    assert fired(pod(body), "run-as-non-root") == (["app"] if fires else [])


def test_run_as_non_root_judges_each_container_of_each_list():
    text = bare_workload("StatefulSet", """\
        securityContext:
          runAsNonRoot: true
        initContainers:
          - name: chown
            securityContext:
              runAsUser: 0
          - name: wait
        containers:
          - name: db
          - name: exporter
            securityContext:
              runAsNonRoot: false
        """, name="db")
    findings = lint(text, "run-as-non-root")
    assert where(findings) == [
        ("run-as-non-root", 12, 24, "/spec/template/spec/initContainers/0/securityContext/runAsUser"),
        ("run-as-non-root", 18, 27, "/spec/template/spec/containers/1/securityContext/runAsNonRoot"),
    ]
    assert [f.message for f in findings] == [
        "container 'chown' runs as root: it sets securityContext.runAsUser to 0",
        "container 'exporter' sets securityContext.runAsNonRoot: false and no non-zero runAsUser applies to it, "
        "so it runs as whatever user its image names, root included",
    ]
    assert {f.severity for f in findings} == {Severity.WARNING}


def test_run_as_non_root_reports_missing_settings_at_the_nearest_node():
    text = pod("""\
        containers:
          - name: bare
            image: app:1
          - name: empty
            securityContext:
              readOnlyRootFilesystem: true
        ephemeralContainers:
          - name: debug
        """)
    findings = lint(text, "run-as-non-root")
    assert where(findings) == [
        ("run-as-non-root", 6, 7, "/spec/containers/0"),
        ("run-as-non-root", 9, 7, "/spec/containers/1/securityContext"),
        ("run-as-non-root", 12, 7, "/spec/ephemeralContainers/0"),
    ]
    assert findings[0].message == ("container 'bare' may run as root: neither it nor its pod sets "
                                   "securityContext.runAsNonRoot: true or a non-zero securityContext.runAsUser")


def test_a_pod_running_as_root_is_reported_on_each_container_that_inherits_it():
    text = pod("""\
        securityContext: {runAsUser: 0}
        containers:
          - name: inherits
          - name: overrides
            securityContext: {runAsUser: 1000}
        """)
    findings = lint(text, "run-as-non-root")
    assert where(findings) == [("run-as-non-root", 7, 7, "/spec/containers/0")]
    assert findings[0].message == ("container 'inherits' runs as root: its pod sets securityContext.runAsUser to 0 "
                                   "and the container sets no non-zero runAsUser of its own")


def test_run_as_non_root_in_a_cronjob_inherits_from_its_pod_template():
    text = CRONJOB.replace("hostPID: true", "securityContext: {runAsNonRoot: true}").replace(
        "                runAsUser: 0\n", "")
    assert lint(text, "run-as-non-root") == []
    assert [f.pointer for f in lint(CRONJOB, "run-as-non-root")] == [
        "/spec/jobTemplate/spec/template/spec/containers/0/securityContext/runAsUser"]


# -- read-only-root-filesystem ---------------------------------------------------------------------------


def test_read_only_root_filesystem_positions():
    text = pod("""\
        containers:
          - name: bare
          - name: empty
            securityContext: {}
          - name: writable
            securityContext:
              readOnlyRootFilesystem: false
          - name: ok
            securityContext:
              readOnlyRootFilesystem: true
        """)
    findings = lint(text, "read-only-root-filesystem")
    assert where(findings) == [
        ("read-only-root-filesystem", 6, 7, "/spec/containers/0"),
        ("read-only-root-filesystem", 8, 24, "/spec/containers/1/securityContext"),
        ("read-only-root-filesystem", 11, 33, "/spec/containers/2/securityContext/readOnlyRootFilesystem"),
    ]
    assert findings[0].message.startswith(
        "container 'bare' does not set securityContext.readOnlyRootFilesystem: true")
    assert {f.severity for f in findings} == {Severity.WARNING}


def test_only_native_sidecar_init_containers_need_a_read_only_root_filesystem():
    text = pod("""\
        initContainers:
          - name: unpack
          - name: once
            restartPolicy: OnFailure
          - name: proxy
            restartPolicy: Always
        containers:
          - name: app
            securityContext: {readOnlyRootFilesystem: true}
        ephemeralContainers:
          - name: debug
        """)
    assert fired(text, "read-only-root-filesystem") == ["proxy"]


@pytest.mark.parametrize("windows", ["os: {name: windows}",
                                     "nodeSelector: {kubernetes.io/os: windows}",
                                     "nodeSelector: {beta.kubernetes.io/os: windows}"])
def test_windows_pods_have_no_read_only_root_filesystem(windows):
    assert lint(pod(windows + "\ncontainers: [{name: app}]\n"), "read-only-root-filesystem") == []
    linux = windows.replace("windows", "linux")
    assert fired(pod(linux + "\ncontainers: [{name: app}]\n"), "read-only-root-filesystem") == ["app"]


# -- sensitive-host-mounts -------------------------------------------------------------------------------

SENSITIVE = ["/", "//", "/etc", "/etc/", "/proc", "/proc/1/root", "/sys", "/dev", "/boot", "/lib", "/usr",
             "/root", "/root/.kube", "/home", "/var", "/var/lib", "/var/run", "/run",
             "/var/lib/kubelet", "/var/lib/kubelet/pki", "/var/lib/kubelet/pods", "/etc/kubernetes",
             "/etc/kubernetes/manifests", "/var/lib/etcd", "/var/run/docker.sock", "/run/docker.sock",
             "/run/containerd/containerd.sock", "/var/run/crio/crio.sock", "/var/run/cri-dockerd.sock",
             "/var/run/dockershim.sock", "/run/containerd", "/var/run/crio", "/tmp/docker.sock"]
HARMLESS = ["/data", "/var/log", "/var/log/pods", "/etc/ssl/certs", "/etc/localtime", "/lib/modules",
            "/sys/fs/cgroup", "/usr/share/zoneinfo", "/run/xtables.lock", "/var/run/thing.sock",
            "/var/lib/docker/containers", "/var/lib/kubelet-extra", "/rootfs", "/etcd", "/mnt/disks/ssd0",
            "/opt/cni/bin", "/tmp/mydocker.sock"]


@pytest.mark.parametrize("path, fires", [(p, True) for p in SENSITIVE] + [(p, False) for p in HARMLESS])
def test_sensitive_host_paths(path, fires):
    text = pod(f"""\
        containers:
          - name: app
            volumeMounts: [{{name: host, mountPath: /host, readOnly: true}}]
        volumes:
          - name: host
            hostPath: {{path: "{path}"}}
        """)
    assert fired(text, "sensitive-host-mounts") == (["host"] if fires else [])


def test_a_sensitive_volume_is_reported_once_at_its_path():
    text = pod("""\
        containers:
          - name: a
            volumeMounts: [{name: sock, mountPath: /var/run/docker.sock}]
          - name: b
            volumeMounts: [{name: sock, mountPath: /var/run/docker.sock, readOnly: true}]
        volumes:
          - name: data
            emptyDir: {}
          - name: sock
            hostPath:
              path: /var/run/docker.sock
              type: Socket
          - name: unused
            hostPath: {path: /proc}
        """)
    findings = lint(text, "sensitive-host-mounts")
    assert where(findings) == [
        ("sensitive-host-mounts", 15, 15, "/spec/volumes/1/hostPath/path"),
        ("sensitive-host-mounts", 18, 24, "/spec/volumes/2/hostPath/path"),
    ]
    assert findings[0].message.startswith("volume 'sock' exposes a sensitive path of the node "
                                          "(volumes[1].hostPath.path)")
    assert all("docker.sock" not in f.message and "/proc" not in f.message for f in findings)
    assert {f.severity for f in findings} == {Severity.ERROR}


def test_hostpath_persistent_volumes_are_checked():
    text = """\
    apiVersion: v1
    kind: PersistentVolume
    metadata: {name: node-etc}
    spec:
      capacity: {storage: 1Gi}
      accessModes: [ReadWriteOnce]
      hostPath:
        path: /etc
    ---
    apiVersion: v1
    kind: PersistentVolume
    metadata: {name: local-data}
    spec:
      capacity: {storage: 1Gi}
      accessModes: [ReadWriteOnce]
      hostPath: {path: /mnt/data}
    """
    findings = lint(text, "sensitive-host-mounts")
    assert where(findings) == [("sensitive-host-mounts", 8, 11, "/spec/hostPath/path")]
    assert findings[0].message.startswith("volume 'node-etc' exposes a sensitive path of the node (spec.hostPath.path)")


# -- conformance with kube-linter ------------------------------------------------------------------------

KL = "kube-linter/tests/checks/"
#: kube-linter's checks and the lintops rule that corresponds to each.
CORRESPONDS = {
    "privileged-container": "privileged-container",
    "privilege-escalation-container": "privilege-escalation",
    "host-network": "host-namespaces",
    "host-pid": "host-namespaces",
    "host-ipc": "host-namespaces",
    "run-as-non-root": "run-as-non-root",
    "no-read-only-root-fs": "read-only-root-filesystem",
    "docker-sock": "sensitive-host-mounts",
    "sensitive-host-mounts": "sensitive-host-mounts",
}


@dataclass(frozen=True)
class Case:
    """One kube-linter end-to-end test (``e2etests/bats-tests.sh``): its fixture and, per object in the
    fixture's order, what its report names when the check fires (None: no report for that object)."""

    check: str
    fixture: str
    reports: tuple[str | None, ...]
    #: text every lintops finding on a reported object contains (the container, field or volume)
    aspect: str = ""


#: Transcribed from the bats tests at the fixture commit: `--include <check>`, exit 1, `== 2` reports
#: (`== 4` for run-as-non-root), the reports in order. Objects named `dont-fire` get no report.
CASES = [
    Case("privileged-container", KL + "privileged-container.yml",
         (None, None, 'container "app" is privileged', 'container "app" is privileged'), "'app'"),
    Case("privilege-escalation-container", KL + "privilege-escalation-container.yml",
         (None, None, 'container "app" has AllowPrivilegeEscalation set to true.',
          'container "app" has AllowPrivilegeEscalation set to true.'), "'app'"),
    Case("host-network", KL + "host-network.yml",
         (None, None, "resource shares host's network namespace (via hostNetwork=true).",
          "resource shares host's network namespace (via hostNetwork=true)."), "hostNetwork"),
    Case("host-pid", KL + "host-pid.yml",
         (None, None, "object shares the host's process namespace (via hostPID=true).",
          "object shares the host's process namespace (via hostPID=true)."), "hostPID"),
    Case("host-ipc", KL + "host-ipc.yml",
         (None, None, "resource shares host's IPC namespace (via hostIPC=true).",
          "resource shares host's IPC namespace (via hostIPC=true)."), "hostIPC"),
    Case("run-as-non-root", KL + "run-as-non-root.yml",
         (None, None, 'container "app" is not set to runAsNonRoot', 'container "app2" is not set to runAsNonRoot',
          'container "app3" is set to runAsGroup 0', 'container "app4" is set to runAsGroup 0')),
    Case("no-read-only-root-fs", KL + "no-read-only-root-fs.yml",
         (None, None, 'container "app" does not have a read-only root file system',
          'container "app" does not have a read-only root file system'), "'app'"),
    Case("docker-sock", KL + "docker-sock.yml",
         (None, None, 'host system directory "/var/run/docker.sock" is mounted on container "app"',
          'host system directory "/var/run/docker.sock" is mounted on container "app"'), "volume 'dockersock'"),
    Case("sensitive-host-mounts", KL + "sensitive-host-mounts.yml",
         ('host system directory "/etc" is mounted on container "app"',
          'host system directory "/etc" is mounted on container "app2"'), "volume 'config'"),
]

#: Deliberate differences: (fixture, object index) -> (lintops fires, reason, phrase of the rule's documentation).
DIFFERENCES = {
    (KL + "run-as-non-root.yml", 4): (
        False, "kube-linter reports runAsGroup 0 with a non-zero runAsUser; lintops checks the user, not the "
               "group (OpenShift runs arbitrary user ids in the root group on purpose)",
        "The user is what is checked, not the group: `runAsGroup: 0` passes"),
    (KL + "run-as-non-root.yml", 5): (
        False, "the same, on the DeploymentConfig",
        "The user is what is checked, not the group: `runAsGroup: 0` passes"),
}




ROWS = [(case, index) for case in CASES for index in range(len(case.reports))]


@pytest.mark.parametrize("case, index", ROWS, ids=[f"{c.check}-{i}" for c, i in ROWS])
def test_verdict_equals_kube_linters(case, index):
    kind, findings = findings_per_object(case.fixture, CORRESPONDS[case.check])[index]
    assert kind in ("Deployment", "DeploymentConfig")
    peer_fires = case.reports[index] is not None
    difference = DIFFERENCES.get((case.fixture, index))
    if difference is None:
        assert bool(findings) == peer_fires, (case.check, index, kind, case.reports[index], findings)
        for finding in findings:
            assert case.aspect in finding.message, finding.message
    else:
        ours, reason, _ = difference
        assert bool(findings) == ours != peer_fires, reason


@pytest.mark.parametrize("key", sorted(DIFFERENCES), ids=[f"{f.rsplit('/', 1)[1]}-{i}" for f, i in sorted(DIFFERENCES)])
def test_differences_are_documented_in_the_rule(key):
    fixture, _ = key
    check = next(case.check for case in CASES if case.fixture == fixture)
    _, reason, phrase = DIFFERENCES[key]
    assert reason and phrase in spec(CORRESPONDS[check]).documentation


def test_conformance_counts():
    """36 objects in 9 fixtures: 34 agree, 2 are documented differences (runAsGroup 0)."""
    agree = sum(1 for case, index in ROWS if (case.fixture, index) not in DIFFERENCES)
    assert (len(ROWS), agree, len(DIFFERENCES)) == (36, 34, 2)
    # kube-linter's report counts (`== 2`, `== 4`) are the objects it reports here, one report each.
    assert [sum(r is not None for r in case.reports) for case in CASES] == [2, 2, 2, 2, 2, 4, 2, 2, 2]


def test_deploymentconfig_is_a_workload_kind_without_configuration():
    """It once had to be declared (`workloads:`); it is known by default now, as kube-linter knows it."""
    text = (FIXTURES / KL / "privileged-container.yml").read_text(encoding="utf-8")
    assert [f.object.kind for f in lint(text, "privileged-container")] == ["Deployment", "DeploymentConfig"]


def test_fixtures_are_the_listed_byte_for_byte_copies():
    note = (FIXTURES / "kube-linter" / "SOURCES-security.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| (\S+\.ya?ml) \| ([0-9a-f]{64}) \|$", note, re.MULTILINE))
    assert sorted(f"kube-linter/{path}" for path in listed) == sorted(case.fixture for case in CASES)
    for path, digest in listed.items():
        assert hashlib.sha256((FIXTURES / "kube-linter" / path).read_bytes()).hexdigest() == digest, path
