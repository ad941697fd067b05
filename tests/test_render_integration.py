"""Rendering through the whole pipeline: discovery, ArgoCD Applications as the map, charts, overlays."""

from __future__ import annotations

from conftest import FIXTURES, write
from lintops.inputs.argocd import application_sources

WEB = FIXTURES / "helm" / "web"


def _findings(report):
    return {(f["path"], f["line"], f["column"], f["rule"], tuple(f["environment"])) for f in report["findings"]}


def test_sealed_secrets_chart_points_at_its_values_and_lints_its_crds(lint_json):
    code, report = lint_json(str(FIXTURES / "helm" / "sealed-secrets"))
    found = {(path.rsplit("sealed-secrets/", 1)[-1], *rest) for path, *rest in _findings(report)}
    assert ("values.yaml", 192, 3, "resource-limits", ()) in found  # `limits: {}` in the chart's values
    assert code == 1
    # crds/ are installed as they are: linted as plain manifests, and valid
    assert not any(path.startswith("crds/") for path, *_ in found)
    assert report["summary"]["objects"] >= 10


APPLICATION = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web-production
  labels: {{environment: production}}
spec:
  source:
    repoURL: https://git.example.com/gitops.git
    path: charts/web
    helm:
      releaseName: storefront
      valueFiles: [values-production.yaml]
      parameters:
        - name: image.tag
          value: "2.0.1"
{extra}
  destination: {{namespace: shop, server: https://kubernetes.default.svc}}
"""


def test_application_supplies_values_files_parameters_and_release(tmp_path):
    write(tmp_path / "apps" / "web.yaml", APPLICATION.format(extra="      values: |\n        replicaCount: 5"))
    (tmp_path / "charts").mkdir()
    chart = tmp_path / "charts" / "web"
    chart.mkdir()
    found = application_sources([("apps/web.yaml", tmp_path / "apps" / "web.yaml")], tmp_path)
    [source] = found[chart.resolve()]
    assert source.environment == "production" and source.release_name == "storefront"
    assert source.namespace == "shop"
    assert source.value_files == ((chart / "values-production.yaml").resolve(),)
    assert source.values == {"replicaCount": 5, "image": {"tag": "2.0.1"}}


def test_chart_is_rendered_as_the_application_deploys_it(lint_json, tmp_path, monkeypatch):
    """The production values pin `latest`; the Application's parameter overrides the tag: no finding."""
    import shutil

    shutil.copytree(WEB, tmp_path / "charts" / "web")
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    _, report = lint_json(".")
    assert ("charts/web/values-production.yaml", 4, 3, "pinned-image-tag", ("production",)) in _findings(report)
    write(tmp_path / "apps" / "web.yaml", APPLICATION.format(extra=""))
    _, report = lint_json(".")
    found = _findings(report)
    assert not any(rule == "pinned-image-tag" for _, _, _, rule, _ in found)
    deployments = [f for f in report["findings"] if f["object"] and f["object"]["kind"] == "Deployment"]
    assert deployments and all(f["object"]["name"].startswith("storefront") for f in deployments)
    assert all(f["environment"] == ["production"] for f in deployments)


def test_an_application_pointing_elsewhere_is_ignored(tmp_path):
    write(tmp_path / "apps" / "web.yaml", APPLICATION.format(extra="").replace("charts/web", "../outside"))
    assert application_sources([("apps/web.yaml", tmp_path / "apps" / "web.yaml")], tmp_path) == {}


def test_render_failures_follow_per_path_settings(lint_json, tmp_path, monkeypatch):
    import shutil

    shutil.copytree(FIXTURES / "helm" / "broken", tmp_path / "charts" / "broken")
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    _, report = lint_json(".")
    assert "render-failed" in {f["rule"] for f in report["findings"]}
    write(tmp_path / ".lintops.yaml",
          "overrides:\n  - paths: ['charts/broken/**']\n    rules: {render-failed: false}\n")
    _, report = lint_json(".")
    assert "render-failed" not in {f["rule"] for f in report["findings"]}


def test_template_that_renders_to_invalid_yaml(lint_json, tmp_path):
    write(tmp_path / "bad" / "Chart.yaml", "apiVersion: v2\nname: bad\nversion: 0.1.0\n")
    write(tmp_path / "bad" / "values.yaml", "x: 1\n")
    write(tmp_path / "bad" / "templates" / "cm.yaml",
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: {{ .Values.x }}\n   bad: indent\n")
    code, report = lint_json(str(tmp_path / "bad"))
    [finding] = report["findings"]
    assert finding["rule"] == "yaml-syntax" and finding["path"].endswith("bad/templates/cm.yaml")
    assert (finding["line"], finding["column"]) == (1, 1)
    assert "at 7:7 of the rendered output" in finding["message"]
    assert code == 1


def test_a_changed_template_helper_renders_its_chart(lint_json, tmp_path):
    """pre-commit and --changed-since pass single files: a chart's helper stands for its chart."""
    import shutil

    shutil.copytree(WEB, tmp_path / "web")
    helper = tmp_path / "web" / "templates" / "_helpers.tpl"
    helper.write_text(helper.read_text() + "{{/* changed */}}\n")
    _, report = lint_json(str(helper))
    assert ("pinned-image-tag", ["production"]) in [(f["rule"], f["environment"]) for f in report["findings"]]
