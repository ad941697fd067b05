"""The removed/deprecated API table and its verdicts per target release."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from lintops import data
from lintops.schema.kube import lifecycle as api_lifecycle
from lintops.schema.kube.lifecycle import (
    ApiStatus,
    TableError,
    assess,
    deprecated_message,
    entries,
    load,
    lookup,
    parse_version,
    removed_message,
)

REMOVED, DEPRECATED, FINE = "removed", "deprecated", None


# (apiVersion, kind, target) -> verdict
VERDICTS = [
    # Removed in 1.16: gone on every target the linter checks first.
    ("extensions/v1beta1", "Deployment", "1.17", REMOVED),
    ("extensions/v1beta1", "Deployment", "1.18", REMOVED),
    ("apps/v1beta1", "Deployment", "1.18", REMOVED),
    ("apps/v1beta2", "Deployment", "1.17", REMOVED),
    ("extensions/v1beta1", "DaemonSet", "1.18", REMOVED),
    ("apps/v1beta2", "DaemonSet", "1.18", REMOVED),
    ("extensions/v1beta1", "ReplicaSet", "1.17", REMOVED),
    ("apps/v1beta1", "StatefulSet", "1.18", REMOVED),
    ("apps/v1beta2", "StatefulSet", "1.18", REMOVED),
    ("extensions/v1beta1", "NetworkPolicy", "1.18", REMOVED),
    ("extensions/v1beta1", "PodSecurityPolicy", "1.17", REMOVED),
    ("extensions/v1beta1", "Deployment", "1.15", DEPRECATED),
    # Ingress: extensions/v1beta1 deprecated since 1.14; networking.k8s.io/v1beta1 only from 1.19.
    ("extensions/v1beta1", "Ingress", "1.17", DEPRECATED),
    ("extensions/v1beta1", "Ingress", "1.18", DEPRECATED),
    ("extensions/v1beta1", "Ingress", "1.22", REMOVED),
    ("networking.k8s.io/v1beta1", "Ingress", "1.17", FINE),
    ("networking.k8s.io/v1beta1", "Ingress", "1.18", FINE),
    ("networking.k8s.io/v1beta1", "Ingress", "1.19", DEPRECATED),
    ("networking.k8s.io/v1beta1", "Ingress", "1.22", REMOVED),
    # CronJob: batch/v1 only appeared in 1.21, so batch/v1beta1 is the right API on 1.17/1.18.
    ("batch/v1beta1", "CronJob", "1.17", FINE),
    ("batch/v1beta1", "CronJob", "1.18", FINE),
    ("batch/v1beta1", "CronJob", "1.21", DEPRECATED),
    ("batch/v1beta1", "CronJob", "1.22", DEPRECATED),
    ("batch/v1beta1", "CronJob", "1.25", REMOVED),
    # RBAC v1beta1: deprecated in 1.17, removed in 1.22.
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole", "1.16", FINE),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole", "1.17", DEPRECATED),
    ("rbac.authorization.k8s.io/v1beta1", "RoleBinding", "1.18", DEPRECATED),
    ("rbac.authorization.k8s.io/v1beta1", "Role", "1.22", REMOVED),
    # CRD and webhooks: deprecated in 1.16 together with the arrival of v1.
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", "1.18", DEPRECATED),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", "1.22", REMOVED),
    ("admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration", "1.17", DEPRECATED),
    ("apiregistration.k8s.io/v1beta1", "APIService", "1.18", FINE),
    ("apiregistration.k8s.io/v1beta1", "APIService", "1.22", REMOVED),
    ("authentication.k8s.io/v1beta1", "TokenReview", "1.22", REMOVED),
    ("scheduling.k8s.io/v1beta1", "PriorityClass", "1.18", DEPRECATED),
    # Removed in 1.25.
    ("policy/v1beta1", "PodDisruptionBudget", "1.18", FINE),
    ("policy/v1beta1", "PodDisruptionBudget", "1.22", DEPRECATED),
    ("policy/v1beta1", "PodDisruptionBudget", "1.25", REMOVED),
    ("policy/v1beta1", "PodSecurityPolicy", "1.18", FINE),
    ("policy/v1beta1", "PodSecurityPolicy", "1.22", DEPRECATED),
    ("policy/v1beta1", "PodSecurityPolicy", "1.25", REMOVED),
    ("discovery.k8s.io/v1beta1", "EndpointSlice", "1.18", FINE),
    ("discovery.k8s.io/v1beta1", "EndpointSlice", "1.25", REMOVED),
    ("events.k8s.io/v1beta1", "Event", "1.18", FINE),
    ("events.k8s.io/v1beta1", "Event", "1.22", DEPRECATED),
    ("events.k8s.io/v1beta1", "Event", "1.25", REMOVED),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler", "1.18", FINE),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler", "1.22", DEPRECATED),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler", "1.25", REMOVED),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.18", FINE),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.25", DEPRECATED),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.26", REMOVED),
    ("node.k8s.io/v1beta1", "RuntimeClass", "1.18", FINE),
    ("node.k8s.io/v1beta1", "RuntimeClass", "1.25", REMOVED),
    # Flow control: one beta after another.
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", "1.22", FINE),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", "1.25", DEPRECATED),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration", "1.26", REMOVED),
    ("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", "1.25", FINE),
    ("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", "1.29", REMOVED),
    ("flowcontrol.apiserver.k8s.io/v1beta3", "PriorityLevelConfiguration", "1.31", DEPRECATED),
    ("flowcontrol.apiserver.k8s.io/v1beta3", "PriorityLevelConfiguration", "1.32", REMOVED),
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity", "1.26", DEPRECATED),
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity", "1.27", REMOVED),
    # Deprecated, never removed.
    ("v1", "ComponentStatus", "1.18", FINE),
    ("v1", "ComponentStatus", "1.40", DEPRECATED),
    # Not in the table at all: current APIs.
    ("apps/v1", "Deployment", "1.18", FINE),
    ("networking.k8s.io/v1", "Ingress", "1.22", FINE),
    ("v1", "Service", "1.18", FINE),
]


@pytest.mark.parametrize(("api_version", "kind", "target", "verdict"), VERDICTS)
def test_verdict(api_version: str, kind: str, target: str, verdict: str | None) -> None:
    result = assess(api_version, kind, target)
    assert (result[0] if result else None) == verdict
    status = lookup(api_version, kind)
    if status is not None:
        assert status.removed(target) is (verdict == REMOVED)
        assert status.deprecated(target) is (verdict == DEPRECATED)


def test_current_apis_have_no_entry() -> None:
    assert lookup("apps/v1", "Deployment") is None
    assert lookup("batch/v1", "CronJob") is None
    assert lookup("networking.k8s.io/v1", "Ingress") is None


def test_lookup_is_exact_on_api_version_and_kind() -> None:
    assert lookup("extensions/v1beta1", "Deployment") is not None
    assert lookup("extensions/v1beta1", "deployment") is None
    assert lookup("extensions/v1beta1", "Pod") is None


def test_removed_is_not_also_deprecated() -> None:
    status = lookup("extensions/v1beta1", "Ingress")
    assert status is not None
    assert status.deprecated("1.21") and not status.removed("1.21")
    assert status.removed("1.22") and not status.deprecated("1.22")
    assert status.removed("1.30")


def test_entry_fields() -> None:
    status = lookup("batch/v1beta1", "CronJob")
    assert status == ApiStatus(
        api_version="batch/v1beta1",
        kind="CronJob",
        deprecated_in="1.21",
        removed_in="1.25",
        replacement="batch/v1",
        notes=None,
        replacement_since="1.21",
    )
    deployment = lookup("extensions/v1beta1", "Deployment")
    assert deployment is not None and deployment.notes is not None
    assert "spec.selector is required and immutable" in deployment.notes


# --- version ordering ------------------------------------------------------------------------------


def test_versions_compare_numerically() -> None:
    assert parse_version("1.9") < parse_version("1.16")
    assert parse_version("1.10") > parse_version("1.9")
    assert parse_version("1.18") == (1, 18)
    assert sorted(["1.16", "1.9", "1.22", "1.10"], key=parse_version) == ["1.9", "1.10", "1.16", "1.22"]


@pytest.mark.parametrize("text", ["v1.18", "1.18.3", "v1.18.20", "1.18.0-rc.1", "1.21.5+k3s1", " 1.18 "])
def test_version_spellings(text: str) -> None:
    assert parse_version(text)[1] in (18, 21)


@pytest.mark.parametrize("text", ["1", "one.eighteen", "1.x", "", "1.18.", "1.18.3.4"])
def test_bad_versions_raise(text: str) -> None:
    with pytest.raises(ValueError, match="not a Kubernetes release"):
        parse_version(text)


@pytest.mark.parametrize("value", [1.18, 1.1, None, 118])
def test_non_string_versions_raise(value: object) -> None:
    # An unquoted 1.10 in YAML is the float 1.1: refuse it rather than compare it as 1.1.
    with pytest.raises(TypeError):
        parse_version(value)  # type: ignore[arg-type]


def test_numeric_order_decides_verdicts() -> None:
    # As text, "1.9" > "1.16"; as releases it is earlier. 1.9 must not count as "after removal in 1.16".
    status = ApiStatus("x.example.com/v1beta1", "Thing", "1.9", "1.16", "x.example.com/v1", None)
    assert status.deprecated("1.9")
    assert not status.removed("1.9")
    assert status.deprecated("1.10")
    assert not status.deprecated("1.8")
    assert status.removed("1.16") and status.removed("1.100")


def test_target_accepts_v_prefix_and_patch() -> None:
    status = lookup("extensions/v1beta1", "Deployment")
    assert status is not None
    assert status.removed("v1.18.3")
    assert "Kubernetes 1.18 " in removed_message(status, "v1.18.3")


# --- messages ---------------------------------------------------------------------------------------


def test_removed_message_names_replacement() -> None:
    status = lookup("extensions/v1beta1", "Deployment")
    assert status is not None
    assert removed_message(status, "1.18") == (
        "extensions/v1beta1 Deployment is not served by Kubernetes 1.18 (removed in 1.16); use apps/v1"
    )


def test_deprecated_message_names_replacement() -> None:
    status = lookup("batch/v1beta1", "CronJob")
    assert status is not None
    assert deprecated_message(status, "1.21") == (
        "batch/v1beta1 CronJob is deprecated since 1.21 and removed in 1.25; use batch/v1"
    )


def test_deprecated_ingress_on_118_points_at_an_api_that_1_18_serves() -> None:
    status = lookup("extensions/v1beta1", "Ingress")
    assert status is not None
    message = deprecated_message(status, "1.18")
    assert message.startswith("extensions/v1beta1 Ingress is deprecated since 1.14 and removed in 1.22; ")
    # networking.k8s.io/v1 does not exist before 1.19: say what to use now, and what later.
    assert "use networking.k8s.io/v1beta1" in message
    assert "networking.k8s.io/v1 from 1.19" in message
    assert deprecated_message(status, "1.19").endswith("; use networking.k8s.io/v1")


def test_removed_without_replacement_says_so() -> None:
    status = lookup("policy/v1beta1", "PodSecurityPolicy")
    assert status is not None
    assert status.replacement is None
    message = removed_message(status, "1.25")
    assert message.startswith("policy/v1beta1 PodSecurityPolicy is not served by Kubernetes 1.25 (removed in 1.25); ")
    assert "no replacement" in message
    assert "Pod Security Admission" in message


def test_replacement_of_another_kind() -> None:
    status = lookup("v1", "Endpoints")
    assert status is not None
    assert status.removed_in is None
    assert not status.deprecated("1.32")
    assert deprecated_message(status, "1.33") == (
        "v1 Endpoints is deprecated since 1.33; use discovery.k8s.io/v1 EndpointSlice"
    )


@pytest.mark.parametrize(
    ("api_version", "kind", "target", "replacement"),
    [
        ("apps/v1beta2", "StatefulSet", "1.17", "apps/v1"),
        ("extensions/v1beta1", "NetworkPolicy", "1.18", "networking.k8s.io/v1"),
        ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", "1.22", "apiextensions.k8s.io/v1"),
        ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding", "1.22", "rbac.authorization.k8s.io/v1"),
        ("policy/v1beta1", "PodDisruptionBudget", "1.25", "policy/v1"),
        ("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.26", "autoscaling/v2"),
        ("storage.k8s.io/v1beta1", "CSIStorageCapacity", "1.27", "storage.k8s.io/v1"),
        ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "1.32", "flowcontrol.apiserver.k8s.io/v1"),
    ],
)
def test_removed_messages_name_the_replacement(api_version: str, kind: str, target: str, replacement: str) -> None:
    verdict = assess(api_version, kind, target)
    assert verdict is not None and verdict[0] == REMOVED
    assert verdict[1].startswith(f"{api_version} {kind} is not served by Kubernetes {target} (removed in ")
    assert verdict[1].endswith(f"; use {replacement}")


# --- the table itself ----------------------------------------------------------------------------------


REQUIRED = [
    ("extensions/v1beta1", "Deployment", "1.16"),
    ("apps/v1beta1", "Deployment", "1.16"),
    ("apps/v1beta2", "Deployment", "1.16"),
    ("extensions/v1beta1", "DaemonSet", "1.16"),
    ("apps/v1beta2", "DaemonSet", "1.16"),
    ("extensions/v1beta1", "ReplicaSet", "1.16"),
    ("apps/v1beta1", "ReplicaSet", "1.16"),
    ("apps/v1beta2", "ReplicaSet", "1.16"),
    ("apps/v1beta1", "StatefulSet", "1.16"),
    ("apps/v1beta2", "StatefulSet", "1.16"),
    ("extensions/v1beta1", "NetworkPolicy", "1.16"),
    ("extensions/v1beta1", "PodSecurityPolicy", "1.16"),
    ("extensions/v1beta1", "Ingress", "1.22"),
    ("networking.k8s.io/v1beta1", "Ingress", "1.22"),
    ("networking.k8s.io/v1beta1", "IngressClass", "1.22"),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", "1.22"),
    ("admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration", "1.22"),
    ("admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration", "1.22"),
    ("apiregistration.k8s.io/v1beta1", "APIService", "1.22"),
    ("authentication.k8s.io/v1beta1", "TokenReview", "1.22"),
    ("authorization.k8s.io/v1beta1", "SubjectAccessReview", "1.22"),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest", "1.22"),
    ("coordination.k8s.io/v1beta1", "Lease", "1.22"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole", "1.22"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding", "1.22"),
    ("rbac.authorization.k8s.io/v1beta1", "Role", "1.22"),
    ("rbac.authorization.k8s.io/v1beta1", "RoleBinding", "1.22"),
    ("scheduling.k8s.io/v1beta1", "PriorityClass", "1.22"),
    ("storage.k8s.io/v1beta1", "StorageClass", "1.22"),
    ("storage.k8s.io/v1beta1", "CSIDriver", "1.22"),
    ("storage.k8s.io/v1beta1", "CSINode", "1.22"),
    ("storage.k8s.io/v1beta1", "VolumeAttachment", "1.22"),
    ("batch/v1beta1", "CronJob", "1.25"),
    ("policy/v1beta1", "PodDisruptionBudget", "1.25"),
    ("policy/v1beta1", "PodSecurityPolicy", "1.25"),
    ("discovery.k8s.io/v1beta1", "EndpointSlice", "1.25"),
    ("events.k8s.io/v1beta1", "Event", "1.25"),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler", "1.25"),
    ("node.k8s.io/v1beta1", "RuntimeClass", "1.25"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.26"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", "1.26"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "PriorityLevelConfiguration", "1.26"),
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity", "1.27"),
    ("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", "1.29"),
    ("flowcontrol.apiserver.k8s.io/v1beta2", "PriorityLevelConfiguration", "1.29"),
    ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "1.32"),
    ("flowcontrol.apiserver.k8s.io/v1beta3", "PriorityLevelConfiguration", "1.32"),
]


@pytest.mark.parametrize(("api_version", "kind", "removed_in"), REQUIRED)
def test_table_lists_every_removal_of_the_migration_guide(api_version: str, kind: str, removed_in: str) -> None:
    status = lookup(api_version, kind)
    assert status is not None, f"{api_version} {kind} missing"
    assert status.removed_in == removed_in


def test_table_is_consistent() -> None:
    all_entries = entries()
    assert len(all_entries) >= len(REQUIRED)
    for status in all_entries:
        if status.deprecated_in and status.removed_in:
            assert parse_version(status.deprecated_in) <= parse_version(status.removed_in), status
        if status.replacement is None:
            assert status.notes, f"{status.api_version} {status.kind}: no replacement and no notes"
        else:
            assert status.replacement != status.api_version
        if status.interim_replacement:
            assert status.replacement_since is not None


def test_table_is_found_and_loaded_once() -> None:
    path = api_lifecycle.data_path()
    assert path.name == "api-lifecycle.yaml"
    assert path.parent.name == "schemas"
    api_lifecycle._table.cache_clear()
    lookup("batch/v1beta1", "CronJob")
    lookup("extensions/v1beta1", "Ingress")
    info = api_lifecycle._table.cache_info()
    assert info.misses == 1 and info.hits >= 1


# --- loading a bad table -------------------------------------------------------------------------------


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "api-lifecycle.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_load_reads_a_small_table(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        'apis:\n- apiVersion: a.example.com/v1beta1\n  kind: Widget\n  deprecated_in: "1.9"\n'
        '  removed_in: "1.16"\n  replacement: a.example.com/v1\n',
    )
    table = load(path)
    assert table[("a.example.com/v1beta1", "Widget")].removed("1.16")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("- apiVersion: x/v1\n", "'apis' list"),
        ("apis:\n- apiVersion: x/v1beta1\n  kind: W\n  removed_in: 1.10\n  replacement: x/v1\n", "removed_in"),
        ("apis:\n- apiVersion: x/v1beta1\n  kind: W\n  removed-in: '1.16'\n  replacement: x/v1\n", "unknown field"),
        ("apis:\n- apiVersion: x/v1beta1\n  removed_in: '1.16'\n  replacement: x/v1\n", "'kind'"),
        ("apis:\n- apiVersion: x/v1beta1\n  kind: W\n  removed_in: '1.16'\n  replacement: null\n", "notes"),
        ("apis:\n- apiVersion: x/v1beta1\n  kind: W\n  replacement: x/v1\n", "deprecated_in or removed_in"),
        (
            (
                "apis:\n- apiVersion: x/v1beta1\n  kind: W\n  deprecated_in: '1.20'\n  removed_in: '1.16'\n"
                "  replacement: x/v1\n"
            ),
            "after removed_in",
        ),
        (
            (
                "apis:\n- {apiVersion: x/v1beta1, kind: W, removed_in: '1.16', replacement: x/v1}\n"
                "- {apiVersion: x/v1beta1, kind: W, removed_in: '1.17', replacement: x/v1}\n"
            ),
            "duplicate",
        ),
    ],
)
def test_load_rejects_bad_tables(tmp_path: Path, body: str, error: str) -> None:
    with pytest.raises(TableError, match=error):
        load(_write(tmp_path, body))


def test_table_is_found_inside_an_installed_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # In a wheel the top-level schemas/ directory ships as lintops/schemas, inside the package; the table
    # is found through lintops.data, which looks there first.
    package = tmp_path / "site" / "lintops"
    (package / "schemas").mkdir(parents=True)
    (package / "data.py").write_text(Path(data.__file__).read_text(encoding="utf-8"), encoding="utf-8")
    (package / "schemas" / "api-lifecycle.yaml").write_text(
        "apis:\n- {apiVersion: only.example.com/v1beta1, kind: W, removed_in: '1.16', replacement: x/v1}\n",
        encoding="utf-8",
    )
    spec = importlib.util.spec_from_file_location("installed_data", package / "data.py")
    assert spec is not None and spec.loader is not None
    installed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(installed)
    monkeypatch.setattr(api_lifecycle, "data_dir", installed.data_dir)
    monkeypatch.setattr(api_lifecycle, "_table", api_lifecycle._table.__wrapped__)  # not the cached bundled table
    assert api_lifecycle.data_path() == (package / "schemas" / "api-lifecycle.yaml").resolve()
    assert api_lifecycle.lookup("only.example.com/v1beta1", "W") is not None
    assert api_lifecycle.lookup("extensions/v1beta1", "Deployment") is None
