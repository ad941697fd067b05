"""The shipped example repository gives exactly the findings its README lists, at those positions."""

from __future__ import annotations

import json

from conftest import REPO, run_lintops

PLANTED = {
    ("examples/production/redis.yaml", 27, 11, "schema", ()),
    ("examples/staging/basic-auth.yaml", 12, 9, "no-plaintext-secret", ()),
    ("examples/staging/frontend.yaml", 27, 18, "pinned-image-tag", ()),
    ("examples/staging/redis.yaml", 25, 11, "liveness-probe", ()),
    ("examples/staging/redis.yaml", 36, 11, "resource-limits", ()),
    ("examples/staging/redis.yaml", 60, 13, "api-removed", ()),
    ("examples/charts/worker/values-production.yaml", 3, 3, "pinned-image-tag", ("production",)),
    ("examples/kustomize/base/cleanup-cronjob.yaml", 20, 15, "resource-limits", ("production", "staging")),
}


def test_examples_give_the_planted_findings():
    result = run_lintops("check", "examples", "--format", "json", cwd=REPO)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    found = {(f["path"], f["line"], f["column"], f["rule"], tuple(f["environment"])) for f in report["findings"]
             if not f["suppressed"]}  # "not checked" notes (--verbose) are not findings
    assert found == PLANTED
    readme = (REPO / "examples" / "README.md").read_text()
    for path, line, column, _, _ in PLANTED:
        assert f"{path.removeprefix('examples/')}:{line}:{column}" in readme


def test_rendered_finding_names_the_template_as_related():
    result = run_lintops("check", "examples/charts/worker", "--format", "json", cwd=REPO)
    [finding] = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "pinned-image-tag"]
    assert finding["path"] == "examples/charts/worker/values-production.yaml"
    assert [r["path"] for r in finding["related"]] == ["examples/charts/worker/templates/deployment.yaml"]
