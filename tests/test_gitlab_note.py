"""``lintops gitlab-note``: the real command, in a subprocess, against a loopback server that records what it
is sent (tests/gitlab_server.py); nothing leaves the machine."""

from __future__ import annotations

import os

import pytest

from conftest import run_lintops
from gitlab_server import FakeGitLab, serve, stop
from lintops.diff.gitlab_note import MARKER, MAX_BODY_CHARS

TOKEN = "glpat-Secret-Token-0123456789"
USER = 11
REPORT = f"{MARKER}\n## lintops diff\n\n| environment | added | removed | changed |\n|---|---|---|---|\n"
_CLEARED = ("CI_API_V4_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID", "LINTOPS_GITLAB_TOKEN", "http_proxy",
            "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


@pytest.fixture
def gitlab():
    state = FakeGitLab(users={TOKEN: USER, "other-token": 12})
    serve(state)
    yield state
    stop(state)


def ci_env(gitlab: FakeGitLab | None, token: str | None = TOKEN, **extra: str) -> dict[str, str]:
    """The job's environment: the GitLab CI variables pointing at the loopback server, and no proxy."""
    env = {name: value for name, value in os.environ.items() if name not in _CLEARED}
    if gitlab is not None:
        env.update(CI_API_V4_URL=gitlab.api_url, CI_PROJECT_ID=gitlab.project,
                   CI_MERGE_REQUEST_IID=gitlab.merge_request)
    if token is not None:
        env["LINTOPS_GITLAB_TOKEN"] = token
    env.update(extra)
    return env


@pytest.fixture
def report(tmp_path):
    path = tmp_path / "lintops-diff.md"
    path.write_text(REPORT, encoding="utf-8")
    return path


def _no_secret(result) -> None:
    assert TOKEN not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_the_first_run_posts_the_report(gitlab, report):
    result = run_lintops("gitlab-note", str(report), env=ci_env(gitlab))
    assert result.returncode == 0, result.stderr
    (write,) = gitlab.writes()
    assert (write.method, write.path) == ("POST", gitlab.notes_path)
    assert write.headers["private-token"] == TOKEN
    assert write.headers["content-type"] == "application/json"
    assert write.json == {"body": REPORT}
    assert result.stdout == f"posted note {gitlab.notes[0]['id']} on merge request !7\n"
    _no_secret(result)


def test_the_second_run_updates_the_same_note(gitlab, report):
    first = run_lintops("gitlab-note", str(report), env=ci_env(gitlab))
    note_id = gitlab.notes[0]["id"]
    gitlab.add_note("LGTM", author=12)  # a reviewer's comment in between, newer than lintops' note
    report.write_text(REPORT + "| production | 1 | 0 | 2 |\n", encoding="utf-8")
    second = run_lintops("gitlab-note", str(report), env=ci_env(gitlab))
    assert (first.returncode, second.returncode) == (0, 0), second.stderr
    write = gitlab.writes()[-1]
    assert (write.method, write.path) == ("PUT", f"{gitlab.notes_path}/{note_id}")
    assert write.json == {"body": report.read_text()}
    assert second.stdout == f"updated note {note_id} on merge request !7\n"
    assert [note["body"].startswith(MARKER) for note in gitlab.notes].count(True) == 1
    listing = next(request for request in gitlab.requests if request.path.startswith(gitlab.notes_path + "?"))
    assert "per_page=100" in listing.path and "sort=desc" in listing.path and "order_by=updated_at" in listing.path


def test_another_authors_note_with_the_marker_is_not_taken_over(gitlab, report):
    theirs = gitlab.add_note(f"{MARKER}\nsomebody else's copy", author=12)
    result = run_lintops("gitlab-note", str(report), env=ci_env(gitlab))
    assert result.returncode == 0, result.stderr
    (write,) = gitlab.writes()
    assert (write.method, write.path) == ("POST", gitlab.notes_path)
    assert theirs["body"] == f"{MARKER}\nsomebody else's copy"
    assert any(request.path == "/api/v4/user" for request in gitlab.requests)


def test_without_the_user_the_note_is_found_by_its_marker(gitlab, report):
    """A token that may not read /user: the marker alone finds the note (one note, not one per pipeline)."""
    gitlab.user_status = 403
    ours = gitlab.add_note(f"{MARKER}\nan earlier pipeline's", author=USER)
    result = run_lintops("gitlab-note", str(report), env=ci_env(gitlab))
    assert result.returncode == 0, result.stderr
    (write,) = gitlab.writes()
    assert (write.method, write.path) == ("PUT", f"{gitlab.notes_path}/{ours['id']}")


def test_pagination_is_followed(gitlab, report):
    ours = gitlab.add_note(f"{MARKER}\nold", author=USER)
    for number in range(150):
        gitlab.add_note(f"comment {number}", author=12)
    result = run_lintops("gitlab-note", str(report), env=ci_env(gitlab))
    assert result.returncode == 0, result.stderr
    pages = [request.path for request in gitlab.requests if request.path.startswith(gitlab.notes_path + "?")]
    assert len(pages) == 2 and "page=2" in pages[1]
    assert [(w.method, w.path) for w in gitlab.writes()] == [("PUT", f"{gitlab.notes_path}/{ours['id']}")]


def test_missing_variables_are_named(gitlab, report):
    env = ci_env(gitlab)
    del env["CI_PROJECT_ID"], env["CI_MERGE_REQUEST_IID"]
    result = run_lintops("gitlab-note", str(report), env=env)
    assert result.returncode == 2
    assert result.stderr == ("lintops: error: missing CI variables CI_PROJECT_ID, CI_MERGE_REQUEST_IID "
                             "(gitlab-note runs in a GitLab merge-request pipeline)\n")
    assert gitlab.connections == []
    _no_secret(result)


def test_an_unreadable_file_is_a_usage_error(gitlab, tmp_path):
    result = run_lintops("gitlab-note", str(tmp_path / "absent.md"), env=ci_env(gitlab))
    assert result.returncode == 2
    assert result.stderr.startswith("lintops: error: cannot read ") and "absent.md" in result.stderr
    assert gitlab.connections == []


def test_an_http_error_is_one_line_without_the_token(gitlab, report):
    gitlab.fail_status = 403
    gitlab.fail_message = f"403 Forbidden - token {TOKEN} lacks the api scope"  # a server that echoes it
    result = run_lintops("gitlab-note", str(report), env=ci_env(gitlab))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("lintops: error: GitLab API GET /api/v4/")
    assert "HTTP 403: 403 Forbidden - token [MASKED] lacks the api scope" in lines[0]
    assert gitlab.writes() == []
    _no_secret(result)


def test_a_redirect_is_refused_and_the_token_goes_nowhere_else(gitlab, report):
    elsewhere = FakeGitLab(users={TOKEN: USER})
    serve(elsewhere)
    try:
        gitlab.redirect_to = f"http://127.0.0.1:{elsewhere.port}"
        result = run_lintops("gitlab-note", str(report), env=ci_env(gitlab))
    finally:
        stop(elsewhere)
    assert result.returncode == 2
    assert "HTTP 302, a redirect, which is not followed" in result.stderr
    assert elsewhere.connections == [] and elsewhere.requests == []
    assert len(gitlab.requests) >= 1 and gitlab.writes() == []
    _no_secret(result)


def test_an_over_long_body_is_refused_before_any_request(gitlab, report):
    report.write_text(MARKER + "\n" + "x" * MAX_BODY_CHARS, encoding="utf-8")
    result = run_lintops("gitlab-note", str(report), env=ci_env(gitlab))
    assert result.returncode == 2
    assert "over GitLab's limit of 1,000,000" in result.stderr
    assert gitlab.connections == []


def test_without_a_token_nothing_is_posted_and_the_job_succeeds(gitlab, report):
    result = run_lintops("gitlab-note", str(report), env=ci_env(gitlab, token=None))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("nothing posted: LINTOPS_GITLAB_TOKEN is not set")
    assert gitlab.connections == []
    empty = run_lintops("gitlab-note", str(report), env=ci_env(None, token=""))
    assert empty.returncode == 0 and empty.stdout.startswith("nothing posted:")


def test_the_token_variable_can_be_named(gitlab, report):
    env = ci_env(gitlab, token=None, TEAM_GITLAB_TOKEN=TOKEN)
    result = run_lintops("gitlab-note", "--token-variable", "TEAM_GITLAB_TOKEN", str(report), env=env)
    assert result.returncode == 0, result.stderr
    assert gitlab.writes()[0].headers["private-token"] == TOKEN


def test_dry_run_sends_no_write(gitlab, report):
    ours = gitlab.add_note(f"{MARKER}\nold", author=USER)
    result = run_lintops("gitlab-note", "--dry-run", str(report), env=ci_env(gitlab))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"dry run: would PUT {gitlab.api_url}/projects/42/merge_requests/7/notes/{ours['id']}\n"
    assert gitlab.writes() == [] and ours["body"] == f"{MARKER}\nold"


def test_a_report_without_the_marker_is_posted_under_it(gitlab, tmp_path):
    plain = tmp_path / "notes.md"
    plain.write_text("hand-written summary\n", encoding="utf-8")
    assert run_lintops("gitlab-note", str(plain), env=ci_env(gitlab)).returncode == 0
    assert gitlab.writes()[0].json == {"body": f"{MARKER}\nhand-written summary\n"}


def test_an_api_address_that_is_not_http_is_refused(report):
    result = run_lintops("gitlab-note", str(report), env=ci_env(None, CI_API_V4_URL="file:///etc",
                                                                CI_PROJECT_ID="1", CI_MERGE_REQUEST_IID="2"))
    assert result.returncode == 2 and "CI_API_V4_URL is not an http(s) address" in result.stderr


def test_a_link_or_a_fifo_in_place_of_the_report_is_refused_unread(gitlab, tmp_path):
    """The report lies in the checkout the merge request's author wrote: a link to the job's variables
    (/proc/self/environ) must not be posted, and a FIFO must not hang the job."""
    secret = tmp_path / "environ"
    secret.write_text(f"{MARKER}\nLINTOPS_GITLAB_TOKEN={TOKEN}\nCI_JOB_TOKEN=job-secret\n", encoding="utf-8")
    link = tmp_path / "lintops-diff.md"
    link.symlink_to(secret)
    fifo = tmp_path / "fifo.md"
    os.mkfifo(fifo)
    linked = run_lintops("gitlab-note", str(link), env=ci_env(gitlab))
    piped = run_lintops("gitlab-note", str(fifo), env=ci_env(gitlab))
    assert (linked.returncode, piped.returncode) == (2, 2)
    assert "a symbolic link, not the report lintops diff writes" in linked.stderr
    assert "not a regular file" in piped.stderr
    assert gitlab.connections == []
    assert "job-secret" not in linked.stdout + linked.stderr
    _no_secret(linked)


def test_the_token_is_masked_in_the_body_too(gitlab, report):
    report.write_text(f"{REPORT}value: {TOKEN}\n", encoding="utf-8")
    assert run_lintops("gitlab-note", str(report), env=ci_env(gitlab)).returncode == 0
    assert gitlab.writes()[0].json == {"body": f"{REPORT}value: [MASKED]\n"}
