"""The quick fix: an exemption comment, with a reason to write, above the line a rule fires on.

A code action per rule that fires on the requested lines inserts ``# lintops: ignore[<rule-id>] REASON``
on the line above, at that line's indentation. ``REASON`` is a placeholder to replace with the reason:
a placeholder is no reason (:func:`lintops.reasons.is_placeholder_reason`), so the inserted comment
is an ``exemption-reason`` diagnostic on the word ``REASON`` until the user writes one. When the line
above already is such a comment, the rule is added to its list instead, so that comment keeps covering
the line. JSON documents get no quick fix (JSON has no comments).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from lsprotocol import types

from ..parse.directives import directive_in_line
from .diagnostics import Published
from .positions import split_lines

#: What the quick fix writes where the reason goes; the user replaces it.
REASON_PLACEHOLDER = "REASON"


def code_actions(uri: str, text: str, published: Sequence[Published], wanted: types.Range,
                 structure: Callable[[dict], types.Diagnostic]) -> list[types.CodeAction]:
    """The quick fixes for the published diagnostics that overlap ``wanted`` (one per rule and line).

    ``structure`` turns a diagnostic's JSON into the lsprotocol object the action lists; only the few
    diagnostics on the requested lines are turned, and the buffer is split into lines only when one is.
    """
    if uri.lower().endswith(".json"):
        return []
    low = (wanted.start.line, wanted.start.character)
    high = (wanted.end.line, wanted.end.character)
    lines: list[str] | None = None
    newline = "\r\n" if "\r\n" in text[:65536] else "\n"
    actions: list[types.CodeAction] = []
    seen: set[tuple[str, int]] = set()
    for item in published:
        if item.rule_id is None or not (item.start <= high and low <= item.end):
            continue
        line = item.start[0]
        if (item.rule_id, line) in seen:
            continue
        seen.add((item.rule_id, line))
        if lines is None:
            lines = split_lines(text)
        actions.append(types.CodeAction(
            title=f"Exempt from {item.rule_id} (with a reason)",
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[structure(json.loads(item.json))],
            edit=types.WorkspaceEdit(changes={uri: [exemption_edit(lines, line, item.rule_id, newline)]}),
        ))
    return actions


def exemption_edit(lines: Sequence[str], line: int, rule_id: str, newline: str = "\n") -> types.TextEdit:
    """Insert ``# lintops: ignore[<rule-id>] REASON`` above ``line`` (0-based), at its indentation; when the
    line above already is an exemption comment, add the rule to it (a comment covers only the next line).

    Whether it is one is the parse stage's reading of it (:func:`lintops.parse.directives.directive_in_line`),
    the same that decides which lines the comment exempts: a ``# lintops: ignore[...]`` alone on its line.
    """
    above = lines[line - 1] if 0 < line <= len(lines) else None
    existing = directive_in_line(above, line) if above is not None else None
    if existing is not None and existing.scope == "line" and existing.whole_line:
        rules = list(existing.rules)
        if rule_id not in rules:
            rules.append(rule_id)
        start, end = existing.rules_span
        new_text = ",".join(rules)
        # Positions in UTF-16 would differ only after a character outside the BMP, never in this prefix.
        return types.TextEdit(
            range=types.Range(start=types.Position(line=line - 1, character=start),
                              end=types.Position(line=line - 1, character=end)),
            new_text=new_text,
        )
    current = lines[line] if line < len(lines) else ""
    indent = current[: len(current) - len(current.lstrip(" \t"))]
    position = types.Position(line=line, character=0)
    return types.TextEdit(
        range=types.Range(start=position, end=position),
        new_text=f"{indent}# lintops: ignore[{rule_id}] {REASON_PLACEHOLDER}{newline}",
    )
