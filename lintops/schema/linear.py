"""python-jsonschema with its pattern keywords matched in linear time (RE2), for schemas from the tree.

The pure-Python ``jsonschema`` package matches ``pattern``, ``patternProperties`` and, through them,
``additionalProperties`` and ``unevaluatedProperties`` with Python's backtracking ``re``, for which a
pattern of the linted tree can take forever. :func:`linear_time_validator` gives a validator class
those keywords matched by RE2 (:mod:`lintops.patterns`), the syntax the API server's Go regexp and Helm
apply. ``jsonschema`` is imported only when such a class is made.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from ..patterns import additional_keys, search

__all__ = ["linear_time_validator"]


def _pattern(validator: Any, pattern: Any, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not search(pattern, instance):
        yield ValidationError(f"the value does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator: Any, allowed: Any, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "object"):
        return
    extras = additional_keys(schema, instance)
    if validator.is_type(allowed, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], allowed, path=extra)
    elif not allowed and extras:
        yield ValidationError(f"Additional properties are not allowed ({', '.join(map(repr, sorted(extras)))} "
                              f"{'was' if len(extras) == 1 else 'were'} unexpected)")


def _evaluated_keys(validator: Any, instance: Mapping[str, Any], schema: Any, draft2019: bool) -> set[str]:
    """The keys of ``instance`` that ``schema`` evaluates (JSON Schema 2019-09/2020-12), patterns by RE2.

    Follows ``jsonschema``'s own ``find_evaluated_property_keys_by_schema`` keyword for keyword.
    """
    if validator.is_type(schema, "boolean") or not isinstance(schema, Mapping):
        return set()
    keys = _referenced_keys(validator, instance, schema, draft2019)
    keys |= _property_keys(validator, instance, schema, draft2019)
    for pattern in schema.get("patternProperties") or {}:
        keys |= {key for key in instance if search(pattern, key)}
    for key, subschema in (schema.get("dependentSchemas") or {}).items():
        if key in instance:
            keys |= _evaluated_keys(validator, instance, subschema, draft2019)
    for keyword in ("allOf", "oneOf", "anyOf"):
        for subschema in schema.get(keyword) or []:
            if validator.evolve(schema=subschema).is_valid(instance):
                keys |= _evaluated_keys(validator, instance, subschema, draft2019)
    return keys | _conditional_keys(validator, instance, schema, draft2019)


def _referenced_keys(validator: Any, instance: Mapping[str, Any], schema: Mapping[str, Any],
                     draft2019: bool) -> set[str]:
    """The keys the targets of ``schema``'s ``$ref``, ``$dynamicRef`` (2020-12) or ``$recursiveRef``
    (2019-09) evaluate."""
    keys: set[str] = set()
    references = [schema["$ref"]] if isinstance(schema.get("$ref"), str) else []
    if not draft2019 and isinstance(schema.get("$dynamicRef"), str):
        references.append(schema["$dynamicRef"])
    for reference in references:
        resolved = validator._resolver.lookup(reference)
        keys |= _evaluated_keys(validator.evolve(schema=resolved.contents, _resolver=resolved.resolver),
                                instance, resolved.contents, draft2019)
    if draft2019 and "$recursiveRef" in schema:
        from referencing.jsonschema import lookup_recursive_ref

        resolved = lookup_recursive_ref(validator._resolver)
        keys |= _evaluated_keys(validator.evolve(schema=resolved.contents, _resolver=resolved.resolver),
                                instance, resolved.contents, draft2019)
    return keys


def _property_keys(validator: Any, instance: Mapping[str, Any], schema: Mapping[str, Any],
                   draft2019: bool) -> set[str]:
    """The keys ``properties``, ``additionalProperties`` and ``unevaluatedProperties`` evaluate."""
    keys: set[str] = set()
    if draft2019:
        for keyword in ("properties", "additionalProperties", "unevaluatedProperties"):
            value = schema.get(keyword)
            if value is True:
                keys |= set(instance)
            elif isinstance(value, Mapping):
                keys |= {key for key in value if key in instance}
        return keys
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        keys |= set(properties) & set(instance)
    for keyword in ("additionalProperties", "unevaluatedProperties"):
        if (subschema := schema.get(keyword)) is not None:
            keys |= {key for key, value in instance.items() if validator.evolve(schema=subschema).is_valid(value)}
    return keys


def _conditional_keys(validator: Any, instance: Mapping[str, Any], schema: Mapping[str, Any],
                      draft2019: bool) -> set[str]:
    """The keys ``if`` and the branch it chooses (``then``, ``else``) evaluate."""
    if "if" not in schema:
        return set()
    if validator.evolve(schema=schema["if"]).is_valid(instance):
        keys = _evaluated_keys(validator, instance, schema["if"], draft2019)
        if "then" in schema:
            keys |= _evaluated_keys(validator, instance, schema["then"], draft2019)
        return keys
    if "else" in schema:
        return _evaluated_keys(validator, instance, schema["else"], draft2019)
    return set()


def _unevaluated(draft2019: bool) -> Any:
    def unevaluated_properties(validator: Any, allowed: Any, instance: Any, schema: Any) -> Iterator[Any]:
        from jsonschema.exceptions import ValidationError

        if not validator.is_type(instance, "object"):
            return
        evaluated = _evaluated_keys(validator, instance, schema, draft2019)
        bad = [key for key in instance if key not in evaluated
               and not validator.evolve(schema=allowed).is_valid(instance[key])]
        if bad:
            yield ValidationError(f"Unevaluated properties are not allowed ({', '.join(map(repr, sorted(bad)))} "
                                  f"{'was' if len(bad) == 1 else 'were'} unexpected)")
    return unevaluated_properties


@cache
def linear_time_validator(cls: Any) -> Any:
    """The ``jsonschema`` validator class ``cls`` with its pattern keywords matched by RE2.

    A pattern RE2 refuses matches nothing while validating; callers that take schemas from the tree
    check them first with :func:`refused_schema_patterns` to report such a pattern.
    """
    import jsonschema

    keywords = getattr(cls, "VALIDATORS", {})
    replaced: dict[str, Any] = {}
    if "pattern" in keywords:
        replaced["pattern"] = _pattern
    if "patternProperties" in keywords:
        replaced["patternProperties"] = _pattern_properties
    if "additionalProperties" in keywords:
        replaced["additionalProperties"] = _additional_properties
    if "unevaluatedProperties" in keywords:
        replaced["unevaluatedProperties"] = _unevaluated("2019-09" in str(getattr(cls, "META_SCHEMA", {})
                                                                          .get("$schema", "")))
    return jsonschema.validators.extend(cls, replaced)
