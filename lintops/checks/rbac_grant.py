"""Check ``rbac-grant``: a Role or ClusterRole grants one of the permissions a rule lists.

The permissions are data (``params.permissions``: API group, resource, the verbs that grant it, what it
lets its holder do), matched as Kubernetes' authorizer matches them (:mod:`.rbac_policy`): ``*`` and
``*/<subresource>`` count, ``pods/*`` does not, and a rule limited by ``resourceNames`` grants a
permission only where the permission says ``named: true``. One finding per entry that grants something
(the resource entry, or the verb when the resource is ``*``), naming every permission it grants there.

A rule whose ``resources`` and ``verbs`` are both ``*`` is left to ``rbac-wildcard``, which reports it
once. A permission with ``until: "1.34"`` is reported only for targets up to that version (``get`` on
``pods/exec`` opens a WebSocket exec until Kubernetes 1.35 requires ``create`` for it too); a run of
several versions names the versions a finding applies to. ``also`` makes a permission count only when
the same Role grants another one too (approving a CertificateSigningRequest needs the ``approval``
subresource and the signer).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from ..model import Violation
from .base import Check, Subject
from .rbac_policy import PERMISSION_SCHEMA, Match, permission_from, role_matches, scope, version_key

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Resource
    from ..run_context import RunContext


class RbacGrant(Check):
    name = "rbac-grant"
    description = "A Role or ClusterRole grants one of the listed permissions (API group, resource, verbs)."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "permissions": {"type": "array", "minItems": 1, "items": PERMISSION_SCHEMA,
                            "description": "The permissions to report, each an API group, a resource and the "
                                           "verbs that grant it."},
        },
        "required": ["permissions"],
        "additionalProperties": False,
    }

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(params)
        self._permissions = [permission_from(spec) for spec in self.params["permissions"]]
        self._by_version = any(permission.until is not None for permission in self._permissions)

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        if self._by_version and ctx.several:
            return self.each_target(subject, ctx, self._at)
        return self._at(subject, ctx)

    def _at(self, subject: Subject, ctx: RunContext) -> list[Violation]:
        version = version_key(ctx.kubernetes_version) if self._by_version else None
        return violations(subject.resource, role_matches(subject.resource, self._permissions, version))


def violations(resource: Resource, found: list[Match], where: str | None = None) -> list[Violation]:
    """One violation per entry that grants something, naming each grant, where (``where``, by default the
    role's :func:`scope`) and what it allows."""
    by_pointer: dict[str, list[Match]] = {}
    for match in found:
        by_pointer.setdefault(match.pointer, []).append(match)
    where = scope(resource) if where is None else where
    return [Violation(pointer, f"rule {here[0].rule} grants {_grants(here)}{' ' if where else ''}{where}: "
                               f"{_and(list(dict.fromkeys(m.permission.what for m in here)))}")
            for pointer, here in by_pointer.items()]


def _grants(here: list[Match]) -> str:
    """``create, get on pods/exec and get on nodes/proxy (through '*')``: the verbs per resource, the
    wildcards they come through, and a version note only where no grant without one covers it."""
    by_resource: dict[str, list[Match]] = {}
    for match in here:
        by_resource.setdefault(match.permission.resource, []).append(match)
    by_verbs: dict[str, list[str]] = {}
    through, notes = [], []
    for resource_name, matches in by_resource.items():
        verbs = ", ".join(dict.fromkeys(verb for match in matches for verb in match.verbs))
        by_verbs.setdefault(verbs, []).append(resource_name)
        through.extend(match.through for match in matches if match.through)
        if all(match.permission.note for match in matches):
            notes.extend(match.permission.note for match in matches)
    parts = [f"{verbs} on {_and(names)}" for verbs, names in by_verbs.items()]
    text = _and(parts)
    if through:
        text += f" (through {_and(list(dict.fromkeys(through)))})"
    if notes:
        text += " " + " ".join(dict.fromkeys(notes))
    return text


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
