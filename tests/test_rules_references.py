"""The reference and default rules through the real command line, on real trees: a Helm chart and a Kustomize
overlay whose reference is in one file and its target in another, the scopes (a chart does not see the plain
files' objects; a directory without the referenced kind is not judged, and says so with --verbose), and the
defaults (namespace, imagePullPolicy) in the environments that decide them."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.conftest import run_lintops

RULES = ("dangling-service-selector", "dangling-config-reference", "dangling-ingress-backend",
         "dangling-scale-target", "pdb-selects-nothing", "pdb-blocks-eviction", "default-namespace",
         "image-pull-never")

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web, tier: frontend}}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.4.2
          envFrom:
            - configMapRef: {{name: {config}}}
"""
SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {{app: {app}}}
  ports:
    - port: 80
"""
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata: {LOG: info}\n"


def _write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


def _findings(root: Path, *extra: str, suppressed: bool = False) -> list[tuple]:
    result = run_lintops("check", "--format", "json", "--no-cache", *extra, ".", cwd=root)
    assert result.returncode in (0, 1), result.stderr
    return sorted((f["rule"], f["path"], f["line"], f["column"], f["message"]) for f in json.loads(result.stdout)[
        "findings"] if f["rule"] in RULES and f["suppressed"] is suppressed)


def test_a_helm_chart_with_the_reference_and_its_target_in_different_templates(tmp_path):
    pytest.importorskip("helm_python")
    chart = "charts/web"
    _write(tmp_path, f"{chart}/Chart.yaml", "apiVersion: v2\nname: web\nversion: 1.0.0\n")
    _write(tmp_path, f"{chart}/values.yaml", "config: web-config\napp: web\n")
    _write(tmp_path, f"{chart}/values-prod.yaml", "config: web-conf\napp: website\n")
    _write(tmp_path, f"{chart}/templates/deployment.yaml",
           DEPLOYMENT.format(replicas=2, config="{{ .Values.config }}"))
    _write(tmp_path, f"{chart}/templates/service.yaml", SERVICE.format(app="{{ .Values.app }}"))
    _write(tmp_path, f"{chart}/templates/configmap.yaml", CONFIGMAP)
    _write(tmp_path, f"{chart}/values-dev.yaml", "app: web\n")
    found = _findings(tmp_path)
    # the dev environment's render is clean; prod's names a ConfigMap and labels it does not render
    assert [(rule, path) for rule, path, *_ in found] == [
        ("dangling-config-reference", "charts/web/values-prod.yaml"),
        ("dangling-service-selector", "charts/web/templates/service.yaml")], found
    assert "ConfigMap 'web-conf'" in found[0][4] and "environment prod" in found[0][4]
    assert "(app=website)" in found[1][4] and "environment prod" in found[1][4]


def test_a_kustomize_overlay_with_the_reference_in_its_base_and_the_target_in_the_overlay(tmp_path):
    _write(tmp_path, "deploy/base/kustomization.yaml", "resources: [deployment.yaml, service.yaml]\n")
    _write(tmp_path, "deploy/base/deployment.yaml", DEPLOYMENT.format(replicas=1, config="web-config"))
    _write(tmp_path, "deploy/base/service.yaml", SERVICE.format(app="web"))
    _write(tmp_path, "deploy/overlays/prod/kustomization.yaml",
           "namespace: shop\nresources: [../../base, configmap.yaml, pdb.yaml]\n")
    _write(tmp_path, "deploy/overlays/prod/configmap.yaml", CONFIGMAP)
    _write(tmp_path, "deploy/overlays/prod/pdb.yaml", """\
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: web}
        spec:
          minAvailable: 1
          selector: {matchLabels: {app: web}}
        """)
    _write(tmp_path, "deploy/overlays/dev/kustomization.yaml",
           "namespace: shop-dev\nresources: [../../base, configmap.yaml]\n")
    _write(tmp_path, "deploy/overlays/dev/configmap.yaml", CONFIGMAP.replace("web-config", "other"))
    found = _findings(tmp_path)
    # prod: the base's Deployment reads the overlay's ConfigMap (fine); its one replica and the budget's
    # minAvailable 1 forbid any eviction. dev: the ConfigMap the base names is not in that overlay.
    assert [(rule, path, line) for rule, path, line, *_ in found] == [
        ("dangling-config-reference", "deploy/base/deployment.yaml", 17),
        ("pdb-blocks-eviction", "deploy/overlays/prod/pdb.yaml", 5)], found
    assert "ConfigMap 'web-config' in namespace shop-dev" in found[0][4]


def test_plain_files_resolve_across_the_run_and_judge_only_directories_with_the_kind(tmp_path):
    _write(tmp_path, "apps/web/deployment.yaml", DEPLOYMENT.format(replicas=3, config="web-config"))
    _write(tmp_path, "apps/web/service.yaml", SERVICE.format(app="web"))
    _write(tmp_path, "apps/config/configmap.yaml", CONFIGMAP)  # another folder: the reference is satisfied
    _write(tmp_path, "apps/api/deployment.yaml",
           DEPLOYMENT.format(replicas=3, config="api-config").replace("web", "api"))  # no ConfigMap here
    _write(tmp_path, "apps/api/service.yaml", SERVICE.format(app="ap"))
    assert [(rule, path, line) for rule, path, line, *_ in _findings(tmp_path) if rule != "default-namespace"] == [
        ("dangling-service-selector", "apps/api/service.yaml", 6)]
    notes = _findings(tmp_path, suppressed=True)
    assert [(rule, path) for rule, path, *_ in notes] == [("dangling-config-reference", "apps/api/deployment.yaml")]
    assert "not checked: no ConfigMap of that namespace is part of it" in notes[0][4]
    verbose = run_lintops("check", "-v", "--no-cache", ".", cwd=tmp_path).stdout
    assert "1 reference to a ConfigMap in the directory apps/api not checked" in verbose


def test_a_chart_does_not_see_the_plain_files_objects(tmp_path):
    pytest.importorskip("helm_python")
    _write(tmp_path, "charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 1.0.0\n")
    _write(tmp_path, "charts/web/templates/deployment.yaml", DEPLOYMENT.format(replicas=2, config="web-config"))
    _write(tmp_path, "charts/web/templates/other.yaml", CONFIGMAP.replace("web-config", "other"))
    _write(tmp_path, "plain/configmap.yaml", CONFIGMAP)
    found = _findings(tmp_path)
    assert [(rule, path) for rule, path, *_ in found if rule == "dangling-config-reference"] == [
        ("dangling-config-reference", "charts/web/templates/deployment.yaml")]


def test_secrets_made_by_sealed_secrets_and_cert_manager_satisfy_references(tmp_path):
    pod = """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - name: c
              image: registry.example.com/c:1.0
              env:
                - {name: A, valueFrom: {secretKeyRef: {name: sealed, key: a}}}
                - {name: B, valueFrom: {secretKeyRef: {name: tls-web, key: tls.crt}}}
                - {name: C, valueFrom: {secretKeyRef: {name: missing, key: c}}}
                - {name: D, valueFrom: {secretKeyRef: {name: absent, key: d, optional: true}}}
        """
    _write(tmp_path, "apps/pod.yaml", pod)
    _write(tmp_path, "apps/sealed.yaml", "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: "
                                         "{name: s}\nspec:\n  template: {metadata: {name: sealed}}\n"
                                         "  encryptedData: {a: AgB=}\n")
    _write(tmp_path, "apps/cert.yaml", "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: web}\n"
                                       "spec: {secretName: tls-web, issuerRef: {name: ca}, dnsNames: [a.example]}\n")
    found = [f for f in _findings(tmp_path) if f[0] == "dangling-config-reference"]
    assert [(path, line) for _, path, line, *_ in found] == [("apps/pod.yaml", 11)], found
    assert "Secret 'missing'" in found[0][4]


def test_default_namespace_gives_the_application_its_say(tmp_path):
    _write(tmp_path, "apps/web/configmap.yaml", CONFIGMAP)
    _write(tmp_path, "apps/tools/configmap.yaml", CONFIGMAP)
    _write(tmp_path, "apps/tools/role.yaml", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
                                             "metadata: {name: r}\nrules: []\n")
    _write(tmp_path, "argocd/web.yaml", """\
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata: {name: web, namespace: argocd}
        spec:
          project: default
          source: {repoURL: 'https://example.com/repo.git', path: apps/web, targetRevision: main}
          destination: {server: 'https://kubernetes.default.svc', namespace: shop}
        """)
    found = [f for f in _findings(tmp_path, "--enable", "default-namespace") if f[0] == "default-namespace"]
    assert [(path, line) for _, path, line, *_ in found] == [("apps/tools/configmap.yaml", 3)], found


def test_image_pull_never_only_in_production(tmp_path):
    container = DEPLOYMENT.format(replicas=2, config="c").replace(
        "          envFrom:\n            - configMapRef: {name: c}\n", "          imagePullPolicy: Never\n")
    _write(tmp_path, "apps/production/web.yaml", container)
    _write(tmp_path, "apps/staging/web.yaml", container)
    _write(tmp_path, "apps/dev/web.yaml", container.replace("name: web\n", "name: web\n  namespace: shop-prod\n", 1))
    found = [f for f in _findings(tmp_path) if f[0] == "image-pull-never"]
    assert [(path, line) for _, path, line, *_ in found] == [("apps/dev/web.yaml", 17),
                                                              ("apps/production/web.yaml", 16)], found
    assert "namespace 'shop-prod'" in found[0][4] and "path 'apps/production/web.yaml'" in found[1][4]


def test_default_namespace_ends_for_a_tree_named_by_its_absolute_path(tmp_path):
    """Linted by an absolute path from outside it, directories are walked up to "/" and no further."""
    _write(tmp_path, "tree/apps/web/configmap.yaml", CONFIGMAP)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    result = run_lintops("check", "--format", "json", "--no-cache", "--enable", "default-namespace",
                         str(tmp_path / "tree"), cwd=outside)
    assert result.returncode == 0, result.stderr  # an info finding does not fail the run
    found = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "default-namespace"]
    assert [Path(f["path"]).name for f in found] == ["configmap.yaml"], found
