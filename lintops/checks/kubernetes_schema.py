"""Check ``kubernetes-schema``: every object matches the API schema of the target version.

Every object is validated against the JSON schema of its apiVersion and kind for the Kubernetes
version of the run (strict by default: unknown fields are errors, as ``kubectl apply --validate=strict``
and the API server's field validation treat them). Custom resources are validated against the bundled
CRD schemas (ArgoCD, SealedSecret) and against any ``CustomResourceDefinition`` among the inputs.

A run of several target versions validates an object at each version it is checked against (its
environment's, or every ``-k``) and reports each error once, naming the versions it applies to (a Pod's
``hostUsers`` is an unknown field at 1.24 only in ``-k 1.24 -k 1.25``).

An object whose schema is not known yet is held back until every file was read, because its CRD may
come later in the run (:mod:`lintops.held_back`); only then is it validated. What still has no schema
then is ``kubernetes-schema-known``'s to report.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..held_back import by_resource, merged
from ..model import Resource, Violation
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext


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
        return [_violation(error, resource.body) for error in errors]

    def finish(self, ctx: RunContext) -> Iterator[tuple[Resource, Violation]]:
        held, self._held = self._held, []
        for resource, versions in by_resource(held):
            found = [(version, _violation(error, resource.body)) for version in versions
                     for error in ctx.schemas_at(version).validate(resource.api_version, resource.kind,
                                                                   resource.body) or ()]
            for violation in merged(found, ctx):
                yield resource, violation


def _violation(error, body) -> Violation:
    """The finding of one schema error, its message naming the field (``spec.replicas: expected integer, ...``)."""
    from ..schema.kube.validate import located_message

    return Violation(error.pointer, located_message(error, body), at_key=error.at_key)
