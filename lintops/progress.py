"""A progress line on a terminal's standard error for runs over many files.

Shown only when standard error is a terminal, not with ``--quiet``, and only once a run has taken
long enough to be worth it (half a second), so short runs and pre-commit output stay clean. It is
redrawn at most ten times a second and erased before the summary. The label (a path from the linted
tree) has its control characters escaped, so that it cannot move the cursor or end the line.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

from .escape import escape_controls

T = TypeVar("T")


class Progress:
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
        filled = int(width * done / self.total) if self.total else width
        text = f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} {escape_controls(label)[-50:]}"
        self.stream.write(text.ljust(100)[:100])
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()


def track(items: Iterable[T], enabled: bool, label=str) -> Iterator[T]:
    """Yield ``items`` while drawing progress (materialises them first to know the total)."""
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
