"""One Kubernetes version's schema data: its index (apiVersion -> kind -> definition) and its definitions.

The bundle (written by ``scripts/generate_schemas.py``; ``schemas/README.md`` describes it) stores each
distinct definition once for all versions, content-addressed:

- ``schemas/kubernetes/definitions.jsonl``: every distinct compact definition, one JSON value a line;
- ``schemas/kubernetes/v1.N.json``: that version's ``kinds`` (apiVersion -> kind -> definition name) and
  ``definitions`` (definition name -> line of ``definitions.jsonl``), plus where the data came from.

Reading a version reads its small ``v1.N.json`` only; a definition is parsed from its line when a kind
that reaches it is first validated (a Deployment reaches about 100 of 600 to 860), so the cost of a run
grows with the kinds it meets, not with the number of versions shipped. Several versions can be loaded in
one run: each is loaded once per process, and they share the parsed definitions they have in common.

A version from an installed ``kubernetes-validate`` (see :mod:`.versions`) is read whole and compacted by
the same code as the generator uses (:mod:`.compact`), in either layout.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ...errors import LintopsError
from . import versions as _versions
from .compact import compact_definitions, definitions_of, index_definitions

__all__ = ["POOL_FILE", "SchemaDataError", "VersionData", "load"]

#: File name of the shared definitions, next to the ``v1.N.json`` files.
POOL_FILE = "definitions.jsonl"


class SchemaDataError(LintopsError, ValueError):
    """A version's schema data cannot be read; the message names the version, the file and the reason."""


class _Pool:
    """The lines of ``definitions.jsonl``, parsed one by one on first use and shared by every version."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lines: list[bytes] | None = None
        self._parsed: dict[int, Any] = {}

    def get(self, line: int) -> Any:
        parsed = self._parsed.get(line)
        if parsed is None:
            if self._lines is None:
                with open(self.path, "rb") as handle:
                    self._lines = handle.read().split(b"\n")
            parsed = self._parsed[line] = json.loads(self._lines[line])
        return parsed


class _LazyDefinitions(Mapping):
    """definition name -> compact definition, each parsed from the pool when first asked for.

    Callers treat the definitions as read-only (the schema builder copies what it changes): one parsed
    object serves every version that shares it."""

    def __init__(self, lines: dict[str, int], pool: _Pool) -> None:
        self._lines = lines
        self._pool = pool

    def __getitem__(self, name: str) -> Any:
        return self._pool.get(self._lines[name])

    def __contains__(self, name: object) -> bool:
        return name in self._lines

    def __iter__(self) -> Iterator[str]:
        return iter(self._lines)

    def __len__(self) -> int:
        return len(self._lines)


class VersionData:
    """The index and the definitions of one Kubernetes version."""

    def __init__(self, version: str, origin: str, path: Path, kinds: dict[str, dict[str, str]],
                 definitions: Mapping[str, Any], source: Any = None) -> None:
        self.version = version
        self.origin = origin
        self.path = path
        self.kinds = kinds
        self.definitions = definitions
        self.source = source

    @property
    def index(self) -> dict[str, dict[str, str]]:
        """apiVersion -> kind -> definition name (the name the store has always used)."""
        return self.kinds

    def lookup(self, api_version: str, kind: str) -> str | None:
        """The definition name of ``api_version`` ``kind``, or None when this version has no such kind."""
        return self.kinds.get(api_version, {}).get(kind)


_LOADED: dict[str, VersionData] = {}
_POOLS: dict[Path, _Pool] = {}


def load(version: str) -> VersionData:
    """The data of ``version`` (a minor version with data, see :func:`.versions.sources`), loaded once.

    Raises :class:`SchemaDataError` when its files cannot be read, and ``KeyError`` for a version
    without data (resolve the target with :func:`.versions.resolve` first)."""
    data = _LOADED.get(version)
    if data is None:
        source = _versions.sources()[version]
        try:
            read = _load_bundled if source.origin == _versions.BUNDLED else _load_kubernetes_validate
            data = read(source)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
            raise SchemaDataError(
                f"the schemas of Kubernetes {version} cannot be read from {source.path}: {reason}"
            ) from None
        _LOADED[version] = data
    return data


def _load_bundled(source: _versions.Source) -> VersionData:
    with open(source.path, "rb") as handle:
        manifest = json.loads(handle.read())
    kinds, lines = manifest["kinds"], manifest["definitions"]
    if not isinstance(kinds, dict) or not isinstance(lines, dict):
        raise ValueError("'kinds' and 'definitions' must be objects")
    pool_path = source.path.parent / POOL_FILE
    if not pool_path.is_file():
        raise ValueError(f"{POOL_FILE} is missing")
    pool = _POOLS.get(pool_path)
    if pool is None:
        pool = _POOLS[pool_path] = _Pool(pool_path)
    return VersionData(source.version, source.origin, source.path, kinds, _LazyDefinitions(lines, pool),
                       manifest.get("source"))


def _load_kubernetes_validate(source: _versions.Source) -> VersionData:
    with open(source.path, "rb") as handle:
        raw = definitions_of(json.loads(handle.read()))
    return VersionData(source.version, source.origin, source.path, index_definitions(raw),
                       compact_definitions(raw), {"package": "kubernetes-validate (installed)"})


def reset() -> None:
    """Forget every loaded version (tests that change the sources at run time)."""
    _LOADED.clear()
    _POOLS.clear()
