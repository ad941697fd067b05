"""Every output format: its shape, its schema, its stability, and that no secret ever reaches it."""

from __future__ import annotations

import io
import json
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from conftest import FIXTURES, REPO, write
from lintops.catalog import available_checks, builtin_rule_specs
from lintops.engine import Engine
from lintops.fingerprint import fingerprint, fingerprints, normalize_path
from lintops.model import Finding, Location, ObjectRef, RunSummary, Severity
from lintops.plugins import load_class
from lintops.reporters import BUILTIN_REPORTERS
from lintops.reporters.base import RunInfo
from lintops.reporters.codequality import CodeQualityReporter
from lintops.reporters.editor import EditorReporter
from lintops.reporters.github import GithubReporter, escape_data, escape_property
from lintops.reporters.json import JsonReporter
from lintops.reporters.junit import JunitReporter
from lintops.reporters.sarif import SarifReporter
from lintops.rules import bind
from lintops.run_context import FileReport, Options

FORMATS_DIR = FIXTURES / "formats"
ALL_FORMATS = ("text", "editor", "json", "junit", "codequality", "sarif", "github")

PLANTED = "planted-secret-value"
PLANTED_B64 = "cGxhbnRlZC1zZWNyZXQtdmFsdWU="
PLANTED_YAML = f"""\
apiVersion: v1
kind: Secret
metadata: {{name: db, namespace: shop}}
data:
  password: {PLANTED_B64}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
        - name: app
          image: nginx:latest
          env:
            - name: DB_PASSWORD
              value: {PLANTED}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: clean, namespace: shop}}
data: {{mode: fast}}
"""

WEB = ObjectRef("apps/v1", "Deployment", "shop", "web")
CLUSTER_ROLE = ObjectRef("rbac.authorization.k8s.io/v1", "ClusterRole", None, "reader")


def run_info(**changes) -> RunInfo:
    rules = tuple(s for s in builtin_rule_specs() if s.enabled)
    values = {"version": "9.9.9", "kubernetes_version": "1.18", "strict": True, "rules": rules}
    values.update(changes)
    return RunInfo(**values)


def finding(rule="liveness-probe", severity=Severity.ERROR, message="container 'app' has no livenessProbe",
            path="apps/web.yaml", line=7, column=5, pointer="/spec/template/spec/containers/0", obj=WEB,
            **changes) -> Finding:
    return Finding(rule, severity, message, Location(path, line, column), pointer=pointer, object=obj, **changes)


def render(reporter_class, reports, run: RunInfo | None = None, summary: RunSummary | None = None) -> str:
    stream = io.StringIO()
    reporter = reporter_class(stream, run or run_info())
    for report in reports:
        reporter.file_done(report)
    reporter.finish(summary or RunSummary())
    return stream.getvalue()


def lint(text: str, path: str = "apps/planted.yaml"):
    engine = Engine(bind([s for s in builtin_rule_specs() if s.enabled], available_checks()), Options())
    reports = list(engine.lint_text(text, path))
    return reports, engine.summary


def sample_reports() -> list[FileReport]:
    web_findings = [
        finding(),
        finding("readiness-probe", Severity.WARNING, "container 'app' has no readinessProbe"),
        finding("resource-requests", Severity.INFO, "container 'app' sets no requests", line=8),
        finding("pinned-image-tag", Severity.ERROR, "image tag 'latest' moves", line=9, column=14,
                pointer="/spec/template/spec/containers/0/image", suppressed=True,
                suppression_reason="annotation: vendor image, pinned upstream"),
        finding("no-plaintext-secret", Severity.ERROR, "value of 'DB_PASSWORD' is committed", line=12,
                pointer="/spec/template/spec/containers/0/env/0/value", environment=("staging", "production"),
                related=(Location("charts/web/templates/deployment.yaml", 30, 11),),
                remediation="Take it from a Secret.\nRotate it."),
        finding("api-deprecated", Severity.WARNING, "ClusterRole uses a deprecated apiVersion", line=20,
                column=1, pointer="/apiVersion", obj=CLUSTER_ROLE),
    ]
    return [
        FileReport("apps/web.yaml", web_findings, objects=3, resources=[WEB, CLUSTER_ROLE,
                                                                          ObjectRef("v1", "Service", "shop", "web")]),
        FileReport("apps/clean.yaml", [], objects=1, resources=[ObjectRef("v1", "ConfigMap", "shop", "settings")]),
        FileReport("apps/broken.yaml", [finding("yaml-syntax", Severity.ERROR, "mapping values are not allowed here",
                                                path="apps/broken.yaml", line=3, column=9, pointer="", obj=None)]),
        FileReport("README.md", [], objects=0, is_manifest=False),
    ]


# -- the registry ----------------------------------------------------------------------------------------


def test_every_builtin_format_is_registered_and_loads():
    assert set(ALL_FORMATS) <= set(BUILTIN_REPORTERS)
    for name, spec in BUILTIN_REPORTERS.items():
        reporter_class = load_class("reporter", name, spec)
        assert reporter_class.name == name
        assert reporter_class.description


def test_run_info_stays_backwards_compatible():
    info = RunInfo("1.0", "1.18", True)
    assert info.rules == () and info.fail_on is Severity.ERROR and not info.verbose


# -- fingerprints ----------------------------------------------------------------------------------------


def test_fingerprint_ignores_line_column_message_and_environment():
    base = finding()
    moved = finding(line=base.location.line + 3, column=9, message="reworded", environment=("production",))
    assert fingerprint(base) == fingerprint(moved)
    assert re.fullmatch(r"[0-9a-f]{32}", fingerprint(base))


@pytest.mark.parametrize("change", [
    {"pointer": "/spec/template/spec/containers/1"},
    {"rule": "readiness-probe"},
    {"path": "apps/other.yaml"},
    {"obj": ObjectRef("apps/v1", "Deployment", "shop", "api")},
    {"obj": ObjectRef("apps/v1", "Deployment", "other", "web")},
    {"obj": ObjectRef("apps/v1", "StatefulSet", "shop", "web")},
    {"obj": ObjectRef("apps/v1beta1", "Deployment", "shop", "web")},
    {"obj": None},
])
def test_fingerprint_changes_with_rule_path_object_or_pointer(change):
    assert fingerprint(finding(**change)) != fingerprint(finding())


def test_fingerprint_paths_use_forward_slashes():
    assert fingerprint(finding(path="apps\\web.yaml")) == fingerprint(finding(path="apps/web.yaml"))
    assert normalize_path(".\\apps\\web.yaml") == "apps/web.yaml"


def test_fingerprints_tell_apart_different_findings_of_one_node_but_not_environments():
    a = finding(rule="schema", message="missing required field 'name'", pointer="/spec/containers/0")
    b = finding(rule="schema", message="missing required field 'image'", pointer="/spec/containers/0")
    staging = finding(environment=("staging",))
    production = finding(environment=("production",), line=40)
    values = fingerprints([a, b, staging, production])
    assert values[0] != values[1]
    assert values[2] == values[3] == fingerprint(staging)
    # alone, each keeps the plain recipe; together they stay stable across a line shift
    assert fingerprints([a]) == [fingerprint(a)]
    shifted = [finding(rule="schema", message=f.message, pointer=f.pointer, line=f.location.line + 3) for f in (a, b)]
    assert fingerprints(shifted) == values[:2]


def test_fingerprints_survive_lines_moving_down_through_the_engine():
    before, _ = lint(PLANTED_YAML)
    after, _ = lint("# a comment\n# another\n# and a third\n" + PLANTED_YAML)
    old = [f for r in before for f in r.findings]
    new = [f for r in after for f in r.findings]
    assert len(old) == len(new) > 3
    assert all(n.location.line == o.location.line + 3 for o, n in zip(old, new, strict=True))
    assert fingerprints(old) == fingerprints(new)
    for reporter_class, key in ((CodeQualityReporter, "fingerprint"), (JsonReporter, None), (SarifReporter, None)):
        first, second = (json.loads(render(reporter_class, reports)) for reports in (before, after))
        if reporter_class is CodeQualityReporter:
            assert [i[key] for i in first] == [i[key] for i in second]
            assert [i["location"]["lines"]["begin"] + 3 for i in first] == [i["location"]["lines"]["begin"]
                                                                             for i in second]
        elif reporter_class is JsonReporter:
            assert [f["fingerprint"] for f in first["findings"]] == [f["fingerprint"] for f in second["findings"]]
        else:
            prints = [[r["partialFingerprints"] for r in doc["runs"][0]["results"]] for doc in (first, second)]
            assert prints[0] == prints[1]


# -- editor ----------------------------------------------------------------------------------------------

# The pattern docs/reporters.md gives VS Code's problem matcher.
PROBLEM_MATCHER = re.compile(r"^(.+?):(\d+):(\d+): (error|warning|info): (.*) \[([^\]]+)\]$")


def test_editor_lines_match_the_documented_problem_matcher():
    output = render(EditorReporter, sample_reports())
    lines = output.splitlines()
    assert len(lines) == 6  # every unsuppressed finding, nothing else
    for line in lines:
        assert PROBLEM_MATCHER.match(line), line
    first = PROBLEM_MATCHER.match(lines[0])
    assert first.groups() == ("apps/web.yaml", "7", "5", "error", "container 'app' has no livenessProbe "
                              "(Deployment/shop/web)", "liveness-probe")
    assert lines[2].startswith("apps/web.yaml:8:5: info: ")
    assert "[env: staging, production] [no-plaintext-secret]" in output
    assert lines[-1] == "apps/broken.yaml:3:9: error: mapping values are not allowed here [yaml-syntax]"


def test_the_documented_problem_matcher_is_the_tested_one():
    docs = REPO / "docs" / "reporters.md"
    if not docs.is_file():
        pytest.skip("docs are not part of this tree")
    match = re.search(r'"regexp": (".*")', docs.read_text(encoding="utf-8"))
    assert match and json.loads(match.group(1)) == PROBLEM_MATCHER.pattern


def test_editor_shows_suppressed_only_when_verbose_and_keeps_one_line_per_finding():
    assert "pinned-image-tag" not in render(EditorReporter, sample_reports())
    verbose = render(EditorReporter, sample_reports(), run_info(verbose=True))
    assert "apps/web.yaml:9:14: info: suppressed: image tag 'latest' moves" in verbose
    multi = render(EditorReporter, [FileReport("a.yaml", [finding(message="first line\nsecond line", path="a.yaml")])])
    assert multi == "a.yaml:7:5: error: first line second line (Deployment/shop/web) [liveness-probe]\n"


def test_editor_streams_each_file_as_it_finishes():
    stream = io.StringIO()
    reporter = EditorReporter(stream, run_info())
    reporter.file_done(sample_reports()[0])
    assert stream.getvalue().count("\n") == 5


# -- github ----------------------------------------------------------------------------------------------


def test_github_workflow_commands_per_severity():
    lines = render(GithubReporter, sample_reports(), summary=RunSummary(files=3, errors=2)).splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == 6
    assert commands[0] == ("::error file=apps/web.yaml,line=7,col=5,title=liveness-probe::"
                           "container 'app' has no livenessProbe (Deployment/shop/web)")
    assert commands[1].startswith("::warning file=apps/web.yaml,line=7,col=5,title=readiness-probe::")
    assert commands[2].startswith("::notice file=apps/web.yaml,line=8,col=5,title=resource-requests::")
    assert not any("pinned-image-tag" in c for c in commands)  # suppressed
    assert "%0ATake it from a Secret.%0ARotate it." in commands[3]
    assert lines[-1].startswith("3 files, ")


def test_github_escapes_as_documented():
    assert escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert escape_property("dir,with:colon%") == "dir%2Cwith%3Acolon%25"
    weird = finding(path="odd,dir/a:b.yaml", message="50% of\nvalues", obj=None, pointer="")
    line = render(GithubReporter, [FileReport("odd,dir/a:b.yaml", [weird])]).splitlines()[0]
    assert line == "::error file=odd%2Cdir/a%3Ab.yaml,line=7,col=5,title=liveness-probe::50%25 of%0Avalues"


# -- json ------------------------------------------------------------------------------------------------


def test_json_adds_related_environment_fingerprint_and_keeps_every_key():
    document = json.loads(render(JsonReporter, sample_reports()))
    findings = document["findings"]
    assert len(findings) == 7
    for item in findings:
        assert {"rule", "severity", "message", "path", "line", "column", "pointer", "object", "suppressed",
                "related", "environment", "fingerprint"} <= set(item)
    secret = next(f for f in findings if f["rule"] == "no-plaintext-secret")
    assert secret["related"] == [{"path": "charts/web/templates/deployment.yaml", "line": 30, "column": 11}]
    assert secret["environment"] == ["staging", "production"]
    assert secret["fingerprint"] == fingerprint(sample_reports()[0].findings[4])
    assert len({f["fingerprint"] for f in findings}) == len(findings)
    assert {"version", "kubernetes_version", "strict", "findings", "summary"} <= set(document)


def test_findings_carry_the_end_of_their_node_into_json_and_sarif(sarif_validator):
    text = PLANTED_YAML + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: broken\n"
    reports, _ = lint(text)
    findings = [f for report in reports for f in report.findings]
    lines = text.splitlines()
    tag = next(f for f in findings if f.rule_id == "pinned-image-tag")
    start = tag.location.column - 1
    assert lines[tag.location.line - 1][start:tag.end_column - 1] == "nginx:latest"
    assert tag.end_line == tag.location.line
    assert tag.span.start.line == tag.location.line and tag.span.end.column == tag.end_column
    syntax = next(f for f in findings if f.rule_id == "yaml-syntax")  # about no node: no end
    assert syntax.end_line is None and syntax.end_column is None and syntax.span is None

    document = json.loads(render(JsonReporter, reports))
    by_rule = {item["rule"]: item for item in document["findings"]}
    assert (by_rule["pinned-image-tag"]["end_line"], by_rule["pinned-image-tag"]["end_column"]) == (
        tag.end_line, tag.end_column)
    assert by_rule["yaml-syntax"]["end_line"] is None and by_rule["yaml-syntax"]["end_column"] is None

    sarif = json.loads(render(SarifReporter, reports))
    sarif_validator.validate(sarif)
    regions = {r["ruleId"]: r["locations"][0]["physicalLocation"]["region"] for r in sarif["runs"][0]["results"]}
    assert regions["pinned-image-tag"] == {"startLine": tag.location.line, "startColumn": tag.location.column,
                                           "endLine": tag.end_line, "endColumn": tag.end_column}
    assert "endLine" not in regions["yaml-syntax"] and "endColumn" not in regions["yaml-syntax"]


# -- codequality -----------------------------------------------------------------------------------------


def test_codequality_shape_and_severities():
    issues = json.loads(render(CodeQualityReporter, sample_reports()))
    assert isinstance(issues, list) and len(issues) == 6  # the suppressed finding is left out
    for issue in issues:
        assert set(issue) - {"content"} == {"description", "check_name", "fingerprint", "severity", "location"}
        assert set(issue.get("content", {"body": ""})) == {"body"}  # Code Climate's Markdown body: the fix
        assert isinstance(issue["description"], str) and issue["description"]
        assert re.fullmatch(r"[0-9a-f]{32}", issue["fingerprint"])
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["location"]["path"], str)
        assert not issue["location"]["path"].startswith(("/", "./"))
        assert isinstance(issue["location"]["lines"]["begin"], int) and issue["location"]["lines"]["begin"] >= 1
    by_rule = {i["check_name"]: i for i in issues}
    assert by_rule["liveness-probe"]["severity"] == "major"
    assert by_rule["readiness-probe"]["severity"] == "minor"
    assert by_rule["resource-requests"]["severity"] == "info"
    assert by_rule["yaml-syntax"]["location"] == {"path": "apps/broken.yaml", "lines": {"begin": 3}}
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_codequality_merges_one_problem_across_environments():
    staging = finding(environment=("staging",), path="values.yaml", line=4)
    production = finding(environment=("production",), path="values.yaml", line=4)
    issues = json.loads(render(CodeQualityReporter, [FileReport("values.yaml", [staging, production])]))
    assert len(issues) == 1
    assert issues[0]["description"].endswith("[env: staging, production]")


def test_codequality_empty_run_is_an_empty_array():
    assert json.loads(render(CodeQualityReporter, [])) == []


# -- sarif -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator():
    schema = json.loads((FORMATS_DIR / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def test_sarif_is_valid_and_complete(sarif_validator):
    run = run_info()
    document = json.loads(render(SarifReporter, sample_reports(), run))
    sarif_validator.validate(document)
    assert document["version"] == "2.1.0"
    (sarif_run,) = document["runs"]
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "lintops" and driver["version"] == "9.9.9" and "informationUri" not in driver
    ids = [rule["id"] for rule in driver["rules"]]
    assert set(ids) >= {spec.id for spec in run.rules}  # every rule that ran, not only those that fired
    for rule in driver["rules"]:
        assert {"id", "shortDescription", "fullDescription", "help", "defaultConfiguration"} <= set(rule)
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
        assert rule["help"]["markdown"] and rule["properties"]["precision"] in {"very-high", "high", "medium", "low"}
        assert "helpUri" not in rule  # the run has no rule_docs_url (tests/test_rule_links.py has one)
    results = sarif_run["results"]
    assert len(results) == 7
    for result in results:
        assert ids[result["ruleIndex"]] == result["ruleId"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert not physical["artifactLocation"]["uri"].startswith("/")
        assert physical["region"]["startLine"] >= 1 and physical["region"]["startColumn"] >= 1
        assert re.fullmatch(r"[0-9a-f]{32}", result["partialFingerprints"]["lintopsFingerprint/v1"])
    levels = {r["ruleId"]: r["level"] for r in results}
    assert levels["liveness-probe"] == "error" and levels["readiness-probe"] == "warning"
    assert levels["resource-requests"] == "note"
    secret = next(r for r in results if r["ruleId"] == "no-plaintext-secret")
    assert secret["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "charts/web/templates/deployment.yaml")
    assert secret["properties"]["environment"] == ["staging", "production"]
    assert "Take it from a Secret." in secret["message"]["text"]
    suppressed = next(r for r in results if r["ruleId"] == "pinned-image-tag")
    assert suppressed["suppressions"] == [{"kind": "inSource", "status": "accepted",
                                           "justification": "vendor image, pinned upstream"}]
    assert "suppressions" not in secret


def test_sarif_without_rule_specs_still_indexes_every_result(sarif_validator):
    document = json.loads(render(SarifReporter, sample_reports(), run_info(rules=())))
    sarif_validator.validate(document)
    run = document["runs"][0]
    ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert sorted(ids) == sorted({r["ruleId"] for r in run["results"]})
    assert all(ids[r["ruleIndex"]] == r["ruleId"] for r in run["results"])


def test_sarif_config_exemption_is_external():
    exempt = finding(suppressed=True, suppression_reason="config: legacy app, ticket OPS-12")
    result = json.loads(render(SarifReporter, [FileReport("apps/web.yaml", [exempt])]))["runs"][0]["results"][0]
    assert result["suppressions"] == [{"kind": "external", "status": "accepted",
                                       "justification": "legacy app, ticket OPS-12"}]


# -- junit -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def junit_schema():
    import xmlschema  # the test extra's XSD validator

    return xmlschema.XMLSchema(str(FORMATS_DIR / "junit-4.xsd"))


def junit_valid(junit_schema, output: str) -> ET.Element:
    """Validate against the Jenkins JUnit 4 XSD; ``testcase/@file`` (read by GitLab) is the one addition."""
    root = ET.fromstring(output.encode("utf-8"))
    for case in root.iter("testcase"):
        assert case.get("file") == case.get("classname")
        del case.attrib["file"]
    junit_schema.validate(ET.tostring(root, encoding="unicode"))
    return ET.fromstring(output.encode("utf-8"))


def test_junit_suites_per_file_cases_per_object(junit_schema):
    output = render(JunitReporter, sample_reports())
    assert output.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = junit_valid(junit_schema, output)
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    # not README.md; the run's summary is a last suite without test cases
    assert list(suites) == ["apps/web.yaml", "apps/clean.yaml", "apps/broken.yaml", "lintops"]
    assert list(suites["lintops"]) == [suites["lintops"].find("properties")]
    web = suites["apps/web.yaml"]
    cases = {c.get("name"): c for c in web.iter("testcase")}
    assert list(cases) == ["Deployment shop/web", "ClusterRole reader", "Service shop/web"]
    assert web.get("tests") == "3" and web.get("failures") == "1"
    assert all(c.get("classname") == "apps/web.yaml" for c in cases.values())
    deployment = cases["Deployment shop/web"]
    failures = deployment.findall("failure")
    assert [f.get("type") for f in failures] == ["liveness-probe", "no-plaintext-secret"]
    assert failures[0].get("message") == ("apps/web.yaml:7:5: error: container 'app' has no livenessProbe "
                                          "[liveness-probe]")
    assert "remediation: Take it from a Secret." in failures[1].text
    assert "apps/web.yaml:12:5" in failures[1].text
    out = deployment.find("system-out").text
    assert "warning: container 'app' has no readinessProbe [readiness-probe]" in out
    assert "info: container 'app' sets no requests" in out
    assert "suppressed: annotation: vendor image, pinned upstream" in out
    reader = cases["ClusterRole reader"]
    assert reader.find("failure") is None and "api-deprecated" in reader.find("system-out").text
    assert list(cases["Service shop/web"]) == []  # clean: passed
    assert [c.get("name") for c in suites["apps/clean.yaml"].iter("testcase")] == ["ConfigMap shop/settings"]
    (broken,) = suites["apps/broken.yaml"].iter("testcase")
    assert broken.get("name") == "(file)" and broken.find("failure").get("type") == "yaml-syntax"
    assert root.get("tests") == "5" and root.get("failures") == "2"


def test_junit_fail_on_warning_makes_warnings_failures(junit_schema):
    root = junit_valid(junit_schema, render(JunitReporter, sample_reports(), run_info(fail_on=Severity.WARNING)))
    web = next(s for s in root.iter("testsuite") if s.get("name") == "apps/web.yaml")
    cases = {c.get("name"): c for c in web.iter("testcase")}
    assert [f.get("type") for f in cases["Deployment shop/web"].findall("failure")] == [
        "liveness-probe", "readiness-probe", "no-plaintext-secret"]
    assert cases["ClusterRole reader"].find("failure") is not None
    assert web.get("failures") == "2"


def test_junit_names_are_unique_and_objects_are_counted_without_names(junit_schema):
    twin = ObjectRef("apps/v1", "Deployment", "shop", "web")
    named = FileReport("a.yaml", [finding(path="a.yaml")], objects=2, resources=[WEB, twin])
    counted = FileReport("b.yaml", [finding(path="b.yaml")], objects=3)  # a report that only counts objects
    counted.__dict__.pop("resources", None)
    late = FileReport("b.yaml", [finding(rule="readiness-probe", severity=Severity.WARNING, path="b.yaml")])
    root = junit_valid(junit_schema, render(JunitReporter, [named, counted, late]))
    names = {s.get("name"): [c.get("name") for c in s.iter("testcase")] for s in root.iter("testsuite")}
    assert names == {"a.yaml": ["Deployment shop/web", "Deployment shop/web #2"],
                     "b.yaml": ["Deployment shop/web", "object #1", "object #2"], "lintops": []}
    pairs = [(c.get("classname"), c.get("name")) for c in root.iter("testcase")]
    assert len(pairs) == len(set(pairs))


def test_junit_escapes_markup_and_characters_xml_cannot_carry(junit_schema):
    nasty = finding(message="bad <value> & \"quote\" \x07 bell", path="a&b.yaml")
    root = junit_valid(junit_schema, render(JunitReporter, [FileReport("a&b.yaml", [nasty], objects=1)]))
    failure = next(root.iter("failure"))
    assert 'bad <value> & "quote" \\x07 bell' in failure.get("message")
    assert next(root.iter("testsuite")).get("name") == "a&b.yaml"


def test_junit_empty_run_is_valid(junit_schema):
    root = junit_valid(junit_schema, render(JunitReporter, []))
    assert root.tag == "testsuites" and root.get("tests") == "0"


# -- every format, through the real engine ---------------------------------------------------------------


def test_no_format_ever_prints_a_planted_secret(junit_schema, sarif_validator):
    reports, summary = lint(PLANTED_YAML)
    findings = [f for r in reports for f in r.findings]
    assert {f.rule_id for f in findings} >= {"no-plaintext-secret"}
    assert sum(f.rule_id == "no-plaintext-secret" for f in findings) == 2  # the Secret and the env var
    for verbose in (False, True):
        for name in ALL_FORMATS:
            reporter = load_class("reporter", name, BUILTIN_REPORTERS[name])
            output = render(reporter, reports, run_info(verbose=verbose), summary)
            assert "apps/planted.yaml" in output, name
            for needle in (PLANTED, PLANTED_B64, PLANTED.upper()):
                assert needle not in output, (name, needle)
            if name == "junit":
                root = junit_valid(junit_schema, output)
                assert [c.get("name") for c in root.iter("testcase")] == [
                    "Secret shop/db", "Deployment shop/web", "ConfigMap shop/clean"]
            if name == "sarif":
                sarif_validator.validate(json.loads(output))


def test_every_format_through_the_command_line(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    write(tmp_path / "apps" / "planted.yaml", PLANTED_YAML)
    args = ["check", "apps", "--format", "editor"]
    for name in ALL_FORMATS:
        args += ["--report", f"{name}=out/report.{name}"]
    result = cli(*args)
    assert result.exit_code == 1
    assert all(PROBLEM_MATCHER.match(line) for line in result.stdout.splitlines())
    for name in ALL_FORMATS:
        text = (tmp_path / "out" / f"report.{name}").read_text(encoding="utf-8")
        assert "apps/planted.yaml" in text and PLANTED not in text and PLANTED_B64 not in text
    sarif = json.loads((tmp_path / "out" / "report.sarif").read_text(encoding="utf-8"))
    ran = {rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {"liveness-probe", "schema", "no-plaintext-secret"} <= ran


# -- large runs ------------------------------------------------------------------------------------------


def test_ten_thousand_findings_in_every_format_in_seconds(capsys):
    rules = [("liveness-probe", Severity.ERROR), ("readiness-probe", Severity.WARNING),
             ("resource-requests", Severity.INFO), ("pinned-image-tag", Severity.ERROR)]
    reports = []
    for file_number in range(500):  # 500 files, 5 objects each, 20 findings each: 10,000 findings
        path = f"apps/team-{file_number % 17}/app-{file_number}.yaml"
        refs = [ObjectRef("apps/v1", "Deployment", f"ns-{file_number}", f"app-{i}") for i in range(5)]
        items = [
            Finding(rule, severity, f"finding {n} of {rule}", Location(path, 10 * n + 1, 3),
                    pointer=f"/spec/template/spec/containers/{n}", object=refs[n % 5],
                    remediation="Fix it.", environment=("staging",) if n % 2 else ())
            for n in range(20) for rule, severity in [rules[n % 4]]
        ]
        reports.append(FileReport(path, items, objects=5, resources=refs))
    assert sum(len(r.findings) for r in reports) == 10_000
    timings = {}
    for name in ALL_FORMATS:
        start = time.perf_counter()
        output = render(load_class("reporter", name, BUILTIN_REPORTERS[name]), reports, summary=RunSummary(files=500))
        timings[name] = time.perf_counter() - start
        assert output
    with capsys.disabled():
        print("\n10,000 findings: " + ", ".join(f"{name} {seconds:.2f}s" for name, seconds in timings.items()))
    assert sum(timings.values()) < 20


def test_fixture_schemas_are_the_copies_sources_md_names():
    sources = (FORMATS_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for name in ("junit-4.xsd", "sarif-schema-2.1.0.json"):
        assert name in sources and (FORMATS_DIR / name).is_file()
    assert "MIT License" in (FORMATS_DIR / "junit-4.xsd").read_text(encoding="utf-8")
    assert Path(FORMATS_DIR / "sarif-schema-2.1.0.json").stat().st_size > 100_000
