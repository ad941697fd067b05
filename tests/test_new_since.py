"""``check --new-since REF`` on real git repositories: only what the merge request introduces fails the run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from builders import deployment, write

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout


def lintops(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lintops", "check", *args], cwd=root, capture_output=True,
                          text=True, env={**os.environ, "TMPDIR": str(root.parent / "tmp")})


def findings(result: subprocess.CompletedProcess) -> list[tuple[str, str, bool]]:
    return sorted((f["rule"], f["path"], f["introduced"]) for f in json.loads(result.stdout)["findings"])


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """Five Deployments with findings of their own (probes, limits, ...) on main, and a branch to change them on."""
    root = tmp_path / "repo"
    (tmp_path / "tmp").mkdir()
    for name in ("web", "api", "worker", "cache", "queue"):
        write(root / "apps" / f"{name}.yaml", deployment(name, image="nginx:1.25.3"))
    git(root.parent, "init", "-q", "-b", "main", str(root))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "feature")
    return root


def test_only_the_finding_the_change_adds_fails_the_run(repository: Path) -> None:
    assert lintops(repository, "--new-since", "main").returncode == 0  # nothing changed: nothing introduced
    before = lintops(repository, "--format", "json")
    assert before.returncode == 1 and len(json.loads(before.stdout)["findings"]) >= 10  # the existing findings
    write(repository / "apps" / "api.yaml", deployment("api", image="nginx:latest"))
    git(repository, "commit", "-q", "-am", "api: latest")

    result = lintops(repository, "--new-since", "main", "--format", "json")
    assert result.returncode == 1, result.stderr
    introduced = [f for f in findings(result) if f[2]]
    assert introduced == [("pinned-image-tag", "apps/api.yaml", True)]
    assert len(findings(result)) == len(json.loads(before.stdout)["findings"]) + 1  # the others still reported
    text = lintops(repository, "--new-since", "main")
    assert "apps/web.yaml" in text.stdout and "(not introduced by this change)" in text.stdout


def test_an_object_moved_to_another_file_introduces_nothing(repository: Path) -> None:
    git(repository, "mv", "apps/web.yaml", "apps/frontend.yaml")
    git(repository, "commit", "-q", "-m", "rename")
    result = lintops(repository, "--new-since", "main", "--format", "json")
    assert result.returncode == 0, result.stdout
    assert all(not introduced for _, _, introduced in findings(result))
    assert any(path == "apps/frontend.yaml" for _, path, _ in findings(result))


def test_uncommitted_changes_count_and_the_working_tree_is_not_touched(repository: Path) -> None:
    (repository / "apps" / "cache.yaml").write_text(deployment("cache", image="redis:latest"))
    status = git(repository, "status", "--porcelain")
    result = lintops(repository, "--new-since", "main", "--format", "json")
    assert result.returncode == 1
    assert [f for f in findings(result) if f[2]] == [("pinned-image-tag", "apps/cache.yaml", True)]
    assert git(repository, "status", "--porcelain") == status
    assert list((repository.parent / "tmp").iterdir()) == []  # the base's temporary tree is removed


def test_a_link_out_of_the_tree_at_the_base_is_refused_there_too(repository: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {password: hunter2}\n")
    git(repository, "checkout", "-q", "main")
    os.symlink(secret, repository / "apps" / "linked.yaml")
    git(repository, "add", "-A")
    git(repository, "commit", "-q", "-m", "a link")
    git(repository, "checkout", "-q", "-b", "feature2")
    result = lintops(repository, "--new-since", "main", "--format", "json")
    assert "hunter2" not in result.stdout + result.stderr
    assert ("unsafe-path", "apps/linked.yaml", False) in findings(result)  # refused at the base as at HEAD


def test_an_unknown_ref_is_one_line_and_exit_2(repository: Path) -> None:
    result = lintops(repository, "--new-since", "no-such-branch")
    assert result.returncode == 2
    assert "--new-since no-such-branch" in result.stderr and "Traceback" not in result.stderr


def test_the_base_tree_is_written_from_git_objects_only(repository: Path) -> None:
    from lintops.new_since import merge_base, write_tree

    (repository / ".gitattributes").write_text("*.yaml filter=evil\n")
    git(repository, "add", ".gitattributes")
    git(repository, "commit", "-q", "-m", "attributes")
    marker = repository.parent / "filter-ran"
    git(repository, "config", "filter.evil.smudge", f"touch {marker}; cat")
    top, commit = merge_base("HEAD", repository)
    with tempfile.TemporaryDirectory() as into:
        written = write_tree(top, commit, Path(into))
        assert written == 6 and (Path(into) / "apps" / "web.yaml").read_text() == deployment(
            "web", image="nginx:1.25.3")
    assert not marker.exists()  # no filter, hook or attribute of the tree ran


def test_a_blob_too_large_to_lint_is_written_as_its_size_and_the_next_files_are_intact(
        repository: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lintops import new_since

    monkeypatch.setattr(new_since, "MAX_BLOB_BYTES", 100)
    top, commit = new_since.merge_base("HEAD", repository)
    with tempfile.TemporaryDirectory() as into:
        assert new_since.write_tree(top, commit, Path(into)) == 5
        for name in ("api", "cache", "queue", "web", "worker"):  # each over 100 bytes: its size, no content
            written = Path(into) / "apps" / f"{name}.yaml"
            assert written.stat().st_size == len(deployment(name, image="nginx:1.25.3"))
            assert set(written.read_bytes()) == {0}
    monkeypatch.setattr(new_since, "MAX_BLOB_BYTES", 10_000)
    with tempfile.TemporaryDirectory() as into:
        new_since.write_tree(top, commit, Path(into))
        assert (Path(into) / "apps" / "worker.yaml").read_text() == deployment("worker", image="nginx:1.25.3")
