"""Which chart serves each dependency entry: a ``file://`` chart of the tree, else one vendored under ``charts/``.

This is ``helm dependency build``'s part, decided once per chart (not per environment; see
:mod:`.dependencies` for the Helm source it follows): a ``file://`` entry of the top chart names a
directory of the tree, read through the linted root's reader and refused when it leads out of it;
its chart must have a version the entry admits, as the build requires. Every entry then takes the
first chart of its name whose version it admits, from those charts and ``charts/``. An entry no
chart serves is :class:`~.dependencies.Missing`; whether Helm needs it depends on each
environment's values (:mod:`.conditions`).

The chart a ``file://`` entry names is loaded by the loader :func:`resolve` is handed
(:func:`.load._load_chart`), so that loading and resolving do not import each other.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..files import UNCONFINED, LintedRoot
from ..rendered import RenderProblem
from .chart import _Chart
from .chart_files import _refused_entries
from .dependencies import Dependency, Missing


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


def _admits(constraint: str, version: str | None) -> bool:
    """Helm's ``IsCompatibleRange``: False when either does not parse (an empty constraint does not)."""
    from .semver import admits

    return version is not None and admits(constraint, version)


def resolve(chart: _Chart, vendored: list[_Chart], display: Callable[[Path], str], problems: list[RenderProblem],
            within: LintedRoot | None, *, top: bool, load: Callable[[Path], _Chart | None]) -> Resolution:
    """Which chart serves each of ``chart``'s entries: for the top chart a ``file://`` directory of the
    tree first (as ``helm dependency build`` would package it), else one vendored under ``charts/``.

    ``load`` loads the chart a ``file://`` entry names (the loader of :mod:`.load`, handed in so that
    the recursion over a chart's tree goes through it and this module does not import it).
    Problems that do not depend on an environment are appended to ``problems``: a ``file://`` entry
    that leads out of the linted root (``ok`` is then False: the chart is not rendered), one whose
    chart cannot be packaged, a vendored chart of the entry's name that its constraint does not admit.
    """
    resolution = Resolution()
    absent: dict[Dependency, str] = {}
    reported: set[Dependency] = set()
    if top and chart.directory is not None:
        _from_tree(chart.dependencies, chart.directory, display, problems, within, load, resolution, absent, reported)
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
        else:
            resolution.missing.append(_unserved_entry(dependency, pool, reported, absent, display, problems))
    for sub in pool:  # a vendored chart no entry takes is rendered under its own name
        if not any(sub.name == d.name and _admits(d.version, sub.version) for d in chart.dependencies):
            resolution.subcharts.setdefault(sub.name, sub)
    return resolution


def _from_tree(dependencies: list[Dependency], chart_dir: Path, display: Callable[[Path], str],
               problems: list[RenderProblem], within: LintedRoot | None, load: Callable[[Path], _Chart | None],
               resolution: Resolution, absent: dict[Dependency, str], reported: set[Dependency]) -> None:
    """The top chart's ``file://`` entries, as ``helm dependency build`` packages them: each chart found is
    added to ``resolution.local``; an entry whose directory is not there is ``absent`` (the clause saying
    so), one a problem was made for already is ``reported``; a way out of the linted root clears ``ok``."""
    outcomes: dict[Path, Any] = {}  # two entries (aliases) may name one directory: it is looked at once
    for dependency in dependencies:
        if not dependency.repository.startswith("file://"):
            continue
        target = _target(dependency, chart_dir)
        if target not in outcomes:
            outcomes[target] = _local_chart(dependency, target, chart_dir, display, problems, within, load)
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


def _unserved_entry(dependency: Dependency, pool: list[_Chart], reported: set[Dependency],
                    absent: dict[Dependency, str], display: Callable[[Path], str],
                    problems: list[RenderProblem]) -> Missing:
    """An entry no chart of ``pool`` serves: missing, with a problem made now when a chart of its name is
    there but not admitted (the entry is then ``reported``, not reported again per environment)."""
    named = [sub for sub in pool if sub.name == dependency.name]
    if dependency in reported:
        return Missing(dependency, "", reported=True)
    if named:
        if dependency.version or dependency.alias:
            _static(problems, dependency, dependency.version_at, _unserved(dependency, named[0], display))
        return Missing(dependency, "", reported=True)
    return Missing(dependency, _not_vendored(dependency, absent.get(dependency)))


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
                 problems: list[RenderProblem], within: LintedRoot | None,
                 load: Callable[[Path], _Chart | None]) -> Any:
    """The chart a ``file://`` entry names, loaded through ``within``; else ``_REFUSED`` (a way out of the
    linted root: a problem, and the chart is not rendered), a clause (no directory there: missing
    unless vendored), or None (a problem was made: the chart there cannot serve the entry)."""
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
    sub = load(target)
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
