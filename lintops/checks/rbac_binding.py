"""Check ``rbac-binding``: a RoleBinding or ClusterRoleBinding binds the ClusterRole ``cluster-admin``.

``cluster-admin`` is every verb on every resource: bound by a ClusterRoleBinding, in every namespace and
of every cluster-scoped object; bound by a RoleBinding, of everything in that namespace (its Secrets, its
RBAC, pods run as any of its service accounts). Only a ``roleRef`` of kind ``ClusterRole`` is it: a Role
that happens to be called ``cluster-admin`` is a Role like another.

``subjects: named`` (the ``rbac-cluster-admin-binding`` rule) reports a binding with at least one named
subject (a user, a group, a service account), once, at ``roleRef.name``, naming the subjects. The group
``system:masters`` is exempt: its members pass every authorization check without any binding, so
binding it grants nothing (that is Kubernetes' own bootstrap ``cluster-admin`` binding). The broad
groups below are left to the other mode.

``subjects: everyone`` (``rbac-cluster-admin-everyone``) reports each subject that stands for everyone of
a kind, at its ``name``: the user ``system:anonymous`` and the groups ``system:unauthenticated`` (every
request without credentials), ``system:authenticated`` (every user and service account),
``system:serviceaccounts`` and ``system:serviceaccounts:<namespace>`` (every service account, of the
cluster or of that namespace, so every pod that mounts a token).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from ..model import Violation
from ..rbac_policy import joined
from ..wording import shorten
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext

CLUSTER_ADMIN = "cluster-admin"
EXEMPT_GROUPS = frozenset({"system:masters"})
EVERYONE_GROUPS = frozenset({"system:authenticated", "system:unauthenticated", "system:serviceaccounts"})
EVERYONE_USERS = frozenset({"system:anonymous"})
_WHO = {"system:anonymous": "every request without credentials",
        "system:unauthenticated": "every request without credentials",
        "system:authenticated": "every user and service account with any valid credential",
        "system:serviceaccounts": "every service account of the cluster, so every pod that mounts a token"}


def everyone(subject: Mapping[str, Any]) -> bool:
    """A subject that stands for every user, every request or every service account (of a namespace)."""
    kind, name = subject.get("kind"), subject.get("name")
    if not isinstance(name, str):
        return False
    if kind == "User":
        return name in EVERYONE_USERS
    return kind == "Group" and (name in EVERYONE_GROUPS or name.startswith("system:serviceaccounts:"))


def _who(name: str) -> str:
    if name.startswith("system:serviceaccounts:"):
        return f"every service account of namespace '{shorten(name.split(':', 2)[2])}'"
    return _WHO[name]


def _label(subject: Mapping[str, Any]) -> str:
    kind, name, namespace = subject.get("kind"), subject.get("name"), subject.get("namespace")
    named = f"{namespace}/{name}" if kind == "ServiceAccount" and isinstance(namespace, str) else str(name)
    return f"{kind} '{shorten(named)}'"


class RbacBinding(Check):
    name = "rbac-binding"
    description = ("A RoleBinding or ClusterRoleBinding binds the ClusterRole cluster-admin to named subjects, "
                   "or to everyone.")
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "subjects": {"enum": ["named", "everyone"], "default": "named",
                         "description": "`named`: a binding to a user, group or service account (once per "
                                        "binding, at `roleRef.name`; `system:masters` exempt); `everyone`: "
                                        "each subject that stands for every user, request or service account "
                                        "(at the subject's `name`)."},
        },
        "additionalProperties": False,
    }

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(params)
        self._role = CLUSTER_ADMIN
        self._everyone = self.params.get("subjects", "named") == "everyone"

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        body = subject.resource.body
        ref, subjects = body.get("roleRef"), body.get("subjects")
        if not isinstance(ref, dict) or ref.get("kind") != "ClusterRole" or ref.get("name") != self._role:
            return ()
        if not isinstance(subjects, list):
            return ()
        entries = [(index, entry) for index, entry in enumerate(subjects) if isinstance(entry, dict)]
        where = self._where(subject)
        if self._everyone:
            return [Violation(f"/subjects/{index}/name",
                              f"binds {self._role} to {_label(entry)}: {_who(entry['name'])} gets {where}")
                    for index, entry in entries if everyone(entry)]
        named = [entry for _, entry in entries if not everyone(entry) and not _exempt(entry)]
        if not named:
            return ()
        return [Violation("/roleRef/name", f"{subject.resource.kind} binds {self._role} to "
                                           f"{joined([_label(entry) for entry in named])}: {where}")]

    def _where(self, subject: Subject) -> str:
        if subject.resource.kind == "ClusterRoleBinding":
            return "every verb on every resource of the cluster, in every namespace"
        namespace = subject.resource.namespace
        ns = f"namespace '{shorten(namespace)}'" if isinstance(namespace, str) and namespace else "its namespace"
        return f"every verb on every resource of {ns}, including its Secrets and RBAC"


def _exempt(subject: Mapping[str, Any]) -> bool:
    return subject.get("kind") == "Group" and subject.get("name") in EXEMPT_GROUPS
