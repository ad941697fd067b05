"""The linting and accounting of rendered inputs: charts and Kustomize roots, reported together.

A finding that several objects share (same rule, place, node and message: one values key feeding
seven Services, one base line in three overlays) is reported once, naming every object and
environment (:func:`lintops.pipeline.merge.merge_findings`), so a values.yaml or base mistake is one
finding where it is fixed, counted once per object. That is why rendered inputs are reported
together, after the plain files, as one batch for the baseline (each object's share is recorded on
its own). Every root is accounted for: one that renders no object is a ``render-empty`` finding, and
the local files of a Kustomize root that does not render are linted on their own (:func:`lint_alone`).

A rendered finding lands in a file the parse stage never parsed (a values file, a template, a patch), so
the exemption comments of that file are recorded here, when the render says where the finding is
(:func:`record_directives`): the filter stage only looks them up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..inputs.discover import ChartInput, InputFile, KustomizeInput
from ..inputs.files import LintedRoot
from ..inputs.manifests import LocatorFactory
from ..model import Finding, Located, Location, Locator, ObjectRef
from ..parse.directives import parse_directives
from ..parse.documents import ParsedDocument
from ..parse.stream import split_of, stream_bytes, stream_text
from ..run_context import FileReport
from ..stage_rules import RENDER_EMPTY, RENDER_FAILED
from .documents import collect, unreadable
from .filter import filter_findings
from .finish import report, resolve_references
from .merge import merge_findings
from .state import Pending, RunState, settled


def lint_rendered(state: RunState, items: list[ChartInput | KustomizeInput]) -> Iterator[FileReport]:
    """Render charts and overlays, lint every rendered text, report each finding once per place."""
    from ..inputs.render import render_input

    findings: list[Finding] = []
    resources: dict[str, list[ObjectRef]] = defaultdict(list)
    alone: dict[Path, tuple[Any, list[str]]] = {}
    for index, item in enumerate(items):
        result = render_input(item, state.options, state.context.crds)
        pending = render_problems(state, result.problems)
        objects: dict[str | None, int] = defaultdict(int)
        for rendered in result.sources:
            parsed = stream_text(rendered.text, rendered.source.path, limits=state.options.limits,
                                 split=split_of(rendered.source.origin))
            state.scope = (index, rendered.source.environment)
            try:
                collected = collect(state, parsed, rendered.source, recording(state, rendered.locators))
            finally:
                state.scope = None
            pending.extend(collected.pending)
            resources[rendered.source.path].extend(collected.refs)
            state.summary.rendered += len(collected.refs)
            # a text that does not parse is reported (yaml-syntax), not an empty render
            objects[rendered.source.environment] += len(collected.refs) or int(collected.is_manifest)
        pending.extend(account_roots(state, result, objects))
        findings.extend(filter_findings(state, pending, baseline=False))  # the baseline meets the whole batch
        for file in result.standalone:
            alone.setdefault(file.path, (file, []))[1].append(file.root)
    for file, roots in sorted(alone.values(), key=lambda entry: entry[0].display):
        found, refs = lint_alone(state, file, tuple(dict.fromkeys(roots)))
        findings.extend(found)
        resources[file.display].extend(refs)
    rendered_references = [r for r in state.references if r.scope not in (None, "context")]
    if rendered_references:  # every Deployment of the plain files and of the renders is known now
        state.references = [r for r in state.references if r.scope in (None, "context")]
        findings.extend(filter_findings(state, resolve_references(state, rendered_references), baseline=False))
    state.file_templates, state.file_references = [], []
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for finding in merge_findings(filter_findings(state, settled(findings))):
        by_path[finding.location.path].append(finding)
    paths = sorted(set(by_path) | set(resources))
    state.summary.files += len(paths)
    for path in paths:
        refs = list(dict.fromkeys(resources.get(path, ())))
        yield report(state, FileReport(path, by_path.get(path, []), len(refs), True, refs, final=False))


def render_problems(state: RunState, problems: Iterable[Any]) -> list[Pending]:
    """``render-failed`` findings (or the rule a problem names: ``kustomize-unused``), one per problem a
    renderer reported."""
    found = []
    for problem in problems:
        rule = state.rules_by_id.get(getattr(problem, "rule_id", RENDER_FAILED))
        if rule is None:
            continue
        record_directives(state, problem.path)
        found.append(Pending(Finding(
            rule.id, rule.severity, problem.message, Location(problem.path, problem.line, problem.column),
            remediation=rule.spec.remediation or None,
            environment=(problem.environment,) if problem.environment else ())))
    return found


def account_roots(state: RunState, result: Any, objects: Mapping[str | None, int]) -> list[Pending]:
    """Count each root a renderer rendered; one that rendered no object without failing is ``render-empty``.

    A root that failed counts as one input not linted, unless its renderer fell back on linting its
    files alone: then each of its inputs that could not be linted counts (a remote base, a patch). A
    root that rendered some objects counts each input its renderer says it could not render (a chart's
    dependency that is not vendored, rendered without it): what was rendered does not hide what was not.
    """
    rule = state.rules_by_id.get(RENDER_EMPTY)
    summary = state.summary
    found = []
    for root in result.roots:
        summary.renders += 1
        own = [item for item in result.not_linted if item.root == root.name]
        if objects.get(root.environment):
            summary.not_linted += len(own)
            continue
        if any(p.environment is None or p.environment == root.environment for p in result.problems):
            fell_back = bool(own) or any(file.root == root.name for file in result.standalone)
            summary.not_linted += len(own) if fell_back else 1
        elif rule is not None:
            record_directives(state, root.path)
            found.append(Pending(Finding(
                rule.id, rule.severity, f"{root.name} renders no object: nothing of it is checked",
                Location(root.path, root.line, root.column), remediation=rule.spec.remediation or None,
                environment=(root.environment,) if root.environment else ())))
    return found


def recording(state: RunState, locators: LocatorFactory | None) -> LocatorFactory | None:
    """``locators`` that record the exemption comments of each file they place a node in
    (:func:`record_directives`), also for a finding a check holds back until the end of the run.
    None stays None: the text's own positions, whose comments the parse stage records."""
    if locators is None:
        return None

    def factory(document: ParsedDocument) -> Locator:
        locate = locators(document)

        def recorded(pointer: str, at_key: bool) -> Located:
            located = locate(pointer, at_key)
            record_directives(state, located.location.path)
            return located

        return recorded

    return factory


def record_directives(state: RunState, path: str) -> None:
    """Record the exemption comments of ``path`` (relative to the run's base directory), a file a rendered
    finding lands in, once per run: read inside the tree, at the run's size cap, never outside it; a file
    that cannot be read there has none."""
    if path in state.directives:  # parsed as a manifest, or recorded before
        return
    directives = []
    base_dir = state.options.base_dir
    if path != "-" and base_dir is not None:
        raw = LintedRoot(base_dir).read(base_dir / path, state.options.limits.max_file_bytes)
        if isinstance(raw, bytes):
            directives = parse_directives(raw.decode("utf-8", errors="replace"))
    state.directives[path] = directives


def lint_alone(state: RunState, file: Any, roots: tuple[str, ...]) -> tuple[list[Finding], list[ObjectRef]]:
    """Lint a file of roots that did not render on its own, as a plain file; its findings say so."""
    item = InputFile(file.display, file.path, root=file.within)
    try:
        raw = item.read_bytes(state.options.limits.max_file_bytes)
    except OSError as exc:  # refused or unreadable: the same findings as for a plain file
        return [replace(finding, linted_alone=roots) for finding in unreadable(state, file.display, exc)], []
    parsed = stream_bytes(raw, file.display, is_json=item.is_json, limits=state.options.limits)
    collected = collect(state, parsed, None, None)
    state.summary.linted_alone += len(collected.refs)
    found = filter_findings(state, collected.pending, baseline=False)
    return [replace(finding, linted_alone=roots) for finding in found], collected.refs
