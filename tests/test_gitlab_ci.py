"""The GitLab CI template's script lines, run literally in a git repository with two commits; its install
steps (the kustomize download checked against its sha256, the lintops package), and both jobs end to end in a
depth-1 clone with a remote, in a fresh virtual environment installed the way the jobs install."""

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
    assert job["before_script"] == template["lintops"]["before_script"]  # installed the same way
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


# How both jobs set up: the image, the history, kustomize (the image's, or a release checked against its
# sha256) and lintops (LINTOPS_PACKAGE, with LINTOPS_PIP_ARGS). Nothing is downloaded here: the kustomize
# "release" is a tarball of a stand-in script served from a file:// URL, and lintops comes from the wheelhouse
# .ci/run builds (LINTOPS_TEST_WHEELHOUSE).

WHEELHOUSE = os.environ.get("LINTOPS_TEST_WHEELHOUSE")
STAND_IN = "#!/bin/sh\necho 'kustomize v5.4.3 (stand-in)'\n"
# What the setup and the scripts run, and nothing that renders overlays (no kubectl, no kustomize).
TOOLS = ("bash", "sh", "env", "git", "curl", "sha256sum", "tar", "gzip", "mktemp", "rm", "cat", "mkdir", "chmod",
         "ls", "head", "tail", "sed", "grep", "dirname", "basename", "uname", "id", "tr", "readlink", "expr", "touch")


def test_both_jobs_clone_the_whole_history_fetch_the_target_and_install_the_same_way():
    template = yaml.safe_load(TEMPLATE.read_text())
    for name in ("lintops", DIFF_JOB):
        job = template[name]
        assert job["image"] == "python:3.11"  # Python, pip, git and curl (the -slim image has no git)
        variables = job["variables"]
        assert variables["GIT_DEPTH"] == "0"
        assert "LINTOPS_PACKAGE" not in variables and "LINTOPS_PIP_ARGS" not in variables  # top-level ones apply
        assert variables["KUSTOMIZE_VERSION"] == "5.4.3" and variables["KUSTOMIZE_PLATFORM"] == "linux_amd64"
        assert len(variables["KUSTOMIZE_SHA256"]) == 64 and int(variables["KUSTOMIZE_SHA256"], 16) >= 0
        assert job["script"][0] == ('git fetch --quiet origin "+refs/heads/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME:'
                                    'refs/remotes/origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"')
        setup = job["before_script"]
        assert "LINTOPS_PACKAGE is not set" in setup[0] and "sha256sum --check" in setup[1]
        assert setup[-1] == 'pip install --quiet $LINTOPS_PIP_ARGS "$LINTOPS_PACKAGE"'
    reports = template["lintops"]["artifacts"]["reports"]
    assert reports == {"junit": "lintops-junit.xml", "codequality": "gl-code-quality-report.json"}
    header = TEMPLATE.read_text().split("\n.lintops-setup:")[0]
    assert 'LINTOPS_PACKAGE: "lintops[helm] @ git+https://gitlab.example.com/platform/lintops.git@<full commit sha>"' \
        in header


def _tools(directory: Path, *extra: tuple[str, str]) -> Path:
    """A directory of links to the tools the jobs use, without kubectl or kustomize; ``extra``: (name, script)."""
    directory.mkdir(parents=True, exist_ok=True)
    scripts = dict(extra)
    for tool in TOOLS:
        found = shutil.which(tool)
        if found and tool not in scripts:  # a stand-in is its own file, never written through a link
            (directory / tool).symlink_to(found)
    for name, script in scripts.items():
        assert not (directory / name).exists() and not (directory / name).is_symlink(), directory / name
        (directory / name).write_text(script)
        (directory / name).chmod(0o755)
    return directory


def _release(tmp_path: Path, binary: str = STAND_IN) -> tuple[str, str]:
    """A kustomize release tarball (``kustomize`` at its top, as the real ones) as a file:// URL, and its sha256."""
    import hashlib
    import io
    import tarfile

    tarball = tmp_path / "kustomize_v5.4.3_linux_amd64.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        info = tarfile.TarInfo("kustomize")
        info.size, info.mode = len(binary), 0o755
        archive.addfile(info, io.BytesIO(binary.encode()))
    return tarball.as_uri(), hashlib.sha256(tarball.read_bytes()).hexdigest()


def _shell(lines: list[str], cwd: Path, path: list[Path], **variables: str) -> subprocess.CompletedProcess:
    """``lines`` in one bash, as a runner runs before_script and script (``set -eo pipefail``), with only
    ``path`` on PATH and the jobs' variables plus ``variables``."""
    job = yaml.safe_load(TEMPLATE.read_text())["lintops"]
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PIP_", "KUSTOMIZE_", "LINTOPS_", "CI_", "GIT_", "VIRTUAL_ENV", "PYTHON"))}
    env.update({k: str(v) for k, v in job["variables"].items()}, HOME=str(cwd.parent / "home"),
               CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main", CI_PIPELINE_SOURCE="merge_request_event",
               PATH=os.pathsep.join(str(p) for p in path), PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.update(variables)
    return subprocess.run(["bash", "-c", "set -eo pipefail\n" + "\n".join(lines)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def _setup(step: int) -> str:
    return yaml.safe_load(TEMPLATE.read_text())["lintops"]["before_script"][step]


def test_kustomize_is_installed_from_the_release_when_its_checksum_matches(tmp_path):
    url, sha = _release(tmp_path)
    result = _shell([_setup(1), "command -v kustomize", "kustomize version"], tmp_path, [_tools(tmp_path / "bin")],
                    KUSTOMIZE_URL=url, KUSTOMIZE_SHA256=sha)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kustomize 5.4.3 linux_amd64, sha256 checked" in result.stdout
    assert "kustomize v5.4.3 (stand-in)" in result.stdout and not result.stdout.splitlines()[1].startswith(
        str(tmp_path / "bin"))


def test_a_wrong_checksum_fails_the_job_before_lintops_runs(merge_request, tmp_path):
    url, sha = _release(tmp_path)
    wrong = sha[:-1] + ("0" if sha[-1] != "0" else "1")
    job = yaml.safe_load(TEMPLATE.read_text())["lintops"]
    bin_dir = Path(sys.executable).parent  # a lintops is there: the job must stop before it
    result = _shell(job["before_script"] + job["script"], merge_request, [bin_dir, _tools(tmp_path / "bin")],
                    KUSTOMIZE_URL=url, KUSTOMIZE_SHA256=wrong, LINTOPS_PACKAGE="lintops",
                    LINTOPS_PIP_ARGS="--no-index --find-links /nonexistent")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"lintops: {url} is not the file KUSTOMIZE_SHA256 names (sha256 mismatch); it is not run" in result.stderr
    assert not (merge_request / "lintops-junit.xml").exists()
    assert not (merge_request / "gl-code-quality-report.json").exists()


def test_without_kustomize_kubectl_or_a_checksum_the_job_stops_at_once(merge_request, tmp_path):
    job = yaml.safe_load(TEMPLATE.read_text())["lintops"]
    marker = tmp_path / "downloaded"
    curl = ("curl", f"#!/bin/sh\ntouch {marker}\nexit 1\n")  # a download would leave this mark
    result = _shell(job["before_script"] + job["script"], merge_request, [_tools(tmp_path / "bin", curl)],
                    KUSTOMIZE_SHA256="", LINTOPS_PACKAGE="lintops")
    assert result.returncode == 1, result.stdout + result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("lintops: neither kustomize nor kubectl is on PATH, and KUSTOMIZE_VERSION and "
                           "KUSTOMIZE_SHA256 are not both set, so Kustomize overlays cannot be rendered")
    assert not marker.exists() and not (merge_request / "lintops-junit.xml").exists()


@pytest.mark.parametrize("tool", ["kubectl", "kustomize"])
def test_an_image_with_kubectl_or_kustomize_skips_the_download(tmp_path, tool):
    bin_dir = _tools(tmp_path / "bin", (tool, "#!/bin/sh\nexit 0\n"))
    result = _shell([_setup(1)], tmp_path, [bin_dir], KUSTOMIZE_URL=(tmp_path / "absent.tar.gz").as_uri())
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"lintops: Kustomize overlays render with {bin_dir / tool}" in result.stdout


def test_without_lintops_package_the_job_stops_at_once_saying_what_to_set(tmp_path):
    result = _shell(yaml.safe_load(TEMPLATE.read_text())["lintops"]["before_script"], tmp_path,
                    [_tools(tmp_path / "bin")])
    assert result.returncode == 1
    assert "lintops: LINTOPS_PACKAGE is not set: set it to where lintops is installed from, e.g. " \
           '"lintops[helm] @ git+https://' in result.stderr


needs_wheelhouse = pytest.mark.skipif(not WHEELHOUSE, reason="needs LINTOPS_TEST_WHEELHOUSE (a wheelhouse of lintops "
                                                             "and its dependencies; .ci/run builds one) so that the "
                                                             "job's pip install runs offline")


@pytest.fixture(scope="module")
def job_venv(tmp_path_factory):
    """A fresh virtual environment, to be installed into by the jobs' own before_script."""
    venv = tmp_path_factory.mktemp("job-venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    return venv


def _shallow_merge_request(tmp_path: Path) -> Path:
    """The merge request of the tests above, pushed to a bare remote with history below it, and cloned as a
    runner with a shallow GIT_DEPTH clones it: depth 1, the merge request's branch only."""
    work = _merge_request(tmp_path, {"deploy/web.yaml": BAD})
    for index in range(3):  # the branch is several commits deep, so depth 1 misses the merge base
        write(work / "deploy" / f"step-{index}.yaml", GOOD.replace("settings", f"step-{index}"))
        _git(work, "add", ".")
        _git(work, "commit", "-qm", f"step {index}")
    _git(work, "push", "-q", "origin", "feature")
    clone = tmp_path / "runner"
    _git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", (tmp_path / "origin.git").as_uri(),
         str(clone))
    assert _git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"
    return clone


def _install_variables(tmp_path: Path) -> dict[str, str]:
    url, sha = _release(tmp_path)
    extra = "[helm]" if any(Path(str(WHEELHOUSE)).glob("helm_python_sdk-*.whl")) else ""
    return {"KUSTOMIZE_URL": url, "KUSTOMIZE_SHA256": sha, "LINTOPS_PACKAGE": f"lintops{extra}",
            "LINTOPS_PIP_ARGS": f"--no-index --find-links {WHEELHOUSE}"}


@needs_wheelhouse
def test_the_lintops_job_runs_end_to_end_in_a_shallow_clone_with_a_fresh_install(tmp_path, job_venv):
    clone = _shallow_merge_request(tmp_path)
    job = yaml.safe_load(TEMPLATE.read_text())["lintops"]
    result = _shell(job["before_script"] + job["script"], clone, [job_venv / "bin", _tools(tmp_path / "bin")],
                    **_install_variables(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr  # the merge request's mistake
    assert "sha256 checked" in result.stdout
    assert (job_venv / "bin" / "lintops").is_file()  # the fresh environment's lintops ran the check
    assert "the clone is shallow" in result.stderr
    assert int(_git(clone, "rev-list", "--count", "HEAD")) > 1  # deepened until the merge base was there
    assert "deploy/web.yaml:5:18" in result.stdout and "old.yaml" not in result.stdout
    quality = json.loads((clone / "gl-code-quality-report.json").read_text())
    assert {issue["location"]["path"] for issue in quality} == {"deploy/web.yaml"}
    import xml.etree.ElementTree as ElementTree

    junit = ElementTree.parse(clone / "lintops-junit.xml").getroot()
    failures = [case.get("name", "") + case.get("classname", "") for case in junit.iter("testcase")
                if case.find("failure") is not None]
    assert failures and all("deploy/web.yaml" in failure for failure in failures)


@needs_wheelhouse
def test_the_diff_job_runs_end_to_end_in_a_shallow_clone_with_a_fresh_install(tmp_path, job_venv, gitlab):
    clone = _shallow_merge_request(tmp_path)
    base = _git(tmp_path / "origin.git", "merge-base", "main", "feature").strip()
    job = yaml.safe_load(TEMPLATE.read_text())[DIFF_JOB]
    result = _shell(job["before_script"] + job["script"], clone, [job_venv / "bin", _tools(tmp_path / "bin")],
                    **_install_variables(tmp_path), CI_MERGE_REQUEST_DIFF_BASE_SHA=base,
                    CI_API_V4_URL=gitlab.api_url, CI_PROJECT_ID=gitlab.project,
                    CI_MERGE_REQUEST_IID=gitlab.merge_request, LINTOPS_GITLAB_TOKEN=TOKEN)
    assert result.returncode == 1, result.stdout + result.stderr
    diff = json.loads((clone / "lintops-diff.json").read_text())
    assert diff["base_commit"] == base
    assert {f["path"] for f in diff["findings"]["introduced"]} == {"deploy/web.yaml"}
    (post,) = gitlab.writes()
    assert post.json == {"body": (clone / "lintops-diff.md").read_text(encoding="utf-8")}
    assert TOKEN not in result.stdout + result.stderr
