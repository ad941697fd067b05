"""Values a diff must not show, as a short keyed hash: "the password changed" shows, the password does not.

A diff is posted where a log or a merge-request note is read by more people than the repository's
secrets are meant for, so every value that may be a secret is shown as :class:`~lintops.diff.model.Redacted`:
the first 8 hex digits of an HMAC-SHA256 of the value under a key drawn at random for each run. Within one
run the same value has the same hash (a reviewer sees that a value changed, or that two are equal); across
runs the hashes differ, and without the key no guess of a password can be checked against one.

Hashed:

- in a Secret (core API group), every value but its identity: ``apiVersion``, ``kind``, ``type``,
  ``immutable``, ``metadata.name``, ``metadata.namespace``, ``metadata.generateName`` and
  ``metadata.labels``; annotations are hashed too (``kubectl.kubernetes.io/last-applied-configuration``
  holds the whole Secret);
- in a SealedSecret (``bitnami.com``), everything under ``spec.encryptedData`` and ``spec.template.data``;
- anywhere else, what the plaintext-secret rules would flag: a value in a well-known credential format
  (:func:`lintops.credentials.credential_format`: private keys, cloud and VCS tokens, JWTs, URLs with a
  password), and a literal (:func:`lintops.credentials.is_named_literal`) under a name that says it holds a
  credential (the rules' default ``name_pattern`` minus ``ignore_name_pattern``). The name of a value is its
  key, or for an item with ``name`` and ``value`` (an environment variable) the item's ``name``; items of a
  list keep the name of the list.

A mapping or list that was added or removed as a whole is hashed leaf by leaf by the same rules.
Booleans and null are never hashed: they carry no secret and a hash of them would hide a real change.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

from ..credentials import SecretNameCheck, credential_format, is_named_literal
from .fields import Difference
from .model import ABSENT, Redacted

_SECRET_IDENTITY = frozenset({("apiVersion",), ("kind",), ("type",), ("immutable",), ("metadata", "name"),
                              ("metadata", "namespace"), ("metadata", "generateName")})
_SEALED_PREFIXES = (("spec", "encryptedData"), ("spec", "template", "data"))


class SecretMasker:
    """Masks the values of one run's differences; one instance (one key) per run."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(32)
        self._names = SecretNameCheck()

    def digest(self, value: Any) -> Redacted:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
        return Redacted(hmac.new(self._key, text.encode(), hashlib.sha256).hexdigest()[:8])

    def mask(self, difference: Difference, group: str, kind: str, old_body: Any,
             new_body: Any) -> tuple[Any, Any, bool]:
        """``difference``'s old and new values with every secret hashed, and whether any was."""
        tokens = difference.tokens
        body = old_body if difference.new is ABSENT else new_body
        name = _name_at(body, tokens)
        masked = [False]
        whole = _whole_value_secret(group, kind, tokens)
        values = [self._safe(value, tokens, name, whole, group, kind, masked) for value in (difference.old,
                                                                                           difference.new)]
        return values[0], values[1], masked[0]

    def _safe(self, value: Any, tokens: tuple[str, ...], name: str | None, whole: bool, group: str, kind: str,
              masked: list[bool]) -> Any:
        if value is ABSENT or value is None or isinstance(value, bool):
            return value
        if isinstance(value, dict):
            named = value.get("name") if isinstance(value.get("name"), str) else None
            return {key: self._safe(child, (*tokens, str(key)),
                                    named if key == "value" and named is not None else str(key),
                                    whole or _whole_value_secret(group, kind, (*tokens, str(key))), group, kind,
                                    masked)
                    for key, child in value.items()}
        if isinstance(value, list):
            return [self._safe(child, (*tokens, str(index)), name, whole, group, kind, masked)
                    for index, child in enumerate(value)]
        if whole or self._looks_secret(name, value):
            masked[0] = True
            return self.digest(value)
        return value

    def _looks_secret(self, name: str | None, value: Any) -> bool:
        text = value if isinstance(value, str) else str(value)
        if isinstance(value, str) and credential_format(value):
            return True
        return name is not None and self._names.looks_secret(name) and is_named_literal(name, text)


def _whole_value_secret(group: str, kind: str, tokens: tuple[str, ...]) -> bool:
    """Whether everything at and below ``tokens`` of this object is hashed whatever its name."""
    if kind == "Secret" and group == "":
        if not tokens or tokens in _SECRET_IDENTITY or tokens == ("metadata",):
            return False
        return not (len(tokens) >= 2 and tokens[:2] == ("metadata", "labels"))
    if kind == "SealedSecret" and group == "bitnami.com":
        return any(tokens[:len(prefix)] == prefix for prefix in _SEALED_PREFIXES)
    return False


def _name_at(body: Any, tokens: tuple[str, ...]) -> str | None:
    """The name the value at ``tokens`` goes by: its key, an environment variable's ``name``, a list's key."""
    name: str | None = None
    node = body
    for token in tokens:
        if isinstance(node, dict):
            named = node.get("name")
            name = named if token == "value" and isinstance(named, str) else token
            node = node.get(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            break
    return name
