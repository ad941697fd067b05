"""A values schema's references to files mean what they mean to Helm, and lintops reads none of them.

Helm adds every ``values.schema.json`` to its JSON Schema compiler as ``file:///values.schema.json``: a
``{"$ref": "defs.json#/x"}`` makes Helm open ``/defs.json`` of the machine that installs the chart (not the
chart's ``defs.json``), and where there is none the chart does not install; an absolute path or a
``file://`` URL is read from wherever the chart is installed. lintops used to read the chart's
``defs.json`` and pass such a chart. Now each such reference that Helm follows is a ``render-failed`` at
its key, saying where Helm looks and what to write instead, and no file is read: inside the chart or out
of it, even where Helm would find one (the tree is the attacker's).

The first test asks Helm itself (helm-python-sdk, every run behind a recording proxy) with a marker file
where Helm would look when that is under the test's directory (an absolute ``file://`` path, a ``$id``
naming a directory); the others run lintops' CLI on charts of those shapes.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import run_lintops, write
from test_hostile_network import Listener
from test_schema_aliases import (
    DEPLOYMENT_WITH_TYPO,
    HELM_CHILD,
    _others_linted,
    _position_of,
    _proxied,
    _render_failed,
    needs_helm,
    needs_sdk,
)

CHART_MARKER = "MARKER-CHART-FILE-0d41"
OUTSIDE_MARKER = "MARKER-OUTSIDE-FILE-c2e9"
D4 = "http://json-schema.org/draft-04/schema#"
D7 = "http://json-schema.org/draft-07/schema#"
D2019 = "https://json-schema.org/draft/2019-09/schema"
DEFS = {"definitions": {"mode": {"enum": [CHART_MARKER]}}, "$defs": {"mode": {"enum": [CHART_MARKER]}}}


@pytest.fixture
def proxy() -> Iterator[Listener]:
    """Where every http(s) request of a run goes: a fetch would be recorded here."""
    listener = Listener(speaks_http=True)
    yield listener
    listener.close()


def _ref(reference: str) -> dict:
    return {"properties": {"mode": {"$ref": reference}}}


#: (schema, what Helm does with it). ``{out}`` is a directory outside the chart holding x.json (a marker);
#: ``{chart}`` the chart's own directory; "opens PATH": Helm loads file:// PATH and, there being no such
#: file, refuses the chart; "reads PATH": Helm reads the marker there; "validates": Helm loads no file;
#: "refuses": the reference is no URI reference Go parses, and Helm's meta-schema check refuses the schema.
CASES: list[tuple[dict, str]] = [
    # Relative references: against file:///values.schema.json, the file system's root.
    (_ref("defs.json#/definitions/mode"), "opens /defs.json"),
    (_ref("./defs.json#/definitions/mode"), "opens /defs.json"),
    (_ref("sub/defs.json#/definitions/mode"), "opens /sub/defs.json"),
    (_ref("../defs.json#/definitions/mode"), "opens /defs.json"),
    (_ref("de%66s.json#/definitions/mode"), "opens /defs.json"),
    (_ref("defs.json?v=1#/definitions/mode"), "opens /defs.json"),
    ({"properties": {"mode": {"$dynamicRef": "defs.json#/definitions/mode"}}}, "opens /defs.json"),
    ({"$schema": D2019, "properties": {"mode": {"$recursiveRef": "defs.json"}}}, "opens /defs.json"),
    ({"properties": {"other": {"$ref": "defs.json"}}}, "opens /defs.json"),  # values need not reach it
    ({"not": {"not": {"$ref": "defs.json"}}}, "opens /defs.json"),
    ({"properties": {"mode": {"$ref": "#/$defs/m"}}, "$defs": {"m": {"$ref": "defs.json"}}}, "opens /defs.json"),
    ({"properties": {"mode": {"$ref": "#m"}}, "$defs": {"m": {"$anchor": "m", "$ref": "defs.json"}}},
     "opens /defs.json"),
    ({"$schema": D7, "properties": {"mode": {"$ref": "#m"}},
      "definitions": {"m": {"$id": "#m", "properties": {"q": {"$ref": "defs.json"}}}}}, "opens /defs.json"),
    ({"properties": {"mode": {"$ref": "#/x-defs/m"}}, "x-defs": {"m": {"$ref": "defs.json"}}}, "opens /defs.json"),
    ({"$id": "schemas/values.json", **_ref("defs.json#/definitions/mode")}, "opens /schemas/defs.json"),
    # draft-07: a $id beside a $ref does not move the base
    ({"$schema": D7, "properties": {"mode": {"$id": "file://{out}/", "$ref": "x.json#/definitions/mode"}}},
     "opens /x.json"),
    # Absolute paths and file:// URLs: read from the machine that installs the chart.
    (_ref("/defs.json#/definitions/mode"), "opens /defs.json"),
    (_ref("file://{out}/x.json#/definitions/mode"), "reads {out}/x.json"),
    (_ref("file://localhost{out}/x.json#/definitions/mode"), "reads {out}/x.json"),
    (_ref("file://elsewhere.example{out}/x.json#/definitions/mode"), "reads {out}/x.json"),  # the host is ignored
    (_ref("{out}/x.json#/definitions/mode"), "reads {out}/x.json"),
    (_ref("file://{chart}/defs.json#/definitions/mode"), "reads {chart}/defs.json"),  # this chart's, by its path
    ({"$id": "file://{out}/", **_ref("x.json#/definitions/mode")}, "reads {out}/x.json"),
    ({"$id": "{out}/values.json", **_ref("x.json#/definitions/mode")}, "reads {out}/x.json"),
    ({"properties": {"mode": {"$id": "file://{out}/", "$ref": "x.json#/definitions/mode"}}}, "reads {out}/x.json"),
    ({"$schema": D4, "id": "file://{out}/", **_ref("x.json#/definitions/mode")}, "reads {out}/x.json"),
    ({"x-extra": {"$id": "file://{out}/x.json"}, **_ref("file://{out}/x.json#/definitions/mode")},
     "reads {out}/x.json"),  # a $id under a keyword Helm does not know declares nothing
    (_ref("file:defs.json#/definitions/mode"), "opens "),  # no path: Helm's loader opens ""
    # What Helm never loads: a definition nothing refers to, an unknown keyword, a keyword of another draft.
    ({"$defs": {"unused": {"$ref": "defs.json"}}}, "validates"),
    ({"$schema": D7, "definitions": {"unused": {"$ref": "defs.json"}}}, "validates"),
    ({"x-extra": {"deep": {"$ref": "defs.json"}}}, "validates"),
    ({"$schema": D7, "properties": {"mode": {"$dynamicRef": "defs.json"}}}, "validates"),
    ({"$schema": D7, "properties": {"mode": {"$ref": "#/definitions/ok", "properties": {"x": {"$ref": "defs.json"}}}},
      "definitions": {"ok": {}}}, "validates"),  # up to draft-07 a $ref hides its siblings
    ({"properties": {"mode": {"contentSchema": {"$ref": "defs.json"}}}}, "validates"),
    ({"$schema": D7, "properties": {"mode": {"dependentSchemas": {"x": {"$ref": "defs.json"}}}}}, "validates"),
    # No URI reference at all: wherever the meta-schema looks (a definition too), not under an unknown keyword.
    (_ref("http://[x"), "refuses"),
    (_ref("%zz.json"), "refuses"),
    ({"$defs": {"unused": {"$ref": "file://[::1/x"}}}, "refuses"),
    ({"$id": "http://[x", "properties": {"mode": {"type": "string"}}}, "refuses"),
    ({"x-extra": {"$ref": "%zz.json"}}, "validates"),
    # The schema itself, by the name Helm gives it.
    (_ref("values.schema.json#/$defs/m") | {"$defs": {"m": {"enum": ["slow"]}}}, "validates"),
    (_ref("/values.schema.json#/$defs/m") | {"$defs": {"m": {"enum": ["slow"]}}}, "validates"),
    (_ref("file:///values.schema.json#/$defs/m") | {"$defs": {"m": {"enum": ["slow"]}}}, "validates"),
    ({"$id": "http://example.invalid/root.json", **_ref("root.json#/$defs/m"), "$defs": {"m": {"enum": ["slow"]}}},
     "validates"),
    # Against an opaque base, a relative reference is that resource itself.
    ({"$id": "urn:example:root", **_ref("defs.json#/$defs/m"), "$defs": {"m": {"enum": ["slow"]}}}, "validates"),
    ({"properties": {"mode": {"$id": "urn:example:inner", "allOf": [{"$ref": "other.json#/$defs/q"}],
                              "$defs": {"q": {"enum": ["slow"]}}}}}, "validates"),
]
VALUES = {"mode": "fast"}

def _filled(schema: dict, out: Path, chart: Path) -> dict:
    return json.loads(json.dumps(schema).replace("{out}", str(out)).replace("{chart}", str(chart)))


def _lintops_reading(schema: dict) -> tuple[str, object]:
    """("refused", [(pointer, message)]) when lintops refuses the schema, else ("validates", value paths)."""
    from lintops.inputs.helm.schema import _helm_validator_class, helm_schema
    from lintops.schema.dialects import draft_of
    from lintops.schema.helm_refs import HELM_SCHEMA_URI
    from lintops.schema.refs import foreign_references
    from lintops.schema.retrieval import python_registry

    refused = foreign_references(schema, helm=True, followed=True)
    if refused:
        return "refused", [(reference.pointer, reference.message()) for reference in refused]
    readable, meta_schema, _ = helm_schema(schema)
    registry = python_registry(None, HELM_SCHEMA_URI, draft_of(meta_schema), helm=True, document=readable)
    validator = _helm_validator_class(meta_schema)(readable, registry=registry)
    return "validates", {"/" + "/".join(map(str, error.absolute_path)) for error in validator.iter_errors(VALUES)}


@needs_sdk
def test_lintops_refuses_exactly_the_file_references_helm_follows(tmp_path, proxy):
    out = tmp_path / "outside"
    write(out / "x.json", json.dumps({"definitions": {"mode": {"enum": [OUTSIDE_MARKER]}}}))
    child = subprocess.Popen([sys.executable, "-c", HELM_CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, env=_proxied(proxy))
    assert child.stdin is not None and child.stdout is not None
    try:
        for index, (template, helm_does) in enumerate(CASES):
            chart = tmp_path / f"chart{index}"
            schema = _filled(template, out, chart)
            write(chart / "Chart.yaml", "apiVersion: v2\nname: probe\nversion: 0.1.0\n")
            write(chart / "values.schema.json", json.dumps(schema))
            write(chart / "defs.json", json.dumps(DEFS))  # what lintops used to read: Helm never does
            write(chart / "sub" / "defs.json", json.dumps(DEFS))
            child.stdin.write(json.dumps({"chart": str(chart), "values": VALUES}) + "\n")
            child.stdin.flush()
            error = json.loads(child.stdout.readline())
            expected = helm_does.replace("{out}", str(out)).replace("{chart}", str(chart))
            opened = re.search(r'failing loading "file:[^"]*": open ([^:]*): no such file', error)
            # Helm itself, first: what the case says it does.
            if expected.startswith("opens "):
                assert opened is not None and opened.group(1) == expected[len("opens "):], (template, error)
            elif expected.startswith("reads "):
                marker = OUTSIDE_MARKER if expected.endswith("x.json") else CHART_MARKER
                assert f"value must be '{marker}'" in error, (template, error)
            elif expected == "refuses":
                assert "is not valid against metaschema" in error or "error in parsing id" in error, (template, error)
            else:
                assert "failing loading" not in error and "MARKER" not in error, (template, error)
            # lintops: refused at the key Helm fails or reads at, naming the same file, or read alike.
            verdict, said = _lintops_reading(schema)
            if expected == "validates":
                assert verdict == "validates", (template, said)
                assert said == set(re.findall(r"at '(/[^']*)'", error)), (template, error, said)
                continue
            assert verdict == "refused", (template, error)
            (pointer, message), = said  # type: ignore[misc]
            assert pointer.endswith(("/$ref", "/$dynamicRef", "/$recursiveRef", "/$id", "/id")), pointer
            if expected == "refuses":
                assert "is not a URI reference Helm's library can parse" in message, message
                continue
            path = expected.split(" ", 1)[1]
            if path:
                assert f"Helm opens {path} " in message or f"names {path}" in message, (template, message)
            assert '"$defs"' in message and "MARKER" not in message, message
    finally:
        child.stdin.close()
        child.wait(timeout=60)
    assert proxy.connections == []


# -- the CLI on charts of those shapes -------------------------------------------------------------

def _chart(repo: Path, name: str, schema_text: str, parent: Path | None = None) -> Path:
    chart = (parent / "charts" / name) if parent is not None else repo / "charts" / name
    write(chart / "Chart.yaml", f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n")
    write(chart / "values.yaml", "mode: fast\n")
    write(chart / "templates" / "cm.yaml", f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"
                                          "data:\n  mode: {{ .Values.mode | quote }}\n")
    write(chart / "values.schema.json", schema_text)
    write(chart / "defs.json", json.dumps(DEFS))
    write(chart / "sub" / "defs.json", json.dumps(DEFS))
    return chart


def _lint(repo: Path, proxy: Listener) -> tuple[int, dict]:
    done = run_lintops("check", ".", "--format", "json", "-j", "1", cwd=repo, env=_proxied(proxy))
    assert "Traceback" not in done.stderr, done.stderr
    assert CHART_MARKER not in done.stdout + done.stderr and OUTSIDE_MARKER not in done.stdout + done.stderr
    return done.returncode, json.loads(done.stdout)


def _schema_text(reference: str, keyword: str = "$ref") -> str:
    return f'{{\n  "properties": {{\n    "mode": {{"{keyword}": {json.dumps(reference)}}}\n  }}\n}}\n'


@needs_helm
def test_a_relative_reference_is_refused_at_its_key_as_helm_resolves_it_against_the_root(tmp_path, proxy):
    repo = tmp_path / "repo"
    write(repo / "plain.yaml", DEPLOYMENT_WITH_TYPO)
    cases = {"defs.json#/definitions/mode": "/defs.json", "./defs.json#/$defs/mode": "/defs.json",
             "sub/defs.json#/definitions/mode": "/sub/defs.json", "../defs.json": "/defs.json"}
    expected = []
    for index, (reference, opened) in enumerate(cases.items()):
        text = _schema_text(reference)
        _chart(repo, f"app{index}", text)
        expected.append((f"charts/app{index}/values.schema.json", *_position_of(text, '"$ref"'), opened))
    code, report = _lint(repo, proxy)
    problems = _render_failed(report)
    assert [problem[:3] for problem in problems] == [place[:3] for place in expected]
    for (*_, message), (*_, opened) in zip(problems, expected, strict=True):
        assert message.startswith("values.schema.json cannot be used: '$ref' "), message
        assert "is resolved by Helm against file:///values.schema.json" in message
        assert "the file system's root and not against the chart" in message
        assert f"Helm opens {opened} of the machine that installs the chart" in message
        assert "lintops reads neither" in message and 'under "$defs"' in message and '"#/$defs/<name>"' in message
    assert report["summary"]["rendered"] == len(cases)  # each chart still rendered, without its schema
    assert code == 1 and _others_linted(report)
    assert proxy.connections == []


@needs_helm
def test_a_file_named_by_its_absolute_path_is_refused_even_where_helm_would_find_it(tmp_path, proxy):
    repo = tmp_path / "repo"
    write(repo / "plain.yaml", DEPLOYMENT_WITH_TYPO)
    out = tmp_path / "outside"  # exists on this machine: Helm would read it and validate with it
    write(out / "x.json", json.dumps({"definitions": {"mode": {"enum": [OUTSIDE_MARKER]}}}))
    inside = repo / "charts" / "app2" / "defs.json"  # a file of the tree, named by where it is on this machine
    texts = [_schema_text(f"{out.as_uri()}/x.json#/definitions/mode"),
             _schema_text(f"{out}/x.json#/definitions/mode"),
             _schema_text(f"{inside.as_uri()}#/definitions/mode"),
             f'{{\n  "$id": "{out.as_uri()}/",\n'
             '  "properties": {"mode": {"$ref": "x.json#/definitions/mode"}}\n}\n',
             _schema_text(f"file://localhost{out}/x.json", "$dynamicRef")]
    named = [f"{out}/x.json", f"{out}/x.json", str(inside), f"{out}/x.json", f"{out}/x.json"]
    expected = []
    for index, text in enumerate(texts):
        _chart(repo, f"app{index}", text)
        keyword = '"$dynamicRef"' if "$dynamicRef" in text else '"$ref"'
        expected.append((f"charts/app{index}/values.schema.json", *_position_of(text, keyword)))
    code, report = _lint(repo, proxy)
    problems = _render_failed(report)
    assert [problem[:3] for problem in problems] == expected
    for (*_, message), path in zip(problems, named, strict=True):
        assert f"names {path}" in message and "by an absolute path" in message, message
        assert "Helm reads it from the file system of wherever the chart is installed" in message
        assert "lintops reads no file a values schema names, and nothing outside the linted tree" in message
    assert 'through "$id"' in problems[3][3]
    assert code == 1 and _others_linted(report)
    assert proxy.connections == []


@needs_helm
def test_what_helm_resolves_within_the_schema_is_validated_and_what_it_never_loads_is_no_finding(tmp_path, proxy):
    repo = tmp_path / "repo"
    defs = '"$defs": {"m": {"enum": ["slow"]}}'
    for index, reference in enumerate(("values.schema.json#/$defs/m", "/values.schema.json#/$defs/m",
                                       "file:///values.schema.json#/$defs/m")):
        _chart(repo, f"app{index}", f'{{"properties": {{"mode": {{"$ref": "{reference}"}}}}, {defs}}}')
    _chart(repo, "urn", f'{{"$id": "urn:example:app", "properties": {{"mode": {{"$ref": "x.json#/$defs/m"}}}}, '
                        f'{defs}}}')
    _chart(repo, "unused", '{"$defs": {"unused": {"$ref": "defs.json"}}, "x-extra": {"$ref": "defs.json"}}')
    code, report = _lint(repo, proxy)
    problems = _render_failed(report)
    assert [problem[:3] for problem in problems] == [(f"charts/{name}/values.yaml", 1, 1)
                                                      for name in ("app0", "app1", "app2", "urn")]
    assert all(message.endswith('must be one of ["slow"]') for *_, message in problems), problems
    assert report["summary"]["rendered"] == 5 and code == 1
    assert proxy.connections == []


@needs_helm
def test_a_sub_chart_directory_and_a_vendored_archive_are_read_alike(tmp_path, proxy):
    repo = tmp_path / "repo"
    write(repo / "plain.yaml", DEPLOYMENT_WITH_TYPO)
    parent = _chart(repo, "parent", '{"type": "object"}')
    text = _schema_text("defs.json#/definitions/mode")
    _chart(repo, "sub", text, parent=parent)
    code, report = _lint(repo, proxy)
    (problem,) = _render_failed(report)
    assert problem[:3] == ("charts/parent/charts/sub/values.schema.json", *_position_of(text, '"$ref"'))
    assert "Helm opens /defs.json of the machine that installs the chart" in problem[3]
    assert code == 1 and _others_linted(report)

    vendored = tmp_path / "vendored"
    write(vendored / "plain.yaml", DEPLOYMENT_WITH_TYPO)
    parent = _chart(vendored, "parent", '{"type": "object"}')
    files = {"sub/Chart.yaml": "apiVersion: v2\nname: sub\nversion: 0.1.0\n", "sub/values.yaml": "mode: fast\n",
             "sub/values.schema.json": text, "sub/defs.json": json.dumps(DEFS),
             "sub/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: sub}\n"}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in files.items():
            data = content.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    write(parent / "charts" / "sub-0.1.0.tgz", "")
    (parent / "charts" / "sub-0.1.0.tgz").write_bytes(buffer.getvalue())
    code, report = _lint(vendored, proxy)
    (problem,) = _render_failed(report)
    assert problem[:3] == ("charts/parent/charts/sub-0.1.0.tgz", 1, 1)
    assert problem[3].startswith("sub/values.schema.json (inside the archive) cannot be used: '$ref' "
                                 "\"defs.json#/definitions/mode\" is resolved by Helm against "
                                 "file:///values.schema.json"), problem[3]
    assert "Helm would follow it while validating the values, so the chart is not rendered" in problem[3]
    assert code == 1 and _others_linted(report)
    assert proxy.connections == []


@needs_helm
def test_a_reference_that_is_no_uri_is_a_finding_at_its_key_not_a_crash(tmp_path, proxy):
    repo = tmp_path / "repo"
    write(repo / "plain.yaml", DEPLOYMENT_WITH_TYPO)
    text = _schema_text("http://[x")  # Python's URL parser raised here: exit 3 and no report
    _chart(repo, "app", text)
    code, report = _lint(repo, proxy)
    (problem,) = _render_failed(report)
    assert problem[:3] == ("charts/app/values.schema.json", *_position_of(text, '"$ref"'))
    assert "is not a URI reference Helm's library can parse: Helm refuses the schema" in problem[3]
    assert code == 1 and _others_linted(report)
    rule = write(repo / ".lintops" / "rules" / "team.yaml", (
        "id: team-rule\nseverity: error\nsummary: a team rule\ncheck: json-schema\ntargets: ['*']\n"
        "params:\n  message: \"{name} breaks the team rule\"\n  schema:\n"
        "    properties:\n      kind: {$ref: \"http://[x\"}\n")).read_text()
    done = run_lintops("check", ".", "--format", "json", "-j", "1", cwd=repo, env=_proxied(proxy))
    line, column = _position_of(rule, "$ref:")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f".lintops/rules/team.yaml:{line}:{column}: rule 'team-rule'" in done.stderr, done.stderr
    assert "is not a URI reference" in done.stderr
    assert proxy.connections == []
