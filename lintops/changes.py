"""``--changed-since REF``: the files a branch changed, for the merge-request stage.

The comparison is against the merge base of ``REF`` and ``HEAD`` (what a merge request shows), and
includes uncommitted changes, so the same command works in CI and on a laptop. Deleted files are
left out; renamed files count under their new name. The changed files are then linted like files
named on the command line, so they bring their context: a changed values file or template renders
its chart, a changed base renders the overlays that use it, a changed Application is checked
against the Applications around it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from .errors import LintopsError


class ChangesError(LintopsError):
    """git could not say what changed (not a repository, unknown ref)."""


def git(root: Path, *args: str) -> str:
    """``git ARGS`` in ``root``: its standard output, or a ChangesError with the command and git's words."""
    try:
        result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False, timeout=60)
    except FileNotFoundError:
        raise ChangesError("git is not on PATH (--changed-since and --new-since need it)") from None
    if result.returncode != 0:
        raise ChangesError(f"git {' '.join(args)}: {result.stderr.strip() or 'failed'}")
    return result.stdout


def changed_files(ref: str, root: Path, within: list[Path] | None = None) -> list[Path]:
    """Files changed since the merge base of ``ref`` and HEAD that still exist, below ``within``."""
    top = Path(git(root, "rev-parse", "--show-toplevel").strip())
    base = git(top, "merge-base", "--end-of-options", ref, "HEAD").strip()
    names = git(top, "diff", "--name-only", "--diff-filter=ACMRT", "-z", base).split("\0")
    names += git(top, "ls-files", "--others", "--exclude-standard", "-z").split("\0")  # new, not yet added
    scopes = [p.resolve() for p in within or []]
    files = []
    for name in sorted(set(filter(None, names))):
        path = (top / name).resolve()
        if not path.is_file():
            continue
        if scopes and not any(path == s or s in path.parents for s in scopes):
            continue
        files.append(path)
    return files
