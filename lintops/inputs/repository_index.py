"""What a file named by itself (pre-commit, ``--changed-since``) needs to know about the rest of its
repository: the kustomizations there (the overlays that use a changed base render again) and the
ArgoCD Application files (read as context for the staging-twin rule).

Computed lazily: walking names is cheap, reading every file is not, and most runs need neither.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

from .files import LintedRoot
from .tree import KUSTOMIZATION_FILES, MANIFEST_SUFFIXES, mentions_application, real_path, walk_directories


class RepositoryIndex:
    """The directories of the repository at ``base`` (outside charts), and what is in them."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self._directories: list[tuple[Path, list[str]]] | None = None

    @property
    def directories(self) -> list[tuple[Path, list[str]]]:
        if self._directories is None:
            inside_repository = (self.base / ".git").exists()
            self._directories = [(d, names) for d, names, _ in walk_directories(self.base, True)
                                 if "Chart.yaml" not in names] if inside_repository else []
        return self._directories

    @cached_property
    def within(self) -> LintedRoot:
        return LintedRoot(self.base)

    @cached_property
    def kustomizations(self) -> list[Path]:
        return [real_path(d) for d, names in self.directories if any(n in names for n in KUSTOMIZATION_FILES)]

    @cached_property
    def application_files(self) -> list[Path]:
        return [real_path(d / name) for d, names in self.directories for name in names
                if name.endswith(MANIFEST_SUFFIXES) and mentions_application(d / name, self.within)]

    def kustomizations_using(self, files: list[Path], charted: Iterable[Path] = ()) -> set[Path]:
        """Kustomization directories whose resources, patches or bases include one of ``files``, or whose
        ``helmCharts`` inflate a chart one of ``charted`` lies in."""
        if not self.kustomizations:
            return set()
        from .kustomize.layout import kustomizations_using

        return kustomizations_using(self.kustomizations, files, charted, self.within)
