"""``did you mean 'check'?``: the nearest known name to a misspelt one, for the messages that refuse it.

One place for the wording and the closeness (:func:`difflib.get_close_matches`, the standard library's,
cutoff 0.6), used for commands (``lintops chek``) and rule ids (``--disable liveness-prob``, a ``rules:``
key of the configuration, ``lintops explain``).
"""

from __future__ import annotations

from collections.abc import Iterable


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The known name nearest to ``word``, if one is close enough to be a likely misspelling."""
    from difflib import get_close_matches

    found = get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'check'?"`` for a close known name, else ``""``: appended to an "unknown ..." message."""
    found = closest(word, choices)
    return f"; did you mean '{found}'?" if found else ""
