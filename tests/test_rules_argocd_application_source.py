"""``argocd-application-source`` in real git repositories: which sources are this repository's (the remotes'
URLs, https or ssh, and configured aliases), and paths, values files and projects that do not exist."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.conftest import run_lintops

RULE = "argocd-application-source"


def _repo(root: Path, origin: str | None = "https://github.com/example/gitops.git") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    if origin is not None:
        subprocess.run(["git", "-C", str(root), "remote", "add", "origin", origin], check=True)
    return root


def _write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def _application(path: str = "apps/guestbook", repo_url: str = "https://github.com/example/gitops",
                 extra: str = "", project: str = "default") -> str:
    """An Application (line 9 is its ``path``); ``extra`` goes into its source, below ``path``."""
    lines = ["apiVersion: argoproj.io/v1alpha1", "kind: Application", "metadata: {name: guestbook, namespace: argocd}",
             "spec:", f"  project: {project}", "  source:", f"    repoURL: {repo_url}", "    targetRevision: HEAD",
             f"    path: {path}", textwrap.indent(textwrap.dedent(extra), "    ").rstrip("\n"),
             '  destination: {server: "https://kubernetes.default.svc", namespace: guestbook}']
    return "\n".join(line for line in lines if line) + "\n"


def _findings(root: Path) -> tuple[list[dict], str]:
    result = run_lintops("check", "--format", "json", ".", cwd=root)
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    found = [f for f in report["findings"] if f["rule"] == RULE and not f["suppressed"]]
    return found, result.stdout + result.stderr


def _places(found: list[dict]) -> list[tuple[str, int, str]]:
    return [(f["path"], f["line"], f["pointer"]) for f in found]


@pytest.mark.parametrize("origin", ["https://github.com/example/gitops.git", "git@GitHub.com:example/gitops.git",
                                    "ssh://git@github.com:22/example/gitops/"])
def test_missing_path_fires_at_the_path_line_whatever_the_remote_spelling(tmp_path, origin):
    root = _repo(tmp_path / "repo", origin)
    _write(root, "apps/app.yaml", _application(path="apps/guestbok"))
    found, _ = _findings(root)
    assert _places(found) == [("apps/app.yaml", 9, "/spec/source/path")]
    assert "'apps/guestbok' does not exist" in found[0]["message"]


def test_existing_path_and_values_files_pass(tmp_path):
    root = _repo(tmp_path / "repo")
    _write(root, "apps/guestbook/values-prod.yaml", "replicas: 2\n")
    _write(root, "apps/app.yaml", _application(extra="""\
        helm:
          valueFiles: [values-prod.yaml, /apps/guestbook/values-prod.yaml, https://example.com/v.yaml, "*.yaml"]
        """))
    assert _findings(root)[0] == []


def test_missing_values_file_fires_unless_missing_ones_are_ignored(tmp_path):
    root = _repo(tmp_path / "repo")
    _write(root, "apps/guestbook/values.yaml", "replicas: 2\n")
    _write(root, "apps/app.yaml", _application(extra="""\
        helm:
          valueFiles: [values.yaml, values-prod.yaml]
        """))
    found, _ = _findings(root)
    assert _places(found) == [("apps/app.yaml", 11, "/spec/source/helm/valueFiles/1")]
    assert "values file 'values-prod.yaml' does not exist" in found[0]["message"]
    _write(root, "apps/app.yaml", _application(extra="""\
        helm:
          ignoreMissingValueFiles: true
          valueFiles: [values.yaml, values-prod.yaml]
        """))
    assert _findings(root)[0] == []


def test_ref_values_files_of_a_multi_source_application(tmp_path):
    root = _repo(tmp_path / "repo", "git@github.com:example/gitops.git")
    _write(root, "values/prod.yaml", "replicas: 2\n")
    _write(root, "apps/app.yaml", """\
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata: {name: shop, namespace: argocd}
        spec:
          project: default
          sources:
            - repoURL: https://charts.example.com
              chart: shop
              targetRevision: 1.2.3
              helm:
                valueFiles: [$values/values/prod.yaml, $values/values/staging.yaml, $vals/prod.yaml]
            - repoURL: https://github.com/example/gitops.git
              targetRevision: main
              ref: values
          destination: {server: "https://kubernetes.default.svc", namespace: shop}
        """)
    found, _ = _findings(root)
    assert _places(found) == [("apps/app.yaml", 11, "/spec/sources/0/helm/valueFiles/1"),
                              ("apps/app.yaml", 11, "/spec/sources/0/helm/valueFiles/2")]
    assert "no source of this Application has that ref" in found[1]["message"]


def test_sources_of_other_repositories_are_not_checked_and_verbose_output_says_so(tmp_path):
    root = _repo(tmp_path / "repo")
    _write(root, "apps/app.yaml", _application(path="nowhere", repo_url="https://u:t0ken@github.com/example/other"))
    assert _findings(root)[0] == []
    report = json.loads(run_lintops("check", "--format", "json", ".", cwd=root).stdout)
    [note] = [f for f in report["findings"] if f["rule"] == RULE]
    assert note["suppressed"] and "not checked" in note["suppression_reason"]
    assert (note["line"], note["pointer"]) == (7, "/spec/source/repoURL")
    plain = run_lintops("check", ".", cwd=root)
    verbose = run_lintops("check", "--verbose", ".", cwd=root)
    assert "not checked" not in plain.stdout
    assert "apps/app.yaml:7" in verbose.stdout and "are not checked" in verbose.stdout
    assert "t0ken" not in verbose.stdout + json.dumps(report)


def test_without_a_remote_nothing_is_this_repository_but_an_alias_is(tmp_path):
    root = _repo(tmp_path / "repo", origin=None)
    _write(root, "apps/app.yaml", _application(path="nowhere", repo_url="https://git.internal/platform/gitops"))
    assert _findings(root)[0] == []
    _write(root, ".lintops.yaml", "argocd:\n  repositories: ['https://GIT.internal/platform/gitops.git/']\n")
    assert _places(_findings(root)[0]) == [("apps/app.yaml", 9, "/spec/source/path")]


def test_paths_out_of_the_tree(tmp_path):
    root = _repo(tmp_path / "repo")
    (tmp_path / "outside").mkdir()
    os.symlink(tmp_path / "outside", root / "link")
    _write(root, "apps/a.yaml", _application(path="link"))
    _write(root, "apps/b.yaml", _application(path="../outside").replace("guestbook,", "other,"))
    _write(root, "apps/c.yaml", _application(path="apps/a.yaml").replace("guestbook,", "third,"))
    found, _ = _findings(root)
    messages = {f["path"]: f["message"] for f in found}
    assert "leads outside the linted root" in messages["apps/a.yaml"]
    assert "leads outside the repository" in messages["apps/b.yaml"]
    assert "is not a directory" in messages["apps/c.yaml"]


def test_remote_credentials_never_reach_the_output(tmp_path):
    root = _repo(tmp_path / "repo", "https://deploy:glpat-s3cr3tT0ken@gitlab.example.com/team/gitops.git")
    _write(root, "apps/app.yaml", _application(path="nowhere", repo_url="https://gitlab.example.com/team/gitops"))
    found, output = _findings(root)
    assert len(found) == 1
    assert "s3cr3t" not in output and "deploy:" not in output


def test_project_checked_only_when_the_run_defines_app_projects(tmp_path):
    root = _repo(tmp_path / "repo", origin=None)
    _write(root, "apps/app.yaml", _application(project="shopp"))
    assert _findings(root)[0] == []  # projects are managed elsewhere
    _write(root, "apps/project.yaml", """\
        apiVersion: argoproj.io/v1alpha1
        kind: AppProject
        metadata: {name: shop, namespace: argocd}
        spec: {sourceRepos: ["*"]}
        """)
    found, _ = _findings(root)
    assert _places(found) == [("apps/app.yaml", 5, "/spec/project")]
    assert "'shopp'" in found[0]["message"] and "'shop'" in found[0]["message"]
    _write(root, "apps/app.yaml", _application(project="default"))
    assert _findings(root)[0] == []
