"""Which kustomizations there are, which of them are roots, and which files a root pulls in.

Reading kustomization files is its own step because discovery needs it without rendering anything:
the roots decide what gets rendered, and the referenced files decide which plain manifests are
already covered by an overlay (and so are not linted a second time as plain files).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...model import Position
from ...yaml_source import ParsedDocument, ParsedFile, parse_bytes

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
RESOURCE_FIELDS = ("resources", "bases", "components")
_FILE_LIST_FIELDS = ("configurations", "crds", "transformers", "generators", "validators")


def kustomization_file(directory: Path) -> Path | None:
    """The kustomization file of ``directory`` (the first of :data:`KUSTOMIZATION_NAMES`), if any."""
    for name in KUSTOMIZATION_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


@dataclass(eq=False)
class Kustomization:
    """One parsed kustomization file; the data is ``{}`` when the file holds no mapping."""

    directory: Path  # real path
    file: Path  # real path
    parsed: ParsedFile
    data: dict[str, Any]

    @property
    def document(self) -> ParsedDocument | None:
        return self.parsed.documents[0] if self.parsed.documents else None

    @property
    def is_component(self) -> bool:
        return self.data.get("kind") == "Component"

    def items(self, key: str) -> list[tuple[int, Any]]:
        value = self.data.get(key)
        return list(enumerate(value)) if isinstance(value, list) else []

    def position(self, pointer: str, at_key: bool = False) -> Position:
        document = self.document
        return document.position(pointer, at_key) if document is not None else Position(1, 1)


def load_kustomization(directory: Path, cache: dict[Path, Kustomization | None]) -> Kustomization | None:
    """The kustomization of ``directory`` (parsed once per real directory), if it has one."""
    directory = Path(os.path.realpath(directory))
    if directory in cache:
        return cache[directory]
    found = kustomization_file(directory)
    result = None
    if found is not None:
        try:
            parsed = parse_bytes(found.read_bytes(), str(found))
        except OSError:
            parsed = None
        if parsed is not None:
            data = parsed.documents[0].data if parsed.documents else None
            result = Kustomization(directory, Path(os.path.realpath(found)), parsed,
                                   data if isinstance(data, dict) else {})
    cache[directory] = result
    return result


_GIT_HOSTS = frozenset({"github.com", "gitlab.com", "bitbucket.org", "dev.azure.com", "ssh.dev.azure.com"})


def _looks_remote(entry: str) -> bool:
    """A URL, a git address or a kustomize remote target (``host/org/repo//dir?ref=v1``)."""
    if "://" in entry or entry.startswith("git@") or "?ref=" in entry or "?version=" in entry:
        return True
    first = entry.split("/", 1)[0]
    return first in _GIT_HOSTS or ("//" in entry and "." in first and not first.startswith("."))


@dataclass
class KustomizationTree:
    """Every kustomization a root pulls in, the root first (breadth first), and its remote entries."""

    kustomizations: list[Kustomization] = field(default_factory=list)
    remote: list[tuple[Kustomization, str, int, str]] = field(default_factory=list)


def walk_tree(root: Path, cache: dict[Path, Kustomization | None] | None = None) -> KustomizationTree:
    """The kustomizations ``root`` pulls in through ``resources``, ``bases`` and ``components``."""
    cache = {} if cache is None else cache
    tree = KustomizationTree()
    first = load_kustomization(root, cache)
    queue = [first] if first is not None else []
    seen = {first.directory} if first is not None else set()
    while queue:
        current = queue.pop(0)
        tree.kustomizations.append(current)
        for key in RESOURCE_FIELDS:
            for index, entry in current.items(key):
                if not isinstance(entry, str):
                    continue
                target = current.directory / entry
                if target.is_dir():
                    child = load_kustomization(target, cache)
                    if child is not None and child.directory not in seen:
                        seen.add(child.directory)
                        queue.append(child)
                elif not target.exists() and _looks_remote(entry):
                    tree.remote.append((current, key, index, entry))
    return tree


def find_roots(kustomization_dirs: Iterable[Path], configured: Iterable[Path] = ()) -> list[Path]:
    """The directories to render: the configured roots, else the overlays among ``kustomization_dirs``.

    An overlay is a kustomization that no other kustomization of the set refers to (through
    ``resources``, ``bases`` or ``components``). Components are never roots. The paths are returned
    as given, in sorted order.
    """
    configured = list(dict.fromkeys(configured))
    if configured:
        return sorted(configured, key=lambda p: p.as_posix())
    cache: dict[Path, Kustomization | None] = {}
    given: dict[Path, Path] = {}
    for directory in kustomization_dirs:
        given.setdefault(Path(os.path.realpath(directory)), directory)
    referenced: set[Path] = set()
    loaded = {real: load_kustomization(real, cache) for real in given}
    for real, kustomization in loaded.items():
        if kustomization is None:
            continue
        for key in RESOURCE_FIELDS:
            for _, entry in kustomization.items(key):
                if isinstance(entry, str) and (real / entry).is_dir():
                    target = Path(os.path.realpath(real / entry))
                    if target != real:
                        referenced.add(target)
    candidates = [real for real, k in loaded.items() if k is not None and not k.is_component]
    roots = [real for real in candidates if real not in referenced]
    reached: set[Path] = set()
    for root in roots:
        reached.update(k.directory for k in walk_tree(root, cache).kustomizations)
    for real in sorted(candidates):  # cycles: nobody is unreferenced, render them anyway
        if real not in reached:
            roots.append(real)
            reached.update(k.directory for k in walk_tree(real, cache).kustomizations)
    return sorted((given[real] for real in roots), key=lambda p: p.as_posix())


def referenced_files(root: Path) -> set[Path]:
    """Every file ``root`` pulls in (kustomization files, resources, patches, generator sources, ...).

    Bases and components are followed recursively. Paths are absolute and resolved (``Path.resolve``);
    remote entries and inline patches are not files and are left out.
    """
    files: set[Path] = set()

    def add(directory: Path, entry: Any) -> None:
        if isinstance(entry, str) and entry and "\n" not in entry:
            path = directory / entry
            if path.is_file():
                files.add(path.resolve())

    for kustomization in walk_tree(root).kustomizations:
        directory = kustomization.directory
        files.add(kustomization.file.resolve())
        for key in (*RESOURCE_FIELDS, *_FILE_LIST_FIELDS, "patchesStrategicMerge"):
            for _, entry in kustomization.items(key):
                add(directory, entry)
        for key in ("patches", "patchesJson6902", "replacements"):
            for _, entry in kustomization.items(key):
                if isinstance(entry, dict):
                    add(directory, entry.get("path"))
        for key in ("configMapGenerator", "secretGenerator"):
            for _, entry in kustomization.items(key):
                if not isinstance(entry, dict):
                    continue
                for source in entry.get("files") or []:
                    if isinstance(source, str):
                        add(directory, source.split("=", 1)[-1])
                for source in entry.get("envs") or []:
                    add(directory, source)
                add(directory, entry.get("env"))
        for _, entry in kustomization.items("helmCharts"):
            if isinstance(entry, dict):
                add(directory, entry.get("valuesFile"))
        openapi = kustomization.data.get("openapi")
        if isinstance(openapi, dict):
            add(directory, openapi.get("path"))
    return files
