"""``argocd-floating-revision``: off by default; on, production Applications must name a tag or a commit, told
from branches by the linted repository's own git tags and branches (a real git repository)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from lintops.checks.argocd_floating_revision import revision_verdict
from tests.conftest import run_lintops

RULE = "argocd-floating-revision"
ON = "rules:\n  argocd-floating-revision: true\n"


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.email=a@example.com", "-c", "user.name=a", *args],
                   check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    _git(root, "remote", "add", "origin", "git@github.com:example/gitops.git")
    (root / "README").write_text("x\n")
    _git(root, "add", "README")
    _git(root, "commit", "-q", "-m", "first")
    _git(root, "tag", "release-2024-06")
    _git(root, "branch", "release-next")
    return root


def _app(root: Path, name: str, revision: str, namespace: str = "shop-production",
         repo_url: str = "https://github.com/example/gitops") -> None:
    (root / "apps").mkdir(exist_ok=True)
    (root / "apps" / f"{name}.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        f"metadata: {{name: {name}, namespace: argocd}}\n"
        "spec:\n  project: default\n  source:\n"
        f"    repoURL: {repo_url}\n    targetRevision: {revision}\n    path: README\n"
        f"  destination: {{server: 'https://kubernetes.default.svc', namespace: {namespace}}}\n")


def _findings(root: Path) -> list[tuple[str, int, str]]:
    result = run_lintops("check", "--format", "json", ".", cwd=root)
    assert result.returncode in (0, 1), result.stderr
    return sorted((f["path"], f["line"], f["message"]) for f in json.loads(result.stdout)["findings"]
                  if f["rule"] == RULE)


def test_off_by_default(repo):
    _app(repo, "shop", "HEAD")
    assert _findings(repo) == []


def test_production_revisions_told_by_the_repositorys_tags_and_branches(repo):
    (repo / ".lintops.yaml").write_text(ON)
    _app(repo, "a-head", "HEAD")
    _app(repo, "b-tag", "release-2024-06")  # a tag of this repository
    _app(repo, "c-branch", "release-next")  # a branch of this repository
    _app(repo, "d-version", "v1.4.0")
    _app(repo, "e-commit", "0123456789abcdef0123456789abcdef01234567")
    _app(repo, "f-range", "'1.2.*'")
    _app(repo, "g-staging", "HEAD", namespace="shop-staging")
    _app(repo, "h-other", "release-2024-06", repo_url="https://github.com/example/other")  # not our tag
    found = {path: message for path, _, message in _findings(repo)}
    assert set(found) == {"apps/a-head.yaml", "apps/c-branch.yaml", "apps/f-range.yaml", "apps/h-other.yaml"}
    assert "deploys to production (destination namespace 'shop-production')" in found["apps/a-head.yaml"]
    assert "'release-next' is a branch of this repository" in found["apps/c-branch.yaml"]
    assert "taken as a branch" in found["apps/h-other.yaml"]


def test_environments_param_chooses_unknown_too(repo):
    (repo / ".lintops.yaml").write_text(
        "rules:\n  argocd-floating-revision: {enabled: true, params: {environments: [unknown]}}\n")
    _app(repo, "shop", "main", namespace="shop")
    _app(repo, "shop-prod", "main", namespace="shop-prod")
    assert [path for path, _, _ in _findings(repo)] == ["apps/shop.yaml"]


@pytest.mark.parametrize(("revision", "chart", "pinned"), [
    ("1.2.3", True, True), ("v1.2.3-rc.1", True, True), ("*", True, False), ("1.2.x", True, False),
    (None, True, False), ("^1.2", False, False), (">=1.0 <2.0", False, False), ("refs/tags/x", False, True),
    ("refs/heads/main", False, False), ("main", False, False), ("", False, False), ("deadbee", False, False),
    ("a" * 64, False, True),
])
def test_revision_verdicts(revision, chart, pinned):
    assert (revision_verdict(revision, chart=chart, info=None) is None) is pinned
