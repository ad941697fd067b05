"""Runs the rules over the resources of each input, one file at a time, and orders the findings.

The engine is the seam between the stages: it reads a file, parses it, turns documents into
resources, lets every enabled rule look at the subjects it targets, turns each violation's JSON
pointer into ``path:line:col``, and hands the file's findings on before it reads the next file
(streaming keeps memory flat and lets text output appear while a large run goes on).

Parse problems (``yaml-syntax``, ``duplicate-key``, ``yaml-limit``) and unidentifiable objects
(``schema``) become findings of the rules with those ids, so they are listed, configured and
explained like every other rule. Checks that hold resources back (a custom resource whose CRD may
come later, cross-object rules) report in :meth:`Check.finish` after the last file.

A check that raises is an internal error: the run goes on with the other rules and files, the problem
is reported on standard error, and the exit code says the tool failed (3), not that findings exist.
"""

from __future__ import annotations

import contextlib
import gc
import sys
import traceback
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .baseline import Baseline
from .exemptions import POLICY_RULE, REASON_RULE, ExemptionPolicy, suppress
from .inputs.discover import ChartInput, Input, InputFile, KustomizeInput
from .inputs.manifests import FileManifests, LocatorFactory, add_document, file_locator
from .model import Finding, Location, ObjectRef, Resource, RunSummary, Source, Violation
from .parse.directives import Directive, parse_directives
from .parse.documents import ParsedFile
from .parse.stream import DocumentStream, parse_text, split_of, stream_bytes, stream_text
from .rules import Dispatcher, Rule
from .run_context import FileReport, Options, RunContext
from .targets import union_versions

if TYPE_CHECKING:  # pragma: no cover - loaded on the first Deployment or Rollout
    from .workload_refs import PodTemplate, WorkloadReference


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a run.

    Parsing and checking allocate many small acyclic objects (nodes, dicts, findings) that reference
    counting frees as soon as a file is done; the collector, left on, scans each file's live node
    tree over and over and costs a third of the run for nothing. Measured on 20,000 objects: no
    cyclic garbage at all and the same peak memory with the collector paused.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def merge_findings(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per rule, place, node, message and exemption, standing for every object it occurs in.

    One values key feeding seven Services, or one base line that three overlays render, is one place
    to fix: it is reported once there, and the finding names each object and environment it stands
    for (:attr:`Finding.objects`, the first as :attr:`Finding.object`), with the related places of
    all (the template lines, the overlays). The object is not part of the identity (overlays rename
    objects with ``namePrefix``), but what exempted it is: exemptions apply per object, so an
    exempted object's share is a suppressed finding of its own at the same place, and the others stay.
    Findings of files linted alone (a root that did not render) stay apart from rendered ones.
    """
    groups: dict[tuple, list[Finding]] = {}
    for finding in findings:
        key = (finding.rule_id, finding.severity, finding.location, finding.pointer, finding.message,
               finding.suppressed, finding.suppression_reason, finding.linted_alone)
        group = groups.get(key)
        if group is None:
            groups[key] = [finding]
        else:
            group.append(finding)
    return [group[0] if len(group) == 1 else _merged(group) for group in groups.values()]


def _merged(group: list[Finding]) -> Finding:
    first = group[0]
    shares = tuple(dict.fromkeys(share for finding in group for share in finding.shares))
    environments = tuple(sorted({environment for finding in group for environment in finding.environment}))
    related = tuple(dict.fromkeys(place for finding in group for place in finding.related))
    return replace(first, object=shares[0].object if shares else first.object,
                   objects=shares if len(shares) > 1 else (), environment=environments, related=related,
                   kubernetes_versions=union_versions(finding.kubernetes_versions for finding in group))


#: The name this function had when only environments were merged.
merge_environments = merge_findings


class Engine:
    """Lints inputs with a fixed set of rules; one instance per run."""

    def __init__(self, rules: Iterable[Rule], options: Options | None = None,
                 policy: ExemptionPolicy | None = None, baseline: Baseline | None = None) -> None:
        self.options = options or Options()
        self.policy = policy or ExemptionPolicy()
        self.baseline = baseline
        self.rules = list(rules)
        self.rules_by_id = {rule.id: rule for rule in self.rules}
        self.dispatcher = Dispatcher(self.rules, self.options.workloads)
        self.context = RunContext(self.options)
        self.summary = RunSummary()
        self.internal_errors: list[str] = []
        self._directives: dict[str, list[Directive]] = {}
        self._context_paths: set[str] = set()
        self._violations: list[Finding] = []
        #: Deployments' pod templates and the Rollouts that name one (lintops.workload_refs).
        self._templates: dict[tuple, PodTemplate] = {}
        self._references: list[WorkloadReference] = []
        #: The records made while the current file is linted (a worker sends them home in its report).
        self._file_templates: list[tuple[tuple, PodTemplate]] = []
        self._file_references: list[WorkloadReference] = []
        #: Which render the objects being checked come from (None: plain files; "context": context files).
        self._scope: Any = None

    def add_violations(self, violations: Iterable[Any]) -> None:
        """Report what the linted tree tried beyond the run's policy (lintops.policy.Violation).

        They are findings of the ``policy-violation`` rule that no exemption of the tree can suppress,
        reported before the first file.
        """
        rule = self.rules_by_id.get("policy-violation")
        if rule is None:
            return
        for violation in violations:
            self._violations.append(Finding(
                rule.id, rule.severity, violation.message,
                Location(violation.path, violation.position.line, violation.position.column),
                remediation=rule.spec.remediation or None))

    # -- the public entry points -------------------------------------------------------------------

    def lint(self, inputs: Iterable[Input]) -> Iterator[FileReport]:
        """Lint each input in turn (files, charts, Kustomize roots), then what checks held back."""
        with _gc_paused():
            yield from self._lint(inputs)

    def _lint(self, inputs: Iterable[Input]) -> Iterator[FileReport]:
        from . import parallel

        by_path: dict[str, list[Finding]] = defaultdict(list)
        for finding in self._violations:
            by_path[finding.location.path].append(finding)
        for path in sorted(by_path):
            yield self._report(FileReport(path, by_path[path], 0))

        rendered: list[ChartInput | KustomizeInput] = []
        plain: list[InputFile] = []
        for item in inputs:
            if isinstance(item, InputFile) and item.context:
                self._read_context(item)
            elif isinstance(item, InputFile):
                if self.options.jobs > 1:
                    plain.append(item)  # collected: a large run goes to worker processes
                else:
                    yield self.lint_input(item)
            else:
                rendered.append(item)
        if parallel.can_parallelize(self, plain):
            for report, remote in parallel.lint_parallel(self, plain):
                yield report if remote is None else self.account(report, *remote)
        else:
            for item in plain:
                yield self.lint_input(item)
        if rendered:
            yield from self._lint_rendered(rendered)
        yield from self.finish()

    def _read_context(self, item: InputFile) -> None:
        """Let cross-object checks see a file's resources without reporting on it."""
        self._context_paths.add(item.display)
        try:
            raw = item.read_bytes(self.options.limits.max_file_bytes)
        except OSError:  # also a refused file (lintops.inputs.files): context is never reported on
            return
        parsed = stream_bytes(raw, item.display, is_json=item.is_json, limits=self.options.limits)
        objects = self.summary.objects
        self._scope = "context"
        try:
            self._collect(parsed, None, None)
        finally:
            self._scope = None
            self._file_templates, self._file_references = [], []
        self.summary.objects = objects

    def lint_text(self, text: str, path: str) -> Iterator[FileReport]:
        """Lint one in-memory text (an editor buffer, a rendered template)."""
        yield self.lint_parsed(parse_text(text, path, is_json=path.endswith(".json"), limits=self.options.limits))
        yield from self.finish()

    def lint_parsed(self, parsed: ParsedFile | DocumentStream, source: Source | None = None,
                    locators: LocatorFactory | None = None) -> FileReport:
        """Lint one parsed file and count it in the summary."""
        findings, resources, is_manifest = self._collect(parsed, source, locators)
        self.summary.files += 1
        if not is_manifest:
            self.summary.skipped += 1
            self.summary.skipped_files.append(parsed.path)
        report = FileReport(parsed.path, findings, len(resources), is_manifest, resources)
        report.templates, self._file_templates = self._file_templates, []
        report.references, self._file_references = self._file_references, []
        return self._report(report)

    def _collect(self, parsed: ParsedFile | DocumentStream, source: Source | None,
                 locators: LocatorFactory | None) -> tuple[list[Finding], list[ObjectRef], bool]:
        """Parse, make resources and check one document at a time (a :class:`DocumentStream` composes
        them one by one), so that a document's node tree is freed as soon as its findings are located,
        unless a check holds its object back for the end of the run."""
        path = parsed.path
        if locators is None:
            directives = parse_directives(parsed.text)
            self._directives[path] = directives
        else:  # rendered text has no comments: exemptions are read from the files findings land in
            directives = []
        findings: list[Finding | None] = []
        reason_rule = self.rules_by_id.get(REASON_RULE)
        if reason_rule is not None:
            findings.extend(self.policy.comment_reason_findings(directives, path, reason_rule.severity))
        policy_rule = self.rules_by_id.get(POLICY_RULE)
        if policy_rule is not None and directives:
            findings.extend(self.policy.refused_comment_findings(directives, path, policy_rule.severity))
        source = source or Source(path)
        factory = locators or file_locator(source.path)
        manifests = FileManifests()  # one document's resources at a time; problems for the whole file
        refs: list[ObjectRef] = []
        any_resource = any_values = False
        for document in parsed.documents:
            add_document(manifests, document, path, source, factory)
            resources, values = manifests.resources, manifests.values
            if not resources and not values:
                continue
            for resource in resources:
                if resource.kind == "CustomResourceDefinition" and resource.api_version.startswith(
                        "apiextensions.k8s.io/"):
                    self._register_crd(resource, findings)
            for resource in resources:
                findings.extend(self._check(resource))
            for resource in values:
                findings.extend(self._check(resource))
            refs += [resource.ref for resource in resources]
            any_resource = any_resource or bool(resources)
            any_values = any_values or bool(values)
            manifests.resources, manifests.values = [], []
            if locators is None:  # an object a check holds back keeps its data, not the document's nodes
                document.release()
        problems = (*parsed.problems, *manifests.problems)  # the parse problems are known once the file is read
        if locators is None:
            raw = [self._parse_finding(path, p.rule_id, p.message, p.position.line, p.position.column)
                   for p in problems]
        else:  # a rendered text's lines are not the template's: say where in the output, point at the file
            raw = [self._parse_finding(path, p.rule_id, f"{p.message} (at {p.position.line}:"
                                       f"{p.position.column} of the rendered output; `lintops render` shows it)", 1, 1)
                   for p in problems]
        findings.extend(self._filter(f, None) for f in raw if f is not None)
        self.summary.objects += len(refs)
        is_manifest = any_resource or bool(manifests.problems) or bool(parsed.problems) or any_values
        return [f for f in findings if f is not None], refs, is_manifest

    def _lint_rendered(self, items: list[ChartInput | KustomizeInput]) -> Iterator[FileReport]:
        """Render charts and overlays, lint every rendered text, report each finding once per place.

        A finding that several objects share (same rule, place, node and message: one values key
        feeding seven Services, one base line in three overlays) is reported once, naming every
        object and environment (:func:`merge_findings`), so a values.yaml or base mistake is one
        finding where it is fixed, counted once per object. That is why rendered inputs are reported
        together, after the plain files. Every root is accounted for: one that renders no object is a
        ``render-empty`` finding, and the local files of a Kustomize root that does not render are
        linted on their own (:meth:`_lint_alone`).
        """
        from .inputs.render import render_input

        findings: list[Finding] = []
        resources: dict[str, list[ObjectRef]] = defaultdict(list)
        alone: dict[Path, tuple[Any, list[str]]] = {}
        for index, item in enumerate(items):
            result = render_input(item, self.options, self.context.crds)
            findings.extend(self._render_problems(result.problems))
            objects: dict[str | None, int] = defaultdict(int)
            for rendered in result.sources:
                parsed = stream_text(rendered.text, rendered.source.path, limits=self.options.limits,
                                     split=split_of(rendered.source.origin))
                self._scope = (index, rendered.source.environment)
                try:
                    found, refs, is_manifest = self._collect(parsed, rendered.source, rendered.locators)
                finally:
                    self._scope = None
                findings.extend(found)
                resources[rendered.source.path].extend(refs)
                self.summary.rendered += len(refs)
                # a text that does not parse is reported (yaml-syntax), not an empty render
                objects[rendered.source.environment] += len(refs) or int(is_manifest)
            findings.extend(self._account_roots(result, objects))
            for file in result.standalone:
                alone.setdefault(file.path, (file, []))[1].append(file.root)
        for file, roots in sorted(alone.values(), key=lambda entry: entry[0].display):
            found, refs = self._lint_alone(file, tuple(dict.fromkeys(roots)))
            findings.extend(found)
            resources[file.display].extend(refs)
        rendered_references = [r for r in self._references if r.scope not in (None, "context")]
        if rendered_references:  # every Deployment of the plain files and of the renders is known now
            self._references = [r for r in self._references if r.scope in (None, "context")]
            findings.extend(self._resolve_references(rendered_references))
        self._file_templates, self._file_references = [], []
        if self.baseline is not None:  # per object: each object's share is recorded on its own
            findings = self.baseline.apply(findings)
        by_path: dict[str, list[Finding]] = defaultdict(list)
        for finding in merge_findings(findings):
            by_path[finding.location.path].append(finding)
        paths = sorted(set(by_path) | set(resources))
        self.summary.files += len(paths)
        for path in paths:
            refs = list(dict.fromkeys(resources.get(path, ())))
            yield self._report(FileReport(path, by_path.get(path, []), len(refs), True, refs), baselined=True)

    def _render_problems(self, problems: Iterable[Any]) -> list[Finding]:
        """``render-failed`` findings (or the rule a problem names: ``kustomize-unused``), one per problem a
        renderer reported."""
        found = []
        for problem in problems:
            rule = self.rules_by_id.get(getattr(problem, "rule_id", "render-failed"))
            if rule is None:
                continue
            finding = self._filter(Finding(
                rule.id, rule.severity, problem.message, Location(problem.path, problem.line, problem.column),
                remediation=rule.spec.remediation or None,
                environment=(problem.environment,) if problem.environment else ()), None)
            if finding is not None:
                found.append(finding)
        return found

    def _account_roots(self, result: Any, objects: Mapping[str | None, int]) -> list[Finding]:
        """Count each root a renderer rendered; one that rendered no object without failing is ``render-empty``.

        A root that failed counts as one input not linted, unless its renderer fell back on linting its
        files alone: then each of its inputs that could not be linted counts (a remote base, a patch). A
        root that rendered some objects counts each input its renderer says it could not render (a chart's
        dependency that is not vendored, rendered without it): what was rendered does not hide what was not.
        """
        rule = self.rules_by_id.get("render-empty")
        found = []
        for root in result.roots:
            self.summary.renders += 1
            own = [item for item in result.not_linted if item.root == root.name]
            if objects.get(root.environment):
                self.summary.not_linted += len(own)
                continue
            if any(p.environment is None or p.environment == root.environment for p in result.problems):
                fell_back = bool(own) or any(file.root == root.name for file in result.standalone)
                self.summary.not_linted += len(own) if fell_back else 1
            elif rule is not None:
                finding = self._filter(Finding(
                    rule.id, rule.severity, f"{root.name} renders no object: nothing of it is checked",
                    Location(root.path, root.line, root.column), remediation=rule.spec.remediation or None,
                    environment=(root.environment,) if root.environment else ()), None)
                if finding is not None:
                    found.append(finding)
        return found

    def _lint_alone(self, file: Any, roots: tuple[str, ...]) -> tuple[list[Finding], list[ObjectRef]]:
        """Lint a file of roots that did not render on its own, as a plain file; its findings say so."""
        item = InputFile(file.display, file.path, root=file.within)
        try:
            raw = item.read_bytes(self.options.limits.max_file_bytes)
        except OSError as exc:  # refused or unreadable: the same findings as for a plain file
            refusal = getattr(exc, "refusal", None)
            rule_id, message = (refusal.rule_id, refusal.message) if refusal else (
                "yaml-syntax", f"cannot read file: {exc.strerror}")
            finding = self._parse_finding(file.display, rule_id, message, 1, 1)
            return ([replace(finding, linted_alone=roots)] if finding is not None else []), []
        parsed = stream_bytes(raw, file.display, is_json=item.is_json, limits=self.options.limits)
        found, refs, _ = self._collect(parsed, None, None)
        self.summary.linted_alone += len(refs)
        return [replace(finding, linted_alone=roots) for finding in found], refs

    def finish(self) -> Iterator[FileReport]:
        """Findings of checks that waited for the whole run, grouped by file, one per place (merged)."""
        by_path = self.held_findings()
        references, self._references = self._references, []
        for finding in self._resolve_references(r for r in references if r.scope != "context"):
            by_path[finding.location.path].append(finding)
        if self.baseline is not None:  # before stale entries are looked for: held findings match them too
            by_path = defaultdict(list, {path: self.baseline.apply(found) for path, found in by_path.items()})
        stale_rule = self.rules_by_id.get("baseline-stale")
        if self.baseline is not None and stale_rule is not None:
            for entry in self.baseline.stale():
                by_path[entry.location.path].append(Finding(
                    "baseline-stale", stale_rule.severity,
                    f"baseline entry for {entry.rule} in {entry.path} matches no finding any more",
                    entry.location, remediation=stale_rule.spec.remediation or None))
        for path in sorted(set(by_path) - self._context_paths):
            yield self._report(FileReport(path, merge_findings(by_path[path]), 0), baselined=True)

    def _resolve_references(self, references: Iterable[WorkloadReference]) -> list[Finding]:
        """The findings of each Rollout's workloadRef: its Deployment's template findings, as its own.

        Only rules that apply to a Rollout are carried over, and the Rollout's own exemptions apply.
        A Deployment not in the run is a ``workload-ref`` finding (info) at ``spec.workloadRef``.
        """
        from .workload_refs import REFERABLE_KINDS, key, view

        found: list[Finding] = []
        info = self.rules_by_id.get("workload-ref")
        for reference in references:
            namespace = reference.ref.namespace
            template = None
            if reference.kind in REFERABLE_KINDS:
                template = (self._templates.get(key(reference.scope, namespace, reference.name))
                            or self._templates.get(key(None, namespace, reference.name)))
            environment = (reference.environment,) if reference.environment else ()
            resource = view(reference, template)
            if template is None:
                if info is not None:
                    finding = self._filter(Finding(
                        info.id, info.severity,
                        f"spec.workloadRef names {reference.kind} {reference.name!r}, which is not among the linted "
                        f"objects: the Rollout's pod template is not checked", reference.location,
                        pointer="/spec/workloadRef", object=reference.ref, remediation=info.spec.remediation or None,
                        environment=environment), resource)
                    if finding is not None:
                        found.append(finding)
                continue
            for raw in template.findings:
                rule = self.rules_by_id.get(raw.rule_id)
                if rule is None or not any(target != "*" for target in rule.targets_for(
                        reference.ref.api_version, reference.ref.kind, self.options.workloads)):
                    continue  # a rule for Deployments only
                finding = self._filter(replace(raw, object=reference.ref, objects=(), environment=environment),
                                       resource)
                if finding is not None:
                    found.append(finding)
        return found

    def held_findings(self) -> dict[str, list[Finding]]:
        """What checks held back until every file was read, filtered, by path (not yet reported)."""
        by_path: dict[str, list[Finding]] = defaultdict(list)
        for rule in self.rules:
            if rule.check is None:  # a rule a stage reports (lintops.stage_rules) holds nothing back
                continue
            try:
                for resource, violation in rule.check.finish(self.context):
                    finding = self._filter(self._finding(rule, resource, violation), resource)
                    if finding is not None:
                        by_path[finding.location.path].append(finding)
            except Exception:
                self._internal_error(f"rule {rule.id} (at the end of the run)")
        return by_path

    def account(self, report: FileReport, matched: set[str], internal_errors: list[str]) -> FileReport:
        """Count a report that a worker process produced (it applied exemptions and the baseline)."""
        self._templates.update(report.templates)
        self._references.extend(report.references)
        self.summary.files += 1
        self.summary.objects += report.objects
        if not report.is_manifest:
            self.summary.skipped += 1
            self.summary.skipped_files.append(report.path)
        for finding in report.findings:
            self.summary.count(finding)
            if not finding.suppressed and finding.severity.at_least(self.options.fail_on):
                self._failing += 1
        if self.baseline is not None:
            self.baseline.matched |= matched
        for where in internal_errors:
            self.internal_errors.append(where)
        return report

    def for_worker(self) -> Engine:
        """An engine for a worker process (lintops.parallel): fresh check instances, since the parent's hold
        the objects it read, with this run's options, policy, baseline and context (its CRDs)."""
        rules = [Rule(rule.spec, type(rule.check)(dict(rule.spec.params)) if rule.check is not None else None)
                 for rule in self.rules]
        worker = Engine(rules, self.options, self.policy, self.baseline)
        worker.context = self.context
        return worker

    @property
    def failed(self) -> bool:
        """True when an unsuppressed finding reaches the failure threshold."""
        return self._failing > 0

    _failing = 0

    # -- the stages --------------------------------------------------------------------------------

    def lint_input(self, input_file: InputFile) -> FileReport:
        """Read, parse and check one plain file (also what lintops.parallel runs in this process and in workers)."""
        known = input_file.parsed_under(self.options.limits)  # an Application discovery parsed: not again
        if known is not None:
            return self.lint_parsed(known)
        try:
            raw = input_file.read_bytes(self.options.limits.max_file_bytes)
        except OSError as exc:  # a refusal (lintops.inputs.files) says which rule: unsafe-path, yaml-limit, ...
            refusal = getattr(exc, "refusal", None)
            rule_id, message = (refusal.rule_id, refusal.message) if refusal else (
                "yaml-syntax", f"cannot read file: {exc.strerror}")
            finding = self._parse_finding(input_file.display, rule_id, message, 1, 1)
            self.summary.files += 1
            return self._report(FileReport(input_file.display, [finding] if finding else []))
        parsed = stream_bytes(raw, input_file.display, is_json=input_file.is_json, limits=self.options.limits)
        return self.lint_parsed(parsed)

    def _register_crd(self, resource: Resource, findings: list[Finding]) -> None:
        rule = self.rules_by_id.get("schema-missing")
        for problem in self.context.add_crd(resource.body):
            if rule is not None:  # a problem that names its node (lintops.schema_refs.PositionedProblem) is there
                pointer = getattr(problem, "pointer", None)
                violation = Violation(pointer, str(problem), at_key=True) if pointer else Violation("/spec", problem)
                findings.append(self._finding(rule, resource, violation))

    def _check(self, resource: Resource) -> list[Finding | None]:
        findings: list[Finding | None] = []
        reason_rule = self.rules_by_id.get(REASON_RULE)
        if reason_rule is not None:
            findings.extend(self._finding(reason_rule, resource, v)
                            for v in self.policy.annotation_reason_violations(resource))
        policy_rule = self.rules_by_id.get(POLICY_RULE)
        if policy_rule is not None:
            findings.extend(self._finding(policy_rule, resource, v)
                            for v in self.policy.refused_annotation_violations(resource))
        template: list[Finding] | None = [] if resource.kind == "Deployment" else None
        for rule, subjects in self.dispatcher.pairs(resource):
            try:
                for subject in subjects:
                    for violation in rule.check.check(subject, self.context):
                        raw = self._finding(rule, resource, violation)
                        if template is not None and subject.pointer:  # a pod-spec or container rule
                            template.append(raw)
                        findings.append(self._filter(raw, resource))
            except Exception:
                self._internal_error(f"rule {rule.id} on {resource.ref} in {resource.source.path}")
        if template is not None:
            self._record_template(resource, template)
        elif resource.kind == "Rollout" and self._scope != "context":
            self._record_reference(resource)
        return findings

    def _record_template(self, resource: Resource, findings: list[Finding]) -> None:
        """What a Rollout naming this Deployment will need of it (lintops.workload_refs)."""
        from .workload_refs import key, template_of

        record = (key(self._scope if self._scope != "context" else None, resource.namespace, resource.name),
                  template_of(resource, findings))
        self._templates[record[0]] = record[1]
        self._file_templates.append(record)

    def _record_reference(self, resource: Resource) -> None:
        from .workload_refs import is_rollout, reference_of

        if not is_rollout(resource):
            return
        reference = reference_of(resource, self._scope)
        if reference is not None:
            self._references.append(reference)
            self._file_references.append(reference)

    def _filter(self, finding: Finding, resource: Resource | None) -> Finding | None:
        """Per-path settings, then exemptions: annotation, comment, configuration (first that applies)."""
        adjusted = self.policy.adjust(finding)
        if adjusted is None:
            return None
        exemption = (
            (self.policy.annotation_exemption(resource, adjusted.rule_id, adjusted.pointer) if resource else None)
            or self.policy.comment_exemption(self._directives_for(adjusted.location.path), adjusted)
            or self.policy.config_exemption(adjusted)
        )
        return suppress(adjusted, exemption) if exemption else adjusted

    def _directives_for(self, path: str) -> list[Directive]:
        """The exemption comments of the file a finding lands in (read once; rendered findings land in
        values files and templates that were never parsed as manifests)."""
        directives = self._directives.get(path)
        if directives is None:
            directives = []
            if path != "-" and self.options.base_dir is not None:
                from .inputs.files import LintedRoot

                raw = LintedRoot(self.options.base_dir).read(self.options.base_dir / path,
                                                             self.options.limits.max_file_bytes)
                if isinstance(raw, bytes):
                    directives = parse_directives(raw.decode("utf-8", errors="replace"))
            self._directives[path] = directives
        return directives

    def _finding(self, rule: Rule, resource: Resource, violation: Violation) -> Finding:
        located = resource.locate(violation.pointer, violation.at_key)
        message = violation.message
        if "://" in message:  # a check that quotes an address as written must not print its credentials
            from .redact import mask_url_credentials

            message = mask_url_credentials(message)
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
                self.context.versions_for(resource) if self.context.several else ()),
        )

    def _parse_finding(self, path: str, rule_id: str, message: str, line: int, column: int) -> Finding | None:
        rule = self.rules_by_id.get(rule_id)
        if rule is None:
            return None
        return Finding(rule_id, rule.severity, message, Location(path, line, column),
                       remediation=rule.spec.remediation or None)

    def _report(self, report: FileReport, baselined: bool = False) -> FileReport:
        if self.baseline is not None and not baselined:
            report.findings = self.baseline.apply(report.findings)
        report.findings.sort(key=lambda f: f.sort_key)
        for finding in report.findings:
            self.summary.count(finding)
            if not finding.suppressed and finding.severity.at_least(self.options.fail_on):
                self._failing += 1
        return report

    def _internal_error(self, where: str) -> None:
        self.internal_errors.append(where)
        if self.options.debug:
            detail = traceback.format_exc()
        else:
            detail = traceback.format_exc(limit=-1).strip().splitlines()[-1]
        print(f"lintops: internal error in {where}: {detail}", file=sys.stderr)
