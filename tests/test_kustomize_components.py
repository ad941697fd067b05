"""Kustomize Components no overlay uses: their objects linted, their patches never linted as objects.

The shape is GoogleCloudPlatform/microservices-demo's ``kustomize/`` (tests/fixtures/kustomize, copied byte
for byte, Apache-2.0, see its SOURCES.md): thirteen Components, an overlay that lists them all commented
out and three test overlays that use six of them. ``without-loadgenerator``'s
``delete-loadgenerator.patch.yaml`` is a strategic-merge patch (``$patch: delete``); linted as a plain
file it was a false ``schema`` error ("unknown field '$patch'"). ``shopping-assistant`` lists a
Deployment, a Service and a ServiceAccount, and a patch of the overlay's frontend. What kustomize does
with a Component on its own is asked of the real ``kubectl kustomize`` (or ``kustomize``) here, and every
run goes through the real command line; nothing is mocked.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, REPO, run_lintops, write

pytestmark = pytest.mark.skipif(not (shutil.which("kustomize") or shutil.which("kubectl")),
                                reason="needs kustomize or kubectl on PATH")

DEMO = FIXTURES / "kustomize" / "microservices-demo" / "kustomize"
SHOWN = DEMO.relative_to(REPO).as_posix()  # how reports name the fixture, from the repository root


def kustomize_build(directory: Path) -> subprocess.CompletedProcess[str]:
    """What kustomize itself gives for ``directory``: the reference every expectation here is checked against."""
    command = [shutil.which("kustomize"), "build"] if shutil.which("kustomize") else [shutil.which("kubectl"),
                                                                                     "kustomize"]
    return subprocess.run([*command, str(directory)], capture_output=True, text=True, timeout=120, check=False)


def objects_of(text: str) -> list[tuple[str, str]]:
    return [(doc["kind"], doc["metadata"]["name"]) for doc in yaml.safe_load_all(text) if doc]


def check(*args: str, cwd: Path) -> dict:
    done = run_lintops("check", "-q", "--format", "json", *args, cwd=cwd)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def found(report: dict, rule: str | None = None, path: str | None = None) -> list[dict]:
    return [f for f in report["findings"]
            if (rule is None or f["rule"] == rule) and (path is None or f["path"] == path)]


def kustomization(directory: Path) -> dict:
    return yaml.safe_load((directory / "kustomization.yaml").read_text())


# -- microservices-demo's kustomize/ ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo() -> dict:
    return check(SHOWN, cwd=REPO)


def demo_unused() -> list[str]:
    """The Components of the fixture that none of its overlays lists (read from the overlays themselves)."""
    overlays = [DEMO, *sorted(p.parent for p in (DEMO / "tests").glob("*/kustomization.yaml"))]
    used = {(overlay / entry).resolve() for overlay in overlays
            for entry in kustomization(overlay).get("components") or ()}
    return sorted(p.parent.name for p in (DEMO / "components").glob("*/kustomization.yaml")
                  if p.parent.resolve() not in used)


def test_kustomize_itself_cannot_build_the_patching_components_on_their_own():
    """The facts the design rests on: kustomize builds a Component as the root of a build, over no objects, so
    one of resources alone builds and one whose patches are for an overlay's objects fails."""
    built = kustomize_build(DEMO / "components" / "network-policies")
    assert built.returncode == 0 and len(objects_of(built.stdout)) == 13
    for name in ("without-loadgenerator", "shopping-assistant"):
        failed = kustomize_build(DEMO / "components" / name)
        assert failed.returncode != 0 and "no resource matches strategic merge patch" in failed.stderr


def test_a_delete_patch_of_an_unused_component_is_not_linted_as_a_deployment(demo):
    patch = f"{SHOWN}/components/without-loadgenerator/delete-loadgenerator.patch.yaml"
    assert found(demo, path=patch) == []  # no "unknown field '$patch'", nothing at all
    [notice] = found(demo, "kustomize-unused", f"{SHOWN}/components/without-loadgenerator/kustomization.yaml")
    assert notice["severity"] == "info" and (notice["line"], notice["column"]) == (17, 1)  # its patches:
    assert notice["message"].endswith("not linted: patches[0] 'delete-loadgenerator.patch.yaml' (a patch: only the "
                                      "build applies it)")
    assert "no overlay of this run uses" in notice["message"]


def test_the_resources_of_an_unused_component_are_linted_alone_and_say_so(demo):
    service = f"{SHOWN}/components/shopping-assistant/shoppingassistantservice.yaml"
    [image] = found(demo, "pinned-image-tag", service)
    assert (image["line"], image["column"]) == (46, 16)
    assert "pulls 'latest'" in image["message"] and image["object"]["name"] == "shoppingassistantservice"
    assert image["linted_alone"] == [f"{SHOWN}/components/shopping-assistant"]
    assert all(f["linted_alone"] == [f"{SHOWN}/components/shopping-assistant"] for f in found(demo, path=service))
    [notice] = found(demo, "kustomize-unused", f"{SHOWN}/components/shopping-assistant/kustomization.yaml")
    assert (notice["line"], notice["column"]) == (20, 3)  # the patch kustomize could not apply on its own
    assert "kustomize cannot build it on its own: patches[0] matches no object: there is no Deployment frontend" \
        in notice["message"]
    assert notice["message"].endswith(f"linted on their own instead: {service}; not linted: patches[0] (a patch: "
                                      "only the build applies it)")


def test_components_the_overlays_use_are_linted_through_them_as_before(demo):
    """google-cloud-operations is listed by the three test overlays: its objects come from their renders, named
    with their environments, never linted alone, and no notice."""
    collector = found(demo, path=f"{SHOWN}/components/google-cloud-operations/otel-collector.yaml")
    assert collector
    environments = ["memorystore-with-all-components", "service-mesh-istio-with-all-components",
                    "spanner-with-all-components"]
    assert all(f["environment"] == environments and f["linted_alone"] == [] for f in collector)
    notices = {f["path"].split("/")[-2] for f in found(demo, "kustomize-unused")}
    assert notices == set(demo_unused())
    assert not notices & {"google-cloud-operations", "network-policies", "service-mesh-istio", "memorystore",
                          "spanner", "cymbal-branding"}


def test_every_object_of_the_demo_is_accounted_for(demo):
    """rendered: what kustomize builds for the four overlays; linted alone: shopping-assistant's three objects;
    not linted: each unused Component's patches (alloydb has six), or the Component itself when it has none
    (container-images-*: only images:)."""
    overlays = [DEMO, *sorted(p.parent for p in (DEMO / "tests").glob("*/kustomization.yaml"))]
    rendered = sum(len(objects_of(kustomize_build(overlay).stdout)) for overlay in overlays)
    alone = objects_of((DEMO / "components" / "shopping-assistant" / "shoppingassistantservice.yaml").read_text())
    not_linted = sum(max(1, len(kustomization(DEMO / "components" / name).get("patches") or ()))
                     for name in demo_unused())
    summary = demo["summary"]
    assert (rendered, len(alone), not_linted) == (188, 3, 14)
    assert (summary["rendered"], summary["linted_alone"], summary["not_linted"]) == (rendered, len(alone), not_linted)
    assert summary["objects"] == rendered + len(alone)  # no plain file left: every file is some kustomization's
    assert summary["info"] == len(demo_unused())


# -- shapes written for these tests -----------------------------------------------------------------------

BASE = {
    "base/kustomization.yaml": "resources:\n  - web.yaml\n  - worker.yaml\n",
    "base/web.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27.0
""",
    "base/worker.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  selector:
    matchLabels: {app: worker}
  template:
    metadata:
      labels: {app: worker}
    spec:
      containers:
        - name: worker
          image: busybox:1.36
""",
    "overlay/kustomization.yaml": "resources:\n  - ../base\n",
}

COMPONENT = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"

SIDECAR = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cache
spec:
  selector:
    matchLabels: {app: cache}
  template:
    metadata:
      labels: {app: cache}
    spec:
      containers:
        - name: cache
          image: redis:latest
"""

DELETE_WORKER = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\n$patch: delete\n"


def tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in {**BASE, **files}.items():
        write(tmp_path / name, text)
    return tmp_path


def test_a_used_component_deletes_through_the_overlay_and_its_patch_is_never_an_object(tmp_path):
    """The same $patch: delete, listed by the overlay: the render has no worker (as kustomize's), the patch
    file is the component's input, nothing reports at it, and no notice: the component is used."""
    tree(tmp_path, {"overlay/kustomization.yaml": "resources:\n  - ../base\ncomponents:\n  - ../no-worker\n",
                    "no-worker/kustomization.yaml": COMPONENT + "patches:\n  - path: delete-worker.yaml\n",
                    "no-worker/delete-worker.yaml": DELETE_WORKER})
    assert objects_of(kustomize_build(tmp_path / "overlay").stdout) == [("Deployment", "web")]
    report = check(".", cwd=tmp_path)
    assert found(report, path="no-worker/delete-worker.yaml") == [] and found(report, "kustomize-unused") == []
    assert {f["object"]["name"] for f in report["findings"] if f["object"]} == {"web"}
    summary = report["summary"]
    assert (summary["objects"], summary["rendered"], summary["linted_alone"], summary["not_linted"]) == (1, 1, 0, 0)


def test_a_used_component_with_a_latest_image_is_linted_in_its_overlay(tmp_path):
    tree(tmp_path, {"overlay/kustomization.yaml": "resources:\n  - ../base\ncomponents:\n  - ../cache\n",
                    "cache/kustomization.yaml": COMPONENT + "resources:\n  - cache.yaml\n",
                    "cache/cache.yaml": SIDECAR})
    report = check(".", cwd=tmp_path)
    [image] = found(report, "pinned-image-tag", "cache/cache.yaml")
    assert (image["line"], image["environment"], image["linted_alone"]) == (14, ["overlay"], [])
    assert found(report, "kustomize-unused") == []
    assert report["summary"]["rendered"] == 3 and report["summary"]["linted_alone"] == 0


def test_an_unused_component_that_patches_the_overlays_objects(tmp_path):
    """kustomize cannot build it on its own (the worker it deletes is the overlay's): its resource is linted
    alone, the :latest image fires there and says so, the delete patch is an input not linted."""
    tree(tmp_path, {"cache/kustomization.yaml": COMPONENT + "resources:\n  - cache.yaml\npatches:\n"
                                                "  - path: delete-worker.yaml\n",
                    "cache/cache.yaml": SIDECAR, "cache/delete-worker.yaml": DELETE_WORKER})
    assert "no resource matches strategic merge patch" in kustomize_build(tmp_path / "cache").stderr
    report = check(".", cwd=tmp_path)
    [image] = found(report, "pinned-image-tag", "cache/cache.yaml")
    assert (image["line"], image["column"], image["linted_alone"]) == (14, 18, ["cache"])
    assert found(report, path="cache/delete-worker.yaml") == []
    [notice] = found(report, "kustomize-unused")
    assert (notice["path"], notice["line"], notice["column"], notice["severity"]) == \
        ("cache/kustomization.yaml", 6, 5, "info")  # the patch kustomize could not apply
    assert notice["message"] == (
        "cache is a Component that no overlay of this run uses, and kustomize cannot build it on its own: "
        "patches[0] 'delete-worker.yaml' matches no object: there is no Deployment worker among the resources it "
        "patches (the objects it patches come from the overlay that lists it); linted on their own instead: "
        "cache/cache.yaml; not linted: patches[0] 'delete-worker.yaml' (a patch: only the build applies it)")
    summary = report["summary"]
    assert (summary["objects"], summary["rendered"], summary["linted_alone"], summary["not_linted"]) == (3, 2, 1, 1)
    text = run_lintops("check", ".", cwd=tmp_path).stdout
    assert "cache/cache.yaml:14:18: error [pinned-image-tag]" in text and "[linted alone: cache did not render]" in text
    assert "(2 objects rendered, 1 linted alone, 1 input not linted)" in text


def test_an_unused_component_kustomize_builds_on_its_own_is_linted_as_built(tmp_path):
    """Resources and its own transformers only: built as `kustomize build cache` builds it (the label it sets is
    on the object), linted as rendered objects, and render prints what check lints."""
    tree(tmp_path, {"cache/kustomization.yaml": COMPONENT + "resources:\n  - cache.yaml\nlabels:\n"
                                                "  - pairs: {tier: cache}\n",
                    "cache/cache.yaml": SIDECAR})
    [(kind, name)] = objects_of(kustomize_build(tmp_path / "cache").stdout)
    report = check(".", cwd=tmp_path)
    [image] = found(report, "pinned-image-tag", "cache/cache.yaml")
    assert (image["line"], image["environment"], image["linted_alone"]) == (14, ["cache"], [])
    assert (image["object"]["kind"], image["object"]["name"]) == (kind, name)
    [notice] = found(report, "kustomize-unused")
    assert (notice["path"], notice["line"]) == ("cache/kustomization.yaml", 3)
    assert "it was built on its own, as `kustomize build cache` builds it" in notice["message"]
    summary = report["summary"]
    assert (summary["rendered"], summary["linted_alone"], summary["not_linted"]) == (3, 0, 0)
    shown = run_lintops("render", ".", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr  # the notice is no render failure
    assert "# Source: cache/cache.yaml (environment: cache)" in shown.stdout and "tier: cache" in shown.stdout
    assert "cache/kustomization.yaml:3:1: info: cache is a Component" in shown.stderr


def test_every_input_an_unused_component_names_is_its_own(tmp_path):
    """Generator files and env files, a replacement file, a transformer configuration, the OpenAPI schema and
    crds: never linted as plain files (a transformer configuration even looks like an object); those only a
    build applies are named as not linted. A Component it lists is linted through it, one notice for both."""
    files = {
        "opts/kustomization.yaml": COMPONENT + """\
components:
  - ../opts-extra
configMapGenerator:
  - name: settings
    files:
      - settings.yaml
    envs:
      - settings.env
replacements:
  - path: replacement.yaml
transformers:
  - labels.yaml
openapi:
  path: schema.json
crds:
  - crd.json
""",
        "opts/settings.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: not-an-object\nspec: {}\n",
        "opts/settings.env": "MODE=fast\n",
        "opts/replacement.yaml": "source:\n  kind: Deployment\n  name: web\n  fieldPath: metadata.name\n"
                                 "targets:\n  - select: {kind: ConfigMap, name: settings}\n"
                                 "    fieldPaths: [data.web]\n",
        "opts/labels.yaml": "apiVersion: builtin\nkind: LabelTransformer\nmetadata:\n  name: tier\n"
                            "labels: {tier: opts}\nfieldSpecs:\n  - path: metadata/labels\n    create: true\n",
        "opts/schema.json": "{\"definitions\": {}}\n",
        "opts/crd.json": "{}\n",
        "opts-extra/kustomization.yaml": COMPONENT + "patches:\n  - path: extra.yaml\n",
        "opts-extra/extra.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
                                 "spec:\n  replicas: 2\n",
    }
    tree(tmp_path, files)
    assert kustomize_build(tmp_path / "opts").returncode != 0  # the replacement's source is the overlay's web
    report = check(".", cwd=tmp_path)
    for name in files:
        if not name.endswith("kustomization.yaml"):
            assert found(report, path=name) == [], name
    [notice] = found(report, "kustomize-unused")  # at the patch its build stopped at, in the Component it lists
    assert (notice["path"], notice["line"], notice["column"]) == ("opts-extra/kustomization.yaml", 4, 5)
    assert notice["message"].startswith("opts is a Component that no overlay of this run uses, and kustomize cannot "
                                        "build it on its own: patches[0] 'extra.yaml' matches no object")
    assert notice["message"].endswith(
        "linted on their own instead: nothing; not linted: configMapGenerator[0] 'settings' (generated only by the "
        "build), transformers[0] 'labels.yaml' (applied only by the build), replacements[0] 'replacement.yaml' "
        "(applied only by the build), opts-extra/kustomization.yaml patches[0] 'extra.yaml' (a patch: only the "
        "build applies it)")
    summary = report["summary"]
    assert (summary["objects"], summary["rendered"], summary["linted_alone"], summary["not_linted"]) == (2, 2, 0, 4)


def test_a_component_with_nothing_of_its_own_is_not_built_and_says_what_it_leaves(tmp_path):
    tree(tmp_path, {"tag/kustomization.yaml": COMPONENT + "images:\n  - name: nginx\n    newTag: 1.27.1\n",
                    "no-worker/kustomization.yaml": COMPONENT + "patches:\n  - path: delete-worker.yaml\n",
                    "no-worker/delete-worker.yaml": DELETE_WORKER})
    report = check(".", cwd=tmp_path)
    notices = {f["path"]: f["message"] for f in found(report, "kustomize-unused")}
    assert notices == {
        "tag/kustomization.yaml": "tag is a Component that no overlay of this run uses, and it holds no object of "
                                  "its own (no resources or generators): its patches and transformers act on the "
                                  "objects of the overlay that lists it, so it is not built on its own; nothing of "
                                  "it is linted",
        "no-worker/kustomization.yaml": "no-worker is a Component that no overlay of this run uses, and it holds no "
                                        "object of its own (no resources or generators): its patches and transformers "
                                        "act on the objects of the overlay that lists it, so it is not built on its "
                                        "own; not linted: patches[0] 'delete-worker.yaml' (a patch: only the build "
                                        "applies it)"}
    assert found(report, path="no-worker/delete-worker.yaml") == [] and found(report, "render-empty") == []
    assert report["summary"]["not_linted"] == 2  # the patch, and the images-only Component as a whole


def test_a_broken_unused_component_is_a_render_failure(tmp_path):
    """A resource that does not exist breaks the Component in every overlay: that is render-failed, as for an
    overlay, and the files that are there are still linted alone."""
    tree(tmp_path, {"cache/kustomization.yaml": COMPONENT + "resources:\n  - cache.yaml\n  - gone.yaml\n",
                    "cache/cache.yaml": SIDECAR})
    report = check(".", cwd=tmp_path)
    [failed] = found(report, "render-failed")
    assert (failed["path"], failed["line"], failed["column"], failed["severity"]) == \
        ("cache/kustomization.yaml", 5, 5, "error")
    assert failed["message"].startswith("resources entry 'gone.yaml' does not exist: there is no file cache/gone.yaml; "
                                        "kustomize cannot build cache; ")
    assert failed["message"].endswith("linted on their own instead: cache/cache.yaml; not linted: resources "
                                      "'gone.yaml' (missing)")
    assert found(report, "kustomize-unused") == []
    assert found(report, "pinned-image-tag", "cache/cache.yaml")[0]["linted_alone"] == ["cache"]


def test_a_kustomization_no_configured_root_reaches(tmp_path):
    """kustomize.roots names the overlay to render; another overlay is not built, yet its patch is not linted as a
    Deployment and its own file is linted alone, as the notice says."""
    tree(tmp_path, {".lintops.yaml": "kustomize:\n  roots: [overlay]\n",
                    "dev/kustomization.yaml": "resources:\n  - ../base\n  - cache.yaml\npatches:\n"
                                              "  - path: delete-worker.yaml\n",
                    "dev/cache.yaml": SIDECAR, "dev/delete-worker.yaml": DELETE_WORKER})
    report = check(".", cwd=tmp_path)
    assert found(report, path="dev/delete-worker.yaml") == []
    assert found(report, "pinned-image-tag", "dev/cache.yaml")[0]["linted_alone"] == ["dev"]
    [notice] = found(report, "kustomize-unused")
    assert (notice["path"], notice["line"], notice["column"]) == ("dev/kustomization.yaml", 1, 1)
    assert notice["message"] == (
        "dev is a kustomization that no root of this run pulls in (the configured kustomize.roots do not), so it is "
        "not rendered; linted on their own instead: dev/cache.yaml; not linted: patches[0] 'delete-worker.yaml' (a "
        "patch: only the build applies it)")  # base/ is the overlay's: linted through it, not a second time
    summary = report["summary"]
    assert (summary["objects"], summary["rendered"], summary["linted_alone"], summary["not_linted"]) == (3, 2, 1, 1)


def test_a_link_out_of_the_tree_named_by_an_unused_component_is_a_finding(tmp_path):
    """A patch of a Component nothing builds that is a symbolic link to a file outside the tree: reported at its
    entry (as a plain file it was a finding too), never read, and everything else still linted."""
    secret = tmp_path / "outside" / "token.yaml"
    write(secret, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: leaked\nstringData:\n  token: s3cr3t-value\n")
    repo = tree(tmp_path / "repo", {"no-worker/kustomization.yaml": COMPONENT + "patches:\n  - path: link.yaml\n"})
    (repo / "no-worker" / "link.yaml").symlink_to(secret)
    done = run_lintops("check", "-q", "--format", "json", ".", cwd=repo)
    assert done.returncode == 1 and "s3cr3t-value" not in done.stdout + done.stderr and "leaked" not in done.stdout
    report = json.loads(done.stdout)
    [refused] = found(report, "unsafe-path")
    assert (refused["path"], refused["line"], refused["column"]) == ("no-worker/kustomization.yaml", 4, 11)
    assert refused["message"] == ("patches entry 'link.yaml' is a symbolic link that leads outside the linted root; "
                                  "not read")
    assert found(report, path="no-worker/link.yaml") == []
    assert found(report, "kustomize-unused") and found(report, "liveness-probe", "base/web.yaml")
