"""``github``: GitHub Actions workflow commands, so findings become annotations on the pull request.

One command per finding, written as each file finishes::

    ::error file=PATH,line=L,col=C,title=RULE::message

``error`` for errors, ``warning`` for warnings, ``notice`` for info. Suppressed findings are not
annotated. Property values escape ``%``, CR, LF, ``:`` and ``,``; the message escapes ``%``, CR and
LF, as GitHub documents. Before that, every other control character in the values themselves (a
path, a message, an object name) is escaped (``\x1b``, ``\u009b``; :mod:`lintops.escape`), so that
nothing from the linted tree reaches the log raw: CR and LF are already encoded by the format, and a
line break in a message stays a line break of the annotation, never of the log. The run's summary
follows as a plain log line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..escape import escape_controls
from ..fingerprint import normalize_path
from ..model import Severity
from .base import Reporter, message_with_context
from .text import summary_line

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileReport
    from ..model import Finding, RunSummary

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _safe(text: str) -> str:
    return escape_controls(text, keep_line_breaks=True)  # escape_data encodes CR and LF


def format_command(finding: Finding) -> str:
    loc = finding.location
    properties = ",".join([
        f"file={escape_property(_safe(normalize_path(loc.path)))}",
        f"line={loc.line}",
        f"col={loc.column}",
        f"title={escape_property(_safe(finding.rule_id))}",
    ])
    message = message_with_context(finding)
    if finding.remediation:
        message += f"\n{finding.remediation}"
    message = _safe(message)
    return f"::{COMMANDS[finding.severity]} {properties}::{escape_data(message)}"


class GithubReporter(Reporter):
    name = "github"
    description = "GitHub Actions workflow commands (annotations); the default when GITHUB_ACTIONS=true."

    def file_done(self, report: FileReport) -> None:
        lines = [format_command(f) for f in report.findings if not f.suppressed]
        if lines:
            self.stream.write("\n".join(lines) + "\n")
            self.stream.flush()

    def finish(self, summary: RunSummary) -> None:
        self.stream.write(summary_line(summary, self.run.kubernetes_version) + "\n")
