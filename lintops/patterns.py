"""Regular expressions that come from the linted tree, matched in linear time (RE2).

A pattern written in the repository under review (a rule's ``name_pattern``, an ``environments``
word, a ``pattern`` or ``patternProperties`` key of a JSON Schema in a rule, a CRD or a
``values.schema.json``, a Kustomize patch target name) is the attacker's. Python's ``re``
backtracks: ``^(a+)+$`` against 34 ``a`` followed by ``!`` never finishes. RE2 (google-re2) matches
in time linear in the text for every pattern it accepts, and it is the syntax the Kubernetes API
server (Go's ``regexp``) applies to CRD patterns, so a pattern means here what it means to the
cluster. What RE2 refuses (lookaround, backreferences, possessive quantifiers, ``\\Z``) is refused
here with RE2's reason and, where RE2 names the offending part, its position in the pattern.

The patterns lintops itself writes (constants in the code) may keep using ``re``: they are trusted
and some use lookaround on purpose.

This module also gives the JSON Schema backends RE2 semantics:
:func:`jsonschema_rs_pattern_options` for jsonschema-rs (its linear-time ``regex`` engine, whose
syntax is RE2's) and :class:`Re2Pattern` for the patterns it would read otherwise; the pure-Python
``jsonschema`` package gets its keywords from :mod:`lintops.schema.linear`.

``re2`` (about 8 ms to import) is imported on first use only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

#: What RE2 allows a compiled pattern (bytes of its program); larger patterns are refused, not slow.
MAX_PROGRAM_MEMORY = 8 << 20


if TYPE_CHECKING:  # pragma: no cover - typing only (a Protocol costs a millisecond to import)
    class Match(Protocol):
        def start(self, group: int = 0) -> int: ...
        def end(self, group: int = 0) -> int: ...
        def group(self, *groups: int) -> Any: ...

    class Pattern(Protocol):
        """What a compiled RE2 pattern offers (a subset of ``re.Pattern``)."""

        @property
        def pattern(self) -> str: ...
        def search(self, text: Any, pos: int | None = None, endpos: int | None = None) -> Match | None: ...
        def match(self, text: Any, pos: int | None = None, endpos: int | None = None) -> Match | None: ...
        def fullmatch(self, text: Any, pos: int | None = None, endpos: int | None = None) -> Match | None: ...
        def finditer(self, text: Any, pos: int | None = None, endpos: int | None = None) -> Iterator[Match]: ...


class PatternError(ValueError):
    """A pattern RE2 refuses: ``reason`` is RE2's, ``position`` (0-based, or None) where in the pattern."""

    def __init__(self, pattern: str, reason: str, position: int | None) -> None:
        self.pattern = pattern
        self.reason = reason
        self.position = position
        where = f" at position {position}" if position is not None else ""
        super().__init__(f"{reason}{where}{_hint(reason)}")


def _hint(reason: str) -> str:
    if "(?=" in reason or "(?!" in reason or "(?<=" in reason or "(?<!" in reason:
        return " (lookaround is not supported: patterns use RE2 syntax, matched in linear time)"
    if reason.startswith("invalid escape sequence: \\") and reason[-1:].isdigit():
        return " (backreferences are not supported: patterns use RE2 syntax, matched in linear time)"
    if reason.startswith("invalid escape sequence: \\Z"):
        return " (RE2 writes the end of the text as \\z)"
    if reason.startswith("bad repetition operator"):
        return " (possessive quantifiers are not supported: patterns use RE2 syntax)"
    return ""


def _options(ignore_case: bool) -> Any:
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would print every refused pattern on stderr
    options.max_mem = MAX_PROGRAM_MEMORY
    options.case_sensitive = not ignore_case
    return options


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str, ignore_case: bool = False) -> Pattern:
    """``pattern`` compiled by RE2 (cached); :class:`PatternError` when RE2 refuses it.

    ``ignore_case`` matches case-insensitively (``(?-i:...)`` inside the pattern turns it off again).
    """
    import re2

    if not isinstance(pattern, str):
        raise PatternError(str(pattern), f"a pattern must be a string, not {type(pattern).__name__}", None)
    try:
        compiled: Pattern = re2.compile(pattern, _options(ignore_case))
    except re2.error as exc:
        raise _error(pattern, exc) from None
    return compiled


def _error(pattern: str, exc: Exception) -> PatternError:
    raw = exc.args[0] if exc.args else str(exc)
    reason = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    _, sep, fragment = reason.partition(": ")
    position = None
    # RE2 names the offending part of the pattern; where it occurs once, that is the position.
    if sep and fragment and fragment != pattern and pattern.count(fragment) == 1:
        position = pattern.find(fragment)
    return PatternError(pattern, reason, position)


def check_pattern(pattern: Any) -> str | None:
    """Why RE2 refuses ``pattern`` (the :class:`PatternError` message), or None when it is usable."""
    try:
        compile_pattern(pattern)
    except PatternError as exc:
        return str(exc)
    return None


def search(pattern: str, text: str) -> bool:
    """Whether ``pattern`` (RE2) matches somewhere in ``text``; a pattern RE2 refuses matches nothing."""
    try:
        return compile_pattern(pattern).search(text) is not None
    except PatternError:
        return False


def fullmatch(pattern: str, text: str) -> bool:
    """Whether ``pattern`` (RE2) matches all of ``text``; a pattern RE2 refuses matches nothing."""
    try:
        return compile_pattern(pattern).fullmatch(text) is not None
    except PatternError:
        return False


def escape(text: str) -> str:
    """``text`` as an RE2 pattern that matches exactly it."""
    import re2

    escaped: str = re2.escape(text)
    return escaped


def schema_patterns(schema: Any) -> Iterator[tuple[str, Any]]:
    """Every ``pattern`` value and ``patternProperties`` key of a JSON Schema, with a JSON pointer to it."""
    stack: list[tuple[str, Any]] = [("", schema)]
    while stack:
        where, node = stack.pop()
        if isinstance(node, list):
            stack.extend((f"{where}/{index}", item) for index, item in enumerate(node))
            continue
        if not isinstance(node, Mapping):
            continue
        for key, value in node.items():
            at = f"{where}/{str(key).replace('~', '~0').replace('/', '~1')}"
            if key == "pattern" and isinstance(value, str):
                yield at, value
            elif key == "patternProperties" and isinstance(value, Mapping):
                for pattern, sub in value.items():
                    yield f"{at}/{str(pattern).replace('~', '~0').replace('/', '~1')}", pattern
                    stack.append((f"{at}/{pattern}", sub))
                continue
            if key in ("enum", "const", "examples", "default"):
                continue  # data, not schema: a "pattern" key there is a value
            if isinstance(value, (Mapping, list)):
                stack.append((at, value))


def refused_schema_patterns(schema: Any) -> list[tuple[str, str, str]]:
    """``(pointer, pattern, reason)`` for each pattern of ``schema`` that RE2 refuses, in document order."""
    found = [(where, pattern, reason) for where, pattern in schema_patterns(schema)
             if (reason := check_pattern(pattern)) is not None]
    return sorted(found)


# -- JSON Schema backends ------------------------------------------------------------------------

def jsonschema_rs_pattern_options() -> Any:
    """``pattern_options`` for jsonschema-rs: the linear-time ``regex`` engine (RE2 syntax).

    jsonschema-rs' default engine (fancy-regex) backtracks for lookaround and backreferences; the
    ``regex`` engine has neither and refuses a schema that uses them, like RE2.
    """
    import jsonschema_rs

    return jsonschema_rs.RegexOptions()


#: The keyword a ``pattern`` is renamed to, in a schema compiled by jsonschema-rs, when its meaning there
#: could differ from RE2's (see :func:`jsonschema_rs_can_match`); :class:`Re2Pattern` implements it.
RE2_PATTERN_KEYWORD = "x-lintops-re2-pattern"

#: Escapes whose meaning is the same in ECMA-262 (what jsonschema-rs implements, ASCII ``\\d``/``\\w``/``\\b``)
#: and in RE2.
_SAME_ESCAPES = frozenset("dDwWbB")


@lru_cache(maxsize=4096)
def jsonschema_rs_can_match(pattern: str) -> bool:
    """Whether jsonschema-rs matches ``pattern`` exactly as RE2 (the API server's Go regexp) does.

    jsonschema-rs reads a pattern as ECMA-262 (its meta-schema refuses RE2's inline flags ``(?i)``,
    ``\\z``, ``[[:alpha:]]``, ``\\pL``, ``(?P<name>...)``, ``\\Q...\\E``) and the two syntaxes disagree on
    some shared spellings (``.`` and ``\\s`` against ``\\r`` and Unicode spaces, ``[]a]``, ``{,n}``).
    Only a pattern made of constructs both read alike is left to it (measured: matching there costs
    about 0.4 µs a value, through :class:`Re2Pattern` about 15 µs, most of it google-re2's own call);
    every other pattern is matched by RE2 itself.
    """
    in_class = False
    index, length = 0, len(pattern)
    while index < length:
        char = pattern[index]
        if char == "\\":
            following = pattern[index + 1:index + 2]
            if not following or not (following in _SAME_ESCAPES or (following.isascii() and not following.isalnum()
                                                                      and following not in " \t")):
                return False
            index += 2
            continue
        if in_class:
            if char == "[" and pattern[index + 1:index + 2] in (":", "=", "."):
                return False
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            if pattern[index + 1:index + 2] == "^":
                index += 1
            if pattern[index + 1:index + 2] == "]":  # []a]: an empty class in ECMA-262, "]" in RE2
                return False
        elif (char == "." or pattern.startswith("{,", index)
              or (pattern.startswith("(?", index) and not pattern.startswith("(?:", index))):
            return False  # ".": not "\r" in ECMA-262; "(?" other than "(?:": RE2 flags; "{,": a literal in RE2
        index += 1
    return _jsonschema_rs_compiles(pattern)


def _jsonschema_rs_compiles(pattern: str) -> bool:
    import jsonschema_rs

    try:
        jsonschema_rs.Draft4Validator({"pattern": pattern}, pattern_options=jsonschema_rs_pattern_options())
    except Exception:  # jsonschema-rs refuses it (its meta-schema, or its regex engine)
        return False
    return True


class Re2Pattern:
    """The ``pattern`` keyword matched by RE2, as a jsonschema-rs custom keyword (:data:`RE2_PATTERN_KEYWORD`).

    A pattern RE2 refuses matches nothing (callers report such patterns first and drop them).
    """

    def __init__(self, parent_schema: Any, value: Any, schema_path: Any) -> None:
        self.pattern = value
        try:
            self._search = compile_pattern(value).search
        except PatternError:
            self._search = None

    def validate(self, instance: Any) -> None:
        if isinstance(instance, str) and (self._search is None or self._search(instance) is None):
            raise ValueError(self.pattern)


def additional_keys(schema: Mapping[str, Any], instance: Iterable[str]) -> list[str]:
    """The keys of ``instance`` that neither ``properties`` nor ``patternProperties`` (RE2) of ``schema`` name."""
    properties = schema.get("properties") or {}
    patterns = list(schema.get("patternProperties") or {})
    return [key for key in instance
            if key not in properties and not any(search(pattern, key) for pattern in patterns)]
