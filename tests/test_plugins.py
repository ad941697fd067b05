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
