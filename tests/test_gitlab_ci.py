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
    write(work / "deploy" / "web.yaml", BAD)
    _git(work, "add", ".")
    _git(work, "commit", "-qm", "second")
    return work


def _run_job(work: Path) -> subprocess.CompletedProcess:
    job = yaml.safe_load(TEMPLATE.read_text())["lintops"]
    env = dict(os.environ, **{k: str(v) for k, v in job["variables"].items()},
               CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main", CI_PIPELINE_SOURCE="merge_request_event")
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
