"""Loading a chart from disk: ``Chart.yaml``, its dependency list, and the sub-charts that serve it.

The loader is the one place that recursion over a chart's tree goes through: a vendored directory
under ``charts/`` is loaded here (:func:`_vendored`), and a ``file://`` entry's chart is loaded by
:func:`.resolution.resolve` through the loader it is handed, so that resolving dependencies needs
no import of this module (the two stay one-directional: this module uses :mod:`.resolution`).
Dependencies are resolved as ``helm dependency build`` resolves what is local (:mod:`.dependencies`):
a ``file://`` entry from the tree, else a chart vendored under ``charts/`` (a directory, or a
``.tgz`` archive read as hostile: :mod:`.archives`). Nothing is downloaded, so an entry that is in
neither place is a problem at its line of ``Chart.yaml`` or ``requirements.yaml`` when Helm would
use it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..files import UNCONFINED, LintedRoot
from ..rendered import RenderProblem
from .chart import _Chart
from .chart_files import _document, _read_yaml
from .dependencies import declared
from .resolution import resolve


def _load_chart(directory: Path, display: Callable[[Path], str], problems: list[RenderProblem],
                within: LintedRoot | None = None, *, top: bool = True) -> _Chart | None:
    """Read ``Chart.yaml``, the dependency list and the sub-charts; None when the chart must not be rendered.

    ``top``: the chart lintops renders (its ``file://`` entries are resolved from the tree, as
    ``helm dependency build`` would); below it, sub-charts are taken as they are vendored. Problems
    are appended to ``problems``: those that stop the render (a way out of the linted root, a hostile
    archive, a file that cannot be read) with None returned, and those that do not depend on an
    environment (an entry whose vendored chart has another version). Missing entries are kept on the
    chart (``missing``): whether Helm needs one depends on each environment's values.
    """
    chart_path = directory / "Chart.yaml"
    parsed, problem = _read_yaml(chart_path, display, within)
    if problem is not None:
        problems.append(problem)
        return None
    document = _document(parsed)
    meta = document.data if document is not None else None
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta["name"]:
        problems.append(RenderProblem(display(chart_path), 1, 1, "Chart.yaml has no chart name ('name:')"))
        return None
    app_version = meta.get("appVersion")
    version = meta.get("version")
    chart = _Chart(meta["name"], directory, chart_file=parsed,
                   app_version=str(app_version) if app_version not in (None, "") else None,
                   version=str(version) if isinstance(version, (str, int, float)) and version != "" else None)
    if meta.get("kubeVersion") not in (None, ""):
        place = document.position("/kubeVersion") if document is not None else None
        chart.kube_version = meta["kubeVersion"]
        chart.kube_version_at = (place.line, place.column) if place is not None else (1, 1)
    chart.values = _own_values(directory, display, within)
    chart.dependencies, problem = declared(directory, parsed, display, within)
    if problem is not None:
        problems.append(problem)
        return None
    vendored, ok = _vendored(directory, display, problems, within)

    def load(target: Path) -> _Chart | None:  # a file:// entry's chart, taken as it is written (not top)
        return _load_chart(target, display, problems, within, top=False)

    resolution = resolve(chart, vendored, display, problems, within, top=top, load=load)
    chart.subcharts, chart.missing, chart.replaced = resolution.subcharts, resolution.missing, resolution.replaced
    chart.present = resolution.present
    return chart if ok and resolution.ok else None


def _own_values(directory: Path, display: Callable[[Path], str], within: LintedRoot | None) -> dict[str, Any]:
    """The chart's own ``values.yaml`` as data ({} when it has none or it cannot be read: reported elsewhere)."""
    path = directory / "values.yaml"
    if not path.is_file():
        return {}
    parsed, _ = _read_yaml(path, display, within)
    document = _document(parsed)
    return document.data if document is not None and isinstance(document.data, dict) else {}


def _vendored(directory: Path, display: Callable[[Path], str], problems: list[RenderProblem],
              within: LintedRoot | None) -> tuple[list[_Chart], bool]:
    """The sub-charts under ``charts/`` as Helm's loader takes them, and whether all may be loaded.

    Helm loads every directory and ``.tgz`` archive there whose name does not start with ``_`` or ``.``
    and names each by its own ``Chart.yaml``; an archive is read through ``within`` and inspected
    (:func:`.archives.inspect_archive`): a hostile one is a problem at it and the chart is not
    rendered. Other files there make Helm's loader refuse the chart, which Helm's message then says.
    """
    from .archives import inspect_archive

    reader = within or UNCONFINED
    found: list[_Chart] = []
    ok = True
    charts_dir = directory / "charts"
    if not charts_dir.is_dir():
        return found, ok
    for entry in sorted(charts_dir.iterdir()):
        if entry.name.startswith(("_", ".")):
            continue
        if entry.is_dir() and (entry / "Chart.yaml").is_file():
            sub = _load_chart(entry, display, problems, within, top=False)
            if sub is None:
                ok = False
            else:
                found.append(sub)
        elif entry.name.endswith(".tgz") and entry.is_file():
            data = reader.read(entry)
            if not isinstance(data, bytes):
                problems.append(RenderProblem(display(entry), 1, 1, f"charts/{entry.name} {data.detail}; Helm "
                                                                     f"would load it, so the chart is not rendered"))
                ok = False
                continue
            archived = inspect_archive(data)
            if archived.refusal is not None:
                problems.append(RenderProblem(display(entry), 1, 1, f"charts/{entry.name} {archived.refusal}; Helm "
                                                                     f"would load it, so the chart is not rendered"))
                ok = False
            elif archived.name is not None:
                found.append(_Chart(archived.name, None, archive=entry, version=archived.version))
    return found, ok
