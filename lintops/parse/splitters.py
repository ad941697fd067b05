"""Cutting a YAML stream into documents the way the tool that applies it does: one splitter per kind of text.

Why here, once: a splitter decides which objects exist. If ``lintops check``, ``lintops render``, the
language server and the Helm backends cut the same text differently, they disagree on what the cluster
receives (a chart template in which ``---`` is glued to the next line's text lost three objects in the
check path while ``render`` showed them). Every consumer asks this module.

Helm (:func:`split_helm`), for rendered chart output: exactly ``releaseutil.SplitManifests`` of Helm
(charts of apiVersion v1 and v2): trim the whole text (Go's ``strings.TrimSpace``), split it with the
regular expression ``(?:^|\\s*\\n)---\\s*`` (Go's ``\\s`` is ``[\\t\\n\\f\\r ]``), drop empty pieces and
trim each piece. So ``---`` at the start of a line separates documents whatever follows it on that
line: ``---apiVersion: v1`` (a template ending in ``{{- include ...}}``), ``--- # comment`` (the
comment opens the next piece), ``----`` (the next piece starts with ``-``).

kubectl (:func:`split_kubectl`), for plain manifest files: ``k8s.io/apimachinery/pkg/util/yaml``'s
``YAMLReader.Read`` as kubectl uses it: a line (without its line break) that begins with ``---`` is a
separator when the rest of it, trimmed of white space, is empty or begins with ``#`` (``---``,
``---   ``, ``--- # next``); the separator line belongs to no document. Any other line beginning with
``---`` (``---text``, ``--- text``) makes kubectl refuse the stream with "invalid Yaml document
separator: <rest>"; it is returned as a problem at that line, and the text is still cut there so the
other documents are read.

Each piece keeps where it starts in the original text (0-based line and column of its first
character), so the parse stage composes it alone and findings keep their line numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

#: What Go's ``unicode.IsSpace`` calls white space (``strings.TrimSpace``).
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
            "\u2028\u2029\u202f\u205f\u3000"
#: Helm's separator, with Go's ASCII ``\s``.
_HELM_SEPARATOR = re.compile(r"(?:^|[\t\n\f\r ]*\n)---[\t\n\f\r ]*")
#: Line breaks as libyaml counts them, so a piece's line is the line findings are reported at.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


@dataclass(frozen=True)
class Piece:
    """One document's text and where it starts in the text it was cut from (0-based line and column)."""

    text: str
    line: int
    column: int = 0


@dataclass(frozen=True)
class SeparatorProblem:
    """A line kubectl would refuse as a document separator (0-based line), and kubectl's reason."""

    line: int
    message: str


class _Lines:
    """0-based line and column of offsets in ``text``, asked in increasing order."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._simple = not ("\r" in text or "\x85" in text or "\u2028" in text or "\u2029" in text)
        self._offset = 0
        self._line = 0
        self._line_start = 0

    def at(self, offset: int) -> tuple[int, int]:
        text = self._text
        if self._simple:
            breaks = text.count("\n", self._offset, offset)
            if breaks:
                self._line += breaks
                self._line_start = text.rfind("\n", self._offset, offset) + 1
        else:
            for match in _LINE_BREAK.finditer(text, self._offset, offset):
                self._line += 1
                self._line_start = match.end()
        self._offset = offset
        return self._line, offset - self._line_start


def split_helm(text: str) -> list[Piece]:
    """The documents of a rendered chart text as Helm's ``releaseutil.SplitManifests`` cuts them."""
    start = len(text) - len(text.lstrip(_GO_SPACE))
    end = len(text.rstrip(_GO_SPACE))
    if start >= end:
        return []
    lines = _Lines(text)
    pieces: list[Piece] = []
    position = start
    # on the trimmed text itself, as Helm does: "^" is its start (not so with finditer's pos)
    for match in _HELM_SEPARATOR.finditer(text[start:end]):
        _add(pieces, text, position, start + match.start(), lines)
        position = start + match.end()
    _add(pieces, text, position, end, lines)
    return pieces


def _add(pieces: list[Piece], text: str, start: int, end: int, lines: _Lines) -> None:
    chunk = text[start:end]
    stripped = chunk.strip(_GO_SPACE)
    if not stripped:
        return
    offset = start + (len(chunk) - len(chunk.lstrip(_GO_SPACE)))
    line, column = lines.at(offset)
    pieces.append(Piece(stripped, line, column))


def split_kubectl(text: str) -> tuple[list[Piece], list[SeparatorProblem]]:
    """The documents of a plain manifest file as kubectl's YAML reader cuts them, and the separator
    lines it would refuse. Pieces of white space and comments only are kept (they hold no object)."""
    pieces: list[Piece] = []
    problems: list[SeparatorProblem] = []
    piece_line, piece_start = 0, 0
    for number, start, end in _lines(text):
        if not text.startswith("---", start, end):
            continue
        rest = text[start + 3:end].strip(_GO_SPACE)
        if rest and not rest.startswith("#"):
            problems.append(SeparatorProblem(number, f"invalid Yaml document separator: {rest}"))
        if start > piece_start or number > piece_line:
            pieces.append(Piece(text[piece_start:start], piece_line))
        piece_line, piece_start = number + 1, _next_line(text, end)
    if piece_start < len(text):
        pieces.append(Piece(text[piece_start:], piece_line))
    return pieces, problems


def _next_line(text: str, end: int) -> int:
    match = _LINE_BREAK.match(text, end)
    return match.end() if match else end


def _lines(text: str) -> Iterator[tuple[int, int, int]]:
    """(number, start, end) of each line, 0-based, the break excluded."""
    number = position = 0
    for match in _LINE_BREAK.finditer(text):
        yield number, position, match.start()
        number, position = number + 1, match.end()
    if position < len(text):
        yield number, position, len(text)
