"""What is a literal value, one that may be a credential: not a reference, a flag, a number, a path.

Shared by the credential name checks (:mod:`lintops.credentials`), the credential formats whose match
carries a password (:mod:`lintops.credential_formats`: a URL's or a connection string's password that is
``${DB_PASSWORD}`` is no credential) and the entropy test (:mod:`lintops.entropy`).

"Literal" excludes what cannot be a credential: empty values, references (``$(VAR)``, ``${VAR}``,
``{{ ... }}``, or only references and punctuation), booleans, short numbers and durations (at most 6
characters: ``3600``, ``30s``), file paths (``/run/secrets/db``, ``./x``, ``~/x``, ``file://...``),
URLs without a password, masks (``****``) and placeholders (``<your-key>``, ``INSERT_...``,
``REPLACE_...``, ``YOUR_...``, or an upper-case word containing the variable's or key's name such as
``GOOGLE_API_KEY_VAL``). A default such as ``changeme`` is a literal: it is what runs when nobody
replaces it.
"""

from __future__ import annotations

import re
from functools import cache
from types import SimpleNamespace

#: A URL whose user information has a password (group 1): ``scheme://user:password@`` (RE2 syntax).
URL_PASSWORD = r"\b[A-Za-z][A-Za-z0-9+.-]{0,30}://[^/\s:@]{0,256}:([^/\s@]{1,256})@"

_BOOLEAN_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "enabled", "disabled",
                            "none", "null", "nil", "~"})


@cache
def _literal_patterns() -> SimpleNamespace:
    """What :func:`is_literal` matches, compiled on its first value (most runs judge none: no name there
    looks like a credential)."""
    return SimpleNamespace(
        reference=re.compile(r"\$\([^()\s]+\)|\$\{[^{}\s]+\}|\{\{.*?\}\}"),
        short_number=re.compile(r"[0-9]+(?:\.[0-9]+)?(?:ms|s|m|h|d|w)?", re.ASCII),
        path=re.compile(r"(?:/|\./|\.\./|~/|file://)\S*"),
        url=re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S*"),
        placeholder=re.compile(r"<[^<>\n]+>|(?:INSERT|REPLACE|YOUR)_[A-Z0-9_]+"),
        upper_identifier=re.compile(r"[A-Z][A-Z0-9_]*"),
    )


def url_has_password(text: str) -> bool:
    """Whether a URL in ``text`` carries a literal password in its user information (RE2: linear time)."""
    from .patterns import compile_pattern

    return any(is_literal(match.group(1)) for match in compile_pattern(URL_PASSWORD).finditer(text))


def is_literal(value: str) -> bool:
    """True when ``value`` may be a credential: not empty, a reference, a flag, a short number, a path.

    Each pattern is tried only where the text can match it (its first character, a ``$`` or ``://``).
    """
    text = value.strip().strip("\"'").strip()
    if not text:
        return False
    if "$" in text or "{{" in text:
        without_references = _literal_patterns().reference.sub("", text)
        if without_references != text and not any(c.isalnum() for c in without_references):
            return False
    if text.lower() in _BOOLEAN_WORDS or not text.strip("*"):  # a flag, a mask (****)
        return False
    first = text[0]
    if first in "<IRY" and _literal_patterns().placeholder.fullmatch(text):
        return False
    if len(text) <= 6 and _literal_patterns().short_number.fullmatch(text):
        return False
    if first in "/.~f" and _literal_patterns().path.fullmatch(text):
        return False
    if "://" in text and _literal_patterns().url.fullmatch(text):  # a location, unless it carries a password
        return url_has_password(text)
    return True


def is_named_literal(name: str, value: str) -> bool:
    """:func:`is_literal`, and not a placeholder spelled after the name (``GOOGLE_API_KEY_VAL``)."""
    text = value.strip()
    if ("A" <= text[:1] <= "Z" and name.upper() in text
            and _literal_patterns().upper_identifier.fullmatch(text)):
        return False
    return is_literal(value)
