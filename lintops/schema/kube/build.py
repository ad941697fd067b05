"""A Kubernetes kind's schema, built from the version's compact definitions as the API server decodes.

Building a kind's schema applies, as the API server's decoding and ``kubectl --validate=strict`` do:

- strictness: ``additionalProperties: false`` on every object schema that lists ``properties`` and
  says nothing about ``additionalProperties`` (CRDs: unless ``x-kubernetes-preserve-unknown-fields``);
  this reproduces the ``-strict`` schema sets that ``kubernetes-validate`` publishes;
- ``null`` accepted for any optional field and any map value of a built-in kind (Go's decoder
  treats it as unset / empty); not for required fields and list items. In a custom resource the
  target version decides (:mod:`.crd`).

Only the closure of the definitions a kind reaches is prepared. Shared by ``scripts/generate_schemas.py``
(which checks that :func:`strictify` reproduces the published ``-strict`` sets) and the runtime.
"""

from __future__ import annotations

from typing import Any

from .compact import PRESERVE as _PRESERVE
from .compact import REF as _REF
from .compact import SCHEMA_LISTS as _SCHEMA_LISTS
from .compact import SCHEMA_MAPS as _SCHEMA_MAPS
from .compact import SCHEMA_ONE as _SCHEMA_ONE

__all__ = ["DRAFT4", "NULLABLE", "OBJECT_META", "definitions_section", "kind_schema", "prepare", "strictify",
           "with_null"]

DRAFT4 = "http://json-schema.org/draft-04/schema#"
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
NULLABLE = "-nullable"  # suffix of the definition copies that also accept null


def strictify(node: Any, strict: bool = True) -> Any:
    """A copy of ``node`` with ``additionalProperties: false`` on every object schema that lists
    ``properties``, has no ``additionalProperties`` and is not ``x-kubernetes-preserve-unknown-fields``
    (nor a branch of ``allOf``/``anyOf``/``oneOf``/``not``). With ``strict=False`` it only copies and
    drops the preserve markers."""
    return prepare(node, strict, False, set())


def prepare(node: Any, strict: bool, optional_null: bool, null_refs: set[str]) -> Any:
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
                sub = prepare(sub, strict, optional_null, null_refs)
                if optional_null and name not in required:
                    sub = with_null(sub, null_refs)
                props[name] = sub
            out[key] = props
        elif key == "patternProperties" and isinstance(value, dict):
            out[key] = {name: prepare(sub, strict, optional_null, null_refs) for name, sub in value.items()}
        elif key == "not":
            out[key] = prepare(value, False, optional_null, null_refs)
        elif key in _SCHEMA_ONE:
            if isinstance(value, list):
                out[key] = [prepare(sub, strict, optional_null, null_refs) for sub in value]
            else:
                out[key] = prepare(value, strict, optional_null, null_refs)
                if optional_null and key == "additionalProperties":
                    out[key] = with_null(out[key], null_refs)  # a map value: null decodes to ""
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            # branches only add value checks to fields declared beside them (structural schemas):
            # a branch that lists some properties must not forbid the others
            out[key] = [prepare(sub, False, optional_null, null_refs) for sub in value]
        elif key.startswith("x-kubernetes-"):
            continue
        else:
            out[key] = value
    if strict and "properties" in node and "additionalProperties" not in node and node.get(_PRESERVE) is not True:
        out["additionalProperties"] = False
    return out


def with_null(schema: Any, null_refs: set[str]) -> Any:
    """``schema`` that also accepts null."""
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(_REF):
        null_refs.add(ref[len(_REF):])
        return {"$ref": ref + NULLABLE}
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


def definitions_section(definitions: dict[str, Any], roots: list[str], strict: bool,
                         extra_null: set[str] = frozenset(), optional_null: bool = True) -> dict[str, Any]:
    """The prepared closure of ``roots`` plus the nullable copies it (or ``extra_null``) refers to."""
    null_refs = set(extra_null)
    closure = _closure(definitions, roots)
    out = {name: prepare(definitions[name], strict, optional_null, null_refs) for name in closure}
    for name in sorted(null_refs):
        if name in out:
            out[name + NULLABLE] = with_null(out[name], set()) if "$ref" not in out[name] else \
                {"anyOf": [{"type": "null"}, {"$ref": _REF + name}]}
    return out


def kind_schema(definitions: dict[str, Any], name: str, strict: bool = True,
                optional_null: bool = True) -> dict[str, Any]:
    """A self-contained Draft 4 schema for the Kubernetes definition ``name`` (optional fields
    accept null unless ``optional_null`` is false)."""
    section = definitions_section(definitions, [name], strict, optional_null=optional_null)
    schema = dict(section[name])
    schema["$schema"] = DRAFT4
    schema["definitions"] = section
    return schema
