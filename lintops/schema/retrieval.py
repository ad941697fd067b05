"""What a JSON Schema validator library may retrieve while it compiles or validates: the reference policy.

jsonschema-rs and python-jsonschema (through ``referencing``) resolve what a schema names: by default
they send a GET for an ``http(s)`` ``$ref`` or an unknown ``$schema`` and read any ``file://`` path, whose
content then shows in their messages. The static guard (:func:`lintops.schema.refs.foreign_references`)
refuses such references before anything is compiled; the hooks here plug into the libraries' own
retrieval (jsonschema-rs' ``retriever=``/``registry=``, referencing's ``retrieve``), so that whatever
the guard let through, the libraries fetch nothing and read only regular files inside the root a caller
names (none, unless it names one), whatever their defaults are. What they may have: the JSON Schema
meta-schemas and vocabularies they bundle (:mod:`lintops.schema.dialects`), those files, and for a
chart's values schema the resources Helm's library resolves without fetching.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from .dialects import helm_resource, is_bundled, is_urn

__all__ = [
    "MAX_REFERENCED_BYTES",
    "ReferenceRefused",
    "file_path",
    "inside",
    "python_registry",
    "refuse_retrieval",
    "rust_registry",
    "rust_retriever",
]

#: The largest file inside the root a reference may load.
MAX_REFERENCED_BYTES = 4 * 1024 * 1024


class ReferenceRefused(Exception):
    """A validator library asked for a resource it may not have; the message says which and why."""


def refuse_retrieval(uri: str) -> Any:
    """A retriever for jsonschema-rs that retrieves nothing (a schema that may refer only into itself)."""
    raise ReferenceRefused(f"{uri} is not fetched or read: lintops resolves references only within the schema")


def rust_retriever(root: Path | None = None, base_uri: str = "") -> Callable[[str], Any]:
    """A jsonschema-rs ``retriever``: the bundled meta-schemas, and regular files inside ``root``; nothing else."""
    def retrieve(uri: str) -> Any:
        return _retrieve(uri, root, base_uri)

    return retrieve if root is not None else refuse_retrieval


@cache
def rust_registry() -> Any:
    """A jsonschema-rs ``Registry`` whose retriever refuses everything, for ``jsonschema_rs.meta.validate``
    (made once, on first use).

    ``meta.validate`` takes no retriever of its own and fetches an unknown ``$schema`` without one.
    """
    import jsonschema_rs

    return jsonschema_rs.Registry([], retriever=refuse_retrieval)


def python_registry(root: Path | None = None, base_uri: str = "", default_dialect: str | None = None,
                    helm: bool = False, document: Any = None) -> Any:
    """A ``referencing.Registry`` for python-jsonschema (``Validator(schema, registry=...)``): the libraries'
    bundled meta-schemas are added by jsonschema itself; this one retrieves regular files inside ``root``
    and nothing else. A relative URI (a schema without ``$id`` resolves against ``""``) is taken relative to
    ``base_uri``; ``default_dialect`` is the draft of a retrieved file that names none. ``helm``: the
    meta-schemas are those Helm's library resolves (``http://json-schema.org/schema`` is 2020-12), an
    unresolved ``urn:`` is the schema ``true``, as Helm has it, and ``document`` (the values schema itself)
    is what ``base_uri`` names (Helm's ``file:///values.schema.json``: ``values.schema.json#/$defs/x``
    refers to the schema itself there)."""
    from referencing import Registry, Resource
    from referencing.exceptions import NoSuchResource
    from referencing.jsonschema import DRAFT7, specification_with

    specification = specification_with(default_dialect, default=DRAFT7) if default_dialect else DRAFT7

    def retrieve(uri: str) -> Any:
        try:
            contents = _retrieve(uri, root, base_uri, helm, document)
        except ReferenceRefused:
            raise NoSuchResource(ref=uri) from None
        return Resource.from_contents(contents, default_specification=specification)

    return Registry(retrieve=retrieve)  # type: ignore[call-arg]


def _retrieve(uri: str, root: Path | None, base_uri: str, helm: bool = False, document: Any = None) -> Any:
    try:
        target = urldefrag(urljoin(base_uri, uri))[0]
        urlsplit(target)
    except ValueError:
        raise ReferenceRefused(f"{uri[:200]!r} is not a URI reference") from None
    bundled = is_bundled(target)
    if document is not None and base_uri and target == urldefrag(base_uri)[0]:
        return document
    if helm:
        if is_urn(target):
            return True  # Helm's loader: an unresolved URN is the schema that allows anything
        known = helm_resource(target)
        bundled, target = known is not None, urldefrag(known)[0] if known is not None else target
    if bundled:
        from jsonschema_specifications import REGISTRY

        for spelling in (target, target.replace("https://", "http://", 1), target.replace("http://", "https://", 1)):
            try:
                return REGISTRY.contents(spelling)
            except Exception:  # the other spelling, then
                continue
    parts = urlsplit(target)
    if root is None or parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        raise ReferenceRefused(f"{target} is not fetched or read")
    return _read_inside(target, root)


def _read_inside(target: str, root: Path) -> Any:
    """The JSON of the regular file ``target`` (a ``file:`` URL) names, if it is inside ``root`` and small."""
    path = file_path(target)
    if not inside(path, root):
        raise ReferenceRefused(f"{target} is outside {root}")
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise ReferenceRefused(f"{target} is not a regular file")
        if info.st_size > MAX_REFERENCED_BYTES:
            raise ReferenceRefused(f"{target} is larger than {MAX_REFERENCED_BYTES} bytes")
        with open(path, "rb") as handle:
            data = handle.read(MAX_REFERENCED_BYTES + 1)
    except OSError as exc:
        raise ReferenceRefused(f"{target} cannot be read: {exc.strerror or exc}") from None
    if len(data) > MAX_REFERENCED_BYTES:
        raise ReferenceRefused(f"{target} is larger than {MAX_REFERENCED_BYTES} bytes")
    try:
        return json.loads(data)
    except ValueError as exc:
        raise ReferenceRefused(f"{target} is not JSON: {exc}") from None


def file_path(uri: str) -> Path:
    """The local path a ``file:`` URL names."""
    parts = urlsplit(uri)
    return Path(unquote(parts.path))


def inside(path: Path, root: Path) -> bool:
    """Whether ``path``, symbolic links resolved, is inside ``root`` (also resolved)."""
    try:
        return Path(os.path.realpath(path)).is_relative_to(Path(os.path.realpath(root)))
    except (OSError, ValueError):
        return False
