"""Which Kubernetes API versions are deprecated, or no longer served, for a target release.

The facts are data, not code: ``schemas/api-lifecycle.yaml`` lists every (apiVersion, kind) that the
Kubernetes "Deprecated API Migration Guide" names, with the release that deprecated it, the release
that stopped serving it and what to use instead. This module reads that table once, on first use, and
answers two questions for a target release such as ``"1.18"``:

* :meth:`ApiStatus.removed`: the API server of that release does not serve the version at all, so
  ``kubectl apply`` fails (``extensions/v1beta1`` Deployment on 1.16 and later);
* :meth:`ApiStatus.deprecated`: still served, but already deprecated and due to go
  (``extensions/v1beta1`` Ingress on 1.14 to 1.21).

Releases compare as numbers, never as text: 1.9 comes before 1.16.

A version that is served and not deprecated at the target gets no verdict at all: ``batch/v1beta1``
CronJob on 1.18 is the only CronJob API there is (``batch/v1`` came in 1.21), so it is fine there.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ... import install_cache
from ...data import data_dir
from ...lazy_pattern import lazy

__all__ = [
    "DATA_FILE",
    "ApiStatus",
    "TableError",
    "assess",
    "data_path",
    "deprecated_message",
    "entries",
    "load",
    "lookup",
    "parse_version",
    "removed_message",
]

#: File name of the table inside the schemas directory.
DATA_FILE = "api-lifecycle.yaml"

# "1.18", "v1.18", "1.18.3", "v1.18.3-gke.100", "1.21.5+k3s1": only major and minor matter.
_VERSION = lazy(r"^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+][0-9A-Za-z.+-]*)?$")

_VERSION_FIELDS = ("deprecated_in", "removed_in", "replacement_since")
_TEXT_FIELDS = ("replacement", "replacement_kind", "interim_replacement", "notes")
_ALLOWED_KEYS = frozenset({"apiVersion", "kind", *_VERSION_FIELDS, *_TEXT_FIELDS})


def parse_version(text: str) -> tuple[int, int]:
    """``"1.18"`` (also ``"v1.18"``, ``"1.18.3"``) as ``(1, 18)``, for numeric comparison.

    Raises :class:`ValueError` for a malformed string and :class:`TypeError` for a non-string, such
    as the float ``1.1`` that an unquoted ``1.10`` becomes in YAML.
    """
    if not isinstance(text, str):
        raise TypeError(f"not a Kubernetes release: {text!r} (write it as a string, e.g. '1.18')")
    match = _VERSION.match(text.strip())
    if match is None:
        raise ValueError(f"not a Kubernetes release: {text!r} (expected MAJOR.MINOR, e.g. 1.18)")
    return int(match.group(1)), int(match.group(2))


class TableError(ValueError):
    """The lifecycle table is malformed; the message names the file and the entry."""


def _display(target: str) -> str:
    major, minor = parse_version(target)
    return f"{major}.{minor}"


@dataclass(frozen=True)
class ApiStatus:
    """The lifecycle of one (apiVersion, kind), as the table states it.

    ``deprecated_in`` / ``removed_in`` are ``"MAJOR.MINOR"`` strings or ``None`` (not known / never).
    ``replacement`` is the apiVersion to migrate to, ``None`` when there is none (then ``notes`` says
    what to do instead). The three trailing fields refine the advice for old clusters:
    ``replacement_kind`` when the replacement is another kind, ``replacement_since`` the first release
    serving the replacement, ``interim_replacement`` what to use on a release older than that.
    """

    api_version: str
    kind: str
    deprecated_in: str | None
    removed_in: str | None
    replacement: str | None
    notes: str | None
    replacement_kind: str | None = None
    replacement_since: str | None = None
    interim_replacement: str | None = None

    def removed(self, target: str) -> bool:
        """True when Kubernetes ``target`` no longer serves this API version."""
        return self.removed_in is not None and parse_version(target) >= parse_version(self.removed_in)

    def deprecated(self, target: str) -> bool:
        """True when deprecated at or before ``target`` and still served by ``target``."""
        if self.deprecated_in is None or self.removed(target):
            return False
        return parse_version(target) >= parse_version(self.deprecated_in)

    def advice(self, target: str) -> str:
        """What to do instead, for a cluster running ``target``."""
        if self.replacement is None:
            return self.notes or "there is no replacement API"
        new = f"{self.replacement} {self.replacement_kind}" if self.replacement_kind else self.replacement
        since = self.replacement_since
        if since is not None and parse_version(target) < parse_version(since):
            if self.interim_replacement:
                return f"use {self.interim_replacement} (then {new} from {since})"
            return f"use {new} once the cluster runs {since} or later"
        return f"use {new}"


def removed_message(status: ApiStatus, target: str) -> str:
    """E.g. ``extensions/v1beta1 Deployment is not served by Kubernetes 1.18 (removed in 1.16); use apps/v1``."""
    text = f"{status.api_version} {status.kind} is not served by Kubernetes {_display(target)}"
    if status.removed_in is not None:
        text += f" (removed in {status.removed_in})"
    return f"{text}; {status.advice(target)}"


def deprecated_message(status: ApiStatus, target: str) -> str:
    """E.g. ``batch/v1beta1 CronJob is deprecated since 1.21 and removed in 1.25; use batch/v1``."""
    text = f"{status.api_version} {status.kind} is deprecated"
    if status.deprecated_in is not None:
        text += f" since {status.deprecated_in}"
    if status.removed_in is not None:
        text += f" and removed in {status.removed_in}"
    return f"{text}; {status.advice(target)}"


def lookup(api_version: str, kind: str) -> ApiStatus | None:
    """The table's entry for ``(api_version, kind)``; ``None`` when the table does not list it."""
    return _table().get((api_version, kind))


def assess(api_version: str, kind: str, target: str) -> tuple[str, str] | None:
    """``("removed", message)``, ``("deprecated", message)`` or ``None`` for an object at ``target``."""
    status = lookup(api_version, kind)
    if status is None:
        return None
    if status.removed(target):
        return "removed", removed_message(status, target)
    if status.deprecated(target):
        return "deprecated", deprecated_message(status, target)
    return None


def entries() -> tuple[ApiStatus, ...]:
    """Every entry of the table, in file order."""
    return tuple(_table().values())


def data_path() -> Path:
    """Where the table is: ``schemas/`` of this installation (:func:`lintops.data.data_dir`)."""
    path = data_dir("schemas") / DATA_FILE
    if not path.is_file():
        raise FileNotFoundError(f"API lifecycle table {DATA_FILE} not found (tried {path})")
    return path


@lru_cache(maxsize=1)
def _table() -> dict[tuple[str, str], ApiStatus]:
    """The table, from the checked copy beside the package's bytecode when it has this file's key.

    Parsing the YAML and checking every entry cost each one-file run about 5 ms, to learn the same answer;
    the checked entries are kept as JSON in ``lintops/__pycache__/`` (data, never code, in the installation
    the linted repository cannot write, as lintops.catalog_cache keeps the rules), keyed by the lintops
    version, this module's size and time and the table's bytes. A copy that cannot be read, has another key
    or another shape is ignored and written again; a directory that cannot be written means reading the YAML."""
    path = data_path()
    key = _cache_key(path.read_bytes())
    cached = _read_cache(key)
    if cached is not None:
        return cached
    table = load(path)
    apis = [{name: getattr(status, name) for name in _FIELDS} for status in table.values()]
    install_cache.write(_CACHE_PREFIX, key, {"apis": apis})
    return table


_CACHE_PREFIX = "api-lifecycle-"
_FIELDS = ("api_version", "kind", "deprecated_in", "removed_in", "replacement", "notes", "replacement_kind",
           "replacement_since", "interim_replacement")


def _cache_key(content: bytes) -> str:
    import hashlib

    from ... import __version__

    stat = Path(__file__).stat()
    digest = hashlib.sha256(f"1\0{__version__}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    digest.update(content)
    return digest.hexdigest()


def _read_cache(key: str) -> dict[tuple[str, str], ApiStatus] | None:
    data = install_cache.read(_CACHE_PREFIX, key)
    if data is None or not isinstance(data.get("apis"), list):
        return None
    table = {}
    for item in data["apis"]:
        if (not isinstance(item, dict) or set(item) != set(_FIELDS)
                or not all(value is None or isinstance(value, str) for value in item.values())):
            return None
        status = ApiStatus(**item)
        table[(status.api_version, status.kind)] = status
    return table if len(table) == len(data["apis"]) else None


def load(path: Path) -> dict[tuple[str, str], ApiStatus]:
    """Read and check a lifecycle table; raises :class:`TableError` naming the bad entry."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=yaml.CSafeLoader)
    if not isinstance(data, dict) or not isinstance(data.get("apis"), list):
        raise TableError(f"{path}: expected a mapping with an 'apis' list")
    table: dict[tuple[str, str], ApiStatus] = {}
    for index, raw in enumerate(data["apis"]):
        status = _entry(raw, f"{path}: apis[{index}]")
        key = (status.api_version, status.kind)
        if key in table:
            raise TableError(f"{path}: apis[{index}]: duplicate entry for {status.api_version} {status.kind}")
        table[key] = status
    return table


def _entry(raw: Any, where: str) -> ApiStatus:
    if not isinstance(raw, dict):
        raise TableError(f"{where}: expected a mapping")
    unknown = sorted(str(key) for key in raw if key not in _ALLOWED_KEYS)
    if unknown:
        raise TableError(f"{where}: unknown field(s) {', '.join(unknown)}")
    for key in ("apiVersion", "kind"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise TableError(f"{where}: '{key}' must be a non-empty string")
    where = f"{where} ({raw['apiVersion']} {raw['kind']})"
    for key in _VERSION_FIELDS:
        value = raw.get(key)
        if value is not None:
            try:
                parse_version(value)
            except (TypeError, ValueError) as exc:
                raise TableError(f"{where}: {key}: {exc}") from None
    for key in _TEXT_FIELDS:
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            raise TableError(f"{where}: '{key}' must be a string or null")
    deprecated_in, removed_in = raw.get("deprecated_in"), raw.get("removed_in")
    if deprecated_in is None and removed_in is None:
        raise TableError(f"{where}: needs deprecated_in or removed_in")
    if deprecated_in and removed_in and parse_version(deprecated_in) > parse_version(removed_in):
        raise TableError(f"{where}: deprecated_in {deprecated_in} is after removed_in {removed_in}")
    if raw.get("replacement") is None:
        if not raw.get("notes"):
            raise TableError(f"{where}: an entry without replacement must say why in 'notes'")
        if raw.get("replacement_kind") or raw.get("replacement_since") or raw.get("interim_replacement"):
            raise TableError(f"{where}: replacement details given without a replacement")
    return ApiStatus(
        api_version=raw["apiVersion"],
        kind=raw["kind"],
        deprecated_in=deprecated_in,
        removed_in=removed_in,
        replacement=raw.get("replacement"),
        notes=raw.get("notes"),
        replacement_kind=raw.get("replacement_kind"),
        replacement_since=raw.get("replacement_since"),
        interim_replacement=raw.get("interim_replacement"),
    )
