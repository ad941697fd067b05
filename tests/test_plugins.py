"""A real third-party plugin, installed with pip (offline) into a directory, found by its entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from builders import deployment
from conftest import run_lintops, write

PLUGIN_SOURCE = Path(__file__).parent / "plugin_example"

DEPLOYMENT = deployment(pod_spec='containers:\n- {name: web, image: "nginx:1.19.10"}\n')


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory):
    """Environment whose Python path holds the installed plugin (a dist-info with its entry point)."""
    target = tmp_path_factory.mktemp("site")
    build = tmp_path_factory.mktemp("build")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
         "--target", str(target), str(PLUGIN_SOURCE)],
        check=True, cwd=build, capture_output=True, timeout=300,
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(target), env.get("PYTHONPATH")]))
    return env


def test_plugin_rules_are_listed_with_their_origin(plugin_env, tmp_path):
    result = run_lintops("rules", cwd=tmp_path, env=plugin_env)
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("example-team-label"))
    assert "plugin example" in line and "warning" in line


def test_plugin_check_and_rule_run(plugin_env, tmp_path):
    write(tmp_path / "d.yaml", DEPLOYMENT)
    result = run_lintops("check", ".", "--format", "json", cwd=tmp_path, env=plugin_env)
    findings = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "example-team-label"]
    assert [(f["line"], f["column"], f["message"]) for f in findings] == [(3, 11, "label 'team' is missing")]


def test_plugin_reporter(plugin_env, tmp_path):
    write(tmp_path / "d.yaml", DEPLOYMENT)
    result = run_lintops("check", ".", "--format", "example-count", cwd=tmp_path, env=plugin_env)
    assert result.stdout.startswith("findings=")


def test_plugin_workload_kind_gets_container_rules(plugin_env, tmp_path):
    rollout = DEPLOYMENT.replace("apps/v1", "argoproj.io/v1alpha1").replace("Deployment", "Rollout")
    rollout = rollout.replace('image: "nginx:1.19.10"', "image: nginx")
    write(tmp_path / "r.yaml", rollout)
    result = run_lintops("check", ".", "--format", "json", cwd=tmp_path, env=plugin_env)
    rules = {f["rule"] for f in json.loads(result.stdout)["findings"]}
    assert "pinned-image-tag" in rules


def test_broken_plugin_check_is_an_internal_error_not_a_crash(plugin_env, tmp_path):
    write(tmp_path / "d.yaml", DEPLOYMENT)
    result = run_lintops("check", ".", "--enable", "example-explode", cwd=tmp_path, env=plugin_env)
    assert result.returncode == 3
    assert "internal error in rule example-explode" in result.stderr
    assert "Traceback" not in result.stderr
    assert "d.yaml" in result.stdout  # the other rules still reported


def test_config_plugin_from_the_repository_is_refused(tmp_path):
    write(tmp_path / ".lintops.yaml", "plugins: [evil_plugin]\n")
    write(tmp_path / "evil_plugin.py", "raise SystemExit('repository code ran')\n")
    write(tmp_path / "d.yaml", DEPLOYMENT)
    result = run_lintops("check", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert "repository code ran" not in result.stderr + result.stdout
    assert "plugin 'evil_plugin' is not an installed lintops plugin" in result.stderr


def test_config_plugins_name_only_installed_lintops_distributions(plugin_env, tmp_path):
    """``plugins:`` never imports a module by name: an installed non-plugin module (the standard
    library's ``antigravity`` opens a browser when imported) is refused; the entry point is accepted."""
    write(tmp_path / "d.yaml", DEPLOYMENT)
    write(tmp_path / ".lintops.yaml", "plugins: [antigravity]\n")
    refused = run_lintops("check", ".", cwd=tmp_path, env=plugin_env)
    assert refused.returncode == 2
    assert "plugin 'antigravity' is not an installed lintops plugin" in refused.stderr
    assert "installed: example, lintops-example-plugin" in refused.stderr
    for name in ("example", "lintops_example_plugin", "lintops-example-plugin"):
        write(tmp_path / ".lintops.yaml", f"plugins: [{name}]\n")
        accepted = run_lintops("check", ".", "--format", "json", cwd=tmp_path, env=plugin_env)
        assert accepted.returncode in (0, 1), accepted.stderr
        assert "example-team-label" in accepted.stdout


# -- a renderer of its own: claims *.envsubst.yaml, rendered with vars.env, linted like a chart --------------

TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${NAME}
  labels: {team: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: ${IMAGE}
"""


def test_plugin_renderer_renders_a_claimed_file_and_its_findings_land_on_the_template(plugin_env, tmp_path):
    write(tmp_path / "app" / "web.envsubst.yaml", TEMPLATE)
    write(tmp_path / "app" / "vars.env", "# the variables\nNAME=web\nIMAGE=nginx:latest\n")
    write(tmp_path / "d.yaml", DEPLOYMENT)
    result = run_lintops("check", ".", "--format", "json", cwd=tmp_path, env=plugin_env)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    at = {(f["rule"], f["path"], f["line"], f["column"]) for f in report["findings"]}
    assert ("pinned-image-tag", "app/web.envsubst.yaml", 13, 16) in at  # where ${IMAGE} is written
    assert not any(f["path"] == "app/vars.env" for f in report["findings"])
    assert any(f["path"] == "d.yaml" for f in report["findings"])  # the plain file is linted as before
    objects = [f["objects"] for f in report["findings"] if f["path"] == "app/web.envsubst.yaml"]
    assert objects and all([(o["kind"], o["name"]) for o in obj] == [("Deployment", "web")] for obj in objects)


def test_plugin_renderer_problems_are_render_failed_findings_at_their_place(plugin_env, tmp_path):
    write(tmp_path / "web.envsubst.yaml", TEMPLATE)
    write(tmp_path / "vars.env", "NAME=web\n")
    write(tmp_path / "d.yaml", DEPLOYMENT)
    result = run_lintops("check", ".", "--format", "editor", cwd=tmp_path, env=plugin_env)
    assert result.returncode == 1, result.stderr
    assert ("web.envsubst.yaml:13:16: error: variable IMAGE is not set in vars.env [render-failed]"
            in result.stdout)
    assert "d.yaml:" in result.stdout  # the other files were still linted


def test_lintops_render_shows_what_a_plugin_renderer_made(plugin_env, tmp_path):
    write(tmp_path / "web.envsubst.yaml", TEMPLATE)
    write(tmp_path / "vars.env", "NAME=web\nIMAGE=nginx:1.25.3\n")
    result = run_lintops("render", ".", cwd=tmp_path, env=plugin_env)
    assert result.returncode == 0, result.stderr
    assert "# Source: web.envsubst.yaml (environment: default)" in result.stdout
    assert "image: nginx:1.25.3" in result.stdout and "${" not in result.stdout


def test_without_the_plugin_a_claimed_name_is_a_plain_manifest(tmp_path):
    write(tmp_path / "web.envsubst.yaml", TEMPLATE.replace("${NAME}", "web").replace("${IMAGE}", "nginx:latest"))
    result = run_lintops("check", ".", "--format", "json", cwd=tmp_path)
    findings = json.loads(result.stdout)["findings"]
    assert ("pinned-image-tag", 13, 16) in {(f["rule"], f["line"], f["column"]) for f in findings}


def test_formats_are_listed_with_their_descriptions(plugin_env, tmp_path):
    result = run_lintops("rules", "--formats", cwd=tmp_path, env=plugin_env)
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert set(lines) >= {"text", "json", "editor", "junit", "codequality", "sarif", "github", "example-count"}
    assert "The number of findings, on one line." in lines["example-count"]
    assert "SARIF 2.1.0" in lines["sarif"]
