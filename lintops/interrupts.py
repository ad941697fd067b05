"""SIGINT and SIGTERM end a run cleanly: exit 130 or 143, one line, no half-written report, no orphans.

A CI job is cancelled with SIGTERM, a person stops a run with Ctrl-C (SIGINT). Left to Python and
click, the first prints ``Aborted!`` and exits 1 (the code for "findings"), and the second kills the
process where it stands: report files stay empty, worker processes live on and print BrokenPipe
tracebacks. So the command line installs :func:`install` first: either signal raises
:class:`Interrupted` in the main thread. It derives from ``BaseException``, so that neither click nor
lintops' own ``except Exception`` guards swallow it; on its way out every ``finally`` runs (temporary
report files are discarded, renderer processes killed by :mod:`subprocess`, worker pools terminated),
and the entry point prints one line and exits ``128 + signal``, as a shell reports a process killed by
that signal. A second signal during that cleanup is ignored, so the cleanup finishes.

Worker processes (:mod:`lintops.parallel`) call :func:`detach_worker` first: they ignore SIGINT (a
terminal sends it to the whole process group; the parent decides), die silently on SIGTERM (which is
how the parent's pool stops them), and on Linux ask the kernel to kill them when their parent dies
(``PR_SET_PDEATHSIG``), so that none outlives a parent killed without a chance to clean up.
"""

from __future__ import annotations

import os
import signal
import sys

_HANDLED = (signal.SIGINT, signal.SIGTERM)
_PR_SET_PDEATHSIG = 1
_received: int | None = None


class Interrupted(BaseException):
    """The run was stopped by a signal; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def signal_name(self) -> str:
        try:
            return signal.Signals(self.signum).name
        except ValueError:  # pragma: no cover - only the handled signals are raised
            return f"signal {self.signum}"


def _handler(signum: int, frame: object) -> None:
    global _received
    if _received is not None:
        return  # already on the way out: let the cleanup finish
    _received = signum
    raise Interrupted(signum)


def install() -> None:
    """Make SIGINT and SIGTERM raise :class:`Interrupted` (main thread only, as Python requires)."""
    global _received
    _received = None
    for signum in _HANDLED:
        signal.signal(signum, _handler)


def block() -> set[int]:
    """Block SIGINT and SIGTERM in this thread (returns the previous mask's handled signals).

    Used around forking workers: a child inherits the mask, so no signal reaches it before
    :func:`detach_worker` has replaced the parent's handlers.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HANDLED)
    return set(previous) & set(_HANDLED)


def unblock(previous: set[int] | None = None) -> None:
    """Undo :func:`block` (signals that arrived meanwhile are delivered now)."""
    keep = previous or set()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [s for s in _HANDLED if s not in keep])


def detach_worker(parent_pid: int) -> None:
    """In a forked worker: ignore SIGINT, die quietly on SIGTERM, and die with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the pool's terminate still applies
            pass
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HANDLED)
    if os.getppid() != parent_pid:  # the parent died before the kernel could be told
        os._exit(0)
