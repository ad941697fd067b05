"""``json``: the machine-readable contract (documented in the README; fields are only ever added).

``{"version", "kubernetes_version", "findings": [{"rule", "severity", "message", "path", "line",
"column", "pointer", "object": {"apiVersion", "kind", "namespace", "name"}, "objects": [{"apiVersion",
"kind", "namespace", "name", "environment", "fingerprint"}], "suppressed", "related": [{"path", "line",
"column"}], "environment": [...], "linted_alone": [...], "fingerprint", "end_line", "end_column", "introduced"}],
"summary": {"files", "objects", "rendered", "linted_alone", "not_linted", "findings", "errors",
"warnings", "info", "suppressed", "skipped"}}``

``objects`` lists every object the finding stands for, each with its environment and fingerprint
(one values key feeding seven Services is one finding, printed once, with seven objects); ``object``
is the first of them, as before. The summary counts such a finding once per object.
``linted_alone`` names the Kustomize roots that did not render, for a finding of a file they
reference that was linted on its own instead.

``kubernetes_version`` is the run's first target (the first ``-k``, else the configuration's);
``kubernetes_versions``, at the top level and on each finding, lists every target of the run, and those
the finding applies to (oldest first; every target of the run for a finding that depends on none, such
as a syntax error).

``end_line`` and ``end_column`` say where the text of the node a finding is about ends (1-based like
``line`` and ``column``, the column just past its last character, as SARIF's ``endColumn``); both are
``null`` when the finding is about no node (a syntax error, an unreadable file) or its place is derived
by a renderer (a values key, a template line).

``introduced`` is, with ``--new-since REF``, whether the merge request introduces the finding (``false``:
the base had it, and it does not fail the run); ``null`` without ``--new-since``.

``fingerprint`` is :mod:`lintops.fingerprint`'s: stable across runs and line shifts, shared with the
``codequality`` and ``sarif`` reports and with baselines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..fingerprint import finding_fingerprints
from . import json_text
from .base import Reporter

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Finding, ObjectRef, RunSummary
    from ..run_context import FileReport


def _object(obj: ObjectRef) -> dict[str, Any]:
    return {"apiVersion": obj.api_version, "kind": obj.kind, "namespace": obj.namespace, "name": obj.name}


def finding_to_dict(finding: Finding, fingerprint: str | None = None,
                    object_fingerprints: tuple[str, ...] | None = None, versions: Sequence[str] = ()) -> dict[str, Any]:
    """One finding as the contract lists it; ``versions``: the run's targets, which a finding that names
    none applies to."""
    obj = finding.object
    if object_fingerprints is None:
        object_fingerprints = finding_fingerprints([finding])[0]
    data: dict[str, Any] = {
        "rule": finding.rule_id,
        "severity": finding.severity.value,
        "message": finding.message,
        "path": finding.location.path,
        "line": finding.location.line,
        "column": finding.location.column,
        "pointer": finding.pointer,
        "object": None if obj is None else _object(obj),
        "objects": [{**_object(share.object), "environment": share.environment, "fingerprint": value}
                    for share, value in zip(finding.shares, object_fingerprints, strict=False)],
        "suppressed": finding.suppressed,
    }
    if finding.suppressed and finding.suppression_reason:
        data["suppression_reason"] = finding.suppression_reason
    if finding.remediation:
        data["remediation"] = finding.remediation
    data["related"] = [{"path": r.path, "line": r.line, "column": r.column} for r in finding.related]
    data["environment"] = list(finding.environment)
    data["linted_alone"] = list(finding.linted_alone)
    data["kubernetes_versions"] = list(finding.kubernetes_versions or versions)
    data["fingerprint"] = object_fingerprints[0] if fingerprint is None else fingerprint
    data["end_line"] = finding.end_line
    data["end_column"] = finding.end_column
    data["introduced"] = finding.introduced
    return data


def summary_to_dict(summary: RunSummary) -> dict[str, int]:
    """A run's counts as the ``summary`` of the report (also each side's in ``lintops diff``'s JSON)."""
    return {
        "files": summary.files,
        "objects": summary.objects,
        "rendered": summary.rendered,
        "linted_alone": summary.linted_alone,
        "not_linted": summary.not_linted,
        "findings": summary.findings,
        "errors": summary.errors,
        "warnings": summary.warnings,
        "info": summary.infos,
        "suppressed": summary.suppressed,
        "skipped": summary.skipped,
    }


class JsonReporter(Reporter):
    """Writes the report as the run goes: the head, then each file's findings, then the summary.

    The document is byte for byte what ``json.dump(document, stream, indent=2)`` writes of the whole
    report, but only one file's findings are held at a time. Fingerprints are decided per path
    (:mod:`lintops.fingerprint` tells apart only findings of one path that share an identity), so a
    report whose path gets no further findings later is written at once (``FileReport.final``); from
    the first report that may (the run's policy violations, a file whose objects a check holds back, a
    render, what checks held back), the findings are kept and written with the summary, their
    fingerprints decided over all of them, as when the whole report was written at the end.
    """

    name = "json"
    description = "One JSON document with every finding and the summary (a stable contract)."

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The findings not written yet (every one from the first report that is not final on).
        self.collected: list[Finding] = []
        self._started = False
        self._written = 0

    def file_done(self, report: FileReport) -> None:
        if self.collected or not report.final:
            self.collected.extend(report.findings)
        elif report.findings:
            self._write(report.findings)

    @property
    def findings(self) -> list[dict[str, Any]]:
        """The findings not written yet, as the report lists them (their fingerprints are final once the
        run is over)."""
        return self._dicts(self.collected)

    def _dicts(self, findings: list[Finding]) -> list[dict[str, Any]]:
        values = finding_fingerprints(findings)
        versions = self.run.versions
        return [finding_to_dict(f, fp[0], fp, versions) for f, fp in zip(findings, values, strict=True)]

    def _write(self, findings: list[Finding]) -> None:
        if not self._started:
            self._head()
        write = self.stream.write
        for data in self._dicts(findings):
            write(",\n    " if self._written else "\n    ")
            # a finding is typed (strings, integers, booleans, null): no float to look for; a JSON string holds
            # no newline, so indenting the lines indents the values
            write(json_text.dumps(data, floats=False).replace("\n", "\n    "))
            self._written += 1

    def _head(self) -> None:
        head = json_text.dumps({
            "version": self.run.version,
            "kubernetes_version": self.run.kubernetes_version,
            "kubernetes_versions": list(self.run.versions),
            "strict": self.run.strict,
        }, floats=False)
        self.stream.write(head[:-2] + ',\n  "findings": [')  # without the closing "\n}"
        self._started = True

    def finish(self, summary: RunSummary) -> None:
        if self.collected:
            self._write(self.collected)
            self.collected = []
        elif not self._started:
            self._head()
        summary_text = json_text.dumps(summary_to_dict(summary), floats=False).replace("\n", "\n  ")
        self.stream.write(("\n  ]" if self._written else "]") + ',\n  "summary": ' + summary_text + "\n}\n")
