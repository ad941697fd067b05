"""Which template of a chart ran into a render limit, so that the problem points at it.

Helm renders all of a chart's templates in one call, and a render stopped by a limit (time, memory,
stack) says nothing about where it was. So the chart is rendered again from copies that keep only
some of its templates, halving the suspects each time: a copy whose render reaches a limit holds
the runaway template, one that finishes does not. Helpers (files whose name starts with ``_``) stay
in every copy, since any template may include them, so a runaway helper is found as the template
that calls it. The result is confirmed by a copy without that template, which must render; when
templates only run away together, or the runaway one is in a sub-chart vendored as an archive,
nothing is named and the problem stays at ``Chart.yaml``.

Each of these renders has a shorter time limit (:data:`LOCATE_TIMEOUT`; a template that finishes
takes milliseconds), and a chart spends at most :data:`MAX_LOCATE_RENDERS` of them.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .backends import _RenderLimit

#: Seconds each render spent on finding the runaway template may take (at most the render time limit).
LOCATE_TIMEOUT = 5.0
#: Renders one chart may spend on finding its runaway template, over all its environments.
MAX_LOCATE_RENDERS = 8

Render = Callable[[Path, float], Any]


def template_files(chart_dir: Path) -> list[Path]:
    """The files Helm renders as templates, relative to ``chart_dir``: the chart's and its directory sub-charts'."""
    found: list[Path] = []
    charts = [chart_dir]
    while charts:
        chart = charts.pop()
        templates = chart / "templates"
        if templates.is_dir() and not templates.is_symlink():
            found.extend(path.relative_to(chart_dir) for path in sorted(templates.rglob("*"))
                         if path.is_file() and not path.is_symlink() and not path.name.startswith("_"))
        sub = chart / "charts"
        if sub.is_dir() and not sub.is_symlink():
            charts.extend(entry for entry in sorted(sub.iterdir())
                          if entry.is_dir() and not entry.is_symlink() and (entry / "Chart.yaml").is_file())
    return sorted(found)


def find_runaway(source: Path, render: Render, budget: list[int], timeout: float) -> Path | None:
    """The template (relative to ``source``) whose render reaches a limit, or None when none alone does.

    ``render(chart_dir, timeout)`` renders a chart directory and raises :class:`_RenderLimit` at a
    limit; ``budget`` holds the renders still allowed (shared by a chart's environments).
    """
    suspects = template_files(source)
    if not suspects:
        return None
    timeout = min(timeout, LOCATE_TIMEOUT)
    with tempfile.TemporaryDirectory(prefix="lintops-runaway-") as scratch:
        def runs_away(keep: list[Path]) -> bool | None:
            if budget[0] <= 0:
                return None
            budget[0] -= 1
            copy = Path(scratch) / f"try{budget[0]}" / source.name
            drop = set(suspects) - set(keep)
            shutil.copytree(source, copy, symlinks=True,
                            ignore=lambda folder, names: [n for n in names
                                                          if (Path(folder) / n).relative_to(source) in drop])
            try:
                render(copy, timeout)
            except _RenderLimit:
                return True
            except Exception:  # a Helm error (a removed template defined something): it did not run away
                return False
            finally:
                shutil.rmtree(copy.parent, ignore_errors=True)
            return False

        while len(suspects) > 1:
            half = suspects[: len(suspects) // 2]
            verdict = runs_away(half)
            if verdict is None:
                return None
            suspects = half if verdict else suspects[len(suspects) // 2:]
        return suspects[0] if runs_away([]) is False else None  # without it, the chart renders
