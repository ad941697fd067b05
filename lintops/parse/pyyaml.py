"""PyYAML imported without compiling the regular expressions its modules compile at import.

``import yaml`` compiles about twenty patterns at module level, for the pure-Python reader, scanner,
resolver and constructor. The reader's pattern of non-printable characters alone, a character class over
the whole of Unicode, cost a one-file run about 8 % of its instructions; lintops parses with libyaml
(``CSafeLoader``), which never uses it. While PyYAML's modules are first imported, a pattern they compile
is a :func:`lintops.lazy_pattern.lazy` stand-in instead, compiled by the first call of one of its methods:
every pattern PyYAML uses behaves as before, and the others are never compiled.
"""

from __future__ import annotations

import sys
from typing import Any


def import_yaml() -> None:
    """Import PyYAML (once per process; nothing when it is imported already) with its patterns compiled lazily."""
    if "yaml" in sys.modules:
        return
    import re

    from ..lazy_pattern import lazy

    compile_now = re.compile

    def compile_later(pattern: Any, flags: int = 0) -> Any:
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if isinstance(pattern, str) and (caller == "yaml" or caller.startswith("yaml.")):
            return lazy(pattern, flags)
        return compile_now(pattern, flags)

    re.compile = compile_later  # type: ignore[assignment]
    try:
        import yaml  # noqa: F401
    finally:
        re.compile = compile_now
