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
from functools import cache, cached_property
from types import SimpleNamespace
from typing import Any, ClassVar

from .checks.base import Check
from .pattern_params import pattern_param

DEFAULT_NAME_PATTERN = (
    r"passw(?:or)?d|passphrase|secret|credential|token(?!i[sz])|api[-_.]?key"
    r"|(?:private|access|encryption|signing|master|auth|client|ssh)[-_.]?key"
    r"|(?:^|[-_.])(?:pass|pwd|pw)(?:$|[-_.])"
)

#: Every name the default ``name_pattern`` matches contains one of these (case-insensitively), the words
#: :meth:`SecretNameCheck.may_name_secret` looks for.
NAME_WORDS = ("pass", "secret", "credential", "token", "key", "pw")

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

_BOOLEAN_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "enabled", "disabled",
                            "none", "null", "nil", "~"})

#: A name this long is judged every time rather than remembered (a cache of names stays small).
_CACHED_NAME_LENGTH = 256
#: Names one check remembers before it starts afresh (the names of a tree repeat across its objects).
_CACHED_NAMES = 4096


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


@cache
def _formats() -> SimpleNamespace:
    """The well-known credential formats, compiled on the first value that holds one's fixed text."""
    return SimpleNamespace(
        private_key=re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"),
        aws=re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
        github=re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{22,}"),
        gitlab=re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"),
        slack=re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}"),
        jwt=re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    )


@cache
def _url_password() -> re.Pattern[str]:
    return re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]{0,30}://[^/\s:@]{0,256}:([^/\s@]{1,256})@")


def credential_format(value: str) -> str | None:
    """What well-known credential ``value`` contains ("a private key", ...), or None.

    Every format starts with fixed text (``-----BEGIN ``, ``AKIA``, ``ghp_``, ``://``, ...); a format is
    searched only where its fixed text occurs, in the same order, so the answer is the one searching
    each would give, and most values (which hold none) cost a few substring tests.
    """
    if "-----BEGIN " in value and _formats().private_key.search(value):
        return "a private key"
    if ("AKIA" in value or "ASIA" in value) and _formats().aws.search(value):
        return "an AWS access key ID"
    if ("gh" in value or "github_pat_" in value) and _formats().github.search(value):
        return "a GitHub token"
    if "glpat-" in value and _formats().gitlab.search(value):
        return "a GitLab access token"
    if "xox" in value and _formats().slack.search(value):
        return "a Slack token"
    if "eyJ" in value and _formats().jwt.search(value):
        return "a JSON Web Token"
    if "://" in value and _url_has_password(value):
        return "a URL with an embedded password"
    return None


def _url_has_password(text: str) -> bool:
    return any(is_literal(match.group(1)) for match in _url_password().finditer(text))


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
        return _url_has_password(text)
    return True


def is_named_literal(name: str, value: str) -> bool:
    """:func:`is_literal`, and not a placeholder spelled after the name (``GOOGLE_API_KEY_VAL``)."""
    text = value.strip()
    if ("A" <= text[:1] <= "Z" and name.upper() in text
            and _literal_patterns().upper_identifier.fullmatch(text)):
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
        self._default_names = self.params.get("name_pattern", DEFAULT_NAME_PATTERN) == DEFAULT_NAME_PATTERN
        self._verdicts: dict[str, bool] = {}
        if "ignore_name_pattern" in self.params:
            self.ignore_re  # noqa: B018 - a supplied pattern is compiled now: refused when the rule loads

    @cached_property
    def ignore_re(self) -> Any:
        """Compiled on the first name that looks like a credential: the default is a long alternation whose
        compilation costs more than the rest of a one-file run's patterns together, and most runs never
        need it (no key or variable name there matches ``name_pattern``)."""
        return pattern_param(self.params, "ignore_name_pattern", self.default_ignore_name_pattern)

    def looks_secret(self, name: str) -> bool:
        """Whether ``name`` says it holds a credential; remembered per name, since a tree's names repeat."""
        verdict = self._verdicts.get(name)
        if verdict is None:
            verdict = bool(self.name_re.search(name)) and not (self.ignore_re.pattern and self.ignore_re.search(name))
            if len(name) <= _CACHED_NAME_LENGTH:
                if len(self._verdicts) >= _CACHED_NAMES:
                    self._verdicts.clear()
                self._verdicts[name] = verdict
        return verdict

    def may_name_secret(self, text: str) -> bool:
        """False when no ASCII name written anywhere in ``text`` can look like a credential: the default
        ``name_pattern`` matches only names containing one of :data:`NAME_WORDS` (case-insensitively), so a
        text without any needs no line-by-line reading. Always True for a rule's own ``name_pattern``."""
        if not self._default_names:
            return True
        lowered = text.lower()  # ASCII letters stay in place; a name matched in text is matched in lowered
        return ("pass" in lowered or "secret" in lowered or "credential" in lowered or "token" in lowered
                or "key" in lowered or "pw" in lowered)
