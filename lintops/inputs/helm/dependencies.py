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
instead of a template's nil-pointer error. The enabled/import rules are followed only for that
and for pointing rendered values back to the file that sets them.

Modules, one per step above
    This module reads the list (:func:`declared`) and holds the types the others share
    (:class:`Dependency`, :class:`Missing`); :mod:`.resolution` decides which chart serves each
    entry (the ``file://`` charts and ``charts/``); :mod:`.conditions` which entries Helm keeps for
    an environment's values, and so which missing ones are needed; :mod:`.import_values` the values
    Helm imports from children, as layers that point back.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...model import join_pointer
from ...parse.documents import ParsedDocument, ParsedFile
from ..files import LintedRoot
from ..rendered import RenderProblem
from .chart_files import _document, _read_yaml

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
