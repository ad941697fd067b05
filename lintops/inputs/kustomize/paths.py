"""Paths as kustomize reports them (real, symbolic links resolved) turned into the paths reports show.

Kustomize resolves symbolic links, but a person lints the tree by the names they typed; every file a
finding or a problem names goes through :class:`DisplayPaths` so that both agree.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


class DisplayPaths:
    """Real paths (what kustomize reports) to the paths reports show."""

    def __init__(self, root: Path, display: Callable[[Path], str]) -> None:
        self.logical_root = Path(os.path.abspath(root))
        self.real_root = Path(os.path.realpath(root))
        self._display = display

    def logical(self, real: Path) -> Path:
        """``real`` under the root as given (symbolic links kept) when it is the same file, else ``real``."""
        if self.logical_root == self.real_root:
            return real
        try:
            candidate = Path(os.path.normpath(self.logical_root / os.path.relpath(real, self.real_root)))
            if candidate.exists() and os.path.samefile(candidate, real):
                return candidate
        except (ValueError, OSError):
            pass
        return real

    def show(self, real: Path) -> str:
        """What reports show for the real path ``real``."""
        return self._display(self.logical(real))
