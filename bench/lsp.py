"""Benchmark: the language server under a burst of edits to a large buffer.

Usage: ``python bench/lsp.py [--objects 2000] [--changes 200]``

Starts ``python -m lintops lsp`` as an editor does, opens one buffer of ``--objects`` objects (the
manifests of bench/run.py, in one document), waits for its diagnostics, then sends ``--changes``
``didChange`` notifications as fast as the pipe takes them (each a whole new text, one name edited,
as a fast typist or a search-and-replace produces them) and measures:

* ``final``: from the last change sent to the diagnostics of that last version (what the user waits
  for once they stop typing), and from the first change (a server that lints every version reads the
  burst only as fast as it lints, so the last change is sent late);
* ``publishes``: how many diagnostics notifications the burst produced (one per lint pass);
* ``codeAction``: how long a request takes to be answered while the server is busy with the burst
  (sent right after the last change).

Prints one line per measure. The server is shut down and exits at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import TEMPLATES


def buffer(objects: int, edit: int = 0) -> str:
    text = "---\n".join(TEMPLATES[k % len(TEMPLATES)].format(i=k, team=k % 17) for k in range(objects))
    return text.replace("name: app-0\n", f"name: app-0-edit-{edit}\n", 1)


class Wire:
    """A minimal JSON-RPC client over a subprocess's standard input and output."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.next_id = 0
        self.waiting: dict[int, asyncio.Future] = {}
        self.notifications: asyncio.Queue = asyncio.Queue()
        self.reader = asyncio.ensure_future(self._read())

    async def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        await self.process.stdin.drain()

    async def request(self, method: str, params: dict | None) -> dict:
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.waiting[self.next_id] = future
        await self.send({"id": self.next_id, "method": method, "params": params})
        return await future

    async def notify(self, method: str, params: dict) -> None:
        await self.send({"method": method, "params": params})

    async def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = 0
            while (line := await stream.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line:
                return
            message = json.loads(await stream.readexactly(length))
            if "id" in message and "method" not in message:
                self.waiting.pop(message["id"]).set_result(message)
            elif "method" in message:
                await self.notifications.put((time.perf_counter(), message))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--changes", type=int, default=200)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory) / "gitops"
        (root / ".git").mkdir(parents=True)
        uri = (root / "apps.yaml").as_uri()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "lintops", "lsp", cwd=directory,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        wire = Wire(process)
        await wire.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        await wire.notify("initialized", {})

        async def diagnostics_of(version: int) -> tuple[float, int]:
            publishes = 0
            while True:
                when, message = await wire.notifications.get()
                if message["method"] != "textDocument/publishDiagnostics":
                    continue
                publishes += 1
                if message["params"].get("version") == version:
                    return when, publishes

        started = time.perf_counter()
        await wire.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "yaml", "version": 1, "text": buffer(options.objects)}})
        opened, _ = await diagnostics_of(1)
        print(f"open: {opened - started:.2f} s until the first diagnostics ({options.objects} objects)")

        texts = [buffer(options.objects, edit) for edit in range(1, options.changes + 1)]
        burst = time.perf_counter()
        for version, text in enumerate(texts, start=2):
            await wire.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": text}]})
        last_sent = time.perf_counter()
        last_version = options.changes + 1
        final = asyncio.ensure_future(diagnostics_of(last_version))
        asked = time.perf_counter()
        await wire.request("textDocument/codeAction", {
            "textDocument": {"uri": uri},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": []}})
        answered = time.perf_counter()
        published, publishes = await final
        print(f"burst: {options.changes} changes sent in {last_sent - burst:.2f} s")
        print(f"codeAction: answered in {answered - asked:.3f} s during the burst")
        print(f"final: {published - last_sent:.2f} s from the last change sent to its diagnostics, "
              f"{published - burst:.2f} s from the first ({publishes} publishes for {options.changes} changes)")

        await wire.request("shutdown", None)
        await wire.notify("exit", {})
        await asyncio.wait_for(process.wait(), 30)
        wire.reader.cancel()


if __name__ == "__main__":
    asyncio.run(main())
