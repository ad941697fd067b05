"""The JSON Schema type name of a Python value, as messages about schema errors name it.

One definition for every place that explains a schema error (Kubernetes validation, the published
configuration and rule schemas), so that they describe a value alike.
"""

from __future__ import annotations

from typing import Any


def json_type(value: Any) -> str:
    """``null``, ``boolean``, ``integer``, ``number``, ``string``, ``array`` or ``object``; for a value
    JSON has no type for (a YAML timestamp), the Python type's name."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
