"""The Pod Security Standards rules through the real engine: what must fire, what must not, and where.

Each control of the standard's baseline and restricted profiles (as published for Kubernetes v1.31) maps to
one rule (``CONTROLS``); a rule whose semantics are the control's exactly is in the packs, the default rules
that are looser stay as they are and a pack rule (off by default) carries the control's exact semantics.
The cases here are the edges: pod-level settings inherited by containers and overridden by them, init and
ephemeral containers, Windows pods (exempt from three restricted controls), annotations of the pod template
(a CronJob's one level down) against a workload's own.
"""

from __future__ import annotations

import json

import pytest

from conftest import lint_rules, rule_spec, run_lintops, where, write
from lintops.catalog import builtin_rule_specs, known_packs
from lintops.model import Severity

#: control of the standard -> (the rule that implements it, its profile)
CONTROLS = {
    "HostProcess": ("host-process", "baseline"),
    "Host Namespaces": ("host-namespaces", "baseline"),
    "Privileged Containers": ("privileged-container", "baseline"),
    "Capabilities (baseline)": ("dangerous-capabilities", "baseline"),
    "HostPath Volumes": ("pss-host-path-volumes", "baseline"),
    "Host Ports": ("host-ports", "baseline"),
    "AppArmor": ("apparmor-profile", "baseline"),
    "SELinux": ("selinux-options", "baseline"),
    "/proc Mount Type": ("proc-mount", "baseline"),
    "Seccomp (baseline)": ("seccomp-unconfined", "baseline"),
    "Sysctls": ("unsafe-sysctls", "baseline"),
    "Volume Types": ("pss-volume-types", "restricted"),
    "Privilege Escalation": ("pss-privilege-escalation", "restricted"),
    "Running as Non-root": ("pss-run-as-non-root", "restricted"),
    "Running as Non-root user": ("pss-run-as-user", "restricted"),
    "Seccomp (restricted)": ("pss-seccomp-required", "restricted"),
    "Capabilities (restricted)": ("pss-capabilities-restricted", "restricted"),
}
DEFAULT_ON = {"host-process", "host-namespaces", "privileged-container", "dangerous-capabilities", "host-ports",
              "apparmor-profile", "selinux-options", "proc-mount", "seccomp-unconfined", "unsafe-sysctls"}


def fired(text: str, rule_id: str) -> list[tuple]:
    return [(line, column, pointer) for _, line, column, pointer in where(lint_rules(text, rule_id))]


# -- the rule files ----------------------------------------------------------------------------------


def test_every_control_has_its_rule_in_the_right_packs():
    packs = known_packs(builtin_rule_specs())
    for control, (rule_id, profile) in CONTROLS.items():
        spec = rule_spec(rule_id)
        assert rule_id in packs["pss-restricted"], control  # restricted includes everything of baseline
        assert (rule_id in packs["pss-baseline"]) == (profile == "baseline"), control
        assert "Pod Security Standards" in spec.documentation and "v1.31" in spec.documentation, rule_id
        assert control.split(" (")[0] in spec.documentation, rule_id  # names the control it implements
        assert spec.enabled == (rule_id in DEFAULT_ON), rule_id
        assert spec.severity in (Severity.WARNING, Severity.ERROR) and "security" in spec.tags, rule_id
    # nothing else is in the packs: a looser default rule (privilege-escalation, run-as-non-root,
    # sensitive-host-mounts) stays out
    assert set(packs["pss-restricted"]) == {rule_id for rule_id, _ in CONTROLS.values()}


# -- baseline ------------------------------------------------------------------------------------------


def test_dangerous_capabilities_compares_names_as_the_standard_does():
    text = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          initContainers:
            - {name: i, image: x, securityContext: {capabilities: {add: [CAP_CHOWN]}}}
          containers:
            - {name: c, image: x, securityContext: {capabilities: {add: [SETUID, KILL, sys_time]}}}
          ephemeralContainers:
            - {name: e, image: x, securityContext: {capabilities: {add: [ALL]}}}
        """
    assert [p for _, _, p in fired(text, "dangerous-capabilities")] == [
        "/spec/initContainers/0/securityContext/capabilities/add/0",
        "/spec/containers/0/securityContext/capabilities/add/2",
        "/spec/ephemeralContainers/0/securityContext/capabilities/add/0",
    ]


def test_host_ports_zero_and_unset_pass_init_containers_are_checked():
    text = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          initContainers:
            - {name: i, image: x, ports: [{containerPort: 53, hostPort: 53}]}
          containers:
            - name: c
              image: x
              ports: [{containerPort: 80}, {containerPort: 81, hostPort: 0}, {containerPort: 82, hostPort: ~}]
        """
    assert [p for _, _, p in fired(text, "host-ports")] == ["/spec/initContainers/0/ports/0/hostPort"]


def test_host_process_at_the_pod_is_one_finding_and_a_container_override_another():
    text = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          os: {name: windows}
          securityContext: {windowsOptions: {hostProcess: true}}
          containers:
            - {name: a, image: x}
            - {name: b, image: x, securityContext: {windowsOptions: {hostProcess: false}}}
            - {name: c, image: x, securityContext: {windowsOptions: {hostProcess: true}}}
        """
    assert [p for _, _, p in fired(text, "host-process")] == [
        "/spec/securityContext/windowsOptions/hostProcess",
        "/spec/containers/2/securityContext/windowsOptions/hostProcess",
    ]


def test_apparmor_reads_the_pod_templates_annotations_not_the_workloads_own():
    text = """\
        apiVersion: batch/v1
        kind: CronJob
        metadata:
          name: nightly
          annotations:
            container.apparmor.security.beta.kubernetes.io/job: unconfined
        spec:
          schedule: "0 3 * * *"
          jobTemplate:
            spec:
              template:
                metadata:
                  annotations:
                    container.apparmor.security.beta.kubernetes.io/job: unconfined
                    container.apparmor.security.beta.kubernetes.io/side: localhost/k8s-side
                spec:
                  restartPolicy: Never
                  securityContext: {appArmorProfile: {type: Unconfined}}
                  containers:
                    - {name: job, image: x}
                    - {name: side, image: x}
        """
    assert [p for _, _, p in fired(text, "apparmor-profile")] == [
        "/spec/jobTemplate/spec/template/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1job",
        "/spec/jobTemplate/spec/template/spec/securityContext/appArmorProfile/type",
    ]


def test_an_annotation_outside_a_workload_is_not_read():
    text = """\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: c
          annotations: {seccomp.security.alpha.kubernetes.io/pod: unconfined}
        """
    assert fired(text, "seccomp-unconfined") == [] and fired(text, "apparmor-profile") == []


def test_seccomp_unconfined_reads_the_pod_annotation_and_every_level():
    text = """\
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
          annotations: {seccomp.security.alpha.kubernetes.io/pod: unconfined}
        spec:
          containers:
            - {name: a, image: x, securityContext: {seccompProfile: {type: RuntimeDefault}}}
            - {name: b, image: x, securityContext: {seccompProfile: {type: Unconfined}}}
        """
    assert [p for _, _, p in fired(text, "seccomp-unconfined")] == [
        "/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod",
        "/spec/containers/1/securityContext/seccompProfile/type",
    ]


def test_selinux_level_is_allowed_user_and_role_are_not():
    text = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          securityContext: {seLinuxOptions: {level: "s0:c1,c2", type: container_init_t}}
          containers:
            - {name: a, image: x, securityContext: {seLinuxOptions: {user: system_u, type: ""}}}
        """
    assert [p for _, _, p in fired(text, "selinux-options")] == [
        "/spec/containers/0/securityContext/seLinuxOptions/user"]


def test_sysctls_only_the_safe_set():
    text = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          securityContext:
            sysctls:
              - {name: net.ipv4.tcp_keepalive_time, value: "600"}
              - {name: net/ipv4/tcp_syncookies, value: "1"}
              - {name: vm.max_map_count, value: "262144"}
          containers: [{name: a, image: x}]
        """
    assert [p for _, _, p in fired(text, "unsafe-sysctls")] == [
        "/spec/securityContext/sysctls/1/name", "/spec/securityContext/sysctls/2/name"]


def test_proc_mount_default_passes():
    text = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - {name: a, image: x, securityContext: {procMount: Default}}
            - {name: b, image: x, securityContext: {procMount: Unmasked}}
        """
    assert [p for _, _, p in fired(text, "proc-mount")] == ["/spec/containers/1/securityContext/procMount"]


def test_host_path_volumes_every_path():
    text = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers: [{name: a, image: x}]
          volumes:
            - {name: logs, hostPath: {path: /var/log}}
            - {name: tmp, emptyDir: {}}
            - {name: nothing, hostPath: ~}
        """
    assert [p for _, _, p in fired(text, "pss-host-path-volumes")] == ["/spec/volumes/0"]
    assert fired(text, "sensitive-host-mounts") == []  # the default rule: /var/log is not sensitive


# -- restricted ----------------------------------------------------------------------------------------

WINDOWS = """\
    apiVersion: v1
    kind: Pod
    metadata: {name: w}
    spec:
      os: {name: windows}
      containers: [{name: a, image: x}]
    """


@pytest.mark.parametrize("rule_id", ["pss-privilege-escalation", "pss-seccomp-required", "pss-capabilities-restricted"])
def test_windows_pods_are_exempt_where_the_standard_exempts_them(rule_id):
    assert fired(WINDOWS, rule_id) == []
    assert fired(WINDOWS.replace("os: {name: windows}", "os: {name: linux}"), rule_id) != []


def test_windows_pods_still_need_run_as_non_root():
    assert fired(WINDOWS, "pss-run-as-non-root") == [(6, 16, "/spec/containers/0")]


def test_privilege_escalation_unset_is_reported_for_every_kind_of_container():
    text = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          initContainers: [{name: i, image: x, securityContext: {allowPrivilegeEscalation: false}}]
          containers: [{name: a, image: x}]
          ephemeralContainers: [{name: e, image: x, securityContext: {allowPrivilegeEscalation: ~}}]
        """
    assert [p for _, _, p in fired(text, "pss-privilege-escalation")] == [
        "/spec/containers/0", "/spec/ephemeralContainers/0/securityContext"]
    assert fired(text, "privilege-escalation") == []  # the default rule does not report unset


def test_run_as_non_root_pod_level_true_is_inherited_and_false_overrides():
    text = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          securityContext: {runAsNonRoot: true}
          containers:
            - {name: a, image: x}
            - {name: b, image: x, securityContext: {runAsNonRoot: false}}
        """
    assert [p for _, _, p in fired(text, "pss-run-as-non-root")] == ["/spec/containers/1/securityContext/runAsNonRoot"]


def test_run_as_non_root_pod_level_false_is_itself_a_finding():
    text = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          securityContext: {runAsNonRoot: false}
          containers:
            - {name: a, image: x, securityContext: {runAsNonRoot: true}}
        """
    assert [p for _, _, p in fired(text, "pss-run-as-non-root")] == ["/spec/securityContext/runAsNonRoot"]


def test_run_as_non_root_a_user_id_does_not_count():
    text = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          securityContext: {runAsUser: 1000}
          containers: [{name: a, image: x}]
        """
    assert fired(text, "pss-run-as-non-root") == [(6, 16, "/spec/containers/0")]
    assert fired(text, "run-as-non-root") == []  # the default rule accepts a non-zero user


def test_run_as_user_zero_at_the_pod_is_reported_even_when_containers_override_it():
    text = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          securityContext: {runAsUser: 0}
          initContainers: [{name: i, image: x, securityContext: {runAsUser: 0}}]
          containers: [{name: a, image: x, securityContext: {runAsUser: 1000}}]
        """
    assert [p for _, _, p in fired(text, "pss-run-as-user")] == [
        "/spec/securityContext/runAsUser", "/spec/initContainers/0/securityContext/runAsUser"]


def test_seccomp_required_pod_level_covers_containers_that_set_nothing():
    text = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          securityContext: {seccompProfile: {type: Localhost, localhostProfile: p.json}}
          initContainers: [{name: i, image: x}]
          containers: [{name: a, image: x, securityContext: {seccompProfile: {type: Unconfined}}}]
        """
    assert [p for _, _, p in fired(text, "pss-seccomp-required")] == [
        "/spec/containers/0/securityContext/seccompProfile/type"]


def test_seccomp_required_pod_level_unconfined_needs_every_container():
    text = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          securityContext: {seccompProfile: {type: Unconfined}}
          containers:
            - {name: a, image: x, securityContext: {seccompProfile: {type: RuntimeDefault}}}
            - {name: b, image: x}
        """
    assert [p for _, _, p in fired(text, "pss-seccomp-required")] == [
        "/spec/securityContext/seccompProfile/type", "/spec/containers/1"]


def test_capabilities_restricted_drop_all_and_only_net_bind_service():
    text = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - {name: a, image: x, securityContext: {capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}}
            - {name: b, image: x, securityContext: {capabilities: {drop: [all]}}}
          initContainers:
            - {name: i, image: x, securityContext: {capabilities: {drop: [ALL], add: [CHOWN]}}}
        """
    assert [p for _, _, p in fired(text, "pss-capabilities-restricted")] == [
        "/spec/containers/1/securityContext/capabilities/drop",
        "/spec/initContainers/0/securityContext/capabilities/add/0",
    ]


def test_volume_types_allowed_list():
    text = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers: [{name: a, image: x}]
          volumes:
            - {name: a, csi: {driver: secrets-store.csi.k8s.io}}
            - {name: b, ephemeral: {volumeClaimTemplate: {spec: {accessModes: [ReadWriteOnce]}}}}
            - {name: c, downwardAPI: {items: []}}
            - {name: d, gitRepo: {repository: "https://example.com/r.git"}}
            - {name: e, hostPath: {path: /tmp}}
        """
    assert [p for _, _, p in fired(text, "pss-volume-types")] == ["/spec/volumes/3", "/spec/volumes/4"]


# -- the packs through the command line ------------------------------------------------------------

#: A pod that passes the baseline and fails only restricted controls.
BASELINE_CLEAN = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - name: web
      image: registry.example.com/web:1.4.2
"""


def _rules(tmp_path, *args: str) -> set[str]:
    write(tmp_path / "pod.yaml", BASELINE_CLEAN)
    result = run_lintops("check", "pod.yaml", "--format", "json", "--no-cache", *args, cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return {f["rule"] for f in json.loads(result.stdout)["findings"]}


def test_the_baseline_pack_does_not_turn_on_restricted_rules(tmp_path):
    restricted_only = {rule_id for rule_id, profile in CONTROLS.values() if profile == "restricted"}
    assert not _rules(tmp_path, "--pack", "pss-baseline") & restricted_only
    assert _rules(tmp_path, "--pack", "pss-restricted") >= {
        "pss-privilege-escalation", "pss-run-as-non-root", "pss-seccomp-required", "pss-capabilities-restricted"}


# -- service-account-token (not a PSS control: in no pack, off by default) -------------------------------

SA_OFF = """\
    apiVersion: v1
    kind: ServiceAccount
    metadata: {name: NAME, namespace: shop}
    automountServiceAccountToken: false
    ---
"""


def _token(text: str) -> list[tuple]:
    return [(f.pointer, bool(f.suppressed)) for f in lint_rules(text, "service-account-token")]


def _pod(spec: str = "", namespace: str = "shop") -> str:
    return f"""\
    apiVersion: v1
    kind: Pod
    metadata: {{name: p, namespace: {namespace}}}
    spec:
      {spec or "hostname: p"}
      containers: [{{name: a, image: x}}]
    """


def test_service_account_token_is_decided_by_the_pod_or_its_account():
    assert _token(SA_OFF.replace("NAME", "web") + _pod("serviceAccountName: web")) == []
    assert _token(SA_OFF.replace("NAME", "default") + _pod()) == []
    assert _token(_pod("automountServiceAccountToken: true")) == []
    assert _token(_pod("automountServiceAccountToken: false")) == []
    account = SA_OFF.replace("NAME", "web").replace("automountServiceAccountToken: false", "imagePullSecrets: []")
    assert _token(account + _pod("serviceAccountName: web")) == [("/spec/serviceAccountName", False)]


def test_service_account_token_default_account_absent_is_kubernetes_default():
    assert _token(_pod()) == [("/spec", False)]


def test_service_account_token_named_account_elsewhere_is_not_judged():
    # the account of that name is in another namespace: this one's is not among the objects
    assert _token(SA_OFF.replace("NAME", "web") + _pod("serviceAccountName: web", namespace="other")) == [
        ("/spec/serviceAccountName", True)]
    assert _token(_pod("serviceAccount: builder")) == [("/spec/serviceAccount", True)]
