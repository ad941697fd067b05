"""SealedSecret rules where the deployment decides: an ArgoCD Application's destination namespace
(``sealed-secret-scope``, with a real Kustomize root and a real Helm chart deployed by real Application
files), scope annotations only in the template (``sealed-secret-template-scope``), and a chart's Secret
beside a directory's plain SealedSecret (``secret-ownership``)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import lint_rules, run_lintops
from test_rules_sealed_secrets import ciphertext, write

SCOPE, TEMPLATE, OWNER = "sealed-secret-scope", "sealed-secret-template-scope", "secret-ownership"
needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None and shutil.which("kustomize") is None,
                                   reason="needs kustomize or kubectl")
NAMESPACE_WIDE = "sealedsecrets.bitnami.com/namespace-wide"


def sealed(metadata_namespace: str | None = None, annotations: str = "", template_annotations: str = "") -> str:
    """A SealedSecret as kubeseal writes it, sealed as ope-won/echo-secret (optionally without its own namespace)."""
    own = f"\n  namespace: {metadata_namespace}" if metadata_namespace else ""
    return (f"apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: echo-secret{own}\n"
            f"{annotations}spec:\n  encryptedData:\n    password: {ciphertext()}\n  template:\n    metadata:\n"
            f"      name: echo-secret\n      namespace: ope-won\n{template_annotations}")


def application(name: str, path: str, namespace: str) -> str:
    return (f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: argocd\n"
            f"spec:\n  project: default\n  source:\n    repoURL: https://example.com/gitops.git\n"
            f"    targetRevision: HEAD\n    path: {path}\n  destination:\n"
            f"    server: https://kubernetes.default.svc\n    namespace: {namespace}\n")


def repository(root: Path, files: dict[str, str]) -> Path:
    write(root, files)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def findings(root: Path, rule: str) -> list[dict]:
    result = run_lintops("check", "--format", "json", ".", cwd=root)
    assert result.returncode in (0, 1), result.stderr
    return [f for f in json.loads(result.stdout)["findings"] if f["rule"] == rule]


CHART = {"charts/echo/Chart.yaml": "apiVersion: v2\nname: echo\nversion: 0.1.0\n", "charts/echo/values.yaml": "x: 1\n"}


# --- sealed-secret-scope: the Application's destination namespace ------------------------------------------

@needs_kubectl
def test_kustomize_root_deployed_into_another_namespace(tmp_path):
    root = repository(tmp_path, {
        "deploy/echo/kustomization.yaml": "resources: [sealed.yaml]\n",
        "deploy/echo/sealed.yaml": sealed(),
        "apps/wrong.yaml": application("echo-wrong", "deploy/echo", "shop"),
        "apps/right.yaml": application("echo-right", "deploy/echo", "ope-won"),
    })
    found = findings(root, SCOPE)
    assert [(f["path"], f["line"], f["column"], f["pointer"]) for f in found] == [
        ("apps/wrong.yaml", 14, 16, "/metadata/namespace")]
    message = found[0]["message"]
    for part in ("ope-won/echo-secret", "shop/echo-secret", "strict", "'echo-wrong' (apps/wrong.yaml)"):
        assert part in message, message
    assert found[0]["related"][0] == {"path": "deploy/echo/sealed.yaml", "line": 11, "column": 18}


def test_helm_chart_deployed_into_another_namespace_namespace_wide_too(tmp_path):
    pytest.importorskip("helm_python")
    annotation = f"  annotations:\n    {NAMESPACE_WIDE}: \"true\"\n"
    root = repository(tmp_path, {
        **CHART,
        "charts/echo/templates/sealed.yaml": sealed(annotations=annotation),
        "apps/echo.yaml": application("echo", "charts/echo", "shop"),
        "apps/echo-ok.yaml": application("echo-ok", "charts/echo", "ope-won"),
    })
    found = findings(root, SCOPE)
    assert [(f["path"], f["line"]) for f in found] == [("apps/echo.yaml", 14)]
    assert "namespace-wide scope binds its namespace" in found[0]["message"]
    assert "ope-won/echo-secret" in found[0]["message"] and "shop/echo-secret" in found[0]["message"]


def test_cluster_wide_and_own_namespace_pass_any_destination(tmp_path):
    pytest.importorskip("helm_python")
    cluster = "  annotations:\n    sealedsecrets.bitnami.com/cluster-wide: \"true\"\n"
    root = repository(tmp_path, {
        **CHART,
        "charts/echo/templates/sealed.yaml": sealed(annotations=cluster),
        "charts/own/Chart.yaml": "apiVersion: v2\nname: own\nversion: 0.1.0\n",
        "charts/own/templates/sealed.yaml": sealed(metadata_namespace="ope-won"),  # its own namespace wins
        "apps/echo.yaml": application("echo", "charts/echo", "shop"),
        "apps/own.yaml": application("own", "charts/own", "shop"),
    })
    assert findings(root, SCOPE) == []


def test_exemption_on_the_sealed_secret_covers_the_finding_at_the_application(tmp_path):
    pytest.importorskip("helm_python")
    exempt = "  annotations:\n    lintops.io/ignore-sealed-secret-scope: \"moved on purpose, resealed by CI\"\n"
    root = repository(tmp_path, {
        **CHART,
        "charts/echo/templates/sealed.yaml": sealed(annotations=exempt),
        "apps/echo.yaml": application("echo", "charts/echo", "shop"),
    })
    found = findings(root, SCOPE)
    assert [(f["path"], f["suppressed"]) for f in found] == [("apps/echo.yaml", True)]
    assert "resealed by CI" in found[0]["suppression_reason"]


# --- sealed-secret-template-scope ------------------------------------------------------------------------------

def test_scope_annotation_only_in_the_template():
    template = f"      annotations:\n        {NAMESPACE_WIDE}: \"true\"\n"
    found = lint_rules(sealed("ope-won", template_annotations=template), TEMPLATE)
    assert [(f.location.line, f.pointer, f.severity.value) for f in found] == [
        (14, "/spec/template/metadata/annotations/sealedsecrets.bitnami.com~1namespace-wide", "warning")]
    assert "decrypts with the strict scope, not namespace-wide" in found[0].message
    own = f"  annotations:\n    {NAMESPACE_WIDE}: \"true\"\n"
    assert lint_rules(sealed("ope-won", own, template), TEMPLATE) == []  # kubeseal's output: both places
    assert lint_rules(sealed("ope-won", own), TEMPLATE) == []  # the own one is what counts
    cluster = "      annotations:\n        sealedsecrets.bitnami.com/cluster-wide: \"true\"\n"
    wider = lint_rules(sealed("ope-won", own, cluster), TEMPLATE)
    assert [f.pointer.rsplit("~1", 1)[1] for f in wider] == ["cluster-wide"]
    assert "namespace-wide scope, not cluster-wide" in wider[0].message
    not_true = template.replace('"true"', '"yes"')
    assert lint_rules(sealed("ope-won", template_annotations=not_true), TEMPLATE) == []


# --- secret-ownership: a chart's Secret and a directory's plain SealedSecret ------------------------------------

SECRET_TEMPLATE = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: echo-secret\n  namespace: ope-won\ntype: Opaque\n"


def test_chart_in_the_environment_directory_meets_its_plain_sealed_secret(tmp_path):
    pytest.importorskip("helm_python")
    root = repository(tmp_path, {
        "production/sealed.yaml": sealed("ope-won"),
        "production/echo/Chart.yaml": "apiVersion: v2\nname: echo\nversion: 0.1.0\n",
        "production/echo/templates/secret.yaml": SECRET_TEMPLATE,
        # a chart elsewhere, rendered for "production" by its values file: nothing says it reaches that cluster
        "charts/echo/Chart.yaml": "apiVersion: v2\nname: echo\nversion: 0.1.0\n",
        "charts/echo/values-production.yaml": "x: 1\n",
        "charts/echo/templates/secret.yaml": SECRET_TEMPLATE,
        "staging/sealed.yaml": sealed("ope-won"),
    })
    found = findings(root, OWNER)
    assert [(f["path"], f["line"]) for f in found] == [("production/sealed.yaml", 4)]
    assert "Secret at production/echo/templates/secret.yaml:4" in found[0]["message"]


def test_chart_sealed_secrets_meet_through_the_destination_namespace(tmp_path):
    pytest.importorskip("helm_python")
    root = repository(tmp_path, {
        **CHART,
        "charts/echo/templates/sealed.yaml": sealed(),
        "charts/echo/templates/secret.yaml": SECRET_TEMPLATE.replace("  namespace: ope-won\n", ""),
        "apps/echo.yaml": application("echo", "charts/echo", "ope-won"),
    })
    found = findings(root, OWNER)
    assert [(f["path"], f["line"]) for f in found] == [("charts/echo/templates/sealed.yaml", 4)]
    assert "Secret ope-won/echo-secret" in found[0]["message"]
