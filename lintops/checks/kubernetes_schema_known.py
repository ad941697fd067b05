"""Check ``kubernetes-schema-known``: custom resources whose apiVersion and kind have no known schema.

An object ``kubernetes-schema`` cannot validate is never passed silently. It is held back until every
file was read, because its ``CustomResourceDefinition`` may come later in the run
(:mod:`lintops.held_back`); only what still has no schema then, in the bundled CRD schemas or in the
CRDs of the run, is reported as unvalidated. That is for custom resources only: an object of a built-in
API group (``apps``, ``v1``, ``policy`` ...) without a schema in the target version is one the target
does not serve, which ``api-removed`` and ``api-unavailable`` report as errors, naming what the target
serves instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..held_back import by_resource, merged
from ..model import Resource, Violation
from ..schema.kube.served import served_index
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext


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
        for resource, versions in by_resource(held):
            found = [(version, Violation(
                "/apiVersion",
                f"no schema for {resource.api_version} {resource.kind} in Kubernetes {version} "
                "or in the CRDs of this run; the object was not validated",
            )) for version in versions if not ctx.schemas_at(version).has_schema(resource.api_version, resource.kind)]
            for violation in merged(found, ctx):
                yield resource, violation


def _builtin(api_version: object) -> bool:
    """An apiVersion of a built-in API group: the api rules speak for it (see module docstring)."""
    return isinstance(api_version, str) and served_index().is_builtin(api_version)
