"""Which inputs are there: the files below the given paths, in a stable order.

Directories are walked for ``*.yaml``, ``*.yml`` and ``*.json``; ``.git`` and paths matching an
``--exclude`` glob are skipped. ``-`` is standard input. A path that does not exist is a usage error
(raised as :class:`InputError`), because a typo in CI must not turn into a green run.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
SKIPPED_DIRECTORIES = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv"})
STDIN = "-"


class InputError(Exception):
    """A path given by the user cannot be linted (missing, unreadable)."""


@dataclass(frozen=True)
class InputFile:
    """A file to lint. ``display`` is the path as reports show it; ``path`` is what to open."""

    display: str
    path: Path | None  # None for standard input

    @property
    def is_json(self) -> bool:
        return self.display.endswith(".json")

    def read_bytes(self) -> bytes:
        if self.path is None:
            import sys

            return sys.stdin.buffer.read()
        return self.path.read_bytes()


def repository_root(start: Path | None = None) -> Path:
    """The top of the git work tree containing ``start`` (default: the working directory), else ``start``.

    Reports name files relative to it, so that CI artifacts and editors agree whatever directory
    lintops was started from.
    """
    start = (start or Path.cwd()).resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


def display_path(path: Path, base: Path) -> str:
    """The path relative to ``base`` when it lies below it, with forward slashes."""
    try:
        relative = os.path.relpath(os.path.realpath(path), base)
    except ValueError:  # another drive on Windows
        return path.as_posix()
    if relative.startswith(".."):
        return path.as_posix()
    return Path(relative).as_posix()


def is_excluded(display: str, excludes: Iterable[str]) -> bool:
    """True when the path, or any directory above it, matches one of the globs."""
    parts = display.split("/")
    candidates = {display} | {"/".join(parts[: i + 1]) for i in range(len(parts))} | set(parts)
    return any(fnmatch.fnmatch(candidate, pattern.rstrip("/")) for pattern in excludes for candidate in candidates)


def discover(paths: Iterable[str], excludes: Iterable[str] = (), base: Path | None = None) -> Iterator[InputFile]:
    """Yield every input below ``paths`` once, directories in sorted order."""
    base = base or repository_root()
    excludes = tuple(excludes)
    seen: set[Path] = set()
    for raw in paths:
        if raw == STDIN:
            yield InputFile(STDIN, None)
            continue
        path = Path(raw)
        if not path.exists():
            raise InputError(f"{raw}: no such file or directory")
        if path.is_dir():
            for file in _walk(path):
                display = display_path(file, base)
                if file.resolve() in seen or is_excluded(display, excludes):
                    continue
                seen.add(file.resolve())
                yield InputFile(display, file)
        else:
            # A file named explicitly is linted whatever its suffix (the user asked for it).
            display = display_path(path, base)
            if path.resolve() in seen or is_excluded(display, excludes):
                continue
            seen.add(path.resolve())
            yield InputFile(display, path)


def _walk(root: Path) -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if d not in SKIPPED_DIRECTORIES)
        for name in sorted(files):
            if name.endswith(MANIFEST_SUFFIXES):
                yield Path(directory, name)
