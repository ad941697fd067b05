"""Check ``helm-values-secret``: Helm values-only files contain no literal credentials.

A **secret-looking key** is a key whose name says it holds a credential (``password``, ``secret``,
``token``, ``apiKey``, ...), the same names the ``plaintext-secret`` check uses for environment
variables (:mod:`lintops.credentials`), plus ``name``/``value`` pairs (``extraEnv``) whose ``name`` is
one. The whole values document is read, blocks switched off included; keys are named as
:mod:`lintops.helm_values_layout` names them. Messages never contain a value of a secret-looking key.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from ..credentials import (
    DEFAULT_IGNORE_NAME_PATTERN,
    SecretNameCheck,
    credential_format,
    is_named_literal,
    secret_name_params,
)
from ..helm_values_layout import Tokens, dotted
from ..model import Violation, join_pointer
from .base import Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext

#: Settings *about* a credential in values files: names of existing Secrets and of keys inside them.
DEFAULT_VALUES_IGNORE_NAME_PATTERN = (
    DEFAULT_IGNORE_NAME_PATTERN
    + r"|^existing|(?:passw(?:or)?d|token|secret)s?[-_.]?(?:key|keys|ref|refs)?[-_.]?(?:name|ref|selector)$"
    + r"|(?:passw(?:or)?d|token)[-_.]?key$|^(?:use|create|generate|auto)(?:[-_.]|(?-i:[A-Z]))"
)


class HelmValuesSecretCheck(SecretNameCheck):
    """No credential is written in a values file: secret-looking keys with literal values, known formats.

    Fires at a key whose name matches ``name_pattern`` and not ``ignore_name_pattern`` (both searched
    case-insensitively) when its value is a literal (not empty, not a reference such as ``${VAR}``
    or ``{{ ... }}``, not a boolean, short number, path, mask or placeholder); at an
    ``{name: ..., value: ...}`` pair (``extraEnv``) whose name looks like a credential and whose value
    is a literal; and at any string that contains a well-known credential format (a private key, an
    AWS access key ID, GitHub / GitLab / Slack tokens, a JSON Web Token, a URL with a password).
    Values under blocks switched off are still reported: they are committed all the same.
    """

    name = "helm-values-secret"
    description = "Helm values files contain no literal credentials."
    default_ignore_name_pattern = DEFAULT_VALUES_IGNORE_NAME_PATTERN
    params_schema: ClassVar[dict[str, Any]] = secret_name_params(DEFAULT_VALUES_IGNORE_NAME_PATTERN)

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        found: list[Violation] = []
        self._walk(subject.value, (), found)
        return found

    def _walk(self, value: Any, tokens: Tokens, found: list[Violation]) -> None:
        """Appends the violations at and below ``value`` to ``found``, in document order."""
        if isinstance(value, dict):
            name, pair_value = value.get("name"), value.get("value")
            if isinstance(name, str) and isinstance(pair_value, str) and self.looks_secret(name) \
                    and is_named_literal(name, pair_value) and not credential_format(pair_value):
                found.append(Violation(join_pointer("", *tokens, "value"),
                                       f"'{dotted(tokens)}' sets '{name}' to a literal value, and its name says it "
                                       "is a credential; reference a Secret (valueFrom.secretKeyRef, existingSecret)"))
            for key, child in value.items():
                key = str(key)
                if isinstance(child, (dict, list)):
                    self._walk(child, (*tokens, key), found)
                    continue
                text = _scalar(child)
                if text is None:
                    continue
                what = credential_format(text)
                if what:
                    found.append(_format_violation((*tokens, key), what))
                elif self.looks_secret(key) and "\n" not in text.strip() and is_named_literal(key, text):
                    child_tokens = (*tokens, key)
                    found.append(Violation(join_pointer("", *child_tokens),
                                           f"'{dotted(child_tokens)}' is set to a literal value, and its name says it "
                                           "is a credential; reference an existing Secret instead (existingSecret, a "
                                           "SealedSecret, an ExternalSecret)"))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                if isinstance(child, (dict, list)):
                    self._walk(child, (*tokens, str(index)), found)
                    continue
                text = _scalar(child)
                what = credential_format(text) if text is not None else None
                if what:
                    found.append(_format_violation((*tokens, str(index)), what))


def _format_violation(tokens: Tokens, what: str) -> Violation:
    return Violation(join_pointer("", *tokens), f"'{dotted(tokens)}' contains what looks like {what}; move it to "
                                                "a Secret (SealedSecret, ExternalSecret) and reference it")


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    return value if isinstance(value, str) else None
