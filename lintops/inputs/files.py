"""Reading a file of the linted tree: the one way lintops opens one, so that the tree cannot reach outside itself.

The tree under review is an attacker's (see docs/security.md). A file in it may be a symbolic link to
``/proc/self/environ`` or a CI secret, a named pipe that blocks whoever opens it, a link to
``/dev/zero``, or a sparse file of 200 MB. Everything lintops reads from the tree therefore goes
through :class:`LintedRoot`, which decides before a byte is read:

- **Where it leads.** The path is resolved one component at a time, as the kernel would
  (:func:`resolve`). Every symbolic link that lies inside the linted root must lead inside it, and so
  must the path itself; a link above the root (``/tmp`` to ``/private/tmp``) is part of the way to
  the root, not a file of the tree, and is followed. A link inside the tree to another file inside it
  stays allowed. Loops (and chains longer than the kernel's 40 links) are refused.
- **What it is.** Only regular files are opened. The type comes from ``lstat`` of the resolved path
  (no symbolic link left in it), so a FIFO, a device or a socket is never opened at all: opening a
  FIFO blocks until a writer comes, and opening some devices has effects of its own. The open itself
  uses ``O_NOFOLLOW | O_NONBLOCK | O_NOCTTY``, and ``fstat`` of the open descriptor must be the same
  regular file (device and inode) that was checked, so swapping a file for a link or a pipe between
  the check and the open gains nothing.
- **How big it is.** The size is checked before reading, and the read stops one byte after the cap:
  a file that grows while it is read cannot exceed the cap either.

A refusal is a :class:`Refusal` (a reason and a clause saying what the file is), which the caller
turns into a finding at the file: ``unsafe-path`` for links out of the root, loops and non-regular
files; ``yaml-limit`` for a file over the cap; ``yaml-syntax`` for a file that cannot be read at all,
as before. :class:`RefusedFile` carries a refusal through code that expects :class:`OSError`.

Renderers read what the tree names too (kustomize its resources and patches, Helm the whole chart
directory, following links out of it). Their inputs are checked with the same rules before the
renderer runs: :meth:`LintedRoot.check_file`, :meth:`LintedRoot.check_directory`, and
:func:`lintops.inputs.scan.scan_directory` for a directory a renderer loads whole.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..stage_rules import UNSAFE_PATH, YAML_LIMIT, YAML_SYNTAX

#: The default cap on one file (``Limits`` in :mod:`lintops.parse.limits` uses it).
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
#: Symbolic links followed for one path before it counts as a loop (Linux's own limit, ``ELOOP``).
MAX_LINKS = 40

_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
               | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))

#: Reasons of a refusal, and the rule a finding about it is filed under.
RULE_OF_REASON = {
    "outside-root": UNSAFE_PATH,
    "symlink-loop": UNSAFE_PATH,
    "not-regular": UNSAFE_PATH,
    "too-large": YAML_LIMIT,
    "unreadable": YAML_SYNTAX,
    "missing": YAML_SYNTAX,
}


class Refusal:
    """Why a path of the tree is not read. ``detail`` is a clause about it: ``is a named pipe (FIFO), ...``.

    (A plain class, as :class:`LintedRoot`: this module is imported at every start, and a dataclass
    costs a millisecond to build.)
    """

    __slots__ = ("detail", "reason")

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason  # a key of RULE_OF_REASON
        self.detail = detail

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Refusal) and (self.reason, self.detail) == (other.reason, other.detail)

    def __hash__(self) -> int:
        return hash((self.reason, self.detail))

    def __repr__(self) -> str:
        return f"Refusal({self.reason!r}, {self.detail!r})"

    @property
    def rule_id(self) -> str:
        """The rule a finding about this refusal is filed under."""
        return RULE_OF_REASON[self.reason]

    @property
    def message(self) -> str:
        """The message of a finding at the file itself."""
        return f"file {self.detail}" if self.reason in ("missing", "unreadable") else f"file {self.detail}; not read"

    @property
    def unsafe(self) -> bool:
        """True for what the tree must never do (a link out of the root, a loop, a special file); False for
        what also happens by accident (too large, missing, unreadable)."""
        return self.rule_id == UNSAFE_PATH


class RefusedFile(OSError):
    """A :class:`Refusal` raised where callers expect an :class:`OSError` from reading."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.detail)
        self.refusal = refusal
        self.strerror = refusal.detail


def describe_mode(mode: int) -> str:
    """What a file of this mode is, for a message: ``a named pipe (FIFO)``, ``a directory``, ..."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISREG(mode):
        return "a regular file"
    return "a special file"


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root if root.endswith(os.sep) else root + os.sep)


_END_OF_LINK = None  # marks, in the queue of components, where the target of a link ends


def resolve(path: str | os.PathLike[str], root: str | None, *,
            start: str = os.sep) -> tuple[str, os.stat_result] | Refusal:
    """The real path of ``path`` and its ``lstat``, or why it may not be used.

    ``root`` is the real path of the linted root (``None``: no confinement, links are only counted).
    Resolution follows POSIX (``link/..`` is the parent of the link's target, not of the link), one
    component at a time; each symbolic link found inside ``root`` must lead inside ``root`` once its
    target is resolved, and the result must lie inside ``root``. A relative ``path`` is taken from
    ``start`` (a real directory) when given, else from the working directory.
    """
    text = os.fspath(path)
    current = os.sep
    if not os.path.isabs(text):
        if start == os.sep:
            text = os.path.join(os.getcwd(), text)
        else:
            current = start
    queue: list[str | None] = [part for part in reversed(text.split(os.sep)) if part]
    checks: list[bool] = []  # for each link being expanded: whether its resolution must stay inside
    links = 0
    info: os.stat_result | Refusal | None = None
    while queue:
        part = queue.pop()
        if part is _END_OF_LINK:
            if checks.pop() and root is not None and not _inside(current, root):
                return Refusal("outside-root", "is a symbolic link that leads outside the linted root")
            continue
        if part == ".":
            continue
        if part == "..":
            current, info = os.path.dirname(current), None
            continue
        candidate = os.path.join(current, part)
        info = _lstat(candidate)
        if isinstance(info, Refusal):
            return info
        if not stat.S_ISLNK(info.st_mode):
            current = candidate
            continue
        links += 1
        target = _link_target(candidate, links)
        if isinstance(target, Refusal):
            return target
        checks.append(root is not None and _inside(current, root))  # the link lies inside the root
        queue.append(_END_OF_LINK)
        queue.extend(part for part in reversed(target.split(os.sep)) if part)
        if os.path.isabs(target):
            current = os.sep
        info = None
    return _resolved(current, info, root)


def _lstat(candidate: str) -> os.stat_result | Refusal:
    """The ``lstat`` of one component of the way, or why it cannot be taken."""
    try:
        return os.lstat(candidate)
    except FileNotFoundError:
        return Refusal("missing", "does not exist")
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        return Refusal("unreadable", f"cannot be read: {getattr(exc, 'strerror', None) or exc}")


def _link_target(link: str, links: int) -> str | Refusal:
    """What the ``links``-th symbolic link of the way points to, unless that is one link too many."""
    if links > MAX_LINKS:
        return Refusal("symlink-loop", f"is a loop of symbolic links (or a chain of more than {MAX_LINKS})")
    try:
        return os.readlink(link)
    except OSError as exc:
        return Refusal("unreadable", f"cannot be read: {exc.strerror or exc}")


def _resolved(current: str, info: os.stat_result | None, root: str | None) -> tuple[str, os.stat_result] | Refusal:
    """Where the way ended, if it lies inside ``root``, with its ``lstat``."""
    if root is not None and not _inside(current, root):
        return Refusal("outside-root", "lies outside the linted root")
    if info is None:  # the path ended in "..", "." or the target of a link: look at what it names
        try:
            info = os.lstat(current)
        except OSError as exc:
            return Refusal("unreadable", f"cannot be read: {exc.strerror or exc}")
    return current, info


class LintedRoot:
    """The directory a run may read below, and the cap on one file.

    ``path`` ``None`` confines nothing (the installation's own files, a file given by a trusted flag):
    such reads still refuse special files, loops and files over the cap. Immutable; compared and
    hashed by ``path`` and ``max_bytes``.
    """

    __slots__ = ("_directories", "_prefixes", "_real", "max_bytes", "path")

    def __init__(self, path: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self._real: str | None = None
        self._prefixes: tuple[str, ...] | None = None
        #: Directories below the root, as written, resolved once: the files of one folder share them.
        self._directories: dict[str, tuple[str, os.stat_result] | Refusal] = {}

    def __reduce__(self) -> tuple[type[LintedRoot], tuple[Path | None, int]]:
        """Pickled (to a worker process) without what this process has resolved."""
        return LintedRoot, (self.path, self.max_bytes)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LintedRoot) and (self.path, self.max_bytes) == (other.path, other.max_bytes)

    def __hash__(self) -> int:
        return hash((self.path, self.max_bytes))

    def __repr__(self) -> str:
        return f"LintedRoot({self.path!r}, max_bytes={self.max_bytes})"

    def with_cap(self, max_bytes: int) -> LintedRoot:
        """This root with another cap (itself when the cap is the same)."""
        return self if max_bytes == self.max_bytes else LintedRoot(self.path, max_bytes)

    @property
    def real(self) -> str | None:
        """The root's real path (symbolic links above and at the root resolved), computed once."""
        if self._real is None and self.path is not None:
            self._real = os.path.realpath(self.path)
        return self._real

    @property
    def _starts(self) -> tuple[str, ...]:
        """How paths below the root begin: its path as given and its real path."""
        if self._prefixes is None:
            self._prefixes = () if self.path is None else tuple(dict.fromkeys(
                prefix.rstrip(os.sep) + os.sep for prefix in (os.path.abspath(self.path), self.real or "")))
        return self._prefixes

    def resolve(self, path: str | os.PathLike[str]) -> tuple[str, os.stat_result] | Refusal:
        """See :func:`resolve`. A path written below the root starts from the root's real path: the
        components above it are the way to the root, which needs no second look."""
        text = os.fspath(path)
        if not os.path.isabs(text):
            text = os.path.join(os.getcwd(), text)
        for prefix in self._starts:
            if text.startswith(prefix):
                return self._resolve_below(text[len(prefix):] or ".")
        return resolve(text, self.real)

    def _resolve_below(self, relative: str) -> tuple[str, os.stat_result] | Refusal:
        """:func:`resolve` of a path written below the root, its directory resolved once per run.

        Why: a run reads every file of a folder, and walking each path one component at a time cost
        an ``lstat`` per component per file. The folder's resolution is remembered (the tree does not
        change while it is linted, and a root lives for one discovery, one run; the file itself is
        still looked at every time, and :meth:`read`
        opens it without following a link and checks that what it opened is what it looked at).
        Anything but a plain file name in a resolved folder takes the full walk, which says why not.
        """
        real = self.real or os.sep
        head, _, name = relative.rpartition(os.sep)
        if not head or name in ("", ".", ".."):
            return resolve(relative, real, start=real)
        folder = self._directories.get(head)
        if folder is None:
            folder = self._directories[head] = resolve(head, real, start=real)
        if isinstance(folder, Refusal) or not stat.S_ISDIR(folder[1].st_mode):
            return resolve(relative, real, start=real)
        candidate = os.path.join(folder[0], name)
        try:
            info = os.lstat(candidate)
        except (OSError, ValueError):
            return resolve(relative, real, start=real)
        if stat.S_ISLNK(info.st_mode):
            return resolve(relative, real, start=real)
        return candidate, info

    def check_file(self, path: str | os.PathLike[str]) -> Refusal | None:
        """Why the regular file ``path`` may not be read (by lintops or by a renderer), else None. Reads nothing."""
        resolved = self.resolve(path)
        if isinstance(resolved, Refusal):
            return resolved
        return self.check_stat(resolved[1])

    def check_directory(self, path: str | os.PathLike[str]) -> Refusal | None:
        """Why the directory ``path`` may not be walked, else None (also when it is no directory at all)."""
        resolved = self.resolve(path)
        if isinstance(resolved, Refusal):
            return None if resolved.reason == "missing" else resolved
        return None

    def read(self, path: str | os.PathLike[str], max_bytes: int | None = None) -> bytes | Refusal:
        """The bytes of the regular file ``path``, at most ``max_bytes`` (default :attr:`max_bytes`), or why not."""
        cap = self.max_bytes if max_bytes is None else max_bytes
        resolved = self.resolve(path)
        if isinstance(resolved, Refusal):
            return resolved
        real, info = resolved
        refusal = self.check_stat(info, cap)
        if refusal is not None:
            return refusal
        try:
            descriptor = os.open(real, _OPEN_FLAGS)
        except OSError as exc:
            return Refusal("unreadable", f"cannot be read: {exc.strerror or exc}")
        try:
            opened = os.fstat(descriptor)
            if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino) or not stat.S_ISREG(opened.st_mode):
                return Refusal("unreadable", "changed while it was opened")
            refusal = self.check_stat(opened, cap)
            if refusal is not None:
                return refusal
            return _read_capped(descriptor, opened.st_size, cap)
        except OSError as exc:
            return Refusal("unreadable", f"cannot be read: {exc.strerror or exc}")
        finally:
            os.close(descriptor)

    def read_or_raise(self, path: str | os.PathLike[str], max_bytes: int | None = None) -> bytes:
        """:meth:`read` for code that handles :class:`OSError`: a refusal is raised as :class:`RefusedFile`."""
        data = self.read(path, max_bytes)
        if isinstance(data, Refusal):
            raise RefusedFile(data)
        return data

    def read_text(self, path: str | os.PathLike[str], encoding: str = "utf-8-sig") -> str:
        """The file decoded (raises :class:`RefusedFile`, or :class:`UnicodeDecodeError` for bad text)."""
        return self.read_or_raise(path).decode(encoding)

    def check_stat(self, info: os.stat_result, cap: int | None = None) -> Refusal | None:
        """Why a file of this ``lstat`` may not be read: not a regular file, or over the cap (default
        :attr:`max_bytes`); else None."""
        cap = self.max_bytes if cap is None else cap
        if not stat.S_ISREG(info.st_mode):
            return Refusal("not-regular", f"is {describe_mode(info.st_mode)}, not a regular file")
        if info.st_size > cap:
            return Refusal("too-large", f"is {info.st_size:,} bytes, over the {cap:,}-byte limit")
        return None


def _read_capped(descriptor: int, size: int, cap: int) -> bytes | Refusal:
    """At most ``cap`` bytes; one byte more than allowed tells a file that grew past the cap while read."""
    limit = cap + 1
    parts: list[bytes] = []
    total = 0
    while total < limit:
        wanted = min(limit - total, max(size + 1 - total, 1 << 16))
        chunk = os.read(descriptor, wanted)
        parts.append(chunk)
        total += len(chunk)
        if len(chunk) < wanted:  # a regular file reads short only at its end
            break
    if total > cap:
        return Refusal("too-large", f"grew past the {cap:,}-byte limit while it was read")
    return b"".join(parts)


#: Reads confined to nothing (files of the installation, or named by a trusted flag): only the type,
#: loops and the cap are checked.
UNCONFINED = LintedRoot()
