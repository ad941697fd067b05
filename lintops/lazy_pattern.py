"""Regular expressions compiled on first use, not when their module is imported.

A one-file run imports most of lintops and uses a few of its patterns: compiling every module-level
pattern at import cost the start-up tens of ``re.compile`` calls for nothing. ``lazy(...)`` stands in for
``re.compile(...)`` at module level; the first method called compiles the pattern and puts its methods
on the stand-in, so every later call is an ordinary attribute lookup and a call of the compiled method.
"""

from __future__ import annotations

import re
from typing import Any, cast

_METHODS = ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer",
            "pattern", "flags", "groups", "groupindex")


class LazyPattern:
    """A pattern and its flags, compiled the first time one of its methods is looked up."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:  # only for what is not yet on the instance
        if name.startswith("__") or name == "_source":
            raise AttributeError(name)
        compiled = re.compile(*self._source)
        for method in _METHODS:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy({self._source[0]!r}, {self._source[1]!r})"


def lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """A stand-in for ``re.compile(pattern, flags)`` that compiles when first used."""
    return cast("re.Pattern[str]", LazyPattern(pattern, flags))
