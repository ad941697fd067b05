"""Helm rendering per environment, and findings on rendered objects pointing back to the file to change.

Charts under tests/fixtures/helm/: web, broken, shop, checked (written for these tests), and copies of
microservices-demo, prometheus-community's alertmanager and kube-linter's mychart (see SOURCES.md there).
Rendering uses helm-python-sdk (no helm binary, no network); one test puts a stand-in ``helm`` script on
PATH to exercise the binary path.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tarfile
import textwrap
from pathlib import Path

import pytest

from lintops.catalog import available_checks, builtin_rule_specs
from lintops.inputs import helm
from lintops.inputs.helm import backends, render_chart
from lintops.inputs.helm.backends import available_backend, split_helm_output
from lintops.inputs.helm.environments import CONFIG_SCHEMA, ChartEnvironment, find_environments
from lintops.inputs.helm.templates import _Template
from lintops.inputs.manifests import resources_from
from lintops.model import Location
from lintops.parse.stream import parse_text
from lintops.rules import bind
from lintops.run_context import Options, RunContext

pytest.importorskip("helm_python", reason="Helm rendering tests need helm-python-sdk (pip install -e '.[helm]')")

FIXTURES = Path(__file__).parent / "fixtures" / "helm"
IMAGE = "/spec/template/spec/containers/0/image"
RESOURCES = "/spec/template/spec/containers/0/resources"


def show(path: Path) -> str:
    return Path(path).relative_to(FIXTURES).as_posix()


@pytest.fixture(autouse=True)
def sdk_only(monkeypatch):
    """Render with helm-python-sdk even where a helm binary is installed (CI installs the extra)."""
    monkeypatch.setattr(backends.shutil, "which", lambda name: None)


def render(chart: str, root: Path = FIXTURES, **kwargs):
    return render_chart(root / chart, display=lambda p: Path(p).relative_to(root).as_posix(), **kwargs)


def sources_by(result, environment=None):
    return {s.source.path: s for s in result.sources if s.source.environment == environment}


def locate(source, pointer: str, kind: str | None = None, at_key: bool = False):
    """Where the engine would report ``pointer`` of the (first, or first of ``kind``) object of a source."""
    parsed = parse_text(source.text, source.source.path)
    for resource in resources_from(parsed, source.source, source.locators).resources:
        if kind is None or resource.kind == kind:
            return resource.locate(pointer, at_key)
    raise AssertionError(f"no {kind or 'object'} in {source.source.path}")


def findings(result, rule_ids):
    """What the engine would report: (rule, environment, location, related) for each violation."""
    rules = bind([s for s in builtin_rule_specs() if s.id in rule_ids], available_checks())
    context = RunContext(Options())
    found = []
    for source in result.sources:
        parsed = parse_text(source.text, source.source.path)
        for resource in resources_from(parsed, source.source, source.locators).resources:
            for rule in rules:
                for subject in rule.subjects(resource):
                    for violation in rule.check.check(subject, context):
                        located = resource.locate(violation.pointer, violation.at_key)
                        found.append((rule.id, source.source.environment, located.location, located.related))
    return sorted(found, key=lambda f: (f[0], f[1] or "", str(f[2])))


def tree_state(root: Path):
    return sorted((p.relative_to(root).as_posix(), p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*"))


# -- environments -------------------------------------------------------------------------------------


def test_each_values_env_file_is_an_environment():
    environments = find_environments(FIXTURES / "web")
    assert environments == [
        ChartEnvironment("production", (FIXTURES / "web" / "values-production.yaml",)),
        ChartEnvironment("staging", (FIXTURES / "web" / "values-staging.yaml",)),
    ]


def test_a_chart_without_environment_files_renders_its_defaults_once():
    assert find_environments(FIXTURES / "mychart") == [ChartEnvironment(None, ())]


def test_configured_environments_add_and_replace_by_name():
    config = {"charts": [{"path": "web", "environments": {"staging": ["values-staging.yaml", "values-extra.yaml"],
                                                           "qa": "values-staging.yaml"}}]}
    environments = find_environments(FIXTURES / "web", config, display=show)
    assert [e.name for e in environments] == ["production", "qa", "staging"]
    staging = environments[2]
    assert staging.values_files == (FIXTURES / "web" / "values-staging.yaml", FIXTURES / "web" / "values-extra.yaml")
    # Another chart's entry does not apply.
    other = {"charts": [{"path": "shop", "environments": {"qa": ["values.yaml"]}}]}
    assert [e.name for e in find_environments(FIXTURES / "web", other, display=show)] == ["production", "staging"]


def test_a_configured_values_file_that_does_not_exist_is_a_problem():
    result = render("web", environments=[ChartEnvironment("qa", (FIXTURES / "web" / "values-qa.yaml",))])
    assert [(p.path, p.line, p.environment) for p in result.problems] == [("web/values-qa.yaml", 1, "qa")]
    assert "does not exist" in result.problems[0].message
    assert result.sources == []


# -- rendering and pointing back ----------------------------------------------------------------------


def test_web_renders_one_source_per_environment_and_template():
    result = render("web")
    assert result.problems == []
    assert sorted((s.source.environment, s.source.path, s.source.origin) for s in result.sources) == [
        ("production", "web/templates/deployment.yaml", "helm"),
        ("production", "web/templates/service.yaml", "helm"),
        ("staging", "web/templates/deployment.yaml", "helm"),
        ("staging", "web/templates/service.yaml", "helm"),
    ]
    production = parse_text(sources_by(result, "production")["web/templates/deployment.yaml"].text, "x")
    staging = parse_text(sources_by(result, "staging")["web/templates/deployment.yaml"].text, "x")
    assert production.documents[0].data["spec"]["replicas"] == 4
    assert staging.documents[0].data["spec"]["replicas"] == 1
    container = production.documents[0].data["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "registry.example.com/team/web:latest"
    assert container["resources"] == {"requests": {"cpu": "100m", "memory": "128Mi"},
                                      "limits": {"cpu": "1", "memory": "512Mi"}}


def test_image_tag_set_by_the_environment_file_points_at_its_tag_key():
    result = render("web")
    deployment = "web/templates/deployment.yaml"
    production = locate(sources_by(result, "production")[deployment], IMAGE)
    assert production.location == Location("web/values-production.yaml", 4, 3)
    assert production.related == (Location(deployment, 24, 18),)
    staging = locate(sources_by(result, "staging")[deployment], IMAGE)
    assert staging.location == Location("web/values.yaml", 5, 3)
    assert staging.related == (Location(deployment, 24, 18),)


def test_values_blocks_point_at_the_file_that_sets_them_for_the_environment():
    result = render("web")
    deployment = "web/templates/deployment.yaml"
    production, staging = sources_by(result, "production")[deployment], sources_by(result, "staging")[deployment]
    # resources: staging overrides the block, production adds limits.
    assert locate(staging, RESOURCES).location == Location("web/values-staging.yaml", 3, 1)
    assert locate(production, RESOURCES + "/limits").location == Location("web/values-production.yaml", 7, 3)
    assert locate(production, RESOURCES + "/limits/memory").location == Location("web/values-production.yaml", 9, 5)
    # A missing node is reported at its nearest existing parent.
    missing = locate(staging, RESOURCES + "/limits/cpu")
    assert missing.location == Location("web/values-staging.yaml", 3, 1)
    assert missing.related == (Location(deployment, 31, 11),)
    # The probe comes from values.yaml in both environments; a boolean through the template's reference.
    probe = locate(production, "/spec/template/spec/containers/0/livenessProbe/httpGet/port")
    assert probe.location == Location("web/values.yaml", 20, 5)
    assert probe.related == (Location(deployment, 29, 11),)
    automount = locate(staging, "/spec/template/spec/automountServiceAccountToken")
    assert automount.location == Location("web/values.yaml", 24, 1)
    assert locate(production, "/spec/replicas").location == Location("web/values-production.yaml", 1, 1)
    assert locate(staging, "/spec/replicas").location == Location("web/values-staging.yaml", 1, 1)


def test_nodes_written_in_the_template_point_at_the_template():
    result = render("web")
    deployment = sources_by(result, "production")["web/templates/deployment.yaml"]
    assert locate(deployment, "").location == Location("web/templates/deployment.yaml", 1, 1)
    assert locate(deployment, "").related == ()
    assert locate(deployment, "/metadata/name").location == Location("web/templates/deployment.yaml", 4, 9)
    assert locate(deployment, "/metadata/name", at_key=True).location == Location("web/templates/deployment.yaml",
                                                                                   4, 3)
    ports = locate(deployment, "/spec/template/spec/containers/0/ports/0/containerPort")
    assert ports.location == Location("web/templates/deployment.yaml", 28, 30)
    # A node that is not there at all: the nearest parent written in the template.
    assert locate(deployment, "/spec/template/spec/securityContext").location == Location(
        "web/templates/deployment.yaml", 20, 5)
    service = sources_by(result, "staging")["web/templates/service.yaml"]
    assert locate(service, "/spec/ports/0/targetPort").location == Location("web/templates/service.yaml", 11, 19)
    port = locate(service, "/spec/ports/0/port")
    assert port.location == Location("web/values.yaml", 10, 3)
    assert port.related == (Location("web/templates/service.yaml", 10, 13),)


def test_findings_on_rendered_objects_point_at_values_keys_per_environment():
    found = findings(render("web"), {"pinned-image-tag", "resource-limits", "liveness-probe"})
    assert found == [
        ("pinned-image-tag", "production", Location("web/values-production.yaml", 4, 3),
         (Location("web/templates/deployment.yaml", 24, 18),)),
        ("resource-limits", "staging", Location("web/values-staging.yaml", 3, 1),
         (Location("web/templates/deployment.yaml", 31, 11),)),
    ]


def test_application_values_are_merged_last_and_point_where_the_application_says():
    where = Location("apps/web.yaml", 12, 9)
    result = render("web", extra_values={"image": {"tag": "2.5.0"}},
                    extra_values_origin=lambda pointer: where if pointer == "/image/tag" else None)
    for environment in ("production", "staging"):
        source = sources_by(result, environment)["web/templates/deployment.yaml"]
        assert parse_text(source.text, "x").documents[0].data["spec"]["template"]["spec"]["containers"][0][
            "image"] == "registry.example.com/team/web:2.5.0"
        assert locate(source, IMAGE).location == where
    # Without a way to say where, the template is the place.
    result = render("web", extra_values={"image": {"tag": "2.5.0"}})
    source = sources_by(result, "production")["web/templates/deployment.yaml"]
    assert locate(source, IMAGE).location == Location("web/templates/deployment.yaml", 24, 18)


def test_release_name_and_namespace_come_from_the_configuration():
    config = {"namespace": "apps", "charts": [{"path": "microservices-demo", "release_name": "shop",
                                               "namespace": "boutique"}]}
    result = render("microservices-demo", config=config)
    source = sources_by(result)["microservices-demo/templates/adservice.yaml"]
    deployment = next(d.data for d in parse_text(source.text, "x").documents
                      if isinstance(d.data, dict) and d.data["kind"] == "Deployment")
    assert deployment["metadata"]["namespace"] == "boutique"
    result = render("broken", config={"release_name": "settings", "namespace": "apps"},
                    environments=[ChartEnvironment("ok", (FIXTURES / "broken" / "values-ok.yaml",))])
    configmap = parse_text(result.sources[0].text, "x").documents[0].data
    assert configmap["metadata"]["name"] == "settings-settings"
    # Defaults: the chart's name and "default".
    result = render("broken", environments=[ChartEnvironment("ok", (FIXTURES / "broken" / "values-ok.yaml",))])
    assert parse_text(result.sources[0].text, "x").documents[0].data["metadata"]["name"] == "broken-settings"


# -- problems -----------------------------------------------------------------------------------------


def test_a_template_error_is_a_problem_at_the_line_helm_reports():
    result = render("broken")
    assert [(p.path, p.line, p.column, p.environment) for p in result.problems] == [
        ("broken/templates/configmap.yaml", 7, 20, "missing"),
    ]
    assert "nil pointer evaluating interface {}.level" in result.problems[0].message
    assert result.problems[0].message.startswith("template error: ")
    # The other environment renders.
    assert [(s.source.environment, s.source.path) for s in result.sources] == [
        ("ok", "broken/templates/configmap.yaml")]
    level = locate(result.sources[0], "/data/level")
    assert level.location == Location("broken/values-ok.yaml", 3, 5)


def test_parse_errors_and_fail_messages_name_file_and_line(tmp_path):
    chart = tmp_path / "bad"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: bad\nversion: 0.1.0\n")
    (chart / "templates" / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n{{ if }}\n")
    result = render("bad", root=tmp_path)
    assert [(p.path, p.line, p.column) for p in result.problems] == [("bad/templates/a.yaml", 3, 1)]
    assert result.problems[0].message == ("template error: parse error: missing value for if"
                                          " (chart 'bad' produced no objects: nothing of it is linted)")
    (chart / "templates" / "a.yaml").write_text(
        'apiVersion: v1\nkind: ConfigMap\ndata:\n  mode: {{ required "set mode" .Values.mode }}\n')
    result = render("bad", root=tmp_path)
    assert [(p.path, p.line, p.column) for p in result.problems] == [("bad/templates/a.yaml", 4, 12)]
    assert result.problems[0].message == ("template error: execution error: set mode"
                                          " (chart 'bad' produced no objects: nothing of it is linted)")
    # An error in a helper is reported in the helper, where it happened, not at the include.
    (chart / "templates" / "_helpers.tpl").write_text('{{- define "bad.name" -}}\n{{ .Values.a.b.c }}\n{{- end }}\n')
    (chart / "templates" / "a.yaml").write_text('apiVersion: v1\nkind: ConfigMap\nmetadata:\n'
                                                '  name: {{ include "bad.name" . }}\n')
    result = render("bad", root=tmp_path)
    assert [(p.path, p.line, p.column) for p in result.problems] == [("bad/templates/_helpers.tpl", 2, 11)]
    assert result.problems[0].message == ('template error: executing "bad.name" at <.Values.a.b.c>: '
                                          "nil pointer evaluating interface {}.b (chart 'bad' produced no objects: "
                                          "nothing of it is linted)")


def test_a_dependency_not_vendored_is_a_problem_at_its_entry_and_nothing_is_downloaded(tmp_path):
    # postgresql is disabled by its condition (postgresql.enabled: false): Helm does not need it.
    result = render("shop")
    assert result.problems == []
    shutil.copytree(FIXTURES / "shop", tmp_path / "shop")
    (tmp_path / "shop" / "values-db.yaml").write_text("postgresql:\n  enabled: true\n")
    db = ChartEnvironment("db", (tmp_path / "shop" / "values-db.yaml",))
    with_db = render("shop", root=tmp_path, environments=[db])
    assert [(p.path, p.line, p.column, p.environment) for p in with_db.problems] == [("shop/Chart.yaml", 10, 5, "db")]
    assert "dependency 'postgresql' (version 12.1.2 from https://charts.bitnami.com/bitnami) is not vendored under " \
           "charts/" in with_db.problems[0].message
    # The vendored sub-chart renders from its own templates; values point at the file that sets them.
    paths = sorted(s.source.path for s in result.sources)
    assert paths == ["shop/charts/common/templates/deployment.yaml", "shop/templates/configmap.yaml"]
    worker = sources_by(result)["shop/charts/common/templates/deployment.yaml"]
    image = locate(worker, IMAGE)
    assert image.location == Location("shop/values.yaml", 3, 5)
    assert image.related == (Location("shop/charts/common/templates/deployment.yaml", 15, 18),)
    assert locate(worker, "/spec/replicas").location == Location("shop/charts/common/values.yaml", 4, 1)


def test_a_subchart_vendored_as_archive_renders_and_points_at_the_archive(tmp_path):
    shutil.copytree(FIXTURES / "shop", tmp_path / "shop")
    charts = tmp_path / "shop" / "charts"
    with tarfile.open(charts / "common-0.1.0.tgz", "w:gz") as archive:
        archive.add(charts / "common", arcname="common")
    shutil.rmtree(charts / "common")
    result = render("shop", root=tmp_path)
    assert result.problems == []  # postgresql is disabled
    worker = sources_by(result)["shop/charts/common-0.1.0.tgz"]
    assert locate(worker, IMAGE).location == Location("shop/values.yaml", 3, 5)
    assert locate(worker, IMAGE).related == (Location("shop/charts/common-0.1.0.tgz", 1, 1),)
    assert locate(worker, "/spec/replicas").location == Location("shop/charts/common-0.1.0.tgz", 1, 1)


def test_values_that_break_the_schema_are_problems_at_the_values_key():
    result = render("checked")
    assert [(p.environment, p.path, p.line, p.column, p.message) for p in result.problems] == [
        ("production", "checked/values-production.yaml", 4, 3,
         'values do not match checked/values.schema.json at /image/pullPolicy: must be one of '
         '["Always", "IfNotPresent", "Never"]'),
        ("production", "checked/values-production.yaml", 1, 1,
         "values do not match checked/values.schema.json at /replicaCount: must be of type integer"),
        ("staging", "checked/values-staging.yaml", 2, 1,
         "values do not match checked/values.schema.json at /debug: unknown key 'debug' (not allowed by the schema)"),
    ]
    assert not any("three" in p.message or "Sometimes" in p.message for p in result.problems)
    # The chart is still rendered (from a copy without the schema), so its objects are linted too.
    production = sources_by(result, "production")["checked/templates/deployment.yaml"]
    assert locate(production, "/spec/replicas").location == Location("checked/values-production.yaml", 1, 1)
    assert locate(production, IMAGE).location == Location("checked/values-production.yaml", 3, 3)


def test_rendering_never_writes_into_the_repository():
    before = {chart: tree_state(FIXTURES / chart) for chart in ("checked", "web", "shop", "alertmanager")}
    for chart in before:
        result = render(chart)
        for source in result.sources:
            locate(source, IMAGE)
    assert {chart: tree_state(FIXTURES / chart) for chart in before} == before


def test_no_renderer_is_a_problem_not_a_silent_pass(monkeypatch):
    monkeypatch.setattr(helm, "available_backend", lambda preference="auto": None)
    result = render("web")
    assert result.sources == []
    assert [(p.path, p.line, p.column) for p in result.problems] == [("web/Chart.yaml", 1, 1)]
    assert "pip install 'lintops[helm]'" in result.problems[0].message
    assert "helm binary" in result.problems[0].message


def test_backend_preference():
    assert available_backend("sdk") == "sdk"
    assert available_backend("binary") is None  # no helm on PATH (see sdk_only)
    assert available_backend("auto") == "sdk"
    result = render("web", config={"backend": "binary"})
    assert result.sources == [] and "put the helm binary on PATH" in result.problems[0].message
    result = render("web", config={"backend": "docker"})
    assert [(p.path, p.line) for p in result.problems] == [("web/Chart.yaml", 1)]
    assert "use auto, binary or sdk" in result.problems[0].message


def test_the_configuration_schema_accepts_the_documented_shape():
    import jsonschema

    jsonschema.validate({"backend": "sdk", "release_name": "web", "namespace": "apps", "charts": [
        {"path": "charts/web", "release_name": "web-prod", "namespace": "web",
         "environments": {"prod": ["values-prod.yaml", "secrets-prod.yaml"], "qa": "values-qa.yaml"}}]},
        CONFIG_SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"charts": [{"path": "x", "environment": {}}]}, CONFIG_SCHEMA)


# -- real charts ---------------------------------------------------------------------------------------


def test_microservices_demo_renders_and_points_back():
    result = render("microservices-demo")
    assert result.problems == []
    sources = sources_by(result)
    # Every template but NOTES.txt and the two that render nothing with the default values.
    assert len(sources) == 11
    assert "microservices-demo/templates/common.yaml" not in sources
    kinds = sorted(d.data["kind"] for s in result.sources for d in parse_text(s.text, "x").documents
                   if isinstance(d.data, dict))
    assert kinds.count("Deployment") == kinds.count("Service") == kinds.count("ServiceAccount") == 12
    adservice = sources["microservices-demo/templates/adservice.yaml"]
    resources = locate(adservice, RESOURCES, kind="Deployment")
    assert resources.location == Location("microservices-demo/values.yaml", 65, 3)
    assert resources.related == (Location("microservices-demo/templates/adservice.yaml", 78, 9),)
    # The image tag defaults to the chart's appVersion: that is the line to change.
    image = locate(adservice, IMAGE, kind="Deployment")
    assert image.location == Location("microservices-demo/Chart.yaml", 38, 13)
    assert image.related == (Location("microservices-demo/templates/adservice.yaml", 72, 16),)
    # Objects of a template with several documents find their own segment.
    assert locate(adservice, "/spec/ports/0/port", kind="Service").location == Location(
        "microservices-demo/templates/adservice.yaml", 104, 11)
    assert locate(adservice, "", kind="ServiceAccount").location == Location(
        "microservices-demo/templates/adservice.yaml", 17, 1)


def test_alertmanager_renders_with_its_schema_and_points_back():
    result = render("alertmanager")
    assert result.problems == []
    statefulset = sources_by(result)["alertmanager/templates/statefulset.yaml"]
    assert locate(statefulset, "/spec/replicas").location == Location("alertmanager/values.yaml", 6, 1)
    # The conditional config-reload container is off: the written item is found by its name.
    resources = locate(statefulset, RESOURCES)
    assert resources.location == Location("alertmanager/values.yaml", 274, 1)
    assert resources.related == (Location("alertmanager/templates/statefulset.yaml", 206, 11),)
    probe = locate(statefulset, "/spec/template/spec/containers/0/livenessProbe")
    assert probe.location == Location("alertmanager/values.yaml", 104, 1)
    image = locate(statefulset, IMAGE)
    assert image.location == Location("alertmanager/Chart.yaml", 11, 13)
    assert image.related == (Location("alertmanager/templates/statefulset.yaml", 149, 18),)


def test_alertmanager_values_that_break_its_schema(tmp_path):
    values = tmp_path / "values-production.yaml"
    values.write_text("replicaCount: 2\npersistence:\n  size: 50\n")
    result = render_chart(FIXTURES / "alertmanager", display=lambda p: Path(p).name,
                          environments=[ChartEnvironment("production", (values,))])
    assert [(p.path, p.line, p.column) for p in result.problems] == [("values-production.yaml", 3, 3)]
    assert "/persistence/size: must be of type string" in result.problems[0].message


def test_kube_linter_mychart():
    result = render("mychart")
    # Its Chart.yaml declares a dependency that kube-linter's test data keeps beside it, not under charts/.
    assert [(p.path, p.line, p.column) for p in result.problems] == [("mychart/Chart.yaml", 8, 5)]
    assert sorted(sources_by(result)) == [
        "mychart/templates/deployment.yaml", "mychart/templates/hpa.yaml", "mychart/templates/service.yaml",
        "mychart/templates/serviceaccount.yaml", "mychart/templates/tests/test-connection.yaml",
    ]
    found = findings(result, {"resource-limits"})
    assert found == [
        ("resource-limits", None, Location("mychart/templates/tests/test-connection.yaml", 11, 7), ()),
        ("resource-limits", None, Location("mychart/values.yaml", 56, 1),
         (Location("mychart/templates/deployment.yaml", 48, 11),)),
    ]
    deployment = sources_by(result)["mychart/templates/deployment.yaml"]
    security = locate(deployment, "/spec/template/spec/containers/0/securityContext")
    assert security.location == Location("mychart/values.yaml", 31, 1)
    assert locate(deployment, IMAGE).location == Location("mychart/Chart.yaml", 2, 13)


# -- the helm binary ----------------------------------------------------------------------------------

FAKE_HELM = """\
import json, sys
import helm_python

args = sys.argv[1:]
assert args[0] == "template", args
release, chart = args[1], args[2]
namespace = args[args.index("--namespace") + 1]
values = {}
for index, arg in enumerate(args):
    if arg == "--values":
        with open(args[index + 1]) as handle:
            values.update(json.load(handle))
try:
    with helm_python.Chart.load(chart) as loaded:
        rendered = loaded.render(values, name=release, namespace=namespace, is_install=True)
except helm_python.HelmError as exc:
    sys.stderr.write("Error: template: " + str(exc) + "\\n")
    sys.exit(1)
for key in sorted(rendered):
    if key.endswith("NOTES.txt") or not rendered[key].strip():
        continue
    for document in rendered[key].split("\\n---\\n"):
        print("---")
        print("# Source: " + key)
        print(document.strip("\\n"))
"""


@pytest.fixture
def helm_binary(tmp_path, monkeypatch):
    """A stand-in for ``helm template`` (it renders with helm-python-sdk) on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "helm"
    script.write_text(f"#!{sys.executable}\n{FAKE_HELM}")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.undo()  # drop sdk_only: the binary must be found
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return script


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in helm is a script with a shebang")
def test_the_helm_binary_renders_when_it_is_on_path(helm_binary):
    assert available_backend() == "binary"
    result = render("web")
    assert result.problems == []
    assert sorted((s.source.environment, s.source.path) for s in result.sources) == [
        ("production", "web/templates/deployment.yaml"), ("production", "web/templates/service.yaml"),
        ("staging", "web/templates/deployment.yaml"), ("staging", "web/templates/service.yaml"),
    ]
    production = locate(sources_by(result, "production")["web/templates/deployment.yaml"], IMAGE)
    assert production.location == Location("web/values-production.yaml", 4, 3)
    broken = render("broken")
    assert [(p.path, p.line, p.column, p.environment) for p in broken.problems] == [
        ("broken/templates/configmap.yaml", 7, 20, "missing")]
    # helm template refuses a chart with a dependency missing: only the dependency is reported.
    shop = render("shop")
    assert [(p.path, p.line) for p in shop.problems] == [("shop/Chart.yaml", 10)]
    assert shop.sources == []
    # The schema chart is rendered from a copy without its schema, as with the SDK.
    checked = render("checked")
    assert len(checked.problems) == 3
    assert {s.source.environment for s in checked.sources} == {"production", "staging"}


def test_split_helm_output_groups_documents_by_source():
    text = textwrap.dedent("""\
        ---
        # Source: web/templates/service.yaml
        apiVersion: v1
        kind: Service
        ---
        # Source: web/templates/deployment.yaml
        apiVersion: apps/v1
        kind: Deployment
        ---
        # Source: web/templates/service.yaml
        apiVersion: v1
        kind: Service
        metadata: {name: b}
        """)
    split = split_helm_output(text)
    assert sorted(split) == ["web/templates/deployment.yaml", "web/templates/service.yaml"]
    assert [d.data["kind"] for d in parse_text(split["web/templates/service.yaml"], "x").documents] == [
        "Service", "Service"]


# -- pieces ----------------------------------------------------------------------------------------------


def test_a_values_file_that_does_not_parse_is_a_problem_at_the_error(tmp_path):
    shutil.copytree(FIXTURES / "web", tmp_path / "web")
    (tmp_path / "web" / "values-production.yaml").write_text("replicaCount: 4\nimage:\n  tag: [latest\n")
    result = render("web", root=tmp_path)
    assert [(p.path, p.line, p.environment) for p in result.problems] == [
        ("web/values-production.yaml", 4, "production")]
    assert result.problems[0].message.startswith("values-production.yaml cannot be read: ")
    assert {s.source.environment for s in result.sources} == {"staging"}


def test_template_reading_follows_indentation_items_and_with_blocks():
    template = _Template("t.yaml", textwrap.dedent("""\
        # comment
        {{- if .Values.enabled }}
        apiVersion: apps/v1
        kind: Deployment
        spec:
          template:
            spec:
              {{- with .Values.tolerations }}
              tolerations:
                {{- toYaml . | nindent 8 }}
              {{- end }}
              containers:
              {{- if .Values.sidecar.enabled }}
              - name: {{ .Chart.Name }}-sidecar
                image: busybox
              {{- end }}
              - name: {{ .Chart.Name }}
                image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
                resources:
                  {{- toYaml .Values.resources | nindent 12 }}
        {{- end }}
        ---
        apiVersion: v1
        kind: Service
        spec:
          type: {{ .Values.service.type }}
          ports:
        {{ toYaml .Values.service.ports | indent 4 }}
        {{- if .Values.service.extra }}
          extra: 1
        {{- end }}
        """))
    data = {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "a:1"}]}}}}
    containers = ("spec", "template", "spec", "containers")
    line, depth, is_key = template.find("Deployment", 0, (*containers, "0", "image"), data)
    assert (line + 1, depth, is_key) == (18, 6, True)
    assert template.location(line, False, True) == Location("t.yaml", 18, 16)
    assert template.location(line, True, True) == Location("t.yaml", 18, 9)
    assert template.values_reference(line) is None  # two references: not one key
    line, _, _ = template.find("Deployment", 0, (*containers, "0", "resources"), data)
    assert template.values_reference(line) == ("resources",)
    line, _, _ = template.find("Deployment", 0, ("spec", "template", "spec", "tolerations"), data)
    assert (line + 1, template.values_reference(line)) == (9, ("tolerations",))
    line, depth, _ = template.find("Deployment", 0, ("spec", "template", "spec", "nodeSelector"), data)
    assert (line + 1, depth) == (7, 3)
    assert template.find("Deployment", 0, (), data)[0] + 1 == 3
    line, _, _ = template.find("Service", 0, ("spec", "type"), {})
    assert (line + 1, template.values_reference(line)) == (26, ("service", "type"))
    line, _, _ = template.find("Service", 0, ("spec", "ports", "0", "port"), {})
    assert (line + 1, template.values_reference(line)) == (27, ("service", "ports"))
