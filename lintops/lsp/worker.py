"""Linting in a separate process, so that no buffer can stall the server's message loop.

lintops' engine is synchronous Python. Run on a thread of the server, it would keep the message loop
responsive only between bytecodes (measured with a 2,000-object buffer: 5 ms median and 155 ms worst
loop lag, the lint itself slower): a regular expression, a YAML scan or a big-integer conversion runs
in C holding the GIL, and a pathological input holds it for as long as it runs (a backtracking
``name_pattern: "^(a+)+$"`` did, for ever, until patterns from the tree moved to a linear-time
engine), so that not even ``shutdown`` is answered; nor can a thread be stopped. A child process
cannot hold the server's GIL, and it can be killed: a lint that does not finish within the time limit
ends the process, the document gets one diagnostic saying so, and the next lint starts a new process.

The child (:func:`main`) is ``python -c`` importing this module, with the server's working directory
and configuration flag. It drops ``''`` (the working directory) from ``sys.path`` before importing
anything of lintops, as ``python -m lintops`` does: a ``yaml.py`` in the repository an editor has
open is never imported. It keeps its standard output for replies (whatever a plugin prints goes to
standard error), dies with the server (``PR_SET_PDEATHSIG``) and ends when the server closes its
standard input.

Messages are length-prefixed pickles between this process and its own child (both trusted): a request
is ``(text, path or None, position encoding, {path: text} of the other unsaved buffers)``; the child
answers ``("prepared", None)`` once the configuration is loaded and the engine built (for a document
linted through a render: once its scope is copied), then ``("ok", (items, others, roots))``
(:class:`lintops.lsp.diagnostics.Diagnosed`: the document's ``Published`` items, the other files' by
path or None, what was rendered) or ``("error", traceback text)``. The time limit counts from
``prepared``: starting a process and loading rules and schemas are bounded apart
(:data:`PREPARE_TIME_LIMIT_SECONDS`), so that a small limit does not stop every lint after a restart.
The child imports the engine, not pygls or lsprotocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import struct
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

logger = logging.getLogger(__name__)

_LENGTH = struct.Struct(">Q")
#: How long starting the child and preparing a configuration (rules, schemas, plugins) may take:
#: work the buffer does not decide, bounded apart from the lint's own time limit (seconds).
PREPARE_TIME_LIMIT_SECONDS = 60.0
#: The child's program: no working directory on ``sys.path`` (but the directory this lintops is imported
#: from, last, for a source checkout run without installing), then this module's :func:`main`.
_BOOT = ("import sys\n"
         "if sys.path and sys.path[0] == '': del sys.path[0]\n"
         "if sys.argv[3] not in sys.path: sys.path.append(sys.argv[3])\n"
         "from lintops.lsp.worker import main\n"
         "main()\n")
_PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent.parent)


@dataclass(frozen=True)
class Result:
    """How one lint ended: ``ok`` (``items`` are the diagnostics), ``error`` (a lintops bug: ``detail`` is
    the traceback), ``timeout`` (stopped at a time limit; ``detail`` says which: ``prepare`` or ``lint``)
    or ``ended`` (the process died; ``detail`` says how)."""

    status: str
    items: list | None = None
    detail: str = ""
    #: For a document linted through a render: the other files' diagnostics by absolute path (else None).
    others: dict | None = None
    #: What was rendered (chart and overlay paths), for the server's log.
    roots: tuple[str, ...] = ()


class LintProcess:
    """The server's side: one child process, one lint at a time, each within ``time_limit`` seconds."""

    def __init__(self, config_path: str | None, time_limit: float) -> None:
        self.config_path = config_path
        self.time_limit = time_limit
        self._process: asyncio.subprocess.Process | None = None
        self._lock: asyncio.Lock | None = None

    async def start(self) -> None:
        """Start the child now (it imports the engine while the editor opens its first document)."""
        async with self._locked():
            await self._start()

    def _locked(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def _start(self) -> None:
        if self._process is None or self._process.returncode is not None:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", _BOOT, self.config_path or "", str(os.getpid()), _PACKAGE_PARENT,
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)

    async def lint(self, text: str, path: str | None, encoding: str, buffers: dict[str, str] | None = None) -> Result:
        """Lint in the child: starting it and preparing the configuration within
        :data:`PREPARE_TIME_LIMIT_SECONDS`, then the buffer within ``time_limit``."""
        async with self._locked():
            request = pickle.dumps((text, path, encoding, buffers or {}), protocol=pickle.HIGHEST_PROTOCOL)
            phase = "prepare"
            try:
                reply = await asyncio.wait_for(self._send(request), PREPARE_TIME_LIMIT_SECONDS)
                if reply[0] == "prepared":
                    phase = "lint"
                    reply = await asyncio.wait_for(self._receive(), self.time_limit)
            except asyncio.TimeoutError:
                await self._kill(self._process)
                return Result("timeout", detail=phase)
            except (OSError, EOFError, asyncio.IncompleteReadError, pickle.UnpicklingError) as exc:
                process = self._process
                await self._kill(process)
                return Result("ended", detail=_ending(process, exc))
            status, payload = reply
            if status == "ok":
                items, others, roots = payload
                return Result("ok", items=items, others=others, roots=roots)
            return Result("error", detail=payload)

    async def _send(self, request: bytes) -> tuple[str, object]:
        """Start the child if needed, send ``request``, return the first reply (``prepared`` or the last)."""
        await self._start()
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write(_LENGTH.pack(len(request)) + request)
        await self._process.stdin.drain()
        return await self._receive()

    async def _receive(self) -> tuple[str, object]:
        assert self._process is not None and self._process.stdout is not None
        (length,) = _LENGTH.unpack(await self._process.stdout.readexactly(_LENGTH.size))
        return pickle.loads(await self._process.stdout.readexactly(length))

    async def _kill(self, process: asyncio.subprocess.Process | None) -> None:
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(process.wait(), 5)
        if self._process is process:
            self._process = None

    def stop(self) -> None:
        """End the child (the server is shutting down); safe to call more than once, and after the loop ended."""
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()


def _ending(process: asyncio.subprocess.Process | None, exc: BaseException) -> str:
    code = None if process is None else process.returncode
    if code is None:
        return f"the lint process stopped answering ({type(exc).__name__})"
    if code < 0:
        return f"the lint process was killed by signal {-code}"
    return f"the lint process exited with status {code}"


# -- the child ---------------------------------------------------------------------------------------


def _read(stream: BinaryIO, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def main() -> None:
    """Answer lint requests on standard input until it closes."""
    from ..interrupts import detach_worker

    detach_worker(int(sys.argv[2]))
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.fdopen(os.dup(1), "wb")
    with open(os.devnull, "rb") as nothing:
        os.dup2(nothing.fileno(), 0)
    os.dup2(2, 1)  # what anything else prints (a plugin, a library) goes to standard error
    sys.stdin, sys.stdout = open(os.devnull), sys.stderr  # noqa: SIM115 - for the life of the process

    from .buffers import BufferLinter
    from .diagnostics import diagnose_all

    linter = BufferLinter(sys.argv[1] or None)
    while True:
        header = _read(requests, _LENGTH.size)
        if header is None:
            return
        body = _read(requests, _LENGTH.unpack(header)[0])
        if body is None:
            return
        text, path, encoding, buffers = pickle.loads(body)

        def send(reply: tuple[str, object]) -> None:
            data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
            replies.write(_LENGTH.pack(len(data)) + data)
            replies.flush()

        try:
            diagnosed = diagnose_all(linter, text, Path(path) if path else None, encoding,
                                     on_prepared=lambda: send(("prepared", None)), buffers=buffers)
        except Exception:  # a lintops bug: the server logs it and keeps the document's diagnostics
            send(("error", traceback.format_exc()))
        else:
            send(("ok", tuple(diagnosed)))
