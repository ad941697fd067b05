"""A progress line on standard error for runs over many files: files done / total, as reports come back.

Progress is counted where the work ends, not where it starts: a file is done when its report reaches
the command (:func:`reports_with_progress`), whether this process linted it or a worker process did
(:mod:`lintops.parallel` hands reports back chunk by chunk), so the line moves on the large runs that
use workers too. It is shown only when standard error is a terminal (or when forced with ``--progress``),
not with ``--quiet``, and only once a run has taken long enough to be worth it (half a second), so
short runs and pre-commit output stay clean. It is redrawn at most ten times a second, erased before
anything is written to a terminal's standard output (findings never share a line with it) and at the
end. It never goes to the report stream. The label (a path from the linted tree) has its control
characters escaped, so that it cannot move the cursor or end the line.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, TextIO, TypeVar

from .escape import escape_controls

if TYPE_CHECKING:  # pragma: no cover
    from .run_context import FileReport

T = TypeVar("T")
_WIDTH = 100


class Progress:
    """One line, redrawn in place: ``[#####.....] done/total label``."""

    def __init__(self, total: int, stream: TextIO | None = None, delay: float = 0.5) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.delay = delay
        self._last = 0.0
        self._shown = False

    def update(self, done: int, label: str) -> None:
        now = time.monotonic()
        if now - self.started < self.delay or now - self._last < 0.1:
            return
        self._last = now
        width = 24
        done = min(done, self.total)
        filled = int(width * done / self.total) if self.total else width
        text = f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} {escape_controls(label)[-50:]}"
        self.stream.write(text.ljust(_WIDTH)[:_WIDTH])
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        """Erase the line (if drawn), so that other output starts at the left; an update redraws it, still at
        most ten times a second (findings streaming to the same terminal do not make it flicker)."""
        if self._shown:
            self.stream.write("\r" + " " * _WIDTH + "\r")
            self.stream.flush()
            self._shown = False

    close = clear


def track(items: Iterable[T], enabled: bool, label: Callable[[T], str] = str) -> Iterator[T]:
    """Yield ``items`` while drawing progress as each is handed on (materialises them first to know the total)."""
    if not enabled:
        yield from items
        return
    materialised = list(items)
    progress = Progress(len(materialised))
    try:
        for done, item in enumerate(materialised, start=1):
            progress.update(done, label(item))
            yield item
    finally:
        progress.close()


class FileCounter:
    """Counts the inputs whose reports came back: a report of an input's own path, or of a file under an
    input directory (a chart's templates and values files, an overlay's bases), marks that input done."""

    def __init__(self, displays: Iterable[str]) -> None:
        self._pending = set(displays)
        self.total = len(self._pending)
        self.done = 0

    def saw(self, path: str) -> None:
        candidate = path
        while candidate:
            if candidate in self._pending:
                self._pending.discard(candidate)
                self.done += 1
                return
            candidate = candidate.rpartition("/")[0]


def reports_with_progress(inputs: list, lint: Callable[[Iterable], Iterator[FileReport]], *,
                          shares_terminal: bool = False, stream: TextIO | None = None,
                          delay: float = 0.5) -> Iterator[FileReport]:
    """The reports of ``lint(inputs)``, drawing files done / total on ``stream`` (standard error) as they come.

    ``inputs`` is materialised (the total must be known); each has a ``display`` path. Before a report
    that has findings is handed on, the line is erased when the caller's output shares the terminal
    (``shares_terminal``: standard output is the same terminal); it is erased at the end however the run ends.
    """
    counter = FileCounter(getattr(item, "display", str(item)) for item in inputs)
    progress = Progress(counter.total, stream, delay)
    try:
        for report in lint(inputs):
            counter.saw(report.path)
            if report.findings and shares_terminal:
                progress.clear()
            yield report
            progress.update(counter.done, report.path)
    finally:
        progress.close()
