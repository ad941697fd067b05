"""Helm chart dependencies as ``helm dependency build`` resolves what is local, rendered with the real Helm engine.

Shapes from public repositories, written here: grafana's loki-stack (an apiVersion v1 chart whose Helm 2
``requirements.yaml`` lists its sub-charts from remote repositories behind conditions, and whose own
templates read the ``loki`` sub-chart's values); an umbrella chart that takes a ``common`` chart of the same
repository by ``file://../common``, twice under two aliases, with import-values of both forms (the
shape of monorepos that keep a shared chart next to their services); sub-charts vendored as
``charts/*.tgz``, as ``helm dependency build`` leaves them, and archives built by hand to attack the
loader. Every chart is rendered with helm-python-sdk in its worker process (no helm binary, no
network); hostile trees run through the real command line in a subprocess with a timeout, so that a
hang fails instead of stopping the suite. Where lintops follows Helm's rules itself (which entries
are enabled, what is imported), the tests compare its answer with what Helm's engine renders.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import pytest

from conftest import FIXTURES, write
from lintops.inputs.files import LintedRoot
from lintops.inputs.helm import backends, render_chart
from lintops.inputs.helm.environments import ChartEnvironment
from lintops.inputs.manifests import resources_from
from lintops.model import Location
from lintops.parse.stream import parse_text

pytest.importorskip("helm_python", reason="Helm rendering tests need helm-python-sdk (pip install -e '.[helm]')")

IMAGE = "/spec/template/spec/containers/0/image"
MARKER = "leaked-5c1e0d"


@pytest.fixture(autouse=True)
def sdk_only(monkeypatch):
    """Render with helm-python-sdk even where a helm binary is installed."""
    monkeypatch.setattr(backends.shutil, "which", lambda name: None)


def render(chart: Path, root: Path, **kwargs):
    """Render ``chart`` confined to ``root``, paths shown relative to it."""
    return render_chart(chart, display=lambda p: _shown(Path(p), root), within=LintedRoot(root), **kwargs)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        return path.as_posix()


def where(result) -> list[tuple[str, int, int, str | None]]:
    return [(p.path, p.line, p.column, p.environment) for p in result.problems]


def sources(result, environment=None) -> dict[str, list]:
    found: dict[str, list] = {}
    for source in result.sources:
        if source.source.environment == environment:
            found.setdefault(source.source.path, []).append(source)
    return found


def objects(result, environment=None) -> dict[tuple[str, str], tuple]:
    """``(kind, name) -> (resource, source)`` of everything rendered for an environment."""
    found = {}
    for source in result.sources:
        if source.source.environment != environment:
            continue
        for resource in resources_from(parse_text(source.text, source.source.path), source.source,
                                       source.locators).resources:
            found[(resource.kind, resource.name)] = (resource, source)
    return found


def tgz(members: dict[str, bytes | tuple[str, str]]) -> bytes:
    """A gzipped tar archive: name -> bytes for a file, or (type, target) for "symlink"/"hardlink"."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            if isinstance(content, tuple):
                info.type = tarfile.SYMTYPE if content[0] == "symlink" else tarfile.LNKTYPE
                info.linkname = content[1]
                archive.addfile(info)
            else:
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def chart_files(name: str, version: str, templates: dict[str, str], values: str = "",
                top: str | None = None) -> dict[str, bytes]:
    """The members of a chart archive as ``helm package`` writes them, under the top folder ``top`` (the name)."""
    top = top or name
    files = {f"{top}/Chart.yaml": f"apiVersion: v2\nname: {name}\nversion: {version}\n".encode(),
             f"{top}/values.yaml": values.encode()}
    files.update({f"{top}/templates/{file}": text.encode() for file, text in templates.items()})
    return files


def configmap(name: str, data: str = "{a: b}") -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata: {data}\n"


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-{{ .Chart.Name }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app: {{ .Chart.Name }}}
  template:
    metadata:
      labels: {app: {{ .Chart.Name }}}
    spec:
      containers:
        - name: main
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""


def monorepo(root: Path) -> Path:
    """A repository with ``charts/common`` and an umbrella ``charts/app`` that takes it twice by file://."""
    write(root / "charts" / "common" / "Chart.yaml", "apiVersion: v2\nname: common\nversion: 1.2.0\n")
    write(root / "charts" / "common" / "values.yaml", textwrap.dedent("""\
        image:
          repository: nginx
          tag: latest
        replicas: 1
        exports:
          defaults:
            logLevel: info
        """))
    write(root / "charts" / "common" / "templates" / "deployment.yaml", DEPLOYMENT)
    write(root / "charts" / "common" / ".helmignore", "templates/ignored.yaml\n")
    write(root / "charts" / "common" / "templates" / "ignored.yaml", configmap("never-packaged"))
    app = root / "charts" / "app"
    write(app / "Chart.yaml", textwrap.dedent("""\
        apiVersion: v2
        name: app
        version: 0.1.0
        dependencies:
          - name: common
            version: ^1.0.0
            repository: file://../common
            alias: web
            import-values:
              - defaults
          - name: common
            version: ^1.0.0
            repository: file://../common
            alias: worker
            condition: worker.enabled
            import-values:
              - child: image
                parent: workerImage
        """))
    write(app / "values.yaml", 'web:\n  image:\n    tag: "1.27"\nworker:\n  enabled: true\n')
    write(app / "templates" / "cm.yaml", textwrap.dedent("""\
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: app
        data:
          level: {{ .Values.logLevel | quote }}
          workerImage: {{ .Values.workerImage.tag | quote }}
        """))
    return app


# -- file:// dependencies from the tree -------------------------------------------------------------------


def test_a_file_dependency_in_the_tree_is_packaged_as_helm_dependency_build_does(tmp_path):
    app = monorepo(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = render(app, tmp_path)
    assert result.problems == []
    # The same chart serves both aliases; its templates are the tree's own files.
    assert sorted(sources(result)) == ["charts/app/templates/cm.yaml", "charts/common/templates/deployment.yaml"]
    rendered = objects(result)
    assert sorted(rendered) == [("ConfigMap", "app"), ("Deployment", "app-web"), ("Deployment", "app-worker")]
    # Packaged by Helm's own loader: the dependency's .helmignore applied, as in helm dependency build.
    assert "never-packaged" not in "".join(s.text for s in result.sources)
    web, _ = rendered[("Deployment", "app-web")]
    worker, _ = rendered[("Deployment", "app-worker")]
    assert web.body["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert worker.body["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:latest"
    # Values reach an alias through the parent's <alias>: key, and point at the file a person edits.
    assert web.locate(IMAGE, False).location == Location("charts/app/values.yaml", 3, 5)
    assert worker.locate(IMAGE, False).location == Location("charts/common/values.yaml", 3, 3)
    assert web.locate(IMAGE, False).related == (Location("charts/common/templates/deployment.yaml", 15, 18),)
    # import-values: the string form (exports.defaults) and the child/parent form (image -> workerImage).
    config, _ = rendered[("ConfigMap", "app")]
    assert config.body["data"] == {"level": "info", "workerImage": "latest"}
    assert config.locate("/data/level", False).location == Location("charts/common/values.yaml", 7, 5)
    assert config.locate("/data/workerImage", False).location == Location("charts/common/values.yaml", 3, 3)
    # Nothing was written into the tree.
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_a_condition_that_disables_an_alias_removes_it_and_its_imports(tmp_path):
    app = monorepo(tmp_path)
    write(app / "values-lean.yaml", "worker:\n  enabled: false\n")
    data = '{level: {{ .Values.logLevel | quote }}, worker: {{ .Values.workerImage | default "off" | quote }}}'
    write(app / "templates" / "cm.yaml", configmap("app", data))
    result = render(app, tmp_path)
    assert result.problems == []
    assert sorted(objects(result, "lean")) == [("ConfigMap", "app"), ("Deployment", "app-web")]
    config, _ = objects(result, "lean")[("ConfigMap", "app")]
    assert config.body["data"] == {"level": "info", "worker": "off"}


def test_a_file_dependency_is_preferred_to_a_vendored_copy_of_the_same_chart(tmp_path):
    app = monorepo(tmp_path)
    # A stale archive of common, as an earlier helm dependency build left it: the build replaces it.
    (app / "charts").mkdir()
    (app / "charts" / "common-1.0.0.tgz").write_bytes(tgz(chart_files(
        "common", "1.0.0", {"deployment.yaml": DEPLOYMENT}, "image: {repository: stale, tag: old}\nreplicas: 9\n")))
    result = render(app, tmp_path)
    assert result.problems == []
    web, _ = objects(result)[("Deployment", "app-web")]
    assert web.body["spec"]["replicas"] == 1 and "stale" not in json.dumps(web.body)


def test_a_file_dependency_that_is_not_in_the_tree_falls_back_to_what_is_vendored(tmp_path):
    # kube-linter's mychart shape: file://../subchart, which is not there. Vendored, it is used; else reported.
    write(tmp_path / "app" / "Chart.yaml", "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n"
                                           "  - name: sub\n    version: 0.1.0\n    repository: file://../sub\n")
    write(tmp_path / "app" / "templates" / "cm.yaml", configmap("app"))
    result = render(tmp_path / "app", tmp_path)
    assert where(result) == [("app/Chart.yaml", 5, 5, None)]
    assert result.problems[0].message.startswith(
        "dependency 'sub' (version 0.1.0 from file://../sub) names sub, which does not exist, and it is not vendored "
        "under charts/: run 'helm dependency build' and commit charts/")
    assert sorted(sources(result)) == ["app/templates/cm.yaml"]  # the rest is still linted
    assert "its objects are not linted" in result.problems[0].message
    (tmp_path / "app" / "charts").mkdir()
    (tmp_path / "app" / "charts" / "sub-0.1.0.tgz").write_bytes(tgz(chart_files(
        "sub", "0.1.0", {"cm.yaml": configmap("sub")})))
    vendored = render(tmp_path / "app", tmp_path)
    assert vendored.problems == []
    assert sorted(sources(vendored)) == ["app/charts/sub-0.1.0.tgz", "app/templates/cm.yaml"]


def test_a_file_dependency_out_of_the_linted_root_is_refused_and_never_read(tmp_path):
    root, outside = tmp_path / "repo", tmp_path / "outside"
    write(outside / "secret" / "Chart.yaml", "apiVersion: v2\nname: secret\nversion: 1.0.0\n")
    write(outside / "secret" / "values.yaml", f"token: {MARKER}\n")
    os.mkfifo(outside / "secret" / "templates.yaml")  # a reader would block here
    write(root / "app" / "Chart.yaml", textwrap.dedent("""\
        apiVersion: v2
        name: app
        version: 0.1.0
        dependencies:
          - name: secret
            version: 1.0.0
            repository: file://../../outside/secret
          - name: secret
            alias: linked
            version: 1.0.0
            repository: "file://../vendor/secret"
        """))
    write(root / "app" / "templates" / "cm.yaml", configmap("app"))
    (root / "vendor").symlink_to(outside)  # a link inside the tree that leads out of it
    result = render(root / "app", root)
    assert where(result) == [("app/Chart.yaml", 7, 17, None), ("app/Chart.yaml", 11, 17, None)]
    assert result.problems[0].message == (
        "dependency 'secret' repository 'file://../../outside/secret' lies outside the linted root; 'helm dependency "
        "build' would read it, so the chart is not rendered")
    assert "is a symbolic link that leads outside the linted root" in result.problems[1].message
    assert result.sources == []
    assert MARKER not in repr(result)
    # Outside the root and not there (here): refused all the same, the machine Helm runs on may have it.
    text = (root / "app" / "Chart.yaml").read_text().replace("outside/secret", "elsewhere/secret")
    (root / "app" / "Chart.yaml").write_text(text)
    elsewhere = render(root / "app", root)
    assert [p.message for p in elsewhere.problems][:1] == [
        "dependency 'secret' repository 'file://../../elsewhere/secret' lies outside the linted root; 'helm "
        "dependency build' would read it, so the chart is not rendered"]


def test_a_link_out_inside_a_file_dependency_is_refused(tmp_path):
    app = monorepo(tmp_path / "repo")
    write(tmp_path / "outside.yaml", configmap(MARKER))
    (tmp_path / "repo" / "charts" / "common" / "templates" / "stolen.yaml").symlink_to(tmp_path / "outside.yaml")
    result = render(app, tmp_path / "repo")
    assert where(result) == [("charts/common/templates/stolen.yaml", 1, 1, None)]
    assert result.problems[0].message == (
        "templates/stolen.yaml is a symbolic link that leads outside the linted root; 'helm dependency build' would "
        "package it, so the chart is not rendered")
    assert result.sources == [] and MARKER not in repr(result)


def test_a_file_dependency_of_another_version_fails_as_the_build_does(tmp_path):
    app = monorepo(tmp_path)
    text = (app / "Chart.yaml").read_text().replace("version: ^1.0.0", "version: ^2.0.0", 1)
    (app / "Chart.yaml").write_text(text)
    result = render(app, tmp_path)
    assert where(result) == [("charts/app/Chart.yaml", 6, 14, None)]
    assert result.problems[0].message == (
        "dependency 'common': charts/common holds version 1.2.0, which the entry's version '^2.0.0' does not admit, "
        "so 'helm dependency build' fails; change one of them")
    # Helm renders what it has: the other alias.
    assert sorted(objects(result)) == [("ConfigMap", "app"), ("Deployment", "app-worker")]


# -- vendored archives --------------------------------------------------------------------------------------


def _parent(root: Path, dependencies: str) -> Path:
    chart = root / "app"
    write(chart / "Chart.yaml", f"apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n{dependencies}")
    write(chart / "templates" / "cm.yaml", configmap("app"))
    (chart / "charts").mkdir()
    return chart


def test_an_archive_is_named_by_its_chart_yaml_and_must_have_an_admitted_version(tmp_path):
    chart = _parent(tmp_path, "  - name: redis\n    version: ~17.3.0\n    repository: https://charts.example.com\n"
                              "  - name: cache\n    alias: sessions\n    version: ^1.0.0\n"
                              "    repository: https://charts.example.com\n")
    # helm dependency build names archives <name>-<version>.tgz; the name inside is what counts.
    (chart / "charts" / "vendored-by-hand.tgz").write_bytes(tgz(chart_files(
        "redis", "17.3.7", {"cm.yaml": configmap("{{ .Release.Name }}-redis")}, top="x")))
    (chart / "charts" / "cache-0.9.0.tgz").write_bytes(tgz(chart_files(
        "cache", "0.9.0", {"cm.yaml": configmap("{{ .Release.Name }}-{{ .Chart.Name }}")})))
    result = render(chart, tmp_path)
    assert where(result) == [("app/Chart.yaml", 10, 14, None)]
    assert result.problems[0].message == (
        "dependency 'cache': app/charts/cache-0.9.0.tgz holds the chart, but its version 0.9.0 is not admitted by the "
        "entry's version '^1.0.0': Helm renders it as a chart of its own, without the entry's alias, condition or "
        "import-values, and 'helm dependency build' would replace it; run 'helm dependency update' and commit "
        "charts/, or correct the version")
    # As Helm does: redis is the dependency, cache is rendered under its own name, not the alias.
    assert sorted(objects(result)) == [("ConfigMap", "app"), ("ConfigMap", "app-cache"), ("ConfigMap", "app-redis")]
    assert sorted(sources(result)) == ["app/charts/cache-0.9.0.tgz", "app/charts/vendored-by-hand.tgz",
                                       "app/templates/cm.yaml"]


HOSTILE_MEMBERS = {
    "parent directory": ({"../../etc/cron.d/x": b"* * * * * root id\n"}, "has a member '../../etc/cron.d/x' that "
                                                                         "leads outside the chart"),
    "absolute": ({"/etc/passwd": b"root:x:0:0\n"}, "has a member '/etc/passwd' that leads outside the chart"),
    "symbolic link": ({"common/templates/link.yaml": ("symlink", "/etc/shadow")},
                      "holds a symbolic link 'common/templates/link.yaml' (a chart archive holds regular files only)"),
    "hard link": ({"common/templates/hard.yaml": ("hardlink", "/etc/shadow")},
                  "holds a hard link 'common/templates/hard.yaml' (a chart archive holds regular files only)"),
    "no top folder": ({"Chart.yaml": b"apiVersion: v2\nname: common\nversion: 0.1.0\n"},
                      "has a member 'Chart.yaml' outside the chart's top folder"),
    "backslashes": ({"common\\..\\..\\evil.yaml": b"x: 1\n"}, "has a member 'common\\\\..\\\\..\\\\evil.yaml' that "
                                                              "leads outside the chart"),
}


@pytest.mark.parametrize("attack", sorted(HOSTILE_MEMBERS))
def test_a_hostile_archive_member_is_a_finding_and_the_chart_is_not_given_to_helm(tmp_path, attack):
    members, clause = HOSTILE_MEMBERS[attack]
    chart = _parent(tmp_path, "  - name: common\n    version: 0.1.0\n    repository: https://charts.example.com\n")
    files = {**chart_files("common", "0.1.0", {"cm.yaml": configmap("common")}), **members}
    (chart / "charts" / "common-0.1.0.tgz").write_bytes(tgz(files))
    result = render(chart, tmp_path)
    assert where(result) == [("app/charts/common-0.1.0.tgz", 1, 1, None)]
    assert result.problems[0].message == f"charts/common-0.1.0.tgz {clause}; Helm would load it, so the chart is not " \
                                         f"rendered"
    assert result.sources == []


def test_an_archive_nested_in_an_archive_is_inspected_too(tmp_path):
    chart = _parent(tmp_path, "  - name: outer\n    version: 0.1.0\n    repository: https://charts.example.com\n")
    inner = tgz({**chart_files("inner", "0.1.0", {"cm.yaml": configmap("inner")}),
                 "inner/templates/x.yaml": ("symlink", "../../../../etc/passwd")})
    (chart / "charts" / "outer-0.1.0.tgz").write_bytes(tgz({
        **chart_files("outer", "0.1.0", {"cm.yaml": configmap("outer")}), "outer/charts/inner-0.1.0.tgz": inner}))
    result = render(chart, tmp_path)
    assert [p.message for p in result.problems] == [
        "charts/outer-0.1.0.tgz holds the archive 'outer/charts/inner-0.1.0.tgz', which holds a symbolic link "
        "'inner/templates/x.yaml' (a chart archive holds regular files only); Helm would load it, so the chart is "
        "not rendered"]


def test_an_archive_over_helms_size_limits_is_refused_before_it_is_decompressed_whole(tmp_path):
    chart = _parent(tmp_path, "  - name: big\n    version: 0.1.0\n    repository: https://charts.example.com\n")
    big = chart_files("big", "0.1.0", {"cm.yaml": configmap("big")})
    big["big/files/blob.bin"] = b"\0" * (6 << 20)  # compresses to a few KB; Helm refuses files over 5 MiB
    (chart / "charts" / "big-0.1.0.tgz").write_bytes(tgz(big))
    assert (chart / "charts" / "big-0.1.0.tgz").stat().st_size < 64 << 10
    result = render(chart, tmp_path)
    assert [p.message for p in result.problems] == [
        "charts/big-0.1.0.tgz has a member 'big/files/blob.bin' of 6,291,456 bytes, over Helm's limit of 5,242,880 "
        "bytes for one file of a chart; Helm would load it, so the chart is not rendered"]


def test_a_file_that_is_not_a_gzipped_archive_is_refused(tmp_path):
    chart = _parent(tmp_path, "  - name: common\n    version: 0.1.0\n    repository: https://charts.example.com\n")
    (chart / "charts" / "common-0.1.0.tgz").write_bytes(b"apiVersion: v2\nname: common\n")
    result = render(chart, tmp_path)
    assert [p.message for p in result.problems] == [
        "charts/common-0.1.0.tgz is not a gzipped tar archive, which Helm requires of a chart archive; Helm would "
        "load it, so the chart is not rendered"]


# -- requirements.yaml (Helm 2, apiVersion v1): loki-stack ---------------------------------------------------


LOKI_STACK = {
    "Chart.yaml": "apiVersion: v1\nname: loki-stack\nversion: 2.10.3\nappVersion: v2.9.3\n"
                  "description: Loki and the agents that ship logs to it\n",
    "requirements.yaml": textwrap.dedent("""\
        dependencies:
        - name: loki
          condition: loki.enabled
          repository: https://grafana.github.io/helm-charts
          version: ^2.15.2
        - name: promtail
          condition: promtail.enabled
          repository: https://grafana.github.io/helm-charts
          version: ^6.7.4
        - name: fluent-bit
          condition: fluent-bit.enabled
          repository: https://grafana.github.io/helm-charts
          version: ^2.3.0
        - name: grafana
          condition: grafana.enabled
          repository: https://grafana.github.io/helm-charts
          version: ~6.43.0
        """),
    "values.yaml": textwrap.dedent("""\
        test_pod:
          enabled: true
          image: bats/bats:1.8.2
        loki:
          enabled: true
        promtail:
          enabled: true
        fluent-bit:
          enabled: false
        grafana:
          enabled: false
          sidecar:
            datasources:
              enabled: true
        """),
    "templates/_helpers.tpl": textwrap.dedent("""\
        {{- define "loki-stack.fullname" -}}{{ .Release.Name | trunc 63 }}{{- end -}}
        {{- define "loki.serviceName" -}}
        {{- if contains "loki" .Release.Name -}}{{ .Release.Name }}{{- else -}}{{ .Release.Name }}-loki{{- end -}}
        {{- end -}}
        """),
    "templates/datasources.yaml": textwrap.dedent("""\
        {{- if .Values.grafana.sidecar.datasources.enabled }}
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: {{ include "loki-stack.fullname" . }}
          labels: {grafana_datasource: "1"}
        data:
          loki-stack-datasource.yaml: |-
            datasources:
            - name: Loki
              url: http://{{ include "loki.serviceName" . }}:{{ .Values.loki.service.port }}
        {{- end }}
        """),
    "templates/tests/loki-test-pod.yaml": textwrap.dedent("""\
        {{- if (and .Values.test_pod.enabled .Values.loki.enabled) }}
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{ include "loki-stack.fullname" . }}-test
          annotations: {"helm.sh/hook": test-success}
        spec:
          containers:
          - name: test
            image: "{{ .Values.test_pod.image }}"
            env:
            - name: LOKI_SERVICE
              value: {{ include "loki.serviceName" . }}
            - name: LOKI_PORT
              value: "{{ .Values.loki.service.port }}"
          restartPolicy: Never
        {{- end }}
        """),
}


def loki_stack(root: Path) -> Path:
    """A chart of loki-stack's shape at ``root/loki-stack``: nothing of its requirements.yaml is vendored."""
    for name, text in LOKI_STACK.items():
        write(root / "loki-stack" / name, text)
    return root / "loki-stack"


def test_loki_stack_names_its_missing_dependencies_in_requirements_yaml_before_any_template_runs(tmp_path):
    result = render(loki_stack(tmp_path), tmp_path)
    # loki and promtail are enabled by values.yaml; fluent-bit and grafana are disabled (condition false):
    # Helm does not need them, so they are not errors.
    assert where(result) == [("loki-stack/requirements.yaml", 2, 3, None), ("loki-stack/requirements.yaml", 6, 3, None)]
    loki, promtail = (p.message for p in result.problems)
    assert loki == (
        "dependency 'loki' (version ^2.15.2 from https://grafana.github.io/helm-charts) is not vendored under charts/ "
        "(as a directory or .tgz), and lintops does not download it: run 'helm dependency build' and commit charts/, "
        "or point its repository at the chart in this repository with file://; the chart's templates did not render "
        "without its missing dependencies, so chart 'loki-stack' produced no objects")
    assert promtail.startswith("dependency 'promtail' (version ^6.7.4 from https://grafana.github.io/helm-charts)")
    # No template error (the templates read the loki chart's values: a nil pointer without it).
    assert not any("template" in p.path for p in result.problems)
    assert [(item.root, item.what) for item in result.not_linted] == [
        ("loki-stack", "dependency 'loki' (not vendored)"), ("loki-stack", "dependency 'promtail' (not vendored)"),
        ("loki-stack", "the templates of chart 'loki-stack'")]


#: loki's fullname when the release name holds "loki" (loki-stack's own loki.serviceName says the same).
LOKI_SERVICE = ("apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n"
                "  ports:\n    - port: {{ .Values.service.port }}\n")
PROMTAIL = textwrap.dedent("""\
    apiVersion: apps/v1
    kind: DaemonSet
    metadata:
      name: {{ .Release.Name }}-promtail
    spec:
      selector: {matchLabels: {app: promtail}}
      template:
        metadata: {labels: {app: promtail}}
        spec:
          containers:
            - name: promtail
              image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
    """)


def _vendored_loki_stack(root: Path) -> Path:
    """loki-stack with stand-ins of loki (a directory) and promtail (an archive) vendored under charts/."""
    chart = loki_stack(root)
    write(chart / "charts" / "loki" / "Chart.yaml", "apiVersion: v2\nname: loki\nversion: 2.16.0\n")
    write(chart / "charts" / "loki" / "values.yaml", "service:\n  port: 3100\n")
    write(chart / "charts" / "loki" / "templates" / "service.yaml", LOKI_SERVICE)
    (chart / "charts" / "promtail-6.7.4.tgz").write_bytes(tgz(chart_files(
        "promtail", "6.7.4", {"daemonset.yaml": PROMTAIL}, "image:\n  repository: grafana/promtail\n  tag: 2.9.3\n")))
    return chart


def test_loki_stack_with_its_dependencies_vendored_renders_them_and_honours_the_conditions(tmp_path):
    chart = _vendored_loki_stack(tmp_path)
    monitoring = write(chart / "values-monitoring.yaml", "grafana:\n  enabled: true\n")
    result = render(chart, tmp_path, environments=[ChartEnvironment(None, ()),
                                                   ChartEnvironment("monitoring", (monitoring,))])
    # datasources.yaml (the Grafana datasource ConfigMap), the test Pod, loki's and promtail's objects.
    assert sorted(objects(result)) == [
        ("ConfigMap", "loki-stack"), ("DaemonSet", "loki-stack-promtail"), ("Pod", "loki-stack-test"),
        ("Service", "loki-stack")]
    # An environment that enables grafana needs it: a problem at its entry, for that environment only.
    assert where(result) == [("loki-stack/requirements.yaml", 14, 3, "monitoring")]
    assert result.problems[0].message.startswith("dependency 'grafana' (version ~6.43.0 from "
                                                 "https://grafana.github.io/helm-charts) is not vendored")
    assert result.problems[0].message.endswith("; its objects are not linted")
    # The loki-stack templates that take loki's values render with them (the test pod's LOKI_PORT).
    pod, _ = objects(result)[("Pod", "loki-stack-test")]
    env = {e["name"]: e["value"] for e in pod.body["spec"]["containers"][0]["env"]}
    assert env == {"LOKI_SERVICE": "loki-stack", "LOKI_PORT": "3100"}
    # Values of a vendored directory point at it; the parent's loki: key would win over it.
    daemonset, _ = objects(result)[("DaemonSet", "loki-stack-promtail")]
    assert daemonset.locate(IMAGE, False).location == Location("loki-stack/charts/promtail-6.7.4.tgz", 1, 1)


def test_requirements_yaml_replaces_the_dependencies_of_chart_yaml_as_helms_loader_does(tmp_path):
    chart = tmp_path / "old"
    write(chart / "Chart.yaml", "apiVersion: v1\nname: old\nversion: 0.1.0\ndependencies:\n  - name: gone\n"
                                "    version: 1.0.0\n    repository: https://charts.example.com\n")
    write(chart / "requirements.yaml", "dependencies:\n  - name: db\n    version: 1.0.0\n"
                                       "    repository: https://charts.example.com\n")
    write(chart / "templates" / "cm.yaml", configmap("old"))
    result = render(chart, tmp_path)
    assert where(result) == [("old/requirements.yaml", 2, 5, None)]
    assert "dependency 'db'" in result.problems[0].message


# -- condition, tags, alias: lintops decides as Helm's engine does ---------------------------------------------

SEMANTICS_CHART = textwrap.dedent("""\
    apiVersion: v2
    name: top
    version: 0.1.0
    dependencies:
      - name: sub
        alias: front
        version: 1.0.0
        condition: front.enabled,global.front.enabled
        tags: [front-end, web]
      - name: sub
        alias: back
        version: 1.0.0
        tags: [back-end]
      - name: sub
        alias: spaced
        version: 1.0.0
        condition: missing.path, spaced.enabled
      - name: sub
        alias: typed
        version: 1.0.0
        condition: typed.enabled,typed.on
    """)

#: Values to try (each one environment), covering the rules read in processDependencyTags/-Conditions.
SEMANTICS_VALUES = {
    "defaults": {},
    "condition-false": {"front": {"enabled": False}},
    "second-condition": {"global": {"front": {"enabled": False}}},
    "first-condition-wins": {"front": {"enabled": True}, "global": {"front": {"enabled": False}}},
    "condition-over-tags": {"tags": {"front-end": False, "web": False}, "front": {"enabled": True}},
    "all-tags-false": {"tags": {"front-end": False, "web": False}},
    "one-tag-true": {"tags": {"front-end": False, "web": True}},
    "tag-not-bool": {"tags": {"back-end": "no"}},
    "tags-not-a-table": {"tags": ["back-end"]},
    "back-off": {"tags": {"back-end": False}},
    "spaces-are-part-of-the-path": {"spaced": {"enabled": False}},
    "non-bool-is-skipped": {"typed": {"enabled": "false", "on": False}},
    "table-is-no-value": {"typed": {"enabled": {"x": 1}, "on": False}},
    "null-is-skipped": {"typed": {"enabled": None, "on": False}},
}


def test_enabled_entries_are_decided_as_helms_engine_decides_them(tmp_path):
    from lintops.inputs.helm.conditions import enabled
    from lintops.inputs.helm.load import _load_chart
    from lintops.inputs.helm.values import _coalesce, _nest

    chart_dir = tmp_path / "top"
    write(chart_dir / "Chart.yaml", SEMANTICS_CHART)
    write(chart_dir / "templates" / "cm.yaml", configmap("top"))
    write(chart_dir / "charts" / "sub" / "Chart.yaml", "apiVersion: v2\nname: sub\nversion: 1.0.0\n")
    write(chart_dir / "charts" / "sub" / "values.yaml", "replicas: 1\n")
    write(chart_dir / "charts" / "sub" / "templates" / "cm.yaml", configmap("{{ .Chart.Name }}"))
    for name, values in SEMANTICS_VALUES.items():
        write(chart_dir / f"values-{name}.yaml", json.dumps(values) + "\n")
    result = render(chart_dir, tmp_path)
    assert result.problems == []
    chart = _load_chart(chart_dir, str, []).with_prefix(())
    defaults: dict = {}
    for sub in chart.all_charts():
        defaults = _coalesce(defaults, _nest(sub.prefix, sub.values))
    kept = {}
    for name, values in SEMANTICS_VALUES.items():
        kept[name] = sorted(n for (_, n) in objects(result, name) if n != "top")
        effective = _coalesce(values, defaults)
        ours = sorted(d.key for d in chart.dependencies if enabled(d, effective, (), effective.get("tags")))
        assert ours == kept[name], name
    # What the cases show of Helm's rules.
    assert kept["defaults"] == ["back", "front", "spaced", "typed"]
    assert "front" in kept["condition-over-tags"] and "front" not in kept["all-tags-false"]
    assert "front" in kept["one-tag-true"] and "front" in kept["first-condition-wins"]
    assert "front" not in kept["second-condition"] and "back" not in kept["back-off"]
    assert "back" in kept["tag-not-bool"] and "back" in kept["tags-not-a-table"]
    assert "spaced" in kept["spaces-are-part-of-the-path"]  # " spaced.enabled" names no value
    assert not {"typed"} & {*kept["non-bool-is-skipped"], *kept["table-is-no-value"], *kept["null-is-skipped"]}


def test_a_missing_dependency_disabled_by_tags_or_condition_is_no_error_but_an_enabled_one_is(tmp_path):
    chart = _parent(tmp_path, textwrap.dedent("""\
          - name: postgresql
            version: 12.1.2
            repository: https://charts.bitnami.com/bitnami
            condition: postgresql.enabled
          - name: redis
            version: 17.3.7
            repository: oci://registry-1.docker.io/bitnamicharts
            tags: [cache]
        """))
    write(chart / "values.yaml", "postgresql:\n  enabled: false\ntags:\n  cache: false\n")
    write(chart / "values-prod.yaml", "postgresql:\n  enabled: true\n")
    write(chart / "values-cache.yaml", "tags:\n  cache: true\n")
    write(chart / "values-staging.yaml", "replicas: 1\n")
    result = render(chart, tmp_path)
    assert where(result) == [("app/Chart.yaml", 9, 3, "cache"), ("app/Chart.yaml", 5, 3, "prod")]
    assert {s.source.environment for s in result.sources} == {"cache", "prod", "staging"}


def test_a_missing_dependency_below_a_vendored_sub_chart_is_reported_where_it_is_listed(tmp_path):
    chart = _parent(tmp_path, "  - name: mid\n    version: 0.1.0\n    repository: https://charts.example.com\n")
    mid = chart / "charts" / "mid"
    write(mid / "Chart.yaml", "apiVersion: v2\nname: mid\nversion: 0.1.0\ndependencies:\n  - name: leaf\n"
                              "    version: 1.0.0\n    repository: https://charts.example.com\n"
                              "    condition: leaf.on\n")
    write(mid / "values.yaml", "leaf:\n  on: true\n")
    write(mid / "templates" / "cm.yaml", configmap("mid"))
    write(chart / "values-off.yaml", "mid:\n  leaf:\n    on: false\n")
    write(chart / "values-on.yaml", "replicas: 2\n")
    result = render(chart, tmp_path)
    # The condition path is relative to mid's place in the top chart's values: mid.leaf.on.
    assert where(result) == [("app/charts/mid/Chart.yaml", 5, 5, "on")]
    assert "dependency 'leaf'" in result.problems[0].message


# -- import-values: the same values as Helm ------------------------------------------------------------------


def test_import_values_reach_the_parent_as_helm_imports_them(tmp_path):
    from lintops.inputs.helm.import_values import import_layers
    from lintops.inputs.helm.load import _load_chart
    from lintops.inputs.helm.values import _coalesce, _Layer, _nest

    chart_dir = tmp_path / "top"
    write(chart_dir / "Chart.yaml", textwrap.dedent("""\
        apiVersion: v2
        name: top
        version: 0.1.0
        dependencies:
          - name: db
            version: 1.0.0
            import-values:
              - settings
              - child: image
                parent: images.db
              - child: missing.table
                parent: never
              - child: scalar
                parent: notATable
          - name: db
            alias: replica
            version: 1.0.0
            import-values:
              - child: exports.settings
                parent: replicaSettings
        """))
    write(chart_dir / "values.yaml", "mode: parent-wins\nsettings:\n  kept: true\nreplica:\n  exports:\n"
                                     "    settings:\n      mode: replica\n")
    write(chart_dir / "templates" / "values.yaml", configmap("top", "{values: {{ toJson .Values | quote }}}"))
    write(chart_dir / "charts" / "db" / "Chart.yaml", "apiVersion: v2\nname: db\nversion: 1.0.0\n")
    write(chart_dir / "charts" / "db" / "values.yaml", textwrap.dedent("""\
        image: {repository: postgres, tag: "16"}
        scalar: 3
        exports:
          settings:
            mode: child
            pool: 5
        """))
    write(chart_dir / "charts" / "db" / "templates" / "cm.yaml", configmap("{{ .Chart.Name }}"))
    result = render(chart_dir, tmp_path)
    assert result.problems == []
    rendered, _ = objects(result)[("ConfigMap", "top")]
    helm_values = json.loads(rendered.body["data"]["values"])
    chart = _load_chart(chart_dir, str, []).with_prefix(())
    defaults: dict = {}
    layers = []
    for sub in chart.all_charts():
        defaults = _coalesce(defaults, _nest(sub.prefix, sub.values))
        layers.append(_Layer(sub.name, sub.values, None, sub.prefix))
    ours, _ = import_layers(chart, defaults, layers)
    for key in ("mode", "pool", "settings", "images", "replicaSettings"):
        assert ours[key] == helm_values[key], key
    # The string form imports the child's exports.settings table at the parent's top level, under its own values.
    assert (helm_values["mode"], helm_values["pool"]) == ("parent-wins", 5)
    assert "never" not in helm_values and "notATable" not in helm_values


# -- the helm binary: helm template refuses a chart with a listed dependency missing ---------------------------

FAKE_HELM = """\
import json, sys
import helm_python

args = sys.argv[1:]
if args[0] == "package":  # helm package CHART --destination DIR
    with helm_python.Chart.load(args[1]) as loaded:
        print(loaded.save(args[args.index("--destination") + 1]))
    sys.exit(0)
release, chart = args[1], args[2]
namespace = args[args.index("--namespace") + 1]
values = {}
for index, arg in enumerate(args):
    if arg == "--values":
        with open(args[index + 1]) as handle:
            values.update(json.load(handle))
with helm_python.Chart.load(chart) as loaded:
    rendered = loaded.render(values, name=release, namespace=namespace, is_install=True)
for key in sorted(rendered):
    if key.endswith("NOTES.txt") or not rendered[key].strip():
        continue
    print("---")
    print("# Source: " + key)
    print(rendered[key].strip("\\n"))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in helm is a script with a shebang")
def test_with_the_binary_file_dependencies_render_and_a_disabled_missing_one_stops_the_render(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "helm"
    script.write_text(f"#!{sys.executable}\n{FAKE_HELM}")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.undo()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    assert backends.available_backend() == "binary"
    app = monorepo(tmp_path / "repo")
    result = render(app, tmp_path / "repo")
    assert result.problems == []
    assert sorted(objects(result)) == [("ConfigMap", "app"), ("Deployment", "app-web"), ("Deployment", "app-worker")]
    shop = tmp_path / "shop"
    shutil.copytree(FIXTURES / "helm" / "shop", shop)
    refused = render(shop, tmp_path)
    assert where(refused) == [("shop/Chart.yaml", 10, 5, None)]  # postgresql: disabled, and still required
    assert refused.problems[0].message.endswith(
        "; helm template refuses a chart whose listed dependencies are not all under charts/ (enabled or not), so "
        "chart 'shop' produced no objects")
    assert refused.sources == []


# -- through the command line: findings at file:line:col, the other files still linted ---------------------------

POD = ("apiVersion: v1\nkind: Pod\nmetadata: {name: other}\nspec:\n  containers:\n    - name: app\n"
       "      image: nginx:latest\n")


def lint(root: Path) -> tuple[int, dict, str]:
    completed = subprocess.run([sys.executable, "-m", "lintops", "check", "--format", "json", "."], cwd=root,
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode in (0, 1), completed.stderr
    return completed.returncode, json.loads(completed.stdout), completed.stdout + completed.stderr


def findings(report: dict, rule: str) -> list[tuple[str, int, int]]:
    return sorted((f["path"], f["line"], f["column"]) for f in report["findings"] if f["rule"] == rule)


def test_the_command_line_reports_loki_stack_and_still_lints_the_rest(tmp_path):
    loki_stack(tmp_path / "charts")
    write(tmp_path / "pod.yaml", POD)
    code, report, _ = lint(tmp_path)
    assert findings(report, "render-failed") == [("charts/loki-stack/requirements.yaml", 2, 3),
                                                  ("charts/loki-stack/requirements.yaml", 6, 3)]
    assert ("pod.yaml", 7, 14) in findings(report, "pinned-image-tag")
    assert report["summary"]["not_linted"] == 3  # loki, promtail and the chart's own templates
    assert code == 1


def test_the_command_line_refuses_a_file_dependency_out_of_the_tree_without_reading_it(tmp_path):
    root, outside = tmp_path / "repo", tmp_path / "outside"
    write(outside / "lib" / "Chart.yaml", "apiVersion: v2\nname: lib\nversion: 1.0.0\n")
    write(outside / "lib" / "values.yaml", f"image: {MARKER}\n")
    os.mkfifo(outside / "lib" / "pipe.yaml")  # reading the directory through would block
    write(root / "charts" / "app" / "Chart.yaml", "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n"
                                                  "  - name: lib\n    version: 1.0.0\n"
                                                  "    repository: file://../../../outside/lib\n")
    write(root / "charts" / "app" / "templates" / "cm.yaml", configmap("app"))
    write(root / "pod.yaml", POD)
    (root / ".git").mkdir()
    code, report, output = lint(root)
    assert findings(report, "render-failed") == [("charts/app/Chart.yaml", 7, 17)]
    assert ("pod.yaml", 7, 14) in findings(report, "pinned-image-tag")
    assert MARKER not in output and code == 1


def test_the_command_line_lints_a_file_dependency_where_it_is_written(tmp_path):
    monorepo(tmp_path)
    (tmp_path / ".git").mkdir()
    _, report, _ = lint(tmp_path)
    assert findings(report, "render-failed") == []
    pinned = [(f["path"], f["line"], f["column"], sorted(o["name"] for o in f["objects"] or [f["object"]]))
              for f in report["findings"] if f["rule"] == "pinned-image-tag"]
    # The worker alias takes common's own tag (latest): found in common's values.yaml, where it is set, for
    # the umbrella's worker and for common rendered on its own.
    assert ("charts/common/values.yaml", 3, 3, ["app-worker", "common-common"]) in pinned
