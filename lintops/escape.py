"""Control characters from the linted tree shown as escapes, so that output lines cannot be forged.

Everything a terminal-facing line prints (a message, a path, an object name, an environment) may come
from the repository under review: ``metadata.name: "\\e[2K\\rall good"`` would erase the line a
terminal shows and print a clean verdict over it, a file name with a line break would add a
``path:1:1: error:`` line that problem matchers believe. The ``text``, ``editor`` and ``github``
reporters, the progress line and the command line's own messages pass every such value through
:func:`escape_controls`. Structured formats (JSON, SARIF, JUnit, Code Quality) escape by their own
syntax and need nothing from here.

Escaped, as Python writes them in a string literal: C0 controls except tab (``\\x1b``, ``\\r``,
``\\n``, ``\\x00``), DEL (``\\x7f``), C1 controls (``\\u009b``, a one-character CSI on some terminals),
the line and paragraph separators U+2028/U+2029 (line breaks to editors and to
:meth:`str.splitlines`) and Unicode's bidirectional controls (U+061C, U+200E, U+200F, U+202A to
U+202E, U+2066 to U+2069, which reorder what a line appears to say). A tab stays: it moves the
cursor forward and no further. A backslash stays as it is: messages quote regular expressions and
Windows paths, and escaping it would make them harder to read for no safety gained.
"""

from __future__ import annotations

_CONTROLS = [*range(0x00, 0x09), *range(0x0A, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029,
             0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]  # the last: Bidi_Control
_NAMED = {0x0A: "\\n", 0x0D: "\\r"}
_tables: dict[bool, dict[int, str]] = {}


def _table(keep_line_breaks: bool) -> dict[int, str]:
    """The ``str.translate`` table, built on first use: most runs print nothing that needs it."""
    table = _tables.get(keep_line_breaks)
    if table is None:
        table = {code: _NAMED.get(code) or (f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}")
                 for code in _CONTROLS if not (keep_line_breaks and code in _NAMED)}
        _tables[keep_line_breaks] = table
    return table


def escape_controls(text: str, *, keep_line_breaks: bool = False) -> str:
    """``text`` with every control character (see the module docstring) written as an escape.

    ``keep_line_breaks`` leaves LF and CR alone, for a format that encodes them itself (GitHub's
    workflow commands write them as ``%0A`` and ``%0D``, and show them as line breaks of the
    annotation, not of the log).
    """
    if text.isprintable():  # the common case, in C: no control, separator or format character at all
        return text
    return text.translate(_table(keep_line_breaks))
