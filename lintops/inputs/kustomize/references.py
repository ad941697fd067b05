"""Which kustomizations there are, which of them are roots, and which files a root pulls in.

Reading kustomization files is its own step because discovery needs it without rendering anything:
the roots decide what gets rendered, and the referenced files decide which plain manifests are
already covered by an overlay (and so are not linted a second time as plain files). The
kustomizations no root pulls in (:func:`unused_kustomizations`: a Component no overlay of the run
uses) own their referenced files just the same: a patch, a generator's file or a replacement is an
input of its kustomization, never a plain manifest, whether or not anything renders it
(:mod:`.unused` says what becomes of them).

It is also where the overlay is checked before kustomize reads it (:class:`UnsafeEntry`):
kustomize follows symbolic links, loads base directories from anywhere, and blocks on a named pipe.
Every file or directory a kustomization names (resources, bases, components, patches, replacements,
generator files and env files, configurations, crds, transformers, generators, validators, Helm
values files, the OpenAPI schema) must lead inside the linted root and be a regular file (or a
directory) within the size cap; a kustomization file that may not be read is refused the same way.
A base that is refused is never loaded, so nothing behind it is read either.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...model import Position, join_pointer
from ...parse.documents import ParsedFile
from ...parse.stream import parse_bytes
from ..files import UNCONFINED, LintedRoot, Refusal
from ..tree import KUSTOMIZATION_FILES
from .kustomization import Kustomization
from .remote import RemoteEntry, plugin_remote_entries, remote_entries, remote_form

RESOURCE_FIELDS = ("resources", "bases", "components")
_FILE_LIST_FIELDS = ("configurations", "crds", "transformers", "generators", "validators")


#: What reading is confined to: one root, the root of each directory (discovery below several given
#: paths), or nothing but the checks every read makes (None).
Within = LintedRoot | Callable[[Path], LintedRoot] | None


def _root(within: Within, directory: Path) -> LintedRoot:
    if within is None:
        return UNCONFINED
    return within if isinstance(within, LintedRoot) else within(directory)


def kustomization_file(directory: Path) -> Path | None:
    """The kustomization file of ``directory`` (the first of :data:`KUSTOMIZATION_FILES`), if any.

    Anything but a directory counts, so that a named pipe or a link out of the root is refused when
    it is read rather than passed over as "no kustomization here".
    """
    for name in KUSTOMIZATION_FILES:
        candidate = directory / name
        if os.path.lexists(candidate) and not candidate.is_dir():
            return candidate
    return None


def load_kustomization(directory: Path, cache: dict[Path, Kustomization | None],
                       within: Within = None) -> Kustomization | None:
    """The kustomization of ``directory`` (parsed once per real directory), if it has one.

    A kustomization file that may not be read (see :mod:`lintops.inputs.files`) is returned empty,
    with :attr:`Kustomization.refused` saying why.
    """
    directory = Path(os.path.realpath(directory))
    if directory in cache:
        return cache[directory]
    found = kustomization_file(directory)
    result = None
    if found is not None:
        raw = _root(within, directory).read(found)
        if isinstance(raw, Refusal):
            result = Kustomization(directory, found, ParsedFile(str(found), ""), {}, refused=raw)
        else:
            parsed = parse_bytes(raw, str(found))
            data = parsed.documents[0].data if parsed.documents else None
            result = Kustomization(directory, Path(os.path.realpath(found)), parsed,
                                   data if isinstance(data, dict) else {})
    cache[directory] = result
    return result


@dataclass(frozen=True)
class UnsafeEntry:
    """A file or directory a kustomization names that kustomize must not read (or its own file, refused).

    ``pointer`` is the entry in the kustomization (None: the kustomization file itself).
    """

    kustomization: Kustomization
    pointer: str | None
    entry: str
    refusal: Refusal

    @property
    def position(self) -> Position:
        return self.kustomization.position(self.pointer) if self.pointer is not None else Position(1, 1)

    @property
    def message(self) -> str:
        what = "kustomization file" if self.pointer is None else f"{self.pointer.split('/')[1]} entry {self.entry!r}"
        return f"{what} {self.refusal.detail}; kustomize would read it, so the overlay is not rendered"


@dataclass
class KustomizationTree:
    """Every kustomization a root pulls in, the root first (breadth first), its remote entries, and the
    entries kustomize must not read (:class:`UnsafeEntry`; the tree is not rendered when there are any)."""

    kustomizations: list[Kustomization] = field(default_factory=list)
    remote: list[RemoteEntry] = field(default_factory=list)
    unsafe: list[UnsafeEntry] = field(default_factory=list)


def walk_tree(root: Path, cache: dict[Path, Kustomization | None] | None = None,
              within: Within = None) -> KustomizationTree:
    """The kustomizations ``root`` pulls in through ``resources``, ``bases`` and ``components``.

    Every entry of each is checked against ``within`` (see :class:`UnsafeEntry`); a directory that is
    refused is not loaded. Directories named by ``transformers``, ``generators`` and ``validators``
    are kustomizations kustomize builds too: they are checked the same way, but are not part of
    :attr:`KustomizationTree.kustomizations`.
    """
    cache = {} if cache is None else cache
    tree = KustomizationTree()
    first = load_kustomization(root, cache, within)
    queue = [(first, True)] if first is not None else []
    seen = {first.directory} if first is not None else set()
    while queue:
        current, in_tree = queue.pop(0)
        if in_tree:
            tree.kustomizations.append(current)
        if current.refused is not None:
            tree.unsafe.append(UnsafeEntry(current, None, "", current.refused))
            continue
        tree.remote.extend(RemoteEntry(current, *found) for found in remote_entries(current))
        checked = _root(within, current.directory)
        tree.remote.extend(plugin_remote_entries(current, checked.read, not in_tree))
        for child in _bases(current, checked, tree.unsafe, cache, within):
            if child.directory not in seen:
                seen.add(child.directory)
                queue.append((child, in_tree))
        for child in _checked_file_entries(current, checked, tree.unsafe, cache, within):
            if child.directory not in seen:
                seen.add(child.directory)
                queue.append((child, False))
    return tree


def _bases(current: Kustomization, checked: LintedRoot, unsafe: list[UnsafeEntry],
           cache: dict[Path, Kustomization | None], within: Within) -> Iterator[Kustomization]:
    """The kustomizations of the local directories ``current`` lists under ``resources``, ``bases`` and
    ``components``; a directory ``checked`` refuses goes to ``unsafe`` and is not loaded."""
    for key in RESOURCE_FIELDS:
        for index, entry in current.items(key):
            if not isinstance(entry, str) or remote_form(entry, current.directory) is not None:
                continue  # a remote address is tried before a local directory of that name: never loaded
            target = current.directory / entry
            if not target.is_dir():
                continue
            refusal = checked.check_directory(target)
            if refusal is not None:
                unsafe.append(UnsafeEntry(current, join_pointer(f"/{key}", index), entry, refusal))
                continue
            child = load_kustomization(target, cache, within)
            if child is not None:
                yield child


def _checked_file_entries(current: Kustomization, checked: LintedRoot, unsafe: list[UnsafeEntry],
                          cache: dict[Path, Kustomization | None], within: Within) -> Iterator[Kustomization]:
    """Every file or directory entry of ``current`` checked (a refused one goes to ``unsafe``); the
    kustomizations of the directories kustomize builds from there (transformers, generators, ...)."""
    for pointer, entry, directory_allowed in _file_entries(current):
        if remote_form(entry, current.directory) is not None:
            continue  # refused as remote (tree.remote)
        target = current.directory / entry
        if not os.path.lexists(target):
            continue  # missing, or remote: kustomize (or the remote check) reports it
        if target.is_dir():
            if not directory_allowed or pointer.startswith(_RESOURCE_POINTERS):
                continue  # a file was expected (kustomize reports it), or a base already looked at
            refusal = checked.check_directory(target)
            child = load_kustomization(target, cache, within) if refusal is None else None
            if child is not None:
                yield child
        else:
            refusal = checked.check_file(target)
            if refusal is not None and refusal.reason == "missing":
                refusal = None  # a dangling link inside the root: kustomize reports it
        if refusal is not None:
            unsafe.append(UnsafeEntry(current, pointer, entry, refusal))


_RESOURCE_POINTERS = tuple(f"/{key}/" for key in RESOURCE_FIELDS)


def _file_entries(kustomization: Kustomization) -> Iterator[tuple[str, str, bool]]:
    """``(pointer, path, may be a directory)`` of every entry of ``kustomization`` that names a file or
    directory (inline patches and non-strings left out)."""
    for key in (*RESOURCE_FIELDS, *_FILE_LIST_FIELDS):
        for index, value in kustomization.items(key):
            yield from _entry(join_pointer(f"/{key}", index), value, True)
    for index, value in kustomization.items("patchesStrategicMerge"):
        yield from _entry(join_pointer("/patchesStrategicMerge", index), value)
    for key in ("patches", "patchesJson6902", "replacements"):
        for index, value in kustomization.items(key):
            if isinstance(value, dict):
                yield from _entry(join_pointer(f"/{key}", index, "path"), value.get("path"))
    yield from _generator_file_entries(kustomization)
    yield from _helm_values_entries(kustomization)
    for key, name in (("openapi", "path"), ("helmGlobals", "chartHome")):
        section = kustomization.data.get(key)
        if isinstance(section, dict):
            yield from _entry(join_pointer(f"/{key}", name), section.get(name), key == "helmGlobals")


def _entry(pointer: str, value: Any, directory: bool = False) -> Iterator[tuple[str, str, bool]]:
    """The entry, when ``value`` can name a path (a non-empty string of one line)."""
    if isinstance(value, str) and value and "\n" not in value:
        yield pointer, value, directory


def _generator_file_entries(kustomization: Kustomization) -> Iterator[tuple[str, str, bool]]:
    """The ``files``, ``envs`` and ``env`` of each ConfigMap and Secret generator (``key=path``: the path)."""
    for key in ("configMapGenerator", "secretGenerator"):
        for index, value in kustomization.items(key):
            if not isinstance(value, dict):
                continue
            for number, source in enumerate(value.get("files") or () if isinstance(value.get("files"), list) else ()):
                if isinstance(source, str):
                    yield from _entry(join_pointer(f"/{key}", index, "files", number), source.split("=", 1)[-1])
            for number, source in enumerate(value.get("envs") or () if isinstance(value.get("envs"), list) else ()):
                yield from _entry(join_pointer(f"/{key}", index, "envs", number), source)
            yield from _entry(join_pointer(f"/{key}", index, "env"), value.get("env"))


def _helm_values_entries(kustomization: Kustomization) -> Iterator[tuple[str, str, bool]]:
    """The ``valuesFile`` and ``additionalValuesFiles`` of each ``helmCharts`` entry."""
    for index, value in kustomization.items("helmCharts"):
        if isinstance(value, dict):
            yield from _entry(join_pointer("/helmCharts", index, "valuesFile"), value.get("valuesFile"))
            extra = value.get("additionalValuesFiles")
            for number, source in enumerate(extra if isinstance(extra, list) else ()):
                yield from _entry(join_pointer("/helmCharts", index, "additionalValuesFiles", number), source)


def find_roots(kustomization_dirs: Iterable[Path], configured: Iterable[Path] = (),
               within: Within = None, cache: dict[Path, Kustomization | None] | None = None) -> list[Path]:
    """The directories to render: the configured roots, else the overlays among ``kustomization_dirs``.

    An overlay is a kustomization that no other kustomization of the set refers to (through
    ``resources``, ``bases`` or ``components``). Components are never roots. The paths are returned
    as given, in sorted order. ``cache`` (see :func:`load_kustomization`) may be shared by calls with
    the same ``within``.
    """
    configured = list(dict.fromkeys(configured))
    if configured:
        return sorted(configured, key=lambda p: p.as_posix())
    cache = {} if cache is None else cache
    given = _given(kustomization_dirs)
    loaded = {real: load_kustomization(real, cache, within) for real in given}
    found = {real: k for real, k in loaded.items() if k is not None}
    roots = _tops(found, [real for real, k in found.items() if not k.is_component], cache, within)
    return sorted((given[real] for real in roots), key=lambda p: p.as_posix())


def unused_kustomizations(kustomization_dirs: Iterable[Path], roots: Iterable[Path], within: Within = None,
                          cache: dict[Path, Kustomization | None] | None = None) -> list[Path]:
    """The kustomizations of ``kustomization_dirs`` that no root pulls in, each named once through the
    topmost of them: a Component no overlay of the run uses (and what only it uses), or, with
    configured roots, a kustomization none of them reaches.

    Like :func:`find_roots` among those left over, Components included: one that another left-over
    kustomization refers to is reached through it (a Component listing another is linted once, as
    kustomize builds it); ones that only refer to each other in a cycle are named too. The paths are
    returned as given, in sorted order; ``cache`` as for :func:`find_roots`.
    """
    cache = {} if cache is None else cache
    reached: set[Path] = set()
    for root in roots:
        reached.update(k.directory for k in walk_tree(root, cache, within).kustomizations)
    given = {real: path for real, path in _given(kustomization_dirs).items() if real not in reached}
    loaded = {real: load_kustomization(real, cache, within) for real in given}
    found = {real: k for real, k in loaded.items() if k is not None}
    tops = _tops(found, list(found), cache, within)
    return sorted((given[real] for real in tops), key=lambda p: p.as_posix())


def _given(directories: Iterable[Path]) -> dict[Path, Path]:
    """Each real directory, and the path it was first given as."""
    given: dict[Path, Path] = {}
    for directory in directories:
        given.setdefault(Path(os.path.realpath(directory)), directory)
    return given


def _tops(loaded: dict[Path, Kustomization], candidates: list[Path], cache: dict[Path, Kustomization | None],
          within: Within) -> list[Path]:
    """The ``candidates`` no kustomization of ``loaded`` refers to, then, in sorted order, each candidate
    none of those pulls in (kustomizations that only refer to each other in a cycle: kustomize reports
    the cycle instead of the files going unlinted)."""
    referenced: set[Path] = set()
    for real, kustomization in loaded.items():
        for key in RESOURCE_FIELDS:
            for _, entry in kustomization.items(key):
                if isinstance(entry, str) and (real / entry).is_dir():
                    target = Path(os.path.realpath(real / entry))
                    if target != real:
                        referenced.add(target)
    tops = [real for real in candidates if real not in referenced]
    reached: set[Path] = set()
    for top in tops:
        reached.update(k.directory for k in walk_tree(top, cache, within).kustomizations)
    for real in sorted(candidates):
        if real not in reached:
            tops.append(real)
            reached.update(k.directory for k in walk_tree(real, cache, within).kustomizations)
    return tops


def referenced_files(root: Path, within: Within = None, charts: set[Path] | None = None) -> set[Path]:
    """Every file ``root`` pulls in (kustomization files, resources, patches, generator sources, ...).

    Bases and components are followed recursively (those ``within`` refuses are not). Paths are
    absolute and real (``os.path.realpath``); remote entries and inline patches are not files and are
    left out. Entries kustomize must not read (a named pipe, a link out of the root) are included:
    they are reported at the kustomization entry, not a second time as plain files. The ``crds/``
    files a ``helmCharts`` entry includes (``includeCRDs``) are files the root pulls in too; the chart
    directories its entries inflate are added to ``charts`` when it is given.
    """
    files: set[Path] = set()
    tree = walk_tree(root, within=within)
    for kustomization in tree.kustomizations:
        files.add(Path(os.path.realpath(kustomization.file)))
        if kustomization.items("helmCharts"):
            from .helm_entries import inflated

            inflated_charts, crds = inflated(kustomization)
            files.update(crds)
            if charts is not None:
                charts.update(inflated_charts)
        for _, entry, _ in _file_entries(kustomization):
            path = kustomization.directory / entry
            if os.path.lexists(path) and not path.is_dir():
                files.add(Path(os.path.realpath(path)))
    return files | {Path(os.path.realpath(u.kustomization.directory / u.entry)) for u in tree.unsafe if u.pointer}
