"""Positions as LSP counts them: lines, the end of the token a finding points at, client code units.

The engine reports 1-based lines and code point columns; an editor wants 0-based lines and columns in
the position encoding agreed at ``initialize`` (UTF-16 code units unless the client offers another),
and a range that underlines the node without lexing the YAML again. Plain functions over strings,
returning LSP's JSON shapes: the lint process imports neither pygls nor lsprotocol.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: The position encodings of LSP 3.17 (``PositionEncodingKind``); UTF-16 is what every client supports.
UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # the line breaks LSP counts (and YAML)


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` as LSP numbers them (``\\r\\n``, ``\\r`` and ``\\n`` end a line)."""
    return _LINE_BREAK.split(text)


def token_end(line: str, start: int) -> int:
    """Where the token that begins at code point ``start`` of ``line`` ends (exclusive), at least one past it.

    A quoted scalar ends at its closing quote, a flow collection at its closing bracket; anything else
    at the next ``: ``, `` #`` or end of line, and inside a flow collection also at ``,``, ``]`` or ``}``.
    Trailing blanks are not part of it.
    """
    length = len(line)
    if start >= length:
        return start + 1
    first = line[start]
    end = length
    if first in "\"'":
        end = _closing_quote(line, start)
    elif first in "[{":
        end = _closing_bracket(line, start)
    else:
        in_flow = _flow_depth(line, start) > 0
        index = start
        while index < length:
            char = line[index]
            following = line[index + 1] if index + 1 < length else " "
            if char == ":" and (following in " \t" or (in_flow and following in ",]}")):
                break
            if in_flow and char in ",]}":
                break
            if char == "#" and index > start and line[index - 1] in " \t":
                break
            index += 1
        end = index
    end = start + len(line[start:end].rstrip())
    return max(end, start + 1)


def _closing_quote(line: str, start: int) -> int:
    quote, index = line[start], start + 1
    while index < len(line):
        char = line[index]
        if quote == '"' and char == "\\":
            index += 2
            continue
        if char == quote:
            if quote == "'" and line[index + 1:index + 2] == "'":  # '' is an escaped quote
                index += 2
                continue
            return index + 1
        index += 1
    return _before_comment(line, start)


def _closing_bracket(line: str, start: int) -> int:
    depth, quote = 0, None
    for index in range(start, len(line)):
        char = line[index]
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return index + 1
        elif char == "#" and line[index - 1] in " \t":
            return index
    return len(line)


def _before_comment(line: str, start: int) -> int:
    match = re.search(r"[ \t]#", line[start:])
    return start + match.start() if match else len(line)


def _flow_depth(line: str, stop: int) -> int:
    """How many flow collections (``[``, ``{``) are open before code point ``stop`` of ``line``."""
    depth, quote = 0, None
    for char in line[:stop]:
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth = max(0, depth - 1)
    return depth


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


def finding_range(lines: Sequence[str], line: int, column: int, encoding: str = UTF16) -> dict:
    """The range of the token at a 1-based ``line`` and code point ``column``, as LSP counts positions (JSON)."""
    row = max(line - 1, 0)
    text = lines[row] if row < len(lines) else ""
    start = max(column - 1, 0)
    end = token_end(text, start)
    return {"start": position(row, client_character(text, start, encoding)),
            "end": position(row, client_character(text, end, encoding))}
