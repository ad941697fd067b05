"""Objects a check holds back until every file was read, because the CRD that gives their schema may come later.

``kubernetes-schema`` validates such an object when the run ends, ``kubernetes-schema-known`` reports it
as unvalidated then; both held it at each target version it was checked against, and both report each
problem once per object, naming the versions it applies to when the run has several.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .checks.base import merge_targets
from .model import Located, Resource, Violation

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


class _PinnedPlaces:
    """A locator that answers from places resolved while the object's document was still parsed."""

    __slots__ = ("_fallback", "_places")

    def __init__(self, places: dict[tuple[str, bool], Located], fallback: Located) -> None:
        self._places = places
        self._fallback = fallback

    def __call__(self, pointer: str, at_key: bool) -> Located:
        return self._places.get((pointer, at_key)) or self._places.get((pointer, False)) or self._fallback


def detached(resource: Resource, pointers: Iterable[str] = ()) -> Resource:
    """``resource`` reduced to what a cross-object check needs to report on it when the run ends.

    Why: a check that compares objects across files (a Service and the pods it selects, a SealedSecret and
    a Secret of the same name) learns only in :meth:`~lintops.checks.base.Check.finish` which objects to
    report, but holding every object with its body and its document's node tree until then would make
    memory grow with the run. The copy keeps the identity, the source, the annotations that exempt its
    findings (the object's and its pod template's) and the places of ``pointers`` (each also as a key)
    and of the object itself, resolved now; its body is nothing else. A pointer not given resolves to
    the object's own place.
    """
    from .exemptions import annotation_maps

    places: dict[tuple[str, bool], Located] = {}
    for pointer in ("", *pointers):
        for at_key in (False, True):
            places[(pointer, at_key)] = resource.locate(pointer, at_key)
    body: dict[str, Any] = {}
    for base, found in annotation_maps(resource):
        node = body
        for token in [*base.split("/")[1:], "metadata"]:
            node = node.setdefault(token, {})
        node["annotations"] = found
    return replace(resource, body=body, root_pointer="", has_nulls=False,
                   locator=_PinnedPlaces(places, places[("", False)]))
