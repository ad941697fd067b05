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
from ..rbac_policy import PERMISSIONS_PARAMS_SCHEMA, permission_from, role_matches, version_key, violations
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext


class RbacGrant(Check):
    name = "rbac-grant"
    description = "A Role or ClusterRole grants one of the listed permissions (API group, resource, verbs)."
    params_schema: ClassVar[dict[str, Any]] = PERMISSIONS_PARAMS_SCHEMA

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
