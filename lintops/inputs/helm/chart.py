"""The chart on disk: ``Chart.yaml``, its vendored sub-charts, and the YAML files read from them.

Nothing is downloaded, so a dependency that is not vendored under ``charts/`` is a problem at its
entry in ``Chart.yaml``. Nothing is written into the repository either: a chart with a
``values.schema.json`` is rendered from a temporary copy without it (:mod:`.schema` validates the
values instead, so that a violation points at the values key).

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

import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ...model import join_pointer
from ...yaml_source import ParsedDocument, ParsedFile, parse_text
from ..files import UNCONFINED, LintedRoot, RefusedFile
from ..rendered import RenderProblem
from .values import Tokens


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

    def all_charts(self) -> Iterator[_Chart]:
        yield self
        for sub in self.subcharts.values():
            yield from sub.all_charts()

    def with_prefix(self, prefix: Tokens) -> _Chart:
        return replace(self, prefix=prefix,
                       subcharts={key: sub.with_prefix((*prefix, key)) for key, sub in self.subcharts.items()})


def _refused_entries(chart_dir: Path, within: LintedRoot, display: Callable[[Path], str]) -> list[RenderProblem]:
    """A problem at each entry of the chart directory Helm must not load (see the module docstring)."""
    problems = []
    for path, refusal in within.scan(chart_dir):
        name = path.relative_to(chart_dir).as_posix() if path != chart_dir else "the chart directory"
        problems.append(RenderProblem(display(path), 1, 1, f"{name} {refusal.detail}; Helm would load it, so the "
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


def _archive_chart_name(archive: Path) -> str | None:
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                top = member.name.lstrip("./").split("/", 1)[0]
                if top:
                    return top
    except (OSError, tarfile.TarError):
        return None
    return None


def _load_chart(directory: Path, display: Callable[[Path], str], problems: list[RenderProblem]) -> _Chart | None:
    """Read ``Chart.yaml`` and the vendored sub-charts; a missing dependency becomes a problem."""
    chart_path = directory / "Chart.yaml"
    parsed, problem = _read_yaml(chart_path, display)
    if problem is not None:
        problems.append(problem)
        return None
    document = _document(parsed)
    meta = document.data if document is not None else None
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta["name"]:
        problems.append(RenderProblem(display(chart_path), 1, 1, "Chart.yaml has no chart name ('name:')"))
        return None
    app_version = meta.get("appVersion")
    chart = _Chart(meta["name"], directory, chart_file=parsed,
                   app_version=str(app_version) if app_version not in (None, "") else None)
    if meta.get("kubeVersion") not in (None, ""):
        place = document.position("/kubeVersion") if document is not None else None
        chart.kube_version = meta["kubeVersion"]
        chart.kube_version_at = (place.line, place.column) if place is not None else (1, 1)
    vendored: dict[str, _Chart] = {}
    charts_dir = directory / "charts"
    if charts_dir.is_dir():
        for entry in sorted(charts_dir.iterdir()):
            if entry.is_dir() and (entry / "Chart.yaml").is_file():
                sub = _load_chart(entry, display, problems)
                if sub is not None:
                    vendored.setdefault(sub.name, sub)
            elif entry.is_file() and entry.name.endswith((".tgz", ".tar.gz")):
                name = _archive_chart_name(entry)
                if name:
                    vendored.setdefault(name, _Chart(name, None, archive=entry))
    dependencies = meta.get("dependencies") or []
    listed: set[str] = set()
    for index, dependency in enumerate(dependencies if isinstance(dependencies, list) else []):
        if not isinstance(dependency, dict) or not isinstance(dependency.get("name"), str):
            continue
        name = dependency["name"]
        listed.add(name)
        sub = vendored.get(name)
        if sub is None:
            position = document.position(join_pointer("/dependencies", index)) if document else None
            repository = dependency.get("repository") or "its repository"
            problems.append(RenderProblem(
                display(chart_path), position.line if position else 1, position.column if position else 1,
                f"dependency '{name}' is not vendored under charts/ (as a directory or .tgz), and lintops does "
                f"not download it: run 'helm dependency build' and commit charts/ (source: {repository})",
            ))
            continue
        alias = dependency.get("alias")
        key = alias if isinstance(alias, str) and alias else name
        # Helm renames an aliased dependency: its templates render as <parent>/charts/<alias>/...
        chart.subcharts[key] = replace(sub, name=key) if key != name else sub
    for name, sub in vendored.items():
        if name not in listed:
            chart.subcharts.setdefault(name, sub)
    return chart


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


def _unschematized_copy(chart_dir: Path, within: LintedRoot | None = None) -> tempfile.TemporaryDirectory[str]:
    """A temporary copy of the chart without ``values.schema.json`` files (Helm would validate them).

    Links are copied as what they lead to (a relative link would lead elsewhere from the copy), each
    file read through ``within``: the copy holds only what a read of the tree may see.
    """
    reader = within or UNCONFINED

    def copy(source: str, target: str) -> None:
        Path(target).write_bytes(reader.read_or_raise(source))

    scratch = tempfile.TemporaryDirectory(prefix="lintops-chart-")
    target = Path(scratch.name) / chart_dir.name
    shutil.copytree(chart_dir, target, symlinks=False, copy_function=copy,
                    ignore=shutil.ignore_patterns("values.schema.json", ".git"))
    return scratch
