"""From published Kubernetes definitions to the compact form lintops stores and validates with.

Shared by ``scripts/generate_schemas.py`` (which writes ``schemas/kubernetes/``) and the readers of other
sources (an installed ``kubernetes-validate``), so that every version is prepared by the same code.

The published sets come in two layouts (openapi2jsonschema, as ``kubernetes-validate`` ships them):

- up to 1.24: ``{"definitions": {...}}``, Draft 4, references ``#/definitions/NAME``, no ``null`` types;
- from 1.25: ``{"$defs": {...}, "$schema": <2020-12>}``, references ``#/$defs/NAME``, every optional
  field typed ``[T, "null"]`` (required fields never are), every definition itself ``[T, "null"]``, and
  ``enum: [<its apiVersion>]`` / ``enum: [<its kind>]`` on the ``apiVersion`` and ``kind`` of a kind.

:func:`definitions_of` brings the second layout to the first: references rewritten, ``null`` taken out of
the types, the apiVersion/kind enums dropped. Nothing is lost that lintops uses: the validator applies
one ``null`` rule to every version (``null`` for optional fields and map values, not for required fields
or list items; see :mod:`lintops.schema.kube.build`), and an object is only ever validated against the kind its
apiVersion and kind name. Only the keywords of the 2020-12 sets that mean the same in Draft 4 occur
(``type``, ``properties``, ``items`` with one schema, ``required``, ``additionalProperties``, ``oneOf``,
``$ref``, ``enum``, ``format``); the generator checks that no other keyword appears. So a definition
that did not change between 1.24 and 1.25 compacts to the same bytes and is stored once.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DEFS_REF",
    "QUANTITY",
    "REF",
    "compact_definitions",
    "definitions_of",
    "index_definitions",
    "merge_type_alternatives",
]

QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
REF = "#/definitions/"
DEFS_REF = "#/$defs/"
PRESERVE = "x-kubernetes-preserve-unknown-fields"

#: JSON Schema keywords the compact data keeps (CRD schemas: all; Kubernetes definitions: all but ``enum``,
#: see :func:`compact_definitions`); everything else (description, format, x-kubernetes-* annotations
#: other than the preserve marker, defaults, examples) is dropped.
KEEP = frozenset({
    "$ref", "type", "properties", "patternProperties", "additionalProperties", "items", "required",
    "enum", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties", "uniqueItems",
    "allOf", "anyOf", "oneOf", "not",
})
SCHEMA_MAPS = ("properties", "patternProperties")
SCHEMA_ONE = ("additionalProperties", "items", "not")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")

_SCHEMA_VALUED = (*SCHEMA_ONE, *SCHEMA_LISTS)


# ----------------------------------------------------------------------------------------------
# Layouts


def definitions_of(document: Any) -> dict[str, Any]:
    """The definitions of a published ``_definitions.json`` in the ``definitions`` layout (see module
    docstring). Raises ``ValueError`` when the document has neither layout."""
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    if isinstance(document.get("definitions"), dict):
        return document["definitions"]
    defs = document.get("$defs")
    if not isinstance(defs, dict):
        raise ValueError("neither a 'definitions' nor a '$defs' section")
    return {name: _from_defs_layout(schema, top=True) for name, schema in defs.items()}


def _from_defs_layout(node: Any, top: bool = False) -> Any:
    if isinstance(node, list):
        return [_from_defs_layout(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in SCHEMA_MAPS and isinstance(value, dict):
            props = {name: _from_defs_layout(sub) for name, sub in value.items()}
            if top and key == "properties":
                for name in ("apiVersion", "kind"):  # enum: [<own apiVersion or kind>]
                    if isinstance(props.get(name), dict):
                        props[name] = {k: v for k, v in props[name].items() if k != "enum"}
            out[key] = props
        elif key in _SCHEMA_VALUED:
            out[key] = _from_defs_layout(value)
        elif key == "$ref" and isinstance(value, str) and value.startswith(DEFS_REF):
            out[key] = REF + value[len(DEFS_REF):]
        elif key == "type" and isinstance(value, list) and "null" in value:
            types = [t for t in value if t != "null"]
            out[key] = types[0] if len(types) == 1 else types
        else:
            out[key] = value
    return out


# ----------------------------------------------------------------------------------------------
# Compaction


def _compact(node: Any) -> Any:
    """Keep the validation keywords of a schema node (recursively), drop documentation."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _compact(sub) for name, sub in value.items()}
        elif key in SCHEMA_ONE:
            out[key] = [_compact(sub) for sub in value] if isinstance(value, list) else _compact(value)
        elif key in SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_compact(sub) for sub in value]
        elif (key in KEEP and key != "enum") or (key == PRESERVE and value is True):
            out[key] = value
    merge_type_alternatives(out)
    return out


def merge_type_alternatives(node: dict) -> None:
    """``oneOf``/``anyOf`` of bare ``{"type": T}`` branches -> ``"type": [T, ...]`` (same meaning,
    clearer errors). Kubernetes' IntOrString and Quantity are ``oneOf: [string, integer]``."""
    if "type" in node:
        return
    for key in ("oneOf", "anyOf"):
        branches = node.get(key)
        if not isinstance(branches, list) or not branches:
            continue
        if not all(isinstance(b, dict) and set(b) == {"type"} and isinstance(b["type"], str) for b in branches):
            continue
        types = sorted({b["type"] for b in branches})
        if key == "oneOf" and (len(types) != len(branches) or {"integer", "number"} <= set(types)):
            continue  # overlapping alternatives: oneOf would reject what a type list accepts
        del node[key]
        node["type"] = types[0] if len(types) == 1 else types
        return


def compact_definitions(definitions: dict[str, Any]) -> dict[str, Any]:
    """The Kubernetes OpenAPI definitions with validation keywords only (see :func:`_compact`).

    Two corrections. A ``Quantity`` (``resources.limits.cpu`` ...) is published as string or integer,
    but the API server also decodes a JSON number (``cpu: 0.5``), so it becomes ``type: [number,
    string]``. And ``enum`` is dropped: only the 1.23 set publishes enums (44 fields, from the ``+enum``
    markers; 1.22 and 1.24 have none), and they reject ``""``, which the API server accepts and
    defaults for most of them (``imagePullPolicy``, ``protocol``, ``dnsPolicy``); the values the API
    server refuses are the ``invalid-enum-value`` rule's, the same for every version."""
    out = {name: _compact(schema) for name, schema in definitions.items()}
    if QUANTITY in out:
        out[QUANTITY] = {"type": ["number", "string"]}
    return out


def index_definitions(definitions: dict[str, Any]) -> dict[str, dict[str, str]]:
    """apiVersion -> kind -> definition name, from ``x-kubernetes-group-version-kind`` (core group = "v1")."""
    index: dict[str, dict[str, str]] = {}
    for name in sorted(definitions):
        schema = definitions[name]
        for gvk in (schema.get("x-kubernetes-group-version-kind") if isinstance(schema, dict) else None) or ():
            group, version, kind = gvk.get("group", ""), gvk.get("version", ""), gvk.get("kind", "")
            api_version = f"{group}/{version}" if group else version
            previous = index.setdefault(api_version, {}).setdefault(kind, name)
            if previous != name:
                raise ValueError(f"{api_version} {kind} is defined twice: {previous}, {name}")
    return index
