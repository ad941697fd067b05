"""The marker method: values leaves replaced by unique markers, so that a rendered node names its leaf.

What becomes a marker and why (and why booleans, empty strings and nulls never do) is told under
"Pointing back" in the package docstring. This module makes and reads the markers;
:mod:`.locate` renders with them.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ...lazy_pattern import lazy
from .values import Tokens

#: Most renders spent per environment to learn which rendered node came from which values key.
MAX_MARKER_RENDERS = 32

_STRING_MARK = lazy(r"lntq(\d+)q", re.IGNORECASE)
#: Numbers become 0.5 + (n + 1) / 65536: exact in binary, printed alike by Go and YAML, truncated to 0 by
#: ``int`` (so ``until``, ``repeat`` and replica loops stay empty instead of running half a million times).
_NUMBER_SCALE = 65536
_MAX_NUMBER_MARKS = _NUMBER_SCALE - 2
#: A marked render much larger than the real one is not used (a loop over a marked value ran away).
_MAX_GROWTH = 4
_BASE64 = lazy(r"[A-Za-z0-9+/]{8,}={0,2}")


def _leaves(data: Any, tokens: Tokens = ()) -> Iterator[tuple[Tokens, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*tokens, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _leaves(value, (*tokens, str(index)))
    else:
        yield tokens, data


def _markable(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, str):
        return bool(value)
    return isinstance(value, (int, float))


def _marker(index: int, value: Any) -> Any:
    if isinstance(value, str):
        return f"lntq{index}q"
    return 0.5 + (index + 1) / _NUMBER_SCALE


def _number_mark(value: float) -> int | None:
    scaled = (value - 0.5) * _NUMBER_SCALE
    if not 1 <= scaled < _NUMBER_SCALE or not scaled.is_integer():
        return None
    return int(scaled) - 1


_TOP_LEVEL_KIND = lazy(r"^kind:[ \t]*(\S+)", re.MULTILINE)


def _kinds(outputs: Mapping[str, str]) -> dict[str, list[str]]:
    """The kinds each template rendered, in order: a marked render that changes them flipped a conditional."""
    return {key: kinds for key, text in outputs.items() if (kinds := _TOP_LEVEL_KIND.findall(text))}


def _b64(text: str) -> str:
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return ""
