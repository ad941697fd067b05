"""The ``helm`` kustomize runs for a ``helmCharts`` entry: it asks the lintops process that started kustomize.

Kustomize inflates a chart by running ``helm template`` itself (``--enable-helm --helm-command``).
lintops passes this script as that command, so that kustomize keeps deciding everything it decides
for a chart (which kustomization inflates it, with which values file, ``valuesInline`` merged as
``valuesMerge`` says, in which place among the generated objects, before which patches), while the
chart is rendered by lintops' own Helm backend (helm-python-sdk in lintops' render worker, with its
limits), in the lintops process, with no helm binary. There is no Helm here.

The script is run as a file (``python -I -S helm_command.py ARGS``, from a ``/bin/sh`` wrapper, because
kustomize takes one executable path; the wrapper answers ``helm version`` itself, which kustomize asks
before each chart) and uses only the standard library: it sends its arguments
as one JSON line over the Unix socket named by ``LINTOPS_HELM_SOCKET`` (a socket in lintops' own
temporary directory) and prints the reply, ``{"stdout": ..., "stderr": ..., "code": N}``, as a
program would, exiting with ``code``. Without the socket it fails and says so: it never renders or
downloads anything on its own.
"""

from __future__ import annotations

import json
import os
import socket
import sys

#: Seconds to wait for lintops' reply (a render is bounded by lintops' own limits, well within this).
REPLY_TIMEOUT = 600.0
#: The largest reply read (lintops bounds what a render may produce far below it).
MAX_REPLY = 256 << 20


def main(argv: list[str]) -> int:
    address = os.environ.get("LINTOPS_HELM_SOCKET", "")
    if not address or not hasattr(socket, "AF_UNIX"):
        sys.stderr.write("lintops' helm command was run without lintops (no LINTOPS_HELM_SOCKET)\n")
        return 1
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(REPLY_TIMEOUT)
            connection.connect(address)
            connection.sendall(json.dumps({"args": argv}).encode("utf-8") + b"\n")
            connection.shutdown(socket.SHUT_WR)
            chunks: list[bytes] = []
            size = 0
            while size <= MAX_REPLY:
                chunk = connection.recv(1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        reply = json.loads(b"".join(chunks).decode("utf-8"))
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"lintops' helm command could not reach lintops: {exc}\n")
        return 1
    sys.stdout.buffer.write(str(reply.get("stdout", "")).encode("utf-8"))
    sys.stderr.buffer.write(str(reply.get("stderr", "")).encode("utf-8"))
    return int(reply.get("code", 1))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
