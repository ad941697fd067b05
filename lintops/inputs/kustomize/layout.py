"""How the kustomizations a discovery found divide the tree: the roots, those no root uses, and the
files each of them owns.

Discovery hands over the kustomization directories it walked past and asks once per run; the answer
decides what is rendered (the roots, then the unused kustomizations on their own) and which plain
files are not linted as manifests because a kustomization owns them (resources are linted through
their root; patches and generator files are never manifests). Kept in this package, not in
discovery, because it is Kustomize's reading of the tree; discovery imports it only when the run has
kustomizations, so a run without any never loads it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..files import LintedRoot
from ..tree import KUSTOMIZATION_FILES
from .kustomization import Kustomization
from .references import find_roots, referenced_files, unused_kustomizations


@dataclass(frozen=True)
class Layout:
    """What the run's kustomizations are, and what they own."""

    roots: tuple[Path, ...]
    #: Kustomizations no root pulls in: linted on their own (:mod:`.unused`).
    unused: tuple[Path, ...]
    #: The real paths of the files the roots pull in.
    covered: frozenset[Path]
    #: Charts an overlay's ``helmCharts`` inflate: linted through the overlay.
    inflated: frozenset[Path]
    #: Every file a kustomization of the run owns (its own file, what it pulls in), real paths.
    owned: frozenset[Path]


def layout(kustomizations: Iterable[Path], configured: Iterable[Path],
           root_for: Callable[[Path], LintedRoot]) -> Layout:
    """The roots among ``kustomizations`` (``configured`` ones when given), the kustomizations no root
    pulls in, and the files they own; ``root_for`` says what each directory's files must stay inside."""
    directories = sorted(kustomizations)
    loaded: dict[Path, Kustomization | None] = {}  # each kustomization file parsed once for both questions
    roots = find_roots(directories, list(configured), within=root_for, cache=loaded)
    inflated: set[Path] = set()
    owned = {_real(directory / name) for directory in directories for name in KUSTOMIZATION_FILES}
    for root in roots:
        owned.update(referenced_files(root, within=root_for(root), charts=inflated))
    covered = frozenset(owned)
    # what no root pulls in (a Component no overlay uses) owns its files all the same: its patches
    # and generator files are never plain manifests, its resources are linted through it
    unused = unused_kustomizations(directories, roots, within=root_for, cache=loaded)
    for directory in unused:
        owned.update(referenced_files(directory, within=root_for(directory), charts=inflated))
    return Layout(tuple(roots), tuple(unused), covered, frozenset(inflated), frozenset(owned))


def kustomizations_using(kustomizations: Iterable[Path], files: Iterable[Path], charted: Iterable[Path],
                         within: LintedRoot) -> set[Path]:
    """The kustomization directories whose resources, patches or bases include one of ``files``, or whose
    ``helmCharts`` inflate a chart one of ``charted`` lies in (a changed file brings its overlays)."""
    wanted, charted = set(files), list(charted)
    found: set[Path] = set()
    for directory in kustomizations:
        charts: set[Path] = set()
        if wanted & referenced_files(directory, within=within, charts=charts) or \
                any(chart in path.parents for chart in charts for path in charted):
            found.add(directory)
    return found


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))
