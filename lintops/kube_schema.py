"""Schema store: offline, strict JSON Schema validation of Kubernetes objects and custom resources.

Data (see ``schemas/README.md``): per Kubernetes version (1.17 to 1.37) an index mapping ``apiVersion`` and
``kind`` to a definition, over one content-addressed store of the compact non-strict OpenAPI definitions
(Draft 4, descriptions dropped) that all versions share; read by :mod:`lintops.schema.kube.bundle`,
one version at a time and one definition at a time. Converted CRD schemas (ArgoCD, SealedSecret) under
``schemas/crds``, available in every version. Nothing is read before it is needed, and a kind's
schema is built and compiled on its first use, from the closure of the definitions it reaches only.

Building a kind's schema applies, as the API server's decoding and ``kubectl --validate=strict`` do:

- strictness: ``additionalProperties: false`` on every object schema that lists ``properties`` and
  says nothing about ``additionalProperties`` (CRDs: unless ``x-kubernetes-preserve-unknown-fields``);
  this reproduces the ``-strict`` schema sets that ``kubernetes-validate`` publishes;
- ``null`` accepted for any optional field and any map value of a built-in kind (Go's decoder
  treats it as unset / empty); not for required fields and list items. In a custom resource the
  target version decides: up to 1.19 only where the CRD says ``nullable: true``, as those API servers
  do; from 1.20, which prunes the other nulls, for optional fields and map values as in built-in kinds.

Both validator backends (``jsonschema-rs``, fast; ``jsonschema``, pure Python) report identical
:class:`SchemaError` lists: one error per unknown field and per missing field, never the value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .data import data_dir
from .json_types import json_type
from .schema.kube import bundle as _bundle
from .schema.kube import versions as _versions
from .schema.kube.compact import KEEP as _KEEP
from .schema.kube.compact import PRESERVE as _PRESERVE
from .schema.kube.compact import REF as _REF
from .schema.kube.compact import SCHEMA_LISTS as _SCHEMA_LISTS
from .schema.kube.compact import SCHEMA_MAPS as _SCHEMA_MAPS
from .schema.kube.compact import SCHEMA_ONE as _SCHEMA_ONE
from .schema.kube.compact import compact_definitions, index_definitions
from .schema.kube.compact import merge_type_alternatives as _merge_type_alternatives

__all__ = [
    "SchemaError",
    "SchemaStore",
    "compact_definitions",
    "convert_crd_schema",
    "crd_versions",
    "index_definitions",
    "kind_schema",
    "strictify",
    "supported_versions",
]

DRAFT4 = "http://json-schema.org/draft-04/schema#"
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
BACKENDS = ("jsonschema-rs", "jsonschema")

_NULLABLE = "-nullable"  # suffix of the definition copies that also accept null


@dataclass(frozen=True, order=True)
class SchemaError:
    """One schema violation of an object.

    ``pointer`` is the JSON pointer (RFC 6901, ``""`` = the object) of the offending node: for an
    unknown field the field itself, for a missing required field the mapping that lacks it.
    ``message`` never contains a value of the object (values may be secrets); field names, types and
    the schema's own constraints only.
    """

    pointer: str
    message: str
    #: The pointer names a field that should not be there: report its key, not its value. Derived from
    #: the message's kind, so not part of an error's identity.
    at_key: bool = field(default=False, compare=False)


# ----------------------------------------------------------------------------------------------
# Versions


def _normalise_version(version: object) -> str | None:
    """``"1.18"``, ``"v1.18"``, ``"1.18.0"`` (any patch) -> ``"1.18"``; None if not a version."""
    return _versions.minor(version)


def supported_versions() -> list[str]:
    """Kubernetes versions with schemas: the bundled ones and those of an installed ``kubernetes_validate``."""
    return _versions.supported_versions()


# ----------------------------------------------------------------------------------------------
# Data preparation (shared by scripts/generate_schemas.py and the runtime)


def strictify(node: Any, strict: bool = True) -> Any:
    """A copy of ``node`` with ``additionalProperties: false`` on every object schema that lists
    ``properties``, has no ``additionalProperties`` and is not ``x-kubernetes-preserve-unknown-fields``
    (nor a branch of ``allOf``/``anyOf``/``oneOf``/``not``). With ``strict=False`` it only copies and
    drops the preserve markers."""
    return _prepare(node, strict, False, set())


def _prepare(node: Any, strict: bool, optional_null: bool, null_refs: set[str]) -> Any:
    """Copy of ``node`` made strict (if asked) and, with ``optional_null``, accepting ``null`` for
    every property that is not required. ``null_refs`` collects the definitions needed nullable."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            required = node.get("required") or ()
            props = {}
            for name, sub in value.items():
                sub = _prepare(sub, strict, optional_null, null_refs)
                if optional_null and name not in required:
                    sub = _with_null(sub, null_refs)
                props[name] = sub
            out[key] = props
        elif key == "patternProperties" and isinstance(value, dict):
            out[key] = {name: _prepare(sub, strict, optional_null, null_refs) for name, sub in value.items()}
        elif key == "not":
            out[key] = _prepare(value, False, optional_null, null_refs)
        elif key in _SCHEMA_ONE:
            if isinstance(value, list):
                out[key] = [_prepare(sub, strict, optional_null, null_refs) for sub in value]
            else:
                out[key] = _prepare(value, strict, optional_null, null_refs)
                if optional_null and key == "additionalProperties":
                    out[key] = _with_null(out[key], null_refs)  # a map value: null decodes to ""
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            # branches only add value checks to fields declared beside them (structural schemas):
            # a branch that lists some properties must not forbid the others
            out[key] = [_prepare(sub, False, optional_null, null_refs) for sub in value]
        elif key.startswith("x-kubernetes-"):
            continue
        else:
            out[key] = value
    if strict and "properties" in node and "additionalProperties" not in node and node.get(_PRESERVE) is not True:
        out["additionalProperties"] = False
    return out


def _with_null(schema: Any, null_refs: set[str]) -> Any:
    """``schema`` that also accepts null."""
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(_REF):
        null_refs.add(ref[len(_REF):])
        return {"$ref": ref + _NULLABLE}
    if ref is not None:
        return {"anyOf": [{"type": "null"}, schema]}
    kind = schema.get("type")
    if kind is None:
        return schema  # no type constraint: null is already accepted
    types = [kind] if isinstance(kind, str) else list(kind)
    if "null" in types:
        return schema
    out = dict(schema)
    out["type"] = [*types, "null"]
    if isinstance(out.get("enum"), list) and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    return out


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF):
            found.add(ref[len(_REF):])
        for key, value in node.items():
            if key in _SCHEMA_MAPS and isinstance(value, dict):
                for sub in value.values():
                    _refs(sub, found)
            elif isinstance(value, (dict, list)) and key != "enum":
                _refs(value, found)
    elif isinstance(node, list):
        for sub in node:
            _refs(sub, found)


def _closure(definitions: dict[str, Any], roots: list[str]) -> list[str]:
    seen: list[str] = []
    todo = [name for name in roots if name in definitions]
    known = set(todo)
    while todo:
        name = todo.pop()
        seen.append(name)
        direct: set[str] = set()
        _refs(definitions[name], direct)
        for ref in sorted(direct - known):
            if ref in definitions:
                known.add(ref)
                todo.append(ref)
    return sorted(seen)


def _definitions_section(definitions: dict[str, Any], roots: list[str], strict: bool,
                         extra_null: set[str] = frozenset(), optional_null: bool = True) -> dict[str, Any]:
    """The prepared closure of ``roots`` plus the nullable copies it (or ``extra_null``) refers to."""
    null_refs = set(extra_null)
    closure = _closure(definitions, roots)
    out = {name: _prepare(definitions[name], strict, optional_null, null_refs) for name in closure}
    for name in sorted(null_refs):
        if name in out:
            out[name + _NULLABLE] = _with_null(out[name], set()) if "$ref" not in out[name] else \
                {"anyOf": [{"type": "null"}, {"$ref": _REF + name}]}
    return out


def kind_schema(definitions: dict[str, Any], name: str, strict: bool = True,
                optional_null: bool = True) -> dict[str, Any]:
    """A self-contained Draft 4 schema for the Kubernetes definition ``name`` (optional fields
    accept null unless ``optional_null`` is false)."""
    section = _definitions_section(definitions, [name], strict, optional_null=optional_null)
    schema = dict(section[name])
    schema["$schema"] = DRAFT4
    schema["definitions"] = section
    return schema


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
        out = _with_null(out, set())
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
    from .patterns import refused_schema_patterns
    from .schema_refs import PositionedProblem

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
    from .patterns import check_pattern

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


def _crd_kind_schema(schema: dict[str, Any], definitions: dict[str, Any] | None, strict: bool,
                     prune_nulls: bool = False) -> dict[str, Any]:
    """A compiled-ready schema for a custom resource: the CRD schema made strict (if asked), with
    apiVersion and kind allowed and metadata validated as the version's ObjectMeta.

    With ``prune_nulls`` (targets from 1.20, whose API server prunes a ``null`` in a field that is not
    ``nullable`` before validating, and so accepts it unless the field is required) ``null`` is accepted
    for every optional field and map value, as for built-in kinds; otherwise (1.17 to 1.19, which reject
    it) only where the CRD says ``nullable: true``."""
    root = _prepare(schema, strict, prune_nulls, set())
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
    meta: dict[str, Any] = {"$ref": _REF + OBJECT_META + _NULLABLE}
    if isinstance(own, dict) and set(own) - {"type"}:
        meta = {"allOf": [meta, _prepare(own, False, False, set())]}
    props["metadata"] = meta
    root["definitions"] = _definitions_section(definitions, [OBJECT_META], strict, {OBJECT_META})
    return root


# ----------------------------------------------------------------------------------------------
# Data loading


def _read_json(path: Path) -> Any:
    with open(path, "rb") as handle:
        return json.loads(handle.read())


def _version_data(version: str) -> _bundle.VersionData:
    return _bundle.load(version)


_BUNDLED_CRDS: dict[str, dict[str, str]] | None = None


def _bundled_crds() -> dict[str, dict[str, str]]:
    """apiVersion -> kind -> file name (in schemas/crds) of the bundled CRD schemas."""
    global _BUNDLED_CRDS
    if _BUNDLED_CRDS is None:
        try:
            path = data_dir("schemas") / "crds" / "index.json"
            _BUNDLED_CRDS = _read_json(path)["kinds"] if path.is_file() else {}
        except FileNotFoundError:
            _BUNDLED_CRDS = {}
    return _BUNDLED_CRDS


# ----------------------------------------------------------------------------------------------
# Backends and error normalisation


def _resolve_backend(backend: str | None) -> str:
    import importlib.util

    if backend is None:
        return "jsonschema-rs" if importlib.util.find_spec("jsonschema_rs") is not None else "jsonschema"
    if backend not in BACKENDS:
        raise ValueError(f"unknown schema backend {backend!r}; supported: {', '.join(BACKENDS)}")
    module = "jsonschema_rs" if backend == "jsonschema-rs" else "jsonschema"
    if importlib.util.find_spec(module) is None:
        raise ValueError(f"schema backend {backend!r} is not installed (python package {module})")
    return backend


def _plain(value: Any) -> Any:
    """``value`` as exactly the JSON types (YAML timestamps, binary, sets and non-string keys
    converted the way Kubernetes' YAML-to-JSON conversion sees them)."""
    if isinstance(value, dict):
        return {_plain_key(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, int):  # bool subclasses cannot exist; int subclasses (IntEnum) can
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        import base64

        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (set, frozenset)):
        return sorted((_plain(item) for item in value), key=repr)
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return isoformat()
    return str(value)


def _plain_key(key: Any) -> str:
    if isinstance(key, str):
        return str(key)
    if key is None or isinstance(key, (bool, int, float)):
        return json.dumps(key)
    plain = _plain(key)
    return plain if isinstance(plain, str) else json.dumps(plain, sort_keys=True)


def _escape(token: Any) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _pointer(path: Any) -> str:
    return "".join("/" + _escape(token) for token in path)


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value)


def _messages(keyword: str, detail: Any, instance: Any) -> list[tuple[str | None, str]]:
    """(extra pointer token or None, message) for one normalised error."""
    if keyword == "additionalProperties":
        return [(key, f"unknown field '{key}'") for key in detail]
    if keyword == "required":
        return [(None, f"missing required field '{name}'") for name in detail]
    if keyword == "type":
        types = [detail] if isinstance(detail, str) else list(detail)
        shown = sorted({t for t in types if t != "null"}) or ["null"]
        got = json_type(instance)
        if len(shown) == 1:
            return [(None, f"expected {shown[0]}, got {got}")]
        return [(None, f"expected one of the allowed types ({', '.join(shown)}), got {got}")]
    if keyword == "enum":
        options = [json.dumps(option) for option in detail]
        listed = ", ".join(options[:12]) + (", ..." if len(options) > 12 else "")
        return [(None, f"value is not one of the allowed values: {listed}")]
    simple = {
        "pattern": "value does not match the pattern {}",
        "minLength": "value must be at least {} characters long",
        "maxLength": "value must be at most {} characters long",
        "minimum": "value must be at least {}",
        "maximum": "value must be at most {}",
        "exclusiveMinimum": "value must be greater than {}",
        "exclusiveMaximum": "value must be less than {}",
        "minItems": "list must have at least {} items",
        "maxItems": "list must have at most {} items",
        "minProperties": "mapping must have at least {} fields",
        "maxProperties": "mapping must have at most {} fields",
        "multipleOf": "value must be a multiple of {}",
    }
    if keyword in simple:
        shown = json.dumps(detail) if keyword == "pattern" else _number(detail)
        return [(None, simple[keyword].format(shown))]
    fixed = {
        "uniqueItems": "list items must be unique",
        "anyOf": "value does not match any of the allowed schemas",
        "oneOf": "value must match exactly one of the allowed schemas",
        "not": "value matches a schema it must not match",
        "falseSchema": "no value is allowed here",
    }
    return [(None, fixed.get(keyword, f"value does not satisfy the schema keyword '{keyword}'"))]


def _collect(raw: list[tuple[Any, str, Any, Any]]) -> list[SchemaError]:
    found = set()
    for path, keyword, detail, instance in raw:
        base = _pointer(path)
        for token, message in _messages(keyword, detail, instance):
            if token is None:
                found.add(SchemaError(base, message))
            else:
                found.add(SchemaError(base + "/" + _escape(token), message, at_key=True))
    return sorted(found)


class _RustValidator:
    def __init__(self, schema: dict[str, Any], *, re2: bool = True) -> None:
        import jsonschema_rs

        from .patterns import RE2_PATTERN_KEYWORD, Re2Pattern, jsonschema_rs_pattern_options
        from .schema_refs import refuse_retrieval  # fetch nothing, whatever a schema names

        schema, renamed = _re2_patterns(schema) if re2 else (schema, False)
        self._validator = jsonschema_rs.Draft4Validator(schema, validate_formats=False, retriever=refuse_retrieval,
                                                        pattern_options=jsonschema_rs_pattern_options(),
                                                        keywords={RE2_PATTERN_KEYWORD: Re2Pattern} if renamed else None)

    def __call__(self, body: Any) -> list[SchemaError]:
        try:
            if self._validator.is_valid(body):
                return []
            errors = list(self._validator.iter_errors(body))
        except (ValueError, TypeError, OverflowError):  # not plain JSON data (YAML timestamp, non-string key, ...)
            body = _plain(body)
            if self._validator.is_valid(body):
                return []
            errors = list(self._validator.iter_errors(body))
        raw = []
        for error in errors:
            kind = error.kind
            keyword = kind.name
            if keyword == "additionalProperties":
                detail: Any = list(kind.unexpected)
            elif keyword == "required":
                detail = [kind.property]
            elif keyword == "type":
                detail = list(kind.types)
            elif keyword == "enum":
                detail = list(kind.options)
            elif keyword == "pattern":
                detail = kind.pattern
            elif getattr(kind, "keyword", None) == _RE2_KEYWORD:  # a custom keyword: Re2Pattern
                keyword, detail = "pattern", kind.message
            elif keyword in ("oneOf", "anyOf"):
                detail = None
            else:
                detail = getattr(kind, "limit", None)
            instance = error.instance if keyword == "type" else None
            raw.append((error.instance_path, keyword, detail, instance))
        return _collect(raw)


_RE2_KEYWORD = "x-lintops-re2-pattern"  # lintops.patterns.RE2_PATTERN_KEYWORD, without importing it here


def _re2_patterns(node: Any) -> tuple[Any, bool]:
    """``node`` with each ``pattern`` that jsonschema-rs would read otherwise than RE2 renamed to the
    keyword :class:`lintops.patterns.Re2Pattern` implements, and whether any was; ``node`` is not changed.

    Why: the API server matches a CRD's patterns with Go's regexp (RE2 syntax: ``(?i)``, ``\\z``, ...),
    which jsonschema-rs' ECMA-262 reading refuses or reads differently.
    """
    from .patterns import jsonschema_rs_can_match

    if isinstance(node, list):
        items = [_re2_patterns(sub) for sub in node]
        return ([item for item, _ in items], True) if any(changed for _, changed in items) else (node, False)
    if not isinstance(node, dict):
        return node, False
    out: dict[str, Any] = {}
    changed = False
    for key, value in node.items():
        if key == "pattern" and isinstance(value, str) and not jsonschema_rs_can_match(value):
            out[_RE2_KEYWORD] = value
            changed = True
            continue
        if key in _SCHEMA_MAPS or key == "definitions":
            if isinstance(value, dict):
                subs = {name: _re2_patterns(sub) for name, sub in value.items()}
                if any(sub_changed for _, sub_changed in subs.values()):
                    value = {name: sub for name, (sub, _) in subs.items()}
                    changed = True
        elif key in _SCHEMA_ONE or key in _SCHEMA_LISTS:
            value, sub_changed = _re2_patterns(value)
            changed = changed or sub_changed
        out[key] = value
    return (out, True) if changed else (node, False)


class _PythonValidator:
    def __init__(self, schema: dict[str, Any]) -> None:
        import jsonschema

        from .patterns import linear_time_validator
        from .schema_refs import python_registry  # fetch nothing, whatever a schema names

        self._validator = linear_time_validator(jsonschema.Draft4Validator)(schema, registry=python_registry())

    def __call__(self, body: Any) -> list[SchemaError]:
        body = _plain(body)
        raw = []
        try:
            errors = list(self._validator.iter_errors(body))
        except Exception as exc:  # a schema this backend finds unusable only while validating
            return _Unusable(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)(body)
        for error in errors:
            keyword = error.validator
            detail: Any = error.validator_value
            instance = error.instance
            if keyword == "additionalProperties":
                detail = _additional(error.schema, instance)
            elif keyword == "required":
                detail = [name for name in detail if isinstance(instance, dict) and name not in instance]
            elif keyword in ("minimum", "maximum") and error.schema.get("exclusive" + keyword.title()) is True:
                keyword = "exclusive" + keyword.title()
            elif keyword in (None, False):
                keyword = "falseSchema"
            elif keyword in ("oneOf", "anyOf"):
                detail = None
            raw.append((error.absolute_path, keyword, detail, instance))
        return _collect(raw)


def _additional(schema: dict[str, Any], instance: Any) -> list[str]:
    from .patterns import additional_keys

    if not isinstance(instance, dict):
        return []
    return additional_keys(schema, instance)


def _compile(schema: dict[str, Any], backend: str, *, re2: bool = True) -> Callable[[Any], list[SchemaError]]:
    """A validator of ``schema``; ``re2=False`` skips looking for patterns to read with RE2 semantics,
    for the bundled Kubernetes definitions, which have no ``pattern`` keyword (a test keeps that true)
    and would otherwise be walked node by node for every kind a run validates."""
    if backend == "jsonschema-rs":
        return _RustValidator(schema, re2=re2)
    return _PythonValidator(schema)


class _Unusable:
    """Stands in for a schema that could not be compiled: every object gets one error saying so."""

    def __init__(self, reason: str) -> None:
        self._errors = [SchemaError("", f"the schema of this kind could not be used: {reason}")]

    def __call__(self, body: Any) -> list[SchemaError]:
        return list(self._errors)


# compiled validators of built-in kinds and bundled CRDs: (version, strict, backend, apiVersion, kind)
_COMPILED: dict[tuple[str, bool, str, str, str], Callable[[Any], list[SchemaError]]] = {}


# ----------------------------------------------------------------------------------------------
# The store


class SchemaStore:
    """The schemas of one Kubernetes version: built-in kinds, bundled CRDs, CRDs of the run.

    A run that targets several versions makes one store per version: the version data is loaded once
    per process (:func:`lintops.schema.kube.bundle.load`) and compiled validators are cached by version,
    so stores of different versions share what their versions have in common. Raises ``ValueError``
    (:class:`~lintops.schema.kube.versions.UnsupportedVersion`) naming the supported range for a version
    without data."""

    def __init__(self, kubernetes_version: str = "1.18", strict: bool = True, backend: str | None = None) -> None:
        version = _versions.resolve(kubernetes_version)
        self.kubernetes_version = version
        self.strict = bool(strict)
        self.backend = _resolve_backend(backend)
        #: Custom resources: from 1.20 the API server prunes nulls of fields that are not nullable.
        self._prunes_nulls = _versions.version_key(version) >= (1, 20)
        self._data = _version_data(version)
        self._crds: dict[tuple[str, str], dict[str, Any]] = {}
        self._crd_validators: dict[tuple[str, str], Callable[[Any], list[SchemaError]]] = {}

    def has_schema(self, api_version: str, kind: str) -> bool:
        """Whether objects of ``api_version`` and ``kind`` can be validated."""
        if not isinstance(api_version, str) or not isinstance(kind, str):
            return False
        return (
            (api_version, kind) in self._crds
            or self._data.lookup(api_version, kind) is not None
            or kind in _bundled_crds().get(api_version, {})
        )

    def validate(self, api_version: str, kind: str, body: dict) -> list[SchemaError] | None:
        """Every schema error of ``body`` (sorted by pointer, then message); [] when valid;
        None when no schema is known for ``api_version`` and ``kind``."""
        validator = self._validator(api_version, kind)
        return None if validator is None else validator(body)

    def add_crd(self, crd_body: dict) -> list[str]:
        """Register the served versions of a CustomResourceDefinition found among the inputs; they
        take precedence over bundled schemas of the same kind. Returns problems, never raises."""
        from .schema_refs import crd_reference_problems

        refused = crd_reference_problems(crd_body)  # a $ref out of the CRD: not used (each names its node)
        if refused:
            return list(refused)
        try:
            found, problems = crd_versions(crd_body)
        except (TypeError, ValueError, AttributeError) as exc:  # malformed beyond what is checked
            return [f"CRD could not be read: {exc}"]
        for api_version, kind, schema in found:
            self._crds[(api_version, kind)] = schema
            self._crd_validators.pop((api_version, kind), None)
        return problems

    # -- internals

    def _validator(self, api_version: str, kind: str) -> Callable[[Any], list[SchemaError]] | None:
        if not isinstance(api_version, str) or not isinstance(kind, str):
            return None
        key = (api_version, kind)
        if key in self._crds:
            validator = self._crd_validators.get(key)
            if validator is None:
                validator = self._build(lambda: _crd_kind_schema(self._crds[key], self._objectmeta_defs(), self.strict,
                                                                 self._prunes_nulls))
                self._crd_validators[key] = validator
            return validator
        cache_key = (self.kubernetes_version, self.strict, self.backend, api_version, kind)
        validator = _COMPILED.get(cache_key)
        if validator is not None:
            return validator
        name = self._data.lookup(api_version, kind)
        if name is not None:
            data = self._data
            validator = self._build(lambda: kind_schema(data.definitions, name, self.strict), re2=False)
        else:
            file_name = _bundled_crds().get(api_version, {}).get(kind)
            if file_name is None:
                return None
            path = data_dir("schemas") / "crds" / file_name
            validator = self._build(lambda: _crd_kind_schema(_read_json(path), self._objectmeta_defs(), self.strict,
                                                             self._prunes_nulls))
        _COMPILED[cache_key] = validator
        return validator

    def _objectmeta_defs(self) -> dict[str, Any] | None:
        try:
            return self._data.definitions
        except (OSError, ValueError):
            return None

    def _build(self, make: Callable[[], dict[str, Any]], *, re2: bool = True) -> Callable[[Any], list[SchemaError]]:
        try:
            return _compile(make(), self.backend, re2=re2)
        except Exception as exc:  # each backend raises its own kind of error for a bad schema
            return _Unusable(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
