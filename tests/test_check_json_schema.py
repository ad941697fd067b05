"""The ``json-schema`` check: drafts, backends, positions, messages, and refusing bad schemas early."""

from __future__ import annotations

import textwrap

import pytest

from lintops.catalog import available_checks
from lintops.checks.base import Subject
from lintops.checks.json_schema import JsonSchema, SchemaParamError
from lintops.engine import Engine
from lintops.model import Resource, Source
from lintops.rules import RuleError, RuleSpec, bind, load_rule_file
from lintops.schema.compiled import CompiledSchema

DRAFT4 = "http://json-schema.org/draft-04/schema#"
DRAFT7 = "http://json-schema.org/draft-07/schema#"

LIMITS_SCHEMA = {
    "type": "object",
    "required": ["resources"],
    "properties": {
        "resources": {
            "required": ["limits"],
            "properties": {"limits": {"required": ["cpu", "memory"]}},
        },
    },
}


def resource(body: dict | None = None, kind: str = "Deployment", name: str | None = "web") -> Resource:
    body = body if body is not None else {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name}}
    return Resource("apps/v1", kind, None, name, body, Source("x.yaml"))


def run(check: JsonSchema, value, pointer: str = "/spec/template/spec/containers/0", res: Resource | None = None):
    return list(check.check(Subject(res or resource(), pointer, value), None))


def python_only(check: JsonSchema) -> JsonSchema:
    """The same check on the pure Python backend (what runs where jsonschema-rs has no wheel)."""
    check._schema._rust = None
    if check._when is not None:
        check._when._rust = None
    return check


BACKENDS = [pytest.param(lambda c: c, id="jsonschema-rs"), pytest.param(python_only, id="jsonschema")]


# -- positions and messages ----------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("container, pointer, message", [
    ({"name": "app"}, "/spec/template/spec/containers/0",
     "app: resources.limits.cpu and resources.limits.memory"),
    ({"name": "app", "resources": {}}, "/spec/template/spec/containers/0/resources",
     "app: resources.limits.cpu and resources.limits.memory"),
    ({"name": "app", "resources": {"limits": {"cpu": 1}}}, "/spec/template/spec/containers/0/resources/limits",
     "app: resources.limits.memory"),
    ({"name": "app", "resources": {"limits": {}}}, "/spec/template/spec/containers/0/resources/limits",
     "app: resources.limits.cpu and resources.limits.memory"),
])
def test_missing_required_is_reported_at_the_object_that_lacks_it(backend, container, pointer, message):
    check = backend(JsonSchema({"schema": LIMITS_SCHEMA, "message": "{name}: {missing}"}))
    assert [(v.pointer, v.message) for v in run(check, container)] == [(pointer, message)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_failing_node_is_one_violation(backend):
    schema = {
        "properties": {
            "ports": {"items": {"properties": {"containerPort": {"type": "integer", "maximum": 65535}}}},
            "image": {"pattern": "^[a-z]"},
        },
    }
    check = backend(JsonSchema({"schema": schema, "message": "{path}: {error}"}))
    value = {"name": "app", "image": "Bad", "ports": [{"containerPort": 80}, {"containerPort": 70000}]}
    assert sorted((v.pointer, v.message) for v in run(check, value, "/spec/containers/1")) == [
        ("/spec/containers/1/image", "image: must match the pattern ^[a-z]"),
        ("/spec/containers/1/ports/1/containerPort", "ports[1].containerPort: must be at most 65535"),
    ]


@pytest.mark.parametrize("backend", BACKENDS)
def test_several_errors_at_one_node_make_one_violation(backend):
    schema = {"allOf": [{"required": ["a"]}, {"required": ["b"]}], "minProperties": 3}
    check = backend(JsonSchema({"schema": schema, "message": "{missing} | {error}"}))
    violations = run(check, {"c": 1}, "")
    assert len(violations) == 1
    missing, error = violations[0].message.split(" | ")
    assert missing == "a and b"
    assert set(error.split("; ")) == {"missing a", "missing b", "must have at least 3 properties"}


def test_placeholders():
    schema = {
        "properties": {
            "metadata": {"properties": {"labels": {"properties": {"app.kubernetes.io/name": {"enum": ["web"]}}}}},
            "spec": {"required": ["replicas"]},
        },
    }
    check = JsonSchema({"schema": schema, "message": "{kind} {name} at {path}: {error}"})
    body = {"kind": "Deployment", "metadata": {"name": "api", "labels": {"app.kubernetes.io/name": "api"}}, "spec": {}}
    assert sorted(v.message for v in run(check, body, "", resource(body, name="api"))) == [
        'Deployment api at metadata.labels["app.kubernetes.io/name"]: must be one of "web"',
        "Deployment api at spec: missing spec.replicas",
    ]
    root = JsonSchema({"schema": {"required": ["spec"]}, "message": "{name} {path} {missing}"})
    assert [v.message for v in run(root, {"kind": "Deployment"}, "", resource(name="web"))] == ["web . spec"]
    unnamed = JsonSchema({"schema": {"required": ["x"]}, "message": "{name}"})
    assert [v.message for v in run(unnamed, {}, "", resource(name=None))] == ["<unnamed>"]


def test_name_is_that_of_the_nearest_named_node():
    schema = {"properties": {"containers": {"items": {"properties": {"ports": {"items": {"required": ["name"]}}}}}}}
    check = JsonSchema({"schema": schema, "message": "{name}"})
    spec = {"containers": [{"name": "web", "ports": [{"containerPort": 80}]}]}
    assert [(v.pointer, v.message) for v in run(check, spec, "/spec")] == [("/spec/containers/0/ports/0", "web")]


def test_messages_by_keyword_override_the_message():
    schema = {"properties": {"cpu": {"not": {"const": 0}}}, "required": ["memory"]}
    check = JsonSchema({"schema": schema, "message": "missing {missing}", "messages": {"not": "{path} is zero"}})
    assert sorted(v.message for v in run(check, {"cpu": 0})) == ["cpu is zero", "missing memory"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_messages_never_echo_values_of_the_object(backend):
    secret = "hunter2-s3cr3t"
    schema = {
        "properties": {
            "data": {"additionalProperties": {"enum": ["", "Y2hhbmdlbWU="], "maxLength": 4, "type": "integer"}},
        },
        "additionalProperties": False,
    }
    check = backend(JsonSchema({"schema": schema, "message": "{name} {path} {missing} {error}"}))
    body = {"kind": "Secret", "metadata": {"name": "db"}, "data": {"password": secret}, secret: secret}
    violations = run(check, body, "", resource(body, "Secret", "db"))
    assert len(violations) == 2
    for violation in violations:
        assert secret not in violation.message
    by_pointer = {v.pointer: v.message for v in violations}
    assert by_pointer["/data/password"].startswith("db data.password data.password ")
    assert "has properties the schema does not allow" in by_pointer[""]


# -- parameters ----------------------------------------------------------------------------------------


def test_null_is_absent_unless_told_otherwise():
    schema = {"required": ["livenessProbe"], "properties": {"livenessProbe": {"type": "object"}}}
    default = JsonSchema({"schema": schema, "message": "{missing}"})
    assert [v.message for v in run(default, {"name": "a", "livenessProbe": None})] == ["livenessProbe"]
    assert run(default, {"name": "a", "env": [{"name": "X", "value": None}], "livenessProbe": {}}) == []
    kept = JsonSchema({"schema": schema, "message": "{path}: {error}", "nullAsAbsent": False})
    assert [v.message for v in run(kept, {"name": "a", "livenessProbe": None})] == [
        "livenessProbe: must be of type object"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_when_limits_the_objects_a_rule_looks_at(backend):
    when = {"not": {"required": ["kind", "spec"],
                    "properties": {"kind": {"const": "Pod"},
                                   "spec": {"required": ["restartPolicy"],
                                            "properties": {"restartPolicy": {"const": "Never"}}}}}}
    check = backend(JsonSchema({"schema": {"required": ["livenessProbe"]}, "message": "x", "when": when}))
    one_off = {"kind": "Pod", "spec": {"restartPolicy": "Never", "containers": [{"name": "a"}]}}
    server = {"kind": "Pod", "spec": {"containers": [{"name": "a"}]}}
    assert run(check, {"name": "a"}, "/spec/containers/0", resource(one_off, "Pod")) == []
    assert len(run(check, {"name": "a"}, "/spec/containers/0", resource(server, "Pod"))) == 1


def test_schema_is_compiled_once_per_rule(monkeypatch):
    import jsonschema_rs

    calls = []
    original = jsonschema_rs.validator_for
    monkeypatch.setattr(jsonschema_rs, "validator_for",
                        lambda schema, **kw: calls.append(schema) or original(schema, **kw))
    check = JsonSchema({"schema": LIMITS_SCHEMA, "message": "{missing}", "when": {"type": "object"}})
    assert len(calls) == 2  # the schema and `when`
    for index in range(50):
        run(check, {"name": f"c{index}"}, f"/spec/containers/{index}")
    assert len(calls) == 2


def test_values_the_fast_backend_cannot_take_fall_back_to_python():
    check = JsonSchema({"schema": {"properties": {"n": {"maximum": 5}}}, "message": "{path}: {error}"})
    assert [v.message for v in run(check, {"n": 10**40})] == ["n: must be at most 5"]


# -- drafts -------------------------------------------------------------------------------------------


def test_draft_is_chosen_by_dollar_schema():
    # Draft 4's boolean exclusiveMinimum; in 2020-12 it must be a number.
    draft4 = {"$schema": DRAFT4, "properties": {"replicas": {"minimum": 1, "exclusiveMinimum": True}}}
    check = JsonSchema({"schema": draft4, "message": "{path}: {error}"})
    assert [v.message for v in run(check, {"replicas": 1})] == ["replicas: must be greater than 1"]
    assert [v.message for v in run(python_only(check), {"replicas": 1})] == ["replicas: must be greater than 1"]
    assert run(check, {"replicas": 2}) == []
    with pytest.raises(ValueError, match="Draft202012"):
        JsonSchema({"schema": {k: v for k, v in draft4.items() if k != "$schema"}, "message": "x"})


def test_draft7_conditionals_and_2020_12_by_default():
    schema = {"$schema": DRAFT7, "if": {"properties": {"type": {"const": "LoadBalancer"}}},
              "then": {"required": ["loadBalancerSourceRanges"]}}
    check = JsonSchema({"schema": schema, "message": "{missing}"})
    assert [v.message for v in run(check, {"type": "LoadBalancer"}, "/spec")] == ["loadBalancerSourceRanges"]
    assert run(check, {"type": "ClusterIP"}, "/spec") == []
    default = JsonSchema({"schema": {"prefixItems": [{"type": "string"}]}, "message": "{path}: {error}"})
    assert [v.message for v in run(default, [1], "/spec/args")] == ["[0]: must be of type string"]


def test_draft3_runs_on_the_python_backend():
    schema = {"$schema": "http://json-schema.org/draft-03/schema#", "properties": {"image": {"required": True}}}
    check = JsonSchema({"schema": schema, "message": "{missing}"})
    assert check._schema.backend == "jsonschema"
    assert [v.message for v in run(check, {"name": "a"})] == ["image"]


def test_format_is_asserted():
    check = JsonSchema({"schema": {"properties": {"ip": {"format": "ipv4"}}}, "message": "{path}: {error}"})
    assert [v.message for v in run(check, {"ip": "not-an-ip"})] == ["ip: must be a valid ipv4"]
    assert run(check, {"ip": "10.0.0.1"}) == []


@pytest.mark.parametrize("backend", ["rust", "python"])
def test_local_references_are_followed(backend):
    schema = {"$defs": {"limits": {"required": ["cpu", "memory"]}},
              "required": ["limits"], "properties": {"limits": {"$ref": "#/$defs/limits"}}}
    check = JsonSchema({"schema": schema, "message": "{missing}"})
    if backend == "python":
        python_only(check)
    assert [v.message for v in run(check, {})] == ["limits.cpu and limits.memory"]
    assert [v.message for v in run(check, {"limits": {"cpu": 1}})] == ["limits.memory"]


# -- refusing bad rules when they load ----------------------------------------------------------------


@pytest.mark.parametrize("params, match", [
    ({"schema": {"type": "strnig"}, "message": "x"}, r"params\.schema/type: not a valid JSON Schema"),
    ({"schema": {"required": "name"}, "message": "x"}, r"params\.schema/required: not a valid JSON Schema"),
    ({"schema": {"$schema": "https://example.com/my-draft"}, "message": "x"}, "unknown '\\$schema'"),
    ({"schema": {"$ref": "https://example.com/k8s.json"}, "message": "x"}, "only local references"),
    ({"schema": {"properties": {"a": {"$ref": "other.json#/a"}}}, "message": "x"}, "only local references"),
    ({"schema": {}, "message": "x", "when": {"type": 3}}, r"params\.when/type"),
    ({"schema": {}, "message": "{container}"}, "unknown placeholder '{container}'"),
    ({"schema": {}, "message": "{name.__class__}"}, "unknown placeholder"),
    ({"schema": {}, "message": "{name:>999999999}"}, "no conversion or format spec"),
    ({"schema": {}, "message": "{name!r}"}, "no conversion or format spec"),
    ({"schema": {}, "message": "unbalanced {"}, "literal braces"),
    ({"schema": {}, "message": "x", "messages": {"not": "{value}"}}, r"params\.messages\.not"),
    ({"schema": {}}, r"params\.message"),
    ({"message": "x"}, r"params\.schema"),
])
def test_bad_params_are_refused_when_the_check_is_created(params, match):
    with pytest.raises(ValueError, match=match) as raised:
        JsonSchema(params)
    assert isinstance(raised.value, SchemaParamError) and isinstance(raised.value, RuleError)


def test_params_schema_is_enforced_by_the_rule_loader():
    spec = RuleSpec(id="x", severity="error", summary="x", check="json-schema", params={"schema": {}})
    with pytest.raises(RuleError, match="message"):
        bind([spec], available_checks())
    spec = spec.with_overrides(params={"schema": {}, "message": "x", "extra": 1})
    with pytest.raises(RuleError, match="extra"):
        bind([spec], available_checks())


def test_literal_braces_in_messages():
    check = JsonSchema({"schema": {"required": ["a"]}, "message": "{{literal}} {missing}"})
    assert [v.message for v in run(check, {})] == ["{literal} a"]


def test_compiled_schema_backend_is_rust_when_available():
    assert CompiledSchema({"type": "object"}).backend == "jsonschema-rs"


# -- through the engine, as a team writes a rule ------------------------------------------------------


def test_a_team_rule_file_through_the_engine(tmp_path):
    rule = tmp_path / "owner-label.yaml"
    rule.write_text(textwrap.dedent("""\
        id: owner-label
        severity: warning
        summary: Workloads name their owning team.
        targets: [Deployment, StatefulSet]
        check: json-schema
        params:
          message: "{kind} '{name}' has no {missing} label"
          schema:
            required: [metadata]
            properties:
              metadata:
                required: [labels]
                properties:
                  labels:
                    required: [team]
        """))
    engine = Engine(bind([load_rule_file(rule, "repository")], available_checks()))
    text = textwrap.dedent("""\
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: api
          labels: {app: api}
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: db
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: api}
        """)
    findings = [f for report in engine.lint_text(text, "x.yaml") for f in report.findings]
    assert [(f.location.line, f.location.column, f.pointer, f.message) for f in findings] == [
        (5, 11, "/metadata/labels", "Deployment 'api' has no metadata.labels.team label"),
        (9, 1, "/metadata", "StatefulSet 'db' has no metadata.labels.team label"),
    ]
