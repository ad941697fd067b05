"""Check ``plaintext-secret``: credentials committed in plain text.

Whatever reaches a GitOps repository is readable by everyone who can clone it, forever (history keeps
it). The check looks at three places:

- a ``v1`` ``Secret`` given whole: one violation per key of ``data`` or ``stringData`` whose value is
  not empty (base64 is an encoding, not encryption; a SealedSecret is what belongs in Git);
- a ConfigMap given whole: each ``data`` / ``binaryData`` key whose *name* looks like a credential and
  whose single-line value is a literal; each value that contains a well-known credential format
  (:mod:`lintops.credential_formats`: private keys, cloud keys, VCS, chat and payment tokens, JWTs,
  URLs and connection strings with a password); and each value read as an embedded configuration
  file: ``name: value``, ``name = value`` or ``"name": "value"`` lines whose name looks like a
  credential and whose value is a literal;
- a container (targets ``container``, ``init-container``, ``ephemeral-container``): each ``env`` entry
  with a literal ``value`` whose name looks like a credential, or whose value has a well-known
  credential format whatever its name; each ``command`` / ``args`` item holding a well-known credential
  format. ``valueFrom`` is never reported.

What counts as a literal value, and as a name that says it holds a credential, is decided by
:mod:`lintops.credentials` (shared with ``helm-values-secret``); its ``name_pattern`` and
``ignore_name_pattern`` are this check's parameters.

Messages name the key, the variable and the kind of credential; they never contain the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from ..credentials import SecretNameCheck, credential_format, is_literal, is_named_literal
from ..model import Violation
from ..wording import container_label
from .base import Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext

_MAX_NAMES_SHOWN = 3


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
                return self._secret(subject)
            if resource.kind == "ConfigMap":
                return self._config_map(subject)
            return ()
        return self._container(subject)

    # -- Secret ------------------------------------------------------------------------------------

    def _secret(self, subject: Subject) -> list[Violation]:
        found = []
        for field in ("data", "stringData"):
            entries = subject.value.get(field)
            if not isinstance(entries, dict):
                continue
            for key, value in entries.items():
                if _has_value(value):
                    found.append(Violation(
                        subject.at(field, key),
                        f"Secret key '{key}' in '{field}' is committed in plain text (base64 is an encoding, "
                        "not encryption); commit a SealedSecret or reference an external secret store",
                    ))
        return found

    # -- ConfigMap ---------------------------------------------------------------------------------

    def _config_map(self, subject: Subject) -> list[Violation]:
        found = []
        for field in ("data", "binaryData"):
            entries = subject.value.get(field)
            if not isinstance(entries, dict):
                continue
            for key, value in entries.items():
                if not isinstance(value, str) or not value.strip():
                    continue
                reason = self._config_value_reason(str(key), value, binary=field == "binaryData")
                if reason:
                    found.append(Violation(subject.at(field, key), f"ConfigMap key '{key}' {reason}; move it to "
                                                                   "a Secret and commit that as a SealedSecret"))
        return found

    def _config_value_reason(self, key: str, value: str, binary: bool) -> str | None:
        if binary:
            value = _decoded(value)
        what = credential_format(value)
        if what:
            return f"contains what looks like {what}"
        if "\n" not in value.strip() and self.looks_secret(key) and (binary or is_named_literal(key, value)):
            return "holds a literal value, and its name says it is a credential"
        if not self.may_name_secret(value):  # no line of it can set a credential-like name
            return None
        names = _assigned_credentials(self, value)
        if not names:
            return None
        shown = ", ".join(f"'{n}'" for n in names[:_MAX_NAMES_SHOWN])
        more = f" and {len(names) - _MAX_NAMES_SHOWN} more" if len(names) > _MAX_NAMES_SHOWN else ""
        return f"embeds a configuration that sets {shown}{more} to a literal credential"

    # -- containers --------------------------------------------------------------------------------

    def _container(self, subject: Subject) -> list[Violation]:
        found = self._arguments(subject)
        env = subject.value.get("env")
        if not isinstance(env, list):
            return found
        for index, item in enumerate(env):
            if not isinstance(item, dict):
                continue
            name, value = item.get("name"), item.get("value")
            if not isinstance(name, str) or not isinstance(value, str) or not value.strip():
                continue
            what = credential_format(value)
            if what:
                message = (f"{container_label(subject)} sets environment variable '{name}' to what looks like "
                           f"{what}; take it from a Secret with valueFrom.secretKeyRef")
            elif self.looks_secret(name) and is_named_literal(name, value):
                message = (f"{container_label(subject)} sets environment variable '{name}' to a literal value, "
                           "and its name says it is a credential; take it from a Secret with valueFrom.secretKeyRef")
            else:
                continue
            found.append(Violation(subject.at("env", index, "value"), message))
        return found

    def _arguments(self, subject: Subject) -> list[Violation]:
        """``command`` and ``args`` items that contain a well-known credential format (``--token=ghp_...``)."""
        found: list[Violation] = []
        for field in ("command", "args"):
            items = subject.value.get(field)
            if not isinstance(items, list):
                continue
            for index, item in enumerate(items):
                what = credential_format(item) if isinstance(item, str) else None
                if what:
                    found.append(Violation(subject.at(field, index),
                                           f"{container_label(subject)} passes what looks like {what} in "
                                           f"{field}[{index}]; take it from a Secret (an environment variable "
                                           "with valueFrom.secretKeyRef, referenced as $(VAR), or a secret volume)"))
        return found


def _assigned_credentials(check: SecretNameCheck, value: str) -> list[str]:
    """The names, in order and once each, that lines of an embedded file set to a literal credential."""
    assignment = _assignment()
    names: list[str] = []
    for line in value.splitlines():
        match = assignment.match(line)
        if (match and match.group(1) not in names and check.looks_secret(match.group(1))
                and _is_assigned_literal(line[match.end():].strip().rstrip(",").rstrip())):
            names.append(match.group(1))
    return names


@cache
def _assignment() -> re.Pattern[str]:
    """The start of a ``name: value`` / ``name = value`` / ``"name": "value"`` line of an embedded file."""
    return re.compile(r"""\s*(?:export\s+)?["']?([A-Za-z0-9_.-]{1,64})["']?\s*[:=]""")


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

