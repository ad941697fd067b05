"""``# lintops:`` comments: the exemptions a file's author writes next to the YAML they exempt.

The one reader of them: the engine asks :func:`parse_directives` for a file's exemptions, and the
language server's quick fix asks :func:`directive_in_line` whether the line above a finding already is
an exemption comment it can add a rule to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIRECTIVE = re.compile(r"#\s*lintops:\s*(ignore|ignore-file)\[([^\]]*)\]\s*(.*?)\s*$")


@dataclass(frozen=True)
class Directive:
    """``# lintops: ignore[rule-a,rule-b] reason`` (one line) or ``ignore-file[...]`` (whole file)."""

    scope: str  # "line" | "file"
    rules: tuple[str, ...]
    reason: str
    line: int
    column: int
    #: True when the comment is alone on its line: it then also covers the line below.
    whole_line: bool
    #: Where the rule list is written in its line (0-based code points, end exclusive, brackets
    #: excluded): what an edit that adds a rule to the comment replaces.
    rules_span: tuple[int, int] = (0, 0)
    #: Where the reason is written (0-based code points, end exclusive): a placeholder reason is reported
    #: there, so that the editor marks the word to replace.
    reason_span: tuple[int, int] = (0, 0)


def parse_directives(text: str) -> list[Directive]:
    """Every lintops directive in a file's comments (a cheap scan: most files have none)."""
    if "lintops:" not in text:
        return []
    directives = []
    for number, line in enumerate(text.splitlines(), start=1):
        if "lintops:" not in line:
            continue
        directive = directive_in_line(line, number)
        if directive is not None:
            directives.append(directive)
    return directives


def directive_in_line(line: str, number: int) -> Directive | None:
    """The directive in ``line`` (one line of text, numbered ``number``), if a comment there is one.

    A ``# lintops:`` inside a quoted string is no comment, so no directive.
    """
    match = _DIRECTIVE.search(line)
    if match is None:
        return None
    before = line[: match.start()]
    if before.count('"') % 2 or before.count("'") % 2:
        return None  # inside a quoted string, not a comment
    rules = tuple(r.strip() for r in match.group(2).split(",") if r.strip())
    return Directive(
        scope="file" if match.group(1) == "ignore-file" else "line",
        rules=rules,
        reason=match.group(3),
        line=number,
        column=match.start() + 1,
        whole_line=not before.strip(),
        rules_span=match.span(2),
        reason_span=match.span(3),
    )
