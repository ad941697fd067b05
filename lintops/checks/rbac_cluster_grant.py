"""Check ``rbac-cluster-grant``: a ClusterRole grants a listed permission in every namespace.

What a ClusterRole grants depends on how it is bound: a ClusterRoleBinding grants its rules in every
namespace, a RoleBinding only in the RoleBinding's namespace. So the check compares objects across the
run and reports when the run ends (:meth:`finish`), at the granting entry of the ClusterRole, unless
**every** binding of it in the run is a RoleBinding and nothing aggregates it: then it grants the
permission namespace by namespace, as a Role would, and that is not this rule's concern.

Reported, with the reason in the message: a ClusterRole bound by a ClusterRoleBinding (named); one
aggregated into another ClusterRole (by an ``aggregationRule`` of the run that selects its labels, or by
a label ``rbac.authorization.k8s.io/aggregate-to-<role>: "true"`` into the built-in ``admin``, ``edit``
or ``view``, which clusters bind widely); and one that no binding of the run names, since a ClusterRole
exists to be bound and the binding may live elsewhere. Bindings count within one environment's render
(and plain files, which every environment deploys), so a chart's staging binding does not speak for
its production ClusterRole.

Held until the end: for each ClusterRole that grants something, its identity, source, exemptions and the
places of its findings (:func:`lintops.held_back.detached`), its labels and its messages; for each
binding of a ClusterRole, its kind, name and roleRef name; for each aggregating ClusterRole, its
selectors. No body is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..held_back import detached
from ..model import Resource, Violation
from ..rbac_policy import (
    PERMISSIONS_PARAMS_SCHEMA,
    aggregated_into,
    is_aggregated,
    joined,
    labels_of,
    permission_from,
    role_matches,
    violations,
)
from ..wording import shorten
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext

_BINDINGS = ("ClusterRoleBinding", "RoleBinding")
_MAX_SELECTORS = 64


@dataclass(frozen=True)
class _Role:
    resource: Resource
    violations: tuple[Violation, ...]
    environment: str | None
    name: str
    labels: tuple[tuple[str, str], ...]


class RbacClusterGrant(Check):
    name = "rbac-cluster-grant"
    description = ("A ClusterRole grants one of the listed permissions and is bound cluster-wide (or not bound "
                   "in the run, or aggregated): every binding of it being a RoleBinding passes.")
    cross_object_kinds = frozenset({"ClusterRole", *_BINDINGS})
    params_schema: ClassVar[dict[str, Any]] = PERMISSIONS_PARAMS_SCHEMA

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(params)
        self._permissions = [permission_from(spec) for spec in self.params["permissions"]]
        self._roles: list[_Role] = []
        #: (environment, binding kind, binding name, roleRef name) of each binding of a ClusterRole
        self._bindings: list[tuple[str | None, str, str, str]] = []
        #: (environment, aggregating ClusterRole's name, its selectors)
        self._aggregators: list[tuple[str | None, str, tuple[Mapping[str, Any], ...]]] = []

    def holding(self) -> int:
        return len(self._roles) + len(self._bindings) + len(self._aggregators)

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        resource = subject.resource
        environment = resource.source.environment
        if resource.kind in _BINDINGS:
            ref = resource.body.get("roleRef")
            if isinstance(ref, dict) and ref.get("kind") == "ClusterRole" and isinstance(ref.get("name"), str):
                self._bindings.append((environment, resource.kind, str(resource.name or ""), ref["name"]))
        elif resource.kind == "ClusterRole":
            self._hold(resource, environment)
        return ()

    def _hold(self, resource: Resource, environment: str | None) -> None:
        if is_aggregated(resource):
            selectors = resource.body["aggregationRule"].get("clusterRoleSelectors")
            if isinstance(selectors, list):
                kept = tuple(s for s in selectors[:_MAX_SELECTORS] if isinstance(s, dict))
                self._aggregators.append((environment, str(resource.name or ""), kept))
            return
        found = violations(resource, role_matches(resource, self._permissions, None), where="")
        if not found:
            return
        self._roles.append(_Role(detached(resource, [v.pointer for v in found]), tuple(found), environment,
                                 str(resource.name or ""), tuple(labels_of(resource).items())))

    def finish(self, ctx: RunContext) -> Iterator[tuple[Resource, Violation]]:
        roles, self._roles = self._roles, []
        bindings, self._bindings = self._bindings, []
        aggregators, self._aggregators = self._aggregators, []
        for role in roles:
            reason = _reason(role, bindings, aggregators)
            if reason is None:
                continue
            for violation in role.violations:
                yield role.resource, Violation(violation.pointer, violation.message + reason)


def _together(one: str | None, other: str | None) -> bool:
    """Objects of one environment's render, or of plain files, which every environment deploys."""
    return one is None or other is None or one == other


def _reason(role: _Role, bindings: list[tuple[str | None, str, str, str]],
            aggregators: list[tuple[str | None, str, tuple[Mapping[str, Any], ...]]]) -> str | None:
    """Why the role's grants reach every namespace (the message's end), or None when they do not."""
    mine = [(kind, name) for environment, kind, name, ref in bindings
            if ref == role.name and _together(environment, role.environment)]
    cluster_wide = [name for kind, name in mine if kind == "ClusterRoleBinding"]
    if cluster_wide:
        return f"; bound cluster-wide by ClusterRoleBinding {joined([repr(n) for n in cluster_wide])}"
    labels = dict(role.labels)
    builtin = aggregated_into(labels)
    if builtin:
        return (f"; aggregated into the built-in ClusterRole {joined([repr(n) for n in builtin])} by its label "
                f"rbac.authorization.k8s.io/aggregate-to-{builtin[0]}")
    into = [name for environment, name, selectors in aggregators
            if _together(environment, role.environment) and any(_selects(s, labels) for s in selectors)]
    if into:
        return f"; aggregated into ClusterRole {joined([repr(n) for n in into])} by its aggregationRule"
    if mine:
        return None
    return f"; no binding of '{shorten(role.name)}' in this run, and a ClusterRoleBinding grants it in every namespace"


def _selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """Kubernetes' label selector matching (``LabelSelectorAsSelector``: an empty selector selects every
    ClusterRole)."""
    match_labels = selector.get("matchLabels")
    expressions = selector.get("matchExpressions")
    match_labels = match_labels if isinstance(match_labels, dict) else {}
    expressions = [e for e in expressions if isinstance(e, dict)] if isinstance(expressions, list) else []
    if any(labels.get(key) != value for key, value in match_labels.items()):
        return False
    return all(_requirement(expression, labels) for expression in expressions)


def _requirement(expression: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key, operator = expression.get("key"), expression.get("operator")
    values = expression.get("values") if isinstance(expression.get("values"), list) else []
    present = isinstance(key, str) and key in labels
    if operator == "In":
        return present and labels[key] in values
    if operator == "NotIn":
        return not present or labels[key] not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    return False
