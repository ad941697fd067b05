"""``--new-since REF``: fail only for the findings a merge request introduces.

A repository with a thousand findings can adopt the gate without writing a baseline first: the tree
as it was at the merge base of ``REF`` and ``HEAD`` (what the merge request is compared against) is
linted the same way, and a finding of this run fails it only when nothing at the base matches it.
Findings that match are still reported, marked as not introduced (``"introduced": false`` in JSON).

A finding matches when the base had a finding of the same rule with the same fingerprint (file,
object and node: see :mod:`lintops.fingerprint`), or of the same rule on the same object (API group,
kind, namespace, name, environment) at the same node, so that moving an object to another file
introduces nothing. A finding that stands for several objects is introduced when one of them is new
to it. Findings about no object (a syntax error) match by fingerprint only.

The base is written into a temporary directory outside the working tree, from git's object database
(``git ls-tree`` and ``git cat-file``: no checkout, so no hooks, filters or attributes of the tree
run, and the working tree and index are never touched). It is linted with its own configuration,
under the same command-line settings and the same trusted ``--policy``; what it may read and run is
bounded as for any tree. Submodules are not written (a gitlink has no content here).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from . import changes
from .changes import ChangesError, git
from .errors import LintopsError
from .fingerprint import fingerprint
from .model import Finding

#: Largest blob whose content is written into the base tree; a larger one is written as a sparse file of
#: its size (the reader refuses files far smaller than this by their size alone).
MAX_BLOB_BYTES = 64 * 1024 * 1024


class NewSinceError(LintopsError):
    """The base of ``--new-since`` could not be read (not a repository, unknown ref)."""


@dataclass
class Preexisting:
    """What the base's findings were, as the keys a finding of this run is matched by."""

    ref: str
    fingerprints: set[tuple[str, str]] = field(default_factory=set)
    objects: set[tuple] = field(default_factory=set)

    def add(self, finding: Finding) -> None:
        for share in finding.per_object():
            self.fingerprints.add((share.rule_id, fingerprint(share)))
            key = object_key(share)
            if key is not None:
                self.objects.add(key)

    def introduced(self, finding: Finding) -> bool:
        """Whether one of the objects ``finding`` stands for had no such finding at the base."""
        for share in finding.per_object():
            if (share.rule_id, fingerprint(share)) in self.fingerprints:
                continue
            key = object_key(share)
            if key is None or key not in self.objects:
                return True
        return False

    def mark(self, finding: Finding) -> Finding:
        return replace(finding, introduced=self.introduced(finding))


def object_key(finding: Finding) -> tuple | None:
    """The finding's rule, object (API group, not version: an apiVersion bump is the same object),
    environment and node; None for a finding of no object."""
    ref = finding.object
    if ref is None:
        return None
    group = ref.api_version.rpartition("/")[0]
    return (finding.rule_id, group, ref.kind, ref.namespace, ref.name, finding.environment, finding.pointer)


def merge_base(ref: str, root: Path, option: str = "--new-since") -> tuple[Path, str]:
    """The repository's top level and the merge base of ``ref`` and HEAD (``option``: what errors name); a
    shallow clone is deepened from its remote as for ``--changed-since`` (:func:`lintops.changes.merge_base`)."""
    try:
        top = Path(git(root, "rev-parse", "--show-toplevel").strip())
        return top, changes.merge_base(top, ref)
    except ChangesError as exc:
        raise NewSinceError(f"{option} {ref}: {exc}") from None


def write_tree(top: Path, commit: str, into: Path) -> int:
    """Write the files of ``commit`` below ``into`` from git's objects; returns how many were written.

    Regular and executable files are written as they are stored; symbolic links as links (the reader
    refuses those that leave the tree, as it does in the working tree); gitlinks are skipped.
    """
    listing = git(top, "ls-tree", "-r", "-z", "--full-tree", commit).split("\0")
    entries = []
    for line in filter(None, listing):
        meta, _, name = line.partition("\t")
        mode, kind, sha = meta.split()
        if kind == "blob" and _safe(name):
            entries.append((mode, sha, name))
    if not entries:
        return 0
    # One object at a time over git's batch protocol: memory stays one file's size, whatever the tree's.
    process = subprocess.Popen(["git", "cat-file", "--batch"], cwd=top, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdin is not None and process.stdout is not None
    written = 0
    try:
        for mode, sha, name in entries:
            process.stdin.write(f"{sha}\n".encode())
            process.stdin.flush()
            header = process.stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                raise NewSinceError(f"git cat-file: no blob {sha} for {name}")
            size = int(header[2])
            if size > MAX_BLOB_BYTES and mode != "120000":
                _skip(process.stdout, size)
                _write_oversized(into, name, size)
            else:
                _write(into, name, mode, process.stdout.read(size))
            process.stdout.read(1)  # the newline after each object
            written += 1
    finally:
        process.stdin.close()
        process.wait(timeout=60)
    return written


def _target(into: Path, name: str) -> Path:
    target = into.joinpath(*PurePosixPath(name).parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _write(into: Path, name: str, mode: str, body: bytes) -> None:
    target = _target(into, name)
    if mode == "120000":
        target.symlink_to(body.decode("utf-8", errors="replace"))
    else:
        target.write_bytes(body)


def _write_oversized(into: Path, name: str, size: int) -> None:
    """A file too large to lint, as a sparse file of its size: the reader refuses it by size, as at HEAD."""
    with _target(into, name).open("wb") as handle:
        handle.truncate(size)


def _skip(stream, size: int) -> None:
    """Read past ``size`` bytes of git's output, a megabyte at a time."""
    while size > 0:
        chunk = stream.read(min(size, 1 << 20))
        if not chunk:
            raise NewSinceError("git cat-file ended in the middle of an object")
        size -= len(chunk)


def _safe(name: str) -> bool:
    """A path git may hold that stays below the directory it is written to."""
    parts = PurePosixPath(name).parts
    return bool(parts) and not PurePosixPath(name).is_absolute() and all(p not in ("", ".", "..", ".git")
                                                                        for p in parts)


@dataclass(frozen=True)
class BaseTree:
    """The base of a comparison, written out: its commit and the settings that lint it."""

    commit: str
    settings: Any


@contextmanager
def base_checkout(settings: Any, ref: str, option: str = "--new-since") -> Iterator[BaseTree]:
    """The merge base of ``ref`` and HEAD, written to a temporary directory for the time of the block, with
    ``settings`` (paths, flags, policy) moved into it; the directory is removed afterwards."""
    paths = [Path(p) for p in settings.paths if p != "-"] or [Path(".")]
    top, commit = merge_base(ref, paths[0] if paths[0].is_dir() else paths[0].parent, option)
    directory = Path(tempfile.mkdtemp(prefix="lintops-base-"))
    try:
        write_tree(top, commit, directory)
        yield BaseTree(commit, replace(settings, paths=tuple(_moved(p, top, directory, option) for p in paths),
                                       config_path=_moved_config(settings.config_path, top, directory),
                                       baseline=None, base_dir=directory))
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def base_findings(settings: Any, ref: str) -> Preexisting:
    """Lint the merge base of ``ref`` with ``settings`` (paths, flags, policy) and collect its findings."""
    from .runner import prepare

    found = Preexisting(ref)
    with base_checkout(settings, ref) as base:
        run = prepare(base.settings)
        engine = run.engine()
        for report in engine.lint(run.discover(base.settings.paths)):
            for finding in report.findings:
                found.add(finding)
    return found


def _moved(path: Path, top: Path, directory: Path, option: str) -> str:
    resolved = path.resolve()
    if resolved != top and top not in resolved.parents:
        raise NewSinceError(f"{option}: {path} is not inside the repository {top}")
    return str(directory / resolved.relative_to(top))


def _moved_config(config_path: str | None, top: Path, directory: Path) -> str | None:
    """A ``-c`` file inside the repository is the base's own version of it; one outside stays as given."""
    if config_path is None:
        return None
    resolved = Path(config_path).resolve()
    return str(directory / resolved.relative_to(top)) if top in resolved.parents else config_path

