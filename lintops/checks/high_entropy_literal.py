"""Check ``high-entropy-literal``: long random strings committed where a credential would be.

``plaintext-secret`` is certain: a name that says credential, a known token format. A generated key of
no known format under a neutral name (``DD_KEY_A: 3f9c...``, ``config: Zm9v...``) escapes it. This check
measures the value instead (:mod:`lintops.entropy`: one token of hex, base64 or base64url, long enough,
random-looking by its entropy and by how often adjacent characters change class) and warns: it is a
guess, however good, so the rule is a warning.

It looks where a credential is written as a literal: a ``v1`` ConfigMap's ``data`` values (not
``binaryData``: binary content is random by nature), containers' ``env[].value``, ``args`` and
``command`` items (the value of ``--flag=value``, or the whole item), and every scalar of a Helm
values-only file. What ``plaintext-secret`` / ``helm-values-secret`` report with their default
parameters (a known format, a credential-like name with a literal value) is left to them, so one value
is never reported twice; so are names that say what the value is (``ignore_name_pattern``: checksum,
digest, hash, sha, revision, commit, fingerprint, etag, uuid, id, image, tag, certificate, CA bundle,
public key). Messages name the key and the alphabet, never the value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from ..credentials import SecretNameCheck, credential_format, is_named_literal
from ..entropy import high_entropy
from ..model import Violation, join_pointer
from ..pattern_params import pattern_param
from ..wording import container_label
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext

DEFAULT_IGNORE_NAME_PATTERN = (
    r"checksum|digest|hash|(?:^|[-_.])sha(?:1|256|512)?(?:$|[-_.])|revision|commit|fingerprint|etag|uuid|guid"
    r"|(?:^|[-_.])ids?$|(?-i:[a-z0-9]Ids?$)|image|(?:^|[-_.])tag$|(?-i:[a-z0-9]Tag$)|cert|crt|ca[-_.]?bundle"
    r"|public|pub[-_.]?key"
)
_MAX_DEPTH = 64


class HighEntropyLiteral(Check):
    name = "high-entropy-literal"
    description = "Long random-looking literals (hex, base64) in ConfigMaps, env values, args and Helm values."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "ignore_name_pattern": {
                "type": "string", "default": DEFAULT_IGNORE_NAME_PATTERN,
                "description": "Names whose values are not reported, however random (digests, ids, "
                               "certificates): a regular expression (RE2 syntax), searched case-insensitively; "
                               "an empty pattern ignores none."},
        },
        "additionalProperties": False,
    }

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(params)
        if "ignore_name_pattern" in self.params:
            self.ignore_re  # noqa: B018 - a supplied pattern is compiled now: refused when the rule loads

    @cached_property
    def ignore_re(self) -> Any:
        return pattern_param(self.params, "ignore_name_pattern", DEFAULT_IGNORE_NAME_PATTERN)

    @cached_property
    def _names(self) -> SecretNameCheck:
        """The default credential names: what ``plaintext-secret`` reports is not reported again here."""
        return SecretNameCheck()

    def _reported(self, name: str, value: str) -> str | None:
        """The alphabet of ``value`` when this check reports it under ``name``, else None."""
        kind = high_entropy(value)
        if kind is None or credential_format(value):
            return None
        if name and self.ignore_re.pattern and self.ignore_re.search(name):
            return None
        if name and self._names.looks_secret(name) and is_named_literal(name, value):
            return None
        return kind

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        body = subject.value
        if not isinstance(body, dict):
            return ()
        if subject.pointer == "":
            resource = subject.resource
            if resource.kind == "HelmValues":
                return list(self._values(body, (), 0))
            if resource.api_version == "v1" and resource.kind == "ConfigMap":
                return self._config_map(subject)
            return ()
        return self._container(subject)

    def _config_map(self, subject: Subject) -> list[Violation]:
        data = subject.value.get("data")
        if not isinstance(data, dict):
            return []
        found = []
        for key, value in data.items():
            kind = self._reported(str(key), value) if isinstance(value, str) else None
            if kind:
                found.append(Violation(subject.at("data", key), f"ConfigMap key '{key}' holds a long random-looking "
                                                                f"{kind} string; {_ADVICE}"))
        return found

    def _container(self, subject: Subject) -> list[Violation]:
        found: list[Violation] = []
        label = container_label(subject)
        env = subject.value.get("env")
        for index, item in enumerate(env if isinstance(env, list) else ()):
            if isinstance(item, dict) and isinstance(item.get("name"), str) and isinstance(item.get("value"), str):
                kind = self._reported(item["name"], item["value"])
                if kind:
                    found.append(Violation(subject.at("env", index, "value"),
                                           f"{label} sets environment variable '{item['name']}' to a long "
                                           f"random-looking {kind} string; {_ADVICE}"))
        for field in ("command", "args"):
            items = subject.value.get(field)
            for index, item in enumerate(items if isinstance(items, list) else ()):
                if not isinstance(item, str):
                    continue
                flag, equals, value = item.partition("=")
                name, value = (flag.lstrip("-"), value) if equals and flag.startswith("-") else ("", item)
                kind = self._reported(name, value)
                if kind:
                    shown = f"option '{flag}' of " if name else ""
                    found.append(Violation(subject.at(field, index),
                                           f"{label} passes a long random-looking {kind} string in {shown}"
                                           f"{field}[{index}]; {_ADVICE}"))
        return found

    def _values(self, value: Any, tokens: tuple[str, ...], depth: int) -> Iterator[Violation]:
        """The violations at and below ``value`` of a Helm values document, in document order."""
        if depth > _MAX_DEPTH:
            return
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, child in items:
            child_tokens = (*tokens, str(key))
            if isinstance(child, (dict, list)):
                yield from self._values(child, child_tokens, depth + 1)
            elif isinstance(child, str):
                kind = self._reported(str(key) if isinstance(value, dict) else (tokens[-1] if tokens else ""), child)
                if kind:
                    from ..helm_values_layout import dotted  # only a values file needs it: no import on other runs

                    yield Violation(join_pointer("", *child_tokens),
                                    f"'{dotted(child_tokens)}' is a long random-looking {kind} string; {_ADVICE}")


_ADVICE = ("if it is a credential, move it to a Secret (SealedSecret, ExternalSecret) and reference it; if it is "
           "not, exempt it or name it for what it is (a digest, an id)")
