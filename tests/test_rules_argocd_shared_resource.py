"""``argocd-shared-resource`` through real renders: a Helm chart and a Kustomize root deployed by two ArgoCD
Applications, to the same destination (fires, naming the object and both Applications) or to different
namespaces (does not)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.conftest import run_lintops

RULE = "argocd-shared-resource"

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: "nginx:{{ .Values.tag }}"
"""


def _write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


def _app(name: str, path: str, namespace: str, server: str = "server: https://kubernetes.default.svc",
         values: str = "") -> str:
    helm = f"\n    helm: {{valueFiles: [{values}]}}" if values else ""
    return (f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: {name}, namespace: argocd}}\n"
            f"spec:\n  project: default\n  source:\n    repoURL: https://github.com/example/gitops.git\n"
            f"    targetRevision: HEAD\n    path: {path}{helm}\n"
            f"  destination: {{{server}, namespace: {namespace}}}\n")


def _chart(root: Path) -> None:
    _write(root, "charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 1.0.0\n")
    _write(root, "charts/web/values.yaml", "tag: '1.25'\n")
    _write(root, "charts/web/values-a.yaml", "tag: '1.26'\n")
    _write(root, "charts/web/templates/deployment.yaml", DEPLOYMENT)


def _findings(root: Path) -> list[dict]:
    result = run_lintops("check", "--format", "json", ".", cwd=root)
    assert result.returncode in (0, 1), result.stderr
    return [f for f in json.loads(result.stdout)["findings"] if f["rule"] == RULE]


def test_two_applications_rendering_one_chart_into_one_namespace(tmp_path):
    pytest.importorskip("helm_python")
    _chart(tmp_path)
    _write(tmp_path, "apps/a.yaml", _app("web-a", "charts/web", "shop", values="values-a.yaml"))
    _write(tmp_path, "apps/b.yaml", _app("web-b", "charts/web", "shop", server="name: in-cluster"))
    found = _findings(tmp_path)
    assert len(found) == 1, found
    assert (found[0]["path"], found[0]["line"], found[0]["pointer"]) == (
        "charts/web/templates/deployment.yaml", 4, "/metadata/name")
    message = found[0]["message"]
    assert "Deployment.apps 'web' in namespace 'shop'" in message
    assert "'web-a' (apps/a.yaml)" in message and "'web-b' (apps/b.yaml)" in message


def test_different_namespaces_or_clusters_do_not_fight(tmp_path):
    pytest.importorskip("helm_python")
    _chart(tmp_path)
    _write(tmp_path, "apps/a.yaml", _app("web-a", "charts/web", "shop-staging"))
    _write(tmp_path, "apps/b.yaml", _app("web-b", "charts/web", "shop-production"))
    _write(tmp_path, "apps/c.yaml", _app("web-c", "charts/web", "shop-staging", server="name: other-cluster"))
    assert _findings(tmp_path) == []


def test_one_kustomize_root_deployed_twice(tmp_path):
    _write(tmp_path, "deploy/base/kustomization.yaml", "resources: [deployment.yaml, namespace.yaml]\n")
    _write(tmp_path, "deploy/base/deployment.yaml", DEPLOYMENT.replace("nginx:{{ .Values.tag }}", "nginx:1.25"))
    _write(tmp_path, "deploy/base/namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: tools}\n")
    _write(tmp_path, "apps/a.yaml", _app("tools-a", "deploy/base", "shop"))
    _write(tmp_path, "apps/b.yaml", _app("tools-b", "deploy/base", "shop-two"))
    found = _findings(tmp_path)
    # the Deployment lands in two namespaces; the Namespace, cluster-scoped, is the same object for both
    assert [(f["path"], f["line"]) for f in found] == [("deploy/base/namespace.yaml", 3)]
    assert "Namespace 'tools' is rendered by 2 Applications" in found[0]["message"]
    _write(tmp_path, "apps/b.yaml", _app("tools-b", "deploy/base", "shop"))
    messages = sorted(f["message"] for f in _findings(tmp_path))
    assert len(messages) == 2 and "Deployment.apps 'web' in namespace 'shop'" in messages[0]
