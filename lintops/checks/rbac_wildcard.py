"""Check ``rbac-wildcard``: a Role or ClusterRole grants ``*`` verbs, ``*`` resources or every URL.

A wildcard grants what exists now and whatever the cluster serves later: a new verb, a custom resource a
chart installs next year, the ``pods/exec`` of a namespace added tomorrow. One finding per wildcard entry,
at the entry (``/rules/0/verbs/0``):

- ``*`` in ``verbs`` and ``*`` in ``resources`` (each once per rule); when ``apiGroups`` holds ``*`` too,
  the rule grants what ``cluster-admin`` grants, and that is one finding, at the ``*`` of ``verbs``;
- ``*`` or ``/*`` in ``nonResourceURLs`` (every path of the API server that is not a resource);
- an entry that looks like a wildcard and is none (``pods/*``, ``secret*``, ``get*``, ``*.example.com``):
  Kubernetes matches only ``*`` and ``*/<subresource>``, so the entry grants nothing, which is never what
  its author meant.

``*`` in ``apiGroups`` alone (with named resources and verbs) and ``*/<subresource>`` (``*/scale``) are
not reported: they widen a grant across groups or resources that name the same thing, not to new things.
A ClusterRole with an ``aggregationRule`` has no rules of its own (:mod:`.rbac_policy`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..model import Violation
from ..rbac_policy import WILDCARD, joined, policy_rules, scope, strings
from ..wording import shorten
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext

_EVERY_URL = (WILDCARD, "/*")
_RBAC_GROUP = "rbac.authorization.k8s.io"
_NOUNS = {"apiGroups": "an API group", "resources": "a resource", "verbs": "a verb"}


class RbacWildcard(Check):
    name = "rbac-wildcard"
    description = ("A Role or ClusterRole grants `*` verbs or resources, every non-resource URL, or writes an "
                   "entry that looks like a wildcard and matches nothing.")

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        resource = subject.resource
        where = scope(resource)
        found: list[Violation] = []
        for index, rule in policy_rules(resource):
            found.extend(_rule_wildcards(index, rule, where))
        return found


def _rule_wildcards(index: int, rule: Mapping[str, Any], where: str) -> list[Violation]:
    verbs, resources, groups = (strings(rule, field) for field in ("verbs", "resources", "apiGroups"))
    star_verb = next((i for i, entry in verbs if entry == WILDCARD), None)
    star_resource = next((i for i, entry in resources if entry == WILDCARD), None)
    every_group = any(entry == WILDCARD for _, entry in groups)
    group_names = [repr(entry) if entry else "the core group" for _, entry in groups if entry != WILDCARD]
    of = f"of {joined(group_names)}" if group_names and not every_group else "of every API group"
    core = every_group or "" in {entry for _, entry in groups}
    found = []
    if star_verb is not None and star_resource is not None:
        if every_group:
            message = (f"rule {index} grants every verb on every resource of every API group {where}: what "
                       "cluster-admin grants, including every Secret, exec into every pod and writing RBAC")
        else:
            sensitive = core or _RBAC_GROUP in {entry for _, entry in groups}
            message = (f"rule {index} grants every verb on every resource {of} {where}, including the resources "
                       "and verbs added later" + (" (escalate, bind, impersonate, Secrets and pods/exec among "
                                                  "them)" if sensitive else ""))
        found.append(Violation(f"/rules/{index}/verbs/{star_verb}", message))
    elif star_verb is not None:
        named = [entry for _, entry in resources if entry != WILDCARD] or ["every resource"]
        found.append(Violation(f"/rules/{index}/verbs/{star_verb}",
                               f"verb '*' grants every verb, and any verb added later, on {joined(named)} {where}"))
    elif star_resource is not None:
        found.append(Violation(f"/rules/{index}/resources/{star_resource}",
                               f"resource '*' grants every resource {of} {where}, including "
                               + ("Secrets, pods/exec and " if core else "") + "the resources added later"))
    for position, entry in strings(rule, "nonResourceURLs"):
        if entry in _EVERY_URL:
            found.append(Violation(f"/rules/{index}/nonResourceURLs/{position}",
                                   f"nonResourceURL '{entry}' grants every path of the API server that is not a "
                                   "resource (/metrics, /debug/pprof, /logs, ...)"))
    found.extend(_false_wildcards(index, rule))
    return found


def _false_wildcards(index: int, rule: Mapping[str, Any]) -> list[Violation]:
    """Entries with a ``*`` that Kubernetes does not read as a wildcard: they grant nothing."""
    found = []
    for field in ("apiGroups", "resources", "verbs"):
        for position, entry in strings(rule, field):
            if WILDCARD not in entry or entry == WILDCARD:
                continue
            if field == "resources" and entry.startswith("*/") and WILDCARD not in entry[2:] and len(entry) > 2:
                continue
            allowed = "'*' and '*/<subresource>' are" if field == "resources" else "only '*' is"
            found.append(Violation(f"/rules/{index}/{field}/{position}",
                                   f"'{shorten(entry)}' is not a wildcard to Kubernetes RBAC ({allowed}): it "
                                   f"matches only {_NOUNS[field]} of that literal name, so this entry grants "
                                   "nothing"))
    return found
