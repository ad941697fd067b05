"""``editor``: one line per finding, ``path:line:col: severity: message [rule-id]``, nothing else.

The shape compilers print, so that VS Code problem matchers, vim's ``errorformat`` and Emacs'
compilation mode read it without configuration beyond a pattern (see docs/reporters.md). Every line is
a finding: no headers, no blank lines, no summary. Lines are written as each file finishes.

Severities are ``error``, ``warning`` and ``info``. Suppressed findings appear only with ``--verbose``,
as ``info`` with the message prefixed by ``suppressed:``. A message never spans lines: line breaks in
it are replaced by spaces, and every other control character in the path, the message or a name is
escaped (``\x1b``, ``\r``; :mod:`lintops.escape`), so one finding is always one line and a file name
cannot forge another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..escape import escape_controls
from ..fingerprint import normalize_path
from .base import Reporter, message_with_context

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Finding, RunSummary
    from ..run_context import FileReport


def one_line(text: str) -> str:
    return " ".join(text.split()) if ("\n" in text or "\r" in text) else text


def format_finding(finding: Finding, tag: str = "") -> str:
    """One line; ``tag`` ends the message (the versions, in a run of several: :meth:`RunInfo.version_tag`)."""
    loc = finding.location
    severity = finding.severity.value
    message = one_line(finding.message)
    if finding.suppressed:
        severity, message = "info", f"suppressed: {message}"
    message = message_with_context(finding, message) + tag
    return (f"{escape_controls(normalize_path(loc.path))}:{loc.line}:{loc.column}: {severity}: "
            f"{escape_controls(message)} [{escape_controls(finding.rule_id)}]")


class EditorReporter(Reporter):
    name = "editor"
    description = "path:line:col: severity: message [rule-id], one line per finding, for editors' problem matchers."

    def file_done(self, report: FileReport) -> None:
        lines = [format_finding(f, self.run.version_tag(f)) for f in report.findings
                 if self.run.verbose or not f.suppressed]
        if lines:
            self.stream.write("\n".join(lines) + "\n")
            self.stream.flush()

    def finish(self, summary: RunSummary) -> None:
        self.stream.flush()
