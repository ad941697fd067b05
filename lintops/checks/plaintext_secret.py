"""Check ``plaintext-secret``: credentials committed in plain text.

Whatever reaches a GitOps repository is readable by everyone who can clone it, forever (history keeps
it). The check looks at three places:

- a ``v1`` ``Secret`` given whole: one violation per key of ``data`` or ``stringData`` whose value is
  not empty (base64 is an encoding, not encryption; a SealedSecret is what belongs in Git);
- a ConfigMap given whole: each ``data`` / ``binaryData`` key whose *name* looks like a credential and
  whose single-line value is a literal; each value that contains a well-known credential format (a
  private key, an AWS access key ID, GitHub, GitLab or Slack tokens, a JSON Web Token, a URL with a
  password); and each value read as an embedded configuration file: ``name: value``, ``name = value``
  or ``"name": "value"`` lines whose name looks like a credential and whose value is a literal;
- a container (targets ``container``, ``init-container``, ``ephemeral-container``): each ``env`` entry
  with a literal ``value`` whose name looks like a credential, or whose value has a well-known
  credential format whatever its name. ``valueFrom`` is never reported.

"Literal" excludes what cannot be a credential: empty values, references (``$(VAR)``, ``${VAR}``,
``{{ ... }}``, or only references and punctuation), booleans, short numbers and durations (at most 6
characters: ``3600``, ``30s``), file paths (``/run/secrets/db``, ``./x``, ``~/x``, ``file://...``),
URLs without a password, masks (``****``) and placeholders (``<your-key>``, ``INSERT_...``,
``REPLACE_...``, ``YOUR_...``, or an upper-case word containing the variable's or key's name such as
``GOOGLE_API_KEY_VAL``). Names are matched by ``name_pattern`` unless
``ignore_name_pattern`` matches (``*_FILE``, ``*_PATH``, ``*_NAME``, ``*_URL``, ``*_TTL``, ``secretName``:
settings *about* a credential, not the credential). Both are Python regular expressions searched
case-insensitively.

Messages name the key, the variable and the kind of credential; they never contain the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from ..model import Violation
from ..rules import RuleError
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import RunContext

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
#: The start of a ``name: value`` / ``name = value`` / ``"name": "value"`` line of an embedded file.
_ASSIGNMENT = re.compile(r"""\s*(?:export\s+)?["']?([A-Za-z0-9_.-]{1,64})["']?\s*[:=]""")
_MAX_NAMES_SHOWN = 3


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


class SecretNameCheck(Check):
    """A check that asks whether a name looks like it holds a credential: the ``name_pattern`` minus the
    ``ignore_name_pattern`` (both parameters; subclasses choose the default ignore pattern)."""

    default_ignore_name_pattern: ClassVar[str] = DEFAULT_IGNORE_NAME_PATTERN
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "name_pattern": {"type": "string", "minLength": 1},
            "ignore_name_pattern": {"type": "string"},
        },
        "additionalProperties": False,
    }

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(params)
        self.name_re = compile_pattern(self.params, "name_pattern", DEFAULT_NAME_PATTERN)
        self.ignore_re = compile_pattern(self.params, "ignore_name_pattern", self.default_ignore_name_pattern)

    def looks_secret(self, name: str) -> bool:
        return bool(self.name_re.search(name)) and not (self.ignore_re.pattern and self.ignore_re.search(name))


class PlaintextSecret(SecretNameCheck):
    name = "plaintext-secret"
    description = ("Secrets with data, credential-like environment variables with literal values, and "
                   "credentials in ConfigMaps.")

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        body = subject.value
        if not isinstance(body, dict):
            return ()
        if subject.pointer == "":
            resource = subject.resource
            if resource.api_version != "v1":
                return ()
            if resource.kind == "Secret":
                return list(self._secret(subject))
            if resource.kind == "ConfigMap":
                return list(self._config_map(subject))
            return ()
        return list(self._container(subject))

    # -- Secret ------------------------------------------------------------------------------------

    def _secret(self, subject: Subject) -> Iterator[Violation]:
        for field in ("data", "stringData"):
            entries = subject.value.get(field)
            if not isinstance(entries, dict):
                continue
            for key, value in entries.items():
                if _has_value(value):
                    yield Violation(
                        subject.at(field, key),
                        f"Secret key '{key}' in '{field}' is committed in plain text (base64 is an encoding, "
                        "not encryption); commit a SealedSecret or reference an external secret store",
                    )

    # -- ConfigMap ---------------------------------------------------------------------------------

    def _config_map(self, subject: Subject) -> Iterator[Violation]:
        for field in ("data", "binaryData"):
            entries = subject.value.get(field)
            if not isinstance(entries, dict):
                continue
            for key, value in entries.items():
                if not isinstance(value, str) or not value.strip():
                    continue
                reason = self._config_value_reason(str(key), value, binary=field == "binaryData")
                if reason:
                    yield Violation(subject.at(field, key), f"ConfigMap key '{key}' {reason}; move it to a "
                                                            "Secret and commit that as a SealedSecret")

    def _config_value_reason(self, key: str, value: str, binary: bool) -> str | None:
        if binary:
            value = _decoded(value)
        what = credential_format(value)
        if what:
            return f"contains what looks like {what}"
        if "\n" not in value.strip() and self.looks_secret(key) and (binary or is_named_literal(key, value)):
            return "holds a literal value, and its name says it is a credential"
        names = []
        for line in value.splitlines():
            match = _ASSIGNMENT.match(line)
            if (match and match.group(1) not in names and self.looks_secret(match.group(1))
                    and _is_assigned_literal(line[match.end():].strip().rstrip(",").rstrip())):
                names.append(match.group(1))
        if not names:
            return None
        shown = ", ".join(f"'{n}'" for n in names[:_MAX_NAMES_SHOWN])
        more = f" and {len(names) - _MAX_NAMES_SHOWN} more" if len(names) > _MAX_NAMES_SHOWN else ""
        return f"embeds a configuration that sets {shown}{more} to a literal credential"

    # -- containers --------------------------------------------------------------------------------

    def _container(self, subject: Subject) -> Iterator[Violation]:
        env = subject.value.get("env")
        if not isinstance(env, list):
            return
        who = _container_label(subject)
        for index, item in enumerate(env):
            if not isinstance(item, dict):
                continue
            name, value = item.get("name"), item.get("value")
            if not isinstance(name, str) or not isinstance(value, str) or not value.strip():
                continue
            what = credential_format(value)
            if what:
                message = (f"{who} sets environment variable '{name}' to what looks like {what}; "
                           "take it from a Secret with valueFrom.secretKeyRef")
            elif self.looks_secret(name) and is_named_literal(name, value):
                message = (f"{who} sets environment variable '{name}' to a literal value, and its name says "
                           "it is a credential; take it from a Secret with valueFrom.secretKeyRef")
            else:
                continue
            yield Violation(subject.at("env", index, "value"), message)


def is_named_literal(name: str, value: str) -> bool:
    """:func:`is_literal`, and not a placeholder spelled after the name (``GOOGLE_API_KEY_VAL``)."""
    text = value.strip()
    if _UPPER_IDENTIFIER.fullmatch(text) and name.upper() in text:
        return False
    return is_literal(value)


def _has_value(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None and not isinstance(value, (dict, list))


def _is_assigned_literal(value: str) -> bool:
    text = value.strip()
    if not text or text[0] in "{[|>&*#":  # a nested block, a YAML block scalar, an alias, a comment
        return False
    return is_literal(text)


def _decoded(value: str) -> str:
    import base64
    import binascii

    try:
        return base64.b64decode(value, validate=False).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""


def _container_label(subject: Subject) -> str:
    kind = ("init container" if "/initContainers/" in subject.pointer
            else "ephemeral container" if "/ephemeralContainers/" in subject.pointer else "container")
    name = subject.value.get("name")
    return f"{kind} '{name}'" if isinstance(name, str) and name else f"a {kind}"


def compile_pattern(params: dict[str, Any], key: str, default: str) -> Any:
    """A rule's regular-expression parameter (case-insensitive, searched), or a RuleError naming it.

    A pattern a rule supplies may come from the linted repository (``.lintops/rules/``), so it is
    compiled by RE2 (:mod:`lintops.patterns`: linear-time matching, no lookaround or
    backreferences); the defaults are written here and stay on ``re``.
    """
    pattern = params.get(key, default)
    if pattern == default:
        return re.compile(default, re.IGNORECASE)
    from ..patterns import PatternError
    from ..patterns import compile_pattern as compile_re2

    try:
        return compile_re2(pattern, True)
    except PatternError as exc:
        raise RuleError(f"params.{key}: not a valid regular expression: {exc}") from None
