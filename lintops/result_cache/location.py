"""Where the result cache lives: the user's cache directory, never the repository under review.

``--cache-dir`` wins, then ``LINTOPS_CACHE_DIR``, then ``$XDG_CACHE_HOME/lintops``, then
``~/.cache/lintops``. Only the first may lie inside a linted path or the repository root: a directory
named on the command line is the user's choice, while an environment variable set by a CI
configuration or a tool the repository ships could point into the tree and let it plant entries. The
directory is created with mode 0700; an existing one must be a real directory (no symlink) of this
user that nobody else may write to, since whoever can write an entry decides what a run reports.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path


def default_directory() -> Path:
    """The cache directory the environment names (not checked yet)."""
    named = os.environ.get("LINTOPS_CACHE_DIR")
    if named:
        return Path(named)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):  # the XDG specification: a relative value is to be ignored
        return Path(xdg) / "lintops"
    return Path.home() / ".cache" / "lintops"


def open_directory(explicit: str | None, linted: Iterable[Path]) -> tuple[Path | None, str]:
    """The cache directory to use, created if need be, or None and why it must not be used."""
    directory = Path(explicit) if explicit else default_directory()
    directory = Path(os.path.abspath(directory))
    if not explicit:
        resolved = _resolved(directory)
        for root in linted:
            inside = _resolved(Path(os.path.abspath(root)))
            if resolved == inside or inside in resolved.parents:
                return None, f"is inside the linted tree {root} (name it with --cache-dir to use it)"
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        info = os.lstat(directory)
    except OSError as exc:
        return None, f"cannot be created ({exc.strerror or exc})"
    if not stat.S_ISDIR(info.st_mode):
        return None, "is not a directory (a symlink is not followed)"
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return None, "belongs to another user"
    if info.st_mode & 0o022:
        return None, "may be written by other users"
    return directory, ""


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path
