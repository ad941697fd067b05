"""A scalar node's plain value, as Kubernetes reads YAML (sigs.k8s.io/yaml converts YAML to JSON).

Timestamps stay strings, tags other than the core schema keep the scalar's text. A core tag that
cannot hold its node (``!!int true``, ``!!float ""``, ``!!binary`` that is not base64) and an integer
of more than 4,300 digits raise :class:`BadScalar`, which the builder (:mod:`.build`) reports as a
``yaml-syntax`` problem at the node, keeping the node's text so that the rest of the document is read.
"""

from __future__ import annotations

from typing import Any

import yaml

STR = "tag:yaml.org,2002:str"
NULL = "tag:yaml.org,2002:null"
BOOL = "tag:yaml.org,2002:bool"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
MERGE = "tag:yaml.org,2002:merge"
TIMESTAMP = "tag:yaml.org,2002:timestamp"
BINARY = "tag:yaml.org,2002:binary"
MAP = "tag:yaml.org,2002:map"
SEQ = "tag:yaml.org,2002:seq"
SET = "tag:yaml.org,2002:set"
OMAP = "tag:yaml.org,2002:omap"
PAIRS = "tag:yaml.org,2002:pairs"
_TRUE_WORDS = frozenset({"true", "yes", "on", "y"})
_FALSE_WORDS = frozenset({"false", "no", "off", "n"})
_NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})
#: Python refuses to turn longer digit strings into ints (CVE-2020-10735), and no Kubernetes field
#: holds a number of that size; a longer integer is reported, whatever its base.
_MAX_INT_DIGITS = 4300
_MAX_INT_BITS = 14_284  # about 4,300 decimal digits

#: The core tags of collections, and what each names (for the message when one tags a scalar).
COLLECTION_TAGS = {MAP: "mapping", SEQ: "sequence", SET: "set (a mapping)", OMAP: "ordered mapping (a sequence)",
                   PAIRS: "sequence of pairs"}
SCALAR_TAGS = frozenset({STR, NULL, BOOL, INT, FLOAT, TIMESTAMP, BINARY})
MAPPING_TAGS = frozenset({MAP, SET})
SEQUENCE_TAGS = frozenset({SEQ, OMAP, PAIRS})

_constructor = yaml.SafeLoader.__new__(yaml.SafeLoader)  # construct_yaml_int/float need no state


class BadScalar(Exception):
    """A scalar whose tag cannot hold its text. The message never quotes the text: it may be a secret."""

    def __init__(self, tag: str, expected: str, scalar: bool = False) -> None:
        what = f"is a scalar, not a {expected}" if scalar else f"is not a valid {expected}"
        super().__init__(f"value tagged {tag} {what}; remove the tag or fix the value")


class TooLarge(BadScalar):
    def __init__(self, digits: str) -> None:
        Exception.__init__(self, f"integer of {digits} digits is larger than any Kubernetes field holds "
                                 f"(more than {_MAX_INT_DIGITS:,} digits); not read as a number")


def scalar(node: yaml.ScalarNode) -> Any:
    """The plain value of a scalar; :class:`BadScalar` when its (explicit) tag cannot hold its text."""
    tag = node.tag
    value = node.value
    if tag == STR:
        return value
    if tag == NULL:
        if value in _NULL_WORDS:
            return None
        raise BadScalar("!!null", "null (~, null or nothing)")
    if tag == BOOL:
        lowered = value.lower()
        if lowered in _TRUE_WORDS:
            return True
        if lowered in _FALSE_WORDS:
            return False
        raise BadScalar("!!bool", "boolean (true, false, yes, no, on, off)")
    if tag == INT:
        try:
            return int(value)
        except ValueError:
            return _slow_int(value)
    if tag == FLOAT:
        return _float(value)
    if tag == TIMESTAMP:  # implicit timestamps resolve to strings (see implicit_tag): this one is explicit
        _check_timestamp(value)
        return value
    if tag == BINARY:
        _check_base64(value)
        return value
    if tag in COLLECTION_TAGS:
        raise BadScalar(short_tag(tag), COLLECTION_TAGS[tag], scalar=True)
    return value  # timestamps, binary and custom tags keep their text, as Kubernetes' YAML-to-JSON does


def short_tag(tag: str) -> str:
    """``!!int`` for ``tag:yaml.org,2002:int``: the tag as its author wrote it."""
    return "!!" + tag.rsplit(":", 1)[-1]


def _slow_int(value: str) -> int:
    """YAML 1.1 integers that ``int()`` does not read: 0x/0o/0b, 0-prefixed octal, 1_000, sexagesimal."""
    digits = sum(c.isdigit() for c in value)
    if digits > _MAX_INT_DIGITS:
        raise TooLarge(f"{digits:,}")
    try:
        number = _constructor.construct_yaml_int(_text_node(value))
    except (ValueError, IndexError):
        raise BadScalar("!!int", "integer") from None
    if number.bit_length() > _MAX_INT_BITS:
        raise TooLarge(f"about {int(number.bit_length() * 0.30103):,}")
    return number


def _float(value: str) -> float:
    try:
        return _constructor.construct_yaml_float(_text_node(value))
    except (ValueError, IndexError, OverflowError):
        raise BadScalar("!!float", "floating-point number") from None


def _check_timestamp(value: str) -> None:
    try:
        _constructor.construct_yaml_timestamp(_text_node(value))
    except (ValueError, AttributeError, OverflowError):
        raise BadScalar("!!timestamp", "timestamp (2001-12-14 or 2001-12-14T21:59:43.10Z)") from None


def _check_base64(value: str) -> None:
    import base64
    import binascii

    try:
        base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise BadScalar("!!binary", "base64 text") from None


def _text_node(value: str) -> yaml.ScalarNode:
    """What PyYAML's scalar constructors read from a node: its text (they check its type too)."""
    return yaml.ScalarNode(STR, value)


def implicit_tag(tag: str, value: str) -> str:
    """The tag of an untagged plain scalar, as Kubernetes reads it.

    Timestamps stay strings (so a node tagged ``!!timestamp`` was tagged by its author), and a plain
    scalar that matches YAML 1.1's number patterns but is no number (``0x_``) is a string, as Go's
    YAML decoder reads it; a too long integer keeps its tag, so that it is reported.
    """
    if tag == TIMESTAMP:
        return STR
    if tag in (INT, FLOAT):
        try:
            scalar(_TaggedText(tag, value))
        except TooLarge:
            return tag
        except BadScalar:
            return STR
    return tag


class _TaggedText:
    __slots__ = ("tag", "value")

    def __init__(self, tag: str, value: str) -> None:
        self.tag, self.value = tag, value
