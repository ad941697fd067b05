"""The reporter contract: told about each file's findings as they come, and once at the end.

Streaming formats (text) write as files finish; structured formats (JSON, JUnit, SARIF) collect and
write in :meth:`Reporter.finish`. A reporter never reads a file or recomputes a position: everything
it prints is in the findings, which never carry a secret's value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, TextIO

from ..model import Severity

if TYPE_CHECKING:  # pragma: no cover
    from ..model import Finding, RunSummary
    from ..rules import RuleSpec
    from ..run_context import FileReport


@dataclass(frozen=True)
class RunInfo:
    """What every report states about the run itself."""

    version: str
    kubernetes_version: str
    strict: bool
    verbose: bool = False
    color: bool = False
    #: The specs of every rule that ran (SARIF lists them in ``tool.driver.rules``); empty when not told.
    rules: tuple[RuleSpec, ...] = ()
    #: The run's ``--fail-on`` threshold (JUnit makes findings at or above it failures).
    fail_on: Severity = Severity.ERROR
    #: Every target version of the run, oldest first (``kubernetes_version`` is the first one named);
    #: empty: ``kubernetes_version`` alone.
    kubernetes_versions: tuple[str, ...] = ()

    @property
    def versions(self) -> tuple[str, ...]:
        """Every target version of the run, oldest first."""
        return self.kubernetes_versions or (self.kubernetes_version,)

    def version_tag(self, finding: Finding) -> str:
        """`` [k8s: 1.29]`` when the run has several targets and the finding does not apply to every one."""
        versions = finding.kubernetes_versions
        if not versions or len(self.versions) < 2 or set(versions) >= set(self.versions):
            return ""
        return f" [k8s: {', '.join(versions)}]"


class Reporter:
    """Base class of output formats; subclasses set ``name`` and override what they need."""

    name: ClassVar[str]
    description: ClassVar[str] = ""

    def __init__(self, stream: TextIO, run: RunInfo) -> None:
        self.stream = stream
        self.run = run

    def file_done(self, report: FileReport) -> None:
        """One file's findings (called again after the last file for findings that waited for the run)."""

    def finish(self, summary: RunSummary) -> None:
        """The run is over: write whatever was collected, and the summary."""


def objects_text(finding: Finding) -> str:
    """`` (Deployment/shop/web)``, or `` (7 objects: Service/a, Service/b, ...)`` for a finding that stands
    for several; empty for a finding of no object. Each object is named once, whatever its environments."""
    objects = finding.distinct_objects
    if not objects:
        return ""
    if len(objects) == 1:
        return f" ({objects[0]})"
    return f" ({len(objects)} objects: {', '.join(str(obj) for obj in objects)})"


def context_text(finding: Finding) -> str:
    """What one-line formats add after the objects: the environments, and the roots a file was linted
    outside of (`` [linted alone: overlays/prod did not render]``)."""
    text = f" [env: {', '.join(finding.environment)}]" if finding.environment else ""
    if finding.linted_alone:
        text += f" [linted alone: {', '.join(finding.linted_alone)} did not render]"
    return text


def message_with_context(finding: Finding, message: str | None = None) -> str:
    """The finding's message followed by its objects, environments and roots, as one-line formats print it."""
    text = finding.message if message is None else message
    return text + objects_text(finding) + context_text(finding)
