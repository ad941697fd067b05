"""The built-in checks: parameterised logic that rules (data, in ``rules/``) bind to.

Every module of this package that defines :class:`Check` subclasses contributes them; adding a check
is adding a module. Plugins contribute theirs through the ``lintops_checks`` hook.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import cache

from .base import Check, Subject


@cache
def builtin_checks() -> tuple[type[Check], ...]:
    found: list[type[Check]] = []
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for _, value in inspect.getmembers(module, inspect.isclass):
            # a check names itself; a shared base class (no ``name`` of its own) is not a check
            if issubclass(value, Check) and "name" in vars(value) and value.__module__ == module.__name__:
                found.append(value)
    return tuple(found)


__all__ = ["Check", "Subject", "builtin_checks"]
