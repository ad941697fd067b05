"""What the stages of one run share: its rules, options, policy and baseline, and what files leave behind.

The stage functions of :mod:`lintops.pipeline` are plain functions over a :class:`RunState`, so that
none of them needs the engine that composes them. A finding travels from the stage that makes it to
the filter stage as a :class:`Pending` finding: the finding itself, the annotations of its object
that may exempt it, and whether exemptions apply to it at all.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..exemptions import ExemptionPolicy
from ..model import Finding, Resource, RunSummary
from ..parse.directives import Directive
from ..rules import Dispatcher, Rule
from ..run_context import Options, RunContext

if TYPE_CHECKING:  # pragma: no cover - workload_refs is loaded on the first Deployment or Rollout
    from ..baseline import Baseline
    from ..workload_refs import PodTemplate, WorkloadReference


#: The exemption comments of a file without any, shared by every such file of the run (never added to:
#: what is recorded for a path is replaced, not extended), so that a run keeps no list per file.
NO_DIRECTIVES: list[Directive] = []


@dataclass(frozen=True)
class Pending:
    """A finding on its way to the filter stage (:func:`lintops.pipeline.filter.filter_findings`).

    ``annotations`` are the annotation maps of the object it is about (:func:`lintops.exemptions.annotation_maps`),
    what an annotation exemption is looked up in; the object itself is not kept, so that its document is freed
    as soon as it is checked. ``exempt`` false: no per-path setting or exemption applies, only the baseline
    (the findings that police exemptions themselves, a CRD's problems, a file that cannot be read, and
    findings already filtered when their batch meets the baseline).
    """

    finding: Finding
    annotations: Sequence[tuple[str, dict]] = ()
    exempt: bool = True


def settled(findings: Iterable[Finding]) -> list[Pending]:
    """Findings whose exemptions are decided (or that have none), on their way to the baseline."""
    return [Pending(finding, exempt=False) for finding in findings]


class RunState:
    """The state of one run that the stages read and update; one instance per engine."""

    def __init__(self, rules: Iterable[Rule], options: Options, policy: ExemptionPolicy,
                 baseline: Baseline | None) -> None:
        self.options = options
        self.policy = policy
        self.baseline = baseline
        self.rules = list(rules)
        self.rules_by_id = {rule.id: rule for rule in self.rules}
        self.dispatcher = Dispatcher(self.rules, options.workloads)
        self.context = RunContext(options)
        self.summary = RunSummary()
        self.internal_errors: list[str] = []
        #: How many reported findings reach the failure threshold unsuppressed.
        self.failing = 0
        #: The exemption comments of each file findings landed in so far (read once).
        self.directives: dict[str, list[Directive]] = {}
        #: Files read as context for cross-object checks: never reported on.
        self.context_paths: set[str] = set()
        #: ``policy-violation`` findings of the linted tree, reported before the first file.
        self.violations: list[Finding] = []
        #: Deployments' pod templates and the Rollouts that name one (lintops.workload_refs).
        self.templates: dict[tuple, PodTemplate] = {}
        self.references: list[WorkloadReference] = []
        #: The records made while the current file is linted (a worker sends them home in its report).
        self.file_templates: list[tuple[tuple, PodTemplate]] = []
        self.file_references: list[WorkloadReference] = []
        #: Cross-object facts (lintops.cross_refs): the run's, and the current plain file's (sent home with
        #: its report and cached with it). None when no rule records any.
        self.facts: Any = _fact_store(self.rules)
        self.file_facts: list[Any] = []
        #: Which render the objects being checked come from (None: plain files; "context": context files).
        self.scope: Any = None
        #: Told every object the run checks, once it is checked and before its document is freed (what
        #: ``lintops diff`` compares); context files' objects are not. None: nobody is told.
        self.observer: Callable[[Resource], None] | None = None
        #: How many objects the checks held back when the last report was made (see :meth:`held_count`).
        self.held_seen: int | None = 0
        self._holders: list[Any] | None = None

    def held_count(self) -> int | None:
        """How many objects the run's checks hold back for the end of the run; None when a check holds
        objects in a way that cannot be counted (one with its own ``finish`` but no ``_held`` list)."""
        holders = self._holders
        if holders is None:
            from ..checks.base import Check

            holders = self._holders = [rule.check for rule in self.rules if rule.check is not None
                                       and type(rule.check).finish is not Check.finish]
        count = 0
        for check in holders:
            held = getattr(check, "_held", None)
            if not isinstance(held, list):
                return None
            count += len(held)
        return count

    def internal_error(self, where: str) -> None:
        """A check that raised: recorded (the run exits 3), said on standard error, and the run goes on."""
        self.internal_errors.append(where)
        if self.options.debug:
            detail = traceback.format_exc()
        else:
            detail = traceback.format_exc(limit=-1).strip().splitlines()[-1]
        print(f"lintops: internal error in {where}: {detail}", file=sys.stderr)


def _fact_store(rules: list[Rule]) -> Any:
    """The run's store of cross-object facts, or None (lintops.cross_refs is imported only when a rule
    records facts)."""
    if not any(getattr(rule.check, "recorders", None) for rule in rules):
        return None
    from ..cross_refs import FactStore, recorders_of

    return FactStore(recorders_of(rules))
