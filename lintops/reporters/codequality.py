"""``codequality``: a GitLab Code Quality report (a JSON array), for ``artifacts:reports:codequality``.

Each finding is ``{"description", "check_name", "fingerprint", "severity", "location": {"path",
"lines": {"begin"}}}``, the fields GitLab reads (a report whose issues lack ``location.lines.begin``
does not load). ``check_name`` is the rule id; ``fingerprint`` is :mod:`lintops.fingerprint`'s, stable
across runs and line shifts, which is what lets the merge request widget tell new problems from fixed
ones. Severities: error -> ``major``, warning -> ``minor``, info -> ``info`` (``critical`` and
``blocker`` are left for nothing lintops reports).

Each issue also has ``content.body`` (Markdown), the Code Climate issue field GitLab's format inherits for
"deeper explanations and links": the rule's remediation and, when the run has one, a link to the rule's
page (:mod:`lintops.rule_links`). GitLab's format has no URL field (GitLab reads ``description``,
``check_name``, ``fingerprint``, ``severity`` and ``location``, and ignores other keys), so the link is
there for tools that read the whole report.

Suppressed findings are left out. One problem reported in several environments (a values key wrong for
staging and production) is one issue whose description names the environments: GitLab keeps only the
first issue of a fingerprint anyway. A finding that stands for several objects (one values key feeding
seven Services) is one issue per object, each with that object's fingerprint (the one a baseline
records): the merge request widget counts each object that is wrong, and shows one resolved when that
object is fixed or exempted. A Code Quality report is a bare array of issues: it has no place for the
run's summary (objects rendered, linted alone, not linted), which the other reports carry. Written
once, at the end of the run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..fingerprint import finding_fingerprints, normalize_path
from ..model import Severity
from . import json_text
from .base import Reporter

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Finding, RunSummary
    from ..run_context import FileReport

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def describe(finding: Finding, environments: list[str]) -> str:
    text = finding.message
    if finding.object is not None:
        text += f" ({finding.object})"
    if environments:
        text += f" [env: {', '.join(environments)}]"
    if finding.linted_alone:
        text += f" [linted alone: {', '.join(finding.linted_alone)} did not render]"
    return text


def content_body(finding: Finding, docs_url: str | None) -> str:
    """``content.body``: the remediation, then the link to the rule's page (empty: neither)."""
    parts = [finding.remediation.strip()] if finding.remediation and finding.remediation.strip() else []
    if docs_url:
        parts.append(f"[{finding.rule_id}](<{docs_url}>)")
    return "\n\n".join(parts)


class CodeQualityReporter(Reporter):
    name = "codequality"
    description = "GitLab Code Quality report (JSON array) for the merge request widget."

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.collected: list[Finding] = []
        self.links = {spec.id: spec.docs_url for spec in self.run.rules if spec.docs_url}

    def file_done(self, report: FileReport) -> None:
        self.collected.extend(f for f in report.findings if not f.suppressed)

    def issues(self) -> list[dict[str, Any]]:
        issues: list[dict[str, Any]] = []
        seen: dict[str, tuple[Finding, list[str]]] = {}
        shares = [(share, value) for finding, values in zip(self.collected, finding_fingerprints(self.collected),
                                                             strict=True)
                  for share, value in zip(finding.per_object(), values, strict=True)]
        for finding, fingerprint in shares:
            if fingerprint in seen:  # the same problem in another environment
                environments = seen[fingerprint][1]
                environments.extend(e for e in finding.environment if e not in environments)
                continue
            seen[fingerprint] = (finding, list(finding.environment))
            issues.append({
                "description": "",
                "check_name": finding.rule_id,
                "fingerprint": fingerprint,
                "severity": SEVERITIES[finding.severity],
                "location": {"path": normalize_path(finding.location.path),
                             "lines": {"begin": max(1, finding.location.line)}},
            })
        for issue in issues:
            finding, environments = seen[issue["fingerprint"]]
            issue["description"] = describe(finding, environments)
            body = content_body(finding, self.links.get(finding.rule_id))
            if body:
                issue["content"] = {"body": body}
        return issues

    def finish(self, summary: RunSummary) -> None:
        json_text.dump(self.issues(), self.stream)
        self.stream.write("\n")
