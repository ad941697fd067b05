"""Every Kubernetes version 1.17 to 1.37: the target version decides the schema and which APIs are served.

Through the real CLI (in-process, and as a subprocess where the environment matters): for a spread of
versions, a clean Deployment passes, an unknown field fails strictly, and an API the version no longer
serves is named with its replacement; APIs that came later are errors naming where they are served;
versions outside the bundle are usage errors naming the range; other schema sources (an installed
kubernetes-validate, in either layout) work, and a broken one is one clear error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from builders import cronjob, deployment
from conftest import REPO, run_lintops, write
from lintops.schema.kube import bundle, served, store, validate, versions

VERSIONS = ["1.17", "1.18", "1.22", "1.25", "1.29", "1.33", "1.37"]

DEPLOYMENT = deployment(namespace="shop", spec="replicas: 2", layout="block", pod_spec="""\
    securityContext: {runAsNonRoot: true, runAsUser: 10001}
    containers:
    - name: web
      image: registry.example.com/shop/web:1.4.2
      securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false}
      ports:
      - {containerPort: 8080, name: http}
      resources:
        requests: {cpu: 100m, memory: 128Mi}
        limits: {cpu: 500m, memory: 256Mi}
      livenessProbe:
        httpGet: {path: /healthz, port: http}
      readinessProbe:
        httpGet: {path: /ready, port: http}
    """)

#: version -> (an API that version no longer serves, the replacement its message must name)
REMOVED = {
    "1.17": ("extensions/v1beta1", "Deployment", "apps/v1"),         # removed in 1.16, still in the 1.17 bundle
    "1.18": ("apps/v1beta2", "StatefulSet", "apps/v1"),              # removed in 1.16
    "1.22": ("networking.k8s.io/v1beta1", "Ingress", "networking.k8s.io/v1"),    # removed in 1.22
    "1.25": ("batch/v1beta1", "CronJob", "batch/v1"),                # removed in 1.25
    "1.29": ("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", "flowcontrol.apiserver.k8s.io/v1"),  # 1.29
    "1.33": ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "flowcontrol.apiserver.k8s.io/v1"),  # 1.32
    # not in the removal table: the bundles show it served up to 1.33
    "1.37": ("admissionregistration.k8s.io/v1beta1", "ValidatingAdmissionPolicy", "admissionregistration.k8s.io/v1"),
}

PDB_V1 = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}
"""


def findings(report: dict, rule: str | None = None) -> list[dict]:
    """The report's findings (of ``rule``), without suppressed ones: a lone object's "not checked" notes (a
    PodDisruptionBudget with no pod template beside it) are not what these tests are about."""
    return [f for f in report["findings"] if (rule is None or f["rule"] == rule) and not f["suppressed"]]


def minimal(api_version: str, kind: str) -> str:
    return f"apiVersion: {api_version}\nkind: {kind}\nmetadata: {{name: x, namespace: shop}}\nspec: {{}}\n"


# --------------------------------------------------------------------------------------------
# the done-when rows, per version


@pytest.mark.parametrize("version", VERSIONS)
def test_clean_deployment_passes(lint_json, tmp_path, version):
    code, report = lint_json("-k", version, str(write(tmp_path / "web.yaml", DEPLOYMENT)))
    assert (code, findings(report)) == (0, [])
    assert report["kubernetes_version"] == version and report["summary"]["objects"] == 1


@pytest.mark.parametrize("version", VERSIONS)
def test_unknown_field_fails_strictly(lint_json, tmp_path, version):
    text = DEPLOYMENT.replace("        readinessProbe:", "        imagePulPolicy: Always\n        readinessProbe:")
    path = str(write(tmp_path / "web.yaml", text))
    code, report = lint_json("-k", version, path)
    assert code == 1
    [finding] = findings(report)
    assert (finding["rule"], finding["message"], finding["line"], finding["column"]) == (
        "schema", "unknown field 'imagePulPolicy'", 26, 9)
    assert finding["pointer"] == "/spec/template/spec/containers/0/imagePulPolicy"
    code, report = lint_json("-k", version, "--no-strict", path)
    assert (code, report["strict"], findings(report)) == (0, False, [])


@pytest.mark.parametrize("version", VERSIONS)
def test_an_api_removed_by_then_is_named_with_its_replacement(lint_json, tmp_path, version):
    api_version, kind, replacement = REMOVED[version]
    code, report = lint_json("-k", version, str(write(tmp_path / "old.yaml", minimal(api_version, kind))))
    assert code == 1
    [finding] = findings(report, "api-removed")
    assert finding["severity"] == "error" and finding["pointer"] == "/apiVersion" and finding["line"] == 1
    assert finding["message"].startswith(f"{api_version} {kind} is not served by Kubernetes {version} ")
    assert replacement in finding["message"]
    assert not findings(report, "schema-missing") and not findings(report, "api-unavailable")


def test_policy_v1_pdb_is_an_error_at_1_18_and_clean_at_1_25(lint_json, tmp_path):
    path = str(write(tmp_path / "pdb.yaml", PDB_V1))
    code, report = lint_json("-k", "1.18", path)
    assert code == 1
    assert [(f["rule"], f["severity"], f["message"], f["line"], f["column"]) for f in findings(report)] == [
        ("api-unavailable", "error",
         "policy/v1 PodDisruptionBudget is served from Kubernetes 1.21; 1.18 serves policy/v1beta1", 1, 13)]
    assert lint_json("-k", "1.25", path)[0] == 0
    assert findings(lint_json("-k", "1.25", path)[1]) == []


def test_batch_v1beta1_cronjob_at_1_25_is_removed_naming_batch_v1(lint_json, tmp_path):
    text = cronjob("report", 'containers: [{name: report, image: "registry.example.com/report:2.1"}]',
                   api_version="batch/v1beta1", namespace="shop")
    path = str(write(tmp_path / "cron.yaml", text))
    code, report = lint_json("-k", "1.25", path)
    assert code == 1
    assert [f["message"] for f in findings(report, "api-removed")] == [
        "batch/v1beta1 CronJob is not served by Kubernetes 1.25 (removed in 1.25); use batch/v1"]
    # still served at 1.22, deprecated: a warning naming the release that removes it
    _, report = lint_json("-k", "1.22", path)
    assert [f["message"] for f in findings(report, "api-deprecated")] == [
        "batch/v1beta1 CronJob is deprecated since 1.21 and removed in 1.25; use batch/v1"]
    assert not findings(report, "api-removed")
    # and at 1.18 the only CronJob API there is
    _, report = lint_json("-k", "1.18", path)
    assert not findings(report, "api-removed") and not findings(report, "api-deprecated")


@pytest.mark.parametrize("spelling", ["1.16", "1.38", "v1.38.0", "2.0"])
def test_a_version_outside_the_bundle_is_exit_2_naming_the_range(tmp_path, spelling):
    result = run_lintops("check", "-k", spelling, str(write(tmp_path / "web.yaml", DEPLOYMENT)))
    assert result.returncode == 2, result.stderr
    assert "is not supported; supported versions: 1.17 to 1.37" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize(("spelling", "version"), [("1.29", "1.29"), ("1.29.4", "1.29"), ("v1.29.4", "1.29"),
                                                   ("v1.29.4-eks-036c24b", "1.29"), ("1.21.5+k3s1", "1.21")])
def test_version_spellings_on_the_command_line(lint_json, tmp_path, spelling, version):
    code, report = lint_json("-k", spelling, str(write(tmp_path / "web.yaml", DEPLOYMENT)))
    assert (code, report["kubernetes_version"]) == (0, version)


def test_version_from_the_configuration_file(tmp_path, lint_json):
    write(tmp_path / ".lintops.yaml", 'kubernetes_version: "v1.30.2"\n')
    code, report = lint_json(str(write(tmp_path / "pdb.yaml", PDB_V1)))
    assert (code, report["kubernetes_version"]) == (0, "1.30")
    write(tmp_path / ".lintops.yaml", 'kubernetes_version: "1.40"\n')
    result = run_lintops("check", str(tmp_path))
    assert result.returncode == 2 and "supported versions: 1.17 to 1.37" in result.stderr


def test_help_names_the_supported_range(cli):
    text = " ".join(cli("check", "--help").stdout.split())
    bundled = [v for v, source in versions.sources().items() if source.origin == versions.BUNDLED]
    assert f"written 1.N, 1.N.P or v1.N.P: {versions.describe(bundled)} are bundled" in text


# --------------------------------------------------------------------------------------------
# built-in groups: errors, not schema-missing warnings


@pytest.mark.parametrize(("api_version", "kind", "message"), [
    ("networking.k8s.io/v1", "Ingress",
     "networking.k8s.io/v1 Ingress is served from Kubernetes 1.19; 1.18 serves networking.k8s.io/v1beta1, "
     "extensions/v1beta1"),
    ("networking.k8s.io/v1", "IngressClass",
     "networking.k8s.io/v1 IngressClass is served from Kubernetes 1.19; 1.18 serves networking.k8s.io/v1beta1"),
    ("autoscaling/v2", "HorizontalPodAutoscaler",
     "autoscaling/v2 HorizontalPodAutoscaler is served from Kubernetes 1.23; 1.18 serves autoscaling/v1, "
     "autoscaling/v2beta2, autoscaling/v2beta1"),
    ("batch/v1", "CronJob", "batch/v1 CronJob is served from Kubernetes 1.21; 1.18 serves batch/v1beta1"),
    ("v1", "Deployment", "v1 Deployment is not served by any Kubernetes version (1.17 to 1.37); 1.18 serves apps/v1"),
    ("apps/v1", "Deploymnet",
     "apps/v1 Deploymnet is not served by any Kubernetes version (1.17 to 1.37); did you mean apps/v1 Deployment?"),
    ("resource.k8s.io/v1", "ResourceClaim",
     "resource.k8s.io/v1 ResourceClaim is served from Kubernetes 1.34; Kubernetes 1.18 serves no ResourceClaim in "
     "any apiVersion"),
])
def test_apis_a_1_18_cluster_does_not_serve_are_errors(lint_json, tmp_path, api_version, kind, message):
    code, report = lint_json("-k", "1.18", str(write(tmp_path / "x.yaml", minimal(api_version, kind))))
    assert code == 1
    assert [(f["rule"], f["message"]) for f in findings(report) if f["rule"].startswith(("api-", "schema"))] == [
        ("api-unavailable", message)]


def test_custom_resources_without_a_schema_stay_schema_missing(lint_json, tmp_path):
    code, report = lint_json("-k", "1.33", str(write(tmp_path / "w.yaml", minimal("example.com/v1", "Widget"))))
    assert code == 0  # a warning
    assert [(f["rule"], f["severity"]) for f in findings(report)] == [("schema-missing", "warning")]
    assert "Kubernetes 1.33" in findings(report)[0]["message"]


def test_api_rules_explain_the_versions(cli):
    text = " ".join(cli("explain", "api-unavailable").stdout.split())
    assert "1.17 to 1.37" in text and "policy/v1 PodDisruptionBudget is served from Kubernetes 1.21" in text
    assert "1.17 to 1.37" in " ".join(cli("explain", "api-removed").stdout.split())


# --------------------------------------------------------------------------------------------
# the data: served index, content-addressed store, lazy loading


def test_served_index_agrees_with_each_versions_kinds():
    data = json.loads((REPO / "schemas" / "kubernetes" / "served.json").read_text())
    assert data["versions"] == [f"1.{minor}" for minor in range(17, 38)]
    index = served.served_index()
    for version in data["versions"]:
        kinds = bundle.load(version).kinds
        in_bundle = {(api_version, kind) for api_version, names in kinds.items() for kind in names}
        assert set(index.apis(version)) <= in_bundle
        # in the bundle but not served: only what the removal table removed (the 1.17 extensions workloads)
        for api_version, kind in in_bundle - set(index.apis(version)):
            assert served.assess(api_version, kind, version).report == "removed", (version, api_version, kind)
    assert ("extensions/v1beta1", "Deployment") in {
        (a, k) for a, names in bundle.load("1.17").kinds.items() for k in names}
    assert not index.serves("1.17", "extensions/v1beta1", "Deployment")
    assert index.serves("1.21", "policy/v1", "PodDisruptionBudget")
    assert not index.serves("1.20", "policy/v1", "PodDisruptionBudget")


def test_served_json_is_the_union_of_the_versions_kinds():
    folder = REPO / "schemas" / "kubernetes"
    apis = json.loads((folder / "served.json").read_text())["apis"]
    for path in sorted(folder.glob("v1.*.json")):
        manifest = json.loads(path.read_text())
        minor = int(manifest["kubernetes"].split(".")[1])
        listed = set()
        for api_version, kinds in apis.items():
            for kind, spans in kinds.items():
                for span in spans:
                    low, _, high = span.partition("-")
                    if int(low.split(".")[1]) <= minor <= int((high or low).split(".")[1]):
                        listed.add((api_version, kind))
        assert listed == {(a, k) for a, names in manifest["kinds"].items() for k in names}, path.name


def test_a_run_loads_one_version_and_the_definitions_it_needs(tmp_path):
    """The cold start does not grow with the versions shipped: one small index, about 100 definitions."""
    path = write(tmp_path / "web.yaml", DEPLOYMENT)
    script = textwrap.dedent(f"""
        import json
        from lintops.runner import Settings, prepare
        from lintops.schema.kube import bundle
        run = prepare(Settings(paths=({str(path)!r},), kubernetes_version="1.37", jobs=1))
        reports = list(run.engine().lint(run.discover([{str(path)!r}])))
        [pool] = bundle._POOLS.values()
        print(json.dumps({{"loaded": sorted(bundle._LOADED), "parsed": len(pool._parsed),
                          "lines": len(pool._lines), "findings": sum(len(r.findings) for r in reports)}}))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["loaded"] == ["1.37"] and facts["findings"] == 0
    assert 80 <= facts["parsed"] <= 150 < facts["lines"]


def test_several_versions_in_one_process_share_their_definitions():
    old, new = store.SchemaStore("1.18"), store.SchemaStore("1.37")
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": "b"}, "extra": 1}
    assert old.validate("v1", "ConfigMap", body) == new.validate("v1", "ConfigMap", body) == [
        validate.SchemaError("/extra", "unknown field 'extra'")]
    meta = "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement"  # unchanged from 1.18 to 1.37
    assert bundle.load("1.18").definitions[meta] is bundle.load("1.37").definitions[meta]
    assert old.has_schema("policy/v1beta1", "PodDisruptionBudget") and not new.has_schema(
        "policy/v1beta1", "PodDisruptionBudget")


APPLICATION = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: shop, namespace: argocd}
spec:
  project: PROJECT
  source: {repoURL: "https://git.example.com/shop.git", path: deploy, targetRevision: null}
  destination: {server: "https://kubernetes.default.svc", namespace: shop}
"""


@pytest.mark.parametrize(("version", "errors"), [
    ("1.18", [("/spec/source/targetRevision", "spec.source.targetRevision: expected string, got null")]),
    ("1.19", [("/spec/source/targetRevision", "spec.source.targetRevision: expected string, got null")]),
    ("1.20", []),  # from 1.20 the API server prunes a null from a field that is not nullable
    ("1.37", []),
])
def test_null_in_a_custom_resource_depends_on_the_target(lint_json, tmp_path, version, errors):
    path = str(write(tmp_path / "app.yaml", APPLICATION.replace("PROJECT", "default")))
    _, report = lint_json("-k", version, path)
    assert [(f["pointer"], f["message"]) for f in findings(report, "schema")] == errors
    _, report = lint_json("-k", version, str(write(tmp_path / "app.yaml", APPLICATION.replace("PROJECT", "null"))))
    assert ("/spec/project", "spec.project: expected string, got null") in [(f["pointer"], f["message"])
                                                               for f in findings(report, "schema")]  # required


# --------------------------------------------------------------------------------------------
# other schema sources: an installed kubernetes-validate (read, never imported), both layouts

CONFIGMAP_DEFINITION = {
    "type": "object",
    "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "ConfigMap"}],
    "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                   "metadata": {"type": "object"},
                   "data": {"type": "object", "additionalProperties": {"type": "string"}}},
}
#: the same definition as kubernetes-validate 1.25 and later write it
CONFIGMAP_DEFS = {
    "type": ["object", "null"],
    "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "ConfigMap"}],
    "properties": {"apiVersion": {"type": ["string", "null"], "enum": ["v1"]},
                   "kind": {"type": ["string", "null"], "enum": ["ConfigMap"]},
                   "metadata": {"$ref": "#/$defs/meta"},
                   "data": {"type": ["object", "null"], "additionalProperties": {"type": ["string", "null"]}}},
}


def fake_kubernetes_validate(root: Path, folders: dict[str, str]) -> dict[str, str]:
    """A kubernetes_validate package whose import fails, with the given ``v1.N.0-local`` folders; the
    environment for a subprocess that finds it."""
    package = root / "kubernetes_validate"
    (package / "kubernetes-json-schema").mkdir(parents=True)
    (package / "__init__.py").write_text("raise ImportError('lintops must not import kubernetes_validate')\n")
    for name, text in folders.items():
        folder = package / "kubernetes-json-schema" / name
        folder.mkdir()
        (folder / "_definitions.json").write_text(text)
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}


def test_kubernetes_validate_folders_in_both_layouts(tmp_path):
    env = fake_kubernetes_validate(tmp_path / "site", {
        "v1.40.0-local": json.dumps({"definitions": {"io.k8s.api.core.v1.ConfigMap": CONFIGMAP_DEFINITION}}),
        "v1.41.0-local": json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema",
                                     "$defs": {"io.k8s.api.core.v1.ConfigMap": CONFIGMAP_DEFS,
                                               "meta": {"type": ["object", "null"]}}}),
        "v1.21.0-local": "not JSON: the bundled 1.21 wins and this is never read",
    })
    manifest = write(tmp_path / "repo" / "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
                                                    "data: {a: 1}\nextra: true\n---\n" + PDB_V1)
    for version in ("1.40", "1.41"):
        result = run_lintops("check", "-k", version, "--format", "json", str(manifest), env=env)
        assert result.returncode == 1, result.stderr
        report = json.loads(result.stdout)
        assert report["kubernetes_version"] == version
        got = sorted((f["rule"], f["pointer"], f["message"]) for f in findings(report))
        assert got == [
            ("api-removed", "/apiVersion", f"policy/v1 PodDisruptionBudget is not served by Kubernetes {version} "
                                           f"(served up to 1.37); Kubernetes {version} serves no PodDisruptionBudget "
                                           "in any apiVersion"),
            ("schema", "/data/a", "data.a: expected string, got integer"),
            ("schema", "/extra", "unknown field 'extra'"),
        ], version
    result = run_lintops("check", "-k", "1.21", str(manifest), env=env)
    assert result.returncode == 1 and "[schema] unknown field 'extra'" in result.stdout
    result = run_lintops("check", "-k", "1.16", str(manifest), env=env)
    assert result.returncode == 2 and "supported versions: 1.17 to 1.37, 1.40 to 1.41" in result.stderr


def test_a_broken_schema_source_is_one_clear_usage_error(tmp_path):
    env = fake_kubernetes_validate(tmp_path / "site", {
        "v1.42.0-local": '{"definitions": ',
        "v1.43.0-local": '{"neither": {}}',
    })
    manifest = write(tmp_path / "repo" / "web.yaml", DEPLOYMENT + "---\n" + DEPLOYMENT.replace("name: web", "name: b"))
    for version, reason in (("1.42", "Expecting value"), ("1.43", "neither a 'definitions' nor a '$defs' section")):
        result = run_lintops("check", "-k", version, str(manifest), env=env)
        assert result.returncode == 2, (result.stdout, result.stderr)
        [line] = result.stderr.strip().splitlines()
        assert line.startswith(f"lintops: error: the schemas of Kubernetes {version} cannot be read from ")
        assert reason in line and "_definitions.json" in line
    # the broken folders do not affect the bundled versions
    assert run_lintops("check", "-k", "1.37", str(manifest), env=env).returncode == 0


def test_a_schema_that_cannot_be_compiled_is_one_finding_per_object_not_exit_3(tmp_path, monkeypatch, lint_json):
    monkeypatch.setattr(store, "_SHARED", store._Shared())

    def refuse(schema, backend, **options):
        raise ValueError("unsupported regular expression")

    monkeypatch.setattr(validate, "compile_schema", refuse)
    code, report = lint_json("-k", "1.30", str(write(tmp_path / "web.yaml", DEPLOYMENT)))
    assert code == 1
    assert [(f["rule"], f["message"]) for f in findings(report)] == [
        ("schema", "the schema of this kind could not be used: unsupported regular expression")]


def test_sources_are_found_without_importing_kubernetes_validate():
    assert "kubernetes_validate" not in sys.modules
    assert versions.describe(["1.17", "1.18", "1.19", "1.25"]) == "1.17 to 1.19, 1.25"
    assert versions.minor("v1.29.4-eks-036c24b") == "1.29" and versions.minor("1.29.4.1") is None
