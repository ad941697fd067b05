"""Where a JSON Schema from the linted tree may point: into itself, at a bundled meta-schema, or at a file of the root.

A chart's ``values.schema.json``, a repository rule's ``json-schema`` parameters and a CRD found among
the inputs are the tree author's, and the validator libraries resolve what such a schema names: by
default jsonschema-rs and python-jsonschema (through ``referencing``) send a GET for an ``http(s)``
``$ref`` or for an unknown ``$schema``, and read any ``file://`` path, whose content then shows in
the messages (an ``enum`` is quoted back). Two guards, so that neither alone has to be perfect:

- :func:`foreign_references` looks, before anything is compiled, at every ``$ref``, ``$dynamicRef``,
  ``$recursiveRef`` and ``$schema`` of the schema, resolved against the base URIs its ``$id``/``id``
  set, exactly where a library would look; each one that would leave is returned with its JSON
  pointer, so that the finding stands at that key of the schema file;
- :func:`refuse_retrieval`, :func:`rust_registry`, :func:`python_registry` plug into the libraries'
  own retrieval hooks (jsonschema-rs' ``retriever=``/``registry=``, referencing's ``retrieve``), so that
  whatever the first guard let through, the libraries fetch nothing and read only files inside the
  allowed root, whatever their defaults are.

What may be referenced: the schema itself and the resources embedded in it (``#...``, or a URI one of
its ``$id`` declares); the JSON Schema meta-schemas both libraries bundle (drafts 3, 4, 6, 7, 2019-09,
2020-12, and their vocabularies); and, only where the caller names a root (a chart's directory),
regular files inside it. An ``$id`` itself only names; it is what is resolved against it that counts.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

__all__ = [
    "MAX_REFERENCED_BYTES",
    "META_SCHEMAS",
    "ForeignReference",
    "PositionedProblem",
    "ReferenceRefused",
    "crd_reference_problems",
    "foreign_references",
    "python_registry",
    "refuse_retrieval",
    "rust_registry",
    "rust_retriever",
]

#: The meta-schema identifiers of the drafts (``$schema`` values) the libraries know without fetching.
META_SCHEMAS = (
    "http://json-schema.org/draft-03/schema#",
    "http://json-schema.org/draft-04/schema#",
    "http://json-schema.org/draft-06/schema#",
    "http://json-schema.org/draft-07/schema#",
    "https://json-schema.org/draft/2019-09/schema",
    "https://json-schema.org/draft/2020-12/schema",
)
#: Every resource the libraries bundle (the meta-schemas and the 2019-09 and 2020-12 vocabularies).
_BUNDLED = frozenset({
    *(uri.rstrip("#") for uri in META_SCHEMAS),
    *(f"https://json-schema.org/draft/2019-09/meta/{name}"
      for name in ("applicator", "content", "core", "format", "meta-data", "validation")),
    *(f"https://json-schema.org/draft/2020-12/meta/{name}"
      for name in ("applicator", "content", "core", "format-annotation", "format-assertion", "meta-data",
                   "unevaluated", "validation")),
})
#: The largest file inside the root a reference may load.
MAX_REFERENCED_BYTES = 4 * 1024 * 1024
_REFERENCES = ("$ref", "$dynamicRef", "$recursiveRef")
_IDS = ("$id", "id")
#: Keywords whose values are instance data, never subschemas: a ``$ref`` inside is no reference.
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples", "example"})
#: Keywords whose values map names (property names, definition names) to subschemas.
_NAMED_SCHEMAS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas",
                            "dependencies"})


def _normalised(uri: str) -> str:
    """``uri`` as compared with the bundled identifiers: no fragment, scheme and host lower case, http = https."""
    base = urldefrag(uri.strip())[0]
    parts = urlsplit(base)
    if parts.scheme.lower() not in ("http", "https"):
        return base
    return f"https://{parts.netloc.lower()}{parts.path}"


_BUNDLED_NORMALISED = frozenset(_normalised(uri) for uri in _BUNDLED)


def is_bundled(uri: str) -> bool:
    """Whether ``uri`` names a meta-schema or vocabulary the validator libraries carry (no fetch needed)."""
    return _normalised(uri) in _BUNDLED_NORMALISED


class ForeignReference:
    """A reference keyword of a schema that would make a library fetch or read something it may not.

    (A plain class: this module is imported whenever a rule's schema compiles, and a dataclass costs
    more to create than everything else here.)
    """

    __slots__ = ("keyword", "pointer", "reason", "value")

    def __init__(self, pointer: str, keyword: str, value: str, reason: str) -> None:
        #: JSON pointer of the keyword inside the schema document (``/properties/image/$ref``).
        self.pointer = pointer
        self.keyword = keyword
        self.value = value
        #: Why it may not be followed (``"is an http URL"``).
        self.reason = reason

    def __repr__(self) -> str:
        return f"ForeignReference({self.pointer!r}, {self.keyword!r}, {self.value!r}, {self.reason!r})"

    def message(self, allowed: str = "the JSON Schema drafts lintops bundles") -> str:
        """What is wrong, quoting the reference with any credential written into it masked."""
        from .redact import mask_url_credentials

        shown = json.dumps(self.value[:200] + ("..." if len(self.value) > 200 else ""))
        return mask_url_credentials(f"'{self.keyword}' {shown} {self.reason}; lintops resolves JSON Schema "
                                    f"references only within the schema, to {allowed}, and never fetches or reads "
                                    f"anything else")


def foreign_references(schema: Any, *, base_uri: str = "", root: Path | None = None) -> list[ForeignReference]:
    """Every reference of ``schema`` that leaves it, other than to a bundled meta-schema or a file inside ``root``.

    ``base_uri`` is where the schema was read from (``Path.as_uri()`` of its file; ``""`` for a schema
    that is not a file of its own, which may then refer only into itself); ``root`` is the directory
    whose regular files references may load (None: none).
    """
    declared: set[str] = set()
    nodes: list[tuple[dict[str, Any], tuple[str, ...], str]] = []
    _collect(schema, [], base_uri, nodes, declared)
    found: list[ForeignReference] = []
    for node, path, base in nodes:
        pointer = "".join("/" + _escape(token) for token in path)
        declared_schema = node.get("$schema")
        if isinstance(declared_schema, str) and not is_bundled(declared_schema):
            found.append(ForeignReference(f"{pointer}/$schema", "$schema", declared_schema,
                                          "is not one of the JSON Schema drafts lintops bundles "
                                          "(draft-04, draft-06, draft-07, 2019-09, 2020-12)"))
        for keyword in _REFERENCES:
            value = node.get(keyword)
            if not isinstance(value, str):
                continue
            reason = _why_foreign(value, base, declared, root)
            if reason is not None:
                found.append(ForeignReference(f"{pointer}/{_escape(keyword)}", keyword, value, reason))
    return found


def _why_foreign(reference: str, base: str, declared: set[str], root: Path | None) -> str | None:
    if reference.startswith("#"):
        return None
    target = urldefrag(urljoin(base, reference))[0]
    if target in declared or is_bundled(target):
        return None
    scheme = urlsplit(target).scheme.lower()
    if scheme in ("http", "https"):
        return f"is an {scheme} URL" if target == urldefrag(reference)[0] else f"resolves to the {scheme} URL {target}"
    if scheme == "file":
        if root is not None and urlsplit(target).netloc in ("", "localhost") and _inside(_file_path(target), root):
            return None
        return "names a file outside the chart" if root is not None else "names a file"
    if scheme:
        return f"is a {scheme}: URI"
    return "names another document (a relative reference with no file to resolve it against)"


def _collect(node: Any, path: list[str], base: str, nodes: list[tuple[dict[str, Any], tuple[str, ...], str]],
             declared: set[str]) -> None:
    """Every mapping that may hold keywords and holds a reference keyword, with its path and base URI, into
    ``nodes``; every URI an ``$id``/``id`` declares, into ``declared``. (One pass, pointers built only for
    the few mappings that have a reference: a rule's schema is walked when it loads, on every run.)"""
    if isinstance(node, list):
        for index, item in enumerate(node):
            path.append(str(index))
            _collect(item, path, base, nodes, declared)
            path.pop()
        return
    if not isinstance(node, dict):
        return
    for keyword in _IDS:
        value = node.get(keyword)
        if isinstance(value, str) and not value.startswith("#"):
            base = urljoin(base, value)
            declared.add(urldefrag(base)[0])
            break
    if "$ref" in node or "$schema" in node or "$dynamicRef" in node or "$recursiveRef" in node:
        nodes.append((node, tuple(path), base))
    for key, value in node.items():
        if not isinstance(value, (dict, list)) or key in _DATA_KEYWORDS:
            continue
        path.append(str(key))
        if key in _NAMED_SCHEMAS and isinstance(value, dict):  # names -> subschemas: the names are no keywords
            for name, subschema in value.items():
                path.append(str(name))
                _collect(subschema, path, base, nodes, declared)
                path.pop()
        else:
            _collect(value, path, base, nodes, declared)
        path.pop()


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _file_path(uri: str) -> Path:
    parts = urlsplit(uri)
    return Path(unquote(parts.path))


def _inside(path: Path, root: Path) -> bool:
    """Whether ``path``, symbolic links resolved, is inside ``root`` (also resolved)."""
    try:
        return Path(os.path.realpath(path)).is_relative_to(Path(os.path.realpath(root)))
    except (OSError, ValueError):
        return False


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


_RUST_REGISTRY: Any = None


def rust_registry() -> Any:
    """A jsonschema-rs ``Registry`` whose retriever refuses everything, for ``jsonschema_rs.meta.validate``.

    ``meta.validate`` takes no retriever of its own and fetches an unknown ``$schema`` without one.
    """
    global _RUST_REGISTRY
    if _RUST_REGISTRY is None:
        import jsonschema_rs

        _RUST_REGISTRY = jsonschema_rs.Registry([], retriever=refuse_retrieval)
    return _RUST_REGISTRY


def python_registry(root: Path | None = None, base_uri: str = "", default_dialect: str | None = None) -> Any:
    """A ``referencing.Registry`` for python-jsonschema (``Validator(schema, registry=...)``): the libraries'
    bundled meta-schemas are added by jsonschema itself; this one retrieves regular files inside ``root``
    and nothing else. A relative URI (a schema without ``$id`` resolves against ``""``) is taken relative to
    ``base_uri``; ``default_dialect`` is the draft of a retrieved file that names none."""
    from referencing import Registry, Resource
    from referencing.exceptions import NoSuchResource
    from referencing.jsonschema import DRAFT7, specification_with

    specification = specification_with(default_dialect, default=DRAFT7) if default_dialect else DRAFT7

    def retrieve(uri: str) -> Any:
        try:
            contents = _retrieve(uri, root, base_uri)
        except ReferenceRefused:
            raise NoSuchResource(ref=uri) from None
        return Resource.from_contents(contents, default_specification=specification)

    return Registry(retrieve=retrieve)  # type: ignore[call-arg]


def _retrieve(uri: str, root: Path | None, base_uri: str) -> Any:
    target = urldefrag(urljoin(base_uri, uri))[0]
    if is_bundled(target):
        from jsonschema_specifications import REGISTRY

        for known in (target, target.replace("https://", "http://", 1), target.replace("http://", "https://", 1)):
            try:
                return REGISTRY.contents(known)
            except Exception:  # the other spelling, then
                continue
    parts = urlsplit(target)
    if root is None or parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        raise ReferenceRefused(f"{target} is not fetched or read")
    path = _file_path(target)
    if not _inside(path, root):
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


class PositionedProblem(str):
    """A problem message that also knows the node it is about (a JSON pointer into the object it was found in).

    ``SchemaStore.add_crd`` returns its problems as strings; one of these still reads as its message
    where a string is expected, and lets the caller place the finding at ``pointer`` (at the key).
    """

    pointer: str

    def __new__(cls, message: str, pointer: str) -> PositionedProblem:
        problem = super().__new__(cls, message)
        problem.pointer = pointer
        return problem


def crd_reference_problems(crd: Any) -> list[PositionedProblem]:
    """The foreign references in the schemas of a CustomResourceDefinition, each at its key in the CRD.

    The API server refuses ``$ref`` in a CRD schema; a CRD of the tree must not make lintops fetch or
    read anything either, so a CRD with such a reference is not used for its custom resources.
    """
    spec = crd.get("spec") if isinstance(crd, dict) else None
    if not isinstance(spec, dict):
        return []
    schemas: list[tuple[str, str, Any]] = []
    validation = spec.get("validation")
    if isinstance(validation, dict):
        schemas.append(("/spec/validation/openAPIV3Schema", "", validation.get("openAPIV3Schema")))
    versions = spec.get("versions")
    for index, version in enumerate(versions if isinstance(versions, list) else []):
        schema = version.get("schema") if isinstance(version, dict) else None
        if isinstance(schema, dict):
            name = version.get("name")
            schemas.append((f"/spec/versions/{index}/schema/openAPIV3Schema",
                            f" (version {name})" if isinstance(name, str) else "", schema.get("openAPIV3Schema")))
    problems = []
    for pointer, version, schema in schemas:
        for reference in foreign_references(schema):
            problems.append(PositionedProblem(
                f"CRD{version} is not used to validate its custom resources: "
                f"{reference.message('the JSON Schema drafts lintops bundles')}", pointer + reference.pointer))
    return problems
