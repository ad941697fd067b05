"""Every entry below a directory that a loader which follows links (Helm's) may not read, with why.

Helm loads a chart directory whole and follows symbolic links while it does; lintops cannot confine
the loader, so it looks first, with the rules of :class:`~lintops.inputs.files.LintedRoot`, and the
chart's renderer reports each entry found here instead of handing the chart over. Nothing is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .files import LintedRoot, Refusal, describe_mode

#: Entries :func:`scan_directory` looks at before it gives up (links may repeat a directory many times).
MAX_SCAN_ENTRIES = 100_000


def scan_directory(within: LintedRoot, directory: str | os.PathLike[str]) -> list[tuple[Path, Refusal]]:
    """Every entry below ``directory`` a loader that follows links (Helm's) may not read, with why.

    Walks as such a loader does: into subdirectories and into directory links that lead inside the
    root. Reports links that lead outside, loops (a directory link to a directory it lies in),
    special files and files over the cap; the paths are as found below ``directory``, links not
    resolved. The directory itself is checked first. Nothing is read.
    """
    top = Path(directory)
    resolved = within.resolve(top)
    if isinstance(resolved, Refusal):
        return [(top, resolved)]
    if not stat.S_ISDIR(resolved[1].st_mode):
        return [(top, Refusal("not-regular", f"is {describe_mode(resolved[1].st_mode)}, not a directory"))]
    found: list[tuple[Path, Refusal]] = []
    budget = MAX_SCAN_ENTRIES
    stack: list[tuple[Path, str, frozenset[str]]] = [(top, resolved[0], frozenset({resolved[0]}))]
    while stack:
        lexical, real, ancestors = stack.pop()
        try:
            with os.scandir(real) as iterator:
                entries = sorted(iterator, key=lambda entry: entry.name)
        except OSError as exc:
            found.append((lexical, Refusal("unreadable", f"cannot be read: {exc.strerror or exc}")))
            continue
        budget -= len(entries)
        if budget < 0:
            found.append((lexical, Refusal("too-large", f"holds more than {MAX_SCAN_ENTRIES:,} entries")))
            return found
        for entry in reversed(entries):
            path = lexical / entry.name
            target = os.path.join(real, entry.name)
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError as exc:
                found.append((path, Refusal("unreadable", f"cannot be read: {exc.strerror or exc}")))
                continue
            if stat.S_ISLNK(info.st_mode):
                outcome = within.resolve(target)
                if isinstance(outcome, Refusal):
                    found.append((path, outcome))
                    continue
                target, info = outcome
            if stat.S_ISDIR(info.st_mode):
                if target in ancestors:
                    found.append((path, Refusal("symlink-loop", "is a symbolic link to a directory it lies "
                                                                "in (a loop)")))
                else:
                    stack.append((path, target, ancestors | {target}))
                continue
            refusal = within.check_stat(info)
            if refusal is not None:
                found.append((path, refusal))
    found.sort(key=lambda item: item[0].as_posix())
    return found
