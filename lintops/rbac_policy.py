"""What an RBAC ``PolicyRule`` grants, matched as Kubernetes' RBAC authorizer matches it.

The RBAC checks (``rbac-wildcard``, ``rbac-grant``, ``rbac-cluster-grant``, ``rbac-binding``) share this
reading of a Role or ClusterRole, so that one permission reads the same in every rule's finding.

Kubernetes' matching (``pkg/apis/rbac/v1/evaluation_helpers.go``): a rule grants a request when its
``apiGroups`` hold the request's group or ``*``, its ``verbs`` the verb or ``*``, its ``resources`` the
resource (``pods``, or ``pods/exec`` for a subresource), ``*``, or ``*/<subresource>`` for a subresource
request; and when its ``resourceNames`` are empty or hold the object's name. Nothing else is a wildcard:
``pods/*`` or ``secret*`` match only a resource of that literal name, which no API serves.

A ClusterRole with an ``aggregationRule`` has no rules of its own: the control plane replaces them with the
rules of the ClusterRoles its selectors select, so :func:`policy_rules` yields none for it (the
selected ClusterRoles are checked themselves).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .model import Resource, Violation
from .wording import shorten

WILDCARD = "*"
#: The fields of a PolicyRule whose entries are matched against a request.
MATCHED_FIELDS = ("apiGroups", "resources", "verbs")
#: The built-in ClusterRoles a ClusterRole is aggregated into by a label ``<prefix><role>: "true"``.
AGGREGATE_LABEL = "rbac.authorization.k8s.io/aggregate-to-"


def strings(rule: Mapping[str, Any], field: str) -> list[tuple[int, str]]:
    """The string entries of ``rule[field]`` with their indexes; anything else is the ``schema`` rule's."""
    value = rule.get(field)
    if not isinstance(value, list):
        return []
    return [(index, entry) for index, entry in enumerate(value) if isinstance(entry, str)]


def has_names(rule: Mapping[str, Any]) -> bool:
    """Whether ``resourceNames`` limits the rule to named objects."""
    names = rule.get("resourceNames")
    return isinstance(names, list) and any(isinstance(name, str) for name in names)


def is_aggregated(resource: Resource) -> bool:
    """A ClusterRole whose rules the control plane computes from its ``aggregationRule``."""
    return resource.kind == "ClusterRole" and isinstance(resource.body.get("aggregationRule"), dict)


def policy_rules(resource: Resource) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """The rules of a Role or ClusterRole that grant what they say, with their indexes."""
    rules = resource.body.get("rules")
    if is_aggregated(resource) or not isinstance(rules, list):
        return
    for index, rule in enumerate(rules):
        if isinstance(rule, dict):
            yield index, rule


def grants_everything(rule: Mapping[str, Any]) -> bool:
    """``resources`` and ``verbs`` both hold ``*``: every verb on every resource of its groups.

    The rules about one permission (``rbac-grant``, ``rbac-cluster-grant``) leave such a rule to
    ``rbac-wildcard``, which reports it once, rather than each naming it again."""
    return (any(entry == WILDCARD for _, entry in strings(rule, "resources"))
            and any(entry == WILDCARD for _, entry in strings(rule, "verbs")))


@dataclass(frozen=True)
class Permission:
    """One request a rule may grant: ``verbs`` (any of them) on ``resource`` of ``api_group``.

    ``what`` says what the grant lets its holder do (the message's words); ``named`` whether a rule
    limited by ``resourceNames`` still grants it (false: the limit is the fix); ``until`` the last
    Kubernetes minor version it applies to (``1.34``), or None; ``note`` what the message adds about
    the version; ``also`` a permission the same Role must grant too for this one to matter.
    """

    api_group: str
    resource: str
    verbs: tuple[str, ...]
    what: str
    named: bool = False
    until: tuple[int, int] | None = None
    note: str = ""
    also: Permission | None = None
    #: the entry a finding points at: ``resource`` (``pods/exec``) or ``verb`` (``escalate``)
    at: str = "resource"

    @property
    def subresource(self) -> str:
        return self.resource.split("/", 1)[1] if "/" in self.resource else ""


def version_key(version: str) -> tuple[int, int]:
    """``"1.34"`` as ``(1, 34)``; versions are validated by the configuration before a check sees them."""
    major, _, minor = version.partition(".")
    return (int(major), int(minor.split(".")[0] or 0))


def permission_from(spec: Mapping[str, Any]) -> Permission:
    """A :class:`Permission` from a rule file's ``params.permissions`` entry (validated by the schema)."""
    also = spec.get("also")
    until = spec.get("until")
    return Permission(api_group=spec.get("apiGroup", ""), resource=spec["resource"], verbs=tuple(spec["verbs"]),
                      what=spec["what"], named=bool(spec.get("named", False)),
                      until=version_key(until) if isinstance(until, str) else None, note=spec.get("note", ""),
                      also=permission_from({"what": "", **also}) if isinstance(also, dict) else None,
                      at=spec.get("at", "resource"))


#: The JSON Schema of one ``permissions`` entry (``rbac-grant``, ``rbac-cluster-grant``).
PERMISSION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "apiGroup": {"type": "string", "default": "",
                     "description": "The permission's API group (`\"\"` for the core group)."},
        "resource": {"type": "string", "minLength": 1, "pattern": r"^[^*/]+(/[^*/]+)?$",
                     "description": "The resource, or `resource/subresource` (`pods/exec`); no wildcard."},
        "verbs": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": r"^[^*]+$"},
                  "description": "The verbs that grant it, any one of them."},
        "what": {"type": "string", "minLength": 1,
                 "description": "What the grant lets its holder do, as the message says it."},
        "named": {"type": "boolean", "default": False,
                  "description": "Whether a rule limited by `resourceNames` still grants it (false: the limit "
                                 "is the fix, and such a rule is not reported)."},
        "until": {"type": "string", "pattern": r"^1\.[0-9]+$",
                  "description": "The last Kubernetes minor version it applies to; later targets are not "
                                 "reported."},
        "at": {"enum": ["resource", "verb"], "default": "resource",
               "description": "The entry a finding points at: the resource entry (`pods/exec`) or the verb "
                              "(`escalate`); the other one when that entry is `*` and the other is not."},
        "note": {"type": "string", "description": "Words the message adds after the grant (the version it "
                                                  "depends on)."},
        "also": {"type": "object", "description": "A permission the same Role or ClusterRole must grant too "
                                                  "(`apiGroup`, `resource`, `verbs`), in any of its rules.",
                 "properties": {"apiGroup": {"type": "string"}, "resource": {"type": "string", "minLength": 1},
                                "verbs": {"type": "array", "minItems": 1, "items": {"type": "string"}}},
                 "required": ["resource", "verbs"], "additionalProperties": False},
    },
    "required": ["resource", "verbs", "what"],
    "additionalProperties": False,
}

#: The ``params`` schema of both checks that report permissions (``rbac-grant``, ``rbac-cluster-grant``).
PERMISSIONS_PARAMS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "permissions": {"type": "array", "minItems": 1, "items": PERMISSION_SCHEMA,
                        "description": "The permissions to report, each an API group, a resource and the "
                                       "verbs that grant it."},
    },
    "required": ["permissions"],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class Match:
    """Where a rule grants a permission: the verbs it grants it by and the entries that match."""

    permission: Permission
    rule: int
    verbs: tuple[str, ...]
    resource_entry: tuple[int, str]
    verb_entry: tuple[int, str]

    @property
    def pointer(self) -> str:
        """The entry a finding points at: the permission's ``at`` entry, or the other one when that is
        ``*`` and the other is not (``resources: ["*"], verbs: [create]`` points at ``create``)."""
        (r_index, r_entry), (v_index, v_entry) = self.resource_entry, self.verb_entry
        at_verb = self.permission.at == "verb"
        if at_verb and v_entry == WILDCARD and r_entry != WILDCARD:
            at_verb = False
        elif not at_verb and r_entry == WILDCARD and v_entry != WILDCARD:
            at_verb = True
        return f"/rules/{self.rule}/verbs/{v_index}" if at_verb else f"/rules/{self.rule}/resources/{r_index}"

    @property
    def through(self) -> str:
        """The wildcard entries the grant comes through (``'*'``, ``'*/exec'``), or nothing."""
        via = [entry for entry in (self.resource_entry[1], self.verb_entry[1]) if entry.startswith(WILDCARD)]
        return " and ".join(f"'{entry}'" for entry in dict.fromkeys(via))


def matches(rule: Mapping[str, Any], permission: Permission) -> tuple[tuple[int, str], tuple[int, str],
                                                                        tuple[str, ...]] | None:
    """The resource entry, the first verb entry and the verbs by which ``rule`` grants ``permission``."""
    if not any(entry in (WILDCARD, permission.api_group) for _, entry in strings(rule, "apiGroups")):
        return None
    if has_names(rule) and not permission.named:
        return None
    sub = permission.subresource
    candidates = [(index, entry) for index, entry in strings(rule, "resources")
                  if entry in (WILDCARD, permission.resource) or (sub and entry == f"*/{sub}")]
    # the entry that names it, before a wildcard that also grants it
    resource_entry = min(candidates, key=lambda item: (item[1].startswith(WILDCARD), item[0]), default=None)
    if resource_entry is None:
        return None
    verb_entries = [(index, entry) for index, entry in strings(rule, "verbs")
                    if entry == WILDCARD or entry in permission.verbs]
    if not verb_entries:
        return None
    granted = (permission.verbs if any(entry == WILDCARD for _, entry in verb_entries)
               else tuple(dict.fromkeys(entry for _, entry in verb_entries)))
    explicit = [item for item in verb_entries if item[1] != WILDCARD]
    return resource_entry, (explicit or verb_entries)[0], granted


def role_matches(resource: Resource, permissions: Sequence[Permission], version: tuple[int, int] | None
                 ) -> list[Match]:
    """Every grant of ``permissions`` by the rules of ``resource`` at the target ``version`` (None: any),
    leaving out the rules that grant everything (:func:`grants_everything`)."""
    rules = list(policy_rules(resource))
    found = []
    for permission in permissions:
        if permission.until is not None and version is not None and version > permission.until:
            continue
        if permission.also is not None and not any(matches(rule, permission.also) for _, rule in rules):
            continue
        for index, rule in rules:
            if grants_everything(rule):
                continue
            hit = matches(rule, permission)
            if hit is not None:
                found.append(Match(permission, index, hit[2], hit[0], hit[1]))
    # a grant for some versions only says nothing where a grant of the same resource holds at every one
    # (and keeps the message the same at every version, so a run of several names one finding)
    lasting = {(match.rule, match.permission.resource) for match in found if match.permission.until is None}
    return [match for match in found
            if match.permission.until is None or (match.rule, match.permission.resource) not in lasting]


def scope(resource: Resource) -> str:
    """Where a Role's or ClusterRole's grants apply, as a message ends."""
    if resource.kind == "ClusterRole":
        return "cluster-wide where a ClusterRoleBinding binds it"
    namespace = resource.namespace
    return f"in namespace '{shorten(namespace)}'" if isinstance(namespace, str) and namespace else \
        "in its namespace"


def labels_of(resource: Resource) -> dict[str, str]:
    """The object's string labels."""
    metadata = resource.body.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    if not isinstance(labels, dict):
        return {}
    return {key: value for key, value in labels.items() if isinstance(key, str) and isinstance(value, str)}


def aggregated_into(labels: Mapping[str, str]) -> list[str]:
    """The built-in ClusterRoles (``admin``, ``edit``, ``view``) a ClusterRole with these labels is
    aggregated into (``rbac.authorization.k8s.io/aggregate-to-<role>: "true"``)."""
    return sorted(key[len(AGGREGATE_LABEL):] for key, value in labels.items()
                  if key.startswith(AGGREGATE_LABEL) and value == "true")


def joined(items: Sequence[str], limit: int = 3) -> str:
    """``a, b and c``; past ``limit`` items ``a, b, c and 2 more``."""
    shown = [shorten(item) for item in items[:limit]]
    rest = len(items) - len(shown)
    if rest:
        return f"{', '.join(shown)} and {rest} more"
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


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
