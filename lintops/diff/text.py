"""``lintops diff`` as text: per changed environment its objects and fields, then the findings, then a verdict.

Everything printed that comes from the linted tree (environment, object and file names, field paths,
values, messages) passes through :func:`clean`, :func:`lintops.escape.escape_controls` and lone
surrogates escaped: a value is the attacker's, and must neither start a line nor move the cursor.
A value is shown as JSON writes it (``"1"`` and ``1`` differ visibly, a line break is ``\\n``), a
:class:`~lintops.diff.model.Redacted` as ``<secret 1a2b3c4d>``, and cut after
:data:`MAX_VALUE_CHARS` characters. Colour (ANSI) only when asked for. :mod:`lintops.diff.markdown`
shows values and findings with the same helpers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..escape import escape_controls
from ..lazy_pattern import lazy
from ..model import Finding, Severity
from ..reporters.base import message_with_context
from ..reporters.text import plural
from .json_contract import ordered_environments, ordered_findings, ordered_objects
from .model import ADDED, REMOVED, DiffResult, EnvironmentChanges, FieldChange, ObjectChange, Redacted

#: A value's text beyond this many characters is cut (``… (N more characters)``).
MAX_VALUE_CHARS = 120

_GREEN, _RED, _YELLOW, _BOLD, _DIM, _RESET = "\033[32m", "\033[31m", "\033[33m", "\033[1m", "\033[2m", "\033[0m"
_SEVERITY_COLORS = {Severity.ERROR: _RED, Severity.WARNING: _YELLOW, Severity.INFO: "\033[36m"}
_SURROGATES = lazy("[\ud800-\udfff]")
_SIGNS = {"added": "+", "removed": "-", "changed": "~"}

Paint = Callable[[str, str], str]


def clean(text: str) -> str:
    """``text`` from the linted tree made safe for one line: controls escaped, and lone surrogates
    (which no output stream can encode) as ``\\udXXX``."""
    text = escape_controls(text)
    if text.isascii():
        return text
    return _SURROGATES.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _render(value: Any) -> str:
    if isinstance(value, Redacted):
        return str(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_render(key if isinstance(key, str) else _render(key))}: {_render(item)}"
                               for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_render(item) for item in value) + "]"
    if isinstance(value, float) and value != value:
        return ".nan"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return ".inf" if value > 0 else "-.inf"
    if value is None or isinstance(value, (str, bool, int, float)):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(str(value), ensure_ascii=False)


def value_text(value: Any) -> str:
    """One value on one line: JSON-style, secrets as their hash, cut after :data:`MAX_VALUE_CHARS`."""
    text = clean(_render(value))
    if len(text) <= MAX_VALUE_CHARS:
        return text
    return f"{text[:MAX_VALUE_CHARS]}… ({len(text) - MAX_VALUE_CHARS} more characters)"


def finding_text(finding: Finding) -> tuple[str, str, str, str]:
    """A finding's place, label (severity, or ``suppressed``), rule and message with its objects and
    environments, each made safe for one line, as the ``text`` report prints them."""
    label = "suppressed" if finding.suppressed else finding.severity.value
    return (clean(str(finding.location)), label, clean(finding.rule_id), clean(message_with_context(finding)))


@dataclass(frozen=True)
class Totals:
    """What the closing line and the Markdown verdict count."""

    added: int
    removed: int
    changed: int
    changed_environments: int
    environments: int
    introduced: int
    resolved: int
    unchanged: int
    #: Introduced findings, not suppressed, at or above ``fail_on``: what fails the run.
    failing: int

    @classmethod
    def of(cls, result: DiffResult) -> Totals:
        environments = result.environments
        findings = result.findings
        failing = sum(1 for finding in findings.introduced
                      if not finding.suppressed and finding.severity.at_least(result.fail_on))
        return cls(sum(len(e.added) for e in environments), sum(len(e.removed) for e in environments),
                   sum(len(e.changed) for e in environments), len(result.changed_environments), len(environments),
                   len(findings.introduced), len(findings.resolved), len(findings.unchanged), failing)

    def objects_line(self) -> str:
        if not self.changed_environments:
            return f"no object changed in {plural(self.environments, 'environment')}"
        return (f"{plural(self.added, 'object')} added, {self.removed} removed, {self.changed} changed "
                f"in {self.changed_environments} of {plural(self.environments, 'environment')}")

    def findings_line(self) -> str:
        return f"{plural(self.introduced, 'finding')} introduced, {self.resolved} resolved, {self.unchanged} unchanged"


def verdict(result: DiffResult, totals: Totals) -> str:
    """``FAILED: 2 introduced findings at or above error``, or that none reaches it."""
    if result.failed:
        return f"FAILED: {plural(totals.failing, 'introduced finding')} at or above {result.fail_on.value}"
    return f"passed: no introduced finding at or above {result.fail_on.value}"


def environment_counts(environment: EnvironmentChanges) -> str:
    """``1 added, 2 changed, 12 unchanged``: the counts that are not zero (unchanged always)."""
    counts = [f"{len(objects)} {status}" for status, objects in (
        ("added", environment.added), ("removed", environment.removed), ("changed", environment.changed)) if objects]
    return ", ".join([*counts, f"{environment.unchanged} unchanged"])


def _field_line(change: FieldChange, paint: Paint) -> str:
    where = f"  ({clean(str(change.location))})" if change.location is not None else ""
    path = clean(change.path)
    if change.change == ADDED:
        return f"  {path}: {paint(_GREEN, 'added ' + value_text(change.new))}{where}"
    if change.change == REMOVED:
        return f"  {path}: {paint(_RED, 'removed ' + value_text(change.old))}{where}"
    return f"  {path}: {paint(_RED, value_text(change.old))} -> {paint(_GREEN, value_text(change.new))}{where}"


def _object_lines(change: ObjectChange, paint: Paint) -> list[str]:
    color = {"added": _GREEN, "removed": _RED}.get(change.status, _YELLOW)
    line = f"{paint(color, _SIGNS.get(change.status, '~'))} {clean(change.key.label)}"
    if change.location is not None:
        line += f"  {clean(str(change.location))}"
    if change.old_api_version and change.old_api_version != change.api_version:
        line += f"  ({clean(change.old_api_version)} -> {clean(change.api_version)})"
    lines = [line, *(_field_line(field, paint) for field in change.fields)]
    if change.omitted_fields:
        lines.append(f"  ... and {plural(change.omitted_fields, 'more field')}")
    return lines


def _environment_lines(environment: EnvironmentChanges, paint: Paint) -> list[str]:
    lines = [paint(_BOLD, f"{clean(environment.label)}: {environment_counts(environment)}")]
    for objects in (environment.added, environment.removed, environment.changed):
        for change in ordered_objects(objects):
            lines.extend(_object_lines(change, paint))
    return lines


def _finding_line(finding: Finding, paint: Paint) -> str:
    where, label, rule, message = finding_text(finding)
    color = _DIM if finding.suppressed else _SEVERITY_COLORS[finding.severity]
    return f"{paint(_BOLD, where)}: {paint(color, label)} [{rule}] {message}"


def _finding_lines(result: DiffResult, paint: Paint, verbose: bool) -> list[str]:
    findings = result.findings
    lines: list[str] = []
    for title, listed in (("introduced by", findings.introduced), ("resolved by", findings.resolved)):
        if listed:
            lines += ["", paint(_BOLD, f"Findings {title} this change ({len(listed)}):")]
            lines += [_finding_line(finding, paint) for finding in ordered_findings(listed)]
    if findings.unchanged:
        lines += ["", paint(_BOLD, f"Findings unchanged ({len(findings.unchanged)}): the base has them too")]
        if verbose:
            lines += [_finding_line(finding, paint) for finding in ordered_findings(findings.unchanged)]
    return lines


def format_text(result: DiffResult, *, color: bool, verbose: bool = False) -> str:
    """The whole report, ending with a line break; ``verbose`` also lists the unchanged findings."""

    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if color else text

    totals = Totals.of(result)
    lines = [paint(_BOLD, f"Changes since {clean(result.base_ref)} ({clean(result.base_commit[:12])})")]
    environments = ordered_environments(result)
    for environment in environments:
        if environment.has_changes:
            lines += ["", *_environment_lines(environment, paint)]
    quiet = [f"{clean(e.label)} ({plural(e.unchanged, 'object')})" for e in environments if not e.has_changes]
    if quiet:
        lines += ["", f"unchanged: {', '.join(quiet)}"]
    lines += _finding_lines(result, paint, verbose)
    lines += ["", f"{totals.objects_line()}; {totals.findings_line()}"]
    if result.failed:
        lines.append(paint(_RED + _BOLD, verdict(result, totals)))
    return "\n".join(lines) + "\n"
