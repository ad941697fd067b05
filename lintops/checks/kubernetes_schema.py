"""Checks ``kubernetes-schema`` and ``kubernetes-schema-known``: the API schema of the target version.

Every object is validated against the JSON schema of its apiVersion and kind for the Kubernetes
version of the run (strict by default: unknown fields are errors, as ``kubectl apply --validate=strict``
and the API server's field validation treat them). Custom resources are validated against the bundled
CRD schemas (ArgoCD, SealedSecret) and against any ``CustomResourceDefinition`` among the inputs.

An object whose schema is not known yet is held back until every file was read, because its CRD may
come later in the run; only then is it validated, or reported by ``kubernetes-schema-known`` as
unvalidated. Objects whose apiVersion the target version no longer serves are left to ``api-removed``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from .. import api_lifecycle
from ..model import Resource, Violation
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import RunContext


class KubernetesSchema(Check):
    name = "kubernetes-schema"
    description = "Validates each object against the Kubernetes (or CRD) JSON schema of the target version."
    cross_object_kinds = frozenset({"CustomResourceDefinition"})

    def __init__(self, params: dict | None = None) -> None:
        super().__init__(params)
        self._held: list[Resource] = []

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        resource = subject.resource
        errors = ctx.schemas.validate(resource.api_version, resource.kind, resource.body)
        if errors is None:
            self._held.append(resource)
            return ()
        return [_violation(error) for error in errors]

    def finish(self, ctx: RunContext) -> Iterator[tuple[Resource, Violation]]:
        held, self._held = self._held, []
        for resource in held:
            for error in ctx.schemas.validate(resource.api_version, resource.kind, resource.body) or ():
                yield resource, _violation(error)


class KubernetesSchemaKnown(Check):
    name = "kubernetes-schema-known"
    description = "Reports objects whose apiVersion and kind have no schema, so they were not validated."
    cross_object_kinds = frozenset({"CustomResourceDefinition"})

    def __init__(self, params: dict | None = None) -> None:
        super().__init__(params)
        self._held: list[Resource] = []

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        resource = subject.resource
        if not ctx.schemas.has_schema(resource.api_version, resource.kind):
            self._held.append(resource)
        return ()

    def finish(self, ctx: RunContext) -> Iterator[tuple[Resource, Violation]]:
        held, self._held = self._held, []
        for resource in held:
            if ctx.schemas.has_schema(resource.api_version, resource.kind):
                continue
            status = api_lifecycle.lookup(resource.api_version, resource.kind)
            if status is not None and status.removed(ctx.kubernetes_version):
                continue  # api-removed says it better
            yield resource, Violation(
                "/apiVersion",
                f"no schema for {resource.api_version} {resource.kind} in Kubernetes {ctx.kubernetes_version} "
                "or in the CRDs of this run; the object was not validated",
            )


def _violation(error) -> Violation:
    return Violation(error.pointer, error.message, at_key=error.at_key)
