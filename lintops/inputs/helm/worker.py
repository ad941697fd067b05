"""The Helm render worker: helm-python-sdk in a child process, so that a runaway template costs that process only.

Helm's Go SDK runs in the process that loads it, and a template is the linted tree's code:
``range until 50000000`` or ``repeat 2000000000`` exhausts memory and the Go runtime aborts the whole
process; ``tpl`` calling itself overflows the stack; a nested loop runs for hours. So lintops never
loads the SDK itself. :mod:`.backends` starts this module as a script, one child per run, with
``python -I worker.py MEMORY_MIB`` (``-I``: nothing of the caller's environment or working directory
is imported), in the offline environment of :mod:`lintops.inputs.offline`, and kills it when a
render runs past the time limit; the next render starts a new one.

The child limits its own memory before the library loads: ``RLIMIT_DATA``, which Linux applies to
anonymous memory maps, so it bounds what the Go heap can take. (``RLIMIT_AS`` does not work: the Go
runtime reserves address space far beyond what it uses, and a 2 GiB ``RLIMIT_AS`` already refuses a
400 MB allocation with 8 MB in use.) Where the platform has no such limit (macOS does not enforce
``RLIMIT_DATA``; Windows has no ``resource`` module) only the time limit applies.

Protocol: one JSON object per line on stdin, one reply per line on the reply stream (the original
stdout; file descriptor 1 is then pointed at stderr, so that nothing the library prints can mix into
a reply). The first reply, ``{"ok": true, "ready": true}``, says the library is loaded.

- ``{"op": "render", "chart": ID or null, "path": DIR, "values": {...}, "release": NAME, "namespace": NS,
  "max_output": N, "kube_version": "v1.N.0", "api_versions": [...]}`` -> ``{"ok": true, "chart": ID,
  "manifests": {"<chart>/templates/<file>": text}}``; a chart this worker does not hold (``null``, or
  loaded by an earlier worker) is loaded from ``path`` first, and the reply says its ``ID`` for the
  next renders; without ``kube_version`` and ``api_versions``, Helm's defaults apply;
- ``{"op": "package", "path": DIR, "destination": DIR}`` -> ``{"ok": true, "archive": PATH}``: the chart
  at ``path`` loaded by Helm's loader and archived into ``destination`` (``chartutil.Save``), as
  ``helm dependency build`` packages a ``file://`` dependency;
- ``{"op": "close", "chart": ID}`` frees a chart; it has no reply.

A refusal is ``{"ok": false, "error": MESSAGE}`` (Helm's message), or with ``"limit": "output"`` when
the rendered text is larger than the request's ``max_output`` characters, or ``"limit": "memory"``
when Python itself ran out of memory. The worker uses only the standard library and
helm-python-sdk: it is run as a file, not imported from lintops.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from typing import Any, TextIO

_MIB = 1 << 20


def _limit_memory(mebibytes: int) -> None:
    if mebibytes <= 0:
        return
    try:
        import resource
    except ImportError:  # Windows
        return
    limit = mebibytes * _MIB
    with contextlib.suppress(ValueError, OSError):  # a hard limit below ours is already stricter
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def _die_with_parent() -> None:
    """On Linux, the kernel kills this process when the parent ends (a killed lintops leaves no worker)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no libc symbol
        return
    if os.getppid() == 1:  # the parent is already gone
        sys.exit(0)


def _reply(stream: TextIO, message: dict[str, Any]) -> None:
    stream.write(json.dumps(message, separators=(",", ":")) + "\n")
    stream.flush()


def _render(helm: Any, chart: Any, request: dict[str, Any]) -> dict[str, str]:
    """Render ``chart`` as ``helm install --dry-run`` would, for the cluster the request names.

    ``Chart.render()`` passes only name, namespace, revision and the install/upgrade flags, so the
    library's native ``helm_render`` is called here with its whole options object: ``kube_version``
    (``.Capabilities.KubeVersion``) and ``api_versions`` (added to Helm's built-in set of
    ``.Capabilities.APIVersions``) when the request has them. An unknown key is the library's error.
    """
    options: dict[str, Any] = {"is_install": True}
    for option, key in (("name", "release"), ("namespace", "namespace"), ("kube_version", "kube_version"),
                        ("api_versions", "api_versions")):
        if request.get(key) is not None:
            options[option] = request[key]
    from helm_python import _native

    rendered = _native.call_string("helm_render", chart._raw(), json.dumps(request.get("values") or {}),
                                   json.dumps(options))
    manifests: dict[str, str] = json.loads(rendered)
    return manifests


def _handle(request: dict[str, Any], charts: dict[int, Any], helm: Any, counter: list[int]) -> dict[str, Any] | None:
    op = request.get("op")
    if op == "close":  # no reply: the parent sends it ahead of its next request
        chart = charts.pop(int(request["chart"]), None)
        if chart is not None:
            chart.close()
        return None
    if op == "package":
        loaded = helm.Chart.load(str(request["path"]))
        try:
            return {"ok": True, "archive": loaded.save(str(request["destination"]))}
        finally:
            loaded.close()
    if op == "render":
        key = request.get("chart")
        if key not in charts:  # the first render of a chart loads it, in the same round trip
            chart = helm.Chart.load(str(request["path"]))
            counter[0] += 1
            key = counter[0]
            charts[key] = chart
        # Helm's render prunes the chart it is given (ProcessDependencies drops the dependencies that these
        # values disable, and renames aliases in place): a chart that lists dependencies is rendered from a
        # fresh load every time, so that one environment's conditions never reach the next (about 1 ms).
        fresh = helm.Chart.load(str(request["path"])) if charts[key].metadata.get("dependencies") else None
        try:
            manifests = _render(helm, fresh or charts[key], request)
        except helm.HelmError as exc:  # the chart stays loaded: the reply says its ID all the same
            return {"ok": False, "chart": key, "error": getattr(exc, "detail", None) or str(exc)}
        finally:
            if fresh is not None:
                fresh.close()
        size = sum(len(text) for text in manifests.values())
        limit = int(request.get("max_output") or 0)
        if limit and size > limit:
            return {"ok": False, "chart": key, "limit": "output", "error": f"{size} characters rendered"}
        return {"ok": True, "chart": key, "manifests": manifests}
    return {"ok": False, "error": f"unknown request {op!r}"}


def main(argv: list[str]) -> int:
    _limit_memory(int(argv[1]) if len(argv) > 1 else 0)
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what an interrupt ends
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    import helm_python

    charts: dict[int, Any] = {}
    counter = [0]
    _reply(replies, {"ok": True, "ready": True})
    for line in sys.stdin:
        try:
            request = json.loads(line)
            reply = _handle(request, charts, helm_python, counter)
        except helm_python.HelmError as exc:
            reply = {"ok": False, "error": getattr(exc, "detail", None) or str(exc)}
        except MemoryError:
            reply = {"ok": False, "limit": "memory", "error": "out of memory"}
        except Exception as exc:  # a malformed request: lintops' own bug, said as such
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}", "internal": True}
        if reply is None:
            continue
        try:
            _reply(replies, reply)
        except MemoryError:
            _reply(replies, {"ok": False, "limit": "memory", "error": "out of memory"})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
