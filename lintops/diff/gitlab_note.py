"""Post the Markdown report of ``lintops diff`` as a note on the pipeline's GitLab merge request.

One note per merge request, kept up to date: each pipeline updates the note an earlier one posted (found
by the marker line its body starts with and, when GitLab says who wrote it, by the token's user), so a
merge request that is pushed twenty times has one lintops note, not twenty.

Everything the posting uses comes from the CI job's environment, never from the linted tree (whose author
controls every file in a merge-request pipeline): the API address (``CI_API_V4_URL``), the project
(``CI_PROJECT_ID``), the merge request (``CI_MERGE_REQUEST_IID``) and the token (``LINTOPS_GITLAB_TOKEN``,
a project or group access token with ``api`` scope, sent as the ``PRIVATE-TOKEN`` header). The token goes
to that address only: a redirect is refused rather than followed (it would carry the header to wherever
it points), and it never appears in any output or error message, even when a server echoes it back.

Only the standard library's :mod:`urllib.request`: the command needs no extra and imports nothing heavy.
"""

from __future__ import annotations

import json
import os
import stat
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import LintopsError
from .markdown import GITLAB_NOTE_LIMIT, MARKER  # MARKER: how a later pipeline finds the note to update

#: GitLab refuses a note body longer than this (characters).
MAX_BODY_CHARS = GITLAB_NOTE_LIMIT
#: A file that large in bytes cannot be a body GitLab takes (UTF-8 is at most four bytes a character).
_MAX_FILE_BYTES = 4 * MAX_BODY_CHARS
DEFAULT_TOKEN_VARIABLE = "LINTOPS_GITLAB_TOKEN"
TIMEOUT_SECONDS = 30
#: Notes pages read at most while looking for the previous note (100 notes a page, newest first).
MAX_PAGES = 20
PER_PAGE = 100
#: The most a response may be: a page of 100 notes of GitLab's largest size is far below it.
_MAX_RESPONSE_BYTES = 256 * 1024 * 1024
_REQUIRED = ("CI_API_V4_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID")
_MASK = "[MASKED]"


@dataclass(frozen=True)
class NoteTarget:
    """The merge request to post on and the credentials to post with, from the job's variables."""

    api_url: str
    project: str
    merge_request: str
    token: str

    @property
    def notes_url(self) -> str:
        project = urllib.parse.quote(self.project, safe="")
        return f"{self.api_url}/projects/{project}/merge_requests/{self.merge_request}/notes"

    @property
    def label(self) -> str:
        return f"merge request !{self.merge_request}"


@dataclass(frozen=True)
class Outcome:
    """What the command did (or, in a dry run, would do), as the one line it prints."""

    line: str


def read_body(path: str) -> str:
    """The note's body: the file's text, headed by :data:`MARKER` (added when the file does not start with
    it, so the next pipeline finds the note); refused when GitLab would refuse it, before anything is sent.

    The file is in the job's checkout, whose files the merge request's author wrote: a link (to
    ``/proc/self/environ``, say, the job's variables) or anything but a regular file is refused, not read.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if Path(path).is_symlink():
            raise LintopsError(f"{path}: a symbolic link, not the report lintops diff writes") from None
        raise LintopsError(f"cannot read {path}: {exc.strerror or exc}") from None
    with os.fdopen(descriptor, "rb") as file:
        try:
            status = os.fstat(file.fileno())
            if not stat.S_ISREG(status.st_mode):
                raise LintopsError(f"{path}: not a regular file, not the report lintops diff writes")
            if status.st_size > _MAX_FILE_BYTES:
                raise LintopsError(f"{path}: the note would be over GitLab's limit of {MAX_BODY_CHARS:,} "
                                   f"characters")
            text = file.read(_MAX_FILE_BYTES + 1).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LintopsError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except OSError as exc:
            raise LintopsError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not text.startswith(MARKER):
        text = f"{MARKER}\n{text}"
    if len(text) > MAX_BODY_CHARS:
        raise LintopsError(f"{path}: the note would be {len(text):,} characters, over GitLab's limit of "
                           f"{MAX_BODY_CHARS:,} (write the report with lintops diff --format markdown, which "
                           f"stays under it)")
    return text


def target_from_environment(environ: Mapping[str, str], token_variable: str = DEFAULT_TOKEN_VARIABLE,
                            ) -> NoteTarget | None:
    """The merge request and token the job's variables name; None when the token variable is unset or empty
    (nothing is posted then). A missing or malformed variable is a :class:`LintopsError` naming each one."""
    token = environ.get(token_variable, "")
    if not token:
        return None
    if not all(33 <= ord(character) < 127 for character in token):
        raise LintopsError(f"{token_variable} is not a token: it has characters an HTTP header cannot carry")
    missing = [name for name in _REQUIRED if not environ.get(name)]
    if missing:
        raise LintopsError(f"missing CI variable{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                           f"(gitlab-note runs in a GitLab merge-request pipeline)")
    api_url = environ["CI_API_V4_URL"].rstrip("/")
    parsed = urllib.parse.urlsplit(api_url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.query or parsed.fragment:
        raise LintopsError(f"CI_API_V4_URL is not an http(s) address: {api_url!r}")
    merge_request = environ["CI_MERGE_REQUEST_IID"]
    if not merge_request.isascii() or not merge_request.isdigit():
        raise LintopsError(f"CI_MERGE_REQUEST_IID is not a merge request number: {merge_request!r}")
    return NoteTarget(api_url, environ["CI_PROJECT_ID"], merge_request, token)


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """Follow no redirect: the request carries the token, and a redirect may point at another host."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises the 3xx as an HTTPError, reported by GitLabClient.request


class GitLabClient:
    """JSON requests to GitLab's REST API with the token, a timeout, no redirects, and errors as one line."""

    def __init__(self, target: NoteTarget) -> None:
        self.target = target
        self._opener = urllib.request.build_opener(_RefuseRedirects())

    def mask(self, text: str) -> str:
        """``text`` with the token (as written, and URL-encoded) replaced: a server may echo it back."""
        for form in {self.target.token, urllib.parse.quote(self.target.token, safe="")}:
            text = text.replace(form, _MASK)
        return text

    def request(self, method: str, url: str, payload: dict | None = None) -> tuple[Any, Mapping[str, str]]:
        """The decoded JSON answer and its headers; a :class:`LintopsError` for any failure."""
        data = json.dumps(payload).encode() if payload is not None else None
        headers = {"PRIVATE-TOKEN": self.target.token, "Accept": "application/json",
                   "User-Agent": "lintops-gitlab-note"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        where = f"{method} {_path(url)}"
        try:
            with self._opener.open(request, timeout=TIMEOUT_SECONDS) as response:
                raw = _read_bounded(response, _MAX_RESPONSE_BYTES + 1)
                answer_headers = response.headers
        except urllib.error.HTTPError as exc:
            raise LintopsError(self.mask(self._http_error(where, exc))) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise LintopsError(self.mask(f"GitLab API {where}: cannot connect to {self.target.api_url}: "
                                         f"{reason}")) from None
        if len(raw) > _MAX_RESPONSE_BYTES:
            raise LintopsError(f"GitLab API {where}: the answer is larger than {_MAX_RESPONSE_BYTES:,} bytes")
        try:
            return json.loads(raw), answer_headers
        except (ValueError, UnicodeDecodeError):
            raise LintopsError(f"GitLab API {where}: the answer is not JSON") from None

    def _http_error(self, where: str, exc: urllib.error.HTTPError) -> str:
        if 300 <= exc.code < 400:
            return (f"GitLab API {where}: HTTP {exc.code}, a redirect, which is not followed (it would carry "
                    f"the token elsewhere); set CI_API_V4_URL to the API's final address")
        try:
            body = exc.read(64 * 1024)
        except OSError:
            body = b""
        message = _gitlab_message(body) or exc.reason or ""
        return f"GitLab API {where}: HTTP {exc.code}" + (f": {message}" if message else "")


def _read_bounded(response: Any, limit: int) -> bytes:
    """At most ``limit`` bytes of the answer, read a megabyte at a time (one ``read(limit)`` would allocate
    ``limit`` bytes up front, whatever the answer's size)."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = response.read(min(1 << 20, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _path(url: str) -> str:
    """The path and query of ``url``: what an error line names (the address is in CI_API_V4_URL)."""
    parts = urllib.parse.urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _gitlab_message(body: bytes) -> str:
    """GitLab's explanation in an error answer (``message`` or ``error``, text or structure), shortened."""
    try:
        answer = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body.decode("utf-8", "replace").strip()[:300]
    if isinstance(answer, dict):
        answer = answer.get("message", answer.get("error", answer))
    text = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
    return text[:300]


def current_user_id(client: GitLabClient) -> int | None:
    """The id of the token's user (GET /user); None when GitLab will not say (the note is found by marker)."""
    try:
        answer, _ = client.request("GET", f"{client.target.api_url}/user")
    except LintopsError:
        return None
    user_id = answer.get("id") if isinstance(answer, dict) else None
    return user_id if isinstance(user_id, int) else None


def find_previous_note(client: GitLabClient, user_id: int | None) -> int | None:
    """The id of the newest note whose body starts with :data:`MARKER` and, when both are known, whose author
    is the token's user (another user's note with the marker is not taken over); None when there is none."""
    page: str | None = "1"
    for _ in range(MAX_PAGES):
        query = urllib.parse.urlencode({"per_page": PER_PAGE, "sort": "desc", "order_by": "updated_at",
                                        "page": page})
        notes, headers = client.request("GET", f"{client.target.notes_url}?{query}")
        if not isinstance(notes, list):
            raise LintopsError(f"GitLab API GET {_path(client.target.notes_url)}: the answer is not a list of notes")
        for note in notes:
            if _is_ours(note, user_id):
                return note["id"]
        page = (headers.get("X-Next-Page") or "").strip()
        if not page.isdigit():
            return None
    return None


def _is_ours(note: Any, user_id: int | None) -> bool:
    if not isinstance(note, dict) or not isinstance(note.get("id"), int):
        return False
    body = note.get("body")
    if not isinstance(body, str) or not body.startswith(MARKER):
        return False
    author = note.get("author")
    author_id = author.get("id") if isinstance(author, dict) else None
    return user_id is None or not isinstance(author_id, int) or author_id == user_id


def post(path: str, environ: Mapping[str, str] | None = None, token_variable: str = DEFAULT_TOKEN_VARIABLE,
         dry_run: bool = False) -> Outcome:
    """Post the report in ``path`` on the pipeline's merge request, or update lintops' earlier note there.

    A dry run looks the earlier note up (GET requests only) and says which request it would send.
    """
    environ = os.environ if environ is None else environ
    body = read_body(path)
    target = target_from_environment(environ, token_variable)
    if target is None:
        return Outcome(f"nothing posted: {token_variable} is not set (set it to a project access token with "
                       f"api scope to post the report on the merge request)")
    client = GitLabClient(target)
    note_id = find_previous_note(client, current_user_id(client))
    method, url = ("POST", target.notes_url) if note_id is None else ("PUT", f"{target.notes_url}/{note_id}")
    if dry_run:
        return Outcome(f"dry run: would {method} {url}")
    answer, _ = client.request(method, url, {"body": client.mask(body)})
    posted_id = answer.get("id") if isinstance(answer, dict) else None
    posted_id = posted_id if isinstance(posted_id, int) else note_id
    verb = "posted" if method == "POST" else "updated"
    return Outcome(f"{verb} note {posted_id if posted_id is not None else '(id not returned)'} on {target.label}")
