"""Every module of lintops stays small enough to read in one sitting (400 lines at most).

A module that grows past it has taken on a second job: split it along that seam rather than raise the
limit. Generated data lives in schemas/ and rules/, not in lintops/, so nothing here is exempt.
"""

from __future__ import annotations

from pathlib import Path

import lintops

MAX_LINES = 400
PACKAGE = Path(lintops.__file__).resolve().parent


def test_no_module_is_over_the_line_limit() -> None:
    too_long = {}
    for module in sorted(PACKAGE.rglob("*.py")):
        lines = module.read_text(encoding="utf-8").count("\n")
        if lines > MAX_LINES:
            too_long[str(module.relative_to(PACKAGE.parent))] = lines
    assert not too_long, f"modules over {MAX_LINES} lines (split them along their seams): {too_long}"


def test_the_limit_is_checked_on_real_modules() -> None:
    modules = list(PACKAGE.rglob("*.py"))
    assert len(modules) > 100 and any(m.name == "engine.py" for m in modules)
