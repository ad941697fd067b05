"""The built-in checks: parameterised logic that rules (data, in ``rules/``) bind to."""

from __future__ import annotations

from .api_versions import ApiLifecycle
from .base import Check, Subject
from .kubernetes_schema import KubernetesSchema, KubernetesSchemaKnown
from .parser import Parser

BUILTIN_CHECKS: tuple[type[Check], ...] = (Parser, KubernetesSchema, KubernetesSchemaKnown, ApiLifecycle)

__all__ = ["BUILTIN_CHECKS", "Check", "Subject"]
