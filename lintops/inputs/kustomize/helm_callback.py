"""The way back from kustomize to lintops: the ``helm`` command it runs, and the socket that command calls.

Kustomize runs ``helm`` as a program; lintops must answer in its own process (where the render
worker and its limits are). So the transport is kept apart from what is answered
(:mod:`.helm_charts`): :class:`HelmCallback` writes the command kustomize is told to run (a
``/bin/sh`` wrapper around :mod:`.helm_command`, in the caller's temporary directory), listens on a
Unix socket beside it, runs kustomize and hands each request to the answering function, on the
caller's thread, until kustomize ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

#: The largest request the helm command may send (its arguments; values travel as files).
_MAX_REQUEST = 1 << 20
#: What the helm command answers to ``helm version``: kustomize v5 wants Helm 3 (or 4) and reads the number.
VERSION = "v3.0.0+lintops (charts are rendered by lintops' own Helm backend)\n"

#: Answers one call: the ``helm`` arguments to ``(exit code, stdout, stderr)``.
Answer = Callable[[list[str]], tuple[int, str, str]]


class HelmCallback:
    """The ``helm`` command kustomize runs and the socket it calls back on, in one scratch directory."""

    def __init__(self, scratch: Path, env: dict[str, str]) -> None:
        """Listen in ``scratch`` (the caller's temporary directory, removed by it) and write the command;
        ``env`` (kustomize's environment) gets the socket and the temporary directory kustomize uses."""
        self.scratch = Path(os.path.realpath(scratch))
        address = scratch / "helm.sock"
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(address))
        listener.listen(4)
        self._listener: socket.socket | None = listener
        command = scratch / "helm"
        script = Path(__file__).with_name("helm_command.py")
        # `helm version` (kustomize asks before each chart) is answered by the shell; the rest by lintops
        command.write_text(f"#!/bin/sh\nif [ \"$1\" = version ]; then printf '%s' {shlex.quote(VERSION)}; exit 0; fi\n"
                           f"exec {shlex.quote(sys.executable)} -I -S {shlex.quote(str(script))} \"$@\"\n",
                           encoding="utf-8")
        command.chmod(0o700)
        env["LINTOPS_HELM_SOCKET"] = str(address)
        env["TMPDIR"] = str(scratch)  # kustomize writes the merged values there: removed with the scratch directory
        #: The flags that make kustomize run the command.
        self.flags = ["--enable-helm", "--helm-command", str(command)]

    def run(self, argv: list[str], cwd: Path, env: dict[str, str], timeout: float,
            answer: Answer) -> subprocess.CompletedProcess[str]:
        """Run kustomize (as ``subprocess.run`` would) and ``answer`` its helm calls until it ends.

        The calls are answered here, on the caller's thread: rendering stays where every other render
        of the run happens (the render worker is this thread's child, and an interrupt reaches it).
        Kustomize waits for each answer, so nothing else runs meanwhile. A failure of lintops itself
        while answering stops kustomize and is raised (it is lintops' bug).
        """
        listener = self._listener
        assert listener is not None
        with open(self.scratch / "kustomize.out", "w+b") as out, open(self.scratch / "kustomize.err", "w+b") as err:
            process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
            try:
                deadline = time.monotonic() + timeout
                while process.poll() is None:
                    if time.monotonic() > deadline:
                        raise subprocess.TimeoutExpired(argv, timeout)
                    ready, _, _ = select.select([listener], [], [], 0.02)
                    if ready:
                        _serve_one(listener, answer)
            except BaseException:
                process.kill()
                process.wait()
                raise
            out.seek(0)
            err.seek(0)
            return subprocess.CompletedProcess(argv, process.returncode, out.read().decode("utf-8", "replace"),
                                               err.read().decode("utf-8", "replace"))

    def stop(self) -> None:
        """Stop listening."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None


def _serve_one(listener: socket.socket, answer: Answer) -> None:
    connection, _ = listener.accept()
    with connection:
        connection.settimeout(30)
        code, stdout, stderr = answer(_receive(connection))
        with contextlib.suppress(OSError):  # the command is gone (kustomize was stopped)
            connection.sendall(json.dumps({"code": code, "stdout": stdout, "stderr": stderr}).encode("utf-8"))


def _receive(connection: socket.socket) -> list[str]:
    data = b""
    while len(data) <= _MAX_REQUEST:
        chunk = connection.recv(65536)
        if not chunk:
            break
        data += chunk
    request = json.loads(data.decode("utf-8"))
    args = request.get("args") if isinstance(request, dict) else None
    return [str(arg) for arg in args] if isinstance(args, list) else []
