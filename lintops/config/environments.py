"""How to tell staging from production by the names a repository already uses.

Environments are recognised by *environment words*: regular expressions, matched case-insensitively
inside a value (a namespace, a cluster name, a path, an Application name, a label), where the match is
not glued to other letters. With the defaults ``stag(e|ing)`` and ``prod(uction)?``:

- ``prod``, ``guestbook-prod``, ``apps/guestbook/production``, ``prod_eu``, ``prod2`` are production;
- ``staging``, ``overlays/stage``, ``values-staging.yaml``, ``stage1`` are staging;
- ``preprod``, ``products``, ``reproduce``, ``staged``, ``backstage`` are neither (the word is part of a
  longer word). Digits, ``-``, ``_``, ``/``, ``.`` and every other non-letter separate words.

A team whose words differ configures its own (``environments:`` in the configuration), for example
``staging: ["stag(e|ing)", "stg", "pre-?prod"]``. When a staging match and a production match overlap,
the longer one wins, so ``pre-prod`` with the staging word ``pre-?prod`` is staging although it ends in
``prod``. A value in which both kinds of words remain (``production-tools-staging``) is *ambiguous*:
it decides nothing, and the next value asked decides (see :meth:`EnvironmentPatterns.classify`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

STAGING = "staging"
PRODUCTION = "production"
#: What :meth:`EnvironmentPatterns.neutral` puts where an environment word was.
ENV_MARK = "{env}"


class _Word:
    """One environment pattern, matched by RE2 with the "not glued to letters" rule built in.

    RE2 has no lookaround, so the boundaries become part of the expression:
    ``(?:^|[^a-z])(PATTERN)(?:[^a-z]|$)`` (case-insensitive), and group 1 is the word. Because the
    boundary characters are inside the expression, RE2's leftmost-first match is the one that
    ``(?<![a-z])(?:PATTERN)(?![a-z])`` gives with backtracking (for ``prod|production`` against
    ``production-eu`` both take ``production``). Each next search starts at the word's end, or one
    character before it when that character is not a letter, since it may be the boundary in front
    of the next word, as lookbehind would see it.
    """

    def __init__(self, pattern: str) -> None:
        from ..patterns import PatternError, compile_pattern

        try:
            compile_pattern(pattern, True)  # first alone, so that an error's position is within the pattern
        except PatternError as exc:
            raise ValueError(f"environment pattern {pattern!r} is not a valid regular expression: {exc}") from None
        self._first = compile_pattern(f"(?:^|[^a-z])({pattern})(?:[^a-z]|$)", True)
        # After the first search ``^`` can no longer match (RE2 sees the whole text), so the rest need
        # a boundary character; spelled out, so that a search may start at 0 again after an empty word.
        self._rest = compile_pattern(f"[^a-z]({pattern})(?:[^a-z]|$)", True)
        self._letter = compile_pattern("[a-z]", True)

    def spans(self, value: str) -> Iterator[tuple[int, int]]:
        """``(start, end)`` of each non-empty word in ``value``, left to right, not overlapping."""
        data = value.encode("utf-8")
        chars = None if len(data) == len(value) else _char_offsets(value)
        match = self._first.search(data)
        while match is not None:
            start, end = match.start(1), match.end(1)
            if end > start:
                yield (start, end) if chars is None else (chars[start], chars[end])
                last = _char_start(data, end)
                position = end if self._letter.fullmatch(data[last:end]) else last
            else:  # an empty word is no word; the character at its place may be the next one's boundary
                position = start
            match = self._rest.search(data, position)


def _char_offsets(value: str) -> dict[int, int]:
    """Byte offset (UTF-8) -> character offset, for each character boundary of ``value``."""
    offsets, at = {}, 0
    for index, char in enumerate(value):
        offsets[at] = index
        at += len(char.encode("utf-8"))
    offsets[at] = len(value)
    return offsets


def _char_start(data: bytes, end: int) -> int:
    """The byte offset where the UTF-8 character ending at ``end`` starts."""
    start = end - 1
    while start > 0 and data[start] & 0xC0 == 0x80:
        start -= 1
    return start


@lru_cache(maxsize=64)
def _compile(patterns: tuple[str, ...]) -> tuple[_Word, ...]:
    return tuple(_Word(pattern) for pattern in patterns)


@dataclass(frozen=True)
class Classification:
    """Which environment a set of values names, and the value that decided it."""

    environment: str  # STAGING | PRODUCTION
    where: str  # what the value was ("destination namespace", ...); "" when not told
    value: str


@dataclass(frozen=True)
class EnvironmentPatterns:
    """The environment words of staging and of production (regular expressions)."""

    staging: tuple[str, ...] = (r"stag(e|ing)",)
    production: tuple[str, ...] = (r"prod(uction)?",)

    def __post_init__(self) -> None:
        for name in ("staging", "production"):
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(p, str) and p for p in value):
                raise ValueError(f"environments.{name} must be a list of non-empty regular expressions")
            object.__setattr__(self, name, tuple(value))
            if tuple(value) != getattr(type(self), name):  # the defaults compile on first use, not at import
                _compile(tuple(value))  # refuse a broken pattern when the configuration is read

    @classmethod
    def from_config(cls, data: Mapping[str, Any] | None) -> EnvironmentPatterns:
        """Build from ``{"staging": [...], "production": [...]}``; a missing key keeps its default.

        A single string is accepted for a single pattern. Raises ValueError on unknown keys, wrong types
        and invalid regular expressions, with a message that names the key.
        """
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ValueError("environments must be a mapping with the keys 'staging' and 'production'")
        unknown = sorted(set(data) - {"staging", "production"})
        if unknown:
            raise ValueError(f"environments: unknown key '{unknown[0]}' (allowed: production, staging)")
        changes: dict[str, tuple[str, ...]] = {}
        for key in ("staging", "production"):
            if key not in data:
                continue
            value = data[key]
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, (list, tuple)) or not value:
                raise ValueError(f"environments.{key} must be a non-empty list of regular expressions")
            changes[key] = tuple(value)
        return cls(**changes)

    # -- matching ----------------------------------------------------------------------------------

    def _spans(self, value: str) -> list[tuple[int, int, str]]:
        """The environment words in ``value`` as (start, end, environment), overlaps resolved."""
        found: list[tuple[int, int, str]] = []
        for environment, patterns in ((STAGING, self.staging), (PRODUCTION, self.production)):
            for word in _compile(patterns):
                found.extend((start, end, environment) for start, end in word.spans(value))
        # A match inside a strictly longer match of the other environment is part of that word.
        kept = [
            (start, end, env) for start, end, env in found
            if not any(o_env != env and o_start <= start and end <= o_end and o_end - o_start > end - start
                       for o_start, o_end, o_env in found)
        ]
        merged: list[tuple[int, int, str]] = []
        for start, end, env in sorted(set(kept)):
            if merged and merged[-1][2] == env and start < merged[-1][1]:  # overlapping words of one environment
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]), env)
            else:
                merged.append((start, end, env))
        return merged

    def classify_value(self, value: str | None) -> str | None:
        """``"staging"``, ``"production"``, or None when ``value`` names neither or both."""
        if not isinstance(value, str) or not value:
            return None
        environments = {env for _, _, env in self._spans(value)}
        if len(environments) == 1:
            return environments.pop()
        return None

    def classify(self, *values: str | None) -> str | None:
        """The environment named by the first value that names exactly one; None when none does.

        Values are asked in the order given (most telling first); None, empty values, values naming no
        environment and ambiguous values (naming both) are passed over.
        """
        decided = self.decide(("", value) for value in values)
        return decided.environment if decided else None

    def decide(self, candidates: Iterable[tuple[str, str | None]]) -> Classification | None:
        """Like :meth:`classify` over ``(where, value)`` pairs, saying which value decided."""
        for where, value in candidates:
            environment = self.classify_value(value)
            if environment is not None:
                return Classification(environment, where, value or "")
        return None

    def neutral(self, value: str) -> str:
        """``value`` with each environment word replaced by ``{env}``: equal for environment twins.

        ``apps/guestbook/production`` and ``apps/guestbook/staging`` both become ``apps/guestbook/{env}``.
        """
        return self._replace(value, lambda env: ENV_MARK)

    def staging_counterpart(self, value: str) -> str:
        """``value`` with each production word replaced by ``staging`` (for messages)."""
        return self._replace(value, lambda env: STAGING if env == PRODUCTION else None)

    def _replace(self, value: str, replacement: Any) -> str:
        out, last = [], 0
        for start, end, env in self._spans(value):
            if start < last:  # a staging and a production word that overlap equally: keep the first
                continue
            new = replacement(env)
            out.append(value[last:start])
            out.append(value[start:end] if new is None else new)
            last = end
        out.append(value[last:])
        return "".join(out)


DEFAULT_PATTERNS = EnvironmentPatterns()


def patterns_from(option: Any) -> EnvironmentPatterns:
    """What ``Options.environments`` holds, as patterns: None means the defaults; a mapping is config."""
    if option is None:
        return DEFAULT_PATTERNS
    if isinstance(option, EnvironmentPatterns):
        return option
    if isinstance(option, Mapping):
        return EnvironmentPatterns.from_config(option)
    raise TypeError(f"Options.environments must be EnvironmentPatterns, a mapping or None, not {type(option).__name__}")
