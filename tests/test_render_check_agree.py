"""``lintops render`` and ``lintops check`` agree on the objects of every chart and Kustomize root.

``render`` prints what ``check`` lints. So for every input, the objects ``render`` prints (its documents
that are Kubernetes objects, each once whatever versions its header names) are as many as ``check``
counts as rendered (``summary.rendered``), both run through the real command line. The inputs: every
chart and Kustomize root of ``examples/`` (found as lintops finds them, so a new example is covered
without touching this file), the real-shaped fixtures (charts and overlays copied from public
repositories, see their SOURCES.md), and shapes that once made the two disagree: a ``kind: List``
(prometheus-community's alertmanager renders one per replica), documents that are no object, and an
overlay that does not render.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, REPO, run_lintops, write
from lintops.inputs.discover import ChartInput, KustomizeInput, discover
from lintops.inputs.helm.backends import available_backend

needs_helm = pytest.mark.skipif(available_backend() is None, reason="needs helm-python-sdk or the helm binary")
needs_kustomize = pytest.mark.skipif(not (shutil.which("kustomize") or shutil.which("kubectl")),
                                     reason="needs kustomize or kubectl")

_HEADER = re.compile(r"^---\n# Source: (?P<path>.*) \(environment: (?P<env>[^,()]*)(?:, Kubernetes [^()]*)?\)$",
                     re.MULTILINE)


def rendered_objects(stdout: str) -> list[tuple[str, str, str]]:
    """(environment, kind, name) of each document of ``lintops render`` that is a Kubernetes object."""
    headers = list(_HEADER.finditer(stdout))
    ends = [header.start() for header in headers[1:]] + [len(stdout)] * bool(headers)
    objects = []
    for header, end in zip(headers, ends, strict=True):
        try:
            body = yaml.safe_load(stdout[header.end():end])
        except yaml.YAMLError:  # check reports it (yaml-syntax): no object
            continue
        if isinstance(body, dict) and isinstance(body.get("apiVersion"), str) and isinstance(body.get("kind"), str):
            name = (body.get("metadata") or {}).get("name") if isinstance(body.get("metadata"), dict) else None
            objects.append((header["env"], body["kind"], str(name)))
    return objects


def render_and_check(path: str, *args: str, cwd: Path = REPO) -> tuple[list[tuple[str, str, str]], dict, str]:
    """The objects ``lintops render`` prints, ``lintops check``'s JSON report, and render's standard error."""
    shown = run_lintops("render", *args, path, cwd=cwd)
    assert shown.returncode in (0, 1), shown.stderr
    checked = run_lintops("check", "-q", "--format", "json", *args, path, cwd=cwd)
    assert checked.returncode in (0, 1), checked.stderr
    return rendered_objects(shown.stdout), json.loads(checked.stdout), shown.stderr


def _example_roots() -> list[str]:
    found = [item.display for item in discover([str(REPO / "examples")], base=REPO)
             if isinstance(item, (ChartInput, KustomizeInput))]
    assert found, "examples/ has charts and overlays"
    return [*found, "examples"]


@needs_helm
@needs_kustomize
@pytest.mark.parametrize("path", _example_roots())
def test_every_input_of_the_examples(path):
    objects, report, _ = render_and_check(path)
    assert objects
    assert len(objects) == report["summary"]["rendered"]


FIXTURE_ROOTS = [
    # copied from public repositories (tests/fixtures/*/SOURCES.md)
    ("helm/microservices-demo", ()),  # licence headers render as comment-only documents; a NOTES.txt
    ("helm/sealed-secrets", ()),  # crds/ beside the templates: linted as a plain file, not rendered
    ("helm/alertmanager", ("-k", "1.25")),  # kubeVersion >=1.25
    ("helm/mychart", ()),  # a test hook; a dependency not vendored
    ("kustomize/microservices-demo/kustomize", ()),  # components, and tests/ overlays of all of them
    ("kustomize/kube-linter/tests/testdata", ()),
    ("corpus/microservices-demo/kubernetes-manifests", ()),  # a manifest the kustomization does not list
    # written for lintops
    ("helm/tempo-like", ()),
    ("helm/shop", ()),
    ("helm/checked", ()),
    ("kustomize/shop", ()),
]


@needs_helm
@needs_kustomize
@pytest.mark.parametrize(("path", "args"), FIXTURE_ROOTS, ids=[path for path, _ in FIXTURE_ROOTS])
def test_every_fixture_root(path, args):
    objects, report, _ = render_and_check(f"tests/fixtures/{path}", *args)
    assert objects
    assert len(objects) == report["summary"]["rendered"]


@needs_kustomize
def test_an_overlay_listing_a_file_it_does_not_render_counts_that_file_as_plain():
    """microservices-demo's kubernetes-manifests lists ten of its eleven manifests: loadgenerator.yaml is
    no part of the overlay, so it is a plain file (2 objects), not rendered."""
    objects, report, _ = render_and_check("tests/fixtures/corpus/microservices-demo/kubernetes-manifests")
    summary = report["summary"]
    assert (len(objects), summary["rendered"], summary["objects"] - summary["rendered"]) == (33, 33, 2)
    assert not [o for o in objects if o[2] == "loadgenerator"]


@needs_helm
def test_a_list_renders_as_its_items(tmp_path):
    """alertmanager's servicePerReplica and ingressPerReplica render one ``kind: List`` each; Helm's install
    applies their items one by one, check lints them one by one, and render prints one document per item."""
    shutil.copytree(FIXTURES / "helm" / "alertmanager", tmp_path / "alertmanager")
    write(tmp_path / "alertmanager" / "values-replicas.yaml",
          "replicaCount: 3\nservicePerReplica:\n  enabled: true\ningressPerReplica:\n  enabled: true\n"
          "  hostDomain: example.com\n")
    objects, report, _ = render_and_check("alertmanager", "-k", "1.25", cwd=tmp_path)
    services = sorted(name for _, kind, name in objects if kind == "Service")
    ingresses = sorted(name for _, kind, name in objects if kind == "Ingress")
    assert tuple(n for n in services if n[-1].isdigit()) == ("alertmanager-0", "alertmanager-1", "alertmanager-2")
    assert ingresses == ["alertmanager-0", "alertmanager-1", "alertmanager-2"]
    assert not [o for o in objects if o[1] == "List"]
    assert len(objects) == report["summary"]["rendered"]
    shown = run_lintops("render", "-k", "1.25", "alertmanager", cwd=tmp_path).stdout
    assert "# item 2 of 3 of the List alertmanager-serviceperreplica\napiVersion: v1\nkind: Service\n" in shown


ODD_CHART = {
    "Chart.yaml": "apiVersion: v2\nname: odd\nversion: 0.1.0\n",
    "templates/objects.yaml": "foo: bar\n---\njust a scalar\n---\n# a comment only\n---\n"
                              "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n",
    "templates/empty-list.yaml": "apiVersion: v1\nkind: List\nitems: []\n",
}


@needs_helm
def test_documents_that_are_no_object_are_shown_and_reported(tmp_path):
    """A template that renders a mapping without apiVersion and kind, or a scalar, sends Helm's install a
    document it refuses: render shows it, check reports it (it was skipped without a word) and counts no
    object for it; an empty List holds nothing to apply."""
    for name, text in ODD_CHART.items():
        write(tmp_path / "odd" / name, text)
    objects, report, _ = render_and_check("odd", cwd=tmp_path)
    assert objects == [("default", "ConfigMap", "fine")] and report["summary"]["rendered"] == 1
    shown = run_lintops("render", "odd", cwd=tmp_path).stdout
    assert "\nfoo: bar\n" in shown and "\njust a scalar\n" in shown and "kind: List" not in shown
    found = sorted((f["path"], f["rule"], f["message"]) for f in report["findings"] if f["rule"] == "schema")
    message = "rendered document is not a Kubernetes object (a mapping with 'apiVersion' and 'kind'): applying it fails"
    assert found == [("odd/templates/objects.yaml", "schema", f"{message} (at {line}:1 of the rendered output; "
                      "`lintops render` shows it)") for line in (1, 3)]


@needs_kustomize
def test_an_overlay_that_does_not_render(tmp_path):
    """Nothing rendered, its local file linted alone: render prints no object, check counts none rendered."""
    write(tmp_path / "overlay" / "kustomization.yaml",
          "resources:\n  - github.com/example/repo//deploy?ref=v1\n  - local.yaml\n")
    write(tmp_path / "overlay" / "local.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local\n")
    objects, report, stderr = render_and_check("overlay", cwd=tmp_path)
    assert objects == [] and "overlay/kustomization.yaml:2:5: error:" in stderr
    summary = report["summary"]
    assert (summary["rendered"], summary["linted_alone"], summary["not_linted"]) == (0, 1, 1)


@needs_helm
@needs_kustomize
def test_the_corpus_script_finds_no_difference_in_the_examples():
    """scripts/corpus_objects.py (docs/corpus-objects.md) sets each root of examples/ beside helm template
    and kubectl kustomize: the same objects, by name, and render and check agree."""
    done = run_lintops_script("scripts/corpus_objects.py", "examples", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert {row["root"].removeprefix("examples/") for row in rows} >= {"charts/worker", "kustomize/overlays/production"}
    assert all(row["agree"] and not row["difference"] and not row["reference_errors"] for row in rows), rows


def run_lintops_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=300)


@needs_helm
def test_a_chart_rendered_without_a_missing_dependency_counts_it_as_not_linted(cli, monkeypatch):
    """The shop chart renders without its dependency postgresql, which is not vendored: its own two objects
    are linted and counted, and the dependency its renderer lists as not rendered is an input not linted
    (the summary said 0: a root that rendered anything hid what it could not render)."""
    from lintops.inputs import render
    from lintops.inputs.rendered import NotLinted

    real = render.render_input

    def rendered_without_its_dependency(item, options, crds=()):
        result = real(item, options, crds)
        for root in result.roots:  # what the Helm renderer declares of a dependency it rendered without
            if not any(entry.root == root.name for entry in result.not_linted):
                result.not_linted.append(NotLinted(root.name, "dependency 'postgresql' (not vendored)"))
        return result

    monkeypatch.setattr(render, "render_input", rendered_without_its_dependency)
    monkeypatch.chdir(REPO)
    summary = json.loads(cli("check", "-q", "--format", "json", "tests/fixtures/helm/shop").stdout)["summary"]
    assert (summary["rendered"], summary["not_linted"]) == (2, 1)
