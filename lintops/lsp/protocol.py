"""The LSP 3.17 lifecycle and JSON-RPC error answers, where pygls 2.1 leaves them out.

What pygls does already, and is kept: an unknown request method is answered ``MethodNotFound``
(-32601), an unknown notification is ignored, ``exit`` ends the process, ``shutdown`` cancels the
requests in flight. What it gets wrong, and this protocol class corrects:

- a request before ``initialize`` is handled as if the server were initialized (or fails without an
  answer, since the workspace does not exist yet). LSP: "For a request the response should be an
  error with code: -32002" (``ServerNotInitialized``), and "notifications should be dropped, except
  for the exit notification";
- a request whose params do not match its method's type gets no answer at all (pygls raises from
  inside ``json.loads`` and only logs). It is answered ``InvalidParams`` (-32602) with its id; such a
  notification is dropped;
- a second ``initialize`` would replace the workspace, losing the open documents ("The initialize
  request may only be sent once"): answered ``InvalidRequest`` (-32600);
- a request after ``shutdown`` is dropped without an answer, so the client waits for ever. LSP: "If a
  server receives requests after a shutdown request those requests should error with
  InvalidRequest";
- a message that is not JSON-RPC 2.0 (no ``"jsonrpc": "2.0"``, an id that is neither a number nor a
  string) is dropped; a request is answered ``InvalidRequest``, and a body that is not JSON
  ``ParseError`` (-32700), both with a null id as JSON-RPC 2.0 requires when the id cannot be read.
"""

from __future__ import annotations

import logging
from typing import Any

import attrs
from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcParseError,
    JsonRpcServerNotInitialized,
)
from pygls.protocol import LanguageServerProtocol, lsp_method

logger = logging.getLogger(__name__)


@attrs.define
class Unreadable:
    """A message whose params do not fit its method's type (``id`` None: a notification)."""

    id: Any
    method: str
    jsonrpc: str
    error: JsonRpcException


def _valid_id(value: object) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


class LintopsProtocol(LanguageServerProtocol):
    """pygls' language server protocol, answering per LSP 3.17 before ``initialize`` and after ``shutdown``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: True once ``initialize`` has been answered with an ``InitializeResult``.
        self.initialized = False

    def structure_message(self, data: dict[str, Any]) -> Any:
        """pygls' structuring; a message that does not fit its type becomes :class:`Unreadable`, not an exception.

        (Called by ``json.loads`` for every JSON object; those without ``jsonrpc`` pass unchanged.)
        """
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            method = data.get("method")
            if not isinstance(method, str):
                raise  # a response we cannot read: pygls logs it
            request_id = data.get("id") if "id" in data else None
            return Unreadable(request_id, method, str(data.get("jsonrpc")),
                              JsonRpcInvalidParams(f"invalid params for {method!r}: {error.__cause__ or error}"))

    def handle_message(self, message: Any) -> None:
        if isinstance(message, dict):  # a JSON object without "jsonrpc": not a JSON-RPC 2.0 message
            if "method" in message and "id" in message:
                self.reject(message["id"] if _valid_id(message["id"]) else None,
                            JsonRpcInvalidRequest("not a JSON-RPC 2.0 request (\"jsonrpc\": \"2.0\" is missing)"))
            else:
                logger.warning("dropped a message that is not JSON-RPC 2.0")
            return
        method = getattr(message, "method", None)
        is_request = method is not None and getattr(message, "id", None) is not None
        if is_request and not _valid_id(message.id):
            self.reject(None, JsonRpcInvalidRequest("a request id is a number or a string"))
            return
        if getattr(message, "jsonrpc", None) != self.VERSION:
            if is_request:
                self.reject(message.id, JsonRpcInvalidRequest('only JSON-RPC "2.0" is spoken'))
            return
        if method == types.EXIT and not isinstance(message, Unreadable):
            super().handle_message(message)
            return
        if method is not None and not self._admits(method, is_request, message):
            return
        if isinstance(message, Unreadable):
            if is_request:
                self.reject(message.id, message.error)
            else:
                logger.warning("dropped %s: %s", method, message.error.message)
            return
        super().handle_message(message)

    def _admits(self, method: str, is_request: bool, message: Any) -> bool:
        """The lifecycle: only ``initialize`` (and ``exit``) before ``initialize``, only ``exit`` after ``shutdown``."""
        if not self.initialized:
            if method == types.INITIALIZE and is_request:
                return True
            if is_request:
                self.reject(message.id, JsonRpcServerNotInitialized(
                    f"the server is not initialized: send 'initialize' before {method!r}"))
            return False  # LSP: notifications before initialize are dropped
        if self._shutdown:
            if is_request:
                self.reject(message.id, JsonRpcInvalidRequest(f"the server is shutting down: {method!r} refused"))
            return False
        if method == types.INITIALIZE and is_request:
            self.reject(message.id, JsonRpcInvalidRequest("the server is already initialized"))
            return False
        return True

    def reject(self, request_id: Any, error: JsonRpcException) -> None:
        """Answer a request with an error (``request_id`` None: the id could not be read)."""
        logger.warning("answered %s: %s", request_id, error.message)
        # As JSON, not lsprotocol's ResponseErrorMessage: its converter drops a null id, which JSON-RPC requires.
        self._send_data({"jsonrpc": self.VERSION, "id": request_id,
                         "error": {"code": error.code, "message": error.message}})

    def reject_unparsable(self) -> None:
        """Answer a body that is not JSON: ``ParseError`` with a null id."""
        self.reject(None, JsonRpcParseError("the message body is not JSON"))

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams):  # type: ignore[override]
        result = yield from super().lsp_initialize(params)
        self.initialized = True
        return result
