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
- the retrieval hooks of :mod:`lintops.schema.retrieval` plug into the libraries' own retrieval, so
  that whatever the first guard let through, the libraries fetch nothing and read only files inside
  the allowed root, whatever their defaults are.

What may be referenced: the schema itself and the resources embedded in it (``#...``, or a URI one of
its ``$id`` declares); the JSON Schema meta-schemas both libraries bundle (drafts 3, 4, 6, 7, 2019-09,
2020-12, and their vocabularies); and, only where the caller names a root (a chart's directory),
regular files inside it. An ``$id`` itself only names; it is what is resolved against it that counts.

Which drafts, depends on who reads the schema. A chart's ``values.schema.json`` is Helm's: Helm 3.19
and later and Helm 4 (helm-python-sdk carries Helm 4.2.3) validate values with
santhosh-tekuri/jsonschema v6.0.2, which knows a ``$schema`` only by ``draftFromURL`` and the
meta-schemas it embeds, without fetching: ``http://`` or ``https://`` (lower case, nothing else), then
``json-schema.org/`` and exactly ``draft-04/schema``, ``draft-06/schema``, ``draft-07/schema``,
``draft/2019-09/schema``, ``draft/2020-12/schema``, a vocabulary meta-schema of those two
(``draft/2020-12/meta/core``...), or ``schema``, the "current draft", which is 2020-12 (the draft it also
applies when a schema names none); the fragment is ignored. Helm maps a ``urn:`` it cannot resolve to the
schema ``true`` (a ``$ref`` to it allows anything; a ``$schema`` keeps the enclosing draft). Any other
``$schema``, draft-03 and ``HTTP://JSON-SCHEMA.ORG/...`` included, Helm fetches over http(s) or reads as
a file, or refuses. So ``foreign_references(..., helm=True)`` and ``python_registry(..., helm=True)``
accept exactly what Helm resolves without fetching (:func:`helm_dialect`, :func:`helm_resource`), and
:func:`lintops.inputs.helm.schema.helm_schema` spells each ``$schema`` as the Python library knows it.
(Read in the library's ``draft.go``/``loader.go`` and checked against Helm itself with a recording proxy.)

Nor does a chart's schema refer to files of the chart, whatever it looks like: Helm adds every values
schema as ``file:///values.schema.json``, so a relative ``$ref`` ("defs.json") is resolved against the file
system's root (Helm opens ``/defs.json`` and refuses the chart where there is none), and an absolute path
or ``file://`` URL is read from the machine that installs the chart (:mod:`lintops.schema.helm_refs`).
In Helm mode every reference that names a file is refused at its key, with what Helm would open and what
to write instead, and nothing is read: python_registry's ``document`` is the only "file" there is.

Repository rules (``check: json-schema``) and CRDs keep the libraries' own drafts: the alias is refused
there, with a hint naming the draft to write. A rule is lintops' own format, compiled by jsonschema-rs
or python-jsonschema, which know a draft only by its own URI, and "the current draft" is a moving
target (json-schema.org/schema has named draft-04, draft-07 and 2020-12 in turn); the API server refuses
``$schema`` anywhere in a structural (``apiextensions.k8s.io/v1``) CRD schema, so a CRD that declares it
is one Kubernetes would not take either.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from .dialects import HELM_DEFAULT_DRAFT, helm_dialect, helm_resource, is_bundled, is_urn
from .retrieval import file_path, inside

__all__ = ["REFERENCES", "ForeignReference", "foreign_references", "opaque_relative", "reference_nodes"]

#: The keywords that refer to another schema.
REFERENCES = ("$ref", "$dynamicRef", "$recursiveRef")
_REFERENCES = REFERENCES
_DRAFTS = "draft-04, draft-06, draft-07, 2019-09, 2020-12"
_IDS = ("$id", "id")
#: Keywords whose values are instance data, never subschemas: a ``$ref`` inside is no reference.
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples", "example"})
#: Keywords whose values map names (property names, definition names) to subschemas.
_NAMED_SCHEMAS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas",
                            "dependencies"})


def reference_nodes(schema: Any, base_uri: str = "") -> tuple[list[tuple[dict[str, Any], tuple[str, ...], str]],
                                                               set[str]]:
    """``(nodes, declared)``: every mapping of ``schema`` that holds a reference keyword or ``$schema``,
    with its path and base URI, and every URI an ``$id``/``id`` declares."""
    nodes: list[tuple[dict[str, Any], tuple[str, ...], str]] = []
    declared: set[str] = set()
    _collect(schema, [], base_uri, nodes, declared)
    return nodes, declared


class ForeignReference:
    """A reference keyword of a schema that would make a library fetch or read something it may not.

    (A plain class: this module is imported whenever a rule's schema compiles, and a dataclass costs
    more to create than everything else here.)
    """

    __slots__ = ("followed", "keyword", "pointer", "reason", "remedy", "value")

    def __init__(self, pointer: str, keyword: str, value: str, reason: str, remedy: str | None = None,
                 followed: bool = True) -> None:
        #: JSON pointer of the keyword inside the schema document (``/properties/image/$ref``).
        self.pointer = pointer
        self.keyword = keyword
        self.value = value
        #: Why it may not be followed (``"is an http URL"``).
        self.reason = reason
        #: What lintops does instead and what to write, when that is more than the general rule.
        self.remedy = remedy
        #: Whether the library reading the schema follows it (Helm's compiles only what is reachable).
        self.followed = followed

    def __repr__(self) -> str:
        return f"ForeignReference({self.pointer!r}, {self.keyword!r}, {self.value!r}, {self.reason!r})"

    def message(self, allowed: str = "the JSON Schema drafts lintops bundles") -> str:
        """What is wrong, quoting the reference with any credential written into it masked."""
        from ..redact import mask_url_credentials

        shown = json.dumps(self.value[:200] + ("..." if len(self.value) > 200 else ""))
        if self.remedy is not None:
            return mask_url_credentials(f"'{self.keyword}' {shown} {self.reason}; {self.remedy}")
        return mask_url_credentials(f"'{self.keyword}' {shown} {self.reason}; lintops resolves JSON Schema "
                                    f"references only within the schema, to {allowed}, and never fetches or reads "
                                    f"anything else")


def foreign_references(schema: Any, *, base_uri: str = "", root: Path | None = None, helm: bool = False,
                       followed: bool = False) -> list[ForeignReference]:
    """Every reference of ``schema`` that leaves it, other than to a bundled meta-schema or a file inside ``root``.

    ``base_uri`` is where the schema was read from (``Path.as_uri()`` of its file; ``""`` for a schema
    that is not a file of its own, which may then refer only into itself); ``root`` is the directory
    whose regular files references may load (None: none). ``helm``: the schema is a chart's, read by
    Helm's library: the meta-schemas are those it resolves without fetching (see the module's docstring),
    the base is Helm's ``file:///values.schema.json`` whatever ``base_uri`` says, and no file is allowed,
    ``root`` or not. ``followed`` (with ``helm``): only the references Helm follows, those of the subschemas
    it compiles (:mod:`lintops.schema.helm_refs`); else every one, as a schema handed to Helm is checked.
    """
    nodes, declared = reference_nodes(schema, base_uri)
    helm_refs = _helm_references_by_path(schema) if helm else {}
    found: list[ForeignReference] = []
    for node, path, base in nodes:
        pointer = "".join("/" + _escape(token) for token in path)
        declared_schema = node.get("$schema")
        if isinstance(declared_schema, str):
            reason = _why_foreign_draft(declared_schema, helm)
            if reason is not None:
                found.append(ForeignReference(f"{pointer}/$schema", "$schema", declared_schema, reason))
        if helm:
            for reference in helm_refs.pop(path, ()):
                refused = _helm_foreign(reference, pointer)
                if refused is not None and (refused.followed or not followed):
                    found.append(refused)
            continue
        for keyword in _REFERENCES:
            value = node.get(keyword)
            if not isinstance(value, str):
                continue
            reason = _why_foreign(value, base, declared, root, helm)
            if reason is not None:
                found.append(ForeignReference(f"{pointer}/{_escape(keyword)}", keyword, value, reason))
    for path, references in helm_refs.items():  # a node met twice through a YAML alias: walked once there
        for reference in references:
            refused = _helm_foreign(reference, "".join("/" + _escape(token) for token in path))
            if refused is not None and (refused.followed or not followed):
                found.append(refused)
    return found


def _helm_references_by_path(schema: Any) -> dict[tuple[str, ...], list[Any]]:
    from .helm_refs import helm_references, version_of

    declared = schema.get("$schema") if isinstance(schema, dict) else None
    root = (helm_dialect(declared) if isinstance(declared, str) else None) or HELM_DEFAULT_DRAFT
    by_path: dict[tuple[str, ...], list[Any]] = {}
    for reference in helm_references(schema, version_of(root)):
        by_path.setdefault(reference.path, []).append(reference)
    return by_path


#: What to write instead of a reference to a file, in a chart's values schema.
_INLINE = ('write what it refers to into values.schema.json itself, under "$defs" ("definitions" before draft '
           '2019-09), and refer to it as "#/$defs/<name>"')


def _helm_foreign(reference: Any, pointer: str) -> ForeignReference | None:
    """The :class:`ForeignReference` for a reference of a values schema as Helm resolves it
    (a :class:`lintops.schema.helm_refs.HelmReference`), or None when it stays within what Helm has."""
    if reference.local:
        return None
    at = f"{pointer}/{_escape(reference.keyword)}"
    if reference.target is None:
        return ForeignReference(at, reference.keyword, reference.value, "is not a URI reference Helm's library can "
                                "parse: Helm refuses the schema", "write it "
                                "as a URI reference (a JSON pointer fragment such as \"#/$defs/<name>\"), escaping "
                                "'%' as %25", reference.followed)
    target = urldefrag(reference.target)[0]
    if _resolved_without_fetching(target, True):
        return None
    value = reference.value
    scheme = urlsplit(target).scheme.lower()
    if scheme in ("http", "https"):
        said = f"is an {scheme} URL" if target == urldefrag(value)[0] else f"resolves to the {scheme} URL {target}"
        return ForeignReference(at, reference.keyword, value, said, followed=reference.followed)
    if scheme != "file":
        return ForeignReference(at, reference.keyword, value, f"is a {scheme}: URI" if scheme else
                                "names another document", followed=reference.followed)
    opened = reference.opened_path()
    via = f" (through \"$id\" {json.dumps(reference.base_id)})" if reference.base_id is not None else ""
    if not opened.startswith("/"):
        said = "is a file: URL without an absolute path: Helm's loader cannot open it and refuses the chart"
        remedy = f"lintops reads no file a values schema names; {_INLINE}"
    elif not (urlsplit(value).scheme or value.startswith("/") or reference.base_chosen):
        said = (f"is resolved by Helm against file:///values.schema.json{via}, that is against the file system's "
                f"root and not against the chart: Helm opens {opened} of the machine that installs the chart, not "
                f"a file of this chart, and where there is none it refuses the chart (failing loading "
                f"{json.dumps(target)})")
        remedy = f"lintops reads neither; {_INLINE}"
    else:
        said = (f"names {opened}{via}, a file of the machine that installs the chart, by an absolute path: Helm "
                f"reads it from the file system of wherever the chart is installed (it is no file of the chart "
                f"there), and refuses the chart where there is none")
        remedy = f"lintops reads no file a values schema names, and nothing outside the linted tree; {_INLINE}"
    return ForeignReference(at, reference.keyword, value, said, remedy, reference.followed)


def opaque_relative(reference: str, target: str) -> bool:
    """Whether ``reference`` is a relative reference Helm resolved against an opaque base (``urn:...``)."""
    head = reference.partition("#")[0]
    if not head or urlsplit(head).scheme:
        return False
    scheme, colon, rest = target.partition(":")
    return bool(colon) and scheme.lower() != "file" and not rest.startswith("/")


def _why_foreign_draft(declared: str, helm: bool) -> str | None:
    if helm:
        if helm_dialect(declared) is not None:
            return None
        return ("names no JSON Schema draft Helm's library has without fetching it (http(s)://json-schema.org/"
                "draft-04/schema, draft-06/schema, draft-07/schema, draft/2019-09/schema, draft/2020-12/schema, "
                "or http(s)://json-schema.org/schema for 2020-12): Helm would fetch it or refuse the schema")
    if is_bundled(declared):
        return None
    hint = ""
    if helm_resource(declared) == HELM_DEFAULT_DRAFT:
        hint = (f"; {declared.split('#', 1)[0]} is Helm's name for the current draft, understood in a chart's "
                f"values.schema.json only: name the draft, {HELM_DEFAULT_DRAFT}")
    return f"is not one of the JSON Schema drafts lintops bundles ({_DRAFTS}){hint}"


def _why_foreign(reference: str, base: str, declared: set[str], root: Path | None, helm: bool = False) -> str | None:
    if reference.startswith("#"):
        return None
    try:
        target = urldefrag(urljoin(base, reference))[0]
        urlsplit(target)
    except ValueError:
        return "is not a URI reference (it cannot be parsed)"
    if target in declared or _resolved_without_fetching(target, helm):
        return None
    scheme = urlsplit(target).scheme.lower()
    if scheme in ("http", "https"):
        return f"is an {scheme} URL" if target == urldefrag(reference)[0] else f"resolves to the {scheme} URL {target}"
    if scheme == "file":
        if root is not None and urlsplit(target).netloc in ("", "localhost") and inside(file_path(target), root):
            return None
        return "names a file outside the chart" if root is not None else "names a file"
    if scheme:
        return f"is a {scheme}: URI"
    return "names another document (a relative reference with no file to resolve it against)"


def _resolved_without_fetching(target: str, helm: bool) -> bool:
    """Whether the library reading the schema has ``target`` (no fragment) without fetching or reading it."""
    if helm:
        return helm_resource(target) is not None or is_urn(target)
    return is_bundled(target)


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
            try:
                base = urljoin(base, value)
            except ValueError:  # not a URI: it sets no base (the validators refuse the schema)
                break
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
