"""Shallow clones (GitLab's default GIT_DEPTH, GitHub's fetch-depth 1): the merge base of ``--changed-since``,
``--new-since`` and ``lintops diff`` is found by deepening the clone from its remote, and without a remote the
run stops with one line naming GIT_DEPTH / fetch-depth and the fetch to run.

Real git throughout: a bare repository is the remote (a local path, ``file://``: no network), and the
checkout is a depth-1 clone of the merge request's branch, as a CI runner makes it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, write

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

GOOD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\ndata: {{mode: fast}}\n"
BAD = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: eighty}]\n"
OLD_DEBT = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: old}\nbogus: 1\n"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def commits(cwd: Path, ref: str = "HEAD") -> int:
    return int(git(cwd, "rev-list", "--count", ref))


def make_remote(tmp_path: Path, before: int = 8, after: int = 3, feature: int = 4) -> Path:
    """A bare repository: main with ``before`` commits up to the fork (old debt among them) and ``after``
    more; feature forks there and adds ``feature`` commits, the last of which brings a new mistake."""
    origin = tmp_path / "origin.git"
    seed = tmp_path / "seed"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    git(tmp_path, "init", "-q", "-b", "main", str(seed))
    for key, value in (("user.email", "ci@example.com"), ("user.name", "CI")):
        git(seed, "config", key, value)
    write(seed / "deploy" / "old.yaml", OLD_DEBT)
    for index in range(before):
        write(seed / "deploy" / f"main-{index}.yaml", GOOD.format(name=f"main-{index}"))
        git(seed, "add", ".")
        git(seed, "commit", "-qm", f"main {index}")
    git(seed, "checkout", "-q", "-b", "feature")
    for index in range(feature):
        write(seed / "deploy" / f"feature-{index}.yaml", GOOD.format(name=f"feature-{index}"))
        if index == feature - 1:
            write(seed / "deploy" / "web.yaml", BAD)
        git(seed, "add", ".")
        git(seed, "commit", "-qm", f"feature {index}")
    git(seed, "checkout", "-q", "main")
    for index in range(after):
        write(seed / "deploy" / f"later-{index}.yaml", GOOD.format(name=f"later-{index}"))
        git(seed, "add", ".")
        git(seed, "commit", "-qm", f"later {index}")
    git(seed, "remote", "add", "origin", str(origin))
    git(seed, "push", "-q", "origin", "main", "feature")
    return origin


def shallow_clone(origin: Path, into: Path, branch: str = "feature") -> Path:
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", branch, origin.as_uri(), str(into)],
                   check=True, capture_output=True)
    assert git(into, "rev-parse", "--is-shallow-repository").strip() == "true" and commits(into) == 1
    return into


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    return shallow_clone(make_remote(tmp_path), tmp_path / "work")


def lintops(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    return subprocess.run([sys.executable, "-m", "lintops", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


def test_changed_since_deepens_a_shallow_clone_and_lints_only_the_merge_request(clone: Path):
    assert subprocess.run(["git", "rev-parse", "--verify", "--quiet", "origin/main"], cwd=clone).returncode != 0
    result = lintops(clone, "check", ".", "--changed-since", "origin/main", "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    assert {f["path"] for f in json.loads(result.stdout)["findings"]} == {"deploy/web.yaml"}  # not old.yaml
    assert "the clone is shallow" in result.stderr and "fetching main from origin" in result.stderr
    assert commits(clone) > 1 and commits(clone, "origin/main") > 1  # fetched the branch, deepened HEAD's history
    assert "Traceback" not in result.stderr


def test_a_history_deeper_than_the_first_step_is_fetched_in_growing_steps(tmp_path: Path, monkeypatch, capsys):
    """The fork is 30 commits below feature's tip: with steps of 2, 8, ... the clone is deepened step by step
    (each one a fetch), and the base is found before the whole history is fetched."""
    origin = make_remote(tmp_path, before=80, after=2, feature=30)
    clone = shallow_clone(origin, tmp_path / "work")
    git(clone, "fetch", "-q", "--depth=1", "origin", "+refs/heads/main:refs/remotes/origin/main")
    from lintops import changes

    monkeypatch.setattr(changes, "DEEPEN_STEPS", (2, 8, 32, 64))
    files = changes.changed_files("origin/main", clone)
    assert {path.name for path in files} == {"web.yaml", *(f"feature-{index}.yaml" for index in range(30))}
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"  # bounded: not all of it
    said = capsys.readouterr().err
    assert [f"fetching {step} more commits from origin" in said for step in (2, 8, 32, 64)] == [True] * 3 + [False]
    assert "whole history" not in said and 30 < commits(clone) < 80 + 30


def test_the_last_resort_is_the_whole_history(tmp_path: Path, monkeypatch):
    origin = make_remote(tmp_path, before=3, after=1, feature=12)
    clone = shallow_clone(origin, tmp_path / "work")
    from lintops import changes

    monkeypatch.setattr(changes, "DEEPEN_STEPS", (1, 2))  # 1 + 1 + 2 commits: the fork is further down
    assert {p.name for p in changes.changed_files("origin/main", clone)} >= {"web.yaml", "feature-0.yaml"}
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "false"


def test_without_a_remote_it_fails_with_one_line_naming_git_depth_and_the_fetch(clone: Path):
    git(clone, "remote", "remove", "origin")
    result = lintops(clone, "check", ".", "--changed-since", "origin/main")
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("lintops: error: --changed-since origin/main: origin/main is not in this shallow clone")
    assert "GIT_DEPTH: 0" in line and "fetch-depth: 0" in line
    assert "`git fetch --unshallow origin +refs/heads/main:refs/remotes/origin/main`" in line
    assert "git merge-base" not in line and "Traceback" not in result.stderr
    assert line in (REPO / "docs" / "install.md").read_text(encoding="utf-8")  # the documented example is this one


def test_without_a_remote_a_present_target_whose_base_is_missing_names_the_fetch(clone: Path):
    git(clone, "fetch", "-q", "--depth=1", "origin", "+refs/heads/main:refs/remotes/origin/main")
    git(clone, "remote", "remove", "origin")
    result = lintops(clone, "check", ".", "--new-since", "origin/main")
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = result.stderr.splitlines()
    assert "--new-since origin/main: this clone is shallow and its history does not reach the merge base" in line
    assert "GIT_DEPTH: 0" in line and "git fetch --unshallow origin" in line


def test_lintops_diff_deepens_for_its_base(clone: Path):
    result = lintops(clone, "diff", ".", "--base", "origin/main", "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    introduced = json.loads(result.stdout)["findings"]["introduced"]
    assert {f["path"] for f in introduced} == {"deploy/web.yaml"}
    assert commits(clone) > 1 and "the clone is shallow" in result.stderr


def test_a_base_commit_not_in_the_clone_is_reached_by_deepening(tmp_path: Path):
    """GitLab's diff job names CI_MERGE_REQUEST_DIFF_BASE_SHA, a commit a shallow clone may not have."""
    origin = make_remote(tmp_path)
    base = git(origin, "merge-base", "main", "feature").strip()
    clone = shallow_clone(origin, tmp_path / "work")
    result = lintops(clone, "diff", ".", "--base", base, "--format", "json")
    assert result.returncode == 1, result.stdout + result.stderr
    assert json.loads(result.stdout)["base_commit"] == base


def test_a_failing_fetch_is_one_line_and_masks_the_remotes_credentials(clone: Path):
    """A CI remote URL carries a job token: git's complaint is shown with it masked."""
    git(clone, "remote", "set-url", "origin", "https://gitlab-ci-token:s3cret-job-token@127.0.0.1:1/group/repo.git")
    result = lintops(clone, "check", ".", "--changed-since", "origin/main")
    assert result.returncode == 2, result.stdout + result.stderr
    line = result.stderr.splitlines()[-1]
    assert "fetching more history from origin failed" in line and "GIT_DEPTH: 0" in line, result.stderr
    assert "s3cret-job-token" not in result.stdout + result.stderr


def test_no_hook_of_the_clone_runs_while_it_is_deepened(clone: Path):
    marker = clone.parent / "hook-ran"
    hook = clone / ".git" / "hooks" / "reference-transaction"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
    hook.chmod(0o755)
    result = lintops(clone, "check", ".", "--changed-since", "origin/main")
    assert result.returncode == 1, result.stdout + result.stderr
    assert commits(clone) > 1 and not marker.exists()


def test_a_ref_that_looks_like_an_option_is_never_one(clone: Path):
    marker = clone.parent / "upload-pack-ran"
    result = lintops(clone, "check", ".", f"--changed-since=--upload-pack=touch {marker}")
    assert result.returncode == 2, result.stdout + result.stderr
    assert not marker.exists() and "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()  # not a commit id: nothing is fetched for it
    assert line.startswith(f"lintops: error: --changed-since --upload-pack=touch {marker}: ")


def test_a_full_clone_without_the_target_names_the_fetch(tmp_path: Path):
    origin = make_remote(tmp_path)
    clone = tmp_path / "full"
    subprocess.run(["git", "clone", "-q", "--single-branch", "--branch", "feature", str(origin), str(clone)],
                   check=True, capture_output=True)
    result = lintops(clone, "check", ".", "--changed-since", "origin/main")
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "no branch origin/main in this clone" in line
    assert "`git fetch origin +refs/heads/main:refs/remotes/origin/main`" in line
    result = lintops(clone, "check", ".", "--changed-since", "no-such-ref")
    assert result.returncode == 2 and "no branch, tag or commit no-such-ref in this repository" in result.stderr


def test_unrelated_histories_say_so(tmp_path: Path):
    origin = make_remote(tmp_path)
    clone = tmp_path / "full"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True, capture_output=True)
    for key, value in (("user.email", "ci@example.com"), ("user.name", "CI")):
        git(clone, "config", key, value)
    git(clone, "checkout", "-q", "--orphan", "other")
    git(clone, "commit", "-qm", "unrelated")
    result = lintops(clone, "check", ".", "--changed-since", "origin/main")
    assert result.returncode == 2
    assert "origin/main and HEAD have no common history (no merge base)" in result.stderr
