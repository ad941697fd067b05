"""Checks ``kubernetes-schema`` and ``kubernetes-schema-known``: the API schema of the target version.

Every object is validated against the JSON schema of its apiVersion and kind for the Kubernetes
version of the run (strict by default: unknown fields are errors, as ``kubectl apply --validate=strict``
and the API server's field validation treat them). Custom resources are validated against the bundled
CRD schemas (ArgoCD, SealedSecret) and against any ``CustomResourceDefinition`` among the inputs.

An object whose schema is not known yet is held back until every file was read, because its CRD may
come later in the run; only then is it validated, or reported by ``kubernetes-schema-known`` as
unvalidated. That is for custom resources only: an object of a built-in API group (``apps``, ``v1``,
``policy`` ...) without a schema in the target version is one the target does not serve, which
``api-removed`` and ``api-unavailable`` report as errors, naming what the target serves instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..model import Resource, Violation
from ..schema.kube.served import served_index
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
        if not ctx.schemas.has_schema(resource.api_version, resource.kind) and not _builtin(resource.api_version):
            self._held.append(resource)
        return ()

    def finish(self, ctx: RunContext) -> Iterator[tuple[Resource, Violation]]:
        held, self._held = self._held, []
        for resource in held:
            if ctx.schemas.has_schema(resource.api_version, resource.kind):
                continue
            yield resource, Violation(
                "/apiVersion",
                f"no schema for {resource.api_version} {resource.kind} in Kubernetes {ctx.kubernetes_version} "
                "or in the CRDs of this run; the object was not validated",
            )


def _builtin(api_version: object) -> bool:
    """An apiVersion of a built-in API group: the api rules speak for it (see module docstring)."""
    return isinstance(api_version, str) and served_index().is_builtin(api_version)


def _violation(error) -> Violation:
    return Violation(error.pointer, error.message, at_key=error.at_key)
