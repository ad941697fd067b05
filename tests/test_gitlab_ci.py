"""The GitLab CI template's script lines, run literally in a git repository with two commits."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO, write
from gitlab_server import FakeGitLab, serve, stop
from lintops.diff.markdown import MARKER

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

TEMPLATE = REPO / "ci" / "gitlab" / "lintops.gitlab-ci.yml"
GOOD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: fast}\n"
OLD_DEBT = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: old}\nbogus: 1\n"
BAD = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: eighty}]\n"


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def merge_request(tmp_path):
    """origin/main has one commit (with old debt); the checkout adds a second commit with a new mistake."""
    return _merge_request(tmp_path, {"deploy/web.yaml": BAD})


def _merge_request(tmp_path: Path, changes: dict[str, str]) -> Path:
    """A clone whose branch ``feature`` adds one commit writing ``changes`` over origin/main's first commit."""
    origin = tmp_path / "origin.git"
    work = tmp_path / "work"
    _git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    _git(tmp_path, "clone", "-q", str(origin), str(work))
    for key, value in (("user.email", "ci@example.com"), ("user.name", "CI")):
        _git(work, "config", key, value)
    _git(work, "checkout", "-q", "-b", "main")
    write(work / "deploy" / "settings.yaml", GOOD)
    write(work / "deploy" / "old.yaml", OLD_DEBT)
    _git(work, "add", ".")
    _git(work, "commit", "-qm", "first")
    _git(work, "push", "-q", "origin", "main")
    _git(work, "checkout", "-q", "-b", "feature")
    for path, text in changes.items():
        write(work / path, text)
    _git(work, "add", ".")
    _git(work, "commit", "-qm", "second")
    return work


def _run_job(work: Path, name: str = "lintops", cleared: tuple[str, ...] = (), **variables: str,
             ) -> subprocess.CompletedProcess:
    job = yaml.safe_load(TEMPLATE.read_text())[name]
    inherited = {key: value for key, value in os.environ.items() if key not in cleared}
    env = dict(inherited, **{k: str(v) for k, v in job["variables"].items()},
               CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main", CI_PIPELINE_SOURCE="merge_request_event")
    env.update(variables)  # what a project sets overrides the job's defaults
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    return subprocess.run(["bash", "-c", "set -e\n" + "\n".join(job["script"])], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300)


def test_template_script_lints_only_the_merge_request(merge_request):
    job = yaml.safe_load(TEMPLATE.read_text())["lintops"]
    result = _run_job(merge_request)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "deploy/web.yaml:5:18" in result.stdout
    assert "old.yaml" not in result.stdout  # debt of the target branch is not this merge request's
    quality = json.loads((merge_request / "gl-code-quality-report.json").read_text())
    assert {issue["location"]["path"] for issue in quality} == {"deploy/web.yaml"}
    assert all(issue["location"]["lines"]["begin"] == 5 for issue in quality)
    junit = (merge_request / "lintops-junit.xml").read_text()
    assert "deploy/web.yaml" in junit and "<failure" in junit
    for path in job["artifacts"]["reports"].values():
        assert (merge_request / path).is_file()


def test_a_merge_request_cannot_switch_the_gate_off_with_its_own_configuration(merge_request):
    """The policy is the target branch's .lintops.yaml: the branch's new excludes and rule settings
    are refused (policy-violation findings), and its new mistake still fails the job."""
    write(merge_request / ".lintops.yaml", 'exclude: ["**"]\nrules: {schema: false}\n')
    _git(merge_request, "add", ".")
    _git(merge_request, "commit", "-qm", "quiet please")
    result = _run_job(merge_request)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "deploy/web.yaml:5:18" in result.stdout
    assert ".lintops.yaml:1:11" in result.stdout and "[policy-violation]" in result.stdout


def test_grants_on_the_target_branch_apply_to_the_merge_request(merge_request):
    _git(merge_request, "checkout", "-q", "main")
    write(merge_request / ".lintops.yaml", "repository: {exclude: true}\n")
    _git(merge_request, "add", ".")
    _git(merge_request, "commit", "-qm", "grant excludes")
    _git(merge_request, "push", "-q", "origin", "main")
    _git(merge_request, "checkout", "-q", "feature")
    _git(merge_request, "merge", "-q", "main", "-m", "merge")
    write(merge_request / ".lintops.yaml", 'repository: {exclude: true}\nexclude: ["deploy/web.yaml"]\n')
    _git(merge_request, "commit", "-qam", "exclude the new file")
    result = _run_job(merge_request)
    assert result.returncode == 0, result.stdout + result.stderr


# The lintops-diff job: `lintops diff` against the merge base, its Markdown report an artifact and a note.

DIFF_JOB = "lintops-diff"
TOKEN = "glpat-template-test-token"
SLOWER = GOOD.replace("fast", "slow")
_CLEARED = ("LINTOPS_GITLAB_TOKEN", "CI_API_V4_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID", "http_proxy",
            "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


@pytest.fixture
def gitlab():
    state = FakeGitLab(users={TOKEN: 31})
    serve(state)
    yield state
    stop(state)


def _run_diff_job(work: Path, gitlab: FakeGitLab, token: str | None) -> subprocess.CompletedProcess:
    """The job's script lines in ``work`` as a merge-request pipeline runs them, the API at ``gitlab``."""
    base = _git(work, "merge-base", "origin/main", "HEAD").strip()
    variables = {"CI_MERGE_REQUEST_DIFF_BASE_SHA": base, "CI_API_V4_URL": gitlab.api_url,
                 "CI_PROJECT_ID": gitlab.project, "CI_MERGE_REQUEST_IID": gitlab.merge_request}
    if token is not None:
        variables["LINTOPS_GITLAB_TOKEN"] = token
    return _run_job(work, DIFF_JOB, cleared=_CLEARED, **variables)


def test_the_diff_job_runs_on_merge_requests_and_exposes_its_report():
    template = yaml.safe_load(TEMPLATE.read_text())
    job = template[DIFF_JOB]
    assert job["image"] == "python:3.11" and job["variables"]["GIT_DEPTH"] == "0"
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert job["before_script"][-1] == template["lintops"]["before_script"][-1]  # installed the same way
    artifacts = job["artifacts"]
    assert artifacts["expose_as"] == "lintops diff" and artifacts["when"] == "always"
    assert artifacts["paths"] == ["lintops-diff.md", "lintops-diff.json"]
    assert "reports" not in artifacts  # the lintops job's Code Quality report is the widget's; GitLab merges all
    script = job["script"]
    diff = next(index for index, line in enumerate(script) if "lintops diff " in line)
    note = next(index for index, line in enumerate(script) if "lintops gitlab-note " in line)
    assert '--base "$CI_MERGE_REQUEST_DIFF_BASE_SHA"' in script[diff] and '--policy "$policy"' in script[diff]
    assert "--report markdown=lintops-diff.md" in script[diff]
    assert "--report json=lintops-diff.json" in script[diff]
    assert diff < note and "lintops gitlab-note lintops-diff.md" in script[note]
    assert script[-1] == 'exit "$status"'


def test_the_diff_job_posts_the_report_and_fails_for_what_the_merge_request_introduces(tmp_path, gitlab):
    work = _merge_request(tmp_path, {"deploy/settings.yaml": SLOWER, "deploy/web.yaml": BAD})
    result = _run_diff_job(work, gitlab, TOKEN)
    assert result.returncode == 1, result.stdout + result.stderr  # diff's status: web.yaml's new finding
    report = (work / "lintops-diff.md").read_text(encoding="utf-8")
    assert report.startswith(MARKER) and "settings" in report and "slow" in report
    (post,) = gitlab.writes()
    assert (post.method, post.path) == ("POST", gitlab.notes_path)
    assert post.headers["private-token"] == TOKEN and post.json == {"body": report}
    assert f"posted note {gitlab.notes[0]['id']} on merge request !7" in result.stdout
    diff = json.loads((work / "lintops-diff.json").read_text())
    assert {f["path"] for f in diff["findings"]["introduced"]} == {"deploy/web.yaml"}  # old.yaml's debt is not new
    assert TOKEN not in result.stdout + result.stderr


def test_the_diff_job_succeeds_without_a_token_and_keeps_the_report(tmp_path, gitlab):
    work = _merge_request(tmp_path, {"deploy/settings.yaml": SLOWER})
    result = _run_diff_job(work, gitlab, None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nothing posted: LINTOPS_GITLAB_TOKEN is not set" in result.stdout
    assert (work / "lintops-diff.md").read_text(encoding="utf-8").startswith(MARKER)
    assert gitlab.connections == []


def test_a_note_that_cannot_be_posted_does_not_change_the_jobs_verdict(tmp_path, gitlab):
    work = _merge_request(tmp_path, {"deploy/settings.yaml": SLOWER})
    gitlab.fail_status = 403
    result = _run_diff_job(work, gitlab, TOKEN)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "lintops: error: GitLab API GET /api/v4/" in result.stderr and "HTTP 403" in result.stderr
    assert "lintops gitlab-note failed (see above)" in result.stdout
    assert TOKEN not in result.stdout + result.stderr


def test_a_report_the_merge_request_commits_is_never_posted(tmp_path, gitlab):
    """A lintops-diff.md in the checkout (a link to the job's variables) is removed before diff runs, so a
    diff that fails before writing its report (exit 2 here) leaves nothing to post."""
    work = _merge_request(tmp_path, {"deploy/settings.yaml": SLOWER})
    (work / "lintops-diff.md").symlink_to("/proc/self/environ")
    _git(work, "add", "lintops-diff.md")
    _git(work, "commit", "-qm", "a report of my own")
    result = _run_job(work, DIFF_JOB, cleared=_CLEARED, LINTOPS_DIFF_ARGS="-k 0.1",
                      CI_MERGE_REQUEST_DIFF_BASE_SHA=_git(work, "rev-parse", "origin/main").strip(),
                      CI_API_V4_URL=gitlab.api_url, CI_PROJECT_ID="42", CI_MERGE_REQUEST_IID="7",
                      LINTOPS_GITLAB_TOKEN=TOKEN)
    assert result.returncode == 2, result.stdout + result.stderr
    assert not (work / "lintops-diff.md").exists() and not (work / "lintops-diff.md").is_symlink()
    assert gitlab.connections == []
