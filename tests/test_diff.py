"""``lintops diff`` on real git repositories of two commits: what a change does to each environment's objects.

Each test commits a base, changes the tree the way a merge request would and commits again; the diff
renders both (real Helm, real kustomize) and is read here as its result (:mod:`lintops.diff.compare`)
and through the command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from builders import deployment, tree, write
from lintops.diff.compare import diff_trees
from lintops.diff.model import ABSENT, DiffResult, Redacted
from lintops.runner import Settings

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

CHART = {
    "Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\n",
    "values.yaml": "image:\n  repository: registry.example.com/shop\n  tag: \"1.0.0\"\n"
                   "proxy:\n  image:\n    repository: registry.example.com/proxy\n    tag: \"2.0.0\"\n",
    "values-production.yaml": "image:\n  tag: \"1.0.0\"\nproxy:\n  image:\n    tag: \"2.0.0\"\n",
    "values-staging.yaml": "image:\n  tag: \"0.9.0\"\n",
    "templates/deployment.yaml": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicas | default 1 }}
  selector:
    matchLabels: {app: shop}
  template:
    metadata:
      labels: {app: shop}
    spec:
      containers:
        - name: shop
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
        - name: proxy
          image: "{{ .Values.proxy.image.repository }}:{{ .Values.proxy.image.tag }}"
""",
}


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout


def repository(root: Path, files: dict[str, str]) -> Path:
    """A repository whose main branch holds ``files``, checked out on a branch ``change``."""
    tree(root, files)
    git(root.parent, "init", "-q", "-b", "main", str(root))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "change")
    return root


def commit(root: Path, message: str = "change") -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def diff(root: Path, *paths: str) -> DiffResult:
    cwd = Path.cwd()
    os.chdir(root)
    try:
        result, head = diff_trees(Settings(paths=paths or (".",)), "main")
    finally:
        os.chdir(cwd)
    assert not head.internal_errors
    return result


def changes(result: DiffResult) -> dict[str, dict[str, list[tuple[str, object, object]]]]:
    """environment -> object -> [(path, old, new)] of every changed object."""
    return {environment.label: {change.key.label: [(f.path, f.old, f.new) for f in change.fields]
                                for change in environment.changed}
            for environment in result.changed_environments}


def lintops(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lintops", *args], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"})


def test_the_seed_sed_on_a_values_file_changes_both_images_in_production_only(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo", {f"charts/shop/{name}": text for name, text in CHART.items()})
    values = root / "charts/shop/values-production.yaml"
    # what the CI bot runs: every tag: key of the file is rewritten, the sidecar's too
    subprocess.run(["sed", "-i", "s/tag: .*/tag: abc1234/g", str(values)], check=True)
    commit(root, "deploy abc1234")

    result = diff(root)
    assert changes(result) == {"production": {"Deployment/shop": [
        ("spec.template.spec.containers[name=shop].image", "registry.example.com/shop:1.0.0",
         "registry.example.com/shop:abc1234"),
        ("spec.template.spec.containers[name=proxy].image", "registry.example.com/proxy:2.0.0",
         "registry.example.com/proxy:abc1234")]}}
    staging = next(env for env in result.environments if env.name == "staging")
    assert not staging.has_changes and staging.unchanged == 1
    # each change is placed where it is written: the values file's tag key, not the template
    places = [str(f.location) for f in result.changed_environments[0].changed[0].fields]
    assert places == ["charts/shop/values-production.yaml:2:3", "charts/shop/values-production.yaml:5:5"]


def test_a_kustomize_base_change_shows_in_every_overlay_that_uses_it(tmp_path: Path) -> None:
    overlay = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../../base]\n"
    root = repository(tmp_path / "repo", {
        "base/kustomization.yaml": "resources: [web.yaml]\n",
        "base/web.yaml": deployment("web", image="nginx:1.25.3"),
        "overlays/staging/kustomization.yaml": overlay + "namespace: web-staging\n",
        "overlays/production/kustomization.yaml": overlay + "namespace: web-production\n",
    })
    write(root / "base/web.yaml", deployment("web", image="nginx:1.25.4"))
    commit(root)

    found = changes(diff(root))
    assert found == {
        "production": {"Deployment/web-production/web": [
            ("spec.template.spec.containers[name=web].image", "nginx:1.25.3", "nginx:1.25.4")]},
        "staging": {"Deployment/web-staging/web": [
            ("spec.template.spec.containers[name=web].image", "nginx:1.25.3", "nginx:1.25.4")]},
    }


def test_an_application_whose_value_files_change_shows_the_rendered_effect(tmp_path: Path) -> None:
    application = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop-production
  namespace: argocd
  labels: {environment: production}
spec:
  project: default
  source:
    repoURL: https://git.example.com/platform/gitops.git
    path: charts/shop
    helm:
      releaseName: shop
      valueFiles: [%s]
  destination: {server: https://kubernetes.default.svc, namespace: shop}
"""
    files = {f"charts/shop/{name}": text for name, text in CHART.items() if "values-" not in name}
    files["charts/shop/values-big.yaml"] = "replicas: 5\n"
    files["apps/shop.yaml"] = application % "values.yaml"
    root = repository(tmp_path / "repo", files)
    write(root / "apps/shop.yaml", application % "values.yaml, values-big.yaml")
    commit(root)

    result = diff(root)
    rendered = [env for env in result.changed_environments if env.name == "production"]
    assert [(c.key.label, [(f.path, f.old, f.new) for f in c.fields]) for c in rendered[0].changed] == [
        ("Deployment/shop", [("spec.replicas", 1, 5)])]


def test_a_renamed_file_with_the_same_objects_changes_nothing(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo", {"apps/web.yaml": deployment("web", image="nginx:1.25.3")})
    git(root, "mv", "apps/web.yaml", "apps/frontend.yaml")
    commit(root, "rename")

    result = diff(root)
    assert result.changed_environments == []
    assert [env.unchanged for env in result.environments] == [1]
    assert result.findings.introduced == [] and result.findings.resolved == []


SECRET = """apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
  labels: {app: shop}
type: Opaque
stringData:
  password: %s
"""


def test_a_secret_value_change_shows_as_changed_without_the_value(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo", {"apps/db.yaml": SECRET % "hunter2-old-password"})
    write(root / "apps/db.yaml", SECRET % "correct-horse-battery")
    commit(root)

    result = diff(root)
    [change] = result.changed_environments[0].changed
    [field] = change.fields
    assert field.path == "stringData.password" and field.redacted
    assert isinstance(field.old, Redacted) and isinstance(field.new, Redacted) and field.old != field.new
    assert str(field.location) == "apps/db.yaml:9:13"
    for output in ("text", "markdown", "json"):
        shown = lintops(root, "diff", "--base", "main", "--format", output)
        assert shown.returncode in (0, 1), shown.stderr
        assert "stringData.password" in shown.stdout
        for secret in ("hunter2-old-password", "correct-horse-battery"):
            assert secret not in shown.stdout + shown.stderr


def test_a_credential_in_an_environment_variable_is_hashed_and_its_neighbours_are_not(tmp_path: Path) -> None:
    pod = """      containers:
        - name: web
          image: nginx:1.25.3
          env:
            - {name: DB_PASSWORD, value: "%s"}
            - {name: LOG_LEVEL, value: "%s"}
"""
    root = repository(tmp_path / "repo", {"apps/web.yaml": deployment("web", pod % ("s3cr3t-one", "info"))})
    write(root / "apps/web.yaml", deployment("web", pod % ("s3cr3t-two", "debug")))
    commit(root)

    [change] = diff(root).changed_environments[0].changed
    shown = {f.path: (f.old, f.new, f.redacted) for f in change.fields}
    password = shown["spec.template.spec.containers[name=web].env[name=DB_PASSWORD].value"]
    assert password[2] and isinstance(password[0], Redacted) and password[0] != password[1]
    assert shown["spec.template.spec.containers[name=web].env[name=LOG_LEVEL].value"] == ("info", "debug", False)


def test_objects_added_and_removed_and_an_api_version_bump_is_a_change(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo", {"apps/web.yaml": deployment("web", image="nginx:1.25.3"),
                                          "apps/old.yaml": deployment("old", image="nginx:1.25.3")})
    (root / "apps/old.yaml").unlink()
    write(root / "apps/new.yaml", deployment("new", image="nginx:1.25.3"))
    write(root / "apps/web.yaml", deployment("web", image="nginx:1.25.3").replace("apps/v1", "apps/v1beta2"))
    commit(root)

    [environment] = diff(root).changed_environments
    assert [(c.key.label, str(c.location)) for c in environment.added] == [("Deployment/new", "apps/new.yaml:1:1")]
    assert [(c.key.label, str(c.location)) for c in environment.removed] == [("Deployment/old", "apps/old.yaml:1:1")]
    [bumped] = environment.changed
    assert (bumped.old_api_version, bumped.api_version) == ("apps/v1", "apps/v1beta2")
    assert [(f.path, f.old, f.new) for f in bumped.fields] == [("apiVersion", "apps/v1", "apps/v1beta2")]


def test_a_sidecar_inserted_first_changes_nothing_of_the_main_container(tmp_path: Path) -> None:
    pod = "      containers:\n%s        - name: web\n          image: nginx:1.25.3\n"
    sidecar = "        - name: proxy\n          image: envoy:1.30.1\n"
    root = repository(tmp_path / "repo", {"apps/web.yaml": deployment("web", pod % "")})
    write(root / "apps/web.yaml", deployment("web", pod % sidecar))
    commit(root)

    [change] = diff(root).changed_environments[0].changed
    assert [(f.path, f.change, f.old is ABSENT) for f in change.fields] == [
        ("spec.template.spec.containers[name=proxy]", "added", True)]


def test_the_merge_request_that_adds_one_latest_image_fails_diff_with_exactly_that_finding(tmp_path: Path) -> None:
    names = ("web", "api", "worker", "cache", "queue")
    root = repository(tmp_path / "repo", {f"apps/{name}.yaml": deployment(name, image="nginx:1.25.3")
                                          for name in names})
    assert lintops(root, "diff", "--base", "main").returncode == 0
    write(root / "apps/api.yaml", deployment("api", image="nginx:latest"))
    commit(root)

    result = diff(root)
    assert len(result.findings.unchanged) >= 10
    assert [(f.rule_id, f.location.path) for f in result.findings.introduced] == [("pinned-image-tag",
                                                                                   "apps/api.yaml")]
    assert result.findings.resolved == [] and result.failed
    shown = lintops(root, "diff", "--base", "main")
    assert shown.returncode == 1, shown.stderr


def test_a_fixed_finding_is_resolved_and_the_working_tree_is_left_alone(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo", {"apps/web.yaml": deployment("web", image="nginx:latest")})
    write(root / "apps/web.yaml", deployment("web", image="nginx:1.25.3"))
    commit(root)
    write(root / "notes.txt", "uncommitted\n")
    status = git(root, "status", "--porcelain")

    result = diff(root)
    assert [f.rule_id for f in result.findings.resolved] == ["pinned-image-tag"]
    assert not result.failed
    assert git(root, "status", "--porcelain") == status  # no checkout, nothing written into the tree


def test_without_a_base_and_without_an_upstream_it_says_what_to_pass(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo", {"apps/web.yaml": deployment("web", image="nginx:1.25.3")})
    env_free = {k: v for k, v in os.environ.items() if k != "CI_MERGE_REQUEST_DIFF_BASE_SHA"}
    shown = subprocess.run([sys.executable, "-m", "lintops", "diff"], cwd=root, capture_output=True, text=True,
                           env=env_free)
    assert shown.returncode == 2
    assert "no --base given" in shown.stderr and "--base origin/main" in shown.stderr
    assert "Traceback" not in shown.stderr


def test_gitlabs_merge_request_base_is_the_default(tmp_path: Path) -> None:
    root = repository(tmp_path / "repo", {"apps/web.yaml": deployment("web", image="nginx:1.25.3")})
    base = git(root, "rev-parse", "HEAD").strip()
    write(root / "apps/web.yaml", deployment("web", image="nginx:1.25.4"))
    commit(root)
    shown = subprocess.run([sys.executable, "-m", "lintops", "diff", "--format", "json"], cwd=root,
                           capture_output=True, text=True,
                           env={**os.environ, "CI_MERGE_REQUEST_DIFF_BASE_SHA": base})
    assert shown.returncode == 0, shown.stderr
    assert base in shown.stdout and "nginx:1.25.4" in shown.stdout


@pytest.mark.parametrize("bad", ["no-such-ref", "--output=/tmp/x"])
def test_a_base_that_is_no_commit_is_a_usage_error(tmp_path: Path, bad: str) -> None:
    root = repository(tmp_path / "repo", {"apps/web.yaml": deployment("web", image="nginx:1.25.3")})
    shown = lintops(root, "diff", f"--base={bad}")
    assert shown.returncode == 2 and "--base" in shown.stderr and "Traceback" not in shown.stderr
