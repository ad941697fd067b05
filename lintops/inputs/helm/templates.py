"""Template source positions: where in a template file a rendered node is written.

When no values key explains a node, its finding points at the template instead; and a template line
that renders one ``.Values`` key tells which key a node came from. For both, a template is read as
indented YAML, well enough to follow a pointer key by key without running Go templates.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ...lazy_pattern import lazy
from ...model import Location
from ...patterns import compile_pattern, escape, fullmatch
from .values import Tokens, _get, _scalar_text

# The template's lines are the tree author's text: the expressions that read whole lines run on RE2
# (linear time). With ``re``, _TEMPLATE_ONLY backtracks exponentially on a line of 40 ``{{a}}`` and
# an ``x``, and _KEY_LINE quadratically on a line of spaces.
_KEY_LINE = compile_pattern(
    r"^(?P<indent>[ ]*)(?P<dashes>(?:-[ ]+)*)"
    r"""(?P<key>"[^"\n]*"|'[^'\n]*'|[^\s#'"{}\[\]:,&*!|>%@`-][^:#{}\n]*?|-[^\s:#{}][^:#{}\n]*?)"""
    r"[ ]*:(?:[ ]+(?P<value>\S.*?))?[ ]*$"
)
_KEY, _VALUE = _KEY_LINE.groupindex["key"], _KEY_LINE.groupindex["value"]
_DASH_LINE = compile_pattern(r"^(?P<indent>[ ]*)-(?:[ ]+(?P<rest>\S.*))?$")
_REST = _DASH_LINE.groupindex["rest"]
_TEMPLATE_ONLY = compile_pattern(r"^\s*(?:\{\{.*?\}\}\s*)+$")
_ACTION = compile_pattern(r"(\{\{.*?\}\})")
_KIND = lazy(r"""^kind:[ ]*["']?(?P<kind>[A-Za-z0-9_.-]+)""")
_VALUES_REF = lazy(r"(?<![\w$])\.Values((?:\.[A-Za-z_][A-Za-z0-9_-]*)+)")
_WITH_VALUES = lazy(r"\{\{-?\s*with\s+\.Values((?:\.[A-Za-z_][A-Za-z0-9_-]*)+)\s*-?\}\}")
#: A template-only line that prints a value (``{{ toYaml .Values.x | indent 10 }}`` written at column 0).
_OUTPUT_ACTION = lazy(r"^\s*\{\{-?\s*(?:toYaml|toJson|toPrettyJson|tpl|\.Values)\b")
_DOT_USE = lazy(r"\{\{-?\s*(?:toYaml|toJson|toPrettyJson)\s+\.\s*[|}-]")


@dataclass(frozen=True)
class _Line:
    indent: int
    dash: bool
    key: str | None
    key_column: int  # 0-based column of the key (or of the item after "- ")
    value_column: int | None


def _line_info(text: str) -> _Line | None:
    stripped = text.strip()
    if not stripped or stripped.startswith("#") or _TEMPLATE_ONLY.match(text) or stripped == "---":
        return None
    indent = len(text) - len(text.lstrip(" "))
    match = _KEY_LINE.match(text)
    if match is not None:
        key = match["key"]
        if key[:1] in "\"'":
            key = key[1:-1]
        value_column = match.start(_VALUE) if match["value"] and not match["value"].startswith("#") else None
        return _Line(indent, bool(match["dashes"]), key, match.start(_KEY), value_column)
    dash = _DASH_LINE.match(text)
    if dash is not None:
        column = dash.start(_REST) if dash["rest"] else indent
        return _Line(indent, True, None, column, column if dash["rest"] else None)
    return _Line(indent, False, None, indent, indent)


class _Template:
    """A template file's text, read as indented YAML well enough to find where a node is written."""

    def __init__(self, path: str, text: str | None) -> None:
        self.path = path
        self.lines = text.splitlines() if text is not None else []
        self.info = [_line_info(line) for line in self.lines]
        self.segments: list[tuple[int, int, str | None]] = []
        start = 0
        for number, line in enumerate([*self.lines, "---"]):
            if line.rstrip() == "---" or line.startswith("--- "):
                if any(info is not None for info in self.info[start:number]):
                    self.segments.append((start, number, self._kind(start, number)))
                start = number + 1

    def _kind(self, start: int, end: int) -> str | None:
        for line in self.lines[start:end]:
            match = _KIND.match(line)
            if match:
                return match["kind"]
        return None

    def segment(self, kind: str | None, ordinal: int) -> tuple[int, int] | None:
        if not self.segments:
            return None
        same = [s for s in self.segments if s[2] == kind] if kind else []
        candidates = same or [s for s in self.segments if s[2] is None] or self.segments
        start, end, _ = candidates[min(ordinal, len(candidates) - 1)]
        return start, end

    def _block(self, parent: int, indent: int, end: int, item: bool) -> Iterator[int]:
        """Lines of the block under ``parent`` (a key line, or an item line when ``item``)."""
        for number in range(parent + 1, end):
            info = self.info[number]
            if info is None:
                continue
            if info.indent < indent or (info.indent == indent and (item or not info.dash)):
                return
            yield number

    def _item_matches(self, line: int, item: Any) -> bool:
        """Whether a written ``- key: value`` item can have rendered as ``item`` (its first key's value)."""
        info = self.info[line]
        if info is None or info.key is None or not isinstance(item, dict) or info.key not in item:
            return False
        written = self.lines[line][info.value_column:] if info.value_column is not None else ""
        written = written.split(" #", 1)[0].strip()
        if written[:1] in "\"'" and written[-1:] == written[:1] and len(written) > 1:
            written = written[1:-1]
        if not written:  # the value is written on the lines below: nothing to tell items apart
            return True
        # RE2: a line with many ``{{ }}`` would make a backtracking engine try every split of the value
        pattern = "".join(".*?" if part.startswith("{{") else escape(part)
                          for part in _ACTION.split(written) if part)
        return fullmatch(f"(?s){pattern}", _scalar_text(item[info.key]))

    def find(self, kind: str | None, ordinal: int, tokens: Sequence[str],
             data: Any = None) -> tuple[int, int, bool]:
        """``(line, depth, last_is_key)``: the deepest node on ``tokens`` written in the template.

        Returns the 0-based line, how many tokens were matched, and whether the last matched token
        was a mapping key. Line -1 when the template has no lines. ``data`` (the rendered document)
        tells list items apart when the template writes several and a conditional dropped some:
        the rendered item's first key (``name``) must fit the written one.
        """
        segment = self.segment(kind, ordinal)
        if segment is None:
            return -1, 0, False
        start, end = segment
        first = next((n for n in range(start, end) if self.info[n] is not None), None)
        if first is None:
            return -1, 0, False
        line, depth, last_is_key = first, 0, False
        parent, indent, item = start - 1, -1, False
        for token in tokens:
            if token.isdigit() and parent >= start:
                items = [n for n in self._block(parent, indent, end, item) if self.info[n].dash]
                if not items:
                    break
                lowest = min(self.info[n].indent for n in items)
                items = [n for n in items if self.info[n].indent == lowest]
                line = items[min(int(token), len(items) - 1)]
                found, rendered = _get(data, tokens[: depth + 1])
                if found and len(items) > 1 and not self._item_matches(line, rendered):
                    line = next((n for n in items if self._item_matches(n, rendered)), line)
                parent, indent, item, last_is_key = line, lowest, True, False
                depth += 1
                continue
            candidates = []
            if item and self.info[parent] and self.info[parent].key is not None:
                candidates.append(parent)
            candidates.extend(self._block(parent, indent, end, item) if parent >= start
                              else (n for n in range(start, end) if self.info[n] is not None))
            matches = [n for n in candidates if self.info[n].key == token]
            if not matches:
                break
            lowest = min(self.info[n].key_column for n in matches)
            line = next(n for n in matches if self.info[n].key_column == lowest)
            info = self.info[line]
            parent, indent, item, last_is_key = line, info.key_column, False, True
            depth += 1
        return line, depth, last_is_key

    def location(self, line: int, at_key: bool, key_matched: bool) -> Location:
        if line < 0:
            return Location(self.path, 1, 1)
        info = self.info[line]
        column = info.key_column if info is not None else 0
        if info is not None and not at_key and key_matched and info.value_column is not None:
            column = info.value_column
        return Location(self.path, line + 1, column + 1)

    def values_reference(self, line: int) -> Tokens | None:
        """The one ``.Values`` key the node at ``line`` is rendered from, as written in the template."""
        if line < 0:
            return None
        texts = [self.lines[line]]
        indent = len(self.lines[line]) - len(self.lines[line].lstrip(" "))
        following = line + 1
        while following < len(self.lines) and _TEMPLATE_ONLY.match(self.lines[following]) and (
                len(self.lines[following]) - len(self.lines[following].lstrip(" ")) > indent
                or _OUTPUT_ACTION.match(self.lines[following])):
            texts.append(self.lines[following])
            following += 1
        refs = {m[1] for text in texts for m in _VALUES_REF.finditer(text)}
        if not refs and any(_DOT_USE.search(text) for text in texts[1:]):
            before = line - 1
            while before >= 0 and _TEMPLATE_ONLY.match(self.lines[before]):
                match = _WITH_VALUES.search(self.lines[before])
                if match:
                    refs = {match[1]}
                    break
                before -= 1
        if len(refs) != 1:
            return None
        return tuple(refs.pop().lstrip(".").split("."))
