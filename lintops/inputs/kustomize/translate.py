"""Following a JSON pointer of a rendered object through the data it was made from.

A rendered object is its origin file with patches and transformers applied: keys stay, but list
items may move (a patch adds a container before the others). Lists are therefore matched by their
merge keys, not by index, both in the origin file and in strategic-merge patches.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...model import Position, lookup

#: Keys that identify an item of a Kubernetes list when patches merge lists (strategic merge keys).
_MERGE_KEYS = ("name", "mountPath", "devicePath", "containerPort", "port", "ip", "topologyKey", "type")


@dataclass
class Hit:
    """A place a rendered node was traced to: how deep the trace got, whether completely, the value there."""

    path: Path
    position: Position
    depth: int
    complete: bool
    value: Any = None


value_at = lookup  # whether ``data`` has a value at the pointer tokens, and that value


def _matching_item(item: Any, candidates: list[Any], index: int) -> int | None:
    """The index in ``candidates`` of the list item that ``item`` was made from (merge keys, then position)."""
    if isinstance(item, dict):
        for key in _MERGE_KEYS:
            if key in item:
                for position, candidate in enumerate(candidates):
                    if isinstance(candidate, dict) and candidate.get(key) == item[key]:
                        return position
                return None
        return index if index < len(candidates) and isinstance(candidates[index], dict) else None
    if isinstance(item, list):
        return index if index < len(candidates) and isinstance(candidates[index], list) else None
    for position, candidate in enumerate(candidates):
        if candidate == item:
            return position
    return index if index < len(candidates) and not isinstance(candidates[index], (dict, list)) else None


def translate(rendered: Any, source: Any, tokens: list[str]) -> tuple[list[str], bool, Any]:
    """Follow a pointer of the rendered object through the data it was made from.

    Returns the tokens of the same node in ``source`` (as far as it exists there), whether it exists
    completely, and its value in ``source``.
    """
    out: list[str] = []
    for token in tokens:
        if isinstance(rendered, dict) and isinstance(source, dict):
            if token not in source:
                return out, False, None
            rendered, source = rendered.get(token), source[token]
            out.append(token)
        elif isinstance(rendered, list) and isinstance(source, list):
            if not token.isdigit() or int(token) >= len(rendered):
                return out, False, None
            item = rendered[int(token)]
            position = _matching_item(item, source, int(token))
            if position is None:
                return out, False, None
            rendered, source = item, source[position]
            out.append(str(position))
        else:
            return out, False, None
    return out, True, source
