"""``sarif``: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run. ``tool.driver`` names lintops and its version (no ``informationUri``: lintops has no public page
to promise; each rule links its own, below), and lists every rule that
ran (``id``, ``shortDescription`` = summary, ``fullDescription`` = rationale, ``help`` = remediation
and documentation, ``defaultConfiguration.level``). ``help.markdown`` is always there: the rule's
summary, why, exact semantics and fix, then its link, or how to configure links when the run has none.
``helpUri`` is the rule's page (:mod:`lintops.rule_links`: ``<rule_docs_url>/<rule-id>.md``, or a
plugin rule's ``help_url``), left out when the run has no URL for it. ``properties`` carry ``tags``
(the rule file's), ``precision`` (the rule file's, default ``high``) and, for a rule tagged
``security``, ``security-severity``: the score GitHub code scanning files a rule as a security alert by,
a string, from the rule's severity in the run: error ``8.0`` (high), warning ``5.0`` (medium), info
``2.0`` (low). The text of a repository's own rule (``.lintops/rules/``) is put in ``help.markdown``
as code, so that it can neither link nor format. Each result has ``ruleId`` and ``ruleIndex``,
``level`` (error -> ``error``, warning -> ``warning``, info -> ``note``), the message, one physical
location (repository-relative ``uri`` with ``uriBaseId`` ``%SRCROOT%``; ``region`` with ``startLine``
and ``startColumn``, counted in Unicode code points as ``columnKind`` says), ``relatedLocations`` (e.g.
the rendered template behind a values key) and ``partialFingerprints`` holding
:mod:`lintops.fingerprint`'s fingerprint. The object, pointer and environments are in ``properties``.
A finding that stands for several objects (one values key feeding seven Services) is one result, at
the place to fix, with ``occurrenceCount`` (how many objects) and every object, with its environment
and fingerprint, in ``properties.objects``; ``properties.lintedAlone`` names the Kustomize roots that
did not render, for a finding of a file linted on its own instead. The run's ``properties.summary``
carries the summary's counts (files, objects, rendered, linted alone, inputs not linted, findings).

Suppressed findings are listed with a ``suppressions`` entry (``inSource`` for an annotation or a
comment, ``external`` for the configuration) and the reason as its justification, as SARIF intends.
Written once, at the end of the run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..fingerprint import finding_fingerprints, normalize_path
from ..model import Severity
from . import json_text
from .base import Reporter

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Finding, Location, RunSummary
    from ..rules import RuleSpec
    from ..run_context import FileReport

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "lintopsFingerprint/v1"
SRCROOT = "%SRCROOT%"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _text(text: str) -> dict[str, str]:
    return {"text": text}


#: ``properties.security-severity`` of a rule tagged ``security``, by its severity (GitHub: 7.0-8.9 high,
#: 4.0-6.9 medium, 0.1-3.9 low).
SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.INFO: "2.0"}
SECURITY_TAG = "security"
_SECTIONS = (("Why", "rationale"), ("Exactly", "documentation"), ("Fix", "remediation"))


def _fenced(text: str) -> str:
    """``text`` as a fenced block longer than any backtick run in it (Markdown cannot escape a fence)."""
    import re

    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def help_markdown(spec: RuleSpec) -> str:
    """The rule's documentation as SARIF's ``help.markdown``: what a reviewer reads beside the alert."""
    trusted = spec.origin != "repository"
    summary = spec.summary.strip() or spec.id
    parts = [f"**{summary}**" if trusted else _fenced(summary)]
    for title, attribute in _SECTIONS:
        text = getattr(spec, attribute).strip()
        if text:
            parts.append(f"#### {title}\n\n{text if trusted else _fenced(text)}")
    if spec.docs_url:
        parts.append(f"[Rule reference: {spec.id if trusted else 'this rule'}](<{spec.docs_url}>)")
    elif spec.origin == "built-in":
        parts.append("This run has no link to the rule reference: set `rule_docs_url` in the policy or "
                     "`.lintops.yaml`, or `LINTOPS_RULE_DOCS_URL`, to where `docs/rules` is published. "
                     f"`lintops explain {spec.id}` prints this rule's documentation.")
    return "\n\n".join(parts)


def rule_descriptor(spec: RuleSpec) -> dict[str, Any]:
    summary = spec.summary.strip() or spec.id
    help_parts = [part.strip() for part in (spec.remediation, spec.documentation) if part and part.strip()]
    if spec.docs_url:
        help_parts.append(f"Documentation: {spec.docs_url}")
    descriptor: dict[str, Any] = {
        "id": spec.id,
        "shortDescription": _text(summary),
        "fullDescription": _text(spec.rationale.strip() or summary),
        "help": {"text": "\n\n".join(help_parts) or summary, "markdown": help_markdown(spec)},
        "defaultConfiguration": {"level": LEVELS[spec.severity]},
    }
    if spec.docs_url:
        descriptor["helpUri"] = spec.docs_url
    properties: dict[str, Any] = {"precision": spec.precision}
    if spec.tags:
        properties["tags"] = list(spec.tags)
    if SECURITY_TAG in spec.tags:
        properties["security-severity"] = SECURITY_SEVERITY[spec.severity]
    if spec.origin:
        properties["origin"] = spec.origin
    descriptor["properties"] = properties
    return descriptor


def _fallback_descriptor(finding: Finding) -> dict[str, Any]:
    """A rule that fired but was not in RunInfo.rules (a caller that did not pass them)."""
    return {
        "id": finding.rule_id,
        "shortDescription": _text(finding.rule_id),
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
    }


def physical_location(location: Location, end: tuple[int | None, int | None] = (None, None)) -> dict[str, Any]:
    """A SARIF physical location; ``end`` (line, column past the node) adds ``endLine`` and ``endColumn``."""
    region = {"startLine": max(1, location.line), "startColumn": max(1, location.column)}
    end_line, end_column = end
    if end_line is not None and end_column is not None:
        region["endLine"] = end_line
        region["endColumn"] = end_column
    return {
        "artifactLocation": {"uri": normalize_path(location.path), "uriBaseId": SRCROOT},
        "region": region,
    }


def _suppression(reason: str | None) -> dict[str, Any]:
    source, _, justification = (reason or "").partition(": ")
    kind = "external" if source == "config" else "inSource"
    entry: dict[str, Any] = {"kind": kind, "status": "accepted"}
    if justification or reason:
        entry["justification"] = justification or reason
    return entry


def summary_properties(summary: RunSummary) -> dict[str, int]:
    """The summary's counts, as the run's properties (findings counted once per object they stand for)."""
    return {"files": summary.files, "objects": summary.objects, "rendered": summary.rendered,
            "lintedAlone": summary.linted_alone, "notLinted": summary.not_linted, "findings": summary.findings,
            "errors": summary.errors, "warnings": summary.warnings, "info": summary.infos,
            "suppressed": summary.suppressed, "skipped": summary.skipped}


class SarifReporter(Reporter):
    name = "sarif"
    description = "SARIF 2.1.0 (GitHub code scanning and other static-analysis viewers)."

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.collected: list[Finding] = []

    def file_done(self, report: FileReport) -> None:
        self.collected.extend(report.findings)

    def document(self) -> dict[str, Any]:
        rules = [rule_descriptor(spec) for spec in sorted(self.run.rules, key=lambda s: s.id)]
        index = {rule["id"]: i for i, rule in enumerate(rules)}
        results = []
        for finding, values in zip(self.collected, finding_fingerprints(self.collected), strict=True):
            if finding.rule_id not in index:
                index[finding.rule_id] = len(rules)
                rules.append(_fallback_descriptor(finding))
            results.append(self._result(finding, values, index[finding.rule_id]))
        driver = {
            "name": "lintops",
            "version": self.run.version,
            "rules": rules,
        }
        run = {
            "tool": {"driver": driver},
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {SRCROOT: {"description": _text("The root of the repository.")}},
            "results": results,
            "properties": {"kubernetesVersion": self.run.kubernetes_version, "strict": self.run.strict},
        }
        if self.summary is not None:
            run["properties"]["summary"] = summary_properties(self.summary)
        return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}

    summary: RunSummary | None = None

    def _result(self, finding: Finding, fingerprints: tuple[str, ...], rule_index: int) -> dict[str, Any]:
        fingerprint = fingerprints[0]
        message = finding.message
        if finding.remediation:
            message += f"\n\n{finding.remediation}"
        result: dict[str, Any] = {
            "ruleId": finding.rule_id,
            "ruleIndex": rule_index,
            "level": LEVELS[finding.severity],
            "message": _text(message),
            "locations": [{"physicalLocation": physical_location(finding.location,
                                                                 (finding.end_line, finding.end_column))}],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        }
        if finding.related:
            result["relatedLocations"] = [
                {"id": i, "physicalLocation": physical_location(related), "message": _text("related place")}
                for i, related in enumerate(finding.related, start=1)
            ]
        if finding.suppressed:
            result["suppressions"] = [_suppression(finding.suppression_reason)]
        properties: dict[str, Any] = {}
        obj = finding.object
        if obj is not None:
            properties["object"] = {"apiVersion": obj.api_version, "kind": obj.kind,
                                    "namespace": obj.namespace, "name": obj.name}
        if finding.pointer:
            properties["pointer"] = finding.pointer
        if finding.environment:
            properties["environment"] = list(finding.environment)
        if finding.objects:
            result["occurrenceCount"] = len(finding.objects)
            properties["objects"] = [
                {"apiVersion": share.object.api_version, "kind": share.object.kind,
                 "namespace": share.object.namespace, "name": share.object.name, "environment": share.environment,
                 "fingerprint": value}
                for share, value in zip(finding.objects, fingerprints, strict=True)]
        if finding.linted_alone:
            properties["lintedAlone"] = list(finding.linted_alone)
        if properties:
            result["properties"] = properties
        return result

    def finish(self, summary: RunSummary) -> None:
        self.summary = summary
        json_text.dump(self.document(), self.stream)
        self.stream.write("\n")
