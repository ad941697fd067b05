"""Large runs on several cores: plain files are spread over forked worker processes.

Parsing and checking one file needs nothing from another, except where a check compares objects
across files (a custom resource and its CRD, an Application and its staging twin). Such checks
declare the kinds they compare (:attr:`Check.cross_object_kinds`); every file whose bytes mention
one of those kinds is linted first, in this process, so the CRDs are registered and the
Applications held before any worker starts. The other files then go to workers forked from this
process (they inherit the schema store with those CRDs), in chunks. Each worker builds its engine
once, with fresh check instances (the parent's hold the objects it read); for each chunk it lints
the files, lets the checks report what they held back, and sends the chunk's reports home.
Reports come back in input order, so output does not depend on scheduling. Checks that compare
objects through the facts each object leaves (:mod:`lintops.cross_refs`) need no kinds declared: a
report carries its file's facts home, and this process resolves them when the run ends.

Parallelism is used only where it is safe and pays: on Linux (fork), for runs of at least
:data:`MIN_FILES` files, when every check that holds objects back declares its kinds, and before any
library that starts threads (the Helm SDK) is loaded.

Workers end with the parent and print nothing (:func:`lintops.interrupts.detach_worker`): they ignore
SIGINT, die quietly on the SIGTERM with which the pool is terminated when the parent is interrupted,
and die with the parent if it is killed. They are forked with SIGINT and SIGTERM blocked, so that no
signal reaches one before it has dropped the parent's handlers.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from .checks.base import Check

if TYPE_CHECKING:  # pragma: no cover
    from .baseline import Baseline
    from .inputs.discover import InputFile
    from .rules import Rule
    from .run_context import FileReport, Options


class Engine(Protocol):
    """What this module needs of the engine that spreads files over workers; the engine passes itself, so
    this module does not import it (the engine imports this one)."""

    options: Options
    rules: list[Rule]
    baseline: Baseline | None
    internal_errors: list[str]

    def lint_input(self, input_file: InputFile) -> FileReport: ...

    def held_findings(self) -> dict[str, list]:
        """What the checks held back, filtered and matched with the baseline, by path."""
        ...

    def for_worker(self) -> Engine:
        """An engine for a worker process: fresh check instances, this run's context and policy."""
        ...

#: What a worker's report brings besides its findings: baseline fingerprints matched, internal errors.
Remote = tuple[set[str], list[str]]

MIN_FILES = 300
CHUNK_FILES = 25

_parent: Engine | None = None  # the engine workers are forked from (module state survives fork)


def can_parallelize(engine: Engine, files: Sequence[InputFile]) -> bool:
    if engine.options.jobs <= 1 or len(files) < MIN_FILES or not sys.platform.startswith("linux"):
        return False
    if engine.state.observer is not None:  # it sees the objects of this process only
        return False
    if "helm_python" in sys.modules or any(f.path is None for f in files):
        return False
    return all(rule.check is None or type(rule.check).finish is Check.finish or rule.check.cross_object_kinds
               for rule in engine.rules)


def cross_object_markers(engine: Engine) -> tuple[bytes, ...]:
    kinds = set()
    for rule in engine.rules:
        kinds.update(rule.check.cross_object_kinds if rule.check is not None else ())
    return tuple(kind.encode() for kind in sorted(kinds))


def lint_parallel(engine: Engine, files: Sequence[InputFile]) -> Iterator[tuple[FileReport, Remote | None]]:
    """Each file's report in input order; ``Remote`` (baseline matches, internal errors) for a worker's."""
    global _parent, _engine_of_worker
    markers = cross_object_markers(engine)
    local: dict[int, FileReport] = {}
    remote: list[tuple[int, InputFile]] = []
    for index, item in enumerate(files):
        if markers and _mentions(item, markers):
            local[index] = engine.lint_input(item)
        else:
            remote.append((index, item))
    chunks = [remote[i:i + CHUNK_FILES] for i in range(0, len(remote), CHUNK_FILES)]
    _parent, _engine_of_worker = engine, None  # workers make their own engine from this one
    gc.freeze()  # the workers' collectors need not scan (nor copy) everything inherited from here
    try:
        from .interrupts import block, detach_worker, unblock

        previous = block()
        try:
            import multiprocessing  # here: a run too small for workers never pays for its import

            pool = multiprocessing.get_context("fork").Pool(processes=min(engine.options.jobs, len(chunks)),
                                                            initializer=detach_worker, initargs=(os.getpid(),))
        finally:
            unblock(previous)
        with pool:
            for chunk, (reports, matched, errors) in zip(chunks, pool.imap(_lint_chunk, chunks), strict=True):
                for index in sorted(i for i in local if i < chunk[0][0]):
                    yield local.pop(index), None
                yield reports[0], (matched, errors)
                for report in reports[1:]:
                    yield report, (set(), [])
        for index in sorted(local):
            yield local[index], None
    finally:
        _parent = None
        gc.unfreeze()


def _mentions(item: InputFile, markers: tuple[bytes, ...]) -> bool:
    try:
        raw = item.read_bytes()
    except OSError:
        return True  # let this process report the read error
    return any(marker in raw for marker in markers)


def _lint_chunk(chunk: list[tuple[int, InputFile]]) -> tuple[list[FileReport], set[str], list[str]]:
    """In a worker: lint a chunk, then what its checks held back (every CRD is known by now)."""
    engine = _worker_engine()
    baseline = engine.baseline
    if baseline is not None:
        baseline.matched = set()
    engine.internal_errors = []
    reports = [engine.lint_input(item) for _, item in chunk]
    by_path = {report.path: report for report in reports}
    for path, findings in engine.held_findings().items():  # filtered, and matched with the baseline
        report = by_path.get(path)
        if report is None:
            from .run_context import FileReport

            report = by_path[path] = FileReport(path, [], 0, final=False)  # a path of another chunk: not final
            reports.append(report)
        report.findings = sorted([*report.findings, *findings], key=lambda f: f.sort_key)
    matched = set(baseline.matched) if baseline is not None else set()
    facts = engine.state.facts
    if facts is not None:  # the reports carry their files' facts home; this process resolves none
        facts.clear()
    return reports, matched, engine.internal_errors


_engine_of_worker: Engine | None = None


def _worker_engine() -> Engine:
    """This worker's engine: fresh check instances (the parent's hold the objects it read), made once
    per process, since compiling the rules' schemas costs more than linting a chunk."""
    global _engine_of_worker
    if _engine_of_worker is None:
        assert _parent is not None
        _engine_of_worker = _parent.for_worker()
    return _engine_of_worker
