"""What looks like a credential: names that say they hold one (here), literal values
(:mod:`lintops.literals`), well-known formats (:mod:`lintops.credential_formats`).

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

from functools import cached_property
from typing import Any, ClassVar

from .checks.base import Check
from .credential_formats import credential_format
from .literals import is_literal, is_named_literal
from .pattern_params import pattern_param

__all__ = ["DEFAULT_IGNORE_NAME_PATTERN", "DEFAULT_NAME_PATTERN", "NAME_WORDS", "SecretNameCheck",
           "credential_format", "is_literal", "is_named_literal", "secret_name_params"]

#: Names that say they hold a credential. At least Polaris' sensitive names (``sensitiveContainerEnvVar``,
#: ``sensitiveConfigmapContent``: password, token, bearer, secret, ``AWS_SECRET_ACCESS_KEY``,
#: ``GOOGLE_APPLICATION_CREDENTIALS``, ``AZURE_*KEY``, ``OCI_CLI_KEY_CONTENT``) and the cloud SDKs' and CLIs'
#: variables (``AWS_SESSION_TOKEN``, ``AZURE_CLIENT_SECRET``, ``ARM_ACCESS_KEY``, ``DIGITALOCEAN_ACCESS_TOKEN``,
#: ``GITHUB_TOKEN``, ``NPM_TOKEN``, ``SLACK_SIGNING_SECRET``, ``STRIPE_SECRET_KEY``, ``DD_APP_KEY``,
#: ``NEW_RELIC_LICENSE_KEY``, ``RABBITMQ_ERLANG_COOKIE``, ...).
DEFAULT_NAME_PATTERN = (
    r"passw(?:or)?d|passphrase|secret|credential|token(?!i[sz])|bearer|api[-_.]?key|key[-_.]?content"
    r"|(?:private|access|encryption|signing|master|auth|client|ssh|app|application|licen[cs]e|hmac|jwt"
    r"|cipher|session|webhook|account|storage|shared[-_.]?access|sas|ingest|deploy)[-_.]?key"
    r"|^azure[-_.].*key$|erlang[-_.]?cookie"
    r"|(?:^|[-_.])(?:pass|pwd|pw)(?:$|[-_.])"
)

#: Every name the default ``name_pattern`` matches contains one of these (case-insensitively), the words
#: :meth:`SecretNameCheck.may_name_secret` looks for.
NAME_WORDS = ("pass", "secret", "credential", "token", "key", "pw", "bearer", "cookie")

_IGNORED_SUFFIXES = (
    "file", "files", "path", "dir", "directory", "name", "names", "ref", "url", "uri", "endpoint", "host",
    "hostname", "port", "ttl", "expiry", "expiration", "expires", "timeout", "length", "len", "size",
    "enabled", "disabled", "enable", "mount", "header", "type", "policy", "rotation", "algorithm", "alg",
    "version", "format", "method", "mode", "provider", "issuer", "audience", "scope", "scopes", "prefix",
    "field", "location", "template", "count", "days", "seconds", "duration", "interval", "source",
    "id", "ids", "user", "username", "arn", "alias", "store", "backend", "selector", "namespace",
)
DEFAULT_IGNORE_NAME_PATTERN = (
    r"[-_.](?:" + "|".join(_IGNORED_SUFFIXES) + r")$"
    r"|(?-i:[a-z0-9](?:" + "|".join(s.capitalize() for s in _IGNORED_SUFFIXES) + r")$)"
)

#: A name this long is judged every time rather than remembered (a cache of names stays small).
_CACHED_NAME_LENGTH = 256
#: Names one check remembers before it starts afresh (the names of a tree repeat across its objects).
_CACHED_NAMES = 4096


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
                or "key" in lowered or "pw" in lowered or "bearer" in lowered or "cookie" in lowered)
