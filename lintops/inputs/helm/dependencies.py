"""A chart's dependencies as ``helm dependency build`` resolves what is local, and as Helm's engine then uses them.

What Helm does, and where (Helm 4.2, the release helm-python-sdk 0.2 is built on):

- **The list.** ``dependencies:`` of ``Chart.yaml``; a ``requirements.yaml`` beside it (Helm 2's
  file, apiVersion v1 charts) is read after it and its ``dependencies:`` replace them, whatever the
  apiVersion (``pkg/chart/v2/loader/load.go`` ``LoadFiles``).
- **What ``helm dependency build`` makes of it** (``pkg/downloader/manager.go`` ``downloadAll``,
  ``tarFromLocalDir``; ``internal/resolver`` ``GetLocalPath``): a ``file://`` repository is a
  directory, relative to the chart (joined and cleaned lexically, as Go's ``filepath.Join``) unless
  absolute; the chart there must have a version the entry's ``version`` constraint admits (a
  missing or malformed constraint is an error), and is packaged into ``charts/<name>-<version>.tgz``
  under the name in its own ``Chart.yaml``, replacing the archives of ``charts/`` that the build did
  not make. Only the top chart's list is built: the ``file://`` entries of a dependency are not
  (its own ``charts/`` is packaged as it is). Every other repository is downloaded, which lintops
  never does: such a dependency must already be vendored under ``charts/``.
- **What the engine takes from ``charts/``** (``pkg/chart/v2/loader``): every directory and every
  ``.tgz`` archive whose name does not start with ``_`` or ``.``, named by its own ``Chart.yaml``
  (any other file there makes the load fail).
- **Which vendored chart serves an entry** (``pkg/chart/v2/util/dependencies.go``
  ``processDependencyEnabled``, ``getAliasDependency``): one with the entry's name whose version the
  constraint admits (``IsCompatibleRange``; an empty constraint admits nothing in Helm 4), renamed to
  the entry's ``alias`` (so one chart can serve two aliases). A vendored chart that serves no entry
  is still rendered, under its own name, as a chart of its own. ``helm template`` refuses a chart
  when a listed name has no chart of that name at all, even a disabled one (``CheckDependencies``);
  the SDK's render does not check, and renders without it.
- **Enabled or not** (``processDependencyTags``, ``processDependencyConditions``): every entry
  starts enabled; ``tags`` are looked up in the values' top-level ``tags:`` table (a non-bool is
  ignored): any true tag enables, only false tags disable; then ``condition``, a comma-separated
  list of value paths (each taken as written, spaces included), relative to the chart's place in
  the top chart's values: the first path that names a bool decides, the others are ignored. The
  values are the user's coalesced with every chart's defaults. A disabled entry's chart (and any
  chart of that name) is removed, and nothing below it is looked at.
- **import-values** (``processImportValues``, after the conditions, from the innermost chart out):
  from each enabled entry, the string form ``name`` imports the child's ``exports.name`` table into
  the parent's top level; the map form ``{child: a.b, parent: c.d}`` imports the child's table
  ``a.b`` at ``c.d``. Tables are read from the charts' defaults (never the user's values), a
  missing or non-table one is skipped, earlier imports win over later ones, and the parent's own
  values win over every import.

Helm does all of that itself when the SDK renders a chart whose ``charts/`` holds the dependencies,
so lintops does only what it cannot: it places each ``file://`` dependency into a temporary copy of
the chart (read through the linted root's reader; :mod:`.assemble`), refuses a ``file://`` entry
that leads out of the linted root, and, before any template runs, decides which entries are missing
and needed, so that each is a problem at its line of ``Chart.yaml`` or ``requirements.yaml``
instead of a template's nil-pointer error. The enabled/import rules are followed here only for that
and for pointing rendered values back to the file that sets them (:func:`import_layers`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...model import Location, join_pointer
from ...parse.documents import ParsedDocument, ParsedFile
from ..files import UNCONFINED, LintedRoot
from ..rendered import RenderProblem
from .values import Tokens, _get, _Layer, _nest

if TYPE_CHECKING:  # pragma: no cover
    from .chart import _Chart

REQUIREMENTS = "requirements.yaml"


@dataclass(frozen=True, eq=False)
class Dependency:
    """One entry of a chart's dependency list, as Helm reads it, with where it is written (compared by identity:
    two entries may read alike)."""

    name: str
    version: str
    repository: str
    alias: str
    condition: str
    tags: tuple[str, ...]
    import_values: tuple[Any, ...]
    #: The file that lists it (``Chart.yaml`` or ``requirements.yaml``), as reports show it.
    file: str
    #: Where the entry, and its ``repository`` and ``version`` values, are written (line, column).
    at: tuple[int, int] = (1, 1)
    repository_at: tuple[int, int] = (1, 1)
    version_at: tuple[int, int] = (1, 1)

    @property
    def key(self) -> str:
        """The name the chart has once it is a dependency: its values key and its folder in rendered paths."""
        return self.alias or self.name

    def described(self) -> str:
        """``'postgresql' (version 12.1.2 from https://...)``: the entry as a message names it."""
        parts = [f"version {self.version}" if self.version else "", f"from {self.repository}" if self.repository
                 else ""]
        detail = " ".join(part for part in parts if part)
        alias = f" (alias '{self.alias}')" if self.alias else ""
        return f"'{self.name}'{alias}" + (f" ({detail})" if detail else "")


@dataclass(frozen=True)
class Missing:
    """An entry no chart serves. ``reason`` is the clause that says so; ``reported`` when a problem was
    made already while reading the chart (a ``file://`` chart of another version, say), so that the
    entry is not reported again per environment."""

    dependency: Dependency
    reason: str
    reported: bool = False

    def problem(self, environment: str | None, suffix: str = "") -> RenderProblem:
        line, column = self.dependency.at
        return RenderProblem(self.dependency.file, line, column, self.reason + suffix, environment)


@dataclass
class Resolution:
    """What :func:`resolve` decided for one chart: the sub-charts by values key, the entries no chart
    serves, the ``file://`` charts to place into the rendered copy, and whether the chart may render."""

    subcharts: dict[str, _Chart] = field(default_factory=dict)
    missing: list[Missing] = field(default_factory=list)
    local: list[_Chart] = field(default_factory=list)
    #: Entries of ``charts/`` the build replaces (a vendored copy of a chart packaged from the tree).
    replaced: list[Path] = field(default_factory=list)
    #: The names of the charts ``charts/`` will hold (``helm template`` checks listed names against them).
    present: frozenset[str] = frozenset()
    ok: bool = True


def _position(document: ParsedDocument | None, pointer: str, at_key: bool = False) -> tuple[int, int]:
    if document is None:
        return (1, 1)
    place = document.position(pointer, at_key=at_key)
    return (place.line, place.column) if place is not None else (1, 1)


def _text(value: Any) -> str:
    """A scalar field as Helm's struct holds it (lintops reads YAML 1.1; Helm refuses non-strings itself)."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def declared(chart_dir: Path, chart_file: ParsedFile | None, display: Callable[[Path], str],
             within: LintedRoot | None = None) -> tuple[list[Dependency], RenderProblem | None]:
    """The chart's dependency list: ``requirements.yaml``'s when it has one, else ``Chart.yaml``'s.

    A ``requirements.yaml`` that cannot be read is a problem (Helm refuses to load the chart).
    Entries Helm cannot read as a dependency (not a mapping, no name) are left to Helm's loader,
    which refuses the chart and says why.
    """
    from .chart import _document, _read_yaml

    document = _document(chart_file)
    shown = display(chart_dir / "Chart.yaml")
    requirements = chart_dir / REQUIREMENTS
    if os.path.lexists(requirements):
        parsed, problem = _read_yaml(requirements, display, within)
        if problem is not None:
            return [], problem
        other = _document(parsed)
        if other is not None and isinstance(other.data, dict) and "dependencies" in other.data:
            document, shown = other, display(requirements)
    data = document.data if document is not None else None
    entries = data.get("dependencies") if isinstance(data, dict) else None
    found: list[Dependency] = []
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
            continue
        pointer = join_pointer("/dependencies", index)
        tags = entry.get("tags")
        imports = entry.get("import-values")
        found.append(Dependency(
            name=entry["name"], version=_text(entry.get("version")), repository=_text(entry.get("repository")),
            alias=_text(entry.get("alias")), condition=_text(entry.get("condition")),
            tags=tuple(_text(tag) for tag in tags) if isinstance(tags, list) else (),
            import_values=tuple(imports) if isinstance(imports, list) else (), file=shown,
            at=_position(document, pointer),
            repository_at=_position(document, f"{pointer}/repository") if "repository" in entry
            else _position(document, pointer),
            version_at=_position(document, f"{pointer}/version") if "version" in entry
            else _position(document, pointer)))
    return found, None


def _admits(constraint: str, version: str | None) -> bool:
    """Helm's ``IsCompatibleRange``: False when either does not parse (an empty constraint does not)."""
    from .semver import admits

    return version is not None and admits(constraint, version)


def resolve(chart: _Chart, vendored: list[_Chart], display: Callable[[Path], str], problems: list[RenderProblem],
            within: LintedRoot | None, *, top: bool) -> Resolution:
    """Which chart serves each of ``chart``'s entries: for the top chart a ``file://`` directory of the
    tree first (as ``helm dependency build`` would package it), else one vendored under ``charts/``.

    Problems that do not depend on an environment are appended to ``problems``: a ``file://`` entry
    that leads out of the linted root (``ok`` is then False: the chart is not rendered), one whose
    chart cannot be packaged, a vendored chart of the entry's name that its constraint does not admit.
    """
    resolution = Resolution()
    absent: dict[Dependency, str] = {}
    reported: set[Dependency] = set()
    if top and chart.directory is not None:
        outcomes: dict[Path, Any] = {}  # two entries (aliases) may name one directory: it is looked at once
        for dependency in chart.dependencies:
            if not dependency.repository.startswith("file://"):
                continue
            target = _target(dependency, chart.directory)
            if target not in outcomes:
                outcomes[target] = _local_chart(dependency, target, chart.directory, display, problems, within)
            outcome = outcomes[target]
            if outcome is not _REFUSED and outcome is not None and not isinstance(outcome, str) and \
                    not _admitted(dependency, outcome, target, display, problems):
                outcome = None
            if outcome is _REFUSED:
                resolution.ok = False
            elif isinstance(outcome, str):
                absent[dependency] = outcome
            elif outcome is None:
                reported.add(dependency)
            elif all(other.directory != outcome.directory for other in resolution.local):
                resolution.local.append(outcome)
                if outcome.name != dependency.name:
                    reported.add(dependency)
                    _static(problems, dependency, dependency.repository_at,
                            f"dependency '{dependency.name}' names {dependency.repository}, which holds the chart "
                            f"'{outcome.name}': Helm takes it as a chart of its own, not as this dependency; name "
                            f"the entry '{outcome.name}' or point it at the right chart")
    built = {local.name for local in resolution.local}
    # helm dependency build replaces what charts/ held of a chart it packages from the tree.
    resolution.replaced = [place for sub in vendored if sub.name in built
                           for place in (sub.archive or sub.directory,) if place is not None]
    pool = [*resolution.local, *(sub for sub in vendored if sub.name not in built)]
    resolution.present = frozenset(sub.name for sub in pool)
    for dependency in chart.dependencies:
        served = next((sub for sub in pool if sub.name == dependency.name
                       and _admits(dependency.version, sub.version)), None)
        if served is not None:
            resolution.subcharts.setdefault(dependency.key, served.renamed(dependency.key))
            continue
        named = [sub for sub in pool if sub.name == dependency.name]
        if dependency in reported:
            resolution.missing.append(Missing(dependency, "", reported=True))
        elif named:
            if dependency.version or dependency.alias:
                _static(problems, dependency, dependency.version_at, _unserved(dependency, named[0], display))
            resolution.missing.append(Missing(dependency, "", reported=True))
        else:
            reason = absent.get(dependency)
            resolution.missing.append(Missing(dependency, _not_vendored(dependency, reason)))
    for sub in pool:  # a vendored chart no entry takes is rendered under its own name
        if not any(sub.name == d.name and _admits(d.version, sub.version) for d in chart.dependencies):
            resolution.subcharts.setdefault(sub.name, sub)
    return resolution


def _static(problems: list[RenderProblem], dependency: Dependency, at: tuple[int, int], message: str) -> None:
    problems.append(RenderProblem(dependency.file, at[0], at[1], message))


def _not_vendored(dependency: Dependency, absent: str | None) -> str:
    where = f"{absent}, and it is not vendored under charts/" if absent else \
        "is not vendored under charts/ (as a directory or .tgz), and lintops does not download it"
    return (f"dependency {dependency.described()} {where}: run 'helm dependency build' and commit charts/, or point "
            f"its repository at the chart in this repository with file://")


def _unserved(dependency: Dependency, vendored: _Chart, display: Callable[[Path], str]) -> str:
    place = display(vendored.archive or vendored.directory) if (vendored.archive or vendored.directory) else \
        f"charts/{vendored.name}"
    if not dependency.version:
        why = "the entry has no version, and Helm takes a vendored chart for an entry only when the entry's " \
              "version admits it"
    else:
        why = f"its version {vendored.version or '(none)'} is not admitted by the entry's version " \
              f"'{dependency.version}'"
    return (f"dependency '{dependency.name}': {place} holds the chart, but {why}: Helm renders it as a chart of its "
            f"own, without the entry's alias, condition or import-values, and 'helm dependency build' would replace "
            f"it; run 'helm dependency update' and commit charts/, or correct the version")


_REFUSED = object()


def _target(dependency: Dependency, chart_dir: Path) -> Path:
    """The directory a ``file://`` entry names: absolute, or joined to the chart's and cleaned lexically
    (``..`` taken before any link is followed), as Go's ``filepath.Join`` in ``GetLocalPath``."""
    written = dependency.repository[len("file://"):]
    return Path(written) if written.startswith("/") else Path(os.path.normpath(chart_dir / written))


def _lexically_inside(target: Path, root: LintedRoot) -> bool:
    """Whether ``target`` is written below the linted root (as given, or its real path)."""
    if root.path is None:
        return True
    text = os.path.normpath(os.path.abspath(target))
    for base in (os.path.abspath(root.path), root.real or ""):
        base = base.rstrip(os.sep)
        if base and (text == base or text.startswith(base + os.sep)):
            return True
    return False


def _local_chart(dependency: Dependency, target: Path, chart_dir: Path, display: Callable[[Path], str],
                 problems: list[RenderProblem], within: LintedRoot | None) -> Any:
    """The chart a ``file://`` entry names, loaded through ``within``; else ``_REFUSED`` (a way out of the
    linted root: a problem, and the chart is not rendered), a clause (no directory there: missing
    unless vendored), or None (a problem was made: the chart there cannot serve the entry)."""
    from .chart import _load_chart, _refused_entries

    reader = within or UNCONFINED
    line, column = dependency.repository_at
    resolved = reader.resolve(target)
    if not isinstance(resolved, tuple) and resolved.reason == "missing" and _lexically_inside(target, reader):
        return f"names {display(target)}, which does not exist"
    if not isinstance(resolved, tuple):  # outside the root, there or not: the machine Helm runs on may have it
        detail = "lies outside the linted root" if resolved.reason == "missing" else resolved.detail
        problems.append(RenderProblem(dependency.file, line, column,
                                      f"dependency '{dependency.name}' repository {dependency.repository!r} "
                                      f"{detail}; 'helm dependency build' would read it, so the chart "
                                      f"is not rendered"))
        return _REFUSED

    def unusable(message: str) -> None:
        problems.append(RenderProblem(dependency.file, line, column, f"dependency '{dependency.name}': {message}"))

    real = Path(resolved[0])
    chart_real = Path(os.path.realpath(chart_dir))
    if real == chart_real or real in chart_real.parents:
        unusable(f"{dependency.repository} names the chart itself or a folder that holds it")
        return None
    if not real.is_dir() or not (real / "Chart.yaml").is_file():
        unusable(f"{dependency.repository} names {display(target)}, which is not a chart directory (no Chart.yaml)")
        return None
    refused = _refused_entries(target, reader, display, "'helm dependency build' would package it")
    if refused:
        problems.extend(refused)
        return _REFUSED
    sub = _load_chart(target, display, problems, within, top=False)
    if sub is None:
        return _REFUSED
    return sub.local_copy()


def _admitted(dependency: Dependency, sub: _Chart, target: Path, display: Callable[[Path], str],
              problems: list[RenderProblem]) -> bool:
    """Whether ``helm dependency build`` packages the ``file://`` chart ``sub`` for this entry (``tarFromLocalDir``:
    the entry's constraint must parse and admit the chart's version); else a problem at the entry's version."""
    from .semver import ConstraintError, parse_constraint, parse_version

    try:
        constraint = parse_constraint(dependency.version)
    except ConstraintError as exc:
        reason = "has no version" if not dependency.version.strip() else f"has an invalid version ({exc})"
        problems.append(RenderProblem(dependency.file, *dependency.version_at,
                                      f"dependency '{dependency.name}' {reason}: 'helm dependency build' refuses a "
                                      f"file:// dependency without a version constraint it can read"))
        return False
    try:
        admitted = sub.version is not None and constraint.admits(parse_version(sub.version))
    except ConstraintError:
        admitted = False
    if not admitted:
        problems.append(RenderProblem(
            dependency.file, *dependency.version_at,
            f"dependency '{dependency.name}': {display(target)} holds version {sub.version or '(none)'}, which the "
            f"entry's version '{dependency.version}' does not admit, so 'helm dependency build' fails; change one "
            f"of them"))
    return admitted


# -- enabled or not, per environment ----------------------------------------------------------------------


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
    if not isinstance(defaults, dict):
        return user
    if not isinstance(user, dict):
        return user if user is not None else dict(defaults)
    from .values import _coalesce

    return _coalesce(user, defaults)


def missing_for_binary(chart: _Chart) -> list[Missing]:
    """What ``helm template`` refuses the chart for (``CheckDependencies``): the top chart's entries whose
    name no chart under ``charts/`` has, enabled or not (one reported already is named again, with the reason
    the render stops)."""
    return [m if not m.reported else Missing(m.dependency, f"dependency {m.dependency.described()} is not under "
                                                          f"charts/")
            for m in chart.missing if m.dependency.name not in chart.present]


# -- import-values, for pointing back -------------------------------------------------------------------


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
        from .values import _coalesce

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
    from ...model import iter_pointer_tokens

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

