"""Rendered lines traced back to the template text that wrote them, exactly or not at all.

Go's template engine copies a template's *text* (everything between actions, after the ``{{-`` and
``-}}`` markers trimmed the white space beside them) into the output verbatim, each piece whole or not
at all (a conditional drops it, a ``range`` repeats it). So a rendered character that lies in such a
copied piece came from one known template character, and that is where its finding belongs: the
``- secrets`` entry of the fourteenth ``{{ if }}`` block, not the entry of the same index among the
blocks the template writes, the ``"watch"`` of ``verbs: ["list", "watch"]``, not the key.

How: the template is cut into its text pieces (:func:`text_nodes`, a lexer of Go's delimiters,
trim markers, comments and quoted strings; a piece is also cut at a ``---`` line, which Helm's
document split rewrites). Each piece of at least one line break is looked for in the rendered lines
(its first line as the end of a rendered line, its middle lines equal, its last line as the start of
one). A rendered position is answered only when every piece found there says the same template
character; pieces that also fit elsewhere (short ones, ``  name: ``) must besides lie between the
template places of the nearest *anchors* around it in the same rendered document, anchors being
rendered lines that exactly one piece, found exactly once, claims. Anything else, a value an action
printed (``toYaml``, ``include``: text of another file) or a line two places could have written, is
no answer, and the caller walks up to the node's parent: never a wrong line, at worst the object's
first line. A value printed by an action right after a piece's last line (``name: {{ ... }}``) is
answered with that action's ``{{``.

Cost: only when a finding of the template asks (once per rendered text), linear in the template and,
through lookups by line text, near linear in the rendered text; a text whose pieces fit too often
is not traced (:data:`MAX_OCCURRENCES`).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

#: Most (piece, rendered line) fits examined for one rendered text; past it, nothing is traced there.
MAX_OCCURRENCES = 200_000
_SPACE = " \t\r\n"


@dataclass(frozen=True)
class _Node:
    """A text piece of the template: its offset in the template, its lines, and the action after it."""

    start: int
    lines: tuple[str, ...]  # split at "\n": the first ends a rendered line, the last starts one
    action: int | None  # offset of the ``{{`` that follows the piece on its last line, if any


def _action_end(text: str, start: int) -> tuple[int, int] | None:
    """``(end, inner_end)`` of the action opened at ``start`` (``{{``): past ``}}``, and where ``}}`` or
    `` -}}`` begins. Quoted strings and comments are skipped as Go's lexer skips them."""
    position = start + 2
    if _trims_left(text, start):
        position += 1
    while position < len(text) and text[position] in _SPACE:
        position += 1
    if text.startswith("/*", position):
        close = text.find("*/", position + 2)
        if close < 0:
            return None
        position = close + 2
    length = len(text)
    while position < length:
        char = text[position]
        if char in "\"'":
            position += 1
            while position < length and text[position] != char and text[position] != "\n":
                position += 2 if text[position] == "\\" else 1
            position += 1
        elif char == "`":
            close = text.find("`", position + 1)
            if close < 0:
                return None
            position = close + 1
        elif text.startswith("}}", position):
            inner = position
            if position >= 2 and text[position - 1] == "-" and text[position - 2] in _SPACE:
                inner = position - 2
            return position + 2, inner
        else:
            position += 1
    return None


def _trims_left(text: str, opened: int) -> bool:
    """Whether the action at ``opened`` starts with Go's left trim marker, ``{{-`` and a space."""
    return text.startswith("{{-", opened) and opened + 3 < len(text) and text[opened + 3] in _SPACE


_OPENERS = ("if", "range", "with", "define", "block")
#: Actions whose body may run other than once, where it is written: its text bounds nothing.
_REPEATED = ("range", "define", "block")


def _keyword(text: str, opened: int, inner: int) -> str:
    body = text[opened + 2:inner].lstrip("-").lstrip(_SPACE)
    word = body.split(None, 1)[0] if body else ""
    return word if word.isalpha() else ""


def text_nodes(text: str) -> tuple[list[_Node], list[tuple[int, int]]]:
    """The template's text pieces as Go copies them to the output (trim markers applied), and the
    regions of ``range``, ``define`` and ``block`` bodies as ``(start, end)`` offsets."""
    raw: list[tuple[int, int, int | None]] = []  # (start, end, next action offset)
    stack: list[tuple[str, int]] = []
    regions: list[tuple[int, int]] = []
    position, trim_next = 0, False
    while True:
        opened = text.find("{{", position)
        end = len(text) if opened < 0 else opened
        start = position
        if trim_next:
            while start < end and text[start] in _SPACE:
                start += 1
        if opened < 0:
            raw.append((start, end, None))
            break
        closed = _action_end(text, opened)
        piece_end = end
        if _trims_left(text, opened):
            while piece_end > start and text[piece_end - 1] in _SPACE:
                piece_end -= 1
        raw.append((start, piece_end, opened))
        if closed is None:  # an unterminated action: Helm failed on it; nothing after it is known
            break
        position, inner = closed
        trim_next = inner != position - 2
        word = _keyword(text, opened, inner)
        if word in _OPENERS:
            stack.append((word, opened))
        elif word == "end" and stack:
            opener, at = stack.pop()
            if opener in _REPEATED:
                regions.append((at, position))
    regions.extend((at, len(text)) for opener, at in stack if opener in _REPEATED)
    nodes: list[_Node] = []
    for start, end, action in raw:
        nodes.extend(_split(text, start, end, action))
    return nodes, _merged(regions)


def _merged(regions: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(regions):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _split(text: str, start: int, end: int, action: int | None) -> list[_Node]:
    """A text piece as nodes of two lines or more, cut at ``---`` lines (Helm's split rewrites those)."""
    lines = text[start:end].split("\n")
    nodes: list[_Node] = []
    first, offset, head = 0, start, ()
    cursor = start
    for index, line in enumerate(lines):
        if 0 < index < len(lines) - 1 and (line.rstrip() == "---" or line.startswith("--- ")):
            nodes.append(_Node(offset, (*head, *lines[first:index], ""), None))
            first, offset, head = index + 1, cursor + len(line), ("",)
        cursor += len(line) + 1
    nodes.append(_Node(offset, (*head, *lines[first:]), action))
    return [node for node in nodes if len(node.lines) > 1 and any(line.strip() for line in node.lines)]


class Trace:
    """Where each traced rendered position of one rendered text was written in its template.

    Both texts are read with a line break put before them, so that the template's first piece starts
    a line as it starts the output; offsets and lines given and answered are those of the texts.
    """

    def __init__(self, template: str, rendered: str) -> None:
        template = "\n" + template
        self._line_starts = [0]
        for index, char in enumerate(template):
            if char == "\n":
                self._line_starts.append(index + 1)
        self._rendered = ("\n" + rendered).split("\n")
        self._documents = [index for index, line in enumerate(self._rendered) if line.startswith("---")]
        #: per rendered line: claims (first column, end column, template offset of the first column, node)
        self._claims: dict[int, list[tuple[int, int, int, int]]] = {}
        self._prefixes: dict[int, list[tuple[int, int]]] = {}  # line -> (column after the piece, node)
        self.nodes, self._regions = text_nodes(template)
        self._region_starts = [region[0] for region in self._regions]
        self.usable = self._match()
        self._anchors: dict[int, int] = self._find_anchors() if self.usable else {}
        self._keys: list[int] = []
        if self.usable:
            self._settle()

    # Matching pieces to rendered lines.

    def _match(self) -> bool:
        lines = self._rendered
        exact: dict[str, list[int]] = {}
        for index, line in enumerate(lines):
            exact.setdefault(line, []).append(index)
        by_length: dict[tuple[bool, int], dict[str, list[int]]] = {}
        self._counts = [0] * len(self.nodes)
        budget = MAX_OCCURRENCES
        for number, node in enumerate(self.nodes):
            starts = self._starts(node, exact, by_length)
            budget -= len(starts)
            if budget < 0:
                return False
            for start in starts:
                if self._fits(node, start):
                    self._counts[number] += 1
                    self._claim(number, node, start)
        return True

    def _starts(self, node: _Node, exact: dict[str, list[int]],
                by_length: dict[tuple[bool, int], dict[str, list[int]]]) -> list[int]:
        """The rendered lines where ``node`` may start, from its most telling line."""
        last = len(node.lines) - 1
        for index in range(1, last):
            if node.lines[index].strip():
                return [found - index for found in exact.get(node.lines[index], ()) if found >= index]
        tail, head = node.lines[last], node.lines[0]
        prefix = bool(tail.strip())
        piece = tail if prefix else head
        table = by_length.get((prefix, len(piece)))
        if table is None:
            table = by_length[(prefix, len(piece))] = {}
            for index, line in enumerate(self._rendered):
                if len(line) >= len(piece):
                    table.setdefault(line[:len(piece)] if prefix else line[len(line) - len(piece):], []).append(index)
        shift = last if prefix else 0
        return [found - shift for found in table.get(piece, ()) if found >= shift]

    def _fits(self, node: _Node, start: int) -> bool:
        lines, last = self._rendered, len(node.lines) - 1
        if start + last >= len(lines) or not lines[start].endswith(node.lines[0]):
            return False
        return (all(lines[start + index] == node.lines[index] for index in range(1, last))
                and lines[start + last].startswith(node.lines[last]))

    def _claim(self, number: int, node: _Node, start: int) -> None:
        offset = node.start
        for index, piece in enumerate(node.lines):
            line = start + index
            first = len(self._rendered[line]) - len(piece) if index == 0 else 0
            if piece:
                self._claims.setdefault(line, []).append((first, first + len(piece), offset, number))
            if index == len(node.lines) - 1 and node.action is not None:
                self._prefixes.setdefault(line, []).append((len(piece), number))
            offset += len(piece) + 1

    def _once(self, offset: int) -> bool:
        """Whether the template text at ``offset`` runs at most once (in no ``range`` or ``define`` body)."""
        at = bisect_right(self._region_starts, offset) - 1
        return at < 0 or offset >= self._regions[at][1]

    def _find_anchors(self) -> dict[int, int]:
        """Rendered lines that one piece found once claims, text that runs once: rendered -> template line."""
        anchors = {}
        for line, claims in self._claims.items():
            claims = [claim for claim in claims if self._rendered[line][claim[0]:claim[1]].strip()]
            if claims and all(self._counts[claim[3]] == 1 and self._once(claim[2]) for claim in claims):
                places = {self._template_line(claim[2]) for claim in claims}
                if len(places) == 1:
                    anchors[line] = places.pop()
        return anchors

    def _settle(self) -> None:
        """Lines that the anchors around them decide become anchors too, until none is added (at most 4
        rounds): text that runs once is executed in template order between two such lines."""
        for _ in range(4):
            self._keys = sorted(self._anchors)
            added = {}
            for line, claims in self._claims.items():
                if line in self._anchors:
                    continue
                places = {claim[2] for claim in claims if self._rendered[line][claim[0]:claim[1]].strip()}
                if len(places) > 1:
                    places = self._within(line, places)
                if len(places) == 1 and self._once(place := places.pop()):
                    added[line] = self._template_line(place)
            if not added:
                return
            self._anchors.update(added)
        self._keys = sorted(self._anchors)

    # Answers.

    def _template_line(self, offset: int) -> int:
        return bisect_right(self._line_starts, offset) - 1

    def position(self, offset: int) -> tuple[int, int]:
        """0-based ``(line, column)`` in the template of an offset :meth:`locate` answered."""
        line = self._template_line(offset)
        return line - 1, offset - self._line_starts[line]

    def locate(self, line: int, column: int) -> tuple[int, bool] | None:
        """The template offset that wrote rendered ``(line, column)`` (0-based), and whether it is the
        ``{{`` of the action that printed it; None when not certain."""
        line += 1
        if not self.usable or line >= len(self._rendered):
            return None
        places = {offset + column - first for first, end, offset, _ in self._claims.get(line, ())
                  if first <= column < end}
        action = not places
        if action:
            places = {node.action for after, number in self._prefixes.get(line, ())
                      if after <= column and (node := self.nodes[number]).action is not None
                      and not self._rendered[line][after:column].strip(" \"'")}
        if len(places) > 1:
            places = self._within(line, places)
        return (places.pop(), action) if len(places) == 1 else None

    def _within(self, line: int, places: set[int]) -> set[int]:
        """The ``places`` between the template lines of the nearest anchors around rendered ``line``."""
        if line in self._anchors:
            return {place for place in places if self._template_line(place) == self._anchors[line]}
        document = bisect_right(self._documents, line)
        first = self._documents[document - 1] if document else -1
        last = self._documents[document] if document < len(self._documents) else len(self._rendered)
        at = bisect_right(self._keys, line)
        low = self._anchors[self._keys[at - 1]] if at and self._keys[at - 1] > first else -1
        high = self._anchors[self._keys[at]] if at < len(self._keys) and self._keys[at] < last else len(
            self._line_starts)
        return {place for place in places if low <= self._template_line(place) <= high}
