"""Check ``default-namespace``: a namespaced object names its namespace, or its environment gives it one.

Objects land in the namespace ``default`` when nothing says otherwise (``kubectl apply`` without ``-n``),
where every tenant's leftovers meet and namespace-scoped policies and quotas do not reach.

What gives a namespace: ``metadata.namespace``; a Kustomize overlay's ``namespace:`` (written into every
rendered object, so a rendered object without one has none); a Helm release (the release namespace is
chosen at install, and lintops renders a chart without one into ``default``: Helm renders are not
judged); an ArgoCD Application's destination namespace (rendered texts carry the Applications they were rendered for,
``Source.applications``; a plain directory is deployed by an Application whose ``source.path`` is that
directory, or an ancestor of it with ``directory.recurse: true``, which the run learns only when every
file was read: such objects are cross-object facts, :mod:`lintops.cross_refs`). ``namespace: default``
written out is reported in plain files and Kustomize renders.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..cross_refs import PLAIN, Fact, FactCheck, Facts, Recorder, Verdict, directory_of, site
from ..model import Resource, Violation
from .base import Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext

#: Built-in kinds that live in a namespace (a custom kind is judged when a CRD of the run says it is Namespaced).
NAMESPACED_KINDS = frozenset({
    "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob",
    "Service", "ConfigMap", "Secret", "ServiceAccount", "Role", "RoleBinding", "Ingress", "NetworkPolicy",
    "PersistentVolumeClaim", "PodDisruptionBudget", "HorizontalPodAutoscaler", "LimitRange", "ResourceQuota",
    "Endpoints", "EndpointSlice", "Lease", "PodTemplate", "ControllerRevision", "Event",
    "CSIStorageCapacity", "Rollout", "SealedSecret", "Application", "ApplicationSet", "AppProject",
})
_MESSAGE = ("the {kind} has no metadata.namespace and {why}: it is deployed to whatever namespace the deploying "
            "client uses, `default` unless told otherwise")


def _custom_namespaced(kind: str, api_version: str, ctx: RunContext) -> bool:
    group = api_version.split("/", 1)[0] if "/" in api_version else ""
    for body in ctx.crds:
        spec = body.get("spec") if isinstance(body, dict) else None
        if isinstance(spec, dict) and spec.get("group") == group and isinstance(spec.get("names"), dict) \
                and spec["names"].get("kind") == kind:
            return spec.get("scope") == "Namespaced"
    return False


def _applications(resource: Resource, ctx: RunContext) -> Iterator[Fact]:
    """Where an ArgoCD Application deploys a plain directory with a destination namespace."""
    if not resource.api_version.startswith("argoproj.io/"):
        return
    spec = resource.body.get("spec")
    spec = spec if isinstance(spec, dict) else {}
    destination = spec.get("destination") if isinstance(spec.get("destination"), dict) else {}
    if not isinstance(destination.get("namespace"), str) or not destination["namespace"]:
        return
    sources = spec.get("sources") if isinstance(spec.get("sources"), list) else [spec.get("source")]
    for source in sources[:64]:
        if isinstance(source, dict) and isinstance(source.get("path"), str):
            path = posixpath.normpath(source["path"].strip("/")) if source["path"].strip("/") else "."
            directory = source.get("directory") if isinstance(source.get("directory"), dict) else {}
            yield Fact("app-dir", ("tree" if directory.get("recurse") is True else "dir", path))


def _unnamespaced(resource: Resource, ctx: RunContext) -> Iterator[Fact]:
    """A plain file's namespaced object without a namespace (what an Application may still give it)."""
    if resource.source.origin != "file" or resource.namespace is not None or resource.name is None:
        return
    if resource.kind in NAMESPACED_KINDS or _custom_namespaced(resource.kind, resource.api_version, ctx):
        yield Fact("no-namespace", (resource.kind,), None, site(resource, "/metadata", at_key=True))


APPLICATIONS = Recorder("lintops.application-directories", frozenset({"Application"}), _applications)
UNNAMESPACED = Recorder("lintops.unnamespaced", None, _unnamespaced)


class DefaultNamespace(FactCheck):
    name = "default-namespace"
    description = "A namespaced object names its namespace, or the environment it is rendered for gives it one."
    recorders = (APPLICATIONS, UNNAMESPACED)

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        resource = subject.resource
        metadata = resource.body.get("metadata")
        if not isinstance(metadata, dict):
            return ()
        source = resource.source
        if source.origin == "helm":
            return ()  # the release namespace (`default` when lintops renders without one) is chosen at install
        if metadata.get("namespace") == "default":
            return [Violation("/metadata/namespace", f"the {resource.kind} is in the namespace `default`")]
        if resource.namespace is not None or source.origin != "kustomize" or source.applications:
            return ()  # plain files: at the end of the run; Helm: the release namespace
        if resource.kind in NAMESPACED_KINDS or _custom_namespaced(resource.kind, resource.api_version, ctx):
            return [Violation("/metadata", _MESSAGE.format(kind=resource.kind, why="the Kustomize overlay sets no "
                                                           "`namespace:`"), at_key=True)]
        return ()

    def resolve(self, facts: Facts, ctx: RunContext) -> Iterable[Verdict]:
        def wanted(directory: str) -> list[tuple]:
            found = [(PLAIN, "app-dir", "dir", directory or ".")]
            while directory and directory != "/":  # an absolute display path ends at "/", its own dirname
                found.append((PLAIN, "app-dir", "tree", directory))
                directory = posixpath.dirname(directory)
            return [*found, (PLAIN, "app-dir", "tree", ".")]

        def directories() -> Iterator[str]:
            for _, _, fact in facts.references("no-namespace"):
                yield directory_of(fact.site.located.location.path)

        known = facts.known(item for directory in set(directories()) for item in wanted(directory))
        for _, _, fact in facts.references("no-namespace"):
            if any(item in known for item in wanted(directory_of(fact.site.located.location.path))):
                continue  # an Application deploys its directory with a destination namespace
            yield Verdict(fact.site, _MESSAGE.format(kind=fact.key[0], why="no ArgoCD Application of the run "
                                                     "deploys its directory with a destination namespace"))
