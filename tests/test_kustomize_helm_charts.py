"""Kustomize ``helmCharts`` with a vendored chart, inflated by lintops' own Helm backend (no helm binary).

Everything is real: ``kubectl kustomize`` (kustomize v5) builds each overlay and calls back into lintops
for every ``helm template`` (lintops.inputs.kustomize.helm_charts), helm-python-sdk renders the charts in
lintops' render worker, and the command line runs as in CI. The shapes are the ones seen in public
repositories: a chart vendored under ``charts/`` next to an overlay, or in a base that overlays
patch; values given inline, in a values file and in additional values files; CRDs and test hooks.
Each test names the kustomize behaviour it relies on; where it matters, the objects are compared
with what ``kubectl kustomize`` builds from Helm's own output of the same chart.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

import builders
from builders import SIZED_SPEC, crd
from conftest import write

pytest.importorskip("helm_python", reason="helmCharts are inflated with helm-python-sdk (pip install -e '.[helm]')")
KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(not (shutil.which("kustomize") or KUBECTL), reason="needs kustomize or kubectl")

IMAGE = "/spec/template/spec/containers/0/image"
VALUES = "replicas: 1\nimage:\n  repository: registry.example/web\n  tag: '1.0'\n"
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-web
  labels:
    app: web
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          securityContext:
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
          livenessProbe:
            httpGet: {path: /healthz, port: 8080}
          readinessProbe:
            httpGet: {path: /ready, port: 8080}
          resources:
            requests: {cpu: 10m, memory: 16Mi}
            limits: {cpu: 100m, memory: 64Mi}
"""
INFO = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-info
data:
  release: {{ .Release.Name | quote }}
  namespace: {{ .Release.Namespace | quote }}
  replicas: {{ .Values.replicas | quote }}
"""


def chart(directory: Path, templates: dict[str, str] | None = None, values: str | None = VALUES) -> Path:
    """The chart these tests inflate: appVersion 1.0, VALUES, and a Deployment and a ConfigMap unless told."""
    return builders.chart(directory, templates or {"deployment.yaml": DEPLOYMENT, "info.yaml": INFO}, values=values,
                          chart_yaml="appVersion: '1.0'\n")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    """The linted repository (the working directory), rendering with helm-python-sdk only."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    write(tmp_path / ".lintops.yaml", "helm:\n  backend: sdk\n")
    return tmp_path


@pytest.fixture
def lint(cli, repo):
    """``lint(*args)``: (exit code, JSON report) of ``lintops check`` in the repository."""

    def run(*args: str) -> tuple[int, dict]:
        result = cli("check", "--format", "json", *args)
        return result.exit_code, json.loads(result.stdout)

    return run


@pytest.fixture
def rendered(cli, repo):
    """``rendered(*args)``: the objects ``lintops render`` prints, as data."""

    def run(*args: str) -> list[dict]:
        result = cli("render", *args)
        return [doc for doc in yaml.safe_load_all(result.stdout) if doc]

    return run


def found(report: dict, rule: str) -> list[dict]:
    return [f for f in report["findings"] if f["rule"] == rule]


def at(finding: dict) -> tuple[str, int, int]:
    return finding["path"], finding["line"], finding["column"]


def line_of(path: Path, text: str, column_of: str | None = None) -> tuple[int, int]:
    """1-based line (and column of ``column_of`` on it, else of ``text``) of the first line holding ``text``."""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if text in line:
            return number, line.index(column_of or text) + 1
    raise AssertionError(f"{text!r} not in {path}")


def by_name(objects: list[dict]) -> dict[tuple[str, str], dict]:
    return {(o["kind"], o["metadata"]["name"]): o for o in objects}


# -- the chart's objects go through the rest of the kustomization, as kustomize puts them -----------------


OVERLAY = """\
namePrefix: prod-
namespace: shop
commonLabels:
  team: payments
helmCharts:
  - name: web
    releaseName: shop
    valuesInline:
      image:
        tag: latest
patches:
  - path: replicas.yaml
"""
REPLICAS_PATCH = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop-web\nspec:\n  replicas: 3\n"


def _helm_output(chart_dir: Path, values: dict, release: str, namespace: str = "default") -> str:
    """What Helm itself renders for the chart (helm-python-sdk in this process), as ``helm template`` prints it."""
    import helm_python

    with helm_python.Chart.load(str(chart_dir)) as loaded:
        manifests = loaded.render(values, name=release, namespace=namespace)
    return "".join(f"---\n# Source: {key}\n{text}\n" for key, text in sorted(manifests.items()) if text.strip())


def _kustomize(directory: Path) -> list[dict]:
    command = [shutil.which("kustomize"), "build"] if shutil.which("kustomize") else [KUBECTL, "kustomize"]
    done = subprocess.run([*command, str(directory)], capture_output=True, text=True, check=True, timeout=120)
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def test_chart_objects_take_prefix_namespace_labels_and_patches_exactly_as_kustomize_gives_them(repo, lint, rendered,
                                                                                               tmp_path):
    chart(repo / "overlay" / "charts" / "web")
    write(repo / "overlay" / "kustomization.yaml", OVERLAY)
    write(repo / "overlay" / "replicas.yaml", REPLICAS_PATCH)
    objects = rendered("overlay")
    # What kustomize builds when Helm's own output of the chart (same values, same release) is a resource of
    # the same kustomization: the same objects, field for field.
    twin = tmp_path / "twin"
    values = yaml.safe_load(VALUES)
    values["image"]["tag"] = "latest"
    write(twin / "chart.yaml", _helm_output(repo / "overlay" / "charts" / "web", values, "shop"))
    write(twin / "replicas.yaml", REPLICAS_PATCH)
    write(twin / "kustomization.yaml", OVERLAY.split("helmCharts:")[0] + "resources:\n  - chart.yaml\n"
          + "patches:\n  - path: replicas.yaml\n")
    assert by_name(objects) == by_name(_kustomize(twin))
    deployment = by_name(objects)[("Deployment", "prod-shop-web")]
    assert deployment["metadata"]["namespace"] == "shop" and deployment["spec"]["replicas"] == 3
    assert deployment["metadata"]["labels"] == {"app": "web", "team": "payments"}

    code, report = lint("overlay")
    [image] = found(report, "pinned-image-tag")  # the tag comes from valuesInline: reported at that key
    assert at(image) == ("overlay/kustomization.yaml", *line_of(repo / "overlay/kustomization.yaml", "tag: latest"))
    assert [(o["kind"], o["namespace"], o["name"]) for o in image["objects"]] == [
        ("Deployment", "shop", "prod-shop-web")]
    assert {"path": "overlay/charts/web/templates/deployment.yaml", "line": 21, "column": 18} in image["related"]
    assert {f["rule"] for f in report["findings"]} == {"pinned-image-tag"}  # the chart is otherwise clean
    assert report["summary"]["objects"] == 2 and report["summary"]["rendered"] == 2 and code == 1
    # the chart is linted through the overlay only (as a base is), never alone with its defaults
    assert all(o["environment"] == "overlay" for f in report["findings"] for o in f["objects"])


def test_a_pinned_tag_in_valuesInline_passes_and_the_patch_owns_what_it_sets(repo, lint):
    chart(repo / "overlay" / "charts" / "web")
    write(repo / "overlay" / "kustomization.yaml", OVERLAY.replace("tag: latest", "tag: '2.1'")
          + "  - patch: |-\n      - op: replace\n        path: /spec/template/spec/containers/0/image\n"
            "        value: registry.example/web:latest\n    target: {kind: Deployment, name: shop-web}\n")
    write(repo / "overlay" / "replicas.yaml", REPLICAS_PATCH)
    code, report = lint("overlay")
    [image] = found(report, "pinned-image-tag")  # the patch set the floating tag: it is reported there
    assert at(image)[:2] == ("overlay/kustomization.yaml",
                             line_of(repo / "overlay/kustomization.yaml", "value: registry.example/web:latest")[0])
    write(repo / "overlay" / "kustomization.yaml", OVERLAY.replace("tag: latest", "tag: '2.1'"))
    code, report = lint("overlay")
    assert report["findings"] == [] and code == 0


# -- values: valuesFile, valuesInline and valuesMerge, additionalValuesFiles -------------------------------


@pytest.mark.parametrize(("merge", "inline", "from_file", "replicas", "where"), [
    # override (the default): inline values win over the values file
    ("override", "tag: latest", "tag: '1.4'", "5", "kustomization"),
    # merge: the values file wins; inline values only add what it lacks
    ("merge", "tag: '1.4'", "tag: latest", "5", "values"),
    # replace: the inline values alone; the values file is not read (replicas is the chart's default)
    ("replace", "tag: latest", "tag: '1.4'", "1", "kustomization"),
])
def test_values_merge_decides_which_values_render_and_findings_point_at_the_one_that_won(
        repo, lint, rendered, merge, inline, from_file, replicas, where):
    chart(repo / "app" / "charts" / "web")
    write(repo / "app" / "values-prod.yaml", f"replicas: 5\nimage:\n  {from_file}\n")
    write(repo / "app" / "kustomization.yaml", f"""\
helmCharts:
  - name: web
    releaseName: web
    valuesFile: values-prod.yaml
    valuesMerge: {merge}
    valuesInline:
      image:
        {inline}
""")
    info = by_name(rendered("app"))[("ConfigMap", "web-info")]
    assert info["data"]["replicas"] == replicas
    code, report = lint("app")
    [image] = found(report, "pinned-image-tag")
    file = "app/kustomization.yaml" if where == "kustomization" else "app/values-prod.yaml"
    assert at(image) == (file, *line_of(repo / file, "tag: latest"))
    assert code == 1


def test_additional_values_files_are_applied_after_the_others_and_findings_point_into_them(repo, lint, rendered):
    chart(repo / "app" / "charts" / "web")
    write(repo / "app" / "kustomization.yaml", """\
helmCharts:
  - name: web
    releaseName: web
    valuesInline:
      replicas: 2
      image:
        tag: '3.0'
    additionalValuesFiles:
      - env/prod.yaml
      - env/hotfix.yaml
""")
    write(repo / "app" / "env" / "prod.yaml", "replicas: 4\nimage:\n  tag: latest\n")
    write(repo / "app" / "env" / "hotfix.yaml", "replicas: 6\n")
    info = by_name(rendered("app"))[("ConfigMap", "web-info")]
    assert info["data"]["replicas"] == "6"
    code, report = lint("app")
    [image] = found(report, "pinned-image-tag")
    assert at(image) == ("app/env/prod.yaml", *line_of(repo / "app/env/prod.yaml", "tag: latest")) and code == 1
    # the values files an overlay names are the overlay's: never linted again as values-only files
    assert {f["path"] for f in report["findings"]} == {"app/env/prod.yaml"}


def test_release_name_and_namespace_as_helm_template_gets_them(repo, rendered):
    chart(repo / "app" / "charts" / "web")
    write(repo / "app" / "kustomization.yaml", "helmCharts:\n  - name: web\n")
    info = by_name(rendered("app"))[("ConfigMap", "web-info")]
    # no releaseName: kustomize passes --generate-name, Helm names it web-<unix time>; lintops keeps 'web'
    assert info["data"] == {"release": "web", "namespace": "default", "replicas": "1"}
    assert "namespace" not in info["metadata"]
    write(repo / "app" / "kustomization.yaml", "namespace: shop\nhelmCharts:\n  - name: web\n    releaseName: cart\n"
                                               "    namespace: cart-ns\n")
    info = by_name(rendered("app"))[("ConfigMap", "cart-info")]
    assert info["data"]["release"] == "cart" and info["data"]["namespace"] == "cart-ns"
    assert info["metadata"]["namespace"] == "shop"  # the kustomization's namespace: still applies


def test_api_versions_of_the_entry_are_what_the_chart_sees(repo, rendered, lint):
    widget = ('{{- if .Capabilities.APIVersions.Has "example.com/v1/Widget" }}\napiVersion: v1\nkind: ConfigMap\n'
              'metadata:\n  name: widget-settings\n{{- end }}\n')
    chart(repo / "app" / "charts" / "web", {"widget.yaml": widget, "info.yaml": INFO})
    write(repo / "app" / "kustomization.yaml", "helmCharts:\n  - name: web\n")
    assert ("ConfigMap", "widget-settings") not in by_name(rendered("app"))
    write(repo / "app" / "kustomization.yaml", "helmCharts:\n  - name: web\n    apiVersions: [example.com/v1/Widget]\n")
    assert ("ConfigMap", "widget-settings") in by_name(rendered("app"))


def test_a_chart_that_renders_nothing_is_an_empty_overlay_notice(repo, lint):
    chart(repo / "app" / "charts" / "web", {"NOTES.txt": "thanks\n", "_helpers.tpl": "{{- define \"x\" }}{{ end }}\n"})
    write(repo / "app" / "kustomization.yaml", "helmCharts:\n  - name: web\n")
    code, report = lint("app")
    [empty] = found(report, "render-empty")
    assert empty["path"] == "app/kustomization.yaml" and code == 0


def test_chart_home_from_helm_globals(repo, rendered):
    chart(repo / "app" / "vendor" / "web")
    write(repo / "app" / "kustomization.yaml", "helmGlobals:\n  chartHome: vendor\nhelmCharts:\n  - name: web\n")
    assert ("ConfigMap", "web-info") in by_name(rendered("app"))


# -- CRDs, hooks and tests ----------------------------------------------------------------------------------


CRD = crd("Widget", schema=SIZED_SPEC)
TEST_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-test
  annotations:
    "helm.sh/hook": test
spec:
  restartPolicy: Never
  containers:
    - name: check
      image: busybox:latest
"""
HOOK_JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-migrate
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""


@pytest.mark.parametrize(("flags", "kinds"), [
    ("", {"ConfigMap", "Pod", "Job"}),
    ("    includeCRDs: true\n", {"CustomResourceDefinition", "ConfigMap", "Pod", "Job"}),
    ("    skipTests: true\n", {"ConfigMap", "Job"}),
    ("    skipHooks: true\n", {"ConfigMap"}),
])
def test_include_crds_skip_tests_and_skip_hooks(repo, rendered, lint, flags, kinds):
    chart_dir = chart(repo / "app" / "charts" / "web", {"info.yaml": INFO, "test.yaml": TEST_POD, "job.yaml": HOOK_JOB})
    write(chart_dir / "crds" / "widget.yaml", CRD)
    write(repo / "app" / "kustomization.yaml", "commonLabels:\n  team: a\nhelmCharts:\n  - name: web\n" + flags)
    objects = rendered("app")
    assert {o["kind"] for o in objects} == kinds
    assert all(o["metadata"]["labels"] == {"team": "a"} for o in objects)
    _, report = lint("app")
    crds = [f for f in report["findings"] if f["path"] == "app/charts/web/crds/widget.yaml"]
    assert crds == []  # a CRD file is linted once: through the overlay when it includes it, else as a file
    tests = [f for f in found(report, "pinned-image-tag") if f["objects"][0]["kind"] == "Pod"]
    assert bool(tests) == ("Pod" in kinds)  # the test Pod's busybox:latest, only when it is rendered
    if tests:
        assert at(tests[0]) == ("app/charts/web/templates/test.yaml", 11, 14)


def test_an_included_crd_is_located_in_its_file_and_gets_the_overlay_labels(repo, lint):
    chart_dir = chart(repo / "app" / "charts" / "web", {"info.yaml": INFO})
    write(chart_dir / "crds" / "widget.yaml", CRD.replace("scope: Namespaced", "scope: Namespaced\n  bogus: 1"))
    write(repo / "app" / "kustomization.yaml", "commonLabels:\n  team: a\nhelmCharts:\n  - name: web\n"
                                               "    includeCRDs: true\n")
    _, report = lint("app")
    [schema] = [f for f in found(report, "schema") if "bogus" in f["message"]]
    assert at(schema)[:2] == ("app/charts/web/crds/widget.yaml",
                              line_of(chart_dir / "crds" / "widget.yaml", "bogus")[0])


# -- where the objects are in kustomize's order: bases, components, generators ------------------------------


def test_a_chart_in_a_base_is_patched_by_the_overlay_and_its_component_and_refers_to_generated_config(repo, rendered,
                                                                                                     lint):
    deployment = DEPLOYMENT.replace("          resources:", "          envFrom:\n            - configMapRef:\n"
                                                          "                name: settings\n          resources:")
    chart(repo / "base" / "charts" / "web", {"deployment.yaml": deployment})
    write(repo / "base" / "kustomization.yaml", """\
configMapGenerator:
  - name: settings
    literals: [mode=fast]
helmCharts:
  - name: web
    releaseName: web
components:
  - ../replicas
""")
    # kustomize v5 runs a kustomization's generators (helmCharts among them) before its components: the
    # component's patch applies to the chart's Deployment
    write(repo / "replicas" / "kustomization.yaml", """\
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
  - target: {kind: Deployment, name: web-web}
    patch: |-
      - op: replace
        path: /spec/replicas
        value: 4
""")
    write(repo / "prod" / "kustomization.yaml", """\
resources:
  - ../base
nameSuffix: -prod
images:
  - name: registry.example/web
    newTag: latest
""")
    objects = by_name(rendered("prod"))
    settings = next(name for kind, name in objects if kind == "ConfigMap")
    assert settings.startswith("settings-prod-")  # suffixed, then hashed
    web = objects[("Deployment", "web-web-prod")]
    assert web["spec"]["replicas"] == 4
    container = web["spec"]["template"]["spec"]["containers"][0]
    assert container["envFrom"] == [{"configMapRef": {"name": settings}}]  # kustomize's name reference
    assert container["image"] == "registry.example/web:latest"
    _, report = lint("prod")
    [image] = found(report, "pinned-image-tag")  # the tag comes from the overlay's images: entry
    assert at(image)[:2] == ("prod/kustomization.yaml", 6)


LIST = """\
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: {{ .Release.Name }}-a
  - apiVersion: v1
    kind: Pod
    metadata:
      name: {{ .Release.Name }}-b
    spec:
      containers:
        - name: c
          image: "busybox:{{ .Values.sidecar.tag }}"
"""


def test_the_items_of_a_list_a_chart_renders_each_point_back(repo, lint, rendered):
    chart(repo / "app" / "charts" / "web", {"list.yaml": LIST}, values="sidecar:\n  tag: latest\n")
    write(repo / "app" / "kustomization.yaml", "namePrefix: p-\nhelmCharts:\n  - name: web\n    releaseName: x\n")
    assert set(by_name(rendered("app"))) == {("ConfigMap", "p-x-a"), ("Pod", "p-x-b")}  # kustomize takes it apart
    _, report = lint("app")
    [image] = found(report, "pinned-image-tag")
    assert at(image) == ("app/charts/web/values.yaml", 2, 3) and [o["name"] for o in image["objects"]] == ["p-x-b"]
    assert {"path": "app/charts/web/templates/list.yaml", "line": 15, "column": 18} in image["related"]


def test_two_releases_of_one_chart_each_with_its_own_values(repo, lint, rendered):
    chart(repo / "app" / "charts" / "web")
    write(repo / "app" / "kustomization.yaml", """\
helmCharts:
  - name: web
    releaseName: blue
    valuesInline:
      replicas: 2
  - name: web
    releaseName: green
    valuesInline:
      replicas: 3
      image:
        tag: latest
""")
    objects = by_name(rendered("app"))
    assert objects[("Deployment", "blue-web")]["spec"]["replicas"] == 2
    assert objects[("Deployment", "green-web")]["spec"]["replicas"] == 3
    _, report = lint("app")
    [image] = found(report, "pinned-image-tag")
    assert [o["name"] for o in image["objects"]] == ["green-web"]
    assert at(image) == ("app/kustomization.yaml", 11, 9)


def test_a_document_that_cannot_carry_the_origin_points_at_its_helm_charts_entry(repo, lint):
    empty = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: '{{ .Release.Name }}-pod'\n  annotations:\nspec:\n" \
            "  containers:\n    - name: c\n      image: busybox:latest\n"
    chart(repo / "app" / "charts" / "web", {"pod.yaml": empty})
    write(repo / "app" / "kustomization.yaml", "resources: []\nhelmCharts:\n  - name: web\n    releaseName: x\n")
    _, report = lint("app")
    [image] = found(report, "pinned-image-tag")
    assert at(image) == ("app/kustomization.yaml", 3, 5)


def test_the_text_helm_rendered_reaches_kustomize_as_it_is(repo, rendered, lint):
    # YAML 1.1 reads `yes` as true, kustomize (YAML 1.2) as the string "yes": writing the document again would
    # turn a valid ConfigMap into one with a boolean value; lintops adds its origin line and nothing else
    yes = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\n  labels: {a: b}\ndata:\n  enabled: yes\n"
    chart(repo / "app" / "charts" / "web", {"flags.yaml": yes})
    write(repo / "app" / "kustomization.yaml", "helmCharts:\n  - name: web\n")
    [flags] = rendered("app")
    assert flags["data"] == {"enabled": "yes"} and flags["metadata"] == {"name": "flags", "labels": {"a": "b"}}
    code, report = lint("app")
    assert report["findings"] == [] and code == 0


@pytest.mark.parametrize(("text", "expected"), [
    ("kind: A\nmetadata:\n  name: a\n", "kind: A\nmetadata:\n  annotations:\n    ORIGIN\n  name: a\n"),
    ("kind: A\nmetadata:\n  # the name\n    # more\n  name: a\n  annotations:\n    x: y\n",
     "kind: A\nmetadata:\n  # the name\n    # more\n  name: a\n  annotations:\n    ORIGIN\n    x: y\n"),
    ("kind: A\nmetadata:\n    annotations:\n        config.kubernetes.io/origin: |\n          path: /etc/x\n"
     "        b: c\n", "kind: A\nmetadata:\n    annotations:\n        config.kubernetes.io/origin: \"path: /m/1\"\n"
     "        b: c\n"),
    ("kind: A\nmetadata: {name: a}\n", "kind: A\nmetadata: {annotations: {ORIGIN}, name: a}\n"),
    ("kind: A\nmetadata:\n  name: a\n  annotations: {x: y}\n",
     "kind: A\nmetadata:\n  name: a\n  annotations: {ORIGIN, x: y}\n"),
    ("kind: A\nmetadata:\n  annotations:\n    {}\n  name: a\n",
     "kind: A\nmetadata:\n  annotations:\n    {ORIGIN}\n  name: a\n"),
    ("kind: A\nmetadata:\n  annotations: ~\n", "kind: A\nmetadata:\n  annotations: {ORIGIN}\n"),
    ("kind: A\nmetadata:\n  annotations: {config.kubernetes.io/origin: 'path: /etc/x'}\n",
     'kind: A\nmetadata:\n  annotations: {config.kubernetes.io/origin: "path: /m/1"}\n'),
    ("kind: A\nmetadata:\n  annotations:\n  name: a\n", None),  # an empty value: nowhere to write
    ("kind: A\nmetadata: x\n", None),
    ("- a\n", None),
])
def test_the_origin_line_written_into_a_document(text, expected):
    from lintops.inputs.kustomize.helm_documents import documents_of, with_origin

    [(piece, root, width)] = documents_of(text)
    result = with_origin(piece, root, Path("/m/1"))
    origin = 'config.kubernetes.io/origin: "path: /m/1"'
    assert result == (text if expected is None else expected.replace("ORIGIN", origin)) and width == 1
    if expected is not None:
        data = yaml.safe_load(result)
        assert data["metadata"]["annotations"]["config.kubernetes.io/origin"] == "path: /m/1"


# -- target versions ----------------------------------------------------------------------------------------

PDB = """\
{{- if semverCompare ">=1.21-0" .Capabilities.KubeVersion.Version }}
apiVersion: policy/v1
{{- else }}
apiVersion: policy/v1beta1
{{- end }}
kind: PodDisruptionBudget
metadata:
  name: {{ .Release.Name }}-pdb
spec:
  minAvailable: 1
  selector:
    matchLabels: {app: web}
"""


def test_a_chart_renders_for_each_target_and_an_overlay_is_built_per_target_only_where_it_differs(repo, cli, lint):
    chart(repo / "app" / "charts" / "web", {"pdb.yaml": PDB, "info.yaml": INFO})
    write(repo / "app" / "kustomization.yaml", "helmCharts:\n  - name: web\n    releaseName: web\n")
    output = cli("render", "-k", "1.18", "-k", "1.25", "app").stdout
    headers = [line for line in output.splitlines() if line.startswith("# Source:")]
    assert headers == [
        "# Source: app/charts/web/templates/info.yaml (environment: app)",  # alike for both: linted against each
        "# Source: app/charts/web/templates/pdb.yaml (environment: app, Kubernetes 1.18)",
        "# Source: app/charts/web/templates/pdb.yaml (environment: app, Kubernetes 1.25)",
    ]
    assert [d["apiVersion"] for d in yaml.safe_load_all(output) if d and d["kind"] == "PodDisruptionBudget"] == [
        "policy/v1beta1", "policy/v1"]
    code, report = lint("-k", "1.18", "-k", "1.25", "app")
    assert not [f for f in report["findings"] if f["rule"].startswith("api-")] and code == 0
    assert report["summary"]["objects"] == 3


def test_kube_version_of_the_entry_is_what_the_chart_renders_for(repo, lint):
    chart(repo / "app" / "charts" / "web", {"pdb.yaml": PDB})
    write(repo / "app" / "kustomization.yaml", "helmCharts:\n  - name: web\n    releaseName: web\n"
                                               "    kubeVersion: v1.25.3\n")
    code, report = lint("-k", "1.18", "app")  # rendered for 1.25 (policy/v1), deployed to 1.18: not served there
    [unavailable] = found(report, "api-unavailable")
    assert at(unavailable)[0] == "app/charts/web/templates/pdb.yaml" and code == 1


# -- what kustomize could not inflate offline is a finding at the entry, and the rest is still linted -----

PLAIN = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: side\nspec:\n  containers:\n    - name: c\n" \
        "      image: busybox:latest\n"


class Recorder:
    """A loopback HTTP server that records every connection (a chart repository lintops must never reach)."""

    def __init__(self) -> None:
        self.connections = 0
        recorder = self

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def verify_request(self, request, client_address) -> bool:
                recorder.connections += 1
                return True

        self.server = Server(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/charts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def chart_repository() -> Iterator[Recorder]:
    recorder = Recorder()
    yield recorder
    recorder.close()


def test_a_chart_to_pull_from_a_repo_is_render_failed_at_the_entry_and_nothing_is_downloaded(repo, lint,
                                                                                           chart_repository):
    write(repo / "app" / "kustomization.yaml", f"resources:\n  - pod.yaml\nhelmCharts:\n  - name: redis\n"
                                               f"    version: 17.3.7\n    repo: {chart_repository.url}\n")
    write(repo / "app" / "pod.yaml", PLAIN)
    code, report = lint("app")
    [failed] = found(report, "render-failed")
    assert at(failed) == ("app/kustomization.yaml", 6, 11)
    assert failed["message"].startswith(f"helmCharts[0].repo '{chart_repository.url}' is a Helm chart repository, "
                                        f"and the chart is not vendored at charts/redis-17.3.7/redis")
    [side] = found(report, "pinned-image-tag")  # the overlay's own file is still linted, on its own
    assert side["path"] == "app/pod.yaml" and side["linted_alone"] == ["app"]
    assert chart_repository.connections == 0 and code == 1
    # vendored where `helm pull --untar` puts it: kustomize uses it as found and pulls nothing
    chart(repo / "app" / "charts" / "redis-17.3.7" / "redis")
    code, report = lint("app")
    assert found(report, "render-failed") == []
    assert {o["name"] for f in found(report, "pinned-image-tag") for o in f["objects"]} == {"side"}
    assert report["summary"]["rendered"] == 3 and chart_repository.connections == 0


@pytest.mark.parametrize(("kustomization", "where", "message"), [
    ("helmCharts:\n  - name: redis\n    releaseName: cache\n", (4, 5),
     "helmCharts[0] 'redis': there is no chart at app/charts/redis and no `repo` to pull it from"),
    ("helmCharts:\n  - name: web\n    valuesFile: nowhere.yaml\n", (5, 17),
     "helmCharts[0] 'web': valuesFile 'nowhere.yaml' does not exist (app/nowhere.yaml)"),
    ("helmCharts:\n  - name: web\n    additionalValuesFiles: [a.yaml]\n", (5, 29),
     "helmCharts[0] 'web': additionalValuesFiles entry 'a.yaml' does not exist"),
    ("helmCharts:\n  - name: web\n    valuesMerge: deep\n", (5, 18),
     "helmCharts[0] 'web': valuesMerge 'deep' is not one of override, merge, replace"),
    ("helmCharts:\n  - name: ../../elsewhere\n", (4, 11), "helmCharts[0] '../../elsewhere': '../../elsewhere' is not a "
                                                           "chart name"),
    ("helmCharts:\n  - releaseName: x\n", (4, 5), "helmCharts[0] names no chart (`name:`)"),
])
def test_an_entry_kustomize_cannot_inflate_is_render_failed_at_its_line(repo, lint, kustomization, where, message):
    chart(repo / "app" / "charts" / "web")
    builders.kustomization(repo / "app", ["pod.yaml"], kustomization)
    write(repo / "app" / "pod.yaml", PLAIN)
    code, report = lint("app")
    [failed] = found(report, "render-failed")
    assert at(failed) == ("app/kustomization.yaml", *where)
    assert failed["message"].startswith(message), failed["message"]
    assert "; kustomize cannot build app; linted on their own instead: app/pod.yaml" in failed["message"]
    assert [f["path"] for f in found(report, "pinned-image-tag")] == ["app/pod.yaml"] and code == 1


def test_a_chart_without_values_yaml_needs_one_unless_inline_values_replace_it(repo, rendered, lint):
    chart(repo / "app" / "charts" / "web", {"info.yaml": INFO}, values=None)
    write(repo / "app" / "kustomization.yaml", "helmCharts:\n  - name: web\n    valuesInline: {replicas: 2}\n")
    _, report = lint("app")
    [failed] = found(report, "render-failed")
    assert failed["message"].startswith("helmCharts[0] 'web': the chart has no values.yaml, which kustomize reads")
    write(repo / "app" / "kustomization.yaml", "helmCharts:\n  - name: web\n    valuesInline: {replicas: 2}\n"
                                               "    valuesMerge: replace\n")
    assert by_name(rendered("app"))[("ConfigMap", "web-info")]["data"]["replicas"] == "2"


SECRET = "MARKER-OUTSIDE-9c1d"


def test_values_files_and_charts_outside_the_tree_are_refused_and_never_read(repo, lint, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    write(outside / "values.yaml", f"image:\n  tag: {SECRET}\n")
    chart(outside / "web")
    chart(repo / "app" / "charts" / "web")
    (repo / "app" / "leak.yaml").symlink_to(outside / "values.yaml")
    write(repo / "app" / "kustomization.yaml", "helmCharts:\n  - name: web\n    valuesFile: leak.yaml\n")
    code, report = lint("app")
    [unsafe] = [f for f in report["findings"] if f["path"] == "app/kustomization.yaml"]
    assert unsafe["rule"] == "render-failed" and (unsafe["line"], unsafe["column"]) == (3, 17)
    assert "kustomize would read it, so the overlay is not rendered" in unsafe["message"]
    assert SECRET not in json.dumps(report) and code == 1
    # the chart home a link out of the tree
    (repo / "other").mkdir()
    (repo / "other" / "charts").symlink_to(outside)
    write(repo / "other" / "kustomization.yaml", "helmCharts:\n  - name: web\n")
    _, report = lint("other")
    [failed] = found(report, "render-failed")
    assert at(failed) == ("other/kustomization.yaml", 2, 5)
    assert "the chart directory other/charts/web is a symbolic link that leads outside the linted root" in \
        failed["message"]
    assert SECRET not in json.dumps(report)


def test_a_link_out_of_the_tree_inside_a_vendored_chart_is_refused_before_helm_loads_it(repo, lint, tmp_path_factory):
    outside = write(tmp_path_factory.mktemp("outside") / "leak.yaml", f"apiVersion: v1\nkind: ConfigMap\n"
                                                                      f"metadata:\n  name: {SECRET}\n")
    chart_dir = chart(repo / "app" / "charts" / "web")
    (chart_dir / "templates" / "leak.yaml").symlink_to(outside)
    write(repo / "app" / "kustomization.yaml", "resources:\n  - pod.yaml\nhelmCharts:\n  - name: web\n")
    write(repo / "app" / "pod.yaml", PLAIN)
    code, report = lint("app")
    [failed] = found(report, "render-failed")
    assert at(failed) == ("app/charts/web/templates/leak.yaml", 1, 1)
    assert "Helm would load it, so the chart is not rendered" in failed["message"]
    assert SECRET not in json.dumps(report)
    assert [f["path"] for f in found(report, "pinned-image-tag")] == ["app/pod.yaml"] and code == 1


def test_an_origin_a_template_writes_itself_is_never_taken(repo, lint, tmp_path_factory):
    outside = write(tmp_path_factory.mktemp("outside") / "notes.yaml", "a: 1\n" * 40)
    block = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: block\n  annotations:\n"
             f"    config.kubernetes.io/origin: |\n      path: {outside}\n"
             "spec:\n  containers:\n    - name: c\n      image: busybox:latest\n")
    flow = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: flow\n"
            f"  annotations: {{config.kubernetes.io/origin: 'path: {outside}'}}\n"
            "spec:\n  containers:\n    - name: c\n      image: busybox:latest\n")
    chart(repo / "app" / "charts" / "web", {"block.yaml": block, "flow.yaml": flow})
    write(repo / "app" / "kustomization.yaml", "helmCharts:\n  - name: web\n")
    _, report = lint("app")
    places = {f["objects"][0]["name"]: at(f) for f in found(report, "pinned-image-tag")}
    # lintops' own origin replaced the template's, in either style
    assert places == {"block": ("app/charts/web/templates/block.yaml", 11, 14),
                      "flow": ("app/charts/web/templates/flow.yaml", 9, 14)}
    assert str(outside) not in json.dumps(report)


def test_an_origin_outside_the_tree_is_never_taken_for_a_file_to_read(tmp_path):
    from lintops.inputs.kustomize.objects import read_object
    from lintops.parse.stream import parse_text

    outside = write(tmp_path / "outside.yaml", "kind: Pod\n")
    text = f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    config.kubernetes.io/origin: |\n" \
           f"      path: {outside}\n"
    [document] = parse_text(text, "<kustomize build>").documents
    lines = text.splitlines(keepends=True)
    assert read_object(document, lines, tmp_path, {}).origin == outside
    obj = read_object(document, lines, tmp_path, {}, allowed=lambda path: False)
    assert obj.origin is None and "origin" not in obj.text and "annotations" not in obj.data["metadata"]


def test_a_template_error_is_render_failed_at_the_template_and_the_overlay_files_are_linted_alone(repo, lint):
    broken = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ required \"set a\" .Values.a }}\n"
    chart(repo / "app" / "charts" / "web", {"cm.yaml": broken})
    write(repo / "app" / "kustomization.yaml", "resources:\n  - pod.yaml\nhelmCharts:\n  - name: web\n")
    write(repo / "app" / "pod.yaml", PLAIN)
    code, report = lint("app")
    [failed] = found(report, "render-failed")
    assert at(failed)[:2] == ("app/charts/web/templates/cm.yaml", 6)
    assert "set a" in failed["message"] and "linted on their own instead: app/pod.yaml" in failed["message"]
    assert "kustomize-helm-" not in failed["message"] and "/tmp/" not in failed["message"]
    assert [f["path"] for f in found(report, "pinned-image-tag")] == ["app/pod.yaml"] and code == 1


def test_no_helm_binary_is_ever_run(repo, lint, monkeypatch):
    log = repo.parent / "helm-invocations.log"
    bin_dir = repo.parent / "bin"
    write(bin_dir / "helm", f"#!/bin/sh\necho \"$@\" >> '{log}'\nexit 1\n").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    chart(repo / "app" / "charts" / "web")
    write(repo / "app" / "kustomization.yaml", "helmCharts:\n  - name: web\n")
    code, report = lint("app")
    assert report["findings"] == [] and report["summary"]["rendered"] == 2 and code == 0
    assert not log.exists()


def test_a_changed_chart_file_renders_again_the_overlays_that_inflate_it(repo, lint):
    # pre-commit passes the files a commit changes: a template of a chart a base inflates brings the overlay
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    chart(repo / "base" / "charts" / "web")
    write(repo / "base" / "kustomization.yaml", "helmCharts:\n  - name: web\n    releaseName: web\n")
    write(repo / "prod" / "kustomization.yaml", "resources:\n  - ../base\nimages:\n  - name: registry.example/web\n"
                                                "    newTag: latest\n")
    code, report = lint("base/charts/web/templates/deployment.yaml")
    [image] = found(report, "pinned-image-tag")
    assert at(image)[:2] == ("prod/kustomization.yaml", 5)
    assert {o["environment"] for f in report["findings"] for o in f["objects"]} == {"prod"}
    assert code == 1


# -- render and check agree; the one-file cold start does not load the Helm path -----------------------------


def test_render_and_check_agree_on_the_objects(repo, cli, lint):
    chart(repo / "app" / "charts" / "web")
    write(repo / "app" / "kustomization.yaml", "resources:\n  - pod.yaml\nhelmCharts:\n  - name: web\n"
                                               "  - name: web\n    releaseName: second\n")
    write(repo / "app" / "pod.yaml", PLAIN)
    output = cli("render", "app").stdout
    _, report = lint("app")
    assert len([d for d in yaml.safe_load_all(output) if d]) == report["summary"]["objects"] == 5


LOADED = """\
import sys
from lintops.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("LOADED", sorted(m for m in sys.modules if m.startswith(("lintops.inputs.helm", "helm_python"))
                       or m == "lintops.inputs.kustomize.helm_charts"), file=sys.stderr)
"""


def test_the_helm_path_loads_only_for_an_overlay_with_helm_charts(tmp_path_factory):
    repo = tmp_path_factory.mktemp("cold")  # no configuration: one with a helm: section loads its schema
    write(repo / "pod.yaml", PLAIN)
    builders.kustomization(repo / "plain", ["../pod.yaml"])
    chart(repo / "charted" / "charts" / "web")
    write(repo / "charted" / "kustomization.yaml", "helmCharts:\n  - name: web\n")

    def loaded(*args: str) -> str:
        done = subprocess.run([sys.executable, "-c", LOADED, "check", *args], cwd=repo, capture_output=True, text=True,
                              timeout=120)
        return done.stderr.strip().splitlines()[-1]

    assert loaded("pod.yaml") == "LOADED []"
    assert loaded("plain") == "LOADED []"
    assert "lintops.inputs.kustomize.helm_charts" in loaded("charted")


def test_a_valuesInline_secret_that_a_failing_template_quotes_never_reaches_any_output(repo, cli):
    """Helm's ``fail`` quotes what the template hands it; a value set in ``valuesInline`` is masked in the
    render-failed finding (the kustomization's own values, like a values file's, are secrets to the run)."""
    secret = "s3cr3t-from-valuesInline"
    chart(repo / "overlay" / "charts" / "web",
          templates={"fail.yaml": '{{ fail (printf "cannot connect with password %s" .Values.password) }}\n'})
    write(repo / "overlay" / "kustomization.yaml",
          f"helmCharts:\n  - name: web\n    releaseName: shop\n    valuesInline:\n      password: {secret}\n")
    outputs = []
    for form in ("json", "text", "sarif", "github"):
        result = cli("check", "--format", form, "overlay")
        assert result.exit_code == 1, result.stdout
        outputs.append(result.stdout + (result.stderr or ""))
    rendered = cli("render", "overlay")
    outputs.append(rendered.stdout + (rendered.stderr or ""))
    assert "cannot connect with password" in outputs[0]  # the finding is there, with Helm's words
    assert all(secret not in text for text in outputs)
