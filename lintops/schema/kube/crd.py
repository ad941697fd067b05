"""CustomResourceDefinitions as JSON Schemas: their served versions converted, made strict, with ObjectMeta.

A CRD's ``openAPIV3Schema`` is converted to a (non-strict) JSON Schema (:func:`convert_crd_schema`), then
built for validation (:func:`crd_kind_schema`): strict if asked, ``apiVersion`` and ``kind`` allowed,
``metadata`` validated as the version's ObjectMeta. Whether a custom resource may hold ``null`` in an
optional field depends on the target version: up to 1.19 only where the CRD says ``nullable: true``, as
those API servers do; from 1.20, which prunes the other nulls, for optional fields and map values as in
built-in kinds. A CRD of the tree that refers out of itself is not used (:func:`crd_reference_problems`);
a pattern RE2 refuses is dropped and reported at its key.
"""

from __future__ import annotations

import json
from typing import Any

from .build import DRAFT4, NULLABLE, OBJECT_META, definitions_section, prepare, with_null
from .compact import KEEP as _KEEP
from .compact import PRESERVE as _PRESERVE
from .compact import REF as _REF
from .compact import SCHEMA_LISTS as _SCHEMA_LISTS
from .compact import SCHEMA_MAPS as _SCHEMA_MAPS
from .compact import SCHEMA_ONE as _SCHEMA_ONE
from .compact import merge_type_alternatives as _merge_type_alternatives

__all__ = ["PositionedProblem", "convert_crd_schema", "crd_kind_schema", "crd_reference_problems", "crd_versions"]


def convert_crd_schema(open_api: dict[str, Any], preserve_unknown: bool = False) -> dict[str, Any]:
    """A CRD version's ``openAPIV3Schema`` as a (non-strict) JSON Schema.

    ``nullable: true`` adds null to the type; ``x-kubernetes-int-or-string`` becomes
    ``type: [integer, string]``; ``x-kubernetes-preserve-unknown-fields: true`` is kept as the marker
    that exempts an object from strictness (``preserve_unknown``, the v1beta1 CRD's
    ``spec.preserveUnknownFields: true``, marks every object); ``x-kubernetes-embedded-resource``
    objects that list properties also allow apiVersion, kind and metadata.
    """
    return _convert_crd_node(open_api, preserve_unknown)


def _convert_crd_node(node: Any, preserve_unknown: bool) -> Any:
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _convert_crd_node(sub, preserve_unknown) for name, sub in value.items()}
        elif key in _SCHEMA_ONE:
            if isinstance(value, list):
                out[key] = [_convert_crd_node(sub, preserve_unknown) for sub in value]
            else:
                out[key] = _convert_crd_node(value, preserve_unknown)
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_convert_crd_node(sub, preserve_unknown) for sub in value]
        elif key in _KEEP or (key == _PRESERVE and value is True):
            out[key] = value
    if node.get("x-kubernetes-int-or-string") is True:
        for key in ("anyOf", "oneOf"):
            branches = out.get(key)
            if isinstance(branches, list) and all(
                isinstance(b, dict) and set(b) == {"type"} and b["type"] in ("integer", "string") for b in branches
            ):
                del out[key]
        out["type"] = ["integer", "string"]
    _merge_type_alternatives(out)
    if node.get("x-kubernetes-embedded-resource") is True and isinstance(out.get("properties"), dict):
        out["properties"].setdefault("apiVersion", {"type": "string"})
        out["properties"].setdefault("kind", {"type": "string"})
        out["properties"].setdefault("metadata", {"type": "object"})
    if preserve_unknown and ("properties" in out or out.get("type") == "object"):
        out[_PRESERVE] = True
    if node.get("nullable") is True:
        out = with_null(out, set())
    return out


def crd_versions(crd: Any) -> tuple[list[tuple[str, str, dict[str, Any]]], list[str]]:
    """``([(apiVersion, kind, converted schema), ...], problems)`` for the served versions of a
    CustomResourceDefinition (apiextensions.k8s.io/v1 or v1beta1 shape)."""
    if not isinstance(crd, dict):
        return [], ["CRD is not a mapping"]
    spec = crd.get("spec")
    if not isinstance(spec, dict):
        return [], ["CRD has no spec"]
    group = spec.get("group")
    names = spec.get("names")
    kind = names.get("kind") if isinstance(names, dict) else None
    if not isinstance(group, str) or not group:
        return [], ["CRD has no spec.group"]
    if not isinstance(kind, str) or not kind:
        return [], ["CRD has no spec.names.kind"]
    preserve = spec.get("preserveUnknownFields") is True
    validation = spec.get("validation")
    shared = validation.get("openAPIV3Schema") if isinstance(validation, dict) else None
    entries: list[tuple[str, Any, str]] = []
    problems: list[str] = []
    versions = spec.get("versions")
    if isinstance(versions, list) and versions:
        for index, version in enumerate(versions):
            name = version.get("name") if isinstance(version, dict) else None
            if not isinstance(name, str) or not name:
                problems.append("CRD has a version without a name")
                continue
            if version.get("served") is False:
                continue
            schema = version.get("schema")
            own = isinstance(schema, dict)
            entries.append((name, schema.get("openAPIV3Schema") if own else shared,
                            f"/spec/versions/{index}/schema/openAPIV3Schema" if own else _SHARED_SCHEMA))
    elif isinstance(spec.get("version"), str) and spec["version"]:
        entries.append((spec["version"], shared, _SHARED_SCHEMA))
    else:
        problems.append("CRD has no versions")
    found = []
    refused: set[str] = set()
    for name, open_api, at in entries:
        if not isinstance(open_api, dict) or not open_api:
            problems.append(f"CRD has no openAPIV3Schema for version {name}")
            continue
        schema = convert_crd_schema(open_api, preserve)
        if _drop_bad_patterns(schema):
            problems.extend(_refused_patterns(open_api, at, kind, refused))
        found.append((f"{group}/{name}", kind, schema))
    return found, problems


_SHARED_SCHEMA = "/spec/validation/openAPIV3Schema"


def _refused_patterns(open_api: dict[str, Any], at: str, kind: str, seen: set[str]) -> list[str]:
    """One problem per pattern RE2 refuses, at its key in the CRD (a schema shared by several versions
    is reported once): the API server (Go's regexp) could not compile it either."""
    from ...patterns import refused_schema_patterns

    problems: list[str] = []
    for pointer, pattern, reason in refused_schema_patterns(open_api):
        if at + pointer in seen:
            continue
        seen.add(at + pointer)
        problems.append(PositionedProblem(
            f"pattern {json.dumps(pattern)} is not a regular expression RE2 (the API server's Go regexp) can "
            f"compile: {reason}; {kind} objects are validated against the rest of the schema", at + pointer))
    return problems


def _drop_bad_patterns(node: Any) -> list[str]:
    """Remove (in place) the ``pattern`` keywords and ``patternProperties`` keys that are not valid
    regular expressions; returns them."""
    from ...patterns import check_pattern

    bad: list[str] = []

    def usable(pattern: Any) -> bool:
        if check_pattern(pattern) is not None:  # RE2, as the API server's Go regexp: linear-time matching
            bad.append(str(pattern))
            return False
        return True

    def walk(schema: Any) -> None:
        if isinstance(schema, list):
            for sub in schema:
                walk(sub)
            return
        if not isinstance(schema, dict):
            return
        if "pattern" in schema and not usable(schema["pattern"]):
            del schema["pattern"]
        patterns = schema.get("patternProperties")
        if isinstance(patterns, dict):
            for pattern in [p for p in patterns if not usable(p)]:
                del patterns[pattern]
        for key, value in schema.items():
            if key in _SCHEMA_MAPS and isinstance(value, dict):
                for sub in value.values():
                    walk(sub)
            elif key in _SCHEMA_ONE or key in _SCHEMA_LISTS:
                walk(value)

    walk(node)
    return bad


def crd_kind_schema(schema: dict[str, Any], definitions: dict[str, Any] | None, strict: bool,
                     prune_nulls: bool = False) -> dict[str, Any]:
    """A compiled-ready schema for a custom resource: the CRD schema made strict (if asked), with
    apiVersion and kind allowed and metadata validated as the version's ObjectMeta.

    With ``prune_nulls`` (targets from 1.20, whose API server prunes a ``null`` in a field that is not
    ``nullable`` before validating, and so accepts it unless the field is required) ``null`` is accepted
    for every optional field and map value, as for built-in kinds; otherwise (1.17 to 1.19, which reject
    it) only where the CRD says ``nullable: true``."""
    root = prepare(schema, strict, prune_nulls, set())
    root["$schema"] = DRAFT4
    props = root.get("properties")
    if not isinstance(props, dict):
        return root
    props.setdefault("apiVersion", {"type": "string"})
    props.setdefault("kind", {"type": "string"})
    own = schema["properties"].get("metadata")
    if definitions is None or OBJECT_META not in definitions:
        props.setdefault("metadata", {"type": "object"})
        return root
    meta: dict[str, Any] = {"$ref": _REF + OBJECT_META + NULLABLE}
    if isinstance(own, dict) and set(own) - {"type"}:
        meta = {"allOf": [meta, prepare(own, False, False, set())]}
    props["metadata"] = meta
    root["definitions"] = definitions_section(definitions, [OBJECT_META], strict, {OBJECT_META})
    return root


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
    from ..refs import foreign_references

    for pointer, version, schema in schemas:
        for reference in foreign_references(schema):
            problems.append(PositionedProblem(
                f"CRD{version} is not used to validate its custom resources: "
                f"{reference.message('the JSON Schema drafts lintops bundles')}", pointer + reference.pointer))
    return problems
