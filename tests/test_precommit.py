"""The pre-commit hook, through the real pre-commit: `pre-commit try-repo <this repository> lintops`.

pre-commit builds its own virtualenv and pip-installs this repository into it. No test may
download, so the install is pointed at a local wheelhouse of lintops' dependencies that `.ci/run`
prepares during its install step (``LINTOPS_TEST_WHEELHOUSE``); without one the tests are skipped
with that reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, write

WHEELHOUSE = os.environ.get("LINTOPS_TEST_WHEELHOUSE")

offline = pytest.mark.skipif(not WHEELHOUSE, reason="needs LINTOPS_TEST_WHEELHOUSE (a wheelhouse of the dependencies; "
                                                   ".ci/run builds one) so that pre-commit installs offline")
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

BAD = """\
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: eighty}]
"""
GOOD = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: fast}
"""


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    """A git repository with a good and a bad manifest, and an isolated pre-commit home."""
    root = tmp_path_factory.mktemp("gitops")
    _git(root, "init", "-q")
    _git(root, "config", "user.email", "ci@example.com")
    _git(root, "config", "user.name", "CI")
    write(root / "good.yaml", GOOD)
    write(root / "bad.yaml", BAD)
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "manifests")
    env = dict(os.environ)
    env.update(PRE_COMMIT_HOME=str(tmp_path_factory.mktemp("pre-commit-home")), PIP_NO_INDEX="1",
               PIP_FIND_LINKS=str(WHEELHOUSE), PIP_DISABLE_PIP_VERSION_CHECK="1")
    return root, env


def _try_repo(root: Path, env: dict, *files: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "lintops", "--files", *files],
                          cwd=root, env=env, capture_output=True, text=True, timeout=900)


@offline
@needs_git
def test_bad_manifest_fails_with_positions(repository):
    root, env = repository
    result = _try_repo(root, env, "bad.yaml")
    assert result.returncode == 1, result.stdout + result.stderr
    line = next((line for line in result.stdout.splitlines() if line.startswith("bad.yaml:6:18: error: ")), "")
    assert line.endswith("expected integer, got string (Service/web) [schema]"), result.stdout  # a field path may lead


@offline
@needs_git
def test_good_manifest_passes(repository):
    root, env = repository
    result = _try_repo(root, env, "good.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


@offline
@needs_git
def test_configured_hook_and_its_single_file_time(repository, tmp_path):
    """The snippet from the README, pinned to this repository's HEAD; timed on one file."""
    root, env = repository
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    if not head:
        pytest.skip("this checkout has no commit to pin the hook to")
    config = tmp_path / "pre-commit-config.yaml"
    config.write_text(f"repos:\n  - repo: {REPO}\n    rev: {head}\n    hooks:\n      - id: lintops\n")
    run = [sys.executable, "-m", "pre_commit", "run", "--config", str(config), "lintops", "--files"]
    result = subprocess.run([*run, "bad.yaml"], cwd=root, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 1 and "bad.yaml:6:18: error:" in result.stdout, result.stdout + result.stderr
    times = []
    for _ in range(5):
        started = time.perf_counter()
        result = subprocess.run([*run, "good.yaml"], cwd=root, env=env, capture_output=True, text=True, timeout=900)
        times.append(time.perf_counter() - started)
        assert result.returncode == 0, result.stdout + result.stderr
    print(f"\npre-commit run lintops on one file: median {sorted(times)[2] * 1000:.0f} ms")


def _helm_extra() -> list[str]:
    tomllib = pytest.importorskip("tomllib")
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"][
        "helm"]


def test_the_helm_hooks_dependencies_are_the_helm_extra():
    """pre-commit installs the repository without extras: the lintops-helm hook names the extra's requirements
    itself, and they must be the same ones, so that the hook renders charts with the Helm SDK pip would install."""
    import yaml

    hooks = {hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert hooks["lintops-helm"]["additional_dependencies"] == _helm_extra()
    assert hooks["lintops"]["additional_dependencies"] == []
    assert {key: value for key, value in hooks["lintops"].items() if key not in ("id", "name", "description",
                                                                                 "additional_dependencies")} == \
        {key: value for key, value in hooks["lintops-helm"].items() if key not in ("id", "name", "description",
                                                                                  "additional_dependencies")}


def test_the_documented_snippet_pins_a_full_commit_and_names_real_hooks():
    """docs/install.md's .pre-commit-config.yaml: a 40-character commit, hooks this repository has, and for the
    Helm hook no dependency of its own that could disagree with the extra."""
    import re

    import yaml

    text = (REPO / "docs" / "install.md").read_text(encoding="utf-8")
    snippet = text.split("# .pre-commit-config.yaml\n", 1)[1].split("```", 1)[0]
    config = yaml.safe_load(snippet)
    (repo,) = config["repos"]
    assert re.fullmatch(r"[0-9a-f]{40}", str(repo["rev"])), repo["rev"]
    hooks = {hook["id"] for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert {hook["id"] for hook in repo["hooks"]} <= hooks
    assert all("additional_dependencies" not in hook for hook in repo["hooks"])
    pinned = subprocess.run(["git", "show", f"{repo['rev']}:.pre-commit-hooks.yaml"], cwd=REPO, capture_output=True,
                            text=True)
    if pinned.returncode != 0:
        pytest.skip(f"this clone does not have the pinned commit {repo['rev']} (shallow?)")
    at_rev = {hook["id"]: hook for hook in yaml.safe_load(pinned.stdout)}
    assert at_rev["lintops-helm"]["additional_dependencies"] == _helm_extra()  # the pinned hooks are the fixed ones
