"""A rule's regular-expression parameter (``name_pattern``, ``ignore_block_pattern``), compiled.

A pattern a rule supplies may come from the linted repository (``.lintops/rules/``), so it is compiled
by RE2 (:mod:`lintops.patterns`: linear-time matching); a check's own default stays on ``re``. Shared
by every check with such a parameter, so that all of them refuse a bad pattern the same way, when the
rule is loaded.
"""

from __future__ import annotations

import re
from typing import Any

from .rules import RuleError


def pattern_param(params: dict[str, Any], key: str, default: str) -> Any:
    """``params[key]`` compiled (case-insensitive, searched), else ``default``; a RuleError naming the key.

    RE2 has no lookaround or backreferences, so a supplied pattern with them is refused; the defaults
    are written in the checks and stay on ``re``, some using lookaround on purpose.
    """
    pattern = params.get(key, default)
    if pattern == default:
        return re.compile(default, re.IGNORECASE)
    from .patterns import PatternError
    from .patterns import compile_pattern as compile_re2

    try:
        return compile_re2(pattern, True)
    except PatternError as exc:
        raise RuleError(f"params.{key}: not a valid regular expression: {exc}") from None
