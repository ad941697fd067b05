"""Where Helm's JSON Schema library looks for what a chart's ``values.schema.json`` refers to.

Helm 3.19 and later and Helm 4 (santhosh-tekuri/jsonschema v6) add every values schema to their compiler
as ``file:///values.schema.json``, wherever the chart is, and load what it refers to with a loader that
reads ``file:`` URLs from the file system and fetches ``http(s)``. So, as Helm itself shows (through
helm-python-sdk, tests/test_values_schema_refs.py):

- a relative ``$ref`` ("defs.json", "./defs.json", "sub/defs.json", "../defs.json") is resolved against
  the file system's root: Helm opens ``/defs.json``, never the chart's ``defs.json``, and where there is
  none it refuses the chart (``failing loading "file:///defs.json"``);
- an absolute path ("/x.json") or a ``file://`` URL (with any host: the loader ignores it) is read from
  the machine that installs the chart;
- an ``$id`` sets the base as the specification says ("$id": "file:///etc/schemas/" makes "x.json" that
  directory's file; "$id": "schemas/v.json" makes it ``/schemas/x.json``); up to draft-07 a ``$id`` beside
  a ``$ref`` changes nothing;
- a relative reference against an opaque base (``"$id": "urn:example:x"``) is that resource itself (Go's
  ``url.ResolveReference``, as the library patches it for opaque URLs); ``values.schema.json``,
  ``/values.schema.json`` and ``file:///values.schema.json`` are the schema itself.

What the library compiles is what it follows: the root, the subschemas of each compiled schema's
applicator keywords of its draft (``properties``, ``items``, ``allOf``, ``if`` from draft-07,
``dependentSchemas`` from 2019-09, ``dependencies`` in every draft...) and the targets of its references;
never a definition (``$defs``, ``definitions``) nothing refers to, a ``contentSchema``, or anything under a
keyword it does not know, unless a reference points there. Up to draft-07 a ``$ref`` hides its siblings.
The ``$id``s and anchors it knows are those at the positions its draft lists (definitions included), not
those under unknown keywords.

:func:`helm_references` walks a schema that way and returns every reference keyword with what it
resolves to and whether Helm follows it; :mod:`lintops.schema.refs` decides from that what leaves the
schema and says why. Nothing here reads a file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from ..lazy_pattern import lazy
from .dialects import helm_dialect

__all__ = ["HELM_SCHEMA_URI", "HelmReference", "helm_join", "helm_references", "version_of"]

#: The URI Helm's library gives every values schema, whatever chart it is in.
HELM_SCHEMA_URI = "file:///values.schema.json"

_SELF, _ITEMS, _NAMES = 1, 2, 4
#: The keywords whose values Helm's library compiles as subschemas, by draft (4, 6, 7, 2019, 2020).
_COMPILED: dict[int, dict[str, int]] = {}
_BASE = {"not": _SELF, "allOf": _ITEMS, "anyOf": _ITEMS, "oneOf": _ITEMS, "properties": _NAMES,
         "additionalProperties": _SELF, "patternProperties": _NAMES, "items": _SELF | _ITEMS,
         "additionalItems": _SELF, "dependencies": _NAMES}
_COMPILED[4] = dict(_BASE)
_COMPILED[6] = {**_COMPILED[4], "propertyNames": _SELF, "contains": _SELF}
_COMPILED[7] = {**_COMPILED[6], "if": _SELF, "then": _SELF, "else": _SELF}
_COMPILED[2019] = {**_COMPILED[7], "dependentSchemas": _NAMES, "unevaluatedProperties": _SELF,
                   "unevaluatedItems": _SELF}
_COMPILED[2020] = {**{k: v for k, v in _COMPILED[2019].items() if k != "additionalItems"}, "prefixItems": _ITEMS}
#: Where it also looks for ``$id``s and anchors: the definitions, and what it lists but does not compile.
_LISTED = {version: {**compiled, "definitions": _NAMES,
                     **({"$defs": _NAMES, "contentSchema": _SELF, "additionalItems": _SELF} if version >= 2019 else {})}
           for version, compiled in _COMPILED.items()}
#: The reference keywords each draft knows.
_REFERENCE_KEYWORDS = {4: ("$ref",), 6: ("$ref",), 7: ("$ref",), 2019: ("$ref", "$recursiveRef"),
                       2020: ("$ref", "$recursiveRef", "$dynamicRef")}
#: Keywords whose values are instance data: nothing under them is a schema, for anyone.
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples", "example"})
_VERSIONS = {"draft-04": 4, "draft-06": 6, "draft-07": 7, "draft/2019-09": 2019, "draft/2020-12": 2020}

Path = tuple[str, ...]
_BAD_ESCAPE = lazy(r"%(?![0-9A-Fa-f]{2})")


def version_of(meta_schema: str) -> int:
    """The draft (4, 6, 7, 2019, 2020) of a meta-schema URI from :func:`lintops.schema.dialects.helm_dialect`."""
    for name, version in _VERSIONS.items():
        if f"/{name}/" in meta_schema:
            return version
    return 2020


def helm_join(base: str, reference: str) -> str:
    """``reference`` resolved against ``base`` as Helm's library resolves it (the fragment kept); ValueError
    for one Go's URL parser refuses (a bad percent escape, an unclosed ``[``), which makes Helm refuse the
    schema (its meta-schema wants a ``uri-reference``)."""
    if reference.startswith("#") and "%" not in reference:  # the common case, and the cheap one
        return base.split("#", 1)[0] + reference
    if _BAD_ESCAPE.search(reference) or any(c < " " or c == "\x7f" for c in reference):
        raise ValueError(f"not a URI reference: {reference[:100]!r}")
    ref, hashmark, fragment = reference.partition("#")
    tail = f"#{fragment}" if hashmark else ""
    parts = urlsplit(ref)
    if parts.scheme:
        return reference
    scheme, colon, rest = base.partition(":")
    if colon and not rest.startswith("/"):  # an opaque base (urn:...): the library keeps it whole
        return base.split("#", 1)[0].split("?", 1)[0] + (f"?{parts.query}" if parts.query else "") + tail
    if not ref:
        return base.split("#", 1)[0] + tail
    # urljoin joins only the schemes it knows as hierarchical; Go's resolver joins any
    stand_in = "https" if scheme.lower() not in ("file", "http", "https") else None
    joined = urljoin(f"{stand_in}:{rest}" if stand_in else base, ref)
    if stand_in:
        joined = scheme + joined[len(stand_in):]
    return joined.split("#", 1)[0] + tail


def _split(uri: str) -> tuple[str, str]:
    url, _, fragment = uri.partition("#")
    return url, unquote(fragment)


class HelmReference:
    """One reference keyword of a values schema, as Helm's library reads it. (A plain class, like
    :class:`lintops.schema.refs.ForeignReference`.)"""

    __slots__ = ("base_chosen", "base_id", "followed", "keyword", "local", "path", "target", "value")

    def __init__(self, path: Path, keyword: str, value: str, target: str | None, base_id: str | None,
                 base_chosen: bool, local: bool, followed: bool) -> None:
        #: Where the keyword's schema is (JSON pointer tokens).
        self.path = path
        self.keyword = keyword
        self.value = value
        #: What it resolves to (with the fragment); None: not a URI reference Helm can parse.
        self.target = target
        #: The ``$id`` that last set the base it was resolved against, as written; None: Helm's own base.
        self.base_id = base_id
        #: Whether an absolute ``$id`` chose that base (else it is Helm's, maybe moved by relative ones).
        self.base_chosen = base_chosen
        #: Whether it names this schema or a resource declared in it.
        self.local = local
        #: Whether Helm compiles the schema it stands in, and so follows it.
        self.followed = followed

    def opened_path(self) -> str:
        """The file Helm opens for a ``file:`` target (percent-decoded, the host ignored)."""
        return unquote(urlsplit(_split(self.target or "")[0]).path)

    def __repr__(self) -> str:
        return f"HelmReference({self.path!r}, {self.keyword!r}, {self.value!r} -> {self.target!r}, " \
               f"followed={self.followed})"


class _Node:
    """What the library knows at one schema: its base, the ``$id`` that set it and whether an absolute one
    did (``chosen``; else the base is Helm's own, maybe moved by relative ``$id``s), its resource, draft,
    and whether it is at a position the draft lists (else a ``$id`` there declares nothing)."""

    __slots__ = ("base", "base_id", "chosen", "listed", "resource", "version")

    def __init__(self, base: str, base_id: str | None, chosen: bool, resource: str, version: int,
                 listed: bool) -> None:
        self.base, self.base_id, self.chosen, self.resource = base, base_id, chosen, resource
        self.version, self.listed = version, listed


def helm_references(schema: Any, version: int = 2020) -> list[HelmReference]:
    """Every reference keyword of ``schema`` (in document order, including those under keywords Helm does
    not know, which it never follows), resolved as Helm's library resolves it; ``version`` is the draft
    Helm applies to the root (:func:`version_of`)."""
    if not isinstance(schema, dict):
        return []
    nodes: dict[int, _Node] = {}  # by id(): a node is walked once (a YAML alias is one node)
    resources: dict[str, Path] = {HELM_SCHEMA_URI: ()}
    anchors: dict[tuple[str, str], Path] = {}
    found: list[tuple[Path, int, str, str, str | None, _Node]] = []
    by_node: dict[int, list[tuple[str, str]]] = {}
    for path, node, info in _walk(schema, version):
        nodes[id(node)] = info
        if info.listed:
            _declare(node, path, info, resources, anchors)
            written = _id_of(node, info.version)
            if written is not None and _unparsable(written):  # Helm refuses the schema for it
                found.append((path, id(node), "id" if info.version == 4 else "$id", written, None, info))
        for keyword in ("$ref", "$recursiveRef", "$dynamicRef"):
            value = node.get(keyword)
            if isinstance(value, str):
                try:
                    target: str | None = helm_join(info.base, value)
                except ValueError:
                    target = None
                found.append((path, id(node), keyword, value, target, info))
                if target is not None:
                    by_node.setdefault(id(node), []).append((keyword, target))
    followed = _followed(schema, nodes, by_node, resources, anchors)
    # One Helm cannot parse counts wherever its draft's meta-schema looks (which Helm checks first), else
    # where Helm compiles it.
    return [HelmReference(path, keyword, value, target, info.base_id, info.chosen,
                          target is not None and _split(target)[0] in resources,
                          (info.listed if target is None else key in followed)
                          and keyword in (*_REFERENCE_KEYWORDS[info.version], "$id", "id"))
            for path, key, keyword, value, target, info in found]


def _unparsable(uri: str) -> bool:
    try:
        helm_join(HELM_SCHEMA_URI, uri)
    except ValueError:
        return True
    return False


def _walk(schema: dict[str, Any], version: int) -> Iterator[tuple[Path, dict[str, Any], _Node]]:
    """Every mapping that may be a schema, in document order, with its base: at the positions the draft
    lists, ``$id`` sets the base; under other keywords (and data keywords are skipped) it does not."""
    stack: list[tuple[Any, Path, _Node]] = [(schema, (), _Node(HELM_SCHEMA_URI, None, False, HELM_SCHEMA_URI, version,
                                                                     True))]
    seen: set[int] = set()
    while stack:
        node, path, info = stack.pop()
        if not isinstance(node, dict) or id(node) in seen:  # a YAML alias: walked once
            continue
        seen.add(id(node))
        if info.listed and ("$schema" in node or "$id" in node or "id" in node):
            declared = node.get("$schema")
            known = helm_dialect(declared) if isinstance(declared, str) and (not path or _id_of(node, 2020)) else None
            current = version_of(known) if known else info.version
            base, base_id, chosen, resource = info.base, info.base_id, info.chosen, info.resource
            value = _id_of(node, current)
            if value is not None and not _unparsable(value):
                url = _split(helm_join(base, value))[0]
                if url and url != base:
                    base, resource, base_id = url, url, value
                    chosen = chosen or bool(urlsplit(value).scheme) or value.startswith("/")
            info = _Node(base, base_id, chosen, resource, current, True)
        yield path, node, info
        listed = _LISTED[info.version] if info.listed else {}
        unlisted: _Node | None = None if info.listed else info
        children: list[tuple[Any, Path, _Node]] = []
        for key, value in node.items():
            if key in _DATA_KEYWORDS or not isinstance(value, (dict, list)):
                continue
            kind = listed.get(key)
            if kind is not None:
                child = info
            else:
                if unlisted is None:
                    unlisted = _Node(info.base, info.base_id, info.chosen, info.resource, info.version, False)
                child = unlisted
            if isinstance(value, dict) and (kind is None or kind & _SELF) and not (kind and kind & _NAMES):
                children.append((value, (*path, key), child))
            elif isinstance(value, dict):  # names -> subschemas
                children.extend((item, (*path, key, name), child) for name, item in value.items())
            elif kind is None or kind & _ITEMS:
                children.extend((item, (*path, key, str(index)), child) for index, item in enumerate(value))
        stack.extend(reversed(children))


def _id_of(node: dict[str, Any], version: int) -> str | None:
    """The ``$id`` (``id`` in draft-04) Helm's library reads from ``node``: none beside a ``$ref`` up to draft-07."""
    if version <= 7 and "$ref" in node:
        return None
    value = node.get("id" if version == 4 else "$id")
    return value if isinstance(value, str) else None


def _declare(node: dict[str, Any], path: Path, info: _Node, resources: dict[str, Path],
             anchors: dict[tuple[str, str], Path]) -> None:
    if info.resource not in resources:
        resources[info.resource] = path
    value = _id_of(node, info.version)
    if value is not None and info.version <= 7 and "#" in value and value.split("#", 1)[1]:
        anchors.setdefault((info.resource, unquote(value.split("#", 1)[1])), path)
    for keyword, since in (("$anchor", 2019), ("$dynamicAnchor", 2020)):
        name = node.get(keyword)
        if isinstance(name, str) and info.version >= since:
            anchors.setdefault((info.resource, name), path)


def _followed(schema: dict[str, Any], nodes: dict[int, _Node], references: dict[int, list[tuple[str, str]]],
              resources: dict[str, Path], anchors: dict[tuple[str, str], Path]) -> set[int]:
    """The schemas (by ``id()``) Helm's library compiles: from the root, through the applicators of each
    one's draft and the targets of its references (a pointer may lead anywhere in a resource)."""
    reached: set[int] = set()
    targets: dict[str, tuple[Any, _Node | None] | None] = {}  # a reference is often written many times
    stack: list[tuple[Any, _Node]] = [(schema, nodes[id(schema)])]
    while stack:
        node, parent = stack.pop()
        if not isinstance(node, dict) or id(node) in reached:
            continue
        reached.add(id(node))
        info = nodes.get(id(node), parent)  # not walked (under a data keyword): its parent's base
        for keyword, resolved in references.get(id(node), ()):
            if keyword in _REFERENCE_KEYWORDS[info.version]:
                if resolved not in targets:
                    targets[resolved] = _target(schema, resolved, nodes, resources, anchors)
                found = targets[resolved]
                if found is not None:
                    stack.append((found[0], found[1] or info))
        if info.version <= 7 and "$ref" in node:
            continue  # the other keywords are not compiled
        compiled = _COMPILED[info.version]
        for key, value in node.items():
            kind = compiled.get(key)
            if kind is None:
                continue
            if isinstance(value, dict):
                if kind & _NAMES:
                    stack.extend((item, info) for item in value.values())
                elif kind & _SELF:
                    stack.append((value, info))
            elif isinstance(value, list) and kind & _ITEMS:
                stack.extend((item, info) for item in value)
    return reached


def _target(schema: dict[str, Any], resolved: str, nodes: dict[int, _Node], resources: dict[str, Path],
            anchors: dict[tuple[str, str], Path]) -> tuple[Any, _Node | None] | None:
    """The schema a resolved reference names in this document, with its resource's base; None for another
    document (what it is decides whether it is refused) or a fragment that names nothing here."""
    url, fragment = _split(resolved)
    start = resources.get(url)
    if start is None:
        return None
    if fragment.startswith("/") or not fragment:
        path = (*start, *(_unescape(token) for token in fragment.split("/")[1:]))
    elif (url, fragment) in anchors:
        path = anchors[(url, fragment)]
    else:
        return None
    return _at(schema, path), nodes.get(id(_at(schema, start)))


def _at(schema: Any, path: Path) -> Any:
    node = schema
    for token in path:
        if isinstance(node, dict):
            node = node.get(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")
