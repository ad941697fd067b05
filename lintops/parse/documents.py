"""What the parse stage hands on: parsed files, their documents and problems, and node positions.

A document keeps its node tree (or, once released, where it is in its text) so that a JSON pointer is
resolved to ``(line, column)`` only when a finding asks for it: most documents are never asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from ..model import Position, iter_pointer_tokens
from .loader import Loader
from .scalars import NULL


@dataclass(frozen=True)
class ParseProblem:
    """A problem found while reading text; ``rule_id`` is one of the parse rules."""

    rule_id: str  # yaml-syntax | duplicate-key | yaml-limit
    message: str
    position: Position


@dataclass(eq=False)
class ParsedDocument:
    """One YAML document: its data and the node tree that knows where each value was written."""

    index: int
    data: Any
    root: yaml.Node | None
    line_offset: int = 0
    #: Whether any value is an explicit null (checks that treat null as absent skip work when not).
    has_nulls: bool = True
    #: The text the nodes were composed from (the file, or the piece of it after a syntax error), and
    #: after :meth:`release` where in it this document starts (index of its first line, that line) and
    #: ends, to compose its nodes again when a position is asked.
    _text: str | None = field(default=None, repr=False)
    _span: tuple[int, int, int] = field(default=(0, 0, 0), repr=False)

    def release(self) -> None:
        """Drop the node tree (most of a document's memory), keeping where the document is in its text.

        The engine releases each document once it is checked: a document nobody refers to any more is
        freed anyway, and one whose object a check holds back until the end of the run (a custom
        resource waiting for its CRD) keeps its data and a reference to the text, not its nodes.
        """
        root = self.root
        if root is None or self._text is None:
            return
        start, end = root.start_mark, root.end_mark
        self._span = (start.index - start.column, end.index, start.line)
        self.root = None

    def _nodes(self) -> tuple[yaml.Node | None, int]:
        """The node tree and the line its marks count from (composed again after :meth:`release`)."""
        if self.root is not None or self._text is None or self._span == (0, 0, 0):
            return self.root, self.line_offset
        start, end, line = self._span
        global _recomposed
        if _recomposed[0] is not self:  # findings of one object are located one after another
            try:
                root = yaml.compose(self._text[start:end], Loader=Loader)
            except yaml.YAMLError:  # it parsed in its file (a %TAG directive before it, say)
                root = None
            _recomposed = (self, root)
        return _recomposed[1], self.line_offset + line

    def position(self, pointer: str, at_key: bool = False) -> Position:
        """Position of the node at ``pointer``, or of its nearest existing parent.

        A collection written in block style under a key is positioned at its key (the line a person
        reads as "the resources block"); scalars and flow collections at their value, unless
        ``at_key`` asks for the key (an unknown field is its key, not its value).
        """
        anchor, line_offset = self._anchor(pointer, at_key)
        if anchor is None:
            return Position(1 + line_offset, 1)
        mark = anchor.start_mark
        return Position(mark.line + 1 + line_offset, mark.column + 1)

    def span(self, pointer: str, at_key: bool = False) -> tuple[Position, Position]:
        """Where the node :meth:`position` places ``pointer`` at starts, and where its text ends (exclusive).

        What an editor underlines, known from the nodes rather than by lexing the line again: a key or a
        scalar to its end (quotes included), a flow collection to its closing bracket, a mapping written
        in block style (a sequence item, the document) to the end of its first key, a block sequence
        its first dash. The end is at least one column past the start on the same line.
        """
        anchor, line_offset = self._anchor(pointer, at_key)
        if anchor is None:
            start = Position(1 + line_offset, 1)
            return start, Position(start.line, 2)
        mark = anchor.start_mark
        start = Position(mark.line + 1 + line_offset, mark.column + 1)
        line, column = _text_end(anchor)
        end = Position(line + 1 + line_offset, column + 1)
        if (end.line, end.column) <= (start.line, start.column):
            end = Position(start.line, start.column + 1)
        return start, end

    def _anchor(self, pointer: str, at_key: bool) -> tuple[yaml.Node | None, int]:
        """The node whose start is the position of ``pointer`` (a key or a value), and the line offset."""
        node, line_offset = self._nodes()
        if node is None:
            return None, line_offset
        anchor = node
        for token in iter_pointer_tokens(pointer):
            if isinstance(node, yaml.MappingNode):
                match = None
                for key_node, value_node in node.value:
                    if isinstance(key_node, yaml.ScalarNode) and key_node.value == token:
                        match = (key_node, value_node)
                if match is None:
                    break
                key_node, node = match
                block = isinstance(node, yaml.CollectionNode) and node.start_mark.line > key_node.start_mark.line
                anchor = key_node if at_key or block or _is_empty(node) else node
            elif isinstance(node, yaml.SequenceNode):
                if not (token.isascii() and token.isdigit()) or int(token) >= len(node.value):
                    break
                node = node.value[int(token)]
                anchor = node
            else:
                break
        return anchor, line_offset


#: The document composed again last (see ParsedDocument._nodes), and its nodes.
_recomposed: tuple[ParsedDocument | None, yaml.Node | None] = (None, None)


def _text_end(node: yaml.Node) -> tuple[int, int]:
    """Where the text an editor underlines for ``node`` ends (0-based line and column, exclusive)."""
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        return _text_end(node.value[0][0])
    if isinstance(node, yaml.SequenceNode) and not node.flow_style:
        return node.start_mark.line, node.start_mark.column + 1
    return node.end_mark.line, node.end_mark.column


def _is_empty(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == NULL and node.value in ("", "~")


@dataclass(eq=False)
class ParsedFile:
    """Everything the parse stage learned about one file."""

    path: str
    text: str
    documents: list[ParsedDocument] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
