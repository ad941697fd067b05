"""A hostile tree reaches no network and runs no foreign program: real listeners record every attempt.

Every test points the tree's references at a loopback HTTP server and a raw TCP listener of its own
(JSON Schema ``$ref``/``$schema``/``$id`` in values schemas, repository rules and CRDs; the remote
forms of kustomize and git), and asserts the finding at ``path:line:col``, that the listeners saw no
connection, that a file outside the tree was not read (its marker text appears in no output), and
that the other files were still linted. The renderers' environment is checked with real child
processes (``env``, ``git``, ``kubectl``).
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from builders import crd, deployment
from conftest import run_lintops, write
from lintops.inputs.offline import offline_environment

HAS_KUBECTL = shutil.which("kustomize") is not None or shutil.which("kubectl") is not None
needs_kustomize = pytest.mark.skipif(not HAS_KUBECTL, reason="needs kustomize or kubectl on PATH")
FILE_MARKER = "MARKER-OUTSIDE-FILE-5f1c"
HTTP_MARKER = "MARKER-FROM-HTTP-93ab"
SECRET = "MARKER-SECRET-VALUE-77e2"


class Listener:
    """A loopback TCP port that records every connection made to it (and answers HTTP when asked to)."""

    def __init__(self, speaks_http: bool) -> None:
        self.connections: list[bytes] = []
        self._lock = threading.Lock()
        if speaks_http:
            listener = self

            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self) -> None:
                    body = json.dumps({"enum": [HTTP_MARKER]}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

                def log_message(self, *args: object) -> None:
                    pass

            class Server(http.server.ThreadingHTTPServer):
                daemon_threads = True

                def verify_request(self, request, client_address) -> bool:  # every connection, HTTP or not
                    listener.record(b"connection")
                    return True

            self._server: http.server.ThreadingHTTPServer | None = Server(("127.0.0.1", 0), Handler)
            self.port = self._server.server_address[1]
            self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        else:
            self._server = None
            self._socket = socket.socket()
            self._socket.bind(("127.0.0.1", 0))
            self._socket.listen(16)
            self.port = self._socket.getsockname()[1]
            self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def record(self, what: bytes) -> None:
        with self._lock:
            self.connections.append(what)

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            self.record(b"connection")
            connection.close()

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        else:
            self._socket.close()


@pytest.fixture
def http_listener() -> Iterator[Listener]:
    listener = Listener(speaks_http=True)
    yield listener
    listener.close()


@pytest.fixture
def tcp_listener() -> Iterator[Listener]:
    listener = Listener(speaks_http=False)
    yield listener
    listener.close()


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A JSON schema outside the linted tree, whose marker must never appear in any output."""
    return write(tmp_path / "elsewhere" / "x.json", json.dumps({"enum": [FILE_MARKER], "$defs": {"a": {}}}))


def kubeconfig_at(path: Path, port: int) -> Path:
    """A kubeconfig whose cluster is one of our listeners (with a token that must never be sent)."""
    return write(path, f"""\
apiVersion: v1
kind: Config
clusters: [{{name: c, cluster: {{server: "http://127.0.0.1:{port}"}}}}]
users: [{{name: u, user: {{token: {SECRET}}}}}]
contexts: [{{name: x, context: {{cluster: c, user: u}}}}]
current-context: x
""")


# -- the renderers' environment ------------------------------------------------------------------


def test_a_child_gets_no_secret_and_no_kubeconfig_of_the_parent(tmp_path, monkeypatch, http_listener):
    monkeypatch.setenv("LINTOPS_TEST_SECRET", SECRET)
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig_at(tmp_path / "kubeconfig", http_listener.port)))
    monkeypatch.setenv("SSH_AUTH_SOCK", str(tmp_path / "agent.sock"))
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{http_listener.port}")
    monkeypatch.setenv("NO_PROXY", "*")
    with tempfile.TemporaryDirectory() as scratch:
        env = offline_environment(Path(scratch))
        printed = subprocess.run(["env"], env=env, capture_output=True, text=True, check=True).stdout
        seen = dict(line.split("=", 1) for line in printed.splitlines() if "=" in line)
        home = Path(seen["HOME"])
        assert home.parent == Path(scratch) and home.is_dir()
    assert SECRET not in printed and "LINTOPS_TEST_SECRET" not in seen and "SSH_AUTH_SOCK" not in seen
    assert Path(seen["KUBECONFIG"]).parent.parent == home
    assert seen["PATH"] == os.environ["PATH"]
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        assert seen[name] == "http://127.0.0.1:0"
    assert seen["NO_PROXY"] == "" and seen["no_proxy"] == ""
    assert seen["GIT_TERMINAL_PROMPT"] == "0" and seen["GIT_CONFIG_NOSYSTEM"] == "1"
    assert seen["GIT_SSH_COMMAND"] == "false" and seen["GIT_SSH"] == "false" and seen["GIT_ASKPASS"] == "false"
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "HELM_CACHE_HOME", "HELM_CONFIG_HOME",
                 "HELM_DATA_HOME", "HELM_PLUGINS", "GIT_CONFIG_GLOBAL"):
        assert Path(seen[name]).is_relative_to(home), name
    assert not Path(scratch).exists()  # the home goes with the caller's scratch directory
    assert http_listener.connections == []


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_can_use_no_transport(tmp_path, http_listener, tcp_listener):
    repository = tmp_path / "local.git"
    subprocess.run(["git", "init", "-q", "--bare", str(repository)], check=True)
    with tempfile.TemporaryDirectory() as scratch:
        env = offline_environment(Path(scratch))
        for url in (f"http://127.0.0.1:{http_listener.port}/org/repo.git",
                    f"https://127.0.0.1:{http_listener.port}/org/repo.git",
                    f"ssh://git@127.0.0.1:{tcp_listener.port}/org/repo.git",
                    f"git://127.0.0.1:{tcp_listener.port}/org/repo.git",
                    repository.as_uri(), str(repository)):
            done = subprocess.run(["git", "ls-remote", url], env=env, capture_output=True, text=True, timeout=30)
            assert done.returncode != 0, url
            assert "not allowed" in done.stderr, (url, done.stderr)
    assert http_listener.connections == [] and tcp_listener.connections == []


@needs_kustomize
def test_kubectl_never_dials_the_cluster_of_the_parents_kubeconfig(tmp_path, monkeypatch, http_listener):
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig_at(tmp_path / "kubeconfig", http_listener.port)))
    write(tmp_path / "k" / "kustomization.yaml", "resources: [cm.yaml]\n")
    write(tmp_path / "k" / "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    command = ["kustomize", "build"] if shutil.which("kustomize") else ["kubectl", "kustomize"]
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run([*command, str(tmp_path / "k")], env=offline_environment(Path(scratch)),
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "kind: ConfigMap" in done.stdout
    assert http_listener.connections == []


# -- kustomize: every remote form, in every field, refused before kustomize runs -----------------

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata:\n  a: b\n"


@pytest.fixture
def fake_git(tmp_path: Path, monkeypatch) -> Path:
    """A ``git`` first on PATH that records each invocation (and then fails): kustomize must never run it."""
    log = tmp_path / "git-invocations.log"
    bin_dir = tmp_path / "bin"
    write(bin_dir / "git", f"#!/bin/sh\necho \"$@\" >> '{log}'\nexit 1\n").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return log


def _remote_forms(http: int, tcp: int, outside: Path) -> list[str]:
    return [
        f"https://127.0.0.1:{http}/x.yaml",
        f"HTTPS://127.0.0.1:{http}/x.yaml",
        f"http://127.0.0.1:{http}/org/repo//dir?ref=v1",
        f"ssh://git@127.0.0.1:{tcp}/x.git",
        f"git::http://127.0.0.1:{http}/org/repo//dir",
        f"git::https://127.0.0.1:{http}/org/repo",
        f"git://127.0.0.1:{tcp}/x.git",
        f"{outside.parent.as_uri()}/repo.git",
        "root@127.0.0.1:org/repo.git",
        "git@127.0.0.1:org/repo",
        "git@127.0.0.1/org/repo",
        "127.0.0.1:org/repo.git",
        "gh:org/repo",
        "github.com/org/repo",
        "GitHub.com/org/repo?ref=v1",
        "gitlab.com/org/repo",
        "example.com/org/repo//deploy?ref=v1.0.0",
        "example.com/org/repo.git",
        "dev.azure.com/org/project/_git/repo",
    ]


def _render(root: Path, base: Path):
    from lintops.inputs.kustomize import render_kustomization

    return render_kustomization(root, display=lambda p: Path(os.path.relpath(p, base)).as_posix())


def _entry_position(text: str, entry: str) -> tuple[int, int]:
    quoted = json.dumps(entry)
    offset = text.index(quoted)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


@needs_kustomize
def test_every_remote_form_in_resources_is_refused_at_its_entry(tmp_path, http_listener, tcp_listener, outside,
                                                                 fake_git):
    repo = tmp_path / "repo"
    write(repo / "cm.yaml", CONFIGMAP)
    write(repo / "github.com" / "org" / "repo" / "kustomization.yaml", "resources: [../../../cm.yaml]\n")
    for number, entry in enumerate(_remote_forms(http_listener.port, tcp_listener.port, outside)):
        overlay = repo / f"overlay{number}"
        text = f"resources:\n  - ../cm.yaml\n  - {json.dumps(entry)}\n"
        write(overlay / "kustomization.yaml", text)
        if entry == "github.com/org/repo":  # a local directory of that name does not make it local
            (overlay / "github.com").symlink_to(repo / "github.com")
        result = _render(overlay, repo)
        assert result.sources == [], entry
        (problem,) = result.problems
        assert (problem.path, problem.line, problem.column) == (f"overlay{number}/kustomization.yaml", 3, 5), entry
        assert f"resources[1] {entry!r} is " in problem.message and "network" in problem.message, problem.message
    assert http_listener.connections == [] and tcp_listener.connections == []
    assert not fake_git.exists(), fake_git.read_text()


def _field_cases(url: str) -> list[tuple[str, str]]:
    """(kustomization text with ENTRY where the remote address goes, field as the message names it)."""
    base = "resources:\n  - ../cm.yaml\n"
    return [
        ("resources:\n  - ENTRY\n", "resources[0]"),
        ("bases:\n  - ENTRY\n", "bases[0]"),
        (base + "components:\n  - ENTRY\n", "components[0]"),
        (base + "patches:\n  - path: ENTRY\n", "patches[0].path"),
        (base + "patchesStrategicMerge:\n  - ENTRY\n", "patchesStrategicMerge[0]"),
        (base + "patchesJson6902:\n  - target: {kind: ConfigMap, name: plain, version: v1}\n    path: ENTRY\n",
         "patchesJson6902[0].path"),
        (base + "replacements:\n  - path: ENTRY\n", "replacements[0].path"),
        (base + "configMapGenerator:\n  - name: g\n    files:\n      - ENTRY\n", "configMapGenerator[0].files[0]"),
        (base + "configMapGenerator:\n  - name: g\n    envs:\n      - ENTRY\n", "configMapGenerator[0].envs[0]"),
        (base + "configMapGenerator:\n  - name: g\n    env: ENTRY\n", "configMapGenerator[0].env"),
        (base + "secretGenerator:\n  - name: g\n    files:\n      - ENTRY\n", "secretGenerator[0].files[0]"),
        (base + "openapi:\n  path: ENTRY\n", "openapi.path"),
        (base + "crds:\n  - ENTRY\n", "crds[0]"),
        (base + "configurations:\n  - ENTRY\n", "configurations[0]"),
        (base + "transformers:\n  - ENTRY\n", "transformers[0]"),
        (base + "generators:\n  - ENTRY\n", "generators[0]"),
        (base + "validators:\n  - ENTRY\n", "validators[0]"),
        (base + "helmCharts:\n  - name: c\n    version: 1.0.0\n    repo: ENTRY\n", "helmCharts[0].repo"),
        (base + "helmCharts:\n  - name: c\n    valuesFile: ENTRY\n", "helmCharts[0].valuesFile"),
        (base + "helmGlobals:\n  chartHome: ENTRY\n", "helmGlobals.chartHome"),
    ]


@needs_kustomize
def test_remote_addresses_in_every_field_kustomize_loads_from_are_refused(tmp_path, http_listener, fake_git):
    repo = tmp_path / "repo"
    write(repo / "cm.yaml", CONFIGMAP)
    url = f"http://127.0.0.1:{http_listener.port}/remote.yaml"
    for number, (template, field) in enumerate(_field_cases(url)):
        overlay = repo / f"overlay{number}"
        text = template.replace("ENTRY", json.dumps(url))
        write(overlay / "kustomization.yaml", text)
        result = _render(overlay, repo)
        assert result.sources == [], field
        (problem,) = result.problems
        assert (problem.path, problem.line, problem.column) == (f"overlay{number}/kustomization.yaml",
                                                                *_entry_position(text, url)), field
        assert problem.message.startswith(f"{field} {url!r} is "), problem.message
    keyed = repo / "keyed"
    text = f"configMapGenerator:\n  - name: g\n    files:\n      - {json.dumps('k=' + url)}\n"
    write(keyed / "kustomization.yaml", text)
    (problem,) = _render(keyed, repo).problems
    assert (problem.line, problem.column) == _entry_position(text, "k=" + url)
    assert http_listener.connections == []
    assert not fake_git.exists()


@needs_kustomize
def test_a_remote_address_in_a_base_stops_the_overlay_and_local_overlays_still_render(tmp_path, http_listener):
    repo = tmp_path / "repo"
    write(repo / "base" / "cm.yaml", CONFIGMAP)
    text = f"resources:\n  - cm.yaml\npatches:\n  - path: {json.dumps(f'https://127.0.0.1:{http_listener.port}/p')}\n"
    write(repo / "base" / "kustomization.yaml", text)
    write(repo / "prod" / "kustomization.yaml", "resources:\n  - ../base\n")
    (problem,) = _render(repo / "prod", repo).problems
    assert (problem.path, problem.line, problem.column) == ("base/kustomization.yaml", 4, 11)
    write(repo / "local" / "kustomization.yaml", "resources:\n  - cm.yaml\n")
    write(repo / "local" / "cm.yaml", CONFIGMAP)
    result = _render(repo / "local", repo)
    assert result.problems == [] and [s.source.path for s in result.sources] == ["local/cm.yaml"]
    assert http_listener.connections == []


def test_local_paths_are_not_taken_for_remote_addresses(tmp_path):
    from lintops.inputs.kustomize.remote import remote_form

    write(tmp_path / "app.staging" / "x.yaml", CONFIGMAP)
    for entry in ("../base", "deployment.yaml", "config.d/x.yaml", "base.v1/x.yaml", "app.staging/x.yaml",
                  "./github.com.yaml", "apiVersion: v1\nkind: ConfigMap\n", '{"op": "add"}', "C:/charts/x"):
        assert remote_form(entry, tmp_path) is None, entry



# -- JSON Schema references: values schemas, repository rules, CRDs ---------------------------------

DEPLOYMENT_WITH_TYPO = deployment(namespace="default", pod_spec="""\
    containers:
      - name: web
        image: nginx:1.25.3
        imagePulPolicy: Always
    """)


def _lint(repo: Path, env: dict[str, str] | None = None) -> tuple[int, dict, str]:
    done = run_lintops("check", ".", "--format", "json", "-j", "1", cwd=repo, env=env)
    output = done.stdout + done.stderr
    assert FILE_MARKER not in output and HTTP_MARKER not in output and SECRET not in output
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout) if done.stdout.strip() else {}, done.stderr


def _at(report: dict, rule: str) -> list[tuple[str, int, int]]:
    return sorted((f["path"], f["line"], f["column"]) for f in report["findings"] if f["rule"] == rule)


def _typo_found(report: dict) -> bool:
    return ("plain.yaml", 12, 11) in _at(report, "schema")


def _position_of(text: str, needle: str) -> tuple[int, int]:
    offset = text.index(needle)
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _chart(repo: Path, schema_text: str) -> str:
    chart = repo / "charts" / "app"
    write(chart / "Chart.yaml", "apiVersion: v2\nname: app\nversion: 0.1.0\n")
    write(chart / "values.yaml", "mode: fast\nimage: nginx:1.25.3\n")
    write(chart / "templates" / "cm.yaml",
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  mode: {{ .Values.mode | quote }}\n")
    write(chart / "values.schema.json", schema_text)
    return schema_text


needs_helm = pytest.mark.skipif(
    shutil.which("helm") is None and __import__("importlib").util.find_spec("helm_python") is None,
    reason="needs helm-python-sdk or the helm binary")


@needs_helm
def test_values_schema_references_out_of_the_chart_are_refused_at_their_keys(tmp_path, http_listener, outside):
    repo = tmp_path / "repo"
    write(repo / "plain.yaml", DEPLOYMENT_WITH_TYPO)
    http = f"http://127.0.0.1:{http_listener.port}"
    text = _chart(repo, f"""{{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "properties": {{
    "mode": {{"$ref": "{outside.as_uri()}"}},
    "image": {{"$ref": "{http}/image.json"}},
    "up": {{"$ref": "../../../elsewhere/x.json"}},
    "nested": {{"$id": "{http}/base/", "properties": {{"x": {{"$ref": "x.json"}}}}}},
    "meta": {{"$schema": "{http}/meta", "type": "object"}},
    "dynamic": {{"$dynamicRef": "{http}/dynamic"}},
    "fine": {{"$ref": "#/definitions/fine"}}
  }},
  "definitions": {{"fine": {{"type": "string"}}}}
}}
""")
    code, report, _ = _lint(repo)  # 2020-12: Helm knows no $dynamicRef in draft-07 and never follows one there
    expected = sorted(("charts/app/values.schema.json", *_position_of(text, needle)) for needle in (
        f'"$ref": "{outside.as_uri()}', f'"$ref": "{http}/image.json', '"$ref": "../../../elsewhere',
        '"$ref": "x.json"', f'"$schema": "{http}/meta', '"$dynamicRef"'))
    assert _at(report, "render-failed") == expected
    assert code == 1 and _typo_found(report)  # the other files were still linted
    assert report["summary"]["objects"] == 2  # the Deployment, and the chart's ConfigMap: the chart still rendered
    assert http_listener.connections == []


@needs_helm
def test_values_schema_naming_a_file_of_the_chart_is_refused_as_helm_refuses_it(tmp_path, http_listener):
    # Helm resolves "defs.json" against file:///values.schema.json and opens /defs.json, not the chart's
    # file: the chart does not install (tests/test_values_schema_refs.py asks Helm). lintops used to read the
    # chart's defs.json and validate with it, a false green; now it is the finding Helm's failure is.
    repo = tmp_path / "repo"
    text = _chart(repo, '{"properties": {"mode": {"$ref": "defs.json#/definitions/mode"}}}')
    write(repo / "charts" / "app" / "defs.json", '{"definitions": {"mode": {"enum": ["slow", "medium"]}}}')
    code, report, _ = _lint(repo)
    assert code == 1
    (finding,) = [f for f in report["findings"] if f["rule"] == "render-failed"]
    assert (finding["path"], finding["line"], finding["column"]) == ("charts/app/values.schema.json",
                                                                     *_position_of(text, '"$ref"'))
    assert "Helm opens /defs.json of the machine that installs the chart" in finding["message"]
    assert '"slow"' not in json.dumps(report)  # the chart's defs.json was not read
    assert http_listener.connections == []


def _rule(repo: Path, schema_yaml: str) -> str:
    text = ("id: team-rule\nseverity: error\nsummary: a team rule\ncheck: json-schema\ntargets: ['*']\n"
            "params:\n  message: \"{name} breaks the team rule\"\n  schema:\n" + schema_yaml)
    write(repo / ".lintops" / "rules" / "team.yaml", text)
    return text


@pytest.mark.parametrize("schema_yaml, needle", [
    ("    $schema: \"http://127.0.0.1:{port}/meta\"\n", "$schema"),
    ("    properties:\n      kind:\n        $ref: \"http://127.0.0.1:{port}/kind.json\"\n", "$ref"),
    ("    $defs:\n      a:\n        $ref: \"{outside}\"\n", "$ref"),
    ("    $id: \"http://127.0.0.1:{port}/base/\"\n    properties:\n      kind:\n        $ref: \"kind.json\"\n",
     "$ref"),
    ("    properties:\n      kind:\n        $dynamicRef: \"https://127.0.0.1:{port}/d\"\n", "$dynamicRef"),
    ("    items:\n      $recursiveRef: \"http://127.0.0.1:{port}/r\"\n", "$recursiveRef"),
])
def test_a_repository_rule_referring_out_of_its_schema_is_a_rule_file_error(tmp_path, http_listener, outside,
                                                                             schema_yaml, needle):
    repo = tmp_path / "repo"
    write(repo / "plain.yaml", DEPLOYMENT_WITH_TYPO)
    text = _rule(repo, schema_yaml.format(port=http_listener.port, outside=outside.as_uri()))
    code, _, stderr = _lint(repo)
    line, column = _position_of(text, needle + ":")
    assert code == 2
    assert f".lintops/rules/team.yaml:{line}:{column}: rule 'team-rule'" in stderr, stderr
    assert http_listener.connections == []


def test_a_repository_rule_with_a_bundled_draft_still_works(tmp_path, http_listener):
    repo = tmp_path / "repo"
    write(repo / "plain.yaml", DEPLOYMENT_WITH_TYPO)
    _rule(repo, "    $schema: \"http://json-schema.org/draft-07/schema#\"\n    required: [spec]\n"
                "    properties:\n      kind: {$ref: \"#/definitions/kind\"}\n"
                "    definitions:\n      kind: {const: Service}\n")
    code, report, _ = _lint(repo)
    assert code == 1 and _typo_found(report)
    assert _at(report, "team-rule") == [("plain.yaml", 2, 7)]
    assert http_listener.connections == []


def test_a_crd_referring_out_of_itself_is_not_used_and_said_at_its_key(tmp_path, http_listener, outside):
    repo = tmp_path / "repo"
    write(repo / "plain.yaml", DEPLOYMENT_WITH_TYPO)
    text = write(repo / "crd.yaml", crd("Widget", schema=f"""\
        type: object
        properties:
          spec:
            $ref: "http://127.0.0.1:{http_listener.port}/widget.json"
          status:
            $ref: "{outside.as_uri()}"
        """) + "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: default}\n"
                                     "spec: {size: 3}\n").read_text()
    code, report, _ = _lint(repo)
    refused = [f for f in report["findings"] if f["rule"] == "schema-missing" and "is not used" in f["message"]]
    assert sorted((f["path"], f["line"], f["column"]) for f in refused) == [("crd.yaml", 17, 15), ("crd.yaml", 19, 15)]
    assert _position_of(text, "$ref: \"http") == (17, 15)
    assert _position_of(text, f'$ref: "{outside.as_uri()}') == (19, 15)
    widget = [f for f in report["findings"] if f["object"] and f["object"]["kind"] == "Widget"]
    assert [f["rule"] for f in widget] == ["schema-missing"]  # not validated against the refused CRD
    assert _typo_found(report) and code == 1
    assert http_listener.connections == []


def _tgz(files: dict[str, bytes]) -> bytes:
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@needs_helm
def test_a_vendored_archive_whose_schema_refers_out_is_not_given_to_helm(tmp_path, http_listener, outside):
    repo = tmp_path / "repo"
    write(repo / "plain.yaml", DEPLOYMENT_WITH_TYPO)
    chart = repo / "charts" / "app"
    write(chart / "Chart.yaml", "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n"
                                "  - {name: sub, version: 0.1.0, repository: 'file://../sub'}\n"
                                "  - {name: deep, version: 0.1.0, repository: 'file://../deep'}\n")
    write(chart / "values.yaml", "a: 1\n")
    write(chart / "templates" / "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\n")

    def subchart(name: str, schema: dict, extra: dict[str, bytes] | None = None) -> bytes:
        return _tgz({f"{name}/Chart.yaml": f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n".encode(),
                     f"{name}/values.yaml": b"b: 1\n", f"{name}/values.schema.json": json.dumps(schema).encode(),
                     f"{name}/templates/cm.yaml": f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\n"
                     .encode(), **(extra or {})})

    (chart / "charts").mkdir()
    http = f"http://127.0.0.1:{http_listener.port}/sub-schema"
    (chart / "charts" / "sub-0.1.0.tgz").write_bytes(subchart("sub", {"properties": {"b": {"$ref": http}}}))
    inner = subchart("inner", {"properties": {"b": {"$ref": outside.as_uri()}}})
    (chart / "charts" / "deep-0.1.0.tgz").write_bytes(subchart("deep", {}, {"deep/charts/inner-0.1.0.tgz": inner}))
    code, report, _ = _lint(repo)
    refused = {(f["path"], f["line"], f["column"]): f["message"] for f in report["findings"]
               if f["rule"] == "render-failed"}
    assert set(refused) == {("charts/app/charts/sub-0.1.0.tgz", 1, 1), ("charts/app/charts/deep-0.1.0.tgz", 1, 1)}
    assert refused[("charts/app/charts/sub-0.1.0.tgz", 1, 1)].startswith("sub/values.schema.json (inside the archive)")
    assert "deep/charts/inner-0.1.0.tgz:inner/values.schema.json" in refused[("charts/app/charts/deep-0.1.0.tgz", 1, 1)]
    assert code == 1 and _typo_found(report)
    assert http_listener.connections == []


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="needs kubectl (wrapped as kustomize to see its env)")
def test_a_whole_run_reaches_no_cluster_fetches_nothing_and_passes_no_secret(tmp_path, http_listener, tcp_listener):
    repo = tmp_path / "repo"
    write(repo / "plain.yaml", DEPLOYMENT_WITH_TYPO)
    write(repo / "overlays" / "good" / "kustomization.yaml", "resources:\n  - cm.yaml\n")
    write(repo / "overlays" / "good" / "cm.yaml", CONFIGMAP)
    ssh, https = f"ssh://git@127.0.0.1:{tcp_listener.port}/x.git", f"https://127.0.0.1:{http_listener.port}/x.yaml"
    write(repo / "overlays" / "remote" / "kustomization.yaml",
          f"resources:\n  - {ssh}\n  - {https}\nconfigMapGenerator:\n  - name: g\n    files:\n      - {https}\n")
    seen = tmp_path / "renderer-env.log"
    bin_dir = tmp_path / "bin"  # a kustomize that records the environment it gets, then builds with kubectl
    write(bin_dir / "kustomize", f"#!/bin/sh\nenv > '{seen}'\nshift\nexec kubectl kustomize \"$@\"\n").chmod(0o755)
    parent = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "LINTOPS_TEST_SECRET": SECRET,
              "KUBECONFIG": str(kubeconfig_at(tmp_path / "kubeconfig", http_listener.port)),
              "HTTPS_PROXY": f"http://127.0.0.1:{http_listener.port}", "GIT_SSH_COMMAND": "ssh -v"}
    code, report, _ = _lint(repo, env=parent)
    assert _at(report, "render-failed") == [("overlays/remote/kustomization.yaml", 2, 5),
                                            ("overlays/remote/kustomization.yaml", 3, 5),
                                            ("overlays/remote/kustomization.yaml", 7, 9)]
    assert code == 1 and _typo_found(report)
    assert report["summary"]["objects"] == 2  # the Deployment and the good overlay's ConfigMap
    child = dict(line.split("=", 1) for line in seen.read_text().splitlines() if "=" in line)
    assert SECRET not in seen.read_text() and "LINTOPS_TEST_SECRET" not in child
    assert child["KUBECONFIG"] != parent["KUBECONFIG"] and child["HOME"] != os.environ.get("HOME")
    assert child["GIT_SSH_COMMAND"] == "false" and child["HTTPS_PROXY"] == "http://127.0.0.1:0"
    assert http_listener.connections == [] and tcp_listener.connections == []


# -- the libraries' own hooks: nothing is fetched or read even past the up-front check --------------


def test_foreign_references_reads_schemas_as_the_libraries_do():
    from lintops.schema.refs import foreign_references

    def found(schema, **kwargs):
        return [(r.pointer, r.keyword) for r in foreign_references(schema, **kwargs)]

    assert found({"properties": {"enum": {"$ref": "http://h/x"}, "$ref": {"type": "string"}}}) == [
        ("/properties/enum/$ref", "$ref")]  # a property named enum is a schema; one named $ref is no reference
    assert found({"enum": [{"$ref": "http://h/x"}], "default": {"$schema": "http://h/"}, "const": {"$ref": "x"}}) == []
    assert found({"$defs": {"a": {"$id": "http://h/a.json"}}, "$ref": "http://h/a.json#/x"}) == []  # embedded
    assert found({"$id": "http://h/base/", "items": {"$ref": "#/definitions/a"}}) == []
    assert found({"$id": "http://h/base/", "items": {"$ref": "a.json"}}) == [("/items/$ref", "$ref")]
    assert found({"$ref": "https://json-schema.org/draft/2020-12/meta/validation",
                  "$schema": "http://json-schema.org/draft-07/schema"}) == []  # bundled, no fetch
    assert found({"allOf": [{"$ref": "a~b/c.json"}]}) == [("/allOf/0/$ref", "$ref")]
    assert found({"properties": {"a/b": {"$dynamicRef": "x.json"}}}) == [("/properties/a~1b/$dynamicRef",
                                                                         "$dynamicRef")]


def test_the_python_registry_reads_only_regular_files_inside_the_root(tmp_path, outside, http_listener):
    import jsonschema

    from lintops.schema.retrieval import python_registry

    chart = tmp_path / "chart"
    write(chart / "defs.json", json.dumps({"a": {"$ref": f"http://127.0.0.1:{http_listener.port}/a"},
                                           "b": {"enum": ["inside"]}}))
    os.symlink(outside, chart / "link.json")
    os.mkfifo(chart / "pipe.json")
    base = (chart / "values.schema.json").as_uri()
    for reference in ("defs.json#/a", "link.json", "pipe.json", outside.as_uri(), "../elsewhere/x.json",
                      f"http://127.0.0.1:{http_listener.port}/x"):
        validator = jsonschema.Draft7Validator({"$ref": reference}, registry=python_registry(chart, base))
        with pytest.raises(Exception) as raised:  # referencing's Unresolvable, as jsonschema wraps it
            list(validator.iter_errors("value"))
        assert FILE_MARKER not in str(raised.value) and HTTP_MARKER not in str(raised.value), reference
    inside = jsonschema.Draft7Validator({"$ref": "defs.json#/b"}, registry=python_registry(chart, base))
    assert [e.validator for e in inside.iter_errors("outside")] == ["enum"]
    assert http_listener.connections == []


def test_the_validators_are_built_with_retrieval_refused(http_listener, outside):
    import jsonschema_rs

    from lintops.schema.kube.validate import _PythonValidator, _RustValidator
    from lintops.schema.retrieval import refuse_retrieval, rust_registry

    http = f"http://127.0.0.1:{http_listener.port}"
    for schema in ({"$ref": f"{http}/x"}, {"$ref": outside.as_uri()}, {"properties": {"a": {"$ref": f"{http}/y"}}}):
        with pytest.raises(Exception) as raised:  # the library's own error type
            jsonschema_rs.validator_for(schema, retriever=refuse_retrieval).is_valid({"a": 1})
        assert FILE_MARKER not in str(raised.value) and HTTP_MARKER not in str(raised.value)
        for backend in (_RustValidator, _PythonValidator):
            try:
                errors = backend(schema)({"a": 1})
            except Exception as exc:  # SchemaStore turns this into an unusable schema
                errors = [str(exc)]
            assert FILE_MARKER not in str(errors) and HTTP_MARKER not in str(errors)
    with pytest.raises(Exception):  # noqa: B017 - an unknown $schema: refused, not fetched
        jsonschema_rs.meta.validate({"$schema": f"{http}/meta"}, registry=rust_registry())
    assert http_listener.connections == []


@needs_helm
def test_a_chart_file_a_values_schema_may_load_refers_nowhere_else(tmp_path, http_listener):
    repo = tmp_path / "repo"
    _chart(repo, '{"properties": {"mode": {"$ref": "defs.json#/mode"}}}')
    write(repo / "charts" / "app" / "defs.json",
          json.dumps({"mode": {"$ref": f"http://127.0.0.1:{http_listener.port}/mode.json"}}))
    code, report, _ = _lint(repo)
    (finding,) = [f for f in report["findings"] if f["rule"] == "render-failed"]
    assert finding["path"] == "charts/app/values.schema.json" and "cannot be used" in finding["message"]
    assert code == 1 and http_listener.connections == []


def test_the_helm_binary_runs_in_the_offline_environment(tmp_path, monkeypatch, http_listener):
    from lintops.inputs.helm.backends import _BinarySession

    monkeypatch.setenv("LINTOPS_TEST_SECRET", SECRET)
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig_at(tmp_path / "kubeconfig", http_listener.port)))
    monkeypatch.setenv("HELM_REPOSITORY_CONFIG", str(tmp_path / "repositories.yaml"))
    helm = write(tmp_path / "bin" / "helm",  # prints its environment as a rendered template's comments
                 "#!/bin/sh\nprintf -- '---\\n# Source: c/templates/env.yaml\\n'\nenv | sed 's/^/# /'\n")
    helm.chmod(0o755)
    text = _BinarySession(str(helm), tmp_path).render({}, "release", "default")["c/templates/env.yaml"]
    seen = dict(line[2:].split("=", 1) for line in text.splitlines() if "=" in line)
    assert SECRET not in text and "LINTOPS_TEST_SECRET" not in seen
    assert seen["KUBECONFIG"] != os.environ["KUBECONFIG"] and seen["HELM_REPOSITORY_CONFIG"].startswith(seen["HOME"])
    assert seen["HELM_NO_PLUGINS"] == "1" and seen["GIT_ALLOW_PROTOCOL"] == "none"
    assert http_listener.connections == []


@needs_kustomize
def test_remote_addresses_inside_plugin_configurations_are_refused(tmp_path, http_listener):
    repo = tmp_path / "repo"
    write(repo / "cm.yaml", CONFIGMAP)
    url = f"http://127.0.0.1:{http_listener.port}/patch.yaml"
    inline = (f"resources:\n  - ../cm.yaml\ntransformers:\n  - |-\n    apiVersion: builtin\n"
              f"    kind: PatchTransformer\n    metadata:\n      name: p\n    path: {url}\n    target:\n"
              f"      kind: ConfigMap\n")
    write(repo / "inline" / "kustomization.yaml", inline)
    write(repo / "file" / "kustomization.yaml", "resources:\n  - ../cm.yaml\ngenerators:\n  - generator.yaml\n")
    generator = (f"apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: g\nfiles:\n  - k={url}\n---\n"
                 f"apiVersion: builtin\nkind: ReplacementTransformer\nmetadata:\n  name: r\n"
                 f"replacements:\n  - path: {url}\n")
    write(repo / "file" / "generator.yaml", generator)
    write(repo / "dir" / "kustomization.yaml", "resources:\n  - ../cm.yaml\nvalidators:\n  - ../plugins\n")
    write(repo / "plugins" / "kustomization.yaml", "resources:\n  - patch.yaml\n")
    write(repo / "plugins" / "patch.yaml", f"apiVersion: builtin\nkind: PatchStrategicMergeTransformer\n"
                                           f"metadata:\n  name: s\npaths:\n  - {url}\n")
    (problem,) = _render(repo / "inline", repo).problems
    assert (problem.path, problem.line, problem.column) == ("inline/kustomization.yaml", 4, 5)
    assert problem.message.startswith(f"transformers[0] (PatchTransformer) path {url!r} is an HTTP URL")
    problems = _render(repo / "file", repo).problems
    assert [(p.path, p.line, p.column) for p in problems] == [("file/generator.yaml", 6, 5),
                                                              ("file/generator.yaml", 13, 11)]
    assert problems[0].message.startswith(f"ConfigMapGenerator files[0] (named by generators[0]) 'k={url}'")
    (problem,) = _render(repo / "dir", repo).problems
    assert (problem.path, problem.line, problem.column) == ("plugins/patch.yaml", 6, 5)
    assert http_listener.connections == []
