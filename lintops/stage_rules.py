"""The rules a stage reports by itself: one table from the problems a stage finds to the rule they are filed under.

Most rules are data bound to a check (``check:`` in the rule file, code in :mod:`lintops.checks`).
The rules below are not: their findings are found by the stage that discovers, renders, parses or
filters (a YAML syntax error, a chart that does not render, a baseline entry nothing matches), which
files them under the rule id named here. Their rule files say ``stage: <stage>`` instead of naming a
check, so they stay ordinary rules all the same: listed, explained, disabled and re-graded like any
other. The catalog binds them without a check (:mod:`lintops.catalog`), and a rule pack cannot
declare a stage rule of its own that no stage produces (:func:`stage_problem`).

Two rules bound to a check are also fed by a stage (:data:`ALSO_FROM_STAGE`): ``schema`` gets the
objects the resource stage cannot identify (a document with ``apiVersion`` but no ``kind``), and
``schema-missing`` the CustomResourceDefinitions without a usable schema, found when a CRD is
registered. They keep their check; the stages name them by the constants below too.

This module is a leaf: stages import their ids from it, and it imports nothing of lintops.
"""

from __future__ import annotations

from typing import Final

#: The stages of the pipeline that produce findings of their own (DESIGN.md, "One pipeline").
DISCOVER: Final = "discover"
RENDER: Final = "render"
PARSE: Final = "parse"
RESOURCES: Final = "resources"
FILTER: Final = "filter"
STAGES: Final = (DISCOVER, RENDER, PARSE, RESOURCES, FILTER)

YAML_SYNTAX: Final = "yaml-syntax"
YAML_LIMIT: Final = "yaml-limit"
DUPLICATE_KEY: Final = "duplicate-key"
UNSAFE_PATH: Final = "unsafe-path"
RENDER_FAILED: Final = "render-failed"
RENDER_EMPTY: Final = "render-empty"
KUSTOMIZE_UNUSED: Final = "kustomize-unused"
WORKLOAD_REF: Final = "workload-ref"
BASELINE_STALE: Final = "baseline-stale"
POLICY_VIOLATION: Final = "policy-violation"
EXEMPTION_REASON: Final = "exemption-reason"

#: Rule id -> the stage whose problems are its findings (the only producer: these rules have no check).
STAGE_RULES: Final[dict[str, str]] = {
    UNSAFE_PATH: DISCOVER,        # a link out of the linted root, a FIFO or device (lintops.inputs.files)
    RENDER_FAILED: RENDER,        # a chart or overlay that cannot be rendered (lintops.inputs.rendered)
    RENDER_EMPTY: RENDER,         # a chart environment or overlay that renders no object
    KUSTOMIZE_UNUSED: RENDER,     # a kustomization no root uses, linted on its own (a notice)
    YAML_SYNTAX: PARSE,           # not YAML, not UTF-8, binary, unreadable (lintops.parse)
    YAML_LIMIT: PARSE,            # an alias bomb, deep nesting, a file over the size cap
    DUPLICATE_KEY: PARSE,         # a mapping that defines a key twice
    WORKLOAD_REF: RESOURCES,      # a Rollout's workloadRef names no linted Deployment (end of run)
    EXEMPTION_REASON: FILTER,     # an exemption that gives no reason (lintops.exemptions)
    POLICY_VIOLATION: FILTER,     # the tree tried what the trusted policy does not grant (lintops.config.policy)
    BASELINE_STALE: FILTER,       # a baseline entry no finding matches any more (lintops.baseline)
}

SCHEMA: Final = "schema"
SCHEMA_MISSING: Final = "schema-missing"

#: Rules bound to a check that a stage also files problems under: rule id -> that stage.
ALSO_FROM_STAGE: Final[dict[str, str]] = {
    SCHEMA: RESOURCES,            # a document with only one of apiVersion and kind (lintops.inputs.manifests)
    SCHEMA_MISSING: RESOURCES,    # a CustomResourceDefinition without a usable openAPIV3Schema
}


def stage_problem(rule_id: str, stage: str) -> str | None:
    """Why a rule file may not say ``stage: <stage>`` for ``rule_id``, or None when that stage produces it.

    A stage rule is a promise that some stage files findings under its id; one that nothing produces
    would be listed, documented and enabled and never fire, a false green. So a rule pack may bind
    only the ids of :data:`STAGE_RULES`, each to its own stage.
    """
    produced_by = STAGE_RULES.get(rule_id)
    if produced_by is None:
        known = ", ".join(sorted(STAGE_RULES))
        return (f"no stage produces the rule '{rule_id}': `stage:` is only for the rules lintops' stages "
                f"report ({known}); a rule of a pack names its check (`check:`)")
    if produced_by != stage:
        return f"the rule '{rule_id}' is produced by the {produced_by} stage, not by the {stage} stage"
    return None
