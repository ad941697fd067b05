"""The trust boundary between a run's policy and the linted tree's own configuration.

In merge-request CI the branch's author controls every file of the tree, its ``.lintops.yaml``
included. A gate that the change under review can switch off is no gate, so a run may be given a
*policy* (``--policy FILE``): a configuration from outside the tree (the target branch's
``.lintops.yaml``, or the CI's own files) that is trusted, and whose ``repository:`` section grants
what the tree's configuration, rule files and comments may still do. Everything the policy does not
grant is not applied, and each attempt is itself a ``policy-violation`` finding at the key that tried,
so a reviewer sees it and the run fails.

What the tree may always do, because it only makes the gate stricter: enable rules, turn on rule packs
(``packs:``; the policy's stay on: turning off one of their rules is ``disable``), raise severities, lower
``fail_on``, set ``strict: true``, forbid exemptions, and declare workload kinds lintops does not
know. What it may do where the policy is silent: settings that describe the repository
(``kubernetes_version``, ``environment_versions``, ``environments``, ``helm``, ``argocd``); a setting the policy
makes is pinned. What needs a grant (``repository:`` in the policy, all off unless said):

* ``exclude``: add exclude globs, or choose the Kustomize roots (``kustomize.roots``), which hides
  every other overlay;
* ``disable``: disable a rule, lower its severity, change its ``params`` or ``kinds`` (anywhere,
  per-path ``overrides`` included), set ``strict: false``, redefine a known workload kind;
* ``exemptions``: add ``exemptions:`` (each still needs a reason); ``wildcard_exemptions``: exempt
  by pattern (``*``), in the configuration, in comments and in annotations;
* ``baseline``: name a baseline file of the tree;
* ``rules``: load the tree's ``.lintops/rules/``;
* ``plugins``: require plugins (which are only ever installed lintops distributions).

Annotation and comment exemptions follow the policy's own ``allow_exemptions``. Where reports link the rules
(``rule_docs_url``, :mod:`lintops.rule_links`) is the policy's alone: the tree cannot point reviewers elsewhere.

This module is plain functions over :class:`~lintops.config.settings.Config` values: it reads no file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from ..model import Position, Severity, join_pointer
from .settings import Config, RuleOverride

#: Settings that describe the repository: the tree may make them where the policy does not.
_DESCRIPTIVE = ("kubernetes_version", "environment_versions", "environments", "helm", "argocd")
_WILDCARD = frozenset("*?[")


@dataclass(frozen=True)
class Grants:
    """What a policy lets the linted tree's own configuration do (see the module docstring)."""

    exclude: bool = False
    disable: bool = False
    exemptions: bool = False
    wildcard_exemptions: bool = False
    baseline: bool = False
    rules: bool = False
    plugins: bool = False

    @classmethod
    def parse(cls, data: Mapping[str, Any] | None) -> Grants:
        known = {f.name for f in fields(cls)}
        return cls(**{key: bool(value) for key, value in (data or {}).items() if key in known})


#: A configuration that is trusted as it is (no policy): the tree may do everything.
UNRESTRICTED = Grants(True, True, True, True, True, True, True)


@dataclass(frozen=True)
class Violation:
    """An attempt by the tree's configuration beyond the policy: where, and what was refused."""

    path: str
    position: Position
    message: str


def is_pattern(rule: str) -> bool:
    """Whether a rule id in an exemption is a pattern (``*``, ``schema-*``) rather than one rule."""
    return bool(_WILDCARD & set(rule))


def restrict(policy: Config, tree: Config | None, defaults: Mapping[str, Severity] | None = None,
             display: str = "") -> tuple[Config, list[Violation]]:
    """The configuration a run uses: ``policy`` with what it lets ``tree`` add, and the refused attempts.

    ``defaults`` are the rules' own severities (lowering one needs a grant); ``display`` is the tree
    configuration's path as reports show it.
    """
    defaults = defaults or {}
    grants = Grants.parse(policy.repository)
    # Paths in the run's globs are the repository's: relative to its configuration's directory, or to
    # the repository root when it has none.
    effective = replace(policy, path=tree.path if tree else None, document=None, grants=grants,
                        policy_path=policy.path, repository_path=tree.path if tree else None, baseline_root=None)
    if tree is None or tree.path is None:
        return effective, []
    violations: list[Violation] = []

    def refuse(pointer: str, message: str, *, at_key: bool = True) -> None:
        position = tree.position(pointer, at_key=at_key)
        violations.append(Violation(display or str(tree.path), position, message))

    changes: dict[str, Any] = {}
    if tree.repository and tree.repository != policy.repository:
        refuse("/repository", "grants changed by the repository are not applied: they are read from the policy only")
    _merge_excludes(policy, tree, grants, changes, refuse)
    changes["rules"] = _merge_rule_overrides(policy.rules, tree.rules, grants, defaults, refuse)
    changes["overrides"] = policy.overrides + _allowed_path_overrides(policy, tree, grants, defaults, refuse)
    changes["exemptions"] = policy.exemptions + _allowed_exemptions(policy, tree, grants, refuse)
    _merge_gate_settings(policy, tree, grants, changes, refuse)
    _merge_descriptive(policy, tree, changes, refuse)
    _refuse_rule_links(policy, tree, refuse)
    # turning a pack on only makes the gate stricter; the tree cannot take one of the policy's away
    changes["packs"] = tuple(dict.fromkeys((*policy.packs, *tree.packs)))
    changes["pack_places"] = {**tree.pack_places, **policy.pack_places}
    changes["workloads"] = _merge_workloads(policy, tree, grants, refuse)
    if tree.baseline is not None and tree.baseline != policy.baseline:
        if grants.baseline and "baseline" not in policy.keys:
            changes["baseline"] = tree.baseline
            changes["baseline_root"] = tree.root
        else:
            refuse("/baseline", "the baseline is not applied: the policy does not let the repository name one "
                                "(repository.baseline)")
    if set(tree.plugins) - set(policy.plugins):
        if grants.plugins:
            changes["plugins"] = tuple(dict.fromkeys((*policy.plugins, *tree.plugins)))
        else:
            refuse("/plugins", "the policy does not let the repository require plugins (repository.plugins)")
    return replace(effective, **changes), violations


def _merge_excludes(policy: Config, tree: Config, grants: Grants, changes: dict[str, Any], refuse) -> None:
    added = [glob for glob in tree.exclude if glob not in policy.exclude]
    if added and grants.exclude:
        changes["exclude"] = (*policy.exclude, *added)
    else:
        for index, glob in enumerate(tree.exclude):
            if glob in added:
                refuse(f"/exclude/{index}", f"exclude '{glob}' is not applied: the policy does not let the "
                                            "repository exclude paths (repository.exclude)", at_key=False)
    roots = tree.kustomize.get("roots")
    if roots and "kustomize" not in policy.keys:
        if grants.exclude:
            changes["kustomize"] = {**policy.kustomize, "roots": roots}
        else:
            refuse("/kustomize/roots", "kustomize.roots is not applied: choosing the overlays hides the others, "
                                       "and the policy does not allow it (repository.exclude)")


def _relaxes(wanted: RuleOverride, floor: Severity | None) -> str | None:
    """Why ``wanted`` weakens a rule whose severity is ``floor`` now (None when it only makes it stricter)."""
    if wanted.enabled is False:
        return "disables it"
    if wanted.params is not None:
        return "changes its params"
    if wanted.kinds is not None:
        return "changes the kinds it checks"
    if wanted.severity is not None and floor is not None and wanted.severity.rank < floor.rank:
        return f"lowers its severity to {wanted.severity.value}"
    return None


def _floor(rule_id: str, policy_rules: Mapping[str, RuleOverride], defaults: Mapping[str, Severity]) -> Severity | None:
    current = policy_rules.get(rule_id)
    return current.severity if current is not None and current.severity is not None else defaults.get(rule_id)


def _merge_rule_overrides(policy_rules: Mapping[str, RuleOverride], tree_rules: Mapping[str, RuleOverride],
                          grants: Grants, defaults: Mapping[str, Severity], refuse) -> dict[str, RuleOverride]:
    """The policy's rule settings with the tree's on top, where the tree may make them."""
    merged = dict(policy_rules)
    for rule_id, wanted in tree_rules.items():
        if policy_rules.get(rule_id) == wanted:
            continue  # the policy says the same
        why = _relaxes(wanted, _floor(rule_id, policy_rules, defaults))
        if why is not None and not grants.disable:
            refuse(join_pointer("/rules", rule_id), f"the setting of rule '{rule_id}' {why}: not applied, the policy "
                                                    "does not let the repository relax rules (repository.disable)")
            continue
        merged[rule_id] = _combine(merged.get(rule_id), wanted)
    return merged


def _combine(current: RuleOverride | None, wanted: RuleOverride) -> RuleOverride:
    if current is None:
        return wanted
    return RuleOverride(
        enabled=wanted.enabled if wanted.enabled is not None else current.enabled,
        severity=wanted.severity if wanted.severity is not None else current.severity,
        params=wanted.params if wanted.params is not None else current.params,
        kinds=wanted.kinds if wanted.kinds is not None else current.kinds,
    )


def _allowed_path_overrides(policy: Config, tree: Config, grants: Grants, defaults: Mapping[str, Severity],
                            refuse) -> tuple:
    allowed = []
    for index, override in enumerate(tree.overrides):
        if override in policy.overrides:
            continue  # the policy says the same
        rules = {}
        for rule_id, wanted in override.rules.items():
            why = _relaxes(wanted, _floor(rule_id, policy.rules, defaults))
            if why is not None and not grants.disable:
                refuse(join_pointer(f"/overrides/{index}/rules", rule_id),
                       f"the per-path setting of rule '{rule_id}' {why}: not applied, the policy does not let the "
                       "repository relax rules (repository.disable)")
                continue
            rules[rule_id] = wanted
        if rules:
            allowed.append(replace(override, rules=rules))
    return tuple(allowed)


def _allowed_exemptions(policy: Config, tree: Config, grants: Grants, refuse) -> tuple:
    allowed = []
    for index, exemption in enumerate(tree.exemptions):
        if exemption in policy.exemptions:
            continue  # the policy's own
        if not grants.exemptions:
            refuse(f"/exemptions/{index}", "exemption not applied: the policy does not let the repository's "
                                           "configuration exempt findings (repository.exemptions)")
        elif any(is_pattern(rule) for rule in exemption.rules) and not grants.wildcard_exemptions:
            refuse(f"/exemptions/{index}/rule", "exemption by pattern not applied: the policy does not let the "
                                                "repository exempt rules by pattern (repository.wildcard_exemptions)")
        else:
            allowed.append(exemption)
    return tuple(allowed)


def _merge_gate_settings(policy: Config, tree: Config, grants: Grants, changes: dict[str, Any], refuse) -> None:
    if "strict" in tree.keys and tree.strict != policy.strict:
        if tree.strict or grants.disable:
            changes["strict"] = tree.strict
        else:
            refuse("/strict", "strict: false is not applied: the policy validates strictly (repository.disable)")
    if "fail_on" in tree.keys and tree.fail_on != policy.fail_on:
        if tree.fail_on.rank < policy.fail_on.rank or grants.disable:
            changes["fail_on"] = tree.fail_on
        else:
            refuse("/fail_on", f"fail_on: {tree.fail_on.value} is not applied: the policy fails on "
                               f"{policy.fail_on.value} (repository.disable)")
    for key, policy_value, tree_value in (
        ("annotations", policy.allow_annotation_exemptions, tree.allow_annotation_exemptions),
        ("inline", policy.allow_inline_exemptions, tree.allow_inline_exemptions),
    ):
        if tree_value and not policy_value:
            refuse(f"/allow_exemptions/{key}", f"allow_exemptions.{key}: true is not applied: the policy "
                                               "forbids these exemptions")
        elif not tree_value:
            changes[f"allow_{'annotation' if key == 'annotations' else 'inline'}_exemptions"] = False


def _merge_descriptive(policy: Config, tree: Config, changes: dict[str, Any], refuse) -> None:
    for key in _DESCRIPTIVE:
        if key not in tree.keys:
            continue
        if key not in policy.keys:
            changes[key] = getattr(tree, key)
        elif getattr(tree, key) != getattr(policy, key):
            refuse(f"/{key}", f"{key} is set by the policy; the repository's value is not applied")


def _refuse_rule_links(policy: Config, tree: Config, refuse) -> None:
    """The links of every report are the policy's (or none): a merge request must not be able to point its
    reviewers' rule links at a page of its choosing."""
    if "rule_docs_url" in tree.keys and tree.rule_docs_url != policy.rule_docs_url:
        refuse("/rule_docs_url", "rule_docs_url is not applied: under a policy, rule documentation links come from "
                                 "the policy only")


def _merge_workloads(policy: Config, tree: Config, grants: Grants, refuse) -> dict[str, str]:
    from ..workloads import WORKLOAD_POD_SPECS

    merged = dict(policy.workloads)
    for kind, pointer in tree.workloads.items():
        known = merged.get(kind, WORKLOAD_POD_SPECS.get(kind))
        if known is not None and known != pointer and not grants.disable:
            refuse(join_pointer("/workloads", kind), f"workload kind '{kind}' is already known (its pod spec is at "
                                                     f"{known}); redefining it is not applied (repository.disable)")
            continue
        merged.setdefault(kind, pointer)
        if grants.disable:
            merged[kind] = pointer
    return merged


def repository_rule_violations(files: list[tuple[str, Any]]) -> Iterator[Violation]:
    """One violation per repository rule file the policy did not let load (``files``: display, path)."""
    for display, _ in files:
        yield Violation(display, Position(1, 1), "repository rule not loaded: the policy does not let the "
                                                 "repository add rules (repository.rules)")
