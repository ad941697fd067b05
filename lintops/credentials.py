"""What looks like a credential: names that say they hold one, literal values, well-known formats.

Shared by the checks that look for credentials committed in plain text (``plaintext-secret`` in Secrets,
ConfigMaps and environment variables, ``helm-values-secret`` in Helm values files) and by
``image-reference``, whose messages never quote an image that carries one.

"Literal" excludes what cannot be a credential: empty values, references (``$(VAR)``, ``${VAR}``,
``{{ ... }}``, or only references and punctuation), booleans, short numbers and durations (at most 6
characters: ``3600``, ``30s``), file paths (``/run/secrets/db``, ``./x``, ``~/x``, ``file://...``),
URLs without a password, masks (``****``) and placeholders (``<your-key>``, ``INSERT_...``,
``REPLACE_...``, ``YOUR_...``, or an upper-case word containing the variable's or key's name such as
``GOOGLE_API_KEY_VAL``). Names are matched by ``name_pattern`` unless
``ignore_name_pattern`` matches (``*_FILE``, ``*_PATH``, ``*_NAME``, ``*_URL``, ``*_TTL``, ``secretName``:
settings *about* a credential, not the credential). Both are parameters of every
:class:`SecretNameCheck`, searched case-insensitively (a rule's own pattern in RE2 syntax:
:mod:`lintops.pattern_params`).
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any, ClassVar

from .checks.base import Check
from .pattern_params import pattern_param

DEFAULT_NAME_PATTERN = (
    r"passw(?:or)?d|passphrase|secret|credential|token(?!i[sz])|api[-_.]?key"
    r"|(?:private|access|encryption|signing|master|auth|client|ssh)[-_.]?key"
    r"|(?:^|[-_.])(?:pass|pwd|pw)(?:$|[-_.])"
)

_IGNORED_SUFFIXES = (
    "file", "files", "path", "dir", "directory", "name", "names", "ref", "url", "uri", "endpoint", "host",
    "hostname", "port", "ttl", "expiry", "expiration", "expires", "timeout", "length", "len", "size",
    "enabled", "disabled", "enable", "mount", "header", "type", "policy", "rotation", "algorithm", "alg",
    "version", "format", "method", "mode", "provider", "issuer", "audience", "scope", "scopes", "prefix",
    "field", "location", "template", "count", "days", "seconds", "duration", "interval", "source",
)
DEFAULT_IGNORE_NAME_PATTERN = (
    r"[-_.](?:" + "|".join(_IGNORED_SUFFIXES) + r")$"
    r"|(?-i:[a-z0-9](?:" + "|".join(s.capitalize() for s in _IGNORED_SUFFIXES) + r")$)"
)

_REFERENCE = re.compile(r"\$\([^()\s]+\)|\$\{[^{}\s]+\}|\{\{.*?\}\}")
_BOOLEAN_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "enabled", "disabled",
                            "none", "null", "nil", "~"})
_SHORT_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:ms|s|m|h|d|w)?", re.ASCII)
_PATH = re.compile(r"(?:/|\./|\.\./|~/|file://)\S*")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S*")
_MASK = re.compile(r"\*+")
_PLACEHOLDER = re.compile(r"<[^<>\n]+>|(?:INSERT|REPLACE|YOUR)_[A-Z0-9_]+")
_UPPER_IDENTIFIER = re.compile(r"[A-Z][A-Z0-9_]*")

#: Well-known credential formats: (pattern, what the message calls it).
_FORMATS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"), "a private key"),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key ID"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{22,}"), "a GitHub token"),
    (re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"), "a GitLab access token"),
    (re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), "a JSON Web Token"),
)
_URL_PASSWORD = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]{0,30}://[^/\s:@]{0,256}:([^/\s@]{1,256})@")


def credential_format(value: str) -> str | None:
    """What well-known credential ``value`` contains ("a private key", ...), or None."""
    for pattern, what in _FORMATS:
        if pattern.search(value):
            return what
    for match in _URL_PASSWORD.finditer(value):
        if is_literal(match.group(1)):
            return "a URL with an embedded password"
    return None


def is_literal(value: str) -> bool:
    """True when ``value`` may be a credential: not empty, a reference, a flag, a short number, a path."""
    text = value.strip().strip("\"'").strip()
    if not text:
        return False
    without_references = _REFERENCE.sub("", text)
    if without_references != text and not any(c.isalnum() for c in without_references):
        return False
    if text.lower() in _BOOLEAN_WORDS or _MASK.fullmatch(text) or _PLACEHOLDER.fullmatch(text):
        return False
    if len(text) <= 6 and _SHORT_NUMBER.fullmatch(text):
        return False
    if _PATH.fullmatch(text):
        return False
    if _URL.fullmatch(text):  # a location, unless it carries a literal password
        return any(is_literal(match.group(1)) for match in _URL_PASSWORD.finditer(text))
    return True


def is_named_literal(name: str, value: str) -> bool:
    """:func:`is_literal`, and not a placeholder spelled after the name (``GOOGLE_API_KEY_VAL``)."""
    text = value.strip()
    if _UPPER_IDENTIFIER.fullmatch(text) and name.upper() in text:
        return False
    return is_literal(value)


def secret_name_params(default_ignore_name_pattern: str) -> dict[str, Any]:
    """The parameters of a :class:`SecretNameCheck`, documenting its default ignore pattern."""
    return {
        "type": "object",
        "properties": {
            "name_pattern": {"type": "string", "minLength": 1, "default": DEFAULT_NAME_PATTERN,
                             "description": "Names that say they hold a credential: a regular expression (RE2 "
                                            "syntax), searched case-insensitively."},
            "ignore_name_pattern": {"type": "string", "default": default_ignore_name_pattern,
                                    "description": "Names that match `name_pattern` but are settings *about* a "
                                                   "credential (`*_FILE`, `*_PATH`, `*_URL`, `secretName`): a "
                                                   "regular expression (RE2 syntax), searched case-insensitively; "
                                                   "an empty pattern ignores none."},
        },
        "additionalProperties": False,
    }


class SecretNameCheck(Check):
    """A check that asks whether a name looks like it holds a credential: the ``name_pattern`` minus the
    ``ignore_name_pattern`` (both parameters; subclasses choose the default ignore pattern)."""

    default_ignore_name_pattern: ClassVar[str] = DEFAULT_IGNORE_NAME_PATTERN
    params_schema: ClassVar[dict[str, Any]] = secret_name_params(DEFAULT_IGNORE_NAME_PATTERN)

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(params)
        self.name_re = pattern_param(self.params, "name_pattern", DEFAULT_NAME_PATTERN)
        if "ignore_name_pattern" in self.params:
            self.ignore_re  # noqa: B018 - a supplied pattern is compiled now: refused when the rule loads

    @cached_property
    def ignore_re(self) -> Any:
        """Compiled on the first name that looks like a credential: the default is a long alternation whose
        compilation costs more than the rest of a one-file run's patterns together, and most runs never
        need it (no key or variable name there matches ``name_pattern``)."""
        return pattern_param(self.params, "ignore_name_pattern", self.default_ignore_name_pattern)

    def looks_secret(self, name: str) -> bool:
        return bool(self.name_re.search(name)) and not (self.ignore_re.pattern and self.ignore_re.search(name))
