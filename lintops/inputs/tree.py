"""The names of a linted tree: which files are manifests, which directories are never entered, which
files are kustomizations, and the walk that lists them without following links.

Discovery (:mod:`.discover`) and the index of the rest of a repository a changed file needs
(:mod:`.repository_index`) walk the same way and name things alike, so both take it from here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from .files import LintedRoot

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
SKIPPED_DIRECTORIES = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv"})
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def walk_directories(root: Path, render: bool) -> Iterator[tuple[Path, list[str], list[str]]]:
    """Each directory below ``root`` (links to directories are not followed), its files, and its links to
    directories (which the caller checks: one that leads out of the root is a finding). With ``render``,
    nothing below a chart is listed: it all belongs to the chart."""
    for directory, subdirectories, names in os.walk(root):
        links = sorted(d for d in subdirectories if d not in SKIPPED_DIRECTORIES
                       and os.path.islink(os.path.join(directory, d)))
        subdirectories[:] = sorted(d for d in subdirectories if d not in SKIPPED_DIRECTORIES and d not in links)
        if render and "Chart.yaml" in names:
            subdirectories[:] = []  # everything below a chart belongs to it (templates, sub-charts)
        yield Path(directory), sorted(names), links


def real_path(path: Path | str) -> Path:
    """The real path (``Path.resolve`` raises on a loop of links, which the tree may hold; this does not)."""
    return Path(os.path.realpath(path))


def mentions_application(path: Path, within: LintedRoot) -> bool:
    """Whether the file's bytes name an ArgoCD Application (the cheap test before any parse)."""
    raw = within.read(path)
    return isinstance(raw, bytes) and b"argoproj.io" in raw and b"Application" in raw
