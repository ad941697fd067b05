"""Checks ``kubernetes-schema`` and ``kubernetes-schema-known``: the API schema of the target version.

Every object is validated against the JSON schema of its apiVersion and kind for the Kubernetes
version of the run (strict by default: unknown fields are errors, as ``kubectl apply --validate=strict``
and the API server's field validation treat them). Custom resources are validated against the bundled
CRD schemas (ArgoCD, SealedSecret) and against any ``CustomResourceDefinition`` among the inputs.

A run of several target versions validates an object at each version it is checked against (its
environment's, or every ``-k``) and reports each error once, naming the versions it applies to (a Pod's
``hostUsers`` is an unknown field at 1.24 only in ``-k 1.24 -k 1.25``).

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
from .base import Check, Subject, merge_targets

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import RunContext


class KubernetesSchema(Check):
    name = "kubernetes-schema"
    description = "Validates each object against the Kubernetes (or CRD) JSON schema of the target version."
    cross_object_kinds = frozenset({"CustomResourceDefinition"})

    def __init__(self, params: dict | None = None) -> None:
        super().__init__(params)
        self._held: list[tuple[Resource, str]] = []

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        if ctx.several:  # each target's context is one of a single version
            return self.each_target(subject, ctx, self.check)
        resource = subject.resource
        errors = ctx.schemas.validate(resource.api_version, resource.kind, resource.body)
        if errors is None:
            self._held.append((resource, ctx.kubernetes_version))
            return ()
        return [_violation(error) for error in errors]

    def finish(self, ctx: RunContext) -> Iterator[tuple[Resource, Violation]]:
        held, self._held = self._held, []
        for resource, versions in _by_resource(held):
            found = [(version, _violation(error)) for version in versions
                     for error in ctx.schemas_at(version).validate(resource.api_version, resource.kind,
                                                                   resource.body) or ()]
            for violation in _merged(found, ctx):
                yield resource, violation


class KubernetesSchemaKnown(Check):
    name = "kubernetes-schema-known"
    description = "Reports objects whose apiVersion and kind have no schema, so they were not validated."
    cross_object_kinds = frozenset({"CustomResourceDefinition"})

    def __init__(self, params: dict | None = None) -> None:
        super().__init__(params)
        self._held: list[tuple[Resource, str]] = []

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        if ctx.several:
            return self.each_target(subject, ctx, self.check)
        resource = subject.resource
        if not ctx.schemas.has_schema(resource.api_version, resource.kind) and not _builtin(resource.api_version):
            self._held.append((resource, ctx.kubernetes_version))
        return ()

    def finish(self, ctx: RunContext) -> Iterator[tuple[Resource, Violation]]:
        held, self._held = self._held, []
        for resource, versions in _by_resource(held):
            found = [(version, Violation(
                "/apiVersion",
                f"no schema for {resource.api_version} {resource.kind} in Kubernetes {version} "
                "or in the CRDs of this run; the object was not validated",
            )) for version in versions if not ctx.schemas_at(version).has_schema(resource.api_version, resource.kind)]
            for violation in _merged(found, ctx):
                yield resource, violation


def _by_resource(held: list[tuple[Resource, str]]) -> Iterator[tuple[Resource, list[str]]]:
    """Each held object once, with the versions it was held at (oldest first, as they were checked)."""
    grouped: dict[int, tuple[Resource, list[str]]] = {}
    for resource, version in held:
        grouped.setdefault(id(resource), (resource, []))[1].append(version)
    yield from grouped.values()


def _merged(found: list[tuple[str, Violation]], ctx: RunContext) -> list[Violation]:
    """The violations of an object held back, one per problem naming its versions when the run has several."""
    if not ctx.several:
        return [violation for _, violation in found]
    return merge_targets(found)


def _builtin(api_version: object) -> bool:
    """An apiVersion of a built-in API group: the api rules speak for it (see module docstring)."""
    return isinstance(api_version, str) and served_index().is_builtin(api_version)


def _violation(error) -> Violation:
    return Violation(error.pointer, error.message, at_key=error.at_key)
