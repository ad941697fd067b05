"""The end of a run and the counts of every report: held-back checks, workload references, the baseline's
stale entries, and what each report adds to the summary.

Checks that hold resources back (a custom resource whose CRD may come later, cross-object rules)
report in :meth:`lintops.checks.base.Check.finish` after the last file; a Rollout's ``spec.workloadRef``
takes the findings of the Deployment it names (:mod:`lintops.workload_refs`) once every Deployment is
known; checks that compare objects through the facts each object left (:mod:`lintops.cross_refs`: a
Service's selector and the pod templates' labels, a container's ConfigMap and the ConfigMaps) resolve
them. All are filtered and matched with the baseline one file at a time, then merged to one finding
per place (:func:`lintops.pipeline.merge.merge_findings`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from ..exemptions import annotation_maps
from ..model import Finding
from ..run_context import FileReport
from ..stage_rules import BASELINE_STALE, WORKLOAD_REF
from .check import finding_of
from .filter import filter_findings
from .merge import merge_findings
from .state import Pending, RunState, settled

if TYPE_CHECKING:  # pragma: no cover - loaded on the first Deployment or Rollout
    from ..workload_refs import WorkloadReference


def report(state: RunState, file_report: FileReport) -> FileReport:
    """A report's findings in order, counted in the summary (and towards failing the run), and whether it
    is final (no later report of the run may share a finding's identity with it: ``FileReport.final``)."""
    file_report.findings.sort(key=lambda f: f.sort_key)
    _count(state, file_report.findings)
    if file_report.facts:
        state.facts.add(None, file_report.path, file_report.facts)
    held = state.held_count()  # what a check held back since the last report: this file's objects
    if held is None or held != state.held_seen:
        file_report.final = False
    state.held_seen = held
    if file_report.final:
        file_report.final = _template_final(file_report)
    return file_report


def _template_final(file_report: FileReport) -> bool:
    """False when a Rollout may take findings of this file's Deployments at the end of the run that share
    an identity with a finding of this report: a Deployment's template has findings, and the report
    has findings about a Rollout (the Rollout names itself as their object, lintops.workload_refs)."""
    if not any(template.findings for _, template in file_report.templates):
        return True
    return not any(f.object is not None and f.object.kind == "Rollout" for f in file_report.findings)


def _count(state: RunState, findings: list[Finding]) -> None:
    """Count findings in the summary, and those that fail the run (the one place both are decided).

    With ``--new-since`` each finding is first marked introduced or not (lintops.new_since): one that
    the base already had is reported and counted, but does not fail the run."""
    preexisting = state.options.preexisting
    if preexisting is not None:
        findings[:] = [preexisting.mark(finding) for finding in findings]
    fail_on = state.options.fail_on
    for finding in findings:
        state.summary.count(finding)
        if not finding.suppressed and finding.introduced is not False and finding.severity.at_least(fail_on):
            state.failing += 1


def account(state: RunState, file_report: FileReport, matched: set[str], internal_errors: list[str]) -> FileReport:
    """Count a report that a worker process produced (it applied exemptions and the baseline)."""
    if file_report.templates:
        from ..workload_refs import kept

        state.templates.update((key, kept(template)) for key, template in file_report.templates)
    state.references.extend(file_report.references)
    if file_report.facts:
        state.facts.add(None, file_report.path, file_report.facts)
    if file_report.directives:  # for the findings a Rollout takes from this file (filter_findings)
        state.directives.setdefault(file_report.path, file_report.directives)
    summary = state.summary
    summary.files += 1
    summary.objects += file_report.objects
    if not file_report.is_manifest:
        summary.skipped += 1
        summary.skipped_files.append(file_report.path)
    _count(state, file_report.findings)
    # what the worker's checks held back is in its reports already; this process resolves the Rollouts
    file_report.final = _template_final(file_report)
    if state.baseline is not None:
        state.baseline.matched |= matched
    state.internal_errors.extend(internal_errors)
    return file_report


def violation_reports(state: RunState) -> Iterator[FileReport]:
    """The tree's ``policy-violation`` findings, one report per file, before the first file is linted;
    nothing the tree says can exempt them."""
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for finding in state.violations:
        by_path[finding.location.path].append(finding)
    for path in sorted(by_path):
        yield report(state, FileReport(path, filter_findings(state, settled(by_path[path])), 0, final=False))


def finish(state: RunState) -> Iterator[FileReport]:
    """Findings of checks that waited for the whole run, grouped by file, one per place (merged)."""
    by_path = held_pending(state)
    if state.facts is not None:
        for item in resolve_facts(state):
            by_path[item.finding.location.path].append(item)
    references, state.references = state.references, []
    for item in resolve_references(state, (r for r in references if r.scope != "context")):
        by_path[item.finding.location.path].append(item)
    # the baseline before stale entries are looked for: held findings match them too
    found = {path: kept for path, pending in by_path.items() if (kept := filter_findings(state, pending))}
    found = defaultdict(list, found)
    stale_rule = state.rules_by_id.get(BASELINE_STALE)
    if state.baseline is not None and stale_rule is not None:
        for entry in state.baseline.stale():
            found[entry.location.path].append(Finding(
                BASELINE_STALE, stale_rule.severity,
                f"baseline entry for {entry.rule} in {entry.path} matches no finding any more",
                entry.location, remediation=stale_rule.spec.remediation or None))
    for path in sorted(set(found) - state.context_paths):
        yield report(state, FileReport(path, merge_findings(found[path]), 0, final=False))


def held_pending(state: RunState) -> dict[str, list[Pending]]:
    """What checks held back until every file was read, by path, before the filter stage."""
    by_path: dict[str, list[Pending]] = defaultdict(list)
    for rule in state.rules:
        if rule.check is None:  # a rule a stage reports (lintops.stage_rules) holds nothing back
            continue
        try:
            for resource, violation in rule.check.finish(state.context):
                finding = finding_of(state, rule, resource, violation)
                by_path[finding.location.path].append(Pending(finding, annotation_maps(resource)))
        except Exception:
            state.internal_error(f"rule {rule.id} (at the end of the run)")
    return by_path


def resolve_facts(state: RunState) -> list[Pending]:
    """The findings of the checks that resolve cross-object facts (lintops.cross_refs), each at the site
    of its reference; a reference a check decided not to judge is a finding suppressed with that reason."""
    facts = state.facts.view()
    found: list[Pending] = []
    for rule in state.rules:
        if not getattr(rule.check, "recorders", None):  # a lintops.cross_refs.FactCheck records facts
            continue
        try:
            for verdict in rule.check.resolve(facts, state.context):
                place = verdict.site
                located = place.located
                end = located.end
                finding = Finding(
                    rule.id, rule.severity, verdict.message, located.location, pointer=place.pointer,
                    object=place.ref, remediation=rule.spec.remediation or None, related=located.related,
                    environment=(place.environment,) if place.environment else (),
                    end_line=end.line if end is not None else None, end_column=end.column if end is not None else None)
                if verdict.unchecked is not None:  # shown with --verbose, as "not checked"
                    finding = replace(finding, suppressed=True, suppression_reason=verdict.unchecked)
                found.append(Pending(finding, place.annotations))
        except Exception:
            state.internal_error(f"rule {rule.id} (resolving cross-object references)")
    state.facts.clear()
    return found


def held_findings(state: RunState) -> dict[str, list[Finding]]:
    """What checks held back, filtered and matched with the baseline one file at a time, by path (what a
    worker process adds to its chunk's reports)."""
    return {path: kept for path, pending in held_pending(state).items() if (kept := filter_findings(state, pending))}


def resolve_references(state: RunState, references: Iterable[WorkloadReference]) -> list[Pending]:
    """The findings of each Rollout's workloadRef: its Deployment's template findings, as its own.

    Only rules that apply to a Rollout are carried over, and the Rollout's own exemptions apply.
    A Deployment not in the run is a ``workload-ref`` finding (info) at ``spec.workloadRef``.
    """
    from ..workload_refs import REFERABLE_KINDS, key, view

    found: list[Pending] = []
    info = state.rules_by_id.get(WORKLOAD_REF)
    for reference in references:
        namespace = reference.ref.namespace
        template = None
        if reference.kind in REFERABLE_KINDS:
            template = (state.templates.get(key(reference.scope, namespace, reference.name))
                        or state.templates.get(key(None, namespace, reference.name)))
        environment = (reference.environment,) if reference.environment else ()
        annotations = annotation_maps(view(reference, template))
        if template is None:
            if info is not None:
                found.append(Pending(Finding(
                    info.id, info.severity,
                    f"spec.workloadRef names {reference.kind} {reference.name!r}, which is not among the linted "
                    f"objects: the Rollout's pod template is not checked", reference.location,
                    pointer="/spec/workloadRef", object=reference.ref, remediation=info.spec.remediation or None,
                    environment=environment), annotations))
            continue
        for raw in template.findings:
            rule = state.rules_by_id.get(raw.rule_id)
            if rule is None or not any(target != "*" for target in rule.targets_for(
                    reference.ref.api_version, reference.ref.kind, state.options.workloads)):
                continue  # a rule for Deployments only
            found.append(Pending(replace(raw, object=reference.ref, objects=(), environment=environment),
                                 annotations))
    return found
