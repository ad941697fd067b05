"""The check stage: every enabled rule over one resource, each violation positioned as a finding.

The dispatcher (:class:`lintops.rules.Dispatcher`) says which rules look at a resource and at which of
its subjects (the object, each pod spec, each container). A check that raises is an internal error:
the run goes on with the other rules, the problem is reported on standard error, and the exit code
says the tool failed (3), not that findings exist. A violation's JSON pointer becomes ``path:line:col``
here, through the resource's locator, while its document is still at hand.

A Deployment leaves what a Rollout naming it needs (its pod template's findings), a Rollout its
``spec.workloadRef`` (:mod:`lintops.workload_refs`), and every object the facts that cross-object checks
record (:mod:`lintops.cross_refs`); the finish stage resolves them.
"""

from __future__ import annotations

from ..exemptions import annotation_maps
from ..model import Finding, Resource, Violation
from ..rules import Rule
from ..stage_rules import EXEMPTION_REASON, POLICY_VIOLATION, SCHEMA_MISSING
from .state import Pending, RunState


def check_resource(state: RunState, resource: Resource) -> list[Pending]:
    """The findings of every rule on ``resource``, with what may exempt them, before the filter stage."""
    found: list[Pending] = []
    rules = state.rules_by_id
    policy = state.policy
    reason_rule = rules.get(EXEMPTION_REASON)
    if reason_rule is not None:  # the findings that police exemptions are never exempted themselves
        found.extend(Pending(finding_of(state, reason_rule, resource, v), exempt=False)
                     for v in policy.annotation_reason_violations(resource))
    policy_rule = rules.get(POLICY_VIOLATION)
    if policy_rule is not None:
        found.extend(Pending(finding_of(state, policy_rule, resource, v), exempt=False)
                     for v in policy.refused_annotation_violations(resource))
    template: list[Finding] | None = [] if resource.kind == "Deployment" else None
    annotations: tuple[tuple[str, dict], ...] | None = None  # looked up on the first finding
    for rule, subjects in state.dispatcher.pairs(resource):
        try:
            for subject in subjects:
                for violation in rule.check.check(subject, state.context):
                    finding = finding_of(state, rule, resource, violation)
                    if template is not None and subject.pointer:  # a pod-spec or container rule
                        template.append(finding)
                    if annotations is None:
                        annotations = annotation_maps(resource)
                    found.append(Pending(finding, annotations))
        except Exception:
            state.internal_error(f"rule {rule.id} on {resource.ref} in {resource.source.path}")
    if template is not None:
        _record_template(state, resource, template)
    elif resource.kind == "Rollout" and state.scope != "context":
        _record_reference(state, resource)
    if state.facts is not None:
        _record_facts(state, resource)
    return found


def _record_facts(state: RunState, resource: Resource) -> None:
    """The cross-object facts of ``resource`` (lintops.cross_refs): a plain file's travel with its report, a
    render's and a context file's are kept at once."""
    try:
        facts = state.facts.facts_of(resource, state.context)
    except Exception:
        state.internal_error(f"cross-object facts of {resource.ref} in {resource.source.path}")
        return
    if not facts:
        return
    if state.scope is None:
        state.file_facts.extend(facts)
    else:
        state.facts.add(state.scope, resource.source.path, facts)


def register_crd(state: RunState, resource: Resource) -> list[Pending]:
    """Register a CustomResourceDefinition with the run's schemas; its problems are ``schema-missing``
    findings (a problem that names its node, lintops.schema.refs.PositionedProblem, is there)."""
    rule = state.rules_by_id.get(SCHEMA_MISSING)
    found = []
    for problem in state.context.add_crd(resource.body):
        if rule is not None:
            pointer = getattr(problem, "pointer", None)
            violation = Violation(pointer, str(problem), at_key=True) if pointer else Violation("/spec", problem)
            found.append(Pending(finding_of(state, rule, resource, violation), exempt=False))
    return found


def finding_of(state: RunState, rule: Rule, resource: Resource, violation: Violation) -> Finding:
    """``violation`` of ``rule`` on ``resource`` as a finding: positioned, its message without credentials."""
    located = resource.locate(violation.pointer, violation.at_key)
    message = violation.message
    if "://" in message:  # a check that quotes an address as written must not print its credentials
        from ..redact import mask_url_credentials

        message = mask_url_credentials(message)
    context = state.context
    end = located.end
    return Finding(
        rule_id=rule.id,
        severity=rule.severity,
        message=message,
        location=located.location,
        pointer=violation.pointer,
        object=resource.ref,
        remediation=rule.spec.remediation or None,
        related=located.related,
        environment=(resource.source.environment,) if resource.source.environment else (),
        kubernetes_versions=violation.kubernetes_versions or (
            context.versions_for(resource) if context.several else ()),
        end_line=end.line if end is not None else None,
        end_column=end.column if end is not None else None,
        suppressed=violation.unchecked is not None,
        suppression_reason=violation.unchecked,
    )


def _record_template(state: RunState, resource: Resource, findings: list[Finding]) -> None:
    """What a Rollout naming this Deployment will need of it (lintops.workload_refs)."""
    from ..workload_refs import kept, key, template_of

    scope = state.scope if state.scope != "context" else None
    record = (key(scope, resource.namespace, resource.name), template_of(resource, findings))
    state.templates[record[0]] = kept(record[1])
    state.file_templates.append(record)


def _record_reference(state: RunState, resource: Resource) -> None:
    from ..workload_refs import is_rollout, reference_of

    if not is_rollout(resource):
        return
    reference = reference_of(resource, state.scope)
    if reference is not None:
        state.references.append(reference)
        state.file_references.append(reference)
