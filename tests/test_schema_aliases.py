"""A values schema's ``$schema`` means what it means to Helm: aliases resolve to Helm's draft, offline.

prometheus-community's charts start their ``values.schema.json`` with ``"$schema":
"http://json-schema.org/schema#"``, the "current draft", which Helm's library (santhosh-tekuri/jsonschema
v6) takes as 2020-12 without fetching anything. lintops validates those values with 2020-12 too; what
Helm would fetch (draft-03, a typo, another host, another case) stays a finding at the key; repository
rules and CRDs keep the libraries' own drafts. Every run here has its proxies pointed at a loopback
listener that records connections (a fetch of json-schema.org would reach it), and a private host is
another listener of ours. The last test asks Helm itself, through helm-python-sdk, and checks lintops
reads each ``$schema`` as Helm does: the same draft, or refused exactly when Helm would fetch.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import run_lintops, write
from test_hostile_network import Listener

needs_helm = pytest.mark.skipif(
    shutil.which("helm") is None and __import__("importlib").util.find_spec("helm_python") is None,
    reason="needs helm-python-sdk or the helm binary")
needs_sdk = pytest.mark.skipif(__import__("importlib").util.find_spec("helm_python") is None,
                               reason="needs helm-python-sdk (Helm's own JSON Schema library)")

DEPLOYMENT_WITH_TYPO = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.25.3
          imagePulPolicy: Always
"""
#: The shape of prometheus-community's charts/prometheus/values.schema.json (its first lines).
PROMETHEUS_SCHEMA = """\
{
    "$schema": "http://json-schema.org/schema#",
    "type": "object",
    "properties": {
        "alertmanager": {
            "type": "object",
            "properties": {
                "enabled": {"type": "boolean"},
                "persistence": {"type": "object", "properties": {"size": {"type": "string"}}}
            }
        },
        "server": {
            "type": "object",
            "properties": {
                "replicaCount": {"type": "integer"},
                "ports": {"type": "array", "prefixItems": [{"type": "string"}]}
            }
        }
    }
}
"""
VALUES = """\
alertmanager:
  enabled: true
  persistence:
    size: 2Gi
server:
  replicaCount: two
  ports: [9090]
"""



@pytest.fixture
def proxy() -> Iterator[Listener]:
    """Where every http(s) request of a run goes: a fetch of json-schema.org would be recorded here."""
    listener = Listener(speaks_http=True)
    yield listener
    listener.close()


@pytest.fixture
def private_host() -> Iterator[Listener]:
    listener = Listener(speaks_http=True)
    yield listener
    listener.close()


def _proxied(proxy: Listener) -> dict[str, str]:
    address = f"http://127.0.0.1:{proxy.port}"
    return {**os.environ, "HTTP_PROXY": address, "HTTPS_PROXY": address, "http_proxy": address,
            "https_proxy": address, "NO_PROXY": "", "no_proxy": ""}


def _chart(repo: Path, schema_text: str, values: str = VALUES, name: str = "prometheus") -> Path:
    chart = repo / "charts" / name
    write(chart / "Chart.yaml", f"apiVersion: v2\nname: {name}\nversion: 29.27.0\n")
    write(chart / "values.yaml", values)
    write(chart / "templates" / "cm.yaml", f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"
                                          "data:\n  size: {{ .Values.alertmanager.persistence.size | quote }}\n")
    write(chart / "values.schema.json", schema_text)
    write(repo / "plain.yaml", DEPLOYMENT_WITH_TYPO)
    return chart


def _lint(repo: Path, proxy: Listener) -> tuple[int, dict]:
    done = run_lintops("check", ".", "--format", "json", "-j", "1", cwd=repo, env=_proxied(proxy))
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


def _render_failed(report: dict) -> list[tuple[str, int, int, str]]:
    return sorted((f["path"], f["line"], f["column"], f["message"]) for f in report["findings"]
                  if f["rule"] == "render-failed")


def _position_of(text: str, needle: str) -> tuple[int, int]:
    offset = text.index(needle)
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _others_linted(report: dict) -> bool:
    """The plain file next to the chart was linted (its misspelt key is a schema finding)."""
    return any((f["path"], f["line"], f["rule"]) == ("plain.yaml", 12, "schema") for f in report["findings"])


@needs_helm
def test_the_prometheus_shape_renders_and_its_values_are_validated_with_2020_12(tmp_path, proxy):
    repo = tmp_path / "repo"
    _chart(repo, PROMETHEUS_SCHEMA)
    code, report = _lint(repo, proxy)
    assert _render_failed(report) == [
        ("charts/prometheus/values.yaml", 6, 3, "values do not match charts/prometheus/values.schema.json at "
                                                "/server/replicaCount: must be of type integer"),
        ("charts/prometheus/values.yaml", 7, 11, "values do not match charts/prometheus/values.schema.json at "
                                                 "/server/ports/0: must be of type string")]  # prefixItems: 2020-12
    assert report["summary"]["rendered"] == 1  # the chart's ConfigMap, rendered from the same values
    assert code == 1 and _others_linted(report)
    assert proxy.connections == []


PORTS = "ports: [9090]\nalertmanager: {persistence: {size: 1Gi}}\n"  # an item prefixItems refuses


@needs_helm
def test_the_alias_is_2020_12_under_http_and_https(tmp_path, proxy):
    repo = tmp_path / "repo"
    drafts = {"http://json-schema.org/schema#": "2020-12", "http://json-schema.org/schema": "2020-12",
              "https://json-schema.org/schema#": "2020-12", "https://json-schema.org/schema": "2020-12",
              None: "2020-12",  # Helm's library applies its latest draft to a schema that names none
              "http://json-schema.org/draft-07/schema#": "draft-07"}  # where prefixItems means nothing
    expected = []
    for index, (declared, draft) in enumerate(drafts.items()):
        schema: dict = {"type": "object", "properties": {"ports": {"type": "array",
                                                                   "prefixItems": [{"type": "string"}]}}}
        _chart(repo, json.dumps({"$schema": declared, **schema} if declared else schema, indent=2), PORTS,
               f"chart{index}")
        if draft == "2020-12":
            expected.append((f"charts/chart{index}/values.yaml", 1, 9))
    code, report = _lint(repo, proxy)
    assert [problem[:3] for problem in _render_failed(report)] == expected
    assert report["summary"]["rendered"] == len(drafts) and code == 1 and _others_linted(report)
    assert proxy.connections == []


@needs_helm
def test_a_schema_helm_would_fetch_stays_refused_at_its_key(tmp_path, proxy, private_host):
    repo = tmp_path / "repo"
    private = f"http://127.0.0.1:{private_host.port}/meta.json"
    cases = [
        ("http://json-schema.org/draft-03/schema#", False),  # python-jsonschema has draft-03; Helm's library fetches it
        ("http://json-schema.org/scheme#", False),  # a typo
        ("HTTP://JSON-SCHEMA.ORG/schema#", False),  # Helm compares the scheme and host as written
        ("http://www.json-schema.org/schema#", False),
        ("https://json-schema.org/schema/", False),
        ("json-schema.org/schema", False),  # no URI: Helm refuses the schema
        (private, False),  # a private host
        (private, True),  # Helm resolves a nested $schema too, even where it then ignores it
        ("http://json-schema.org/draft-03/schema#", True),
    ]
    expected = []
    for index, (declared, nested) in enumerate(cases):
        inner = f'"$schema": {json.dumps(declared)}, ' if nested else ""
        text = ("{\n" + ("" if nested else f'  "$schema": {json.dumps(declared)},\n')
                + f'  "properties": {{\n    "server": {{{inner}"type": "object"}}\n  }}\n}}\n')
        _chart(repo, text, name=f"chart{index}")
        expected.append((f"charts/chart{index}/values.schema.json", *_position_of(text, '"$schema"')))
    code, report = _lint(repo, proxy)
    problems = _render_failed(report)
    assert [problem[:3] for problem in problems] == sorted(expected)
    for *_, message in problems:
        assert message.startswith("values.schema.json cannot be used: '$schema'"), message
        assert "Helm would fetch it or refuse the schema" in message
    assert report["summary"]["rendered"] == len(cases)  # each chart still rendered, without its schema
    assert code == 1 and _others_linted(report)
    assert proxy.connections == [] and private_host.connections == []


@needs_helm
def test_a_schema_that_is_no_schema_of_its_draft_is_a_finding_at_its_node(tmp_path, proxy):
    repo = tmp_path / "repo"
    text = ('{\n  "$schema": "http://json-schema.org/schema#",\n  "properties": {\n'
            '    "ports": {"items": [{"type": "string"}]}\n  }\n}\n')
    _chart(repo, text, PORTS)
    code, report = _lint(repo, proxy)
    (problem,) = _render_failed(report)
    assert problem[:3] == ("charts/prometheus/values.schema.json", *_position_of(text, '"items"'))
    assert problem[3].startswith('values.schema.json is not a valid JSON Schema (draft 2020-12, which Helm takes '
                                 '"http://json-schema.org/schema#" to mean): ')
    assert code == 1 and _others_linted(report)
    # The same list of item schemas is draft-07's tuple form: valid there, and its values validated.
    write(repo / "charts" / "prometheus" / "values.schema.json",
          text.replace("http://json-schema.org/schema#", "http://json-schema.org/draft-07/schema#"))
    code, report = _lint(repo, proxy)
    assert [problem[:3] for problem in _render_failed(report)] == [("charts/prometheus/values.yaml", 1, 9)]
    assert proxy.connections == []


@needs_helm
def test_what_else_helm_resolves_without_fetching(tmp_path, proxy):
    repo = tmp_path / "repo"
    cases = [
        # A vocabulary's meta-schema turns on that vocabulary only: properties (an applicator) is not applied.
        ({"$schema": "https://json-schema.org/draft/2020-12/meta/validation", "type": "object",
          "properties": {"ports": {"type": "string"}}}, []),
        # Helm takes an unresolved URN for the schema true: a $ref to one allows anything...
        ({"properties": {"ports": {"$ref": "urn:example:ports"}}}, []),
        # ... and a $schema naming one keeps the draft Helm would apply anyway.
        ({"$schema": "urn:example:dialect", "properties": {"ports": {"prefixItems": [{"type": "string"}]}}},
         [(1, 9)]),
        # Helm's library applies dependencies in 2020-12 as well.
        ({"dependencies": {"ports": ["replicas"]}}, [(1, 1)]),
    ]
    expected = []
    for index, (schema, found) in enumerate(cases):
        _chart(repo, json.dumps(schema), PORTS, f"chart{index}")
        expected.extend((f"charts/chart{index}/values.yaml", *place) for place in found)
    code, report = _lint(repo, proxy)
    assert [problem[:3] for problem in _render_failed(report)] == expected
    assert code == 1 and _others_linted(report) and proxy.connections == []


def _tgz(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@needs_helm
def test_a_vendored_archive_with_the_alias_is_given_to_helm_and_one_with_draft_03_is_not(tmp_path, proxy):
    repo = tmp_path / "repo"
    chart = _chart(repo, PROMETHEUS_SCHEMA, VALUES.replace("two", "2").replace("9090", "web"))
    write(chart / "Chart.yaml", "apiVersion: v2\nname: prometheus\nversion: 29.27.0\ndependencies:\n"
                                "  - {name: pushgateway, version: 3.8.0, repository: 'file://../pushgateway'}\n")
    (chart / "charts").mkdir()

    def archive(declared: str) -> None:
        schema = json.dumps({"$schema": declared, "properties": {"replicas": {"type": "integer"}}})
        (chart / "charts" / "pushgateway-3.8.0.tgz").write_bytes(_tgz({
            "pushgateway/Chart.yaml": "apiVersion: v2\nname: pushgateway\nversion: 3.8.0\n",
            "pushgateway/values.yaml": "replicas: 1\n", "pushgateway/values.schema.json": schema,
            "pushgateway/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: pushgateway}\n"}))

    archive("http://json-schema.org/schema#")  # Helm validates the sub-chart's values with it, offline
    code, report = _lint(repo, proxy)
    assert _render_failed(report) == [] and report["summary"]["rendered"] == 2
    archive("http://json-schema.org/draft-03/schema#")  # Helm would fetch that meta-schema
    code, report = _lint(repo, proxy)
    (problem,) = _render_failed(report)
    assert problem[:3] == ("charts/prometheus/charts/pushgateway-3.8.0.tgz", 1, 1)
    assert problem[3].startswith("pushgateway/values.schema.json (inside the archive) cannot be used: '$schema'")
    assert code == 1 and _others_linted(report)
    assert proxy.connections == []


def test_a_repository_rule_keeps_the_libraries_drafts(tmp_path, proxy):
    repo = tmp_path / "repo"
    write(repo / "plain.yaml", DEPLOYMENT_WITH_TYPO)
    text = write(repo / ".lintops" / "rules" / "team.yaml", (
        "id: team-rule\nseverity: error\nsummary: a team rule\ncheck: json-schema\ntargets: ['*']\n"
        "params:\n  message: \"{name} breaks the team rule\"\n  schema:\n"
        "    $schema: \"http://json-schema.org/schema#\"\n    required: [spec]\n")).read_text()
    done = run_lintops("check", ".", "--format", "json", "-j", "1", cwd=repo, env=_proxied(proxy))
    line, column = _position_of(text, "$schema:")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f".lintops/rules/team.yaml:{line}:{column}: rule 'team-rule'" in done.stderr, done.stderr
    assert proxy.connections == []


def test_a_crd_keeps_the_libraries_drafts_and_says_which_to_name(tmp_path, proxy):
    repo = tmp_path / "repo"
    write(repo / "plain.yaml", DEPLOYMENT_WITH_TYPO)
    text = write(repo / "crd.yaml", """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          $schema: "http://json-schema.org/schema#"
          type: object
""").read_text()
    code, report = _lint(repo, proxy)
    (refused,) = [f for f in report["findings"] if f["rule"] == "schema-missing" and "is not used" in f["message"]]
    assert (refused["path"], refused["line"], refused["column"]) == ("crd.yaml", *_position_of(text, "$schema"))
    assert "Helm's name for the current draft" in refused["message"]
    assert "https://json-schema.org/draft/2020-12/schema" in refused["message"]
    assert code == 1 and _others_linted(report)
    assert proxy.connections == []


# -- against Helm itself ---------------------------------------------------------------------------

HELM_CHILD = r"""
import json, sys
from helm_python import Chart
for line in sys.stdin:
    case = json.loads(line)
    with Chart.load(case["chart"]) as chart:
        try:
            chart.validate_schema(case["values"])
            print(json.dumps(""), flush=True)
        except Exception as exc:
            print(json.dumps(str(exc) or type(exc).__name__), flush=True)
"""
#: Keywords that tell the drafts apart: const (draft-06 on), dependentRequired (2019-09 on), prefixItems
#: (2020-12), type (the validation vocabulary), and a nested properties (the applicator vocabulary).
PROBE_SCHEMA = {"properties": {"c": {"const": 1}, "d": {"dependentRequired": {"x": ["y"]}},
                               "p": {"prefixItems": [{"type": "string"}]}, "t": {"type": "string"},
                               "n": {"properties": {"m": {"type": "string"}}}}}
PROBE_VALUES = {"c": 2, "d": {"x": 1}, "p": [1], "t": 1, "n": {"m": 1}}
DECLARED = [
    None, "http://json-schema.org/schema#", "http://json-schema.org/schema", "https://json-schema.org/schema#",
    "https://json-schema.org/schema", "http://json-schema.org/schema#anything", "http://json-schema.org/draft-04/schema#",
    "http://json-schema.org/draft-06/schema#", "https://json-schema.org/draft-07/schema",
    "http://json-schema.org/draft/2019-09/schema", "https://json-schema.org/draft/2020-12/schema#",
    "https://json-schema.org/draft/2020-12/meta/validation", "https://json-schema.org/draft/2019-09/meta/applicator",
    "urn:example:dialect", "http://json-schema.org/draft-03/schema#", "http://json-schema.org/draft-05/schema#",
    "http://json-schema.org/scheme#", "HTTP://JSON-SCHEMA.ORG/schema#", "http://JSON-SCHEMA.ORG/schema#",
    "http://www.json-schema.org/schema#", "http://json-schema.org/schema/", "https://json-schema.org/draft/next/schema",
    "json-schema.org/schema", "", " http://json-schema.org/schema#", "{private}/meta",
]


#: References to meta-schemas: Helm's library has these without fetching (an unresolved URN is ``true``)...
REFERENCES = ["http://json-schema.org/schema#", "https://json-schema.org/schema", "https://json-schema.org/draft-07/schema",
              "http://json-schema.org/draft/2020-12/meta/validation", "urn:example:anything",
              # ... and fetches these.
              "http://json-schema.org/draft-03/schema#", "HTTPS://JSON-SCHEMA.ORG/draft-07/schema", "{private}/s"]
#: Not a schema of any draft: a value that every meta-schema refuses, and that ``true`` allows.
REFERENCE_VALUES = {"s": {"type": 5}}


def _lintops_reading(schema: dict, values: dict) -> set[str] | None:
    """The values paths lintops finds wrong with ``schema``; None when it refuses the schema."""
    from lintops.inputs.helm.schema import _helm_validator_class, _meta_schema_problem, helm_schema
    from lintops.schema.refs import foreign_references
    from lintops.schema.retrieval import python_registry

    if foreign_references(schema, helm=True):
        return None
    readable, meta_schema, _ = helm_schema(schema)
    if _meta_schema_problem(readable, meta_schema) is not None:
        return None
    validator = _helm_validator_class(meta_schema)(readable, registry=python_registry(helm=True))
    return {"/" + "/".join(str(token) for token in error.absolute_path) for error in validator.iter_errors(values)}


@needs_sdk
def test_lintops_reads_each_schema_declaration_as_helm_does(tmp_path, proxy, private_host):
    import re

    child = subprocess.Popen([sys.executable, "-c", HELM_CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, env=_proxied(proxy))
    private = f"http://127.0.0.1:{private_host.port}"

    def helm_reading(index: int, schema: dict, values: dict) -> tuple[set[str] | None, str]:
        """The values paths Helm finds wrong (its leaves), None when it fetched or refused the schema."""
        chart = tmp_path / f"chart{index}"
        write(chart / "Chart.yaml", "apiVersion: v2\nname: probe\nversion: 0.1.0\n")
        write(chart / "values.schema.json", json.dumps(schema))
        seen = len(proxy.connections) + len(private_host.connections)
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(json.dumps({"chart": str(chart), "values": values}) + "\n")
        child.stdin.flush()
        error = json.loads(child.stdout.readline())
        fetched = len(proxy.connections) + len(private_host.connections) > seen
        if fetched or "failing loading" in error or "invalid $schema" in error or "'/$schema'" in error:
            return None, error
        return set(re.findall(r"at '(/[^']*)'", error)), error

    try:
        for index, declared in enumerate(DECLARED):
            schema = dict(PROBE_SCHEMA)
            if declared is not None:
                schema["$schema"] = declared.format(private=private)
            helm, error = helm_reading(index, schema, PROBE_VALUES)
            assert _lintops_reading(schema, PROBE_VALUES) == helm, (declared, error)
        for index, reference in enumerate(REFERENCES, start=len(DECLARED)):
            schema = {"properties": {"s": {"$ref": reference.format(private=private)}}}
            helm, error = helm_reading(index, schema, REFERENCE_VALUES)
            lintops = _lintops_reading(schema, REFERENCE_VALUES)
            # Helm reports the failed allOf and anyOf above the leaf; python-jsonschema the leaf alone.
            assert (lintops is None, bool(lintops)) == (helm is None, bool(helm)), (reference, error)
    finally:
        if child.stdin is not None:
            child.stdin.close()
        child.wait(timeout=60)
