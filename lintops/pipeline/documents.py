"""The parse and resources stages of one file: read it, parse it, and check its documents one at a time.

A :class:`~lintops.parse.stream.DocumentStream` composes a file's documents one by one; each becomes
resources (:func:`lintops.inputs.manifests.add_document`), which the check stage looks at at once, so
that a document's node tree is freed as soon as its findings are positioned (unless a check holds its
object back for the end of the run). Parse problems (``yaml-syntax``, ``duplicate-key``, ``yaml-limit``)
and unidentifiable objects (``schema``) become findings of the rules with those ids. A file that cannot
be read is one finding of the rule its refusal names (``unsafe-path``, ``yaml-limit``, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..inputs.discover import InputFile
from ..inputs.manifests import FileManifests, LocatorFactory, add_document, file_locator
from ..model import Finding, Location, ObjectRef, Source
from ..parse.directives import parse_directives
from ..parse.documents import ParsedFile
from ..parse.stream import DocumentStream, stream_bytes
from ..run_context import FileReport
from ..stage_rules import EXEMPTION_REASON, POLICY_VIOLATION, YAML_SYNTAX
from .check import check_resource, register_crd
from .filter import filter_findings
from .finish import report
from .state import NO_DIRECTIVES, Pending, RunState, settled


@dataclass
class Collected:
    """What one parsed text gave: its findings before the filter stage, its objects, whether it is a manifest."""

    pending: list[Pending]
    refs: list[ObjectRef]
    is_manifest: bool


def lint_input(state: RunState, input_file: InputFile) -> FileReport:
    """Read, parse and check one plain file, and report it."""
    known = input_file.parsed_under(state.options.limits)  # an Application discovery parsed: not again
    if known is not None:
        return lint_parsed(state, known)
    try:
        raw = input_file.read_bytes(state.options.limits.max_file_bytes)
    except OSError as exc:
        state.summary.files += 1
        found = filter_findings(state, settled(unreadable(state, input_file.display, exc)))
        return report(state, FileReport(input_file.display, found))
    cache = state.options.result_cache
    if cache is not None:  # the pre-commit hook and the editor lint the same files again (lintops.result_cache)
        from ..result_cache.files import lint_cached

        return _reported(state, lint_cached(cache, state, input_file.display, input_file.is_json, raw, lambda: (
            _file_report(state, stream_bytes(raw, input_file.display, is_json=input_file.is_json,
                                             limits=state.options.limits)))))
    parsed = stream_bytes(raw, input_file.display, is_json=input_file.is_json, limits=state.options.limits)
    return lint_parsed(state, parsed)


def unreadable(state: RunState, display: str, exc: OSError) -> list[Finding]:
    """The finding that a file cannot be read: a refusal (lintops.inputs.files) says which rule (unsafe-path,
    yaml-limit, ...); any other error is ``yaml-syntax``. No exemption applies: the file was not read."""
    refusal = getattr(exc, "refusal", None)
    rule_id, message = (refusal.rule_id, refusal.message) if refusal else (
        YAML_SYNTAX, f"cannot read file: {exc.strerror}")
    finding = stage_finding(state, display, rule_id, message, 1, 1)
    return [finding] if finding is not None else []


def lint_parsed(state: RunState, parsed: ParsedFile | DocumentStream, source: Source | None = None,
                locators: LocatorFactory | None = None) -> FileReport:
    """Check one parsed file, filter its findings as one batch, count it in the summary and report it."""
    return _reported(state, _file_report(state, parsed, source, locators))


def _reported(state: RunState, file_report: FileReport) -> FileReport:
    """A file's report after exemptions, matched with the baseline as one batch, then counted."""
    if state.baseline is not None:
        file_report.findings = state.baseline.apply(file_report.findings)
    return report(state, file_report)


def _file_report(state: RunState, parsed: ParsedFile | DocumentStream, source: Source | None = None,
                 locators: LocatorFactory | None = None) -> FileReport:
    """One parsed file checked, its findings exempted (not yet matched with the baseline), counted in the summary."""
    collected = collect(state, parsed, source, locators)
    state.summary.files += 1
    if not collected.is_manifest:
        state.summary.skipped += 1
        state.summary.skipped_files.append(parsed.path)
    file_report = FileReport(parsed.path, filter_findings(state, collected.pending, baseline=False),
                             len(collected.refs), collected.is_manifest, collected.refs)
    file_report.templates, state.file_templates = state.file_templates, []
    file_report.references, state.file_references = state.file_references, []
    if state.file_facts:  # kept by the finish stage when the report is made (lintops.cross_refs)
        file_report.facts, state.file_facts = state.file_facts, []
    if file_report.templates or file_report.references:  # what a Rollout takes is filtered after the last file
        file_report.directives = state.directives.get(parsed.path, [])
    return file_report


def read_context(state: RunState, item: InputFile) -> None:
    """Let cross-object checks see a file's resources without reporting on it."""
    state.context_paths.add(item.display)
    try:
        raw = item.read_bytes(state.options.limits.max_file_bytes)
    except OSError:  # also a refused file (lintops.inputs.files): context is never reported on
        return
    parsed = stream_bytes(raw, item.display, is_json=item.is_json, limits=state.options.limits)
    objects = state.summary.objects
    state.scope = "context"
    try:
        collect(state, parsed, None, None)
    finally:
        state.scope = None
        state.file_templates, state.file_references = [], []
    state.summary.objects = objects


def collect(state: RunState, parsed: ParsedFile | DocumentStream, source: Source | None,
            locators: LocatorFactory | None) -> Collected:
    """Make resources and check them one document at a time; the parse problems, known once the file is
    read, come last. ``locators`` (rendered text) say where a rendered node is written."""
    path = parsed.path
    pending = _directive_findings(state, parsed, locators)
    source = source or Source(path)
    factory = locators or file_locator(source.path)
    manifests = FileManifests()  # one document's resources at a time; problems for the whole file
    refs: list[ObjectRef] = []
    any_values = False
    for document in parsed.documents:
        add_document(manifests, document, path, source, factory)
        resources, values = manifests.resources, manifests.values
        if not resources and not values:
            continue
        for resource in resources:
            if resource.kind == "CustomResourceDefinition" and resource.api_version.startswith(
                    "apiextensions.k8s.io/"):
                pending.extend(register_crd(state, resource))
        for resource in (*resources, *values):
            pending.extend(check_resource(state, resource))
        if state.observer is not None and state.scope != "context":
            for resource in (*resources, *values):
                state.observer(resource)
        refs += [resource.ref for resource in resources]
        any_values = any_values or bool(values)
        manifests.resources, manifests.values = [], []
        if locators is None:  # an object a check holds back keeps its data, not the document's nodes
            document.release()
    problems = (*parsed.problems, *manifests.problems)  # known once the file is read
    pending.extend(_problem_findings(state, path, problems, rendered=locators is not None))
    state.summary.objects += len(refs)
    is_manifest = bool(refs) or bool(manifests.problems) or bool(parsed.problems) or any_values
    return Collected(pending, refs, is_manifest)


def _directive_findings(state: RunState, parsed: ParsedFile | DocumentStream,
                        locators: LocatorFactory | None) -> list[Pending]:
    """Read the file's exemption comments (for the filter stage) and report those without a reason or
    refused by the policy. Rendered text has no comments: exemptions are read from the files its findings
    land in (lintops.pipeline.rendered.record_directives)."""
    if locators is not None:
        return []
    text = parsed.text
    directives = parse_directives(text) or NO_DIRECTIVES
    if directives or not _without_directives(text):
        state.directives[parsed.path] = directives
    else:  # the run keeps no entry per file without comments: a missing path has none (filter_findings)
        state.directives.pop(parsed.path, None)
    found: list[Finding] = []
    reason_rule = state.rules_by_id.get(EXEMPTION_REASON)
    if reason_rule is not None:
        found.extend(state.policy.comment_reason_findings(directives, parsed.path, reason_rule.severity))
    policy_rule = state.rules_by_id.get(POLICY_VIOLATION)
    if policy_rule is not None and directives:
        found.extend(state.policy.refused_comment_findings(directives, parsed.path, policy_rule.severity))
    return [Pending(finding, exempt=False) for finding in found]


def _without_directives(text: str) -> bool:
    """Whether reading the file again as :func:`lintops.pipeline.rendered.record_directives` does (its bytes as
    UTF-8, errors replaced) surely finds no exemption comment either, so that the run need not remember that
    this file has none: an ASCII text without ``lintops:`` (its bytes are that text, or UTF-16 of it, where no
    two ASCII characters are adjacent). An empty text (also what a file that does not decode leaves) or one
    with other characters keeps its entry."""
    return bool(text) and text.isascii() and "lintops:" not in text


def _problem_findings(state: RunState, path: str, problems: tuple, *, rendered: bool) -> list[Pending]:
    """The parse problems as findings. A rendered text's lines are not the template's: the message says
    where in the output, and the finding points at the file."""
    found = []
    for problem in problems:
        position = problem.position
        if rendered:
            finding = stage_finding(state, path, problem.rule_id, f"{problem.message} (at {position.line}:"
                                    f"{position.column} of the rendered output; `lintops render` shows it)", 1, 1)
        else:
            finding = stage_finding(state, path, problem.rule_id, problem.message, position.line, position.column)
        if finding is not None:
            found.append(Pending(finding))
    return found


def stage_finding(state: RunState, path: str, rule_id: str, message: str, line: int, column: int) -> Finding | None:
    """A finding of a rule a stage reports by itself (lintops.stage_rules); None when the rule is off."""
    rule = state.rules_by_id.get(rule_id)
    if rule is None:
        return None
    return Finding(rule_id, rule.severity, message, Location(path, line, column),
                   remediation=rule.spec.remediation or None)
