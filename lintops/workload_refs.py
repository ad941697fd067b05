"""Argo Rollouts whose pod template is a Deployment's (``spec.workloadRef``): checked through that Deployment.

A Rollout either carries its own pod template (``spec.template``: an ordinary workload, see
``WORKLOAD_POD_SPECS``) or names a Deployment whose template it runs (``spec.workloadRef``, how teams
migrate a Deployment to Argo Rollouts). In the second case the Rollout's containers are the
Deployment's, so the container and pod-spec rules that apply to a Rollout judge that template.

Why the findings are carried over rather than the rules run again: lintops streams objects, and the
Deployment may come before or after the Rollout, in another file, even in another worker process.
Keeping every Deployment's body until the end of the run would cost memory on every run (about 9 KB
per Deployment) for a rare case. Instead, each Deployment leaves a small :class:`PodTemplate`: the
findings of the pod-spec and container rules on its template before exemptions (usually none), and
its template's annotations (which exempt for the pods the Rollout runs too). At the end of the run
each :class:`WorkloadReference` takes the findings of the Deployment it names, keeps those of rules
that apply to a Rollout, and names the Rollout as their object; the engine then applies the
Rollout's own exemptions (its annotations, a configuration exemption by its name) to them. Both
records are plain data, so a worker process can send them home with its reports.

A Rollout is matched with a Deployment of the same namespace (both without one, as Helm renders
them, match too) and, for rendered inputs, of the same chart environment or overlay first, then of
the plain files. When the Deployment is not among the linted objects, the Rollout's pod template is
not checked, and the ``workload-ref`` rule (info) says so at ``spec.workloadRef``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import Finding, Location, ObjectRef, Resource, Source

ROLLOUT_GROUP = "argoproj.io"
#: What a workloadRef is resolved to (the kinds Argo Rollouts accepts there, as far as lintops knows them).
REFERABLE_KINDS = frozenset({"Deployment"})


@dataclass(frozen=True)
class PodTemplate:
    """A Deployment as a Rollout that names it needs it."""

    ref: ObjectRef
    #: The pod template's annotations (``lintops.io/ignore-<rule>`` there exempts the Rollout's pods too).
    annotations: dict[str, Any] | None
    #: Findings of pod-spec and container rules on the template, before any exemption.
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class WorkloadReference:
    """A Rollout whose pod template is the Deployment ``name`` of its namespace."""

    ref: ObjectRef
    environment: str | None
    path: str
    #: The Rollout's own annotations (its exemptions).
    annotations: dict[str, Any] | None
    kind: str
    name: str
    #: Where ``spec.workloadRef`` is written (the workload-ref finding points there).
    location: Location
    #: Where its objects were rendered (None for plain files): a Deployment of the same scope is preferred.
    scope: Any = None


#: The template of every Deployment whose template has no findings and no annotations, as the run keeps it.
NOTHING_TO_TAKE = PodTemplate(ObjectRef("apps/v1", "Deployment", None, ""), None, ())


def is_rollout(resource: Resource) -> bool:
    return resource.kind == "Rollout" and resource.api_version.split("/", 1)[0] == ROLLOUT_GROUP


def reference_of(resource: Resource, scope: Any) -> WorkloadReference | None:
    """The workloadRef of an Argo Rollout that has no pod template of its own, else None."""
    spec = resource.body.get("spec")
    if not isinstance(spec, dict) or spec.get("template") is not None:
        return None
    target = spec.get("workloadRef")
    if not isinstance(target, dict) or not isinstance(target.get("name"), str) or not target["name"]:
        return None
    kind = target.get("kind") if isinstance(target.get("kind"), str) else "Deployment"
    return WorkloadReference(resource.ref, resource.source.environment, resource.source.path,
                             _annotations(resource.body.get("metadata")), kind, target["name"],
                             resource.location("/spec/workloadRef", at_key=True), scope)


def template_of(resource: Resource, findings: list[Finding]) -> PodTemplate:
    spec = resource.body.get("spec")
    template = spec.get("template") if isinstance(spec, dict) else None
    metadata = template.get("metadata") if isinstance(template, dict) else None
    return PodTemplate(resource.ref, _annotations(metadata), tuple(findings))


def kept(template: PodTemplate) -> PodTemplate:
    """What the run keeps of a Deployment until its last file is read: a template with no findings and no
    annotations is :data:`NOTHING_TO_TAKE` (resolving a reference reads only those two), so the run keeps a
    key per Deployment, not an object and a reference each."""
    return template if template.findings or template.annotations is not None else NOTHING_TO_TAKE


def key(scope: Any, namespace: str | None, name: str | None) -> tuple[Any, str | None, str | None]:
    return (scope, namespace, name)


def view(reference: WorkloadReference, template: PodTemplate | None) -> Resource:
    """The Rollout as exemptions see it: its own annotations, and the pod template's of the Deployment."""
    body: dict[str, Any] = {"metadata": {"annotations": dict(reference.annotations or {})}, "spec": {}}
    if template is not None:
        body["spec"]["template"] = {"metadata": {"annotations": dict(template.annotations or {})}}
    ref = reference.ref
    return Resource(ref.api_version, ref.kind, ref.namespace, ref.name, body,
                    Source(reference.path, "file", reference.environment))


def _annotations(metadata: Any) -> dict[str, Any] | None:
    found = metadata.get("annotations") if isinstance(metadata, dict) else None
    return found if isinstance(found, dict) else None
