"""A cache of plain files' reports, for the pre-commit hook and the editor that lint the same files again and again.

An entry is one file's report, found by a key that digests everything the report depends on: the
file's bytes and the path reports show, the run (:func:`run_key`: the lintops version and a digest of
its modules and of the check classes' modules, the configuration and policy files' contents, the
enabled rules as loaded, with their parameters, the flags that change findings, the limits, the
repository root), and the CustomResourceDefinitions the run registered before the file. What the
entry holds, and which files are never cached (their objects feed checks that compare objects across
files), is :mod:`lintops.result_cache.files`'s; how entries are kept, :mod:`lintops.result_cache.store`'s;
where, :mod:`lintops.result_cache.location`'s. Charts and Kustomize overlays are not cached: what a render
reads (chart dependencies, values and template files, remote bases, generators' inputs) cannot be
enumerated exactly from outside the renderer.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .store import SCHEMA, EntryStore


class ResultCache:
    """The cache of one run: its directory's entries and the digest of the run they are keyed under."""

    def __init__(self, store: EntryStore, run_digest: str) -> None:
        self.store = store
        self.run_digest = run_digest
        self._crds: tuple[int, int, str] = (0, 0, "")  # id of the CRD list, its length, their digest
        self._state: Any = None
        self._usable: tuple[Any, ...] = ()

    def file_key(self, display: str, is_json: bool, raw: bytes, crd_digest: str) -> str:
        """The key of one plain file's report in this run."""
        digest = hashlib.sha256(self.run_digest.encode())
        for part in (display.encode("utf-8", "surrogateescape"), b"json" if is_json else b"yaml", crd_digest.encode()):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
        digest.update(raw)
        return digest.hexdigest()

    def crd_digest(self, crds: list[dict]) -> str:
        """A digest of the run's CRDs so far (a custom resource's findings depend on them), kept as they come."""
        seen_id, seen, digest = self._crds
        if seen_id == id(crds) and seen == len(crds):
            return digest
        if seen_id != id(crds) or seen > len(crds):
            seen, digest = 0, ""
        for body in crds[seen:]:
            text = json.dumps(body, sort_keys=True, default=repr, ensure_ascii=False)
            digest = hashlib.sha256(f"{digest}\0{text}".encode()).hexdigest()
        self._crds = (id(crds), len(crds), digest)
        return digest

    def remember(self, state: Any, verdict: tuple[Any, ...]) -> None:
        self._state, self._usable = state, verdict

    def recall(self, state: Any) -> tuple[Any, ...] | None:
        return self._usable if self._state is state else None


def open_cache(explicit_dir: str | None, linted: Iterable[Path], parts: dict[str, Any], check_classes: Iterable[type],
               *, verbose: bool = False) -> ResultCache | None:
    """The run's cache, or None when its directory cannot be used (said on standard error with ``--verbose``)."""
    from .location import default_directory, open_directory

    directory, why = open_directory(explicit_dir, linted)
    if directory is None:
        if verbose:
            shown = explicit_dir or default_directory()
            print(f"lintops: the result cache in {shown} {why}: linting without it", file=sys.stderr)
        return None
    return ResultCache(EntryStore(directory, verbose=verbose), run_key(parts, check_classes))


def run_key(parts: dict[str, Any], check_classes: Iterable[type]) -> str:
    """The digest of what every report of the run depends on besides the file itself."""
    from .. import __version__

    modules = sorted({sys.modules[cls.__module__].__file__ or "" for cls in check_classes
                      if cls.__module__ in sys.modules})
    whole = {"schema": SCHEMA, "version": __version__, "code": code_digest(modules), **parts}
    text = json.dumps(whole, sort_keys=True, default=repr, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def rule_key(spec: Any) -> list[Any]:
    """What a rule's findings depend on: its check, severity, targets and parameters as configured, and its
    file (by size and modification time: its examples and prose change no finding, and are not hashed)."""
    return [spec.id, spec.severity.value, spec.check, spec.stage, list(spec.targets), spec.kinds,
            repr(sorted(spec.params.items())), spec.remediation, spec.origin, stamp(spec.path) if spec.path else None]


def code_digest(extra_files: Sequence[str]) -> str:
    """The size and modification time of the modules the checks come from, and of lintops' own when it runs
    from a source tree (an installed release is told apart by its version), so that an edited check (an
    editable install, a plugin) is never answered by an older report."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    stamps = []
    if os.path.basename(os.path.dirname(package)) not in ("site-packages", "dist-packages"):
        for folder, subfolders, files in os.walk(package):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            stamps.extend(stamp(os.path.join(folder, name)) for name in sorted(files) if name.endswith(".py"))
    stamps.extend(stamp(path) for path in extra_files if path and not path.startswith(package))
    return hashlib.sha256("\n".join(stamps).encode("utf-8", "surrogateescape")).hexdigest()


def stamp(path: str) -> str:
    """A file's path, size and modification time (what tells that it changed without reading it)."""
    try:
        info = os.stat(path)
    except OSError:
        return f"{path} -"
    return f"{path} {info.st_size} {info.st_mtime_ns}"


def file_digest(path: Path | None) -> str | None:
    """The digest of a configuration or policy file's content (None: no file)."""
    if path is None:
        return None
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "unreadable"
