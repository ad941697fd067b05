"""The values Helm imports from children into parents (``import-values``), as layers that point back.

Helm's ``processImportValues`` (see :mod:`.dependencies`) runs inside Helm's engine; lintops follows
it only so that a rendered value that came from an import points at the child's key that sets it
(:mod:`.locate` reads these layers like any values file's), instead of at the template.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...model import Location, iter_pointer_tokens
from .chart import _Chart
from .conditions import _coalesce_tables, _table, enabled
from .dependencies import _text
from .values import Tokens, _coalesce, _get, _Layer, _nest


def import_layers(chart: _Chart, defaults: dict[str, Any], layers: list[_Layer]) -> tuple[dict[str, Any],
                                                                                          list[_Layer]]:
    """The values Helm imports from children into parents, as layers that point where each value is set.

    Returns the defaults with the imports coalesced in (the parent's own values win) and one layer per
    chart that imports: a rendered value that came from an import points at the child's key that
    sets it (in the child's ``values.yaml``, or the parent's override of it). Entries are taken as
    enabled for the charts' defaults (imports are computed from defaults, never from an
    environment's values; an environment that disables an entry changes what its render shows, and
    the marked render then no longer matches: that value points at the template, never wrongly).
    """
    made: list[_Layer] = []

    def visit(current: _Chart, prefix: Tokens) -> None:
        nonlocal defaults
        for key, sub in current.subcharts.items():
            visit(sub, (*prefix, key))
        own = _get(defaults, prefix)[1] if prefix else defaults
        own = own if isinstance(own, dict) else {}
        imported: dict[str, Any] = {}
        origins: list[tuple[Tokens, Tokens, dict[str, Any]]] = []  # (parent, child, table) relative to prefix, in order
        tags = _coalesce_tables(defaults.get("tags"), own.get("tags") if prefix else None)
        for dependency in current.dependencies:
            if dependency.key not in current.subcharts or not enabled(dependency, defaults, prefix, tags):
                continue
            for entry in dependency.import_values:
                if isinstance(entry, dict):
                    child = tuple(_go_text(entry.get("child")).split("."))
                    parent_path = _go_text(entry.get("parent"))
                    parent = () if parent_path == "." else tuple(parent_path.split("."))
                elif isinstance(entry, str):
                    child, parent = ("exports", *entry.split(".")), ()
                else:
                    continue
                table = _table(own, (dependency.key, *child))
                if table is None:
                    continue  # Helm warns and goes on
                imported = _merge_tables(imported, _nest(parent, table))
                origins.append((parent, (dependency.key, *child), table))
        if not origins:
            return
        nested = _nest(prefix, imported)
        defaults = _coalesce(defaults, nested)
        made.append(_Layer(f"<imported into {'.'.join(prefix) or 'the chart'}>", imported, None, prefix,
                           origin=_import_origin(prefix, origins, layers)))

    visit(chart, ())
    return defaults, made


def _go_text(value: Any) -> str:
    """``fmt.Sprintf("%v", value)`` for the scalars a values path is written as."""
    if value is None:
        return "<nil>"
    return _text(value)


def _merge_tables(first: dict[str, Any], later: dict[str, Any]) -> dict[str, Any]:
    """``MergeTables(first, later)``: what ``first`` holds wins, tables merge, nulls are kept."""
    result = dict(first)
    for key, value in later.items():
        if key not in result:
            result[key] = value
        elif isinstance(result[key], dict) and isinstance(value, dict):
            result[key] = _merge_tables(result[key], value)
    return result


def _import_origin(prefix: Tokens, origins: list[tuple[Tokens, Tokens, dict[str, Any]]],
                   layers: list[_Layer]) -> Callable[[str], Location | None]:
    """Where an imported value is set: the child key it came from, found in the default layers."""
    busy: list[bool] = [False]  # an import of an import is followed; one that leads back to itself is not

    def origin(pointer: str) -> Location | None:
        if busy[0]:
            return None
        inner = tuple(iter_pointer_tokens(pointer))
        busy[0] = True
        try:
            for parent, child, table in origins:  # the first import that holds the value is the one Helm kept
                rest = inner[len(parent):]
                if inner[: len(parent)] != parent or not _get(table, rest)[0]:
                    continue
                source = (*prefix, *child, *rest)
                for layer in layers:
                    found = layer.lookup(source)
                    if found is not None:
                        return layer.location(found)
            return None
        finally:
            busy[0] = False

    return origin
