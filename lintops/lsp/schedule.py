"""When to lint which document: changes are coalesced, the newest version wins, one lint at a time.

An editor sends a ``didChange`` per keystroke (and a search-and-replace sends hundreds at once); a
2,000-object buffer takes most of a second to lint. Linting every version would leave a backlog of
minutes, and every result but the last would be stale when it arrived. So:

- a change (re)arms a per-document timer of :data:`DEBOUNCE_SECONDS`; a document is linted once no
  change has come for that long. Opening and saving lint at once (no timer).
- every request bumps the document's *generation*; a lint remembers the generation it started from,
  and its result is published only if no request came meanwhile (else it is dropped: the newer
  request's own lint follows);
- lints run one at a time, in the order documents became ready, on one consumer task; the lint
  itself runs in another process (:mod:`lintops.lsp.worker`), so the message loop only waits.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

#: How long a document must go without a change before it is linted (seconds). Long enough to span
#: the gap between keystrokes of a fast typist (about 100 ms), short enough to feel immediate.
DEBOUNCE_SECONDS = 0.2


class Scheduler:
    """Coalesces lint requests per document and runs ``lint(uri, generation)`` for the newest one."""

    def __init__(self, lint: Callable[[str, int], Awaitable[None]], delay: float = DEBOUNCE_SECONDS) -> None:
        self._lint = lint
        self.delay = delay
        self._generation: dict[str, int] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._ready: OrderedDict[str, int] = OrderedDict()
        self._wake: asyncio.Event | None = None
        self._consumer: asyncio.Task | None = None

    def request(self, uri: str, *, debounce: bool = False) -> None:
        """Lint ``uri``: after the debounce delay (a change), or as soon as the lint before it ends."""
        loop = asyncio.get_running_loop()
        generation = self._generation.get(uri, 0) + 1
        self._generation[uri] = generation
        self._ready.pop(uri, None)
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        if debounce and self.delay > 0:
            self._timers[uri] = loop.call_later(self.delay, self._make_ready, uri, generation)
        else:
            self._make_ready(uri, generation)

    def forget(self, uri: str) -> None:
        """The document was closed: nothing pending for it is linted, nothing in flight is published."""
        self._generation.pop(uri, None)
        self._ready.pop(uri, None)
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()

    def is_current(self, uri: str, generation: int) -> bool:
        """Whether a lint that started from ``generation`` is still the newest request for ``uri``."""
        return self._generation.get(uri) == generation

    def _make_ready(self, uri: str, generation: int) -> None:
        self._timers.pop(uri, None)
        if not self.is_current(uri, generation):
            return
        self._ready[uri] = generation
        if self._wake is None:
            self._wake = asyncio.Event()
        self._wake.set()
        if self._consumer is None or self._consumer.done():
            self._consumer = asyncio.ensure_future(self._consume())

    async def _consume(self) -> None:
        assert self._wake is not None
        while True:
            while not self._ready:
                self._wake.clear()
                await self._wake.wait()
            uri, generation = self._ready.popitem(last=False)
            try:
                await self._lint(uri, generation)
            except asyncio.CancelledError:
                raise
            except Exception:  # the server outlives any document; the next request tries again
                logger.exception("linting %s failed", uri)

    def stop(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._ready.clear()
        if self._consumer is not None:
            self._consumer.cancel()
