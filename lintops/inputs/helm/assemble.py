"""The chart Helm renders: a temporary copy of the chart, as ``helm dependency build`` would leave it.

Nothing is written into the repository. When a chart has ``file://`` dependencies from the tree, or
``values.schema.json`` files (which lintops validates itself, :mod:`.schema`), Helm is given a copy:

- every file of the chart is read through the linted root's reader (links are copied as what they
  lead to inside the root, so the copy holds only what a read of the tree may see), without ``.git``
  and, when asked, without the schema files;
- the entries of ``charts/`` that the build would replace (vendored copies of a chart it packages
  from the tree) are left out;
- each ``file://`` chart is copied the same way and packaged into the copy's ``charts/`` as the build
  does it (``tarFromLocalDir``: Helm's own loader, which applies that chart's ``.helmignore``, then
  ``chartutil.Save``), by the render worker, or by ``helm package`` when the ``helm`` binary renders.

Helm's engine then does the rest itself (aliases, conditions, tags, import-values), as it does on
the chart ``helm dependency build`` leaves behind.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..files import UNCONFINED, LintedRoot
from .backends import _RenderFailure, _RenderLimit
from .chart import _Chart


def _copy(source: Path, target: Path, reader: LintedRoot, skip: set[Path], strip_schemas: bool) -> None:
    def copy(source_file: str, target_file: str) -> None:
        Path(target_file).write_bytes(reader.read_or_raise(source_file))

    patterns = shutil.ignore_patterns(*(("values.schema.json", ".git") if strip_schemas else (".git",)))

    def ignore(directory: str, names: list[str]) -> set[str]:
        ignored = set(patterns(directory, names))
        return ignored | {name for name in names if Path(directory, name) in skip}

    shutil.copytree(source, target, symlinks=False, copy_function=copy, ignore=ignore)


def assembled_copy(chart: _Chart, chart_dir: Path, within: LintedRoot | None, *, strip_schemas: bool,
                   package: Callable[[Path, Path], Path] | None) -> tempfile.TemporaryDirectory[str]:
    """A temporary directory holding ``<chart name>/``: the chart with its ``file://`` dependencies in ``charts/``.

    ``package(chart_copy, charts_dir)`` archives one chart into ``charts_dir`` as Helm does
    (:func:`.backends.package_chart`); None places the copied directory there instead (Helm's loader
    takes a directory in ``charts/`` too, but the chart's ``.helmignore`` then does not apply). A
    failure to package raises what ``package`` raised; the scratch directory is then removed.
    """
    reader = within or UNCONFINED
    scratch = tempfile.TemporaryDirectory(prefix="lintops-chart-")
    try:
        target = Path(scratch.name) / chart_dir.name
        _copy(chart_dir, target, reader, {Path(p) for p in chart.replaced}, strip_schemas)
        local = chart.local_charts()
        if local:
            charts = target / "charts"
            charts.mkdir(exist_ok=True)
            for index, sub in enumerate(local):
                assert sub.directory is not None
                staged = Path(scratch.name) / "file-dependencies" / str(index) / sub.directory.name
                _copy(sub.directory, staged, reader, set(), strip_schemas)
                if package is not None:
                    try:
                        package(staged, charts)
                    except _RenderLimit:
                        raise
                    except _RenderFailure as exc:
                        raise _RenderFailure(f"the file:// dependency '{sub.name}' cannot be packaged as 'helm "
                                             f"dependency build' packages it: {exc}") from None
                else:
                    shutil.move(str(staged), str(_free(charts, f"{sub.name}-{sub.version or '0'}")))
            shutil.rmtree(Path(scratch.name) / "file-dependencies", ignore_errors=True)
    except BaseException:
        scratch.cleanup()
        raise
    return scratch


def _free(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name-2``... when a vendored entry already has that name."""
    candidate, count = folder / name, 1
    while candidate.exists():
        count += 1
        candidate = folder / f"{name}-{count}"
    return candidate
