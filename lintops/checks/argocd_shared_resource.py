"""Check ``argocd-shared-resource``: one object rendered by two ArgoCD Applications for the same destination.

Two Applications that deploy the same object (group, kind, namespace, name) to the same cluster fight:
each sync overwrites the other's version, ArgoCD marks both with a SharedResourceWarning, and pruning
one deletes what the other still needs. lintops renders every chart and overlay an Application of the
run deploys with that Application's settings, and the render stage marks each rendered text with the
Applications it was rendered for (:attr:`lintops.model.Source.applications`: name, defining file,
destination cluster and namespace). An object without a namespace lands in its Application's
destination namespace, as ArgoCD applies it; a cluster-scoped kind has none.

Only rendered objects carry Applications, and they are linted in the main process, so this check
holds, per object identity and destination, the Applications that render it and one small copy per
Application (:func:`lintops.held_back.detached`, its name's place only), and reports in :meth:`finish`.
Plain manifest directories an Application deploys are not marked (see the rule file).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..model import Resource, Violation
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext

#: Kinds without a namespace (the built-in cluster-scoped APIs and ArgoCD's own): ArgoCD gives them none.
CLUSTER_SCOPED = frozenset({
    "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "StorageClass", "PriorityClass", "IngressClass", "RuntimeClass", "APIService", "CSIDriver", "CSINode",
    "VolumeAttachment", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "PodSecurityPolicy", "ComponentStatus",
    "CertificateSigningRequest", "FlowSchema", "PriorityLevelConfiguration", "ClusterIssuer",
})
_NAME = "/metadata/name"
_MAX_NAMED = 5


def _identity(resource: Resource, deployer: tuple[str, str, str, str]) -> tuple[str, str, str, str, str] | None:
    """(cluster, namespace, group, kind, name) where ``deployer`` puts ``resource``; None for an unnamed object."""
    if not isinstance(resource.name, str) or not resource.name:
        return None
    _, _, cluster, destination = deployer
    api_version = str(resource.api_version)
    group = api_version.rpartition("/")[0]
    namespace = "" if resource.kind in CLUSTER_SCOPED else (resource.namespace or destination)
    return (cluster, namespace, group, str(resource.kind), resource.name)


def _application(deployer: tuple[str, str, str, str]) -> str:
    name, defined_in, _, _ = deployer
    return f"'{name}' ({defined_in})" if defined_in else f"'{name}'"


class ArgoCDSharedResource(Check):
    name = "argocd-shared-resource"
    description = ("Reports objects that two ArgoCD Applications of the run render for the same destination "
                   "cluster and namespace, naming the object and every Application.")
    #: What it compares are rendered objects (always linted in this process); an Application file is linted
    #: here too, so that workers are only ever given plain files, which carry no Application.
    cross_object_kinds = frozenset({"Application"})

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(params)
        #: identity -> {Application (name, file) -> (its deployer, the first object of it)}
        self._seen: dict[tuple[str, ...], dict[tuple[str, str], tuple[tuple[str, str, str, str], Resource]]] = {}

    def holding(self) -> int:
        return sum(len(deployers) for deployers in self._seen.values())

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        resource = subject.resource
        for deployer in resource.source.applications:
            identity = _identity(resource, deployer)
            if identity is None:
                continue
            apps = self._seen.setdefault(identity, {})
            if deployer[:2] not in apps:
                from ..held_back import detached

                apps[deployer[:2]] = (deployer, detached(resource, (_NAME,)))
        return ()

    def finish(self, ctx: RunContext) -> Iterator[tuple[Resource, Violation]]:
        seen, self._seen = self._seen, {}
        for identity, apps in seen.items():
            if len(apps) < 2:
                continue
            cluster, namespace, group, kind, name = identity
            deployers = [deployer for deployer, _ in apps.values()]
            named = ", ".join(_application(d) for d in deployers[:_MAX_NAMED])
            more = f" and {len(deployers) - _MAX_NAMED} more" if len(deployers) > _MAX_NAMED else ""
            what = f"{kind}{f'.{group}' if group else ''} '{name}'" + (f" in namespace '{namespace}'" if namespace
                                                                        else "")
            where = f"cluster '{cluster}'" if cluster else "the same destination"
            message = (f"{what} is rendered by {len(deployers)} Applications for {where}: {named}{more}; "
                       "ArgoCD reports a SharedResourceWarning and each sync overwrites the other's")
            reported: set[tuple[str, int, int]] = set()
            for _, resource in apps.values():
                place = resource.location(_NAME)
                key = (place.path, place.line, place.column)
                if key in reported:  # one template rendered for both: one finding at it
                    continue
                reported.add(key)
                yield resource, Violation(_NAME, message)
