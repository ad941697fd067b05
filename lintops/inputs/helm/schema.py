"""``values.schema.json`` checked here rather than by Helm, so that each violation lands on the values key that set it.

Helm stops at the first violation, names only a path into the merged values, and would refuse the
marked renders; so the chart renders from a copy without its schema (:mod:`.chart`) and each
environment's values are validated here with ``jsonschema``, imported only when a chart has a schema.
A message says what the schema asks for, never the value: it may be a secret.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...model import Location, join_pointer
from ..rendered import RenderProblem
from .chart import _document, _read_yaml
from .values import Tokens

if TYPE_CHECKING:  # pragma: no cover
    from .locate import _Environment


def _schema_problems(schema_path: Path, values: Any, env: _Environment, display: Callable[[Path], str],
                     prefix: Tokens) -> list[RenderProblem]:
    import jsonschema

    parsed, problem = _read_yaml(schema_path, display)
    if problem is not None:
        return [RenderProblem(problem.path, problem.line, problem.column, problem.message, env.name)]
    document = _document(parsed)
    schema = document.data if document is not None else None
    if not isinstance(schema, dict):
        return []
    try:
        validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
        errors = list(validator_class(schema).iter_errors(values))
    except jsonschema.exceptions.SchemaError as exc:
        return [RenderProblem(display(schema_path), 1, 1, f"values.schema.json is not a valid JSON Schema: "
                                                           f"{exc.message}", env.name)]
    except Exception as exc:  # an unresolvable $ref and the like
        return [RenderProblem(display(schema_path), 1, 1, f"values.schema.json cannot be used: {exc}", env.name)]
    problems = []
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        tokens = (*prefix, *(str(p) for p in error.absolute_path))
        extra = _unknown_keys(error)
        if extra:
            tokens = (*tokens, extra[0])
        where = join_pointer("", *tokens) or "/"
        location = None
        probe = tokens
        while location is None:
            location = env.values_location(probe)
            if not probe:
                break
            probe = probe[:-1]
        if location is None:
            first = next((layer for layer in env.layers if layer.document is not None), None)
            location = Location(first.path if first else display(schema_path), 1, 1)
        problems.append(RenderProblem(location.path, location.line, location.column,
                                      f"values do not match {display(schema_path)} at {where}: "
                                      f"{_schema_message(error)}", env.name))
    return problems


def _unknown_keys(error: Any) -> list[str]:
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return []
    known = set((error.schema or {}).get("properties") or {})
    patterns = [re.compile(p) for p in (error.schema or {}).get("patternProperties") or {}]
    return sorted(k for k in error.instance if k not in known and not any(p.search(k) for p in patterns))


def _schema_message(error: Any) -> str:
    """What the schema wants, without the offending value (it may be a secret)."""
    validator, expected = error.validator, error.validator_value
    if validator == "type":
        return f"must be of type {' or '.join(expected) if isinstance(expected, list) else expected}"
    if validator == "required":
        missing = [k for k in expected if isinstance(error.instance, dict) and k not in error.instance]
        return f"missing required key{'s' if len(missing) > 1 else ''} {', '.join(repr(k) for k in missing)}"
    if validator == "additionalProperties":
        return f"unknown key{'s' if len(_unknown_keys(error)) > 1 else ''} " \
               f"{', '.join(repr(k) for k in _unknown_keys(error))} (not allowed by the schema)"
    if validator in ("enum", "const"):
        shown = json.dumps(expected)
        return f"must be {'one of ' if validator == 'enum' else ''}{shown[:200]}"
    if validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
                     "minItems", "maxItems", "multipleOf", "pattern", "format", "uniqueItems", "minProperties",
                     "maxProperties"):
        return f"violates {validator} {json.dumps(expected)[:200]}"
    return f"violates '{validator}' of the schema"
