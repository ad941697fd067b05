"""Baselines: adopt lintops on a repository with existing debt, and fail only on new findings.

``lintops baseline`` records the current findings by fingerprint (see :mod:`lintops.fingerprint`:
rule, path, object and node, never the line, so edits around a finding do not make it new).
``lintops check --baseline FILE`` (or ``baseline:`` in the configuration) marks those findings
suppressed (reason ``baseline``) and still fails on new ones. Entries that no longer match any
finding are reported (``baseline-stale``, at their line in the baseline file), so the baseline
shrinks as the debt is paid.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import LintopsError, Place
from .fingerprint import baseline_keys, fingerprints, recorded_as
from .model import Finding, Location

FORMAT_VERSION = 1


class BaselineError(LintopsError):
    """A baseline file that cannot be used (a configuration error)."""


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    rule: str
    path: str
    message: str
    location: Location


class Baseline:
    def __init__(self, display_path: str, entries: Iterable[Entry]) -> None:
        self.display_path = display_path
        self.entries = {entry.fingerprint: entry for entry in entries}
        self.matched: set[str] = set()

    def apply(self, findings: list[Finding]) -> list[Finding]:
        """Mark the findings the baseline knows as suppressed."""
        if not findings or not self.entries:
            return findings
        result = []
        for finding, keys in zip(findings, baseline_keys(findings), strict=True):
            value = recorded_as(keys, self.entries)  # a baseline recorded by an older recipe too
            if value is not None and not finding.suppressed:
                self.matched.add(value)
                finding = replace(finding, suppressed=True, suppression_reason="baseline: recorded debt")
            result.append(finding)
        return result

    def stale(self) -> Iterator[Entry]:
        """Entries no finding of this run matched, in file order."""
        for value, entry in self.entries.items():
            if value not in self.matched:
                yield entry


def load_baseline(path: Path, display_path: str, root: Path | None = None, named_at: Place | None = None) -> Baseline:
    """Read a baseline; ``root`` is the directory it must stay inside when it comes from the linted tree
    (a named pipe, a device or a file over the cap is refused wherever it is). ``named_at``: where the
    configuration names it (``baseline:``), the place of the error when the file cannot be read."""
    from .inputs.files import LintedRoot, Refusal
    from .parse.stream import parse_bytes

    raw = LintedRoot(root).read(path)
    if isinstance(raw, Refusal):
        if raw.reason in ("missing", "unreadable"):
            if named_at is not None:
                raise BaselineError(f"cannot read baseline {display_path}: {raw.detail}", place=named_at)
            raise BaselineError(f"{display_path}: cannot read baseline: {raw.detail}")
        raise BaselineError(f"baseline {raw.detail}; not read", place=Place(display_path, 1, 1))
    parsed = parse_bytes(raw, display_path, is_json=True)
    if parsed.problems:
        problem = parsed.problems[0]
        raise BaselineError(f"not a lintops baseline (JSON written by `lintops baseline`): {problem.message}",
                            place=Place(display_path, problem.position.line, problem.position.column))
    if len(parsed.documents) != 1 or not isinstance(parsed.documents[0].data, dict):
        raise BaselineError("not a lintops baseline (JSON written by `lintops baseline`)",
                            place=Place(display_path, 1, 1))
    document = parsed.documents[0]
    data = document.data
    if data.get("version") != FORMAT_VERSION or not isinstance(data.get("findings"), list):
        raise BaselineError(f"unsupported baseline version {data.get('version')!r} (expected {FORMAT_VERSION}); "
                            "regenerate it with `lintops baseline`", place=Place(display_path, 1, 1))
    entries = []
    for index, item in enumerate(data["findings"]):
        if not isinstance(item, dict) or not isinstance(item.get("fingerprint"), str):
            position = document.position(f"/findings/{index}")
            raise BaselineError("entry without a fingerprint",
                                place=Place(display_path, position.line, position.column))
        position = document.position(f"/findings/{index}")
        entries.append(Entry(item["fingerprint"], str(item.get("rule", "")), str(item.get("path", "")),
                             str(item.get("message", "")), Location(display_path, position.line, position.column)))
    return Baseline(display_path, entries)


def write_baseline(path: Path, findings: list[Finding]) -> int:
    """Record every unsuppressed finding; returns how many. Sorted, so the file diffs well.

    Raises :class:`lintops.report_output.ReportWriteError` when the file cannot be written (the
    previous baseline, if any, is then left as it was)."""
    # One entry per object a finding stands for: fixing or exempting one object leaves the others recorded.
    findings = [share for f in findings if not f.suppressed for share in f.per_object()]
    entries = sorted(
        ({"fingerprint": value, "rule": f.rule_id, "path": f.location.path, "message": f.message}
         for f, value in zip(findings, fingerprints(findings), strict=True)),
        key=lambda e: (e["path"], e["rule"], e["fingerprint"]),
    )
    unique = list({entry["fingerprint"]: entry for entry in entries}.values())
    from .report_output import write_text_atomically  # complete or not at all, like every report

    write_text_atomically(path, json.dumps({"version": FORMAT_VERSION, "findings": unique}, indent=2) + "\n")
    return len(unique)
