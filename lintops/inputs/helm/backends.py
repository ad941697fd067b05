"""What renders a chart: the ``helm`` binary (``helm template``) or helm-python-sdk, behind one ``render`` call.

A backend is opened once per chart as a session, because the chart is rendered again later with
marked values (:mod:`.markers`) when a finding asks where a node came from. Every render is told its
target cluster (:class:`.capabilities.Capabilities`): ``helm template --kube-version --api-versions``,
or the same options of the SDK's native render.

helm-python-sdk is never loaded into lintops: a template is the linted tree's code, and a runaway one
(``range until 50000000``, ``repeat 2000000000``, ``tpl`` calling itself) aborts the process that
runs it. It runs in a child process (:mod:`.worker`), started when the first chart renders and kept
for the whole run, with a memory limit (:data:`RENDER_MEMORY_MIB`) and a time limit per render
(:data:`RENDER_TIMEOUT`); a render that reaches one is a :class:`_RenderLimit` naming it, the child
is replaced for the next render, and the run goes on. A render costs a round trip over a pipe (well
under a millisecond for a small chart) on top of Helm's own work.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..offline import offline_environment

if TYPE_CHECKING:  # pragma: no cover
    from .capabilities import Capabilities

#: Seconds one ``helm template`` may take.
BINARY_TIMEOUT = 120
#: Seconds one render with helm-python-sdk may take before its worker is killed (a template that
#: loops for hours); ``LINTOPS_HELM_TIMEOUT`` in lintops' environment sets another. Charts render in
#: milliseconds; the limit only stops what would never finish.
RENDER_TIMEOUT = 30.0
#: MiB of memory the helm-python-sdk render worker may use (``RLIMIT_DATA`` on Linux; a
#: ``range until 50000000`` would take 5 GB and more); ``LINTOPS_HELM_MEMORY_MIB`` sets another.
RENDER_MEMORY_MIB = 2048
#: Characters one render may produce; more is a problem, not a document lintops goes on to parse.
MAX_RENDER_OUTPUT = 64 << 20
#: Seconds the render worker may take to start and load the library.
START_TIMEOUT = 60.0
_INSTALL_HINT = ("install the helm extra (pip install 'lintops[helm]', which brings helm-python-sdk) "
                 "or put the helm binary on PATH")


class _RenderFailure(Exception):
    """Helm refused to render; the message is Helm's."""


def available_backend(preference: str = "auto") -> str | None:
    """``"binary"`` or ``"sdk"``: what renders charts here (``preference``: auto, binary, sdk), or None."""
    if preference in ("auto", "binary") and shutil.which("helm"):
        return "binary"
    if preference in ("auto", "sdk"):
        try:
            import importlib.util

            if importlib.util.find_spec("helm_python") is not None:
                return "sdk"
        except (ImportError, ValueError):  # pragma: no cover - a broken installation
            return None
    return None


class _RenderLimit(_RenderFailure):
    """A render stopped at a limit of the render worker; ``reason`` says which (time, memory, stack, output)."""

    def __init__(self, limit: str, reason: str) -> None:
        super().__init__(reason)
        self.limit = limit
        self.reason = reason


def _setting(name: str, default: float) -> float:
    """A limit from the environment of the lintops process (trusted, like its flags), else ``default``."""
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def render_timeout() -> float:
    """Seconds one render with helm-python-sdk may take: :data:`RENDER_TIMEOUT`, or ``LINTOPS_HELM_TIMEOUT``."""
    return _setting("LINTOPS_HELM_TIMEOUT", RENDER_TIMEOUT)


def render_memory() -> int:
    """MiB the render worker may use: :data:`RENDER_MEMORY_MIB`, or ``LINTOPS_HELM_MEMORY_MIB``."""
    return int(_setting("LINTOPS_HELM_MEMORY_MIB", RENDER_MEMORY_MIB))


class _Worker:
    """The child process that renders with helm-python-sdk (:mod:`.worker`), one per lintops process.

    Started on the first request, kept for every chart and environment of the run (the library loads
    once), killed when a render runs past its time limit, and started again for the next request.
    A child that dies (the Go runtime aborts when the memory limit is reached) is a
    :class:`_RenderLimit` naming the limit, read from what the child wrote on stderr.
    """

    def __init__(self) -> None:
        self.generation = 0  # increases with every start: chart handles of an older child are gone
        self._process: subprocess.Popen[bytes] | None = None
        self._replies: queue.Queue[bytes | None] = queue.Queue()
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._stderr: Any = None
        self._memory = 0
        self._starting = False  # spawned, its "ready" not read yet
        self._last_words = ""  # the last line a child that died wrote on stderr
        self.closing: list[int] = []  # charts of this generation to release with the next request

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """A running child, started unless one runs; RuntimeError when it cannot start (no helm-python-sdk)."""
        if not self.alive():
            self.spawn()
        if self._starting:
            self._starting = False
            try:
                ready = self._receive(START_TIMEOUT)
            except _RenderLimit as exc:
                self.stop()
                raise RuntimeError(f"the Helm render worker did not start: {self._last_words or exc}") from None
            if not ready.get("ready"):
                self.stop()
                raise RuntimeError(f"the Helm render worker did not start: {ready.get('error', ready)}")

    def spawn(self) -> None:
        """Start a child without waiting for it to load the library (:meth:`start` waits), unless one runs."""
        if self.alive():
            return
        self.stop()
        self._scratch = tempfile.TemporaryDirectory(prefix="lintops-helm-")
        scratch = Path(self._scratch.name)
        self._memory = render_memory()
        env = offline_environment(scratch)
        # No GOMEMLIMIT: collecting harder near the limit made a runaway template take twice as long to
        # reach it (11 s instead of 6.6 s for 2 GiB), and no chart that renders needs that much.
        env["GOTRACEBACK"] = "none"
        self._stderr = open(scratch / "stderr.log", "w+b")  # noqa: SIM115 - kept for the child's life
        self._replies = queue.Queue()
        self._process = subprocess.Popen(
            [sys.executable, "-I", str(Path(__file__).with_name("worker.py")), str(self._memory)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, env=env, cwd=scratch,
        )
        self.generation += 1
        self.closing = []
        threading.Thread(target=_pump, args=(self._process.stdout, self._replies), daemon=True,
                         name="lintops-helm-replies").start()
        self._starting = True

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request to the running child and wait at most ``timeout`` seconds for its reply."""
        assert self._process is not None and self._process.stdin is not None
        line = json.dumps(message, separators=(",", ":"))  # values that are not JSON fail before anything is sent
        lines = [json.dumps({"op": "close", "chart": chart}) for chart in self.closing] + [line]
        self.closing = []
        try:
            self._process.stdin.write(("\n".join(lines) + "\n").encode("utf-8"))
            self._process.stdin.flush()
        except OSError:
            pass  # the child is gone: its reply queue says so
        return self._receive(timeout)

    def _receive(self, timeout: float) -> dict[str, Any]:
        try:
            line = self._replies.get(timeout=timeout)
        except queue.Empty:
            self.stop()
            raise _RenderLimit("time", f"rendering did not finish within the time limit of {timeout:g} s") from None
        if line is None:
            raise self._death()
        reply: dict[str, Any] = json.loads(line)
        if reply.get("limit") == "output":
            raise _RenderLimit("output", f"the rendered output exceeded the limit of {MAX_RENDER_OUTPUT >> 20} MiB")
        if reply.get("limit") == "memory":
            self.stop()
            raise _RenderLimit("memory", f"rendering exceeded the memory limit of {self._memory} MiB")
        return reply

    def _death(self) -> _RenderLimit:
        """Why the child ended, from its exit status and the last lines it wrote on stderr."""
        assert self._process is not None
        try:
            status = self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - closed its stdout but lives on
            self._process.kill()
            status = self._process.wait()
        tail = b""
        if self._stderr is not None:
            self._stderr.seek(0, os.SEEK_END)  # Go's reason line comes before its stack dump (tens of KB)
            self._stderr.seek(max(0, self._stderr.tell() - (1 << 20)))
            tail = self._stderr.read()
        self.stop()
        lines = tail.decode("utf-8", "replace").strip().splitlines()
        self._last_words = lines[-1][:300] if lines else ""
        if b"out of memory" in tail or b"MemoryError" in tail or b"cannot allocate memory" in tail:
            return _RenderLimit("memory", f"rendering exceeded the memory limit of {self._memory} MiB")
        if b"stack overflow" in tail or b"stack exceeds" in tail:
            return _RenderLimit("stack", "template recursion exhausted the stack (Go's goroutine stack limit)")
        how = f"signal {-status}" if status < 0 else f"exit status {status}"
        return _RenderLimit("crash", f"the Helm renderer ended unexpectedly ({how})")

    def stop(self) -> None:
        """Kill the child (if any) and remove its scratch directory."""
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.kill()
            process.wait()
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None


def _pump(stream: Any, replies: queue.Queue[bytes | None]) -> None:
    """The child's replies, line by line, into ``replies``; None when the child's stdout closes."""
    try:
        for line in iter(stream.readline, b""):
            replies.put(line)
    except (OSError, ValueError):
        pass
    replies.put(None)


_WORKERS: dict[int, _Worker] = {}


def _worker() -> _Worker:
    """This process's render worker (a forked lintops process gets its own, never its parent's)."""
    worker = _WORKERS.get(os.getpid())
    if worker is None:
        worker = _WORKERS[os.getpid()] = _Worker()
    return worker


def prepare_worker() -> None:
    """Start the render worker early, so that its library loads while the first chart's files are read.

    A worker that cannot start is reported by the render that needs it, with the chart.
    """
    with contextlib.suppress(Exception):  # start() tries again and says why
        _worker().spawn()


@atexit.register
def _stop_worker() -> None:
    worker = _WORKERS.pop(os.getpid(), None)
    if worker is not None:
        worker.stop()


def package_chart(chart_dir: Path, destination: Path, helm: str | None = None) -> Path:
    """Archive the chart at ``chart_dir`` into ``destination`` as ``helm dependency build`` packages a
    ``file://`` dependency (Helm's loader, then ``chartutil.Save``): in the render worker, or with
    ``helm package`` when ``helm`` (the binary) is given; the archive.

    :class:`_RenderFailure` with Helm's message when Helm cannot load the chart.
    """
    if helm is not None:
        with tempfile.TemporaryDirectory(prefix="lintops-helm-") as scratch:
            try:
                process = subprocess.run([helm, "package", str(chart_dir), "--destination", str(destination)],
                                         capture_output=True, text=True, timeout=BINARY_TIMEOUT, check=False,
                                         cwd=scratch, env=offline_environment(Path(scratch)))
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise _RenderFailure(f"helm package could not run: {exc}") from None
        if process.returncode != 0:
            raise _RenderFailure((process.stderr.strip() or f"helm package exited with status "
                                                            f"{process.returncode}").removeprefix("Error: "))
        return destination
    worker = _worker()
    worker.start()
    reply = worker.request({"op": "package", "path": str(chart_dir), "destination": str(destination)},
                           render_timeout())
    if not reply.get("ok"):
        raise _RenderFailure(str(reply.get("error") or "helm could not package the chart"))
    return Path(str(reply["archive"]))


class _SdkSession:
    """Renders one chart with helm-python-sdk (Helm's Go SDK; offline, no cluster) in the render worker.

    The chart is loaded into the worker with its first render and rendered there for every
    environment and every marked render; when the worker was restarted (a render hit a limit), it is
    loaded again from ``chart_path``, which must therefore stay on disk while the session is used.
    """

    def __init__(self, chart_path: Path) -> None:
        self._path = chart_path
        self._chart: int | None = None  # the chart's id in the worker of generation self._generation
        self._generation = 0

    def render(self, values: dict[str, Any], release: str, namespace: str,
               capabilities: Capabilities | None = None, timeout: float | None = None) -> dict[str, str]:
        """The chart rendered with ``values`` for ``capabilities`` (None: Helm's default cluster);
        :class:`_RenderLimit` when it ran into a limit.

        The first render loads the chart in the worker (in the same round trip), later ones reuse it.
        """
        worker = _worker()
        worker.start()
        loaded = self._chart if self._generation == worker.generation else None
        request = {"op": "render", "chart": loaded, "path": str(self._path), "values": values,
                   "release": release, "namespace": namespace, "max_output": MAX_RENDER_OUTPUT}
        if capabilities is not None:
            request.update(capabilities.sdk_options())
        reply = worker.request(request, timeout or render_timeout())
        if reply.get("chart") is not None and reply["chart"] != loaded:
            self._chart, self._generation = int(reply["chart"]), worker.generation
            weakref.finalize(self, _release, worker, worker.generation, self._chart)
        if not reply.get("ok"):
            raise _RenderFailure(str(reply.get("error") or "helm could not render the chart"))
        manifests: dict[str, str] = reply["manifests"]
        return manifests

    def render_copy(self, chart_path: Path, values: dict[str, Any], release: str, namespace: str,
                    timeout: float, capabilities: Capabilities | None = None) -> dict[str, str]:
        """Render another chart directory (a reduced copy of this one) once, in the same worker."""
        return _SdkSession(chart_path).render(values, release, namespace, capabilities, timeout)


def _release(worker: _Worker, generation: int, chart: int) -> None:
    """Let the worker free a chart no session uses any more (sent with the next request)."""
    if worker.generation == generation:
        worker.closing.append(chart)


class _BinarySession:
    """Renders one chart with ``helm template`` (no cluster; dependencies must be vendored)."""

    def __init__(self, helm: str, chart_path: Path) -> None:
        self._helm = helm
        self._chart_path = chart_path

    def render(self, values: dict[str, Any], release: str, namespace: str,
               capabilities: Capabilities | None = None) -> dict[str, str]:
        """The chart rendered with ``values`` for ``capabilities`` (None: Helm's default cluster)."""
        arguments = capabilities.binary_arguments() if capabilities is not None else []
        with tempfile.TemporaryDirectory(prefix="lintops-helm-") as scratch:
            values_file = Path(scratch) / "values.json"
            values_file.write_text(json.dumps(values), encoding="utf-8")
            try:
                process = subprocess.run(
                    [self._helm, "template", release, str(self._chart_path), "--namespace", namespace,
                     "--values", str(values_file), *arguments],
                    capture_output=True, text=True, timeout=BINARY_TIMEOUT, check=False, cwd=scratch,
                    env=offline_environment(Path(scratch)),
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise _RenderFailure(f"helm template could not run: {exc}") from None
        if process.returncode != 0:
            message = process.stderr.strip() or f"helm template exited with status {process.returncode}"
            raise _RenderFailure(message.removeprefix("Error: "))
        return split_helm_output(process.stdout)


def split_helm_output(text: str) -> dict[str, str]:
    """``helm template`` output to ``{"<chart>/templates/<file>": text}`` by its ``# Source:`` lines."""
    from ...parse.splitters import split_helm

    sources: dict[str, list[str]] = {}
    for piece in split_helm(text):  # the manifest split as Helm splits it (lintops.parse.splitters)
        match = re.match(r"# Source: (\S[^\n]*)\n?", piece.text)
        if match is None:
            continue
        sources.setdefault(match[1].strip(), []).append(piece.text[match.end():] + "\n")
    return {key: "---\n".join(parts) for key, parts in sources.items()}
