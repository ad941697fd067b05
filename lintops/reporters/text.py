"""``text``: the default terminal format, one line per finding, grouped by file, and a summary line.

Each line starts with ``path:line:col`` so terminals and editors make it clickable; files are
separated by a blank line. Colour as ``--color`` says (by default on a terminal, and not with ``NO_COLOR``).
Just above the summary line, when the findings come from more than one rule, the counts per rule, largest
first (:func:`rule_counts_lines`): in a list of a thousand findings the reader sees where the mass is.
Control characters in paths, messages and names are escaped (:mod:`lintops.escape`): they come from
the linted tree and must not move the cursor or start a line.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ..escape import escape_controls
from ..model import Finding, Severity
from .base import Reporter, context_text, objects_text

if TYPE_CHECKING:  # pragma: no cover
    from ..model import RunSummary
    from ..run_context import FileReport

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_DIM, _BOLD, _RESET = "\033[2m", "\033[1m", "\033[0m"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class TextReporter(Reporter):
    name = "text"
    description = "Human-readable findings grouped by file, with a summary line (the default)."

    _wrote_any = False
    _by_rule: Counter[str] | None = None
    _suppressed_by_rule: Counter[str] | None = None

    def _paint(self, code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if self.run.color else text

    def format_finding(self, finding: Finding) -> str:
        severity = finding.severity.value
        label = "suppressed" if finding.suppressed else severity
        where = self._paint(_BOLD, escape_controls(str(finding.location)))
        line = (f"{where}: {self._paint(_COLORS[finding.severity], label)} [{escape_controls(finding.rule_id)}] "
                f"{escape_controls(finding.message)}")
        context = objects_text(finding) + context_text(finding) + self.run.version_tag(finding)
        if finding.introduced is False:  # --new-since: the base has it too; it does not fail the run
            context += " (not introduced by this change)"
        if context:
            line += self._paint(_DIM, escape_controls(context))
        return line

    def file_done(self, report: FileReport) -> None:
        if self._by_rule is None:
            self._by_rule, self._suppressed_by_rule = Counter(), Counter()
        for finding in report.findings:  # each counted once per object it stands for, as the summary counts
            (self._suppressed_by_rule if finding.suppressed else self._by_rule)[finding.rule_id] += finding.count
        shown = [f for f in report.findings if self.run.verbose or not f.suppressed]
        if not shown:
            return
        if self._wrote_any:
            self.stream.write("\n")
        self._wrote_any = True
        for finding in shown:
            self.stream.write(self.format_finding(finding) + "\n")
        self.stream.flush()

    def finish(self, summary: RunSummary) -> None:
        if self.run.verbose and summary.skipped_files:
            if self._wrote_any:
                self.stream.write("\n")
            self.stream.write("Not Kubernetes manifests (skipped):\n")
            for path in summary.skipped_files:
                self.stream.write(f"  {escape_controls(path)}\n")
        if self._wrote_any or (self.run.verbose and summary.skipped_files):
            self.stream.write("\n")
        # the counts per rule just above the closing line, which stays the last (scripts read it there)
        for line in rule_counts_lines(self._by_rule or Counter(), self._suppressed_by_rule or Counter()):
            self.stream.write(escape_controls(line) + "\n")
        self.stream.write(summary_line(summary, ", ".join(self.run.versions)) + "\n")


def rule_counts_lines(by_rule: Counter[str], suppressed: Counter[str]) -> list[str]:
    """``by rule: 312 resource-limits, 201 liveness-probe, ...`` (largest first, then by id), and the
    suppressed findings counted apart (``suppressed by rule: ...``); nothing when one rule or none gave them all."""
    if len(set(by_rule) | set(suppressed)) < 2:
        return []

    def listed(counts: Counter[str]) -> str:
        return ", ".join(f"{count} {rule}" for rule, count in sorted(counts.items(), key=lambda item: (-item[1],
                                                                                                     item[0])))

    lines = [f"by rule: {listed(by_rule)}"] if by_rule else []
    if suppressed:
        lines.append(f"suppressed by rule: {listed(suppressed)}")
    return lines


def summary_line(summary: RunSummary, kubernetes_version: str) -> str:
    """The closing line: files, objects and findings (each counted once per object it stands for), and,
    when charts or overlays were rendered, what they rendered, what was linted alone and what not at all.
    ``kubernetes_version`` names the run's targets (``1.29, 1.30`` for several)."""
    counts = ", ".join([plural(summary.errors, "error"), plural(summary.warnings, "warning"), f"{summary.infos} info"])
    text = (f"{plural(summary.files, 'file')}, {plural(summary.objects, 'object')} checked against "
            f"Kubernetes {kubernetes_version}: {counts}")
    extras = []
    if summary.renders or summary.linted_alone or summary.not_linted:
        extras.append(f"{plural(summary.rendered, 'object')} rendered, {summary.linted_alone} linted alone, "
                      f"{plural(summary.not_linted, 'input')} not linted")
    if summary.suppressed:
        extras.append(f"{summary.suppressed} suppressed")
    if summary.skipped:
        extras.append(f"{plural(summary.skipped, 'file')} skipped: not Kubernetes manifests")
    if extras:
        text += f" ({'; '.join(extras)})"
    return text
