"""Lint the merge base and the working tree the same way, and say what the change does to each environment.

The base is the merge base of ``--base`` and HEAD, written outside the working tree from git's objects
(:func:`lintops.new_since.base_checkout`: no checkout, no hook or filter runs), linted with its own
configuration under the same command-line settings and the same trusted ``--policy`` as the working
tree. Both runs are ordinary lint runs: the same renderers, limits and trust rules; an observer on each
(:mod:`lintops.diff.observe`) sees every object it checks. The head run marks each finding introduced or
not against the base's (:class:`lintops.new_since.Preexisting`), so only introduced findings fail it; the
base's findings that no head finding matches are the resolved ones.

Both runs are in this process (``-j`` is not used): the observer must see every object.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..changes import ChangesError, git
from ..errors import LintopsError
from ..model import Finding, RunSummary, Severity
from ..new_since import Preexisting, base_checkout
from ..run_context import FileReport
from .model import DiffResult, FindingChanges
from .observe import Comparer, Recorder
from .secrets import SecretMasker


@dataclass
class LintedTree:
    """One side's run: its reports, summary, whether it failed, its internal errors."""

    reports: list[FileReport]
    summary: RunSummary
    failed: bool
    internal_errors: list[str]
    fail_on: Severity

    @property
    def findings(self) -> list[Finding]:
        return [finding for report in self.reports for finding in report.findings]


def lint_tree(run: Any, paths: Any, observer: Callable, preexisting: Preexisting | None = None,
              on_report: Callable[[FileReport], None] | None = None) -> LintedTree:
    """Lint ``paths`` with the prepared ``run``, ``observer`` told every object checked, in this process."""
    run.options.jobs = 1
    run.options.preexisting = preexisting
    engine = run.engine()
    engine.state.observer = observer
    reports = []
    for report in engine.lint(run.discover(paths)):
        reports.append(report)
        if on_report is not None:
            on_report(report)
    return LintedTree(reports, engine.summary, engine.failed, list(engine.internal_errors), run.options.fail_on)


def diff_trees(settings: Any, ref: str, head_run: Any | None = None,
               on_report: Callable[[FileReport], None] | None = None,
               masker: SecretMasker | None = None) -> tuple[DiffResult, LintedTree]:
    """Compare the working tree below ``settings.paths`` with the merge base of ``ref`` and HEAD.

    ``head_run`` is the working tree's prepared run (:func:`lintops.runner.prepare` of ``settings``; made
    here when None); ``on_report`` is told each of its file reports as it is made (the findings reporters).
    Returns the result and the head's run (its reports and errors).
    """
    from ..runner import prepare

    head_run = head_run if head_run is not None else prepare(settings)
    recorder = Recorder()
    with base_checkout(settings, ref, "--base") as base_tree:
        base = lint_tree(prepare(base_tree.settings), base_tree.settings.paths, recorder)
    preexisting = Preexisting(ref)
    for finding in base.findings:
        preexisting.add(finding)
    comparer = Comparer(recorder.objects, masker)
    head = lint_tree(head_run, settings.paths, comparer, preexisting, on_report)
    head.internal_errors[:0] = [f"the base: {where}" for where in base.internal_errors]
    result = DiffResult(ref, base_tree.commit, comparer.finish(), _finding_changes(base, head),
                        head.fail_on, head.failed, head.summary, base.summary)
    return result, head


def default_base(root: Path) -> str:
    """The base when ``--base`` is not given: GitLab's merge-request diff base, else the branch's upstream."""
    sha = os.environ.get("CI_MERGE_REQUEST_DIFF_BASE_SHA", "").strip()
    if sha:
        return sha
    try:
        return git(root, "rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}").strip()
    except ChangesError:
        raise LintopsError("lintops diff: no --base given and the current branch has no upstream; name the "
                           "branch the change goes into, e.g. --base origin/main") from None


def _finding_changes(base: LintedTree, head: LintedTree) -> FindingChanges:
    """Introduced and unchanged: the head's unsuppressed findings as marked; resolved: the base's unsuppressed
    findings that no finding of the head (suppressed or not) matches."""
    changes = FindingChanges()
    at_head = Preexisting("HEAD")
    for finding in head.findings:
        at_head.add(finding)
        if not finding.suppressed:
            (changes.introduced if finding.introduced is not False else changes.unchanged).append(finding)
    changes.resolved = [finding for finding in base.findings
                        if not finding.suppressed and at_head.introduced(finding)]
    return changes

