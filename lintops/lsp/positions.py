"""Positions as LSP counts them: lines, ranges, client code units.

The engine reports 1-based lines and code point columns, and for a finding about a node where the
node's text ends (:attr:`lintops.model.Finding.span`, read from the parse stage's nodes); an editor
wants 0-based lines and columns in the position encoding agreed at ``initialize`` (UTF-16 code units
unless the client offers another). Plain functions over strings, returning LSP's JSON shapes: the lint
process imports neither pygls nor lsprotocol.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..lazy_pattern import lazy

#: The position encodings of LSP 3.17 (``PositionEncodingKind``); UTF-16 is what every client supports.
UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"
_LINE_BREAK = lazy(r"\r\n|\r|\n")  # the line breaks LSP counts (and YAML)


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` as LSP numbers them (``\\r\\n``, ``\\r`` and ``\\n`` end a line)."""
    return _LINE_BREAK.split(text)


def client_units(text: str, encoding: str) -> int:
    """How many code units of the client's position encoding ``text`` takes (LSP: utf-8, utf-16, utf-32)."""
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == UTF32:
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def client_character(line: str, column: int, encoding: str = UTF16) -> int:
    """A 0-based code point column of ``line`` in the client's units (UTF-16 code units by default)."""
    return client_units(line[:column], encoding) + max(0, column - len(line))


def position(line: int, character: int) -> dict:
    """An LSP ``Position`` (0-based), as JSON."""
    return {"line": line, "character": character}


def finding_range(lines: Sequence[str], line: int, column: int, end_line: int | None = None,
                  end_column: int | None = None, encoding: str = UTF16) -> dict:
    """The range from a 1-based ``line`` and code point ``column`` to an end (exclusive), as LSP counts
    positions (JSON); without an end, the one character at the start: a place that is no node (a syntax
    error, a comment, a file), whose extent nothing upstream knows."""
    row, start = max(line - 1, 0), max(column - 1, 0)
    if end_line is None or end_column is None:
        end_row, end = row, start + 1
    else:
        end_row, end = max(end_line - 1, 0), max(end_column - 1, 0)
    return {"start": position(row, client_character(_line(lines, row), start, encoding)),
            "end": position(end_row, client_character(_line(lines, end_row), end, encoding))}


def _line(lines: Sequence[str], row: int) -> str:
    return lines[row] if row < len(lines) else ""
