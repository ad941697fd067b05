"""``json``: the machine-readable contract (documented in the README; fields are only ever added).

``{"version", "kubernetes_version", "findings": [{"rule", "severity", "message", "path", "line",
"column", "pointer", "object": {"apiVersion", "kind", "namespace", "name"}, "objects": [{"apiVersion",
"kind", "namespace", "name", "environment", "fingerprint"}], "suppressed", "related": [{"path", "line",
"column"}], "environment": [...], "linted_alone": [...], "fingerprint"}], "summary": {"files",
"objects", "rendered", "linted_alone", "not_linted", "findings", "errors", "warnings", "info",
"suppressed", "skipped"}}``

``objects`` lists every object the finding stands for, each with its environment and fingerprint
(one values key feeding seven Services is one finding, printed once, with seven objects); ``object``
is the first of them, as before. The summary counts such a finding once per object.
``linted_alone`` names the Kustomize roots that did not render, for a finding of a file they
reference that was linted on its own instead.

``fingerprint`` is :mod:`lintops.fingerprint`'s: stable across runs and line shifts, shared with the
``codequality`` and ``sarif`` reports and with baselines.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..fingerprint import finding_fingerprints
from .base import Reporter

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileReport
    from ..model import Finding, ObjectRef, RunSummary


def _object(obj: ObjectRef) -> dict[str, Any]:
    return {"apiVersion": obj.api_version, "kind": obj.kind, "namespace": obj.namespace, "name": obj.name}


def finding_to_dict(finding: Finding, fingerprint: str | None = None,
                    object_fingerprints: tuple[str, ...] | None = None) -> dict[str, Any]:
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
    data["fingerprint"] = object_fingerprints[0] if fingerprint is None else fingerprint
    return data


class JsonReporter(Reporter):
    name = "json"
    description = "One JSON document with every finding and the summary (a stable contract)."

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.collected: list[Finding] = []

    def file_done(self, report: FileReport) -> None:
        self.collected.extend(report.findings)

    @property
    def findings(self) -> list[dict[str, Any]]:
        """The findings as the report lists them (fingerprints are only final once the run is over)."""
        values = finding_fingerprints(self.collected)
        return [finding_to_dict(f, fp[0], fp) for f, fp in zip(self.collected, values, strict=True)]

    def finish(self, summary: RunSummary) -> None:
        document = {
            "version": self.run.version,
            "kubernetes_version": self.run.kubernetes_version,
            "strict": self.run.strict,
            "findings": self.findings,
            "summary": {
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
            },
        }
        json.dump(document, self.stream, indent=2)
        self.stream.write("\n")
