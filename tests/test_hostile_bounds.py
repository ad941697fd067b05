"""Bounded work for hostile input: patterns from the tree run in linear time, and Helm renders in a child
process with memory and time limits.

Each attack runs through the real CLI (``python -m lintops``) in a subprocess with a wall-clock bound:
``^(a+)+$`` against 34 ``a`` and a ``!`` takes Python's backtracking ``re`` hours, RE2 microseconds,
and a runaway template aborts a process that renders it in-process (exit 134). Every test asserts
the finding at ``path:line:col``, that a healthy file or chart beside it was still linted, that the
JSON report is complete, and the exit code 1 (never 3, never a signal).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from builders import chart, crd, deployment
from conftest import write

#: A run that must not backtrack takes about a second; a backtracking one would take hours.
WALL_BOUND = 30.0
HOSTILE_NAME = "a" * 34 + "!"
HEALTHY_POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: apps}
spec:
  containers:
    - name: web
      image: nginx:latest
"""


def lint(tree: Path, *args: str, env: dict[str, str] | None = None, bound: float = WALL_BOUND):
    """``python -m lintops check . --format json --report json=…`` in ``tree``; (code, report, seconds)."""
    report_file = tree.parent / f"{tree.name}-report.json"
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "lintops", "check", ".", "--format", "json",
                             "--report", f"json={report_file}", *args],
                            cwd=tree, capture_output=True, text=True, timeout=bound * 4,
                            env={**os.environ, **(env or {})})
    elapsed = time.monotonic() - started
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    report = json.loads(result.stdout)
    assert json.loads(report_file.read_text()) == report  # the --report file is complete too
    assert report["summary"]["findings"] == len(report["findings"])
    return result.returncode, report, elapsed


def at(report, rule: str) -> list[tuple[str, int, int, str]]:
    return [(f["path"], f["line"], f["column"], f["message"]) for f in report["findings"] if f["rule"] == rule]


def healthy_pod_was_linted(report) -> bool:
    return any(path == "pod.yaml" for path, *_ in at(report, "pinned-image-tag"))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)  # paths in reports are relative to it
    write(root / "pod.yaml", HEALTHY_POD)
    return root


# -- regular expressions from the tree -------------------------------------------------------------

def test_a_repository_rules_name_pattern_runs_in_linear_time(tree):
    write(tree / ".lintops" / "rules" / "names.yaml", textwrap.dedent("""\
        id: team-secret-names
        severity: error
        summary: Names the team uses for credentials.
        check: plaintext-secret
        targets: [ConfigMap]
        params:
          name_pattern: "^(a+)+$"
        """))
    write(tree / "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: apps}\n"
                            f"data:\n  {HOSTILE_NAME}: hunter2hunter2\n  aaaa: hunter2hunter2\n")
    _, report, elapsed = lint(tree)
    assert elapsed < WALL_BOUND
    assert [(p, line, col) for p, line, col, _ in at(report, "team-secret-names")] == [("cm.yaml", 6, 9)]
    assert healthy_pod_was_linted(report)


def test_an_environment_pattern_runs_in_linear_time(tree):
    write(tree / ".lintops.yaml", 'environments: {production: ["(a+)+b", "prod(uction)?"]}\n')
    application = textwrap.dedent("""\
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata: {{name: {name}, namespace: argocd}}
        spec:
          project: default
          source: {{repoURL: "https://git.example/gitops.git", targetRevision: HEAD, path: "apps/{name}"}}
          destination: {{server: "https://kubernetes.default.svc", namespace: "{name}"}}
          syncPolicy:
            automated: {{prune: true, selfHeal: true}}
        """)
    write(tree / "apps.yaml", application.format(name="a" * 34) + "---\n" + application.format(name="shop-aab"))
    _, report, elapsed = lint(tree)
    assert elapsed < WALL_BOUND
    found = {line: message for path, line, _, message in at(report, "argocd-self-heal-staging")}
    assert sorted(found) == [9, 19]
    assert "cannot tell" in found[9]  # a name of a's is no environment word: (a+)+b needs its b
    assert "cannot tell" not in found[19]  # "aab" is a production word, and shop-aab has no staging twin
    assert healthy_pod_was_linted(report)


def test_a_crd_pattern_runs_in_linear_time(tree):
    write(tree / "crd.yaml", crd("Widget", schema="""\
        type: object
        properties:
          spec:
            type: object
            properties:
              code: {type: string, pattern: "^(a+)+$"}
            patternProperties:
              "^(a+)+$": {type: string}
        """))
    write(tree / "widget.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: apps}\n"
                                f'spec:\n  code: "{"a" * 40}!"\n  {"a" * 40}!: "x"\n')
    _, report, elapsed = lint(tree)
    assert elapsed < WALL_BOUND
    assert ("widget.yaml", 5, 9, 'spec.code: value does not match the pattern "^(a+)+$"') in at(report, "schema")
    assert healthy_pod_was_linted(report)


@pytest.mark.parametrize("draft", [None, "http://json-schema.org/draft-03/schema#"], ids=["rust", "python"])
def test_a_json_schema_rules_pattern_runs_in_linear_time(tree, draft):
    schema = {"properties": {"metadata": {"properties": {"name": {"type": "string", "pattern": "^(a+)+$"}}}}}
    if draft:  # jsonschema-rs has no draft 3: the pure-Python backend validates
        schema["$schema"] = draft
    write(tree / ".lintops" / "rules" / "names.yaml", textwrap.dedent(f"""\
        id: team-names
        severity: error
        summary: Names are made of a.
        check: json-schema
        targets: [ConfigMap]
        params:
          message: "the name of {{name}} is not made of a"
          schema: {json.dumps(schema)}
        """))
    write(tree / "cm.yaml", f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: '{'a' * 40}!', namespace: apps}}\n")
    _, report, elapsed = lint(tree)
    assert elapsed < WALL_BOUND
    assert [(p, line) for p, line, _, _ in at(report, "team-names")] == [("cm.yaml", 3)]
    assert healthy_pod_was_linted(report)


def test_a_pattern_re2_refuses_is_a_clear_rule_error(tree):
    write(tree / ".lintops" / "rules" / "names.yaml", textwrap.dedent("""\
        id: team-secret-names
        severity: error
        summary: Names the team uses for credentials.
        check: plaintext-secret
        targets: [ConfigMap]
        params:
          name_pattern: "pass(?!word)"
        """))
    result = subprocess.run([sys.executable, "-m", "lintops", "check", "."], cwd=tree, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "params.name_pattern" in result.stderr and "invalid perl operator: (?! at position 4" in result.stderr
    assert "lookaround is not supported" in result.stderr



@pytest.mark.skipif(__import__("importlib").util.find_spec("helm_python") is None, reason="needs helm-python-sdk")
def test_a_values_schema_pattern_runs_in_linear_time(tree):
    schema = {"properties": {"name": {"type": "string", "pattern": "^(a+)+$"}}}
    chart(tree / "web", {"cm.yaml": configmap("web", "data: {a: b}\n")}, values=f"name: {'a' * 40}!\n",
          files={"values.schema.json": json.dumps(schema)})
    _, report, elapsed = lint(tree)
    assert elapsed < WALL_BOUND
    assert [(p, line, col) for p, line, col, m in at(report, "render-failed") if "pattern" in m] == [
        ("web/values.yaml", 1, 1)]  # the key that set the value
    assert healthy_pod_was_linted(report)


def test_pattern_errors_name_the_position_re2_reports():
    from lintops.patterns import PatternError, compile_pattern

    for pattern, reason, position in [(r"(a)\1", "invalid escape sequence: \\1", 3),
                                      ("ab[cd", "missing ]: [cd", 2),
                                      ("x(ab", "missing ): x(ab", None),  # RE2 quotes the whole pattern
                                      ("(?=a)(?=b)", "invalid perl operator: (?=", None)]:  # where? twice
        with pytest.raises(PatternError) as caught:
            compile_pattern(pattern)
        assert (caught.value.reason, caught.value.position) == (reason, position)


def test_the_python_schema_backend_matches_patterns_in_linear_time():
    """The pure-Python ``jsonschema`` backend: pattern, patternProperties, additionalProperties and
    unevaluatedProperties all match with RE2."""
    import jsonschema

    from lintops.schema.kube.validate import _PythonValidator
    from lintops.schema.linear import linear_time_validator

    hostile = "a" * 40 + "!"
    started = time.monotonic()
    kube = _PythonValidator({"type": "object", "properties": {"code": {"type": "string", "pattern": "^(a+)+$"}},
                             "patternProperties": {"^(a+)+$": {"type": "string"}}, "additionalProperties": False})
    assert [(e.pointer, e.message) for e in kube({"code": hostile, hostile: 1})] == [
        (f"/{hostile}", f"unknown field '{hostile}'"), ("/code", 'value does not match the pattern "^(a+)+$"')]
    modern = linear_time_validator(jsonschema.Draft202012Validator)(
        {"patternProperties": {"^(a+)+$": {"type": "integer"}}, "unevaluatedProperties": False})
    assert [e.validator for e in modern.iter_errors({hostile: 1, "aaa": 1})] == ["unevaluatedProperties"]
    assert list(modern.iter_errors({"aaa": 1})) == []
    assert time.monotonic() - started < 5


def test_template_lines_are_read_in_linear_time():
    """Pointing back reads each template line; ``re`` took exponential time on this one."""
    from lintops.inputs.helm.templates import _Template

    started = time.monotonic()
    template = _Template("t.yaml", "kind: ConfigMap\n" + "{{a}}" * 40 + "x\n" + "a" + " " * 200_000 + "\n")
    assert template.info[1] is not None and time.monotonic() - started < 5


# -- Helm renders in a child process with memory and time limits -------------------------------------

needs_sdk = pytest.mark.skipif(__import__("importlib").util.find_spec("helm_python") is None,
                               reason="needs helm-python-sdk (pip install -e '.[helm]')")
#: A small memory limit, so that the runaway charts stop quickly on a shared machine (the defaults are 2 GiB and
#: 30 s); the time limit is small only for the template that loops, and generous for the others, so that a
#: busy machine does not turn a memory limit into a time limit.
LIMITS = {"LINTOPS_HELM_MEMORY_MIB": "512", "LINTOPS_HELM_TIMEOUT": "20"}
SLOW_LIMITS = {"LINTOPS_HELM_MEMORY_MIB": "512", "LINTOPS_HELM_TIMEOUT": "3"}
RUNAWAY = {
    "until": ('data:\n{{- range until 50000000 }}\n  k{{ . }}: "x"\n{{- end }}\n', {}),
    "repeat": ('data:\n  a: {{ repeat 2000000000 "x" | quote }}\n', {}),
    "tpl": ("data:\n  a: {{ tpl .Values.t . | quote }}\n", {"t": "{{ tpl .Values.t . }}"}),
    "slow": ('data:\n  a: "{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}"\n', {}),
}


def healthy_chart(root: Path) -> None:
    """A chart that renders a Deployment whose image tag (from values.yaml) is a finding."""
    chart(root / "web", {"deployment.yaml": deployment(namespace="apps", image="{{ .Values.image | quote }}")},
          values="image: nginx:latest\n")


def configmap(name: str, body: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: apps\n{body}"


def healthy_chart_was_linted(report) -> bool:
    """The healthy chart rendered, and its finding points at the values key (found by a marked render)."""
    return ("web/values.yaml", 1, 1) in {(p, line, col) for p, line, col, _ in at(report, "pinned-image-tag")}


@needs_sdk
@pytest.mark.parametrize("attack", sorted(RUNAWAY))
def test_a_runaway_template_is_a_finding_at_the_template_and_the_run_goes_on(tree, attack):
    body, values = RUNAWAY[attack]
    chart(tree / "hostile", {"configmap.yaml": configmap("fine", "data: {a: b}\n"),
                             "runaway.yaml": configmap("runaway", body)}, values=json.dumps(values) + "\n")
    healthy_chart(tree)
    _, report, _ = lint(tree, env=SLOW_LIMITS if attack == "slow" else LIMITS, bound=90)
    failed = at(report, "render-failed")
    assert [(p, line, col) for p, line, col, _ in failed] == [("hostile/templates/runaway.yaml", 1, 1)]
    limit = "the time limit of 3 s" if attack == "slow" else "limit"
    assert "this template ran into a render limit" in failed[0][3] and limit in failed[0][3]
    if attack in ("until", "repeat"):
        assert "the memory limit of 512 MiB" in failed[0][3]
    assert healthy_chart_was_linted(report) and healthy_pod_was_linted(report)


@needs_sdk
def test_a_runaway_template_that_cannot_be_told_is_a_finding_at_chart_yaml(tree):
    """The runaway template sits in a sub-chart vendored as an archive: no copy can leave it out."""
    import tarfile

    sub = chart(tree.parent / "build" / "engine", {"runaway.yaml": configmap("runaway", RUNAWAY["repeat"][0])},
                values="{}\n")
    parent = chart(tree / "hostile", {"configmap.yaml": configmap("fine", "data: {a: b}\n")}, values="{}\n")
    (parent / "charts").mkdir()
    with tarfile.open(parent / "charts" / "engine-0.1.0.tgz", "w:gz") as archive:
        archive.add(sub, arcname="engine")
    healthy_chart(tree)
    _, report, _ = lint(tree, env=LIMITS, bound=90)
    assert [(p, line, col, m) for p, line, col, m in at(report, "render-failed")] == [
        ("hostile/Chart.yaml", 1, 1, "helm could not render the chart: rendering exceeded the memory limit of 512 MiB "
                                     "(chart 'hostile' produced no objects: nothing of it is linted)")]
    assert healthy_chart_was_linted(report) and healthy_pod_was_linted(report)


@needs_sdk
def test_one_render_worker_serves_every_chart_and_is_replaced_after_a_limit(tmp_path, monkeypatch):
    from lintops.inputs.helm import backends

    monkeypatch.setenv("LINTOPS_HELM_MEMORY_MIB", "512")
    backends._worker().stop()  # an earlier test's worker has other limits; the next render starts one
    healthy_chart(tmp_path)
    hostile = chart(tmp_path / "hostile", {"runaway.yaml": configmap("runaway", RUNAWAY["repeat"][0])}, values="{}\n")
    web = backends._SdkSession(tmp_path / "web")
    worker = backends._worker()
    assert "nginx:latest" in web.render({}, "web", "apps")["web/templates/deployment.yaml"]
    started = worker.generation
    web.render({"image": "nginx:1.27"}, "web", "apps")
    assert worker.generation == started  # one child for every render
    with pytest.raises(backends._RenderLimit, match="memory limit of 512 MiB"):
        backends._SdkSession(hostile).render({}, "hostile", "apps")
    assert "nginx:1.27" in web.render({"image": "nginx:1.27"}, "web", "apps")["web/templates/deployment.yaml"]
    assert worker.generation == started + 1  # a new child, and the chart loaded into it again


def test_render_limits_default_and_come_from_the_environment(monkeypatch):
    from lintops.inputs.helm import backends

    monkeypatch.delenv("LINTOPS_HELM_TIMEOUT", raising=False)
    monkeypatch.delenv("LINTOPS_HELM_MEMORY_MIB", raising=False)
    assert (backends.render_timeout(), backends.render_memory()) == (30.0, 2048)
    monkeypatch.setenv("LINTOPS_HELM_TIMEOUT", "2.5")
    monkeypatch.setenv("LINTOPS_HELM_MEMORY_MIB", "not a number")
    assert (backends.render_timeout(), backends.render_memory()) == (2.5, 2048)


def test_patterns_only_a_backtracking_engine_could_match_are_refused_where_they_are_written():
    """A json-schema rule with lookahead does not load; a CRD's backreference is dropped with a problem."""
    from lintops.schema.compiled import CompiledSchema, SchemaUnusable
    from lintops.schema.kube.store import SchemaStore

    with pytest.raises(SchemaUnusable, match=r"params\.schema/properties/name/pattern: the pattern \"a\(\?=b\)\" "
                                             r"is not a usable RE2 regular expression: invalid perl operator"):
        CompiledSchema({"properties": {"name": {"pattern": "a(?=b)"}}})
    gadgets = yaml.safe_load(crd("Gadget", "example.org", """\
        type: object
        properties:
          spec:
            type: object
            properties:
              code: {type: string, pattern: '^(a+)\\1$'}
        """))
    store = SchemaStore()
    [problem] = store.add_crd(gadgets)
    assert problem.startswith('pattern "^(a+)\\\\1$" is not a regular expression RE2 (the API server\'s Go regexp) '
                              'can compile: invalid escape sequence: \\1')
    assert problem.pointer == "/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/code/pattern"
    assert store.validate("example.org/v1", "Gadget", {"spec": {"code": "a" * 40 + "!"}}) == []
