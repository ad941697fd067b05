"""The ``helmCharts`` entries of a kustomization, read as kustomize reads them; nothing is rendered here.

Discovery (which chart directories an overlay inflates), the remote check (a ``repo`` whose chart is
not vendored) and the renderer (:mod:`.helm_charts`) need the same answers, so they are here once,
light enough to import wherever a kustomization is read. What kustomize v5 does (checked in its
source, ``api/internal/builtins/HelmChartInflationGenerator.go`` and ``api/types/helmchartargs.go``,
and with ``kubectl kustomize`` v5.5):

- the chart home is ``helmGlobals.chartHome`` of the same kustomization, relative to its directory
  (an absolute path is taken as it is), ``charts`` when not set;
- the chart is the directory ``<chartHome>/<name>``; when the entry has both ``repo`` and
  ``version``, ``<chartHome>/<name>-<version>/<name>`` (where ``helm pull --untar`` would put it).
  A chart that is there is used as found: nothing is pulled, whatever ``repo`` says. One that is not
  there is pulled from ``repo``; without ``repo`` the build fails ("no repo specified for pull, no
  chart found");
- ``valuesFile`` (relative to the kustomization) replaces the chart's ``values.yaml``, which is the
  default; kustomize reads that file whenever ``valuesInline`` is empty or ``valuesMerge`` is
  ``override`` (the default) or ``merge``, and fails when it is missing, a chart without
  ``values.yaml`` included; ``additionalValuesFiles`` are relative to the kustomization too;
- ``valuesMerge`` must be ``override``, ``merge`` or ``replace``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...lazy_pattern import lazy
from ...model import join_pointer
from ..files import LintedRoot

if TYPE_CHECKING:  # pragma: no cover
    from .kustomization import Kustomization

_KUBE_VERSION = lazy(r"v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?")
#: kustomize's ``types.HelmDefaultHome``.
DEFAULT_CHART_HOME = "charts"
VALUES_MERGE_OPTIONS = ("override", "merge", "replace")


@dataclass(frozen=True, eq=False)
class ChartEntry:
    """One ``helmCharts`` entry (a mapping) of a kustomization."""

    kustomization: Kustomization
    index: int
    data: Mapping[str, Any]

    @property
    def pointer(self) -> str:
        return join_pointer("/helmCharts", self.index)

    @property
    def label(self) -> str:
        """How messages name the entry: ``helmCharts[0] 'web'``."""
        return f"helmCharts[{self.index}]" + (f" {self.name!r}" if self.name else "")

    def text(self, key: str) -> str:
        value = self.data.get(key)
        return value if isinstance(value, str) else ""

    @property
    def name(self) -> str:
        return self.text("name")

    @property
    def repo(self) -> str:
        return self.text("repo").strip()

    @property
    def version(self) -> str:
        return self.text("version")

    @property
    def chart_home(self) -> Path:
        globals_ = self.kustomization.data.get("helmGlobals")
        home = globals_.get("chartHome") if isinstance(globals_, dict) else None
        if not isinstance(home, str) or not home:
            home = DEFAULT_CHART_HOME
        return Path(home) if os.path.isabs(home) else self.kustomization.directory / home

    @property
    def chart_directory(self) -> Path:
        """Where kustomize looks for the chart (and where ``helm pull`` would put it)."""
        home = self.chart_home
        if self.version and self.repo:
            home = home / f"{self.name}-{self.version}"
        return home / self.name

    @property
    def vendored(self) -> bool:
        """Whether the chart is there, so that kustomize uses it and pulls nothing."""
        return bool(self.name) and self.chart_directory.is_dir()

    @property
    def values_file(self) -> Path:
        """The values file kustomize hands to Helm before the additional ones (the chart's by default)."""
        given = self.text("valuesFile")
        return self.kustomization.directory / given if given else self.chart_directory / "values.yaml"

    @property
    def values_merge(self) -> str:
        return self.text("valuesMerge") or "override"

    @property
    def values_inline(self) -> dict[str, Any]:
        inline = self.data.get("valuesInline")
        return inline if isinstance(inline, dict) else {}

    def additional_values_files(self) -> Iterator[tuple[int, str, Path]]:
        """``(position, as written, path)`` of each ``additionalValuesFiles`` entry."""
        extra = self.data.get("additionalValuesFiles")
        for position, value in enumerate(extra if isinstance(extra, list) else []):
            if isinstance(value, str) and value:
                yield position, value, self.kustomization.directory / value

    @property
    def reads_values_file(self) -> bool:
        """Whether kustomize reads :attr:`values_file` (everything but ``replace`` with inline values)."""
        return not (self.values_inline and self.values_merge == "replace")


def entry_problem(entry: ChartEntry, within: LintedRoot, show: Callable[[Path], str]) -> tuple[str, str] | None:
    """Why kustomize could not inflate ``entry`` offline, or would read outside the tree: ``(pointer, message)``.

    Checked before kustomize runs (the module docstring says what kustomize does); None when it can.
    A ``repo`` whose chart is not vendored is the remote check's (:mod:`.remote`).
    """
    label = entry.label
    if not entry.name:
        return entry.pointer, f"{label} names no chart (`name:`)"
    if unsafe_name(entry.name):
        return join_pointer(entry.pointer, "name"), (
            f"{label}: {entry.name!r} is not a chart name (kustomize would look for the chart, and write its "
            f"values, outside the chart home)")
    if entry.repo and entry.version and unsafe_name(entry.version):
        return join_pointer(entry.pointer, "version"), (
            f"{label}: version {entry.version!r} is not a chart version (kustomize would look for the chart "
            f"outside the chart home)")
    if not entry.vendored:  # with a repo, the remote check refused it already
        return entry.pointer, (
            f"{label}: there is no chart at {show(entry.chart_directory)} and no `repo` to pull it from "
            f"(kustomize: no repo specified for pull, no chart found); vendor the chart there, or correct "
            f"`name` or `helmGlobals.chartHome`")
    refusal = within.check_directory(entry.chart_directory)
    if refusal is not None:
        return entry.pointer, (f"{label}: the chart directory {show(entry.chart_directory)} {refusal.detail}; "
                               f"Helm would load it, so the overlay is not rendered")
    if entry.values_merge not in VALUES_MERGE_OPTIONS:
        return join_pointer(entry.pointer, "valuesMerge"), (
            f"{label}: valuesMerge {entry.values_merge!r} is not one of {', '.join(VALUES_MERGE_OPTIONS)}")
    if entry.reads_values_file and not os.path.lexists(entry.values_file):
        if entry.text("valuesFile"):
            return join_pointer(entry.pointer, "valuesFile"), (
                f"{label}: valuesFile {entry.text('valuesFile')!r} does not exist ({show(entry.values_file)})")
        return entry.pointer, (
            f"{label}: the chart has no values.yaml, which kustomize reads when `valuesFile` is not set "
            f"({show(entry.values_file)}); add one (it may be empty) or set valuesFile")
    for position, written, path in entry.additional_values_files():
        if not os.path.lexists(path):
            return join_pointer(entry.pointer, "additionalValuesFiles", position), (
                f"{label}: additionalValuesFiles entry {written!r} does not exist ({show(path)})")
    kube_version = entry.data.get("kubeVersion")
    if kube_version not in (None, "") and (not isinstance(kube_version, str) or kube_minor(kube_version) is None):
        return join_pointer(entry.pointer, "kubeVersion"), (
            f"{label}: kubeVersion {kube_version!r} is not a Kubernetes version Helm takes (1.29, v1.29.3)")
    return None


def kube_minor(text: str) -> str | None:
    """``1.29`` for a ``kubeVersion`` Helm takes (``1.29``, ``v1.29.3``), else None."""
    match = _KUBE_VERSION.fullmatch(text.strip())
    return f"{int(match[1])}.{int(match[2])}" if match else None


def chart_entries(kustomization: Kustomization) -> list[ChartEntry]:
    """The ``helmCharts`` entries of ``kustomization`` that are mappings, in order."""
    return [ChartEntry(kustomization, index, data) for index, data in kustomization.items("helmCharts")
            if isinstance(data, dict)]


def unsafe_name(text: str) -> bool:
    """Whether a chart name (or version) would make kustomize's path leave the chart home.

    kustomize joins it into paths as written: the chart directory, and the values file it writes
    (``<name>-kustomize-values.yaml`` in its temporary directory).
    """
    return "/" in text or "\\" in text or "\x00" in text or text in (".", "..")


def crd_files(chart_directory: Path) -> list[Path]:
    """The files Helm's ``--include-crds`` prints: ``crds/`` of the chart, then of each vendored directory
    sub-chart (``.yaml``, ``.yml``, ``.json``, in folders below too), each chart's in name order.

    Helm prints them as written (they are not templates). Sub-charts vendored as archives are not
    opened, and a sub-chart a ``condition`` switches off still counts.
    """
    found: list[Path] = []
    charts = [chart_directory]
    while charts:
        chart = charts.pop(0)
        folder = chart / "crds"
        if folder.is_dir() and not folder.is_symlink():
            found.extend(path for path in sorted(folder.rglob("*"))  # Helm compares the extension case-blind
                         if path.suffix.lower() in (".yaml", ".yml", ".json") and path.is_file())
        subcharts = chart / "charts"
        if subcharts.is_dir() and not subcharts.is_symlink():
            charts.extend(sub for sub in sorted(subcharts.iterdir()) if (sub / "Chart.yaml").is_file())
    return found


def inflated(kustomization: Kustomization) -> tuple[set[Path], set[Path]]:
    """The chart directories ``kustomization`` inflates (real paths, vendored ones), and the ``crds/`` files
    it puts in its output (``includeCRDs``)."""
    charts: set[Path] = set()
    crds: set[Path] = set()
    for entry in chart_entries(kustomization):
        if entry.name and not unsafe_name(entry.name) and entry.vendored:
            charts.add(Path(os.path.realpath(entry.chart_directory)))
            if entry.data.get("includeCRDs") is True:
                crds.update(Path(os.path.realpath(path)) for path in crd_files(entry.chart_directory))
    return charts, crds
