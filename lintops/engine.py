"""Runs the rules over the resources of each input, one file at a time: the stages of lintops.pipeline composed.

The engine is the seam between the stages (each a module of :mod:`lintops.pipeline`): plain files are
read, parsed and checked one at a time (:mod:`~lintops.pipeline.documents`, :mod:`~lintops.pipeline.check`),
their findings filtered (:mod:`~lintops.pipeline.filter`) and handed on before the next file is read
(streaming keeps memory flat and lets text output appear while a large run goes on), on several cores
when the run is large (:mod:`lintops.parallel`); charts and overlays are rendered and reported together
(:mod:`~lintops.pipeline.rendered`); what checks held back comes last (:mod:`~lintops.pipeline.finish`).
The engine decides which input goes where and in what order; what each stage does is the stage's.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .exemptions import ExemptionPolicy
from .inputs.discover import ChartInput, Input, InputFile, KustomizeInput
from .inputs.manifests import LocatorFactory
from .model import Finding, Location, RunSummary, Source
from .parse.documents import ParsedFile
from .parse.stream import DocumentStream, parse_text
from .pipeline import documents, finish
from .pipeline.state import RunState
from .rules import Rule
from .run_context import FileReport, Options, RunContext
from .stage_rules import POLICY_VIOLATION

if TYPE_CHECKING:  # pragma: no cover
    from .baseline import Baseline


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a run.

    Parsing and checking allocate many small acyclic objects (nodes, dicts, findings) that reference
    counting frees as soon as a file is done; the collector, left on, scans each file's live node
    tree over and over and costs a third of the run for nothing. Measured on 20,000 objects: no
    cyclic garbage at all and the same peak memory with the collector paused.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Engine:
    """Lints inputs with a fixed set of rules; one instance per run (its state: :attr:`state`)."""

    def __init__(self, rules: Iterable[Rule], options: Options | None = None,
                 policy: ExemptionPolicy | None = None, baseline: Baseline | None = None) -> None:
        self.state = RunState(rules, options or Options(), policy or ExemptionPolicy(), baseline)

    # -- what callers read of the run ----------------------------------------------------------------

    @property
    def options(self) -> Options:
        return self.state.options

    @property
    def policy(self) -> ExemptionPolicy:
        return self.state.policy

    @property
    def baseline(self) -> Baseline | None:
        return self.state.baseline

    @property
    def rules(self) -> list[Rule]:
        return self.state.rules

    @property
    def rules_by_id(self) -> dict[str, Rule]:
        return self.state.rules_by_id

    @property
    def context(self) -> RunContext:
        return self.state.context

    @property
    def summary(self) -> RunSummary:
        return self.state.summary

    @property
    def internal_errors(self) -> list[str]:
        return self.state.internal_errors

    @internal_errors.setter
    def internal_errors(self, value: list[str]) -> None:  # a worker starts each chunk afresh (lintops.parallel)
        self.state.internal_errors = value

    @property
    def failed(self) -> bool:
        """True when an unsuppressed finding reaches the failure threshold."""
        return self.state.failing > 0

    def add_violations(self, violations: Iterable[Any]) -> None:
        """Report what the linted tree tried beyond the run's policy (lintops.config.policy.Violation).

        They are findings of the ``policy-violation`` rule that no exemption of the tree can suppress,
        reported before the first file.
        """
        rule = self.state.rules_by_id.get(POLICY_VIOLATION)
        if rule is None:
            return
        for violation in violations:
            self.state.violations.append(Finding(
                rule.id, rule.severity, violation.message,
                Location(violation.path, violation.position.line, violation.position.column),
                remediation=rule.spec.remediation or None))

    # -- the entry points ----------------------------------------------------------------------------

    def lint(self, inputs: Iterable[Input]) -> Iterator[FileReport]:
        """Lint each input in turn (files, charts, Kustomize roots), then what checks held back."""
        with _gc_paused():
            yield from self._lint(inputs)

    def _lint(self, inputs: Iterable[Input]) -> Iterator[FileReport]:
        from . import parallel

        state = self.state
        yield from finish.violation_reports(state)
        rendered: list[ChartInput | KustomizeInput] = []
        plain: list[InputFile] = []
        for item in inputs:
            if isinstance(item, InputFile) and item.context:
                documents.read_context(state, item)
            elif isinstance(item, InputFile):
                if state.options.jobs > 1:
                    plain.append(item)  # collected: a large run goes to worker processes
                else:
                    yield self.lint_input(item)
            else:
                rendered.append(item)
        if parallel.can_parallelize(self, plain):
            for report, remote in parallel.lint_parallel(self, plain):
                yield report if remote is None else finish.account(state, report, *remote)
        else:
            for item in plain:
                yield self.lint_input(item)
        if rendered:
            from .pipeline.rendered import lint_rendered  # charts and overlays only: not on a plain file's run

            yield from lint_rendered(state, rendered)
        yield from self.finish()

    def lint_text(self, text: str, path: str) -> Iterator[FileReport]:
        """Lint one in-memory text (an editor buffer, a rendered template)."""
        yield self.lint_parsed(parse_text(text, path, is_json=path.endswith(".json"), limits=self.options.limits))
        yield from self.finish()

    def lint_parsed(self, parsed: ParsedFile | DocumentStream, source: Source | None = None,
                    locators: LocatorFactory | None = None) -> FileReport:
        """Lint one parsed file and count it in the summary."""
        return documents.lint_parsed(self.state, parsed, source, locators)

    def lint_input(self, input_file: InputFile) -> FileReport:
        """Read, parse and check one plain file (also what lintops.parallel runs in this process and in workers)."""
        return documents.lint_input(self.state, input_file)

    def finish(self) -> Iterator[FileReport]:
        """Findings of checks that waited for the whole run, grouped by file, one per place (merged)."""
        return finish.finish(self.state)

    def held_findings(self) -> dict[str, list[Finding]]:
        """What checks held back until every file was read, filtered and matched with the baseline, by path."""
        return finish.held_findings(self.state)

    def for_worker(self) -> Engine:
        """An engine for a worker process (lintops.parallel): fresh check instances, since the parent's hold
        the objects it read, with this run's options, policy, baseline and context (its CRDs)."""
        rules = [Rule(rule.spec, type(rule.check)(dict(rule.spec.params)) if rule.check is not None else None)
                 for rule in self.rules]
        worker = Engine(rules, self.options, self.policy, self.baseline)
        worker.state.context = self.context
        return worker
