"""Check ``json-schema``: assert a JSON Schema over the rule's subject, one finding per failing node.

Most house rules a platform team writes are "this field must be set", "that value must be one of"
assertions; a JSON Schema says them in data, and this check turns its errors into positioned
findings. A rule names its subject through ``targets`` (a whole object, a pod spec, each container)
and gives the schema and the message::

    check: json-schema
    targets: [container]
    params:
      message: "container '{name}' sets no {missing}"
      schema:
        required: [livenessProbe]

Parameters:

``schema`` (required)
    The JSON Schema. Its ``$schema`` chooses the draft (4, 6, 7, 2019-09, 2020-12; 3 with the pure
    Python backend); the default is 2020-12. ``format`` is asserted, not only annotated. Only local
    references (``$ref: "#/$defs/..."``) are allowed: a rule never makes lintops read a file or the
    network. The schema is checked against its draft's meta-schema when the rule is loaded.
    ``pattern`` and ``patternProperties`` are matched in linear time (RE2 syntax: no lookaround, no
    backreferences; a rule whose pattern needs them is refused when it loads).
``message`` (required)
    The finding's message. Placeholders: ``{name}`` (the ``name`` field of the failing node or of its
    nearest parent within the subject that has one, e.g. the container name; else the object's
    ``metadata.name``), ``{kind}`` (the object's kind), ``{path}`` (the failing node, dotted, relative to
    the subject: ``resources.limits.cpu``; ``.`` is the subject itself), ``{missing}`` (for a failing
    ``required``: what is missing, dotted and relative to the subject, followed down the schema's
    nested ``required`` properties, so a missing ``resources`` reads ``resources.limits.cpu and
    resources.limits.memory``; for any other failure the same as ``{path}``) and ``{error}`` (what the
    schema asks for, in words built from the schema alone: ``must be one of "Always", "IfNotPresent"``).
    No placeholder ever echoes a value of the object, so a message cannot leak a secret.
``messages``
    Messages by failing keyword (``required``, ``not``, ``enum``, ...), overriding ``message``.
``when``
    A JSON Schema over the whole object: the rule looks only at objects that match it
    (``{not: {properties: {kind: {const: Pod}}}}``).
``nullAsAbsent`` (default ``true``)
    A key whose value is ``null`` is treated as absent, as Kubernetes' decoder does: ``livenessProbe: ~``
    is no probe.

Every failing node yields one finding, at that node: a missing ``required`` property is reported at
the mapping that lacks it (the container, its ``resources``, ...), a wrong value at the value. Several
errors at the same node make one finding. The schema is compiled once per rule, with jsonschema-rs
when it is installed (tens of microseconds per object) and the ``jsonschema`` package otherwise.
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ..lazy_pattern import lazy
from ..model import Violation
from ..rules import RuleError
from ..schema.compiled import CompiledSchema, SchemaUnusable
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext
    from ..schema.service import Error

PLACEHOLDERS = frozenset({"name", "kind", "path", "missing", "error"})
_IDENTIFIER = lazy(r"^[A-Za-z0-9_-]+$")
_MAX_EXPANSION_DEPTH = 16


class SchemaParamError(RuleError, ValueError):
    """A ``json-schema`` rule whose parameters cannot be used (an invalid schema, an unknown placeholder).

    ``pointer``, when the problem is one node of the parameters (a ``$ref``), is its JSON pointer inside
    ``params``, so that the rule loader reports it at that key of the rule file.
    """

    def __init__(self, message: str, pointer: str | None = None) -> None:
        super().__init__(message)
        self.pointer = pointer


class JsonSchema(Check):
    name = "json-schema"
    description = "Asserts a JSON Schema over each subject of the rule; each failing node becomes a finding."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "schema": {"type": "object",
                       "description": "The JSON Schema each subject must match. Its `$schema` chooses the draft (4, "
                                      "6, 7, 2019-09, 2020-12; default 2020-12); `format` is asserted; only local "
                                      "`$ref` (`#/$defs/...`); `pattern` in RE2 syntax. Checked against its "
                                      "draft's meta-schema when the rule loads."},
            "message": {"type": "string", "minLength": 1,
                        "description": "The finding's message. Placeholders: `{name}` (the `name` of the failing "
                                       "node or its nearest parent that has one, else the object's), `{kind}`, "
                                       "`{path}` (the failing node, dotted, relative to the subject), `{missing}` "
                                       "(what a failing `required` lacks, followed down nested `required`) and "
                                       "`{error}` (what the schema asks for, in words). None echoes a value of the "
                                       "object."},
            "messages": {"type": "object", "additionalProperties": {"type": "string", "minLength": 1},
                         "description": "Messages by failing keyword (`required`, `not`, `enum`, ...), overriding "
                                        "`message` for that keyword; same placeholders."},
            "when": {"type": "object",
                     "description": "A JSON Schema over the whole object: the rule looks only at objects that "
                                    "match it (`{not: {properties: {kind: {const: Pod}}}}`)."},
            "nullAsAbsent": {"type": "boolean", "default": True,
                             "description": "Treat a key whose value is null as absent, as Kubernetes' decoder "
                                            "does (`livenessProbe: ~` is no probe)."},
        },
        "required": ["schema", "message"],
        "additionalProperties": False,
    }

    #: lintops.rules.bind may pass ``known_usable=True`` for params known to construct this check.
    defers_compile = True

    def __init__(self, params: dict[str, Any] | None = None, known_usable: bool = False) -> None:
        super().__init__(params)
        message = self.params.get("message")
        if not isinstance(message, str) or not message:
            raise SchemaParamError("params.message: a non-empty message is required")
        self._message = _checked_template(message, "params.message")
        messages = self.params.get("messages") or {}
        if not isinstance(messages, Mapping):
            raise SchemaParamError("params.messages: must map JSON Schema keywords to messages")
        self._messages = {str(keyword): _checked_template(text, f"params.messages.{keyword}")
                          for keyword, text in messages.items()}
        if "schema" not in self.params:
            raise SchemaParamError("params.schema: a JSON Schema is required")
        self._schema = _compiled(self.params["schema"], "params.schema", known_usable)
        when = self.params.get("when")
        self._when = _compiled(when, "params.when", known_usable) if when is not None else None
        self._null_as_absent = bool(self.params.get("nullAsAbsent", True))
        self._when_cache: tuple[Any, bool] | None = None

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        if self._when is not None and not self._applies(subject.resource.body, subject.resource.has_nulls):
            return ()
        strip = self._null_as_absent and subject.resource.has_nulls
        instance = _without_nulls(subject.value) if strip else subject.value
        if self._schema.is_valid(instance):  # most objects pass: skip building the error list
            return ()
        errors = self._schema.errors(instance)
        if not errors:
            return ()
        return list(self._violations(subject, instance, errors))

    def _applies(self, body: Any, has_nulls: bool = True) -> bool:
        # A rule with container targets asks once per container; the answer is the object's.
        cached = self._when_cache
        if cached is not None and cached[0] is body:
            return cached[1]
        assert self._when is not None
        strip = self._null_as_absent and has_nulls
        answer = self._when.is_valid(_without_nulls(body) if strip else body)
        self._when_cache = (body, answer)
        return answer

    def _violations(self, subject: Subject, instance: Any, errors: list[Error]) -> Iterator[Violation]:
        groups: dict[tuple[str | int, ...], list[Error]] = {}
        for error in errors:
            groups.setdefault(error.path, []).append(error)
        for path, group in groups.items():
            node = _node_at(instance, path)
            missing: list[str] = []
            required = [error for error in group if error.keyword == "required"]
            for error in required:
                for tokens in self._missing(error, node):
                    rendered = _dotted(path + tokens)
                    if rendered not in missing:
                        missing.append(rendered)
            lead = required[0] if required else group[0]
            descriptions: list[str] = []
            for error in group:
                text = self._describe(error, node, path)
                if text not in descriptions:
                    descriptions.append(text)
            fields = {
                "name": _name_at(instance, path) or subject.resource.name or "<unnamed>",
                "kind": subject.resource.kind,
                "path": _dotted(path),
                "missing": _join(missing) if missing else _dotted(path),
                "error": "; ".join(descriptions),
            }
            template = self._messages.get(lead.keyword, self._message)
            yield Violation(subject.at(*path), template.format(**fields))

    def _missing(self, error: Error, node: Any) -> Iterator[tuple[str | int, ...]]:
        """Dotted tails of what a failing ``required`` lacks, followed down nested ``required`` properties."""
        owner = self._schema.deref(self._schema.resolve(error.schema_path[:-1]))
        required = owner.get("required") if isinstance(owner, dict) else None
        if not isinstance(required, list) or not isinstance(node, dict):
            return
        properties = owner.get("properties") if isinstance(owner.get("properties"), dict) else {}
        for name in required:
            if isinstance(name, str) and name not in node:
                yield from self._expand((name,), properties.get(name), 0)

    def _expand(self, tokens: tuple[str, ...], subschema: Any, depth: int) -> Iterator[tuple[str, ...]]:
        subschema = self._schema.deref(subschema)
        required = subschema.get("required") if isinstance(subschema, dict) else None
        if not isinstance(required, list) or not required or depth >= _MAX_EXPANSION_DEPTH:
            yield tokens
            return
        properties = subschema.get("properties") if isinstance(subschema.get("properties"), dict) else {}
        for name in required:
            if isinstance(name, str):
                yield from self._expand((*tokens, name), properties.get(name), depth + 1)

    def _describe(self, error: Error, node: Any, path: tuple[str | int, ...]) -> str:
        """What the failing keyword asks for, in words taken from the schema only (never from the object)."""
        owner = self._schema.deref(self._schema.resolve(error.schema_path[:-1]))
        value = owner.get(error.keyword) if isinstance(owner, dict) else None
        keyword = error.keyword
        if keyword == "required":
            missing = [_dotted(path + tokens) for tokens in self._missing(error, node)]
            return f"missing {_join(missing)}" if missing else "a required property is missing"
        if keyword == "type":
            types = value if isinstance(value, list) else [value]
            return f"must be of type {' or '.join(str(t) for t in types)}"
        if keyword == "enum" and isinstance(value, list):
            shown = ", ".join(json.dumps(v) for v in value[:10]) + (", ..." if len(value) > 10 else "")
            return f"must be one of {shown}"
        if keyword == "const":
            return f"must be {json.dumps(value)}"
        for bound, exclusive, word in _DRAFT4_BOUNDS:  # draft 4: a boolean beside the bound
            if keyword in (bound, exclusive) and isinstance(owner, dict) and owner.get(exclusive) is True:
                return f"must be {word} than {owner.get(bound)}"
        if keyword in _DESCRIPTIONS:
            return _DESCRIPTIONS[keyword].format(value=value)
        if keyword == "false":
            return "is not allowed here"
        return f"fails the schema's '{keyword}'"


_DRAFT4_BOUNDS = (("minimum", "exclusiveMinimum", "greater"), ("maximum", "exclusiveMaximum", "less"))
_DESCRIPTIONS = {
    "pattern": "must match the pattern {value}",
    "format": "must be a valid {value}",
    "minimum": "must be at least {value}",
    "maximum": "must be at most {value}",
    "exclusiveMinimum": "must be greater than {value}",
    "exclusiveMaximum": "must be less than {value}",
    "multipleOf": "must be a multiple of {value}",
    "minLength": "must be at least {value} characters long",
    "maxLength": "must be at most {value} characters long",
    "minItems": "must have at least {value} items",
    "maxItems": "must have at most {value} items",
    "uniqueItems": "must not repeat items",
    "contains": "must contain an item the schema describes",
    "minContains": "must contain more items the schema describes",
    "maxContains": "must contain fewer items the schema describes",
    "minProperties": "must have at least {value} properties",
    "maxProperties": "must have at most {value} properties",
    "additionalProperties": "has properties the schema does not allow",
    "unevaluatedProperties": "has properties the schema does not allow",
    "additionalItems": "has items the schema does not allow",
    "unevaluatedItems": "has items the schema does not allow",
    "items": "has items the schema does not allow",
    "prefixItems": "has items the schema does not allow",
    "propertyNames": "has a property name the schema does not allow",
    "dependentRequired": "lacks a property that another property requires",
    "dependencies": "lacks a property that another property requires",
    "dependentSchemas": "does not match what another property requires",
    "not": "matches what the schema forbids",
    "anyOf": "matches none of the allowed alternatives",
    "oneOf": "must match exactly one of the alternatives",
}


def _compiled(schema: Any, where: str, known_usable: bool = False) -> CompiledSchema:
    """``schema`` compiled (when first used, if ``known_usable``); a schema that cannot be used makes the
    rule's parameters unusable."""
    try:
        return CompiledSchema(schema, where, known_usable)
    except SchemaUnusable as exc:
        raise SchemaParamError(str(exc), exc.pointer) from None


def _checked_template(text: Any, where: str) -> str:
    """A message template with only known, plain placeholders (no attribute access, no format spec)."""
    if not isinstance(text, str) or not text:
        raise SchemaParamError(f"{where}: must be a non-empty string")
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise SchemaParamError(f"{where}: {exc} (write '{{{{' and '}}}}' for literal braces)") from None
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in PLACEHOLDERS:
            raise SchemaParamError(f"{where}: unknown placeholder '{{{field}}}' "
                                   f"(allowed: {', '.join('{' + p + '}' for p in sorted(PLACEHOLDERS))})")
        if spec or conversion:
            raise SchemaParamError(f"{where}: placeholder '{{{field}}}' takes no conversion or format spec")
    return text


def _without_nulls(value: Any) -> Any:
    """``value`` without mapping keys whose value is null; the same object when there are none."""
    if isinstance(value, dict):
        changed = False
        result = {}
        for key, item in value.items():
            if item is None:
                changed = True
                continue
            cleaned = _without_nulls(item)
            changed = changed or cleaned is not item
            result[key] = cleaned
        return result if changed else value
    if isinstance(value, list):
        cleaned_items = [_without_nulls(item) for item in value]
        if any(new is not old for new, old in zip(cleaned_items, value, strict=True)):
            return cleaned_items
        return value
    return value


def _node_at(instance: Any, path: Sequence[str | int]) -> Any:
    node = instance
    for token in path:
        if isinstance(node, dict):
            node = node.get(token)
        elif isinstance(node, list) and isinstance(token, int) and 0 <= token < len(node):
            node = node[token]
        else:
            return None
    return node


def _name_at(instance: Any, path: Sequence[str | int]) -> str | None:
    """The ``name`` of the failing node or of its nearest parent within the subject that has one."""
    nodes = [instance]
    for token in path:
        nodes.append(_node_at(nodes[-1], (token,)))
    for node in reversed(nodes):
        if isinstance(node, dict) and isinstance(node.get("name"), str) and node["name"]:
            return node["name"]
    return None


def _dotted(path: Sequence[str | int]) -> str:
    """``resources.limits.cpu``, ``ports[0].name``, ``labels["app.kubernetes.io/name"]``; ``.`` for the subject."""
    parts: list[str] = []
    for token in path:
        if isinstance(token, int):
            parts.append(f"[{token}]")
        elif _IDENTIFIER.match(token):
            parts.append(f".{token}" if parts else token)
        else:
            parts.append(f"[{json.dumps(token)}]")
    return "".join(parts) or "."


def _join(items: Sequence[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
