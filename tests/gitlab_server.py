"""A loopback stand-in for GitLab's notes API that records every connection and request.

It answers the requests ``lintops gitlab-note`` makes the way GitLab's REST API v4 does: ``GET /user``, the
merge request's notes newest first in pages (``per_page``, ``page``, an ``X-Next-Page`` header), ``POST`` a
note, ``PUT`` a note; and it can be told to fail (an HTTP status for every request, a redirect elsewhere).
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case: HTTP header names are case-insensitive
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakeGitLab:
    """The server's state: notes per merge request, users by token, what it was asked, and how to fail."""

    project: str = "42"
    merge_request: str = "7"
    users: dict[str, int] = field(default_factory=dict)
    notes: list[dict] = field(default_factory=list)  # newest first, as GitLab sorts them here
    requests: list[Recorded] = field(default_factory=list)
    connections: list[tuple[str, int]] = field(default_factory=list)
    fail_status: int | None = None
    fail_message: str = "403 Forbidden"
    user_status: int | None = None
    redirect_to: str | None = None
    next_id: int = 100
    server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.server_address[1]

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v4"

    @property
    def notes_path(self) -> str:
        return f"/api/v4/projects/{self.project}/merge_requests/{self.merge_request}/notes"

    def add_note(self, body: str, author: int | None, *, newest: bool = True) -> dict:
        note: dict[str, Any] = {"id": self.next_id, "body": body, "system": False}
        if author is not None:
            note["author"] = {"id": author, "username": f"user{author}"}
        self.next_id += 1
        self.notes.insert(0 if newest else len(self.notes), note)
        return note

    def writes(self) -> list[Recorded]:
        return [request for request in self.requests if request.method in ("POST", "PUT")]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep the test output quiet
        pass

    def _answer(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        state.requests.append(Recorded(self.command, self.path, headers, body))
        if state.redirect_to is not None:
            self.send_response(302)
            self.send_header("Location", state.redirect_to + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if state.fail_status is not None:
            return self._answer(state.fail_status, {"message": state.fail_message})
        user = state.users.get(self.headers.get("PRIVATE-TOKEN", ""))
        if user is None:
            return self._answer(401, {"message": "401 Unauthorized"})
        self._route(state, user, body)

    def _route(self, state: FakeGitLab, user: int, body: bytes) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if self.command == "GET" and url.path == "/api/v4/user":
            if state.user_status is not None:
                return self._answer(state.user_status, {"message": "403 Forbidden"})
            return self._answer(200, {"id": user, "username": f"user{user}"})
        if url.path == state.notes_path and self.command == "GET":
            per_page, page = int(query.get("per_page", 20)), int(query.get("page", 1))
            chunk = state.notes[(page - 1) * per_page:page * per_page]
            more = page * per_page < len(state.notes)
            return self._answer(200, chunk, {"X-Next-Page": str(page + 1) if more else ""})
        if url.path == state.notes_path and self.command == "POST":
            note = state.add_note(json.loads(body)["body"], user)
            return self._answer(201, note)
        prefix = state.notes_path + "/"
        if url.path.startswith(prefix) and self.command == "PUT":
            note_id = int(url.path[len(prefix):])
            for index, note in enumerate(state.notes):
                if note["id"] == note_id:
                    note["body"] = json.loads(body)["body"]
                    state.notes.insert(0, state.notes.pop(index))  # updated: newest now
                    return self._answer(200, note)
        self._answer(404, {"message": "404 Not found"})

    do_GET = do_POST = do_PUT = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: FakeGitLab) -> None:
        self.state = state
        super().__init__(("127.0.0.1", 0), _Handler)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self.state.connections.append(client_address)  # every connection, before a request is read
        return True


def serve(state: FakeGitLab) -> threading.Thread:
    """Start ``state``'s server on a free loopback port, in a daemon thread (stop it with ``stop``)."""
    state.server = _Server(state)
    thread = threading.Thread(target=state.server.serve_forever, daemon=True)
    thread.start()
    return thread


def stop(state: FakeGitLab) -> None:
    assert state.server is not None
    state.server.shutdown()
    state.server.server_close()
