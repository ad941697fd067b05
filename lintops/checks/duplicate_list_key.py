"""Check ``duplicate-list-key``: two entries of one list of the subject share the same key value.

Kubernetes keeps many lists keyed by a field (``env`` and ``ports`` by ``name``, ``volumeMounts`` by
``mountPath``). When two entries share a key the API server often accepts the object anyway, and what
happens next is up to whoever reads the list: for ``env`` the kubelet lets the later definition win,
and ``kubectl apply``'s strategic merge treats the two entries as one. A rule names the list and the
key::

    check: duplicate-list-key
    targets: [container, init-container, ephemeral-container]
    params:
      list: env
      key: name
      message: "environment variable '{value}' is defined again in container '{name}'"

Parameters: ``list`` (required, the subject's field that holds the list), ``key`` (default ``name``) and
``message`` (required). Placeholders: ``{value}`` (the shared key value, shortened to 40 characters),
``{name}`` (the subject's ``name``, else the object's name), ``{list}``, ``{key}``, ``{first}`` and
``{index}`` (the positions of the first and the repeated entry), ``{count}`` (how many entries share
the value) and ``{last}`` (the position of the last of them, the one that wins where the later wins).

One finding per repeated value, at the second entry that carries it. Entries whose key is missing,
empty or not a string are left to the ``schema`` rule.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from ..model import Violation
from ..rules import RuleError
from ..wording import shorten
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext

PLACEHOLDERS = frozenset({"value", "name", "list", "key", "first", "index", "count", "last"})
DEFAULT_KEY = "name"


class DuplicateListKey(Check):
    name = "duplicate-list-key"
    description = "Two entries of one list share the value of the list's key field."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "list": {"type": "string", "minLength": 1,
                     "description": "The subject's field that holds the list (`env`, `ports`, `volumeMounts`)."},
            "key": {"type": "string", "minLength": 1, "default": DEFAULT_KEY,
                    "description": "The field of each entry that must be unique within the list (`name`, "
                                   "`mountPath`)."},
            "message": {"type": "string", "minLength": 1,
                        "description": "The finding's message. Placeholders: `{value}` (the shared key value, "
                                       "shortened to 40 characters), `{name}` (the subject's `name`, else the "
                                       "object's), `{list}`, `{key}`, `{first}` and `{index}` (the positions of "
                                       "the first and the repeated entry), `{count}` (how many entries share the "
                                       "value), `{last}` (the position of the last of them)."},
        },
        "required": ["list", "message"],
        "additionalProperties": False,
    }

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(params)
        self._list = str(self.params["list"])
        self._key = str(self.params.get("key", DEFAULT_KEY))
        self._message = str(self.params["message"])
        for _, placeholder, spec, conversion in string.Formatter().parse(self._message):
            if placeholder is not None and (placeholder not in PLACEHOLDERS or spec or conversion):
                raise RuleError(f"params.message: unknown placeholder '{{{placeholder}}}' "
                                f"(allowed: {', '.join('{' + p + '}' for p in sorted(PLACEHOLDERS))})")

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        node = subject.value
        entries = node.get(self._list) if isinstance(node, dict) else None
        if not isinstance(entries, list):
            return ()
        positions: dict[str, list[int]] = {}
        for index, entry in enumerate(entries):
            value = entry.get(self._key) if isinstance(entry, dict) else None
            if isinstance(value, str) and value:
                positions.setdefault(value, []).append(index)
        owner = node.get("name")
        name = owner if isinstance(owner, str) and owner else subject.resource.name or "<unnamed>"
        violations = []
        for value, indexes in positions.items():
            if len(indexes) < 2:
                continue
            fields = {"value": shorten(value), "name": shorten(name), "list": self._list, "key": self._key,
                      "first": indexes[0], "index": indexes[1], "count": len(indexes), "last": indexes[-1]}
            violations.append((indexes[1], Violation(subject.at(self._list, indexes[1]),
                                                     self._message.format(**fields))))
        return [violation for _, violation in sorted(violations, key=lambda item: item[0])]
