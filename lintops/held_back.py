"""Objects a check holds back until every file was read, because the CRD that gives their schema may come later.

``kubernetes-schema`` validates such an object when the run ends, ``kubernetes-schema-known`` reports it
as unvalidated then; both held it at each target version it was checked against, and both report each
problem once per object, naming the versions it applies to when the run has several.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .checks.base import merge_targets
from .model import Resource, Violation

if TYPE_CHECKING:  # pragma: no cover
    from .run_context import RunContext


def by_resource(held: list[tuple[Resource, str]]) -> Iterator[tuple[Resource, list[str]]]:
    """Each held object once, with the versions it was held at (oldest first, as they were checked)."""
    grouped: dict[int, tuple[Resource, list[str]]] = {}
    for resource, version in held:
        grouped.setdefault(id(resource), (resource, []))[1].append(version)
    yield from grouped.values()


def merged(found: list[tuple[str, Violation]], ctx: RunContext) -> list[Violation]:
    """The violations of an object held back, one per problem naming its versions when the run has several."""
    if not ctx.several:
        return [violation for _, violation in found]
    return merge_targets(found)
