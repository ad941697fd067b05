"""The fields of one object that differ between base and head, as YAML paths with old and new values.

Plain data is compared as Kubernetes reads it:

- mappings key by key: a key on one side only is one added or removed field (with its whole value), a
  key on both is compared further;
- lists of mappings that each have a distinct string ``name`` (containers, env, ports, volumes: the
  merge key most Kubernetes lists have) are matched by it, so a sidecar inserted before the main
  container changes nothing of the main container, and the path names the item
  (``containers[name=app].image``); other lists are compared item by item at the same index, and items
  beyond the shorter list are added or removed;
- scalars differ when their value or their type differs (``"1"`` and ``1``, ``true`` and ``1``), since
  a schema tells them apart.

A path reads as a person writes it: keys joined by dots, a key that is no plain word quoted in brackets
(``metadata.annotations["app.kubernetes.io/name"]``), list items by ``[name=...]`` or ``[index]``. Each
change also carries the JSON pointer of the field in the head object (in the base object for a removed
one), which is what the object's locator places and the JSON report gives. At most :data:`MAX_FIELDS`
changes are listed per object; the rest are counted, never dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..lazy_pattern import lazy
from .model import ABSENT, ADDED, CHANGED, REMOVED

#: Changes listed per object; an object with more says how many more (``ObjectChange.omitted_fields``).
MAX_FIELDS = 200

_PLAIN_KEY = lazy(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


@dataclass(frozen=True)
class Difference:
    """One differing field: its tokens in the head (base, for a removed field) and how a person reads it."""

    tokens: tuple[str, ...]
    path: str
    change: str
    old: Any
    new: Any

    @property
    def pointer(self) -> str:
        return "".join("/" + token.replace("~", "~0").replace("/", "~1") for token in self.tokens)


def differences(old: Any, new: Any) -> Iterator[Difference]:
    """Every field that differs between ``old`` and ``new``, in the head's order (removed ones where they were)."""
    yield from _compare(old, new, (), "")


def same(old: Any, new: Any) -> bool:
    """Equal as plain data, types included (``1`` is not ``True``, ``1`` is not ``1.0``)."""
    if type(old) is not type(new):
        return False
    if isinstance(old, dict):
        return old.keys() == new.keys() and all(same(value, new[key]) for key, value in old.items())
    if isinstance(old, list):
        return len(old) == len(new) and all(same(a, b) for a, b in zip(old, new, strict=True))
    return old == new


def _compare(old: Any, new: Any, tokens: tuple[str, ...], path: str) -> Iterator[Difference]:
    if isinstance(old, dict) and isinstance(new, dict):
        yield from _compare_mappings(old, new, tokens, path)
    elif isinstance(old, list) and isinstance(new, list):
        keyed = _by_name(old), _by_name(new)
        if keyed[0] is not None and keyed[1] is not None:
            yield from _compare_named(old, new, keyed[0], keyed[1], tokens, path)
        else:
            yield from _compare_indexed(old, new, tokens, path)
    elif not same(old, new):
        yield Difference(tokens, path, CHANGED, old, new)


def _compare_mappings(old: dict, new: dict, tokens: tuple[str, ...], path: str) -> Iterator[Difference]:
    for key, value in new.items():
        token, child = str(key), _key_path(path, key)
        if key in old:
            yield from _compare(old[key], value, (*tokens, token), child)
        else:
            yield Difference((*tokens, token), child, ADDED, ABSENT, value)
    for key, value in old.items():
        if key not in new:
            yield Difference((*tokens, str(key)), _key_path(path, key), REMOVED, value, ABSENT)


def _compare_named(old: list, new: list, old_names: dict[str, int], new_names: dict[str, int],
                   tokens: tuple[str, ...], path: str) -> Iterator[Difference]:
    for name, index in new_names.items():
        child = f"{path}[name={_quoted_name(name)}]"
        if name in old_names:
            yield from _compare(old[old_names[name]], new[index], (*tokens, str(index)), child)
        else:
            yield Difference((*tokens, str(index)), child, ADDED, ABSENT, new[index])
    for name, index in old_names.items():
        if name not in new_names:
            yield Difference((*tokens, str(index)), f"{path}[name={_quoted_name(name)}]", REMOVED, old[index], ABSENT)


def _compare_indexed(old: list, new: list, tokens: tuple[str, ...], path: str) -> Iterator[Difference]:
    for index, value in enumerate(new):
        child = f"{path}[{index}]"
        if index < len(old):
            yield from _compare(old[index], value, (*tokens, str(index)), child)
        else:
            yield Difference((*tokens, str(index)), child, ADDED, ABSENT, value)
    for index in range(len(new), len(old)):
        yield Difference((*tokens, str(index)), f"{path}[{index}]", REMOVED, old[index], ABSENT)


def _by_name(items: list) -> dict[str, int] | None:
    """The index of each item by its ``name``, when every item is a mapping with a distinct string name."""
    if not items:
        return None
    names: dict[str, int] = {}
    for index, item in enumerate(items):
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or name in names:
            return None
        names[name] = index
    return names


def _key_path(path: str, key: Any) -> str:
    text = str(key)
    if _PLAIN_KEY.match(text):
        return f"{path}.{text}" if path else text
    return f"{path}[{_quoted(text)}]"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _quoted_name(name: str) -> str:
    return name if _PLAIN_KEY.match(name) or re.fullmatch(r"[A-Za-z0-9_.-]+", name) else _quoted(name)
