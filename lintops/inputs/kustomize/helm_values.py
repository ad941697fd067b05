"""Where a key of the values kustomize hands Helm for a ``helmCharts`` entry is written.

kustomize merges ``valuesInline`` with ``valuesFile`` (``override``: the inline values win, ``merge``:
the file's win, ``replace``: the inline values alone, the file is not read) into a file of its own,
then lists each of ``additionalValuesFiles`` after it; lintops renders with exactly those values, so
the key a finding traces to (:mod:`lintops.inputs.helm`, "Pointing back") is looked up in the order
Helm gives them precedence: the additional files, the last first, then the inline values and the
values file in ``valuesMerge``'s order. The place is the key in that file, or under ``valuesInline``
in the kustomization.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...model import Location, Position, iter_pointer_tokens, join_pointer, lookup
from ...parse.stream import parse_bytes
from ..files import LintedRoot
from .helm_entries import ChartEntry


class _ValuesSource:
    """One place values come from: a file (with positions) or ``valuesInline``."""

    def __init__(self, data: Any, where: Callable[[str], Location]) -> None:
        self.data = data
        self.where = where

    def location(self, pointer: str) -> Location | None:
        found, _ = lookup(self.data, list(iter_pointer_tokens(pointer)))
        return self.where(pointer) if found else None


def values_origin(entry: ChartEntry, within: LintedRoot, show: Callable[[Path], str]
                  ) -> Callable[[str], Location | None]:
    """``pointer`` of the values -> where that key is written for ``entry`` (None: in none of its sources)."""
    kustomization = entry.kustomization
    inline_at = join_pointer(entry.pointer, "valuesInline")
    inline = _ValuesSource(entry.values_inline, lambda pointer: _place(
        show(kustomization.file), kustomization.position(inline_at + pointer, at_key=True)))
    files = [_file_source(path, within, show) for _, _, path in reversed(list(entry.additional_values_files()))]
    values_file = _file_source(entry.values_file, within, show) if entry.reads_values_file else None
    order = {"merge": [values_file, inline], "replace": [inline]}.get(entry.values_merge, [inline, values_file])
    sources = [source for source in (*files, *order) if source is not None]

    def origin(pointer: str) -> Location | None:
        for source in sources:
            location = source.location(pointer)
            if location is not None:
                return location
        return None

    return origin


def _place(path: str, position: Position) -> Location:
    return Location(path, position.line, position.column)


def _file_source(path: Path, within: LintedRoot, show: Callable[[Path], str]) -> _ValuesSource | None:
    raw = within.read(path)
    if not isinstance(raw, bytes):
        return None
    display = show(Path(os.path.realpath(path)))
    document = next((d for d in parse_bytes(raw, display).documents if d.data is not None), None)
    if document is None:
        return None
    return _ValuesSource(document.data, lambda pointer: _place(display, document.position(pointer,
                                                                                           at_key=bool(pointer))))
