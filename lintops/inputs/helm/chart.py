"""The chart as lintops holds it once loaded: ``Chart.yaml``'s fields, its dependencies and sub-charts.

Only the model and what is read off it (the sub-charts' CRDs, whether any chart has a values
schema) live here, so that every module of the Helm path can name :class:`_Chart` without importing
how it is loaded (:mod:`.load`), resolved (:mod:`.resolution`) or read (:mod:`.chart_files`).
Nothing is written into the repository: a chart with ``file://`` dependencies or a
``values.schema.json`` is rendered from a temporary copy (:mod:`.assemble`; :mod:`.schema` validates
the values instead of Helm, so that a violation points at the values key).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...parse.documents import ParsedFile
from ...parse.stream import parse_text
from ..files import UNCONFINED, LintedRoot
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

