"""A file discovery listed, as compact as it can be kept until it is handed out.

A tree of 100,000 objects lists about 17,000 files before the first is linted (the Kustomize and ArgoCD
passes need them all). As :class:`~lintops.inputs.discover.InputFile` objects, each with its
:class:`~pathlib.Path` (the path object, the list of its parts, its name and its text), they were the
largest thing a run held, and what a run's peak memory grew with. A :class:`Listed` file is its display
path, its path as text and its root; discovery makes the ``InputFile`` when it hands the file out, with a
path equal to the one listed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class Listed:
    """A plain file found by the walk: ``display`` as reports show it, ``location`` (``os.fspath`` of the
    path found) to open, and the root it must stay inside."""

    __slots__ = ("display", "location", "root")
    context = False

    def __init__(self, display: str, location: str, root: Any) -> None:
        self.display = display
        self.location = location
        self.root = root

    @property
    def path(self) -> Path:
        return Path(self.location)
