"""Which dependency entries Helm keeps for an environment's values, and so which missing ones it needs.

Helm's ``processDependencyTags`` and ``processDependencyConditions`` (see :mod:`.dependencies`):
decided per environment, before any template runs, so that an entry no chart serves is a problem at
its line only when Helm would use it (its condition or tags do not disable it), and ``helm template``'s
stricter check (every listed name under ``charts/``, enabled or not) is said for the binary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .chart import _Chart
from .dependencies import Dependency, Missing
from .values import Tokens, _coalesce


def _table(values: Any, tokens: Tokens) -> dict[str, Any] | None:
    """``Values.Table``: every step must be a mapping, the last one too."""
    for token in tokens:
        if not isinstance(values, dict) or token not in values:
            return None
        values = values[token]
    return values if isinstance(values, dict) else None


def _path_value(values: Any, path: str) -> tuple[bool, Any]:
    """``Values.PathValue``: ``(found, value)``; a table is no value."""
    tokens = path.split(".")
    table = _table(values, tuple(tokens[:-1]))
    if table is None or tokens[-1] not in table or isinstance(table[tokens[-1]], dict):
        return False, None
    return True, table[tokens[-1]]


def enabled(dependency: Dependency, values: Mapping[str, Any], prefix: Tokens,
            tags: Mapping[str, Any] | None) -> bool:
    """Whether Helm keeps the entry, for the coalesced ``values`` of the top chart (``prefix``: the
    chart's place in them; ``tags``: the ``tags:`` table its conditions see)."""
    state = True
    if isinstance(tags, dict):
        present = [tags[tag] for tag in dependency.tags if tag in tags and isinstance(tags[tag], bool)]
        state = not (present and not any(present))
    path = "".join(f"{key}." for key in prefix)
    for condition in dependency.condition.strip().split(","):
        if not condition:
            continue
        found, value = _path_value(values, path + condition)
        if found and isinstance(value, bool):
            state = value
            break
    return state


def needed_missing(chart: _Chart, values: Mapping[str, Any]) -> list[Missing]:
    """The entries no chart serves that Helm would keep for these values: each is a problem.

    ``values`` are the user's coalesced with every chart's defaults, as Helm evaluates conditions.
    Charts below a disabled entry are not looked at, as Helm removes them first.
    """
    found: list[Missing] = []

    def visit(current: _Chart, prefix: Tokens, tags: Any) -> None:
        if not current.dependencies:  # Helm looks below a chart only from the entries it lists
            return
        states = {dependency: enabled(dependency, values, prefix, tags) for dependency in current.dependencies}
        disabled = {dependency.key for dependency, state in states.items() if not state}
        found.extend(m for m in current.missing if not m.reported and states.get(m.dependency, True))
        for key, sub in current.subcharts.items():
            if key in disabled:
                continue
            # The chart's own defaults are coalesced under the top values for its entries' tags.
            own = sub.values.get("tags") if isinstance(sub.values, dict) else None
            merged = _coalesce_tables(tags, own)
            visit(sub, (*prefix, key), merged)

    visit(chart, (), values.get("tags") if isinstance(values, Mapping) else None)
    return found


def _coalesce_tables(user: Any, defaults: Any) -> Any:
    """A ``tags:`` table as a chart's conditions see it: the top values' over the chart's own defaults."""
    if not isinstance(defaults, dict):
        return user
    if not isinstance(user, dict):
        return user if user is not None else dict(defaults)
    return _coalesce(user, defaults)


def missing_for_binary(chart: _Chart) -> list[Missing]:
    """What ``helm template`` refuses the chart for (``CheckDependencies``): the top chart's entries whose
    name no chart under ``charts/`` has, enabled or not (one reported already is named again, with the reason
    the render stops)."""
    return [m if not m.reported else Missing(m.dependency, f"dependency {m.dependency.described()} is not under "
                                                          f"charts/")
            for m in chart.missing if m.dependency.name not in chart.present]
