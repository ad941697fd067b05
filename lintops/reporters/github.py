"""``github``: GitHub Actions workflow commands, so findings become annotations on the pull request.

One command per finding, written as each file finishes::

    ::error file=PATH,line=L,col=C,title=RULE::message

``error`` for errors, ``warning`` for warnings, ``notice`` for info. Suppressed findings are not
annotated. Property values escape ``%``, CR, LF, ``:`` and ``,``; the message escapes ``%``, CR and
LF, as GitHub documents. Before that, control characters from the linted tree are escaped
(``\x1b``, ``\u009b``; :mod:`lintops.escape`), so that none reaches the log raw: every one of them in
the path, the object's name and the environments (CR and LF too, as ``\r`` and ``\n``); in the
message and the remediation all but CR and LF, which the format encodes and GitHub shows as line
breaks of the annotation, never of the log. The run's summary follows as a plain log line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..escape import escape_controls
from ..fingerprint import normalize_path
from ..model import Severity
from .base import Reporter, context_text, objects_text
from .text import summary_line

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Finding, RunSummary
    from ..run_context import FileReport

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_command(finding: Finding) -> str:
    loc = finding.location
    properties = ",".join([
        f"file={escape_property(escape_controls(normalize_path(loc.path)))}",
        f"line={loc.line}",
        f"col={loc.column}",
        f"title={escape_property(escape_controls(finding.rule_id))}",
    ])
    message = escape_controls(finding.message, keep_line_breaks=True)  # escape_data encodes CR and LF
    message += escape_controls(objects_text(finding) + context_text(finding))
    if finding.remediation:
        message += "\n" + escape_controls(finding.remediation, keep_line_breaks=True)
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
