"""Write a JSON report, byte for byte as ``json.dump(document, stream, indent=2)`` writes it, but fast.

With ``indent`` the standard library always encodes in pure Python (its C encoder only writes compact
JSON): a 10,000-object run's report costs a quarter of a second, a tenth of the whole run. orjson writes
the same layout in C; two differences remain, and both are closed here so that reports stay identical
whichever encoder ran:

- the standard library escapes every character outside printable ASCII and the control characters
  (``ensure_ascii``: DEL too) as ``\\uXXXX``, and characters beyond the Basic Multilingual Plane as a
  surrogate pair; orjson writes UTF-8, so those characters are escaped afterwards, which touches only
  reports that contain any;
- orjson refuses what JSON cannot say exactly (integers beyond 64 bits, lone surrogates, keys that
  are not strings); such a document is written by the standard library instead.

- floating-point numbers are written differently (orjson writes ``1e-7`` and ``null`` where the standard
  library writes ``1e-07`` and ``NaN``): a report holds none by construction (strings, integers,
  booleans, null, lists and mappings with string keys), and a document that holds one anyway is
  written by the standard library (:func:`_has_float` looks, unless the caller says it holds none).

Without orjson installed, the standard library writes every report.
"""

from __future__ import annotations

import json
import re
from typing import IO, Any


def dump(document: Any, stream: IO[str]) -> None:
    """Write ``document`` to ``stream`` as ``json.dump(document, stream, indent=2)`` would."""
    stream.write(dumps(document))


def dumps(document: Any, *, floats: bool = True) -> str:
    """``json.dumps(document, indent=2)``, with orjson when it is installed and can encode ``document``
    exactly; ``floats`` false: the caller knows ``document`` holds no floating-point number (not looked for)."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - orjson is a dependency; a stripped installation still works
        return json.dumps(document, indent=2)
    if floats and _has_float(document):
        return json.dumps(document, indent=2)
    try:
        text = orjson.dumps(document, option=orjson.OPT_INDENT_2).decode("utf-8")
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(document, indent=2)
    return text if text.isascii() and "\x7f" not in text else re.sub("[^\x00-\x7e]", _escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"


def _has_float(document: Any) -> bool:
    """Whether ``document`` holds a float anywhere (a value orjson writes unlike the standard library)."""
    stack = [document]
    while stack:
        value = stack.pop()
        kind = type(value)
        if kind is dict:
            stack.extend(value.values())
        elif kind is list or kind is tuple:
            stack.extend(value)
        elif kind is float or isinstance(value, float):
            return True
    return False
