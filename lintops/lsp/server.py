"""The server's wiring: which notification asks for which lint, what is published, the limits.

Every handler here runs on the message loop and returns at once: a change only (re)arms the
document's debounce timer (:mod:`lintops.lsp.schedule`), and the lint runs in the lint process
(:mod:`lintops.lsp.worker`). The loop itself does only what is proportional to a message: checking a
document's size, writing the diagnostics' JSON, which the lint process prepared.

Limits, so that no buffer blocks the server:

- :data:`MAX_DOCUMENT_BYTES` (4 MiB of UTF-8): a larger document gets exactly one diagnostic
  (``yaml-limit``, on its first line) and is not sent to the lint process. The command line lints
  files up to 32 MiB; an editor buffer is linted on every pause in typing, and 4 MiB (about 8,000
  objects) is what one core lints in a few seconds;
- :data:`LINT_TIME_LIMIT_SECONDS` per lint: a lint that takes longer is stopped (its process is
  killed and the next lint starts a new one) and the document gets one diagnostic (``lint-failed``)
  saying so. The client may set another limit with the initialization option ``timeLimit``
  (seconds).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import sys
import threading
from concurrent.futures import Executor, Future
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path, uri_scheme

from .. import __version__
from ..config.settings import CONFIG_NAMES, REPOSITORY_RULES_DIR
from ..inputs.tree import MANIFEST_SUFFIXES
from .actions import code_actions
from .diagnostics import LINT_FAILED_CODE, SIZE_CODE, Published, first_line_diagnostic, publishable
from .fanout import RenderedFiles
from .protocol import LintopsProtocol
from .schedule import Scheduler
from .worker import PREPARE_TIME_LIMIT_SECONDS, LintProcess

logger = logging.getLogger(__name__)

#: The language ids linted: YAML, and Helm templates as editors name them (linted through their chart).
LINTED_LANGUAGES = frozenset({"yaml", "helm", "gotmpl", "go-template"})
#: The largest document linted, in bytes of UTF-8.
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
#: How long one lint may take before it is stopped (seconds; initialization option ``timeLimit``).
LINT_TIME_LIMIT_SECONDS = 10.0


def oversize(text: str, limit: int = MAX_DOCUMENT_BYTES) -> str | None:
    """How big ``text`` is, said for a diagnostic, when it is over ``limit`` bytes of UTF-8; else None.

    Encodes only a text that can be either side of the limit (at most ``limit`` characters); a longer
    one is over it whatever its characters, and is measured in characters.
    """
    if len(text) * 4 <= limit:
        return None  # even all four-byte characters fit
    if len(text) > limit:
        return f"{len(text):,} characters"
    size = len(text.encode("utf-8", "surrogatepass"))
    return f"{size:,} bytes" if size > limit else None


def _document_path(uri: str) -> Path | None:
    if uri_scheme(uri) != "file":
        return None
    path = to_fs_path(uri)
    return Path(path) if path else None


class _Stdin:
    """Standard input for pygls' reader (``readline``, ``read``), with ``os.read`` on the descriptor.

    Not ``sys.stdin.buffer``: its lock would be held, at exit, by the daemon thread blocked reading it
    (:class:`_ReaderThread`), and Python aborts when it cannot take that lock to close the stream.
    """

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffer = bytearray()

    def _fill(self, size: int) -> bool:
        chunk = os.read(self._fd, max(size, 65536))
        self._buffer += chunk
        return bool(chunk)

    def readline(self) -> bytes:
        start = 0
        while (end := self._buffer.find(b"\n", start)) < 0:
            start = len(self._buffer)
            if not self._fill(65536):
                end = len(self._buffer) - 1
                break
        line = bytes(self._buffer[:end + 1])
        del self._buffer[:end + 1]
        return line

    def read(self, size: int) -> bytes:
        while len(self._buffer) < size and self._fill(size - len(self._buffer)):
            pass
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data


class _ReaderThread(Executor):
    """pygls' executor for reading standard input, on one daemon thread.

    pygls reads each header line and body in a pool thread. When SIGTERM or SIGINT ends the server
    (:mod:`lintops.interrupts`), that thread is blocked reading a pipe the editor keeps open, and a
    pool thread is joined at exit: the server would hang until the editor closed the pipe. A daemon
    thread is not joined. Calls run one at a time, in order, as pygls makes them.
    """

    def __init__(self) -> None:
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._run, name="lintops-lsp-stdin", daemon=True).start()

    def submit(self, fn, /, *args, **kwargs) -> Future:  # type: ignore[override]
        future: Future = Future()
        self._calls.put((future, fn, args, kwargs))
        return future

    def _run(self) -> None:
        while True:
            future, fn, args, kwargs = self._calls.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # handed to the waiting coroutine
                future.set_exception(exc)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Nothing to wait for: a read in progress ends with the process."""


class LintopsServer(LanguageServer):
    def __init__(self, config_path: str | None = None) -> None:
        super().__init__("lintops", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full,
                         protocol_cls=LintopsProtocol)
        self.lint_process = LintProcess(config_path, LINT_TIME_LIMIT_SECONDS)
        self.scheduler = Scheduler(self._lint)
        #: The diagnostics last published per document (for the quick fix).
        self.published: dict[str, list[Published]] = {}
        #: The open documents, by the URI the client uses (diagnostics must name it exactly).
        self.open_uris: set[str] = set()
        #: The other files each document's render published to (:mod:`lintops.lsp.fanout`).
        self.rendered = RenderedFiles(self.publish, self.clear)
        #: Open documents changed since they were opened or saved: a render uses their buffers, not the files.
        self.unsaved: set[str] = set()

    @property
    def thread_pool(self) -> Executor:  # type: ignore[override]
        """The executor pygls reads standard input with (no handler of this server runs on a thread)."""
        if self._thread_pool is None:
            self._thread_pool = _ReaderThread()  # type: ignore[assignment]
        return self._thread_pool  # type: ignore[return-value]

    def configure(self, options: object) -> None:
        """Apply the client's initialization options (``{"timeLimit": seconds}``); others are ignored."""
        if not isinstance(options, dict) or "timeLimit" not in options:
            return
        limit = options["timeLimit"]
        if isinstance(limit, (int, float)) and not isinstance(limit, bool) and 0 < limit <= 3600:
            self.lint_process.time_limit = float(limit)
        else:
            self.window_log_message(types.LogMessageParams(
                type=types.MessageType.Warning,
                message=f"lintops: ignored timeLimit {limit!r} (a number of seconds, up to 3600)"))

    def is_lintable(self, uri: str, language_id: str | None) -> bool:
        """YAML documents in files or new buffers (not, e.g., the old side of a diff view)."""
        if uri_scheme(uri) not in ("file", "untitled"):
            return False
        if language_id in LINTED_LANGUAGES:
            return True
        name = uri.split("?", 1)[0].split("#", 1)[0].lower()
        return name.endswith((*MANIFEST_SUFFIXES, ".tpl"))

    def request_lint(self, uri: str, *, debounce: bool = False) -> None:
        if uri in self.open_uris:
            self.scheduler.request(uri, debounce=debounce)

    def lint_open_documents(self) -> None:
        for uri in sorted(self.open_uris):
            self.request_lint(uri)

    async def _lint(self, uri: str, generation: int) -> None:
        """Lint the document as it is now; publish unless a newer request came meanwhile."""
        if uri not in self.open_uris:
            return
        document = self.workspace.get_text_document(uri)
        text, version = document.source, document.version
        encoding = str(getattr(self.workspace.position_encoding, "value", self.workspace.position_encoding))
        size = oversize(text)
        if size is not None:
            message = (f"document is {size}, over the language server's {MAX_DOCUMENT_BYTES:,}-byte limit; "
                       f"not linted (`lintops check` lints files up to 32 MiB)")
            self.publish(uri, version, [publishable(first_line_diagnostic(text, SIZE_CODE, message, encoding), None)])
            return
        path = _document_path(uri)
        result = await self.lint_process.lint(text, str(path) if path else None, encoding, self.unsaved_buffers(uri))
        if not self.scheduler.is_current(uri, generation) or uri not in self.open_uris:
            return  # stale: a newer version (or a close) came while this one was linted
        if result.status == "ok":
            if result.others is not None:  # linted through a render: the server's log says of what
                self.window_log_message(types.LogMessageParams(
                    type=types.MessageType.Log,
                    message=f"lintops: rendered {', '.join(result.roots) or 'nothing'} for {uri} (version {version})"))
            self.publish(uri, version, result.items or [])
            self.rendered.published(uri, result.others, self.open_uris)
        elif result.status == "error":  # a lintops bug: the editor's log shows it; the last diagnostics stay
            logger.error("linting %s failed: %s", uri, result.detail)
            self.window_log_message(types.LogMessageParams(
                type=types.MessageType.Error, message=f"lintops: linting {uri} failed:\n{result.detail}"))
        else:
            if result.status == "timeout" and result.detail == "lint":
                why = (f"linting stopped after {self.lint_process.time_limit:g} s, the language server's time "
                       f"limit; this version of the document is not linted")
            elif result.status == "timeout":
                why = (f"loading the configuration stopped after {PREPARE_TIME_LIMIT_SECONDS:g} s (time limit); "
                       f"this version of the document is not linted")
            else:
                why = f"linting failed: {result.detail}; this version of the document is not linted"
            self.publish(uri, version, [publishable(first_line_diagnostic(text, LINT_FAILED_CODE, why, encoding),
                                                    None)])

    def unsaved_buffers(self, uri: str) -> dict[str, str]:
        """The other unsaved file buffers by path (up to :data:`MAX_DOCUMENT_BYTES` of characters in all), for a
        render to use in place of their files: a values file edited beside the one being rendered counts."""
        buffers: dict[str, str] = {}
        budget = MAX_DOCUMENT_BYTES
        for other in sorted(self.unsaved - {uri}):
            path = _document_path(other)
            source = self.workspace.get_text_document(other).source if path is not None else ""
            if path is not None and len(source) <= budget:
                buffers[str(path)] = source
                budget -= len(source)
        return buffers

    def publish(self, uri: str, version: int | None, items: list[Published]) -> None:
        """Send ``textDocument/publishDiagnostics``, writing the JSON the lint process prepared as it is."""
        self.published[uri] = items
        head = {"uri": uri} if version is None else {"uri": uri, "version": version}
        params = json.dumps(head)[:-1] + ',"diagnostics":[' + ",".join(item.json for item in items) + "]}"
        body = f'{{"jsonrpc":"2.0","method":"{types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS}","params":{params}}}'
        data = body.encode()  # ASCII: json.dumps escapes everything else
        if self.protocol.writer is not None:  # None: no client connected (as pygls' own sending checks)
            self.protocol.writer.write(b"Content-Length: %d\r\n\r\n%s" % (len(data), data))

    def clear(self, uri: str) -> None:
        self.published.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def quick_fixes(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        published = self.published.get(uri)
        if not published or uri not in self.open_uris:
            return []
        text = self.workspace.get_text_document(uri).source
        converter = self.protocol._converter

        def structure(diagnostic: dict) -> types.Diagnostic:
            return converter.structure(diagnostic, types.Diagnostic)

        return code_actions(uri, text, published, params.range, structure)

    def report_server_error(self, error: Exception, source: type) -> None:
        if isinstance(error, (json.JSONDecodeError, UnicodeDecodeError)):
            self.protocol.reject_unparsable()  # JSON-RPC: a body that is not JSON is answered ParseError
            return
        if not self.protocol.initialized:
            logger.error("%s", error)  # nothing but the answer to initialize may reach the client yet
            return
        super().report_server_error(error, source)

    def shutdown(self) -> None:
        """pygls' end of serving (after ``exit``, or when the client went away): the lint process ends too."""
        with contextlib.suppress(RuntimeError):  # the event loop may be closed already
            self.scheduler.stop()
        self.lint_process.stop()
        super().shutdown()


def create_server(config_path: str | None = None) -> LintopsServer:
    server = LintopsServer(config_path)

    @server.feature(types.INITIALIZE)
    def initialize(ls: LintopsServer, params: types.InitializeParams) -> None:
        ls.configure(params.initialization_options)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: LintopsServer, params: types.InitializedParams) -> None:
        await ls.lint_process.start()  # the engine loads while the editor opens its first document

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LintopsServer, params: types.DidOpenTextDocumentParams) -> None:
        document = params.text_document
        if ls.is_lintable(document.uri, document.language_id):
            ls.open_uris.add(document.uri)
            ls.request_lint(document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LintopsServer, params: types.DidChangeTextDocumentParams) -> None:
        if params.text_document.uri in ls.open_uris:
            ls.unsaved.add(params.text_document.uri)
        ls.request_lint(params.text_document.uri, debounce=True)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: LintopsServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.unsaved.discard(params.text_document.uri)
        path = _document_path(params.text_document.uri)
        if path is not None and (path.name in CONFIG_NAMES or path.parent.match(str(REPOSITORY_RULES_DIR))):
            ls.lint_open_documents()  # the configuration or a repository rule changed
        else:
            ls.request_lint(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LintopsServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.unsaved.discard(uri)
        ls.scheduler.forget(uri)
        if uri in ls.open_uris:
            ls.open_uris.discard(uri)
            ls.clear(uri)
            ls.rendered.closed(uri, ls.open_uris)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_action(ls: LintopsServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return ls.quick_fixes(params)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: LintopsServer, params: None) -> None:
        ls.scheduler.stop()
        ls.lint_process.stop()

    return server


def _exit_on_signals() -> None:
    """SIGTERM and SIGINT end the server at once (143, 130), wherever they arrive.

    The command line's handlers raise an exception in the main thread; inside an asyncio callback the
    event loop catches and logs any exception but KeyboardInterrupt and SystemExit and runs on, so a
    signal arriving while a message is handled would leave the server running. The server has nothing
    to write out and its lint process dies with it (``PR_SET_PDEATHSIG``), so it exits directly.
    """
    import signal

    def leave(signum: int, _frame: object) -> None:
        os._exit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, leave)


def serve(config_path: str | None = None) -> None:
    """Serve on standard input and output until the client says exit."""
    stdin, stdout = _Stdin(sys.stdin.fileno()), sys.stdout.buffer
    sys.stdout = sys.stderr  # whatever a plugin prints must not end up inside the protocol stream
    _exit_on_signals()
    server = create_server(config_path)
    server.start_io(stdin, stdout)
    # pygls swallows the SystemExit of ``exit``; LSP: "exit with success code 0 if the shutdown request
    # has been received before; otherwise with error code 1".
    sys.exit(0 if server.protocol._shutdown else 1)
