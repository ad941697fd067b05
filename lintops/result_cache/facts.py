"""Cross-object facts (lintops.cross_refs) as plain JSON data and back, for a plain file's result-cache entry.

JSON, never pickle: reading an entry runs no code. A value of the wrong shape raises :class:`ValueError`,
which the cache treats as a corrupt entry.
"""

from __future__ import annotations

from typing import Any

from ..cross_refs import Fact, Site
from ..model import Located, Location, ObjectRef, Position


def fact_data(fact: Fact) -> list:
    return [fact.topic, list(fact.key), fact.data, None if fact.site is None else _site_data(fact.site), fact.tag]


def _site_data(place: Site) -> list:
    located = place.located
    end = located.end
    return [[place.ref.api_version, place.ref.kind, place.ref.namespace, place.ref.name], place.environment,
            place.pointer, _location_data(located.location), [_location_data(r) for r in located.related],
            None if end is None else [end.line, end.column], [[base, found] for base, found in place.annotations]]


def _location_data(location: Location) -> list:
    return [location.path, location.line, location.column]


def fact(data: Any) -> Fact:
    """A fact from :func:`fact_data`; raises ValueError on anything else (a corrupt cache entry)."""
    topic, key, value, place, tag = _list(data, 5)
    if not isinstance(topic, str) or not isinstance(key, list) or not all(
            part is None or isinstance(part, str) for part in key):
        raise ValueError("bad fact")
    if value is not None and not isinstance(value, (dict, str, list)):
        raise ValueError("bad fact data")
    return Fact(topic, tuple(key), value, None if place is None else _site(place), *_ints([tag], 1))


def _site(data: Any) -> Site:
    ref, environment, pointer, location, related, end, annotations = _list(data, 7)
    api_version, kind, namespace, name = _list(ref, 4)
    if not all(isinstance(v, str) for v in (api_version, kind, pointer)) or not all(
            v is None or isinstance(v, str) for v in (namespace, name, environment)):
        raise ValueError("bad site")
    position = None if end is None else Position(*_ints(end, 2))
    maps = []
    for item in _list(annotations, None):
        base, found = _list(item, 2)
        if not isinstance(base, str) or not isinstance(found, dict):
            raise ValueError("bad annotations")
        maps.append((base, found))
    return Site(ObjectRef(api_version, kind, namespace, name), environment, pointer,
                Located(_location(location), tuple(_location(r) for r in _list(related, None)), position),
                tuple(maps))


def _location(data: Any) -> Location:
    path, line, column = _list(data, 3)
    if not isinstance(path, str):
        raise ValueError("bad location")
    return Location(path, *_ints([line, column], 2))


def _list(data: Any, length: int | None) -> list:
    if not isinstance(data, list) or (length is not None and len(data) != length):
        raise ValueError("expected a list")
    return data


def _ints(data: Any, length: int) -> tuple[int, ...]:
    values = _list(data, length)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise ValueError("expected integers")
    return tuple(values)
