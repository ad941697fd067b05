"""Kubernetes objects validated by either backend, with identical :class:`SchemaError` lists.

Both backends (``jsonschema-rs``, fast; ``jsonschema``, pure Python; chosen and compiled by
:mod:`lintops.schema.service`, fetching nothing whatever a schema names) report one error per unknown
field and per missing field, worded from the schema alone, never with the value (values may be secrets).
A CRD's patterns are matched with RE2 semantics, as the API server's Go regexp does; a schema a backend
cannot compile becomes one error per object saying so.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...lazy_pattern import lazy
from ..json_types import json_type
from ..service import escape as _escape
from ..service import plain as _plain
from ..service import pointer as _pointer
from ..service import python_validator, rust_validator
from .compact import SCHEMA_LISTS as _SCHEMA_LISTS
from .compact import SCHEMA_MAPS as _SCHEMA_MAPS
from .compact import SCHEMA_ONE as _SCHEMA_ONE

__all__ = ["SchemaError", "Validator", "compile_schema", "field_path", "located_message", "unusable"]


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
    #: The failing JSON Schema keyword (``additionalProperties``, ``required``, ``type``, ...).
    keyword: str = field(default="", compare=False, repr=False)

#: The keywords whose messages name the field themselves (``unknown field 'x'``, ``missing required field 'y'``).
_NAMING_KEYWORDS = frozenset({"additionalProperties", "required"})
_PLAIN_KEY = lazy(r"[A-Za-z_$][A-Za-z0-9_$-]*\Z")


def field_path(pointer: str, body: Any) -> str:
    """``spec.template.spec.containers[0].image``: the node at ``pointer`` in ``body`` named as the Kubernetes
    docs and ``kubectl explain`` name fields; list indexes in brackets (a list is told from a mapping by
    ``body`` itself, so a key ``"0"`` stays a key), a key that is no plain name quoted
    (``metadata.labels["app.kubernetes.io/name"]``)."""
    text, node = "", body
    for raw in pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and token.isdigit():
            text += f"[{token}]"
            node = node[int(token)] if int(token) < len(node) else None
            continue
        text += (f".{token}" if text else token) if _PLAIN_KEY.match(token) else f"[{json.dumps(token)}]"
        node = node.get(token) if isinstance(node, dict) else None
    return text


def located_message(error: SchemaError, body: Any) -> str:
    """The error's message, starting with the field path when it is about a value (``spec.replicas:
    expected integer, got string``): "expected string" alone does not say which of an object's strings.
    Messages that name their field (unknown, missing) and errors of the whole object stay as they are.
    The same words whichever backend found the error, since both give the same :class:`SchemaError`."""
    if not error.pointer or error.at_key or error.keyword in _NAMING_KEYWORDS:
        return error.message
    return f"{field_path(error.pointer, body)}: {error.message}"


#: A compiled validator: an object's body -> its errors, sorted.
Validator = Callable[[Any], list[SchemaError]]


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
                found.add(SchemaError(base, message, keyword=keyword))
            else:
                found.add(SchemaError(base + "/" + _escape(token), message, at_key=True, keyword=keyword))
    return sorted(found)


class _RustValidator:
    def __init__(self, schema: dict[str, Any], *, re2: bool = True) -> None:
        from ...patterns import RE2_PATTERN_KEYWORD, Re2Pattern

        schema, renamed = _re2_patterns(schema) if re2 else (schema, False)
        self._validator = rust_validator(schema, draft4=True,  # fetches nothing, whatever a schema names
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
    from ...patterns import jsonschema_rs_can_match

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

        self._validator = python_validator(jsonschema.Draft4Validator, schema)  # fetches nothing

    def __call__(self, body: Any) -> list[SchemaError]:
        body = _plain(body)
        raw = []
        try:
            errors = list(self._validator.iter_errors(body))
        except Exception as exc:  # a schema this backend finds unusable only while validating
            return unusable(exc)(body)
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
    from ...patterns import additional_keys

    if not isinstance(instance, dict):
        return []
    return additional_keys(schema, instance)


def compile_schema(schema: dict[str, Any], backend: str, *, re2: bool = True) -> Validator:
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


def unusable(exc: Exception) -> Validator:
    """The validator of a schema that ``exc`` (each backend raises its own kind) says cannot be used."""
    return _Unusable(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
