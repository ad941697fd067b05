"""Cache entries on disk: one JSON file per key, read without trusting it, written atomically, pruned by age.

The directory is the user's, outside the linted repository (:mod:`lintops.result_cache.location`), so
the repository under review cannot plant an entry; this module still trusts nothing it reads there. An
entry is opened without following a symlink and only if it is a regular file under :data:`ENTRY_CAP`
bytes; it must be JSON whose ``schema`` is :data:`SCHEMA` and whose ``key`` is the key it was looked up
by (its file name is that key's hex digest). Anything else (corrupt, foreign, truncated, a FIFO, a
symlink) is a miss, and the entry is removed so that the run writes a good one in its place. Entries
are written to a temporary file beside them and renamed, so a reader never sees half an entry.

The directory is bounded (:data:`MAX_BYTES`): a hit refreshes its entry's modification time, and a
process that wrote entries removes the least recently used ones when it ends (or as soon as it has
written a quarter of the bound) until the total is three quarters of it.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

#: The layout of an entry; an entry of another schema is ignored (and replaced).
SCHEMA = 1
#: The largest entry read or written (a file with that many findings is linted again each time).
ENTRY_CAP = 1 << 20
#: The bound of the whole directory.
MAX_BYTES = 64 << 20
SUFFIX = ".json"


class EntryStore:
    """The entries of one cache directory; a write that fails turns writing off for the run (said once)."""

    def __init__(self, directory: Path, *, verbose: bool = False, max_bytes: int = MAX_BYTES) -> None:
        self.directory = directory
        self.verbose = verbose
        self.max_bytes = max_bytes
        self.writable = True
        self._written = 0
        self._prune_registered = False

    def path_of(self, key: str) -> Path:
        return self.directory / f"{key}{SUFFIX}"

    def load(self, key: str) -> dict[str, Any] | None:
        """The payload stored under ``key`` (a hex digest), or None: a miss, or an entry not to be trusted."""
        path = self.path_of(key)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            return None
        except OSError:  # a symlink (ELOOP), a permission problem: not ours to trust
            self._discard(path)
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > ENTRY_CAP:
                raise ValueError("not a regular entry")
            with os.fdopen(fd, "rb", closefd=False) as stream:
                raw = stream.read(ENTRY_CAP + 1)
            entry = json.loads(raw)
            if (not isinstance(entry, dict) or entry.get("schema") != SCHEMA or entry.get("key") != key
                    or not isinstance(entry.get("payload"), dict)):
                raise ValueError("a foreign entry")
        except (OSError, ValueError, UnicodeDecodeError, RecursionError):
            os.close(fd)
            self._discard(path)
            return None
        os.close(fd)
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: pruned last
        return entry["payload"]

    def store(self, key: str, payload: dict[str, Any]) -> None:
        """Write ``payload`` under ``key`` atomically; too large an entry is not written."""
        if not self.writable:
            return
        data = json.dumps({"schema": SCHEMA, "key": key, "payload": payload}, separators=(",", ":"),
                          ensure_ascii=False).encode()
        if len(data) > ENTRY_CAP:
            return
        temporary = self.directory / f".tmp-{os.getpid()}-{key}{SUFFIX}"  # one writer per process and key
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0),
                         0o600)
            try:
                with os.fdopen(fd, "wb") as stream:
                    stream.write(data)
                os.replace(temporary, self.path_of(key))
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError as exc:
            self.disable(f"cannot be written ({exc.strerror or exc})")
            return
        self._written += len(data)
        self._schedule_prune()

    def disable(self, why: str) -> None:
        """Stop writing for this run; with ``--verbose``, say so once on standard error."""
        if self.writable and self.verbose:
            print(f"lintops: the result cache in {self.directory} {why}: linting without it", file=sys.stderr)
        self.writable = False

    def _discard(self, path: Path) -> None:
        with contextlib.suppress(OSError):
            os.unlink(path)  # unlink removes a symlink itself, never what it points to

    def _schedule_prune(self) -> None:
        if self._written > self.max_bytes // 4:
            self.prune()
        elif not self._prune_registered:
            import atexit

            self._prune_registered = True
            atexit.register(self.prune)

    def prune(self) -> None:
        """Remove the least recently used entries until the directory holds three quarters of the bound."""
        self._written = 0
        entries: list[tuple[int, int, str]] = []
        total = 0
        try:
            with os.scandir(self.directory) as listing:
                for item in listing:
                    if not item.name.endswith(SUFFIX):
                        continue
                    try:
                        info = item.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    entries.append((info.st_mtime_ns, info.st_size, item.path))
                    total += info.st_size
        except OSError:
            return
        if total <= self.max_bytes:
            return
        entries.sort()
        goal = self.max_bytes * 3 // 4
        for _, size, path in entries:
            if total <= goal:
                break
            with contextlib.suppress(OSError):
                os.unlink(path)
                total -= size
