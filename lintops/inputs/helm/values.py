"""Values as Helm combines them: files merged in order, then coalesced with the charts' defaults.

Each source of values is kept as a :class:`_Layer` with its positions, so that a values key can be
traced to the most specific file that sets it (an environment file over ``values.yaml`` over a
vendored sub-chart's defaults).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ...model import Location, join_pointer, lookup
from ...parse.documents import ParsedDocument

#: A path into values, key by key (list indexes as digit strings).
Tokens = tuple[str, ...]


@dataclass
class _Layer:
    """A source of values: a file (with positions), or the values an ArgoCD Application gives."""

    path: str
    data: Any
    document: ParsedDocument | None = None
    prefix: Tokens = ()
    environment_file: bool = False
    origin: Callable[[str], Location | None] | None = None

    def lookup(self, tokens: Tokens) -> Tokens | None:
        """Tokens inside this layer when it sets the value at ``tokens`` (of the top chart's values)."""
        if tokens[: len(self.prefix)] != self.prefix:
            return None
        inner = tokens[len(self.prefix):]
        found, _ = _get(self.data, inner)
        return inner if found else None

    def location(self, inner: Tokens) -> Location | None:
        pointer = join_pointer("", *inner)
        if self.origin is not None:
            return self.origin(pointer)
        if self.document is None:
            return None
        position = self.document.position(pointer, at_key=bool(inner))
        return Location(self.path, position.line, position.column)


_get = lookup  # (found, value) at pointer tokens


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's merge of ``-f`` files: later files win, mappings merge, nulls are kept (they delete later)."""
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), dict):
            result[key] = _merge(result[key], value)
        else:
            result[key] = copy.deepcopy(dict(value) if isinstance(value, Mapping) else value)
    return result


def _strip_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_nulls(v) for k, v in value.items() if v is not None}
    return value


def _coalesce(user: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's coalescing of user values with chart defaults: user wins, null deletes, mappings merge."""
    result: dict[str, Any] = {}
    for key, default in defaults.items():
        if key in user:
            value = user[key]
            if value is None:
                continue
            if isinstance(value, Mapping) and isinstance(default, Mapping):
                result[key] = _coalesce(value, default)
            else:
                result[key] = _strip_nulls(copy.deepcopy(value))
        elif default is not None:
            result[key] = _strip_nulls(copy.deepcopy(default))
    for key, value in user.items():
        if key not in defaults and value is not None:
            result[key] = _strip_nulls(copy.deepcopy(value))
    return result


def _nest(tokens: Tokens, value: Any) -> Any:
    for token in reversed(tokens):
        value = {token: value}
    return value


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)
