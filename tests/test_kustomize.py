"""Kustomize rendering with the real ``kubectl kustomize`` (no mocks): roots, origins, positions, failures."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

import pytest

from lintops.inputs import kustomize
from lintops.inputs.kustomize import (
    ORIGIN_ANNOTATION,
    find_roots,
    image_override,
    referenced_files,
    render_kustomization,
)
from lintops.inputs.manifests import resources_from
from lintops.inputs.tree import KUSTOMIZATION_FILES
from lintops.model import Location, Resource
from lintops.parse.stream import parse_text

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "kustomize"
SHOP = FIXTURES / "shop"
STAGING = SHOP / "overlays" / "staging"
PRODUCTION = SHOP / "overlays" / "production"
MICROSERVICES = FIXTURES / "microservices-demo" / "kustomize"

pytestmark = pytest.mark.skipif(
    not (shutil.which("kustomize") or shutil.which("kubectl")), reason="needs kustomize or kubectl on PATH"
)

CONTAINER = "/spec/template/spec/containers/0"


def display_path(path: Path, base: Path) -> str:
    """What reports show: the path relative to the top of the linted tree (no symlinks resolved)."""
    return Path(os.path.relpath(path, base)).as_posix()


def show(path: Path) -> str:
    return display_path(path, FIXTURES)


def render(root: Path, **options):
    return render_kustomization(root, display=show, **options)


def resources(result) -> list[Resource]:
    """What the engine does with a rendered source: parse its text and ask its locators."""
    found = []
    for rendered in result.sources:
        parsed = parse_text(rendered.text, rendered.source.path)
        assert not parsed.problems
        found.extend(resources_from(parsed, rendered.source, rendered.locators).resources)
    return found


def one(result, kind: str) -> Resource:
    matches = [r for r in resources(result) if r.kind == kind]
    assert len(matches) == 1, matches
    return matches[0]


def at(path: str, line: int, column: int) -> Location:
    return Location(path, line, column)


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() or path.is_symlink()
    }


def kustomization_dirs(root: Path) -> list[Path]:
    return sorted({p.parent for name in KUSTOMIZATION_FILES for p in root.rglob(name)})


# -- roots ------------------------------------------------------------------------------------------

def test_find_roots_returns_the_overlays_not_the_base():
    dirs = kustomization_dirs(SHOP)
    assert SHOP / "base" in dirs
    assert find_roots(dirs) == [PRODUCTION, STAGING]


def test_configured_roots_override_the_detection():
    assert find_roots(kustomization_dirs(SHOP), configured=[SHOP / "base"]) == [SHOP / "base"]


def test_components_and_bases_are_not_roots_in_microservices_demo():
    roots = find_roots(kustomization_dirs(MICROSERVICES))
    assert [root.relative_to(MICROSERVICES).as_posix() for root in roots] == [
        ".",
        "tests/memorystore-with-all-components",
        "tests/service-mesh-istio-with-all-components",
        "tests/spanner-with-all-components",
    ]


def test_kustomizations_that_only_refer_to_each_other_still_get_a_root(tmp_path):
    for name, other in (("a", "b"), ("b", "a")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "kustomization.yaml").write_text(f"resources:\n  - ../{other}\n")
    roots = find_roots([tmp_path / "a", tmp_path / "b"])
    assert roots == [tmp_path / "a"]
    problems = render_kustomization(roots[0], display=lambda p: display_path(p, tmp_path)).problems
    assert len(problems) == 1 and "cycle" in problems[0].message


def test_referenced_files_follow_the_bases():
    files = referenced_files(PRODUCTION)
    expected = {
        PRODUCTION / "kustomization.yaml",
        PRODUCTION / "deployment-patch.yaml",
        SHOP / "base" / "kustomization.yaml",
        SHOP / "base" / "deployment.yaml",
        SHOP / "base" / "service.yaml",
    }
    assert files == {path.resolve() for path in expected}
    assert (STAGING / "kustomization.yaml").resolve() not in files


def test_referenced_files_of_components_and_generators(tmp_path):
    (tmp_path / "component").mkdir()
    (tmp_path / "component" / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - pdb.yaml\n")
    (tmp_path / "component" / "pdb.yaml").write_text("kind: PodDisruptionBudget\n")
    (tmp_path / "overlay").mkdir()
    (tmp_path / "overlay" / "kustomization.yaml").write_text(
        "components:\n  - ../component\nconfigMapGenerator:\n  - name: settings\n    files:\n"
        "      - app.properties\n      - key=other.txt\n    envs:\n      - vars.env\n"
        "patchesStrategicMerge:\n  - patch.yaml\n  - |-\n    kind: Deployment\n")
    for name in ("app.properties", "other.txt", "vars.env", "patch.yaml"):
        (tmp_path / "overlay" / name).write_text("x=y\n")
    files = {path.relative_to(tmp_path.resolve()).as_posix() for path in referenced_files(tmp_path / "overlay")}
    assert files == {"overlay/kustomization.yaml", "overlay/app.properties", "overlay/other.txt",
                     "overlay/vars.env", "overlay/patch.yaml", "component/kustomization.yaml",
                     "component/pdb.yaml"}


# -- rendering and mapping back ---------------------------------------------------------------------

def test_production_maps_nodes_to_the_base_file():
    deployment = one(render(PRODUCTION), "Deployment")
    assert deployment.source.path == "shop/base/deployment.yaml"
    assert deployment.name == "web" and deployment.namespace == "shop-production"
    # the whole object: its first line in the base file (after the comment)
    assert deployment.location("") == at("shop/base/deployment.yaml", 2, 1)
    # a missing livenessProbe is reported at the container that lacks it, in the base file
    assert "livenessProbe" not in deployment.body["spec"]["template"]["spec"]["containers"][0]
    assert deployment.location(CONTAINER) == at("shop/base/deployment.yaml", 19, 11)
    assert deployment.location(f"{CONTAINER}/readinessProbe/httpGet/port") == at("shop/base/deployment.yaml", 26, 21)
    assert deployment.location(f"{CONTAINER}/ports/0/containerPort") == at("shop/base/deployment.yaml", 22, 30)


def test_production_maps_patched_nodes_to_the_patch():
    deployment = one(render(PRODUCTION), "Deployment")
    body = deployment.body
    assert body["spec"]["replicas"] == 3
    assert body["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.example.com/shop/web:1.4.2"
    patch = "shop/overlays/production/deployment-patch.yaml"
    assert deployment.location("/spec/replicas") == at(patch, 6, 13)
    assert deployment.location("/spec/replicas", at_key=True) == at(patch, 6, 3)
    assert deployment.location(f"{CONTAINER}/image") == at(patch, 11, 18)
    # set by the inline JSON 6902 patch in the overlay's kustomization file
    overlay = "shop/overlays/production/kustomization.yaml"
    assert deployment.location(f"{CONTAINER}/resources/limits/memory") == at(overlay, 16, 21)
    assert deployment.location(f"{CONTAINER}/resources") == at(overlay, 14, 9)
    # set by the overlay's namespace field
    assert deployment.location("/metadata/namespace") == at(overlay, 3, 12)


def test_staging_maps_renamed_objects_and_kustomization_fields():
    result = render(STAGING)
    deployment = one(result, "Deployment")
    assert deployment.name == "staging-web" and deployment.namespace == "shop-staging"
    assert deployment.location(CONTAINER) == at("shop/base/deployment.yaml", 19, 11)
    assert deployment.location("/spec/replicas") == at("shop/base/deployment.yaml", 9, 13)
    overlay = "shop/overlays/staging/kustomization.yaml"
    assert deployment.body["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":1.5.0-rc.1")
    assert deployment.location(f"{CONTAINER}/image") == at(overlay, 12, 13)
    assert deployment.location("/metadata/labels/tier") == at(overlay, 9, 13)
    service = one(result, "Service")
    assert service.name == "staging-web"
    assert service.location("/spec/ports/0/targetPort") == at("shop/base/service.yaml", 10, 19)


def test_every_location_names_the_overlay_as_related():
    deployment = one(render(PRODUCTION), "Deployment")
    located = deployment.locate("/spec/replicas")
    assert located.related == (at("shop/overlays/production/kustomization.yaml", 1, 1),)


def test_environment_is_the_overlay_directory_unless_given():
    assert {r.source.environment for r in resources(render(PRODUCTION))} == {"production"}
    assert {r.source.environment for r in resources(render(STAGING))} == {"staging"}
    assert {r.source.environment for r in resources(render(STAGING, environment="stage-eu"))} == {"stage-eu"}
    assert {r.source.origin for r in resources(render(STAGING))} == {"kustomize"}


def test_origin_annotation_is_removed_before_linting():
    result = render(PRODUCTION)
    for rendered in result.sources:
        assert ORIGIN_ANNOTATION not in rendered.text
        assert "annotations" not in rendered.text
    for resource in resources(result):
        assert "annotations" not in resource.body["metadata"]


def test_other_annotations_are_kept(tmp_path):
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - cm.yaml\ncommonAnnotations:\n  team: shop\n")
    (tmp_path / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  annotations:\n    zz: last\n    a: first\n")
    result = render_kustomization(tmp_path, display=lambda p: display_path(p, tmp_path))
    config_map = one(result, "ConfigMap")
    assert config_map.body["metadata"]["annotations"] == {"a": "first", "team": "shop", "zz": "last"}
    assert config_map.location("/metadata/annotations/zz") == at("cm.yaml", 6, 9)
    assert config_map.location("/metadata/annotations/team") == at("kustomization.yaml", 4, 9)


def test_generated_objects_point_at_their_generator(tmp_path):
    (tmp_path / "kustomization.yaml").write_text(
        "resources:\n  - cm.yaml\nconfigMapGenerator:\n  - name: settings\n    literals:\n      - LEVEL=debug\n")
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n")
    result = render_kustomization(tmp_path, display=lambda p: display_path(p, tmp_path))
    generated = [r for r in resources(result) if r.name and r.name.startswith("settings-")]
    assert len(generated) == 1
    assert generated[0].source.path == "kustomization.yaml"
    assert generated[0].location("/data/LEVEL") == at("kustomization.yaml", 4, 5)


def test_argocd_image_overrides_are_applied_in_the_wrapper():
    result = render(PRODUCTION, images=["registry.example.com/shop/web:2.0.0"])
    deployment = one(result, "Deployment")
    image = deployment.body["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "registry.example.com/shop/web:2.0.0"


@pytest.mark.parametrize(("spec", "entry"), [
    ("nginx:1.25", {"name": "nginx", "newTag": "1.25"}),
    ("registry:5000/team/app:v2", {"name": "registry:5000/team/app", "newTag": "v2"}),
    ("app=registry.example.com/app:v3", {"name": "app", "newName": "registry.example.com/app", "newTag": "v3"}),
    ("app@sha256:abc", {"name": "app", "digest": "sha256:abc"}),
    ({"name": "app", "newTag": "1"}, {"name": "app", "newTag": "1"}),
])
def test_image_override_parses_argocd_image_strings(spec, entry):
    assert image_override(spec) == entry


def test_the_symlink_wrapper_maps_the_same_way():
    by_wrapper = {}
    for symlink in (False, True):
        result = kustomize._render(PRODUCTION, display=show, environment=None, images=None, symlink=symlink)
        deployment = one(result, "Deployment")
        by_wrapper[symlink] = [deployment.location(p) for p in ("", "/spec/replicas", CONTAINER)]
    assert by_wrapper[True] == by_wrapper[False]


def test_kube_linter_kustomize_dirs_render_with_the_prefix():
    for name in ("mykustomize", "mykustomize-deprecated"):
        root = FIXTURES / "kube-linter" / "tests" / "testdata" / name
        result = render(root)
        assert result.problems == []  # the deprecation warning of `bases` is not a failure
        deployment = one(result, "Deployment")
        assert deployment.name.endswith("kustomize-test-deployment")
        path = f"kube-linter/tests/testdata/{name}/base/deployment.yaml"
        assert deployment.source.path == path
        assert deployment.location(CONTAINER + "/image") == at(path, 19, 16)
    assert one(render(FIXTURES / "kube-linter/tests/testdata/mykustomize"), "Deployment").name == \
        "kustomize-test-deployment"


def test_microservices_demo_renders_and_maps_every_image_to_its_line():
    roots = find_roots(kustomization_dirs(MICROSERVICES))
    counts = {}
    for root in roots:
        started = time.perf_counter()
        result = render(root)
        elapsed = time.perf_counter() - started
        assert result.problems == [], result.problems
        assert elapsed < 30
        found = resources(result)
        counts[root.relative_to(MICROSERVICES).as_posix()] = len(found)
        for resource in found:
            assert (FIXTURES / resource.source.path).is_file()
            spec = resource.body.get("spec", {}).get("template", {}).get("spec", {})
            for index in range(len(spec.get("containers", []))):
                location = resource.location(f"/spec/template/spec/containers/{index}/image")
                lines = (FIXTURES / location.path).read_text().splitlines()
                assert "image" in lines[location.line - 1], (resource.ref, location)
    assert counts["."] == 35
    assert all(count > 35 for name, count in counts.items() if name != ".")


# -- failures ---------------------------------------------------------------------------------------

def test_without_kustomize_and_kubectl_the_root_is_a_problem(tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = render(PRODUCTION)
    assert result.sources == []
    (problem,) = result.problems
    assert (problem.path, problem.line, problem.column) == ("shop/overlays/production/kustomization.yaml", 1, 1)
    assert "shop/overlays/production" in problem.message
    assert "kustomize" in problem.message and "kubectl" in problem.message
    assert "kustomize build shop/overlays/production | lintops check -" in problem.message
    assert problem.environment == "production"


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


BASE = {
    "base/kustomization.yaml": "resources:\n  - cm.yaml\n",
    "base/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
}


@pytest.mark.parametrize(("files", "path", "line", "column", "words"), [
    ({"overlay/kustomization.yaml": "resources:\n  - ../base\n  - missing.yaml\n"},
     "overlay/kustomization.yaml", 3, 5, ["resources entry 'missing.yaml' does not exist"]),
    ({"overlay/kustomization.yaml": "resources:\n  - ../base\n  - bad.yaml\n",
      "overlay/bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\n"
                          "kind: A\nmetadata:\n  x: y: z\n"},
     "overlay/bad.yaml", 8, 7, ["YAML syntax error in overlay/bad.yaml"]),
    ({"overlay/kustomization.yaml": "resources:\n  - ../base/cm.yaml\n"},
     "overlay/kustomization.yaml", 2, 5, ["is not in or below"]),
    ({"overlay/kustomization.yaml": "resources:\n  - ../base\npatches:\n  - path: p.yaml\n",
      "overlay/p.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nothere\ndata: {a: b}\n"},
     "overlay/kustomization.yaml", 4, 5, ["nothere"]),
    ({"overlay/kustomization.yaml": "resources:\n  - ../base\n",
      "base/kustomization.yaml": "resources:\n  - cm.yaml\nnamePrefix: [\n"},
     "base/kustomization.yaml", 4, 1, ["invalid kustomization", "in its base base"]),
])
def test_a_broken_kustomization_is_a_problem_at_its_cause(tmp_path, files, path, line, column, words):
    _tree(tmp_path, {**BASE, **files})
    result = render_kustomization(tmp_path / "overlay", display=lambda p: display_path(p, tmp_path))
    assert result.sources == []
    (problem,) = result.problems
    assert (problem.path, problem.line, problem.column) == (path, line, column), problem
    assert "; kustomize cannot build overlay" in problem.message  # the cause first
    assert all(word in problem.message for word in words), problem.message
    assert str(tmp_path) not in problem.message and "lintops-kustomize-" not in problem.message
    assert problem.environment == "overlay"


def test_a_directory_without_kustomization_is_a_problem(tmp_path):
    result = render_kustomization(tmp_path, display=lambda p: display_path(p, tmp_path.parent))
    (problem,) = result.problems
    assert "no kustomization file" in problem.message


def test_remote_bases_are_reported_not_fetched(tmp_path):
    _tree(tmp_path, {"overlay/kustomization.yaml":
                     "resources:\n  - ../base\n  - github.com/example/repo//deploy?ref=v1.0.0\n", **BASE})
    result = render_kustomization(tmp_path / "overlay", display=lambda p: display_path(p, tmp_path))
    (problem,) = result.problems
    assert (problem.path, problem.line, problem.column) == ("overlay/kustomization.yaml", 3, 5)
    assert "network" in problem.message


def test_rendering_never_writes_into_the_linted_tree():
    before = tree_digest(FIXTURES)
    for root in [*find_roots(kustomization_dirs(SHOP)), *find_roots(kustomization_dirs(MICROSERVICES))]:
        render(root)
        render(root, images=["nginx:1"])
    assert tree_digest(FIXTURES) == before


def test_paths_through_a_symlinked_repository_are_shown_as_given(tmp_path):
    link = tmp_path / "checkout"
    os.symlink(SHOP, link)
    result = render_kustomization(link / "overlays" / "production", display=lambda p: display_path(p, link))
    deployment = one(result, "Deployment")
    assert deployment.source.path == "base/deployment.yaml"
    assert deployment.location("/spec/replicas") == at("overlays/production/deployment-patch.yaml", 6, 13)
