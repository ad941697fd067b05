"""Every object accounted for: nothing lost when a root fails, nothing merged away, nothing silently skipped.

Inputs have the shapes seen in public GitOps repositories: an overlay that lists a remote base next to
its own ``deployment.yaml`` (and a ``hooks/`` folder with a Job, a SealedSecret and a RoleBinding); a
chart shaped like grafana's tempo-distributed, whose seven Services take their type from one values
key (tests/fixtures/helm/tempo-like); a base feeding three overlays; Argo Rollouts and OpenShift
DeploymentConfigs. Everything runs through the real command line, real ``kubectl kustomize`` and the
real Helm renderer; nothing is mocked.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from builders import deployment, kustomization
from conftest import FIXTURES, run_lintops, write
from lintops.fingerprint import fingerprint
from lintops.model import Finding, Location, ObjectRef, Severity

TEMPO = FIXTURES / "helm" / "tempo-like"
NEEDS_KUSTOMIZE = pytest.mark.skipif(not (shutil.which("kustomize") or shutil.which("kubectl")),
                                     reason="needs kustomize or kubectl on PATH")


@pytest.fixture
def run(cli, tmp_path, monkeypatch):
    """``run(*args)`` in ``tmp_path`` (the repository root): (exit code, JSON report, the other reports by name)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)

    def invoke(*args: str, formats: tuple[str, ...] = ()) -> tuple[int, dict, dict[str, str]]:
        extra = [arg for name in formats for arg in ("--report", f"{name}=out/report.{name}")]
        result = cli("check", "--format", "json", *args, *extra)
        reports = {name: (tmp_path / "out" / f"report.{name}").read_text(encoding="utf-8") for name in formats}
        return result.exit_code, json.loads(result.stdout), reports

    return invoke


def found(report: dict, rule: str) -> list[dict]:
    return [f for f in report["findings"] if f["rule"] == rule]


def names(finding: dict) -> list[str]:
    return [obj["name"] for obj in finding["objects"]]


# -- a root that does not render: its local files are still linted, and say so -----------------------------


def web(image: str = "nginx:latest") -> str:
    """The Deployment ``web`` (block layout) whose one container ``app`` runs ``image``."""
    return deployment(layout="block", pod_spec=f"containers:\n  - name: app\n    image: {image}\n")


HOOKS = {
    "hooks/migrate.yaml": """\
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations: {argocd.argoproj.io/hook: PreSync}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: registry.example.com/migrate:latest
""",
    "hooks/sealed-secret.yaml": """\
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: db
spec:
  encryptedData:
    password: AgBy3i4OJSWK+PiTySYZZA==
""",
    "hooks/rolebinding.yaml": """\
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: migrate
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: migrate}
subjects: [{kind: ServiceAccount, name: migrate}]
""",
}

REMOTE_OVERLAY = """\
resources:
  - github.com/example/platform//base?ref=v1.2.0
  - deployment.yaml
  - hooks/migrate.yaml
  - hooks/sealed-secret.yaml
  - hooks/rolebinding.yaml
patches:
  - path: replicas.yaml
"""


def _remote_overlay(root: Path) -> Path:
    overlay = root / "overlays" / "prod"
    write(overlay / "kustomization.yaml", REMOTE_OVERLAY)
    write(overlay / "deployment.yaml", web())
    write(overlay / "replicas.yaml",
          "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 3}\n")
    for name, text in HOOKS.items():
        write(overlay / name, text)
    return overlay


def test_an_overlay_with_a_remote_base_still_lints_its_own_files(run, tmp_path):
    _remote_overlay(tmp_path)
    code, report, other = run(".", formats=("text", "junit", "sarif", "codequality"))
    assert code == 1
    [failed] = found(report, "render-failed")
    assert (failed["path"], failed["line"], failed["column"]) == ("overlays/prod/kustomization.yaml", 2, 5)
    assert failed["message"].endswith(
        "so the overlay is not rendered; vendor it into the repository, or lint the rendered output (`kustomize "
        "build overlays/prod | lintops check -`); linted on their own instead: overlays/prod/deployment.yaml, "
        "overlays/prod/hooks/migrate.yaml, overlays/prod/hooks/sealed-secret.yaml, "
        "overlays/prod/hooks/rolebinding.yaml; not linted: resources 'github.com/example/platform//base?ref=v1.2.0' "
        "(remote), patches[0] 'replicas.yaml' (a patch: only the build applies it)")
    images = {(f["path"], f["line"]) for f in found(report, "pinned-image-tag")}
    assert images == {("overlays/prod/deployment.yaml", 14), ("overlays/prod/hooks/migrate.yaml", 12)}
    for finding in report["findings"]:
        expected = [] if finding["rule"] == "render-failed" else ["overlays/prod"]
        assert finding["linted_alone"] == expected, finding
    summary = report["summary"]
    assert (summary["objects"], summary["rendered"], summary["linted_alone"], summary["not_linted"]) == (4, 0, 4, 2)
    # every format that has room for it says so
    text = other["text"]
    assert ("overlays/prod/deployment.yaml:14:18: error [pinned-image-tag]" in text
            and "(Deployment/web) [linted alone: overlays/prod did not render]" in text)
    assert text.rstrip().endswith("(0 objects rendered, 4 linted alone, 2 inputs not linted)")
    root = ET.fromstring(other["junit"])
    [summary_suite] = [s for s in root.iter("testsuite") if s.get("name") == "lintops"]
    properties = {p.get("name"): p.get("value") for p in summary_suite.iter("property")}
    assert (properties["linted_alone"], properties["not_linted"], properties["rendered"]) == ("4", "2", "0")
    sarif_run = json.loads(other["sarif"])["runs"][0]
    assert sarif_run["properties"]["summary"]["lintedAlone"] == 4
    assert sarif_run["properties"]["summary"]["notLinted"] == 2
    assert all(r["properties"]["lintedAlone"] == ["overlays/prod"] for r in sarif_run["results"]
               if r["ruleId"] == "pinned-image-tag")
    issues = json.loads(other["codequality"])  # no summary there; each issue says it was linted alone
    assert all("[linted alone: overlays/prod did not render]" in i["description"] for i in issues
               if i["check_name"] == "pinned-image-tag")


def test_lowering_render_failed_keeps_the_local_files_linted(run, tmp_path):
    """A team that vendors its bases elsewhere turns render-failed off: nothing of the overlay is lost."""
    _remote_overlay(tmp_path)
    write(tmp_path / ".lintops.yaml", "rules:\n  render-failed: false\n")
    code, report, _ = run(".")
    assert found(report, "render-failed") == []
    assert len(found(report, "pinned-image-tag")) == 2 and code == 1
    assert (report["summary"]["linted_alone"], report["summary"]["not_linted"]) == (4, 2)


def test_a_refused_entry_is_not_linted_and_the_other_files_are(run, tmp_path):
    overlay = tmp_path / "overlay"
    kustomization(overlay, ["deployment.yaml", "pipe.yaml"])
    write(overlay / "deployment.yaml", web())
    os.mkfifo(overlay / "pipe.yaml")
    code, report, _ = run(".")
    [failed] = found(report, "render-failed")
    assert failed["message"].endswith("linted on their own instead: overlay/deployment.yaml; not linted: "
                                      "resources 'pipe.yaml' (refused)")
    [image] = found(report, "pinned-image-tag")
    assert image["linted_alone"] == ["overlay"] and code == 1
    assert (report["summary"]["linted_alone"], report["summary"]["not_linted"]) == (1, 1)


@NEEDS_KUSTOMIZE
def test_a_build_error_falls_back_on_the_local_files_of_every_base(run, tmp_path):
    kustomization(tmp_path / "base", ["deployment.yaml"])
    write(tmp_path / "base" / "deployment.yaml", web())
    kustomization(tmp_path / "overlay", ["../base", "missing.yaml"])
    code, report, _ = run(".")
    [failed] = found(report, "render-failed")
    assert (failed["path"], failed["line"], failed["column"]) == ("overlay/kustomization.yaml", 3, 5)
    assert failed["message"] == (
        "resources entry 'missing.yaml' does not exist: there is no file overlay/missing.yaml; kustomize cannot "
        "build overlay; linted on their own instead: base/deployment.yaml; not linted: resources 'missing.yaml' "
        "(missing)")
    [image] = found(report, "pinned-image-tag")
    assert (image["path"], image["linted_alone"]) == ("base/deployment.yaml", ["overlay"])
    assert code == 1


# -- a root that renders nothing --------------------------------------------------------------------------


@NEEDS_KUSTOMIZE
def test_an_overlay_that_renders_no_object_is_an_info_finding(run, tmp_path):
    write(tmp_path / "overlay" / "kustomization.yaml", "namespace: shop\nresources:\n  - empty.yaml\n")
    write(tmp_path / "overlay" / "empty.yaml", "# every object moved to another repository\n")
    code, report, other = run(".", formats=("text",))
    [empty] = found(report, "render-empty")
    assert (empty["path"], empty["line"], empty["column"], empty["severity"]) == (
        "overlay/kustomization.yaml", 2, 1, "info")
    assert empty["message"] == "overlay renders no object: nothing of it is checked"
    assert empty["environment"] == ["overlay"] and code == 0
    assert "(0 objects rendered, 0 linted alone, 0 inputs not linted)" in other["text"]


def test_a_chart_environment_that_renders_no_object_is_an_info_finding(run, tmp_path):
    chart = tmp_path / "charts" / "worker"
    write(chart / "Chart.yaml", "apiVersion: v2\nname: worker\nversion: 0.1.0\n")
    write(chart / "values.yaml", "enabled: true\n")
    write(chart / "values-dr.yaml", "enabled: false\n")
    write(chart / "values-prod.yaml", "enabled: true\n")
    write(chart / "templates" / "cm.yaml", "{{- if .Values.enabled }}\napiVersion: v1\nkind: ConfigMap\n"
                                           "metadata: {name: worker}\ndata: {mode: fast}\n{{- end }}\n")
    code, report, _ = run(".")
    [empty] = found(report, "render-empty")
    assert (empty["path"], empty["line"], empty["column"]) == ("charts/worker/values-dr.yaml", 1, 1)
    assert empty["message"] == "charts/worker (environment dr) renders no object: nothing of it is checked"
    assert empty["environment"] == ["dr"]
    assert (report["summary"]["rendered"], report["summary"]["not_linted"], code) == (1, 0, 0)


def test_a_chart_environment_that_fails_counts_as_not_linted(run, tmp_path):
    chart = tmp_path / "charts" / "worker"
    write(chart / "Chart.yaml", "apiVersion: v2\nname: worker\nversion: 0.1.0\n")
    write(chart / "values.yaml", "name: worker\n")
    write(chart / "values-prod.yaml", "name: worker\n")
    write(chart / "values-broken.yaml", "fail: true\n")
    write(chart / "templates" / "cm.yaml", "{{- if .Values.fail }}{{ fail \"this environment is not ready\" }}"
                                           "{{- end }}\napiVersion: v1\nkind: ConfigMap\nmetadata: "
                                           "{name: {{ .Values.name }}}\n")
    code, report, _ = run(".")
    assert [f["environment"] for f in found(report, "render-failed")] == [["broken"]]
    assert found(report, "render-empty") == []
    assert (report["summary"]["rendered"], report["summary"]["not_linted"], code) == (1, 1, 1)


# -- one finding per place, standing for every object ------------------------------------------------------


def _tempo(root: Path) -> Path:
    shutil.copytree(TEMPO, root / "tempo")
    return root / "tempo"


SERVICES = ["tempo-compactor", "tempo-distributor", "tempo-gateway", "tempo-ingester", "tempo-metrics-generator",
            "tempo-querier", "tempo-query-frontend"]


def test_one_values_key_feeding_seven_services_is_one_finding_naming_all_seven(run, tmp_path):
    _tempo(tmp_path)
    write(tmp_path / ".lintops.yaml", "helm:\n  release_name: tempo\n")
    code, report, other = run(".", formats=("text", "junit", "codequality", "sarif", "github", "editor"))
    findings = found(report, "invalid-enum-value")
    assert [(f["path"], f["line"], f["column"], f["pointer"]) for f in findings] == [
        ("tempo/values.yaml", 4, 3, "/spec/type"), ("tempo/values.yaml", 5, 3, "/spec/sessionAffinity")]
    for finding in findings:
        assert sorted(names(finding)) == SERVICES
        assert finding["object"] == {k: finding["objects"][0][k] for k in ("apiVersion", "kind", "namespace", "name")}
        assert finding["fingerprint"] == finding["objects"][0]["fingerprint"]
        assert len({obj["fingerprint"] for obj in finding["objects"]}) == 7
        assert len(finding["related"]) == 7  # each Service's template line
    summary = report["summary"]
    # + dangling-service-selector's suppressed "not checked" note: the chart renders Services and no pod template
    assert (summary["findings"], summary["errors"], summary["objects"], summary["rendered"]) == (15, 14, 7, 7)
    assert code == 1
    # printed once per place, counted once per object
    text = other["text"].splitlines()
    assert len([line for line in text if "[invalid-enum-value]" in line]) == 2
    assert "(7 objects: Service/tempo-compactor, Service/tempo-distributor," in text[0]
    assert text[-1].startswith("9 files, 7 objects checked against Kubernetes 1.18: 14 errors")  # + .lintops.yaml
    assert len(other["editor"].splitlines()) == 2 and len(other["github"].splitlines()) == 3  # + summary
    # each Service's JUnit test case fails, in the suite of the file to fix
    suites = {s.get("name"): s for s in ET.fromstring(other["junit"]).iter("testsuite")}
    cases = {c.get("name"): c for c in suites["tempo/values.yaml"].iter("testcase")}
    assert sorted(cases) == [f"Service {name}" for name in SERVICES]
    assert all(len(case.findall("failure")) == 2 for case in cases.values())
    assert suites["tempo/values.yaml"].get("failures") == "7"
    # the merge request widget counts seven problems per place; code scanning sees one result per place
    issues = json.loads(other["codequality"])
    assert len(issues) == 14 and len({i["fingerprint"] for i in issues}) == 14
    fingerprints = {obj["fingerprint"] for f in findings for obj in f["objects"]}
    assert {i["fingerprint"] for i in issues} == fingerprints
    results = [r for r in json.loads(other["sarif"])["runs"][0]["results"] if r["ruleId"] == "invalid-enum-value"]
    assert [r["occurrenceCount"] for r in results] == [7, 7]
    assert sorted(o["name"] for o in results[0]["properties"]["objects"]) == SERVICES
    assert json.loads(other["sarif"])["runs"][0]["properties"]["summary"]["errors"] == 14


def test_an_exemption_by_name_suppresses_only_that_services_share(run, tmp_path):
    _tempo(tmp_path)
    write(tmp_path / ".lintops.yaml", textwrap.dedent("""\
        helm: {release_name: tempo}
        exemptions:
          - rule: invalid-enum-value
            kind: Service
            name: tempo-querier
            reason: "the querier is reached through the gateway; its Service is replaced in Q3"
        """))
    code, report, _ = run(".")
    findings = found(report, "invalid-enum-value")
    active = [f for f in findings if not f["suppressed"]]
    exempt = [f for f in findings if f["suppressed"]]
    assert [len(f["objects"]) for f in active] == [6, 6]
    assert all("tempo-querier" not in names(f) for f in active)
    assert [names(f) for f in exempt] == [["tempo-querier"], ["tempo-querier"]]
    assert {(f["line"], f["column"]) for f in active} == {(f["line"], f["column"]) for f in exempt}
    # + dangling-service-selector's "not checked" note (no pod template in the render)
    assert (report["summary"]["errors"], report["summary"]["suppressed"], code) == (12, 3, 1)


def test_an_annotation_on_one_service_suppresses_only_its_share_in_that_environment(run, tmp_path):
    chart = _tempo(tmp_path)
    write(chart / "values-production.yaml", "components: {}\n")
    write(chart / "values-staging.yaml", textwrap.dedent("""\
        querier:
          service:
            annotations:
              lintops.io/ignore-invalid-enum-value: "staging's querier is scheduled for removal"
        """))
    write(tmp_path / ".lintops.yaml", "helm:\n  release_name: tempo\n")
    _, report, _ = run(".")
    [active_type, active_affinity] = [f for f in found(report, "invalid-enum-value") if not f["suppressed"]]
    shares = {(obj["name"], obj["environment"]) for obj in active_type["objects"]}
    assert len(shares) == 13 and ("tempo-querier", "staging") not in shares
    assert ("tempo-querier", "production") in shares
    [exempt, _] = [f for f in found(report, "invalid-enum-value") if f["suppressed"]]
    assert [(obj["name"], obj["environment"]) for obj in exempt["objects"]] == [("tempo-querier", "staging")]
    assert exempt["suppression_reason"] == "annotation: staging's querier is scheduled for removal"
    assert active_type["environment"] == ["production", "staging"]
    # + dangling-service-selector's "not checked" note of each environment's render (no pod template)
    assert (report["summary"]["errors"], report["summary"]["suppressed"]) == (26, 4)
    assert len(active_affinity["objects"]) == 13


def test_a_baseline_records_each_object_and_goes_stale_per_object(tmp_path):
    chart = _tempo(tmp_path)
    write(tmp_path / ".lintops.yaml", "helm:\n  release_name: tempo\n")
    recorded = run_lintops("baseline", ".", cwd=tmp_path)
    assert recorded.returncode == 0 and "14 findings recorded" in recorded.stdout, recorded.stderr
    entries = json.loads((tmp_path / ".lintops-baseline.json").read_text())["findings"]
    assert len({entry["fingerprint"] for entry in entries}) == 14
    clean = run_lintops("check", ".", "--baseline", ".lintops-baseline.json", "--format", "json", cwd=tmp_path)
    summary = json.loads(clean.stdout)["summary"]
    # + dangling-service-selector's "not checked" note (no pod template in the render)
    assert (clean.returncode, summary["errors"], summary["suppressed"]) == (0, 0, 15)
    (chart / "templates" / "service-gateway.yaml").unlink()  # fixed for one Service: its two entries go stale
    after = run_lintops("check", ".", "--baseline", ".lintops-baseline.json", "--format", "json", cwd=tmp_path)
    report = json.loads(after.stdout)
    stale = found(report, "baseline-stale")
    assert len(stale) == 2 and all("invalid-enum-value" in f["message"] for f in stale)
    assert report["summary"]["suppressed"] == 13  # with dangling-service-selector's "not checked" note


def test_a_single_object_keeps_its_fingerprint(run, tmp_path):
    """Fingerprints of findings that stand for one object are what they were (rule, path, object, pointer)."""
    write(tmp_path / "apps" / "web.yaml", web())
    _, report, _ = run("apps")
    [image] = found(report, "pinned-image-tag")
    same = Finding("pinned-image-tag", Severity.ERROR, "any message", Location("apps/web.yaml", 99, 1),
                   pointer=image["pointer"], object=ObjectRef("apps/v1", "Deployment", None, "web"))
    assert image["fingerprint"] == fingerprint(same) == image["objects"][0]["fingerprint"]
    assert image["objects"] == [{"apiVersion": "apps/v1", "kind": "Deployment", "namespace": None, "name": "web",
                                 "environment": None, "fingerprint": image["fingerprint"]}]


@NEEDS_KUSTOMIZE
def test_one_base_feeding_three_overlays_is_one_finding_naming_each(run, tmp_path):
    kustomization(tmp_path / "base", ["deployment.yaml"])
    write(tmp_path / "base" / "deployment.yaml", web())
    for environment in ("dev", "staging", "prod"):
        write(tmp_path / "overlays" / environment / "kustomization.yaml",
              f"namePrefix: {environment}-\nresources:\n  - ../../base\n")
    code, report, _ = run(".")
    [image] = found(report, "pinned-image-tag")
    assert (image["path"], image["line"]) == ("base/deployment.yaml", 14)
    assert sorted((obj["name"], obj["environment"]) for obj in image["objects"]) == [
        ("dev-web", "dev"), ("prod-web", "prod"), ("staging-web", "staging")]
    assert image["environment"] == ["dev", "prod", "staging"]
    assert sorted(r["path"] for r in image["related"]) == [
        "overlays/dev/kustomization.yaml", "overlays/prod/kustomization.yaml", "overlays/staging/kustomization.yaml"]
    assert report["summary"]["errors"] >= 3 and code == 1


# -- render errors a person can act on ---------------------------------------------------------------------


BASE = {"base/kustomization.yaml": "resources:\n  - cm.yaml\n",
        "base/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata: {mode: fast}\n"}


@NEEDS_KUSTOMIZE
@pytest.mark.parametrize(("files", "where", "message"), [
    ({"overlay/kustomization.yaml": "resources:\n  - ../base\nhelmCharts:\n  - name: redis\n    version: 17.3.7\n"
                                    "    releaseName: cache\n"},
     ("overlay/kustomization.yaml", 4, 5),
     "helmCharts[0] 'redis': there is no chart at overlay/charts/redis and no `repo` to pull it from"),
    ({"overlay/kustomization.yaml": "resources:\n  - ../nested\n",
      "nested/kustomization.yaml": "resources:\n  - ../base\nhelmCharts:\n  - name: redis\n    releaseName: cache\n"},
     ("nested/kustomization.yaml", 4, 5), "helmCharts[0] 'redis': there is no chart at nested/charts/redis"),
    ({"overlay/kustomization.yaml": "resources:\n  - ../base\npatches:\n  - path: patch.yaml\n",
      "overlay/patch.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: setings\ndata: {mode: slow}\n"},
     ("overlay/kustomization.yaml", 4, 5),
     "patches[0] 'patch.yaml' matches no object: there is no ConfigMap setings among the resources it patches"),
    ({"overlay/kustomization.yaml": "resources:\n  - ../base\nnamePrefx: prod-\n"},
     ("overlay/kustomization.yaml", 3, 1), "unknown field 'namePrefx' in the kustomization"),
    ({"overlay/kustomization.yaml": "resources:\n  - ../base\n  - ../base/cm.yaml\n"},
     ("overlay/kustomization.yaml", 3, 5), "resources entry '../base/cm.yaml'"),
    ({"overlay/kustomization.yaml": "resources:\n  - ../base\npatches:\n"
                                    "  - target: {kind: ConfigMap, name: settings}\n"
                                    "    patch: |-\n      - op: replace\n        path: /spec/replicas\n"
                                    "        value: 2\n"},
     ("overlay/kustomization.yaml", 4, 5), "patches[0]: replace operation does not apply: doc is missing path: "
                                          "/spec/replicas"),
])
def test_render_errors_name_the_line_to_edit_and_read_the_same_on_every_run(run, tmp_path, files, where, message):
    for name, text in {**BASE, **files}.items():
        write(tmp_path / name, text)
    messages = []
    for _ in range(2):
        _, report, _ = run(".")
        [failed] = found(report, "render-failed")
        assert (failed["path"], failed["line"], failed["column"]) == where
        messages.append(failed["message"])
    assert messages[0] == messages[1]  # no timestamps, no process ids, no temporary directories
    assert messages[0].startswith(message), messages[0]
    assert "; kustomize cannot build overlay" in messages[0]
    for noise in (str(tmp_path), "lintops-kustomize-", "/tmp/", "run.go", "err=", "accumulation err"):
        assert noise not in messages[0], noise
    assert "../../../" not in messages[0]  # kustomize's ids and JSON pointers are not paths


# -- workload kinds known by default -----------------------------------------------------------------------

ROLLOUT = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: web
{annotations}spec:
  selector:
    matchLabels: {{app: web}}
  workloadRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {target}
  strategy:
    canary: {{steps: [{{setWeight: 20}}]}}
"""


def test_a_rollout_with_its_own_template_gets_the_container_rules(run, tmp_path):
    write(tmp_path / "rollout.yaml", web()
          .replace("apps/v1", "argoproj.io/v1alpha1").replace("Deployment", "Rollout"))
    _, report, _ = run(".")
    rules = {f["rule"] for f in report["findings"] if f["object"]["kind"] == "Rollout"}
    assert {"pinned-image-tag", "liveness-probe", "readiness-probe", "resource-limits", "run-as-non-root"} <= rules


def test_a_rollout_naming_a_deployment_is_checked_through_it(run, tmp_path):
    write(tmp_path / "deployment.yaml", web())
    write(tmp_path / "rollout.yaml", ROLLOUT.format(annotations="", target="web"))
    _, report, _ = run(".")
    images = found(report, "pinned-image-tag")
    assert sorted((f["path"], f["line"], f["object"]["kind"]) for f in images) == [
        ("deployment.yaml", 14, "Deployment"), ("deployment.yaml", 14, "Rollout")]
    rollout = {f["rule"] for f in report["findings"] if f["object"] and f["object"]["kind"] == "Rollout"}
    assert {"pinned-image-tag", "liveness-probe", "resource-limits"} <= rollout
    assert found(report, "workload-ref") == []


def test_exempting_the_rollout_leaves_the_deployments_share(run, tmp_path):
    write(tmp_path / "deployment.yaml", web())
    annotations = "  annotations:\n    lintops.io/ignore-pinned-image-tag: \"canary images are pinned by Argo\"\n"
    write(tmp_path / "rollout.yaml", ROLLOUT.format(annotations=annotations, target="web"))
    _, report, _ = run(".")
    verdicts = sorted((f["object"]["kind"], f["suppressed"]) for f in found(report, "pinned-image-tag"))
    assert verdicts == [("Deployment", False), ("Rollout", True)]


def test_a_rollout_naming_a_deployment_not_in_the_run_is_said(run, tmp_path):
    write(tmp_path / "rollout.yaml", ROLLOUT.format(annotations="", target="web-v2"))
    code, report, _ = run(".")
    [missing] = found(report, "workload-ref")
    assert (missing["path"], missing["line"], missing["column"], missing["severity"]) == ("rollout.yaml", 8, 3, "info")
    assert missing["message"] == ("spec.workloadRef names Deployment 'web-v2', which is not among the linted objects: "
                                  "the Rollout's pod template is not checked")
    assert code == 0


def test_a_rendered_rollout_and_its_deployment_are_one_finding(run, tmp_path):
    chart = tmp_path / "web"
    write(chart / "Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n")
    write(chart / "values.yaml", "image: nginx:latest\n")
    write(chart / "templates" / "deployment.yaml", web("{{ .Values.image }}"))
    write(chart / "templates" / "rollout.yaml", ROLLOUT.format(annotations="", target="web"))
    _, report, _ = run(".")
    [image] = found(report, "pinned-image-tag")
    assert (image["path"], image["line"]) == ("web/values.yaml", 1)
    assert sorted(obj["kind"] for obj in image["objects"]) == ["Deployment", "Rollout"]


def test_a_deploymentconfig_gets_the_container_rules(run, tmp_path):
    write(tmp_path / "dc.yaml", textwrap.dedent("""\
        apiVersion: apps.openshift.io/v1
        kind: DeploymentConfig
        metadata: {name: legacy}
        spec:
          replicas: 2
          selector: {app: legacy}
          template:
            metadata: {labels: {app: legacy}}
            spec:
              containers:
                - name: app
                  image: registry.example.com/legacy:latest
        """))
    _, report, _ = run(".")
    rules = {f["rule"] for f in report["findings"]}
    assert {"pinned-image-tag", "liveness-probe", "readiness-probe", "resource-limits"} <= rules


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")
def test_a_rollout_is_resolved_across_worker_processes(tmp_path):
    from lintops import parallel

    for number in range(parallel.MIN_FILES):
        write(tmp_path / "apps" / f"cm-{number:03}.yaml",
              f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm-{number}}}\ndata: {{a: b}}\n")
    write(tmp_path / "apps" / "zz-deployment.yaml", web())
    write(tmp_path / "apps" / "aa-rollout.yaml", ROLLOUT.format(annotations="", target="web"))
    result = run_lintops("check", "apps", "--jobs", "2", "--format", "json", cwd=tmp_path)
    report = json.loads(result.stdout)
    kinds = sorted(f["object"]["kind"] for f in found(report, "pinned-image-tag"))
    assert kinds == ["Deployment", "Rollout"], result.stderr
    assert found(report, "workload-ref") == []
