"""``lintops lsp`` against clients that break the protocol and buffers that would stall it.

The wire tests start the real ``python -m lintops lsp`` as a subprocess and speak raw JSON-RPC over
its standard input and output (``Content-Length`` framing), so that they can send what no
well-behaved client library sends: a request before ``initialize``, params of the wrong shape, a
body that is not JSON. Every reply is read back from the framed stream and its error code asserted
(LSP 3.17 and JSON-RPC 2.0: -32002 ServerNotInitialized, -32602 InvalidParams, -32600
InvalidRequest, -32700 ParseError, -32601 MethodNotFound).

The load tests measure what the editor feels: a burst of changes to a 2,000-object buffer ends in
one lint of its last version (not a backlog of minutes); requests are answered while a large buffer
is linted; a lint that runs past the time limit (a repository rule whose ``name_pattern`` backtracks
for ever, or simply a large buffer with a small ``timeLimit``) is stopped with one diagnostic and the
next edit is linted again; a document over the size limit gets exactly one diagnostic.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pygls")

SERVER = [sys.executable, "-m", "lintops", "lsp"]
TIMEOUT = 60
PUBLISH = "textDocument/publishDiagnostics"

SERVER_NOT_INITIALIZED, INVALID_PARAMS, INVALID_REQUEST, PARSE_ERROR, METHOD_NOT_FOUND = (
    -32002, -32602, -32600, -32700, -32601)

SCHEMA_TYPO = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\nbogus: 1\n"

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: team-{team}
  labels: {{app: app-{i}}}
spec:
  replicas: 3
  selector:
    matchLabels: {{app: app-{i}}}
  template:
    metadata:
      labels: {{app: app-{i}}}
    spec:
      securityContext: {{runAsNonRoot: true, runAsUser: 10001}}
      containers:
      - name: app
        image: registry.example.com/team-{team}/app-{i}:1.{i}.0
        securityContext: {{readOnlyRootFilesystem: true, allowPrivilegeEscalation: false}}
        resources:
          requests: {{cpu: 100m, memory: 128Mi}}
          limits: {{cpu: 500m, memory: 256Mi}}
        livenessProbe: {{httpGet: {{path: /healthz, port: 8080}}}}
        readinessProbe: {{httpGet: {{path: /ready, port: 8080}}}}
"""
CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-{i}-settings
  namespace: team-{team}
data:
  LOG_LEVEL: info
  FEATURE_FLAGS: "search,export"
"""


def big_buffer(objects: int, edit: int = 0) -> str:
    """``objects`` Deployments and ConfigMaps in one document; ``edit`` changes one name."""
    text = "---\n".join((DEPLOYMENT if k % 2 == 0 else CONFIGMAP).format(i=k, team=k % 17) for k in range(objects))
    return text.replace("name: app-0\n", f"name: app-0-v{edit}\n", 1)


class Wire:
    """A raw JSON-RPC client of a real ``lintops lsp`` subprocess: framed writes, framed reads on a thread."""

    def __init__(self, cwd: Path, *args: str) -> None:
        self.process = subprocess.Popen([*SERVER, *args], cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=None)  # pytest shows it when a test fails
        self.messages: queue.Queue = queue.Queue()
        #: Messages read but not consumed yet (a wait for one message leaves the others for later).
        self.pending: list[tuple[float, dict]] = []
        self.next_id = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line == b"\r\n":
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert length is not None, "a frame without Content-Length"
            self.messages.put((time.monotonic(), json.loads(stream.read(length))))

    def write(self, body: bytes) -> None:
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def send(self, message: dict) -> None:
        self.write(json.dumps(message).encode())

    def request(self, method: str, params: Any = None, **extra: Any) -> int:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params, **extra})
        return self.next_id

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def next(self, accept, timeout: float = TIMEOUT) -> tuple[float, dict]:
        """The first message, in arrival order, that ``accept`` takes (and no other is consumed)."""
        deadline = time.monotonic() + timeout
        while True:
            for index, (when, message) in enumerate(self.pending):
                if accept(message):
                    del self.pending[index]
                    return when, message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("no such message from the server in time")
            try:
                self.pending.append(self.messages.get(timeout=remaining))
            except queue.Empty:
                continue

    def reply(self, request_id: Any, timeout: float = TIMEOUT) -> dict:
        return self.next(lambda m: "method" not in m and m.get("id") == request_id, timeout)[1]

    def diagnostics(self, uri: str, timeout: float = TIMEOUT) -> tuple[float, dict]:
        return self.next(lambda m: m.get("method") == PUBLISH and m["params"]["uri"] == uri, timeout)

    def quiet(self, seconds: float) -> list[dict]:
        """Every message not consumed yet, waiting ``seconds`` for more."""
        time.sleep(seconds)
        while not self.messages.empty():
            self.pending.append(self.messages.get())
        seen, self.pending = [message for _, message in self.pending], []
        return seen

    def initialize(self, options: dict | None = None) -> dict:
        params = {"processId": os.getpid(), "rootUri": None, "capabilities": {}}
        if options is not None:
            params["initializationOptions"] = options
        reply = self.reply(self.request("initialize", params))
        assert reply["result"]["serverInfo"]["name"] == "lintops"
        self.notify("initialized", {})
        return reply

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.notify("textDocument/didOpen",
                    {"textDocument": {"uri": uri, "languageId": "yaml", "version": version, "text": text}})

    def change(self, uri: str, text: str, version: int) -> None:
        self.notify("textDocument/didChange",
                    {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]})

    def code_action(self, uri: str) -> int:
        return self.request("textDocument/codeAction", {
            "textDocument": {"uri": uri},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": []}})

    def close(self) -> int:
        """Shut down and exit (as far as the server still listens); the exit code."""
        try:
            self.reply(self.request("shutdown"), timeout=10)
            self.notify("exit")
        except (AssertionError, OSError):
            pass
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "gitops"
    (root / ".git").mkdir(parents=True)
    (root / "apps").mkdir()
    return root


@pytest.fixture
def wire(repo: Path):
    client = Wire(repo)
    yield client
    client.close()


def codes(message: dict) -> list[str]:
    return [d["code"] for d in message["params"]["diagnostics"]]


# -- the lifecycle and error answers -----------------------------------------------------------------------


def test_requests_before_initialize_are_answered_server_not_initialized(wire: Wire, repo: Path):
    uri = (repo / "apps" / "cm.yaml").as_uri()
    early = wire.code_action(uri)
    shutdown = wire.request("shutdown")
    unknown = wire.request("lintops/whatever", {})
    wire.open(uri, SCHEMA_TYPO)  # a notification before initialize: dropped
    for request_id in (early, shutdown, unknown):
        reply = wire.reply(request_id)
        assert reply["error"]["code"] == SERVER_NOT_INITIALIZED, reply
        assert "result" not in reply
    assert [m for m in wire.quiet(1.0) if m.get("method") == PUBLISH] == []

    wire.initialize()  # and then it serves: the dropped didOpen left nothing behind
    assert wire.reply(wire.code_action(uri))["result"] == []
    wire.open(uri, SCHEMA_TYPO)
    assert codes(wire.diagnostics(uri)[1]) == ["schema"]


def test_exit_before_initialize_ends_the_server_with_status_1(repo: Path):
    client = Wire(repo)
    client.notify("exit")
    assert client.process.wait(timeout=TIMEOUT) == 1  # LSP: 1 when no shutdown came first


def test_invalid_params_are_answered_invalid_params_with_the_request_id(wire: Wire, repo: Path):
    bad_initialize = wire.request("initialize", {"processId": "not a number", "capabilities": 7})
    reply = wire.reply(bad_initialize)
    assert reply["error"]["code"] == INVALID_PARAMS, reply
    assert reply["id"] == bad_initialize
    # Still not initialized: the invalid initialize did not count.
    assert wire.reply(wire.code_action("file:///x.yaml"))["error"]["code"] == SERVER_NOT_INITIALIZED

    wire.initialize()
    uri = (repo / "apps" / "cm.yaml").as_uri()
    for params in ({"textDocument": 5}, {"textDocument": {"uri": uri}, "range": "everything"}, [1, 2], None):
        request_id = wire.request("textDocument/codeAction", params)
        reply = wire.reply(request_id)
        assert (reply["id"], reply["error"]["code"]) == (request_id, INVALID_PARAMS), (params, reply)
    string_id = wire.request("textDocument/codeAction", {"range": {}}, id="with-a-string-id")
    assert wire.reply("with-a-string-id")["error"]["code"] == INVALID_PARAMS, string_id

    # A notification with invalid params is dropped; the server carries on.
    wire.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "text": 12}})
    wire.open(uri, SCHEMA_TYPO)
    assert codes(wire.diagnostics(uri)[1]) == ["schema"]


def test_second_initialize_unknown_methods_and_requests_after_shutdown(wire: Wire, repo: Path):
    wire.initialize()
    uri = (repo / "apps" / "cm.yaml").as_uri()
    wire.open(uri, SCHEMA_TYPO)
    assert codes(wire.diagnostics(uri)[1]) == ["schema"]

    again = wire.reply(wire.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}}))
    assert again["error"]["code"] == INVALID_REQUEST
    assert wire.reply(wire.request("lintops/whatever", {}))["error"]["code"] == METHOD_NOT_FOUND
    wire.change(uri, SCHEMA_TYPO.replace("bogus: 1\n", ""), version=2)  # the document survived
    assert codes(wire.diagnostics(uri)[1]) == []

    assert wire.reply(wire.request("shutdown"))["result"] is None
    after = wire.reply(wire.code_action(uri))
    assert after["error"]["code"] == INVALID_REQUEST  # LSP: requests after shutdown error with InvalidRequest
    wire.notify("exit")
    assert wire.process.wait(timeout=TIMEOUT) == 0


def test_what_is_not_json_rpc_is_answered_with_a_null_id(wire: Wire):
    wire.initialize()
    wire.write(b'{"jsonrpc": "2.0", "id": 41, "method": ')  # cut short: not JSON
    reply = wire.next(lambda m: "error" in m)[1]
    assert (reply["id"], reply["error"]["code"]) == (None, PARSE_ERROR)
    wire.send({"id": 42, "method": "textDocument/codeAction", "params": {}})  # no "jsonrpc": "2.0"
    assert wire.reply(42)["error"]["code"] == INVALID_REQUEST
    wire.send({"jsonrpc": "2.0", "id": [43], "method": "shutdown"})  # an id must be a number or a string
    reply = wire.next(lambda m: "error" in m)[1]
    assert (reply["id"], reply["error"]["code"]) == (None, INVALID_REQUEST)
    assert wire.reply(wire.request("shutdown"))["result"] is None  # the server still answers


@pytest.mark.asyncio
async def test_a_pytest_lsp_client_gets_server_not_initialized_before_initialize(repo: Path):
    """The same through pytest-lsp's client (pygls). pytest-lsp refuses to send a request before
    ``initialize`` itself, so the request goes through the pygls protocol under it; invalid params
    cannot be sent through either (their requests are typed), which is why the wire tests above exist."""
    from lsprotocol import types
    from pygls.exceptions import JsonRpcException
    from pytest_lsp import ClientServerConfig, client_capabilities
    from pytest_lsp.protocol import LanguageClientProtocol

    client = await ClientServerConfig(server_command=SERVER).start()
    uri = (repo / "apps" / "cm.yaml").as_uri()
    try:
        with pytest.raises(JsonRpcException) as early:
            await super(LanguageClientProtocol, client.protocol).send_request_async(
                types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=uri),
                    range=types.Range(start=types.Position(line=0, character=0),
                                      end=types.Position(line=0, character=0)),
                    context=types.CodeActionContext(diagnostics=[])))
        assert early.value.code == SERVER_NOT_INITIALIZED
        result = await client.initialize_session(types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code")))
        assert result.server_info.name == "lintops"
        waiting = client.protocol.wait_for_notification_async(PUBLISH)
        client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
            uri=uri, language_id="yaml", version=1, text=SCHEMA_TYPO)))
        params = await asyncio.wait_for(waiting, TIMEOUT)
        assert [d.code for d in params.diagnostics] == ["schema"]
        await client.shutdown_session()
    finally:
        if client._server is not None and client._server.returncode is None:
            client._server.kill()  # pygls' stop() waits for the server to exit
        await client.stop()


# -- debouncing, the newest version, a loop that never blocks -----------------------------------------------


def test_a_burst_of_changes_is_one_lint_of_the_newest_version(wire: Wire, repo: Path):
    wire.initialize()
    uri = (repo / "apps" / "big.yaml").as_uri()
    wire.open(uri, big_buffer(2000))
    _, first = wire.diagnostics(uri)
    assert first["params"]["version"] == 1
    baseline = codes(first)

    changes = 200
    texts = [big_buffer(2000, edit) for edit in range(1, changes)]
    last = big_buffer(2000, changes).replace('"search,export"\n', '"search,export"\nbogus: 1\n', 1)
    for version, text in enumerate([*texts, last], start=2):
        wire.change(uri, text, version)
    sent = time.monotonic()
    last_version = changes + 1

    published = []
    while True:
        when, message = wire.diagnostics(uri)
        published.append(message["params"]["version"])
        if message["params"]["version"] == last_version:
            break
    latency = when - sent
    assert codes(message).count("schema") == baseline.count("schema") + 1  # the last text's own typo
    assert published == sorted(set(published)), published  # never an older version after a newer one
    assert len(published) <= 5, published  # coalesced: not one lint per change
    assert latency < 30, latency  # linting every version took minutes
    assert [m for m in wire.quiet(1.0) if m.get("method") == PUBLISH] == []  # nothing stale comes after


def test_requests_are_answered_while_a_large_buffer_is_linted(wire: Wire, repo: Path):
    wire.initialize()
    small = (repo / "apps" / "small.yaml").as_uri()
    wire.open(small, SCHEMA_TYPO)  # the lint process has started and prepared the configuration
    wire.diagnostics(small)

    uri = (repo / "apps" / "big.yaml").as_uri()
    wire.open(uri, big_buffer(4000))
    time.sleep(0.3)  # the lint is under way
    asked = time.monotonic()
    request_id = wire.code_action(small)
    answered, reply = wire.next(lambda m: m.get("id") == request_id)
    published, _ = wire.diagnostics(uri)
    assert reply["result"] == []
    assert answered < published, "the request waited for the lint"
    assert answered - asked < 1.0, answered - asked
    asked = time.monotonic()
    wire.open(uri.replace("big", "big2"), big_buffer(4000))
    time.sleep(0.3)
    shutdown_id = wire.request("shutdown")
    assert wire.reply(shutdown_id, timeout=5)["result"] is None
    assert time.monotonic() - asked < 1.5


def test_a_lint_past_the_time_limit_is_stopped_with_one_diagnostic(repo: Path):
    client = Wire(repo)
    try:
        client.initialize({"timeLimit": 0.2})
        uri = (repo / "apps" / "big.yaml").as_uri()
        client.open(uri, big_buffer(4000))
        _, message = client.diagnostics(uri)
        [diagnostic] = message["params"]["diagnostics"]
        assert diagnostic["code"] == "lint-failed"
        assert "time limit" in diagnostic["message"]
        assert diagnostic["range"]["start"] == {"line": 0, "character": 0}

        client.change(uri, SCHEMA_TYPO, version=2)  # a new lint process lints the next version
        _, message = client.diagnostics(uri)
        assert (message["params"]["version"], codes(message)) == (2, ["schema"])
    finally:
        assert client.close() == 0


REDOS_RULE = """\
id: credential-names
severity: error
summary: Variables with credential names carry no literal value.
check: plaintext-secret
targets: [container]
params:
  name_pattern: "^(a+)+$"
"""
REDOS_POD = """\
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  containers:
    - name: app
      image: nginx:1.25.3
      env:
        - name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!
          value: "x"
"""


def test_a_backtracking_repository_rule_never_blocks_the_server(repo: Path):
    """With a backtracking engine the lint is stopped at the time limit; with a linear one it finishes.

    Either way, the server answers at once while the lint runs, and the next edit is linted.
    """
    (repo / ".lintops" / "rules").mkdir(parents=True)
    (repo / ".lintops" / "rules" / "credential-names.yaml").write_text(REDOS_RULE)
    client = Wire(repo)
    try:
        client.initialize({"timeLimit": 3})
        uri = (repo / "apps" / "pod.yaml").as_uri()
        client.open(uri, REDOS_POD)
        time.sleep(0.5)
        asked = time.monotonic()
        request_id = client.code_action(uri)
        answered, _ = client.next(lambda m: m.get("id") == request_id)
        assert answered - asked < 1.0, answered - asked
        _, message = client.diagnostics(uri)
        found = codes(message)
        assert found == ["lint-failed"] or "lint-failed" not in found, found

        client.change(uri, SCHEMA_TYPO, version=2)
        _, message = client.diagnostics(uri)
        assert (message["params"]["version"], codes(message)) == (2, ["schema"])
    finally:
        assert client.close() == 0


def test_a_document_over_the_size_limit_gets_one_diagnostic_and_is_not_linted(wire: Wire, repo: Path):
    from lintops.lsp.server import MAX_DOCUMENT_BYTES

    wire.initialize()
    uri = (repo / "apps" / "huge.yaml").as_uri()
    line = "# é" + "x" * 95 + "\n"  # 100 bytes of UTF-8, 99 characters
    text = SCHEMA_TYPO + line * (MAX_DOCUMENT_BYTES // 100 + 1)
    size = len(text.encode())
    assert len(text) < MAX_DOCUMENT_BYTES < size  # over the limit in bytes, not in characters
    started = time.monotonic()
    wire.open(uri, text)
    when, message = wire.diagnostics(uri)
    [diagnostic] = message["params"]["diagnostics"]
    assert diagnostic["code"] == "yaml-limit"
    assert f"{size:,} bytes" in diagnostic["message"] and f"{MAX_DOCUMENT_BYTES:,}-byte limit" in diagnostic["message"]
    assert diagnostic["range"] == {"start": {"line": 0, "character": 0},
                                   "end": {"line": 0, "character": len("apiVersion: v1")}}
    assert when - started < 10
    assert wire.reply(wire.code_action(uri))["result"] == []  # no quick fix for a limit

    wire.change(uri, SCHEMA_TYPO, version=2)  # back under the limit: linted again
    _, message = wire.diagnostics(uri)
    assert codes(message) == ["schema"]

    # 40 MiB, more than the command line's file limit: refused as fast, measured without encoding it.
    started = time.monotonic()
    wire.change(uri, SCHEMA_TYPO + "#" * (40 * 1024 * 1024) + "\n", version=3)
    when, message = wire.diagnostics(uri)
    [diagnostic] = message["params"]["diagnostics"]
    assert (message["params"]["version"], diagnostic["code"]) == (3, "yaml-limit")
    assert f"document is {len(SCHEMA_TYPO) + 40 * 1024 * 1024 + 1:,} characters, over" in diagnostic["message"]
    assert when - started < 20
    assert wire.reply(wire.request("shutdown"), timeout=10)["result"] is None


def test_modules_planted_in_the_working_directory_are_never_imported(wire: Wire, repo: Path):
    """The editor starts the server in the repository under review; neither the server nor its lint
    process imports a module of that name from there."""
    marker = repo.parent / "imported-from-the-tree"
    for name in ("yaml", "click", "pluggy", "jsonschema", "pickle_helpers"):
        (repo / f"{name}.py").write_text(f"open({str(marker)!r}, 'a').write({name!r})\n")
    wire.initialize()
    uri = (repo / "apps" / "cm.yaml").as_uri()
    wire.open(uri, SCHEMA_TYPO)
    assert codes(wire.diagnostics(uri)[1]) == ["schema"]  # linted, by a lint process that started
    assert not marker.exists(), marker.read_text()


def lint_processes(server_pid: int) -> list[int]:
    """The server's child processes (its lint process), from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == server_pid:  # the field after the state is the parent's pid
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_a_lint_process_that_dies_is_one_diagnostic_and_the_next_lint_starts_another(wire: Wire, repo: Path):
    import signal

    wire.initialize()
    uri = (repo / "apps" / "big.yaml").as_uri()
    wire.open(uri, big_buffer(4000))
    deadline = time.monotonic() + TIMEOUT
    while not (children := lint_processes(wire.process.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    [child] = children
    time.sleep(0.5)  # in the middle of the lint
    os.kill(child, signal.SIGKILL)  # as the kernel's out-of-memory killer would
    _, message = wire.diagnostics(uri)
    [diagnostic] = message["params"]["diagnostics"]
    assert diagnostic["code"] == "lint-failed"
    # asyncio reports 255 when its child watcher lost the race for the exit status (seen under load)
    assert "killed by signal 9" in diagnostic["message"] or "exited with status 255" in diagnostic["message"]

    wire.change(uri, SCHEMA_TYPO, version=2)
    _, message = wire.diagnostics(uri)
    assert (message["params"]["version"], codes(message)) == (2, ["schema"])
    assert lint_processes(wire.process.pid) != [child]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_the_lint_process_ends_with_the_server(repo: Path):
    import signal

    for stop in ("exit", "SIGTERM", "SIGINT", "SIGKILL"):
        client = Wire(repo)
        client.initialize()
        uri = (repo / "apps" / "cm.yaml").as_uri()
        client.open(uri, SCHEMA_TYPO)
        client.diagnostics(uri)
        [child] = lint_processes(client.process.pid)
        if stop == "exit":
            assert client.close() == 0
        else:
            client.process.send_signal(getattr(signal, stop))
            status = client.process.wait(timeout=TIMEOUT)
            assert status == {"SIGTERM": 143, "SIGINT": 130, "SIGKILL": -signal.SIGKILL}[stop], (stop, status)
        deadline = time.monotonic() + 10
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(child), f"the lint process outlived the server ({stop})"
