"""The chart on disk: ``Chart.yaml``, its dependencies and sub-charts, and the YAML files read from them.

Dependencies are resolved as ``helm dependency build`` resolves what is local (:mod:`.dependencies`):
a ``file://`` entry from the tree, else a chart vendored under ``charts/`` (a directory, or a
``.tgz`` archive read as hostile: :mod:`.archives`). Nothing is downloaded, so an entry that is in
neither place is a problem at its line of ``Chart.yaml`` or ``requirements.yaml`` when Helm would
use it. Nothing is written into the repository either: a chart with ``file://`` dependencies or a
``values.schema.json`` is rendered from a temporary copy (:mod:`.assemble`; :mod:`.schema` validates
the values instead of Helm, so that a violation points at the values key).

Before Helm sees a chart, :func:`_refused_entries` looks at every entry of its directory: Helm's
loader reads every file, follows symbolic links (also out of the chart, only logging it) and blocks
on a named pipe. An entry that leads outside the linted root, a special file, a link loop or a file
over the size cap is a problem at that entry, and the chart is then not rendered at all. Not
rendering is the safe choice over rendering a copy without those entries: nothing of such a chart
reaches Helm, so no loader behaviour we did not foresee (``.Files.Glob``, ``.helmignore``, archives
of sub-charts) can bring the entry back, and no finding is made on a render that is not what would
be deployed (a template reading a file that went missing renders differently). The author sees every
refused entry at once; the run goes on with the other inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...parse.documents import ParsedDocument, ParsedFile
from ...parse.stream import parse_text
from ..files import UNCONFINED, LintedRoot, RefusedFile
from ..rendered import RenderProblem
from .values import Tokens

if TYPE_CHECKING:  # pragma: no cover
    from .dependencies import Dependency, Missing


@dataclass
class _Chart:
    """A chart and its vendored sub-charts, as files on disk."""

    name: str
    directory: Path | None  # None for a sub-chart vendored as .tgz
    archive: Path | None = None
    #: Where this chart's values sit in the top chart's values (() for the top chart).
    prefix: Tokens = ()
    #: Sub-charts by the key of their values (the dependency's alias, else its name).
    subcharts: dict[str, _Chart] = field(default_factory=dict)
    app_version: str | None = None
    chart_file: ParsedFile | None = None
    #: ``kubeVersion`` as written (None: none), and where its value is in ``Chart.yaml`` (line, column).
    kube_version: object = None
    kube_version_at: tuple[int, int] = (1, 1)
    #: ``version`` in its ``Chart.yaml`` (None: none), which entries' version constraints are checked against.
    version: str | None = None
    #: Its dependency list (``Chart.yaml`` or ``requirements.yaml``) and the entries no chart serves.
    dependencies: list[Dependency] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    #: A chart a ``file://`` entry of the top chart names: placed into the rendered copy's ``charts/``.
    local: bool = False
    #: Entries of its ``charts/`` that the build replaces with a ``file://`` chart (left out of the copy).
    replaced: list[Path] = field(default_factory=list)
    #: The names (in their own ``Chart.yaml``) of the charts its ``charts/`` will hold, served or not.
    present: frozenset[str] = frozenset()
    #: The defaults of its own ``values.yaml`` (empty for an archive): its entries' tags see them.
    values: dict[str, Any] = field(default_factory=dict)

    def all_charts(self) -> Iterator[_Chart]:
        yield self
        for sub in self.subcharts.values():
            yield from sub.all_charts()

    def with_prefix(self, prefix: Tokens) -> _Chart:
        return replace(self, prefix=prefix,
                       subcharts={key: sub.with_prefix((*prefix, key)) for key, sub in self.subcharts.items()})

    def renamed(self, key: str) -> _Chart:
        """The chart as the dependency ``key`` (its alias): Helm renders it as ``<parent>/charts/<key>/...``."""
        return self if key == self.name else replace(self, name=key)

    def local_copy(self) -> _Chart:
        return replace(self, local=True)

    def local_charts(self) -> list[_Chart]:
        """The ``file://`` charts of the top chart, one per directory (two aliases may share one)."""
        found: dict[Path | None, _Chart] = {}
        for sub in self.subcharts.values():
            if sub.local:
                found.setdefault(sub.directory, sub)
        return list(found.values())


def _refused_entries(chart_dir: Path, within: LintedRoot, display: Callable[[Path], str],
                     why: str = "Helm would load it") -> list[RenderProblem]:
    """A problem at each entry of the chart directory Helm must not load (see the module docstring)."""
    problems = []
    for path, refusal in within.scan(chart_dir):
        name = path.relative_to(chart_dir).as_posix() if path != chart_dir else "the chart directory"
        problems.append(RenderProblem(display(path), 1, 1, f"{name} {refusal.detail}; {why}, so the "
                                                           f"chart is not rendered"))
    return problems


def _read_yaml(path: Path, display: Callable[[Path], str],
               within: LintedRoot | None = None) -> tuple[ParsedFile | None, RenderProblem | None]:
    """A chart's YAML file (``within``: what it must stay inside; the chart itself was scanned already)."""
    try:
        text = (within or UNCONFINED).read_text(path)
    except RefusedFile as exc:
        return None, RenderProblem(display(path), 1, 1, f"{path.name} {exc.refusal.detail}; not read")
    except OSError as exc:
        return None, RenderProblem(display(path), 1, 1, f"cannot read {path.name}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        return None, RenderProblem(display(path), 1, 1, f"{path.name} is not UTF-8 text")
    parsed = parse_text(text, display(path), is_json=path.suffix == ".json")
    for problem in parsed.problems:
        if problem.rule_id != "duplicate-key":
            return parsed, RenderProblem(display(path), problem.position.line, problem.position.column,
                                         f"{path.name} cannot be read: {problem.message}")
    return parsed, None


def _document(parsed: ParsedFile | None) -> ParsedDocument | None:
    if parsed is None:
        return None
    return next((d for d in parsed.documents if d.data is not None), None)


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
    from .dependencies import declared, resolve

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
    resolution = resolve(chart, vendored, display, problems, within, top=top)
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


def _subchart_crds(chart: _Chart, within: LintedRoot | None = None) -> list[dict]:
    """The CustomResourceDefinitions in the ``crds/`` folders of ``chart``'s vendored directory sub-charts.

    Helm installs every chart's ``crds/`` (files ending ``.yaml``, ``.yml`` or ``.json``, also in
    folders below) before the templates, so the templates' ``.Capabilities.APIVersions`` has them. The
    top chart's own ``crds/`` are plain inputs of the run (:mod:`lintops.inputs.discover`), known to
    the caller already; sub-charts vendored as archives are not opened. A file that cannot be read
    or parsed adds nothing here (Helm reports it when it installs the chart).
    """
    reader = within or UNCONFINED
    bodies: list[dict] = []
    for sub in chart.all_charts():
        folder = sub.directory / "crds" if sub is not chart and sub.directory is not None else None
        if folder is None or not folder.is_dir() or folder.is_symlink():
            continue
        for path in sorted(folder.rglob("*")):
            if not path.name.endswith((".yaml", ".yml", ".json")) or not path.is_file():
                continue
            try:
                text = reader.read_text(path)
            except (OSError, UnicodeDecodeError):
                continue
            for document in parse_text(text, str(path), is_json=path.suffix == ".json").documents:
                data = document.data
                if isinstance(data, dict) and data.get("kind") == "CustomResourceDefinition" and \
                        str(data.get("apiVersion", "")).startswith("apiextensions.k8s.io/"):
                    bodies.append(data)
    return bodies


def _has_schema(chart: _Chart) -> bool:
    return any(c.directory is not None and (c.directory / "values.schema.json").is_file() for c in chart.all_charts())

