"""The published schemas of .lintops.yaml and rule files: valid draft-07, what lintops validates with,
what an editor (a draft-07 validator, as yaml-language-server is) accepts and refuses alike, and errors
that name the offending key at ``path:line:col``."""

from __future__ import annotations

import ast
import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import jsonschema_rs
import pytest
import yaml

from conftest import REPO, run_lintops, write
from lintops.catalog import available_checks
from lintops.config.settings import STARTER_CONFIG, ConfigError, load_config
from lintops.inputs.helm.environments import CONFIG_SCHEMA as HELM_CONFIG_SCHEMA
from lintops.rules import RuleError, bind, load_rule_file
from lintops.schema import published as published_schemas
from lintops.schema.published import CONFIG_SCHEMA_FILE, RULE_SCHEMA_FILE, first_problem

SCHEMAS = REPO / "schemas"
DRAFT_07 = "http://json-schema.org/draft-07/schema#"
ANNOTATIONS = {"description", "default", "examples", "errorMessage", "title", "$comment"}


def published(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


def editor(name: str) -> jsonschema.Draft7Validator:
    """What yaml-language-server does with the file: draft-07 validation of the whole schema."""
    return jsonschema.Draft7Validator(published(name))


def without_annotations(node):
    if isinstance(node, dict):
        return {key: without_annotations(value) for key, value in node.items() if key not in ANNOTATIONS}
    if isinstance(node, list):
        return [without_annotations(item) for item in node]
    return node


# -- the files ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [CONFIG_SCHEMA_FILE, RULE_SCHEMA_FILE])
def test_the_published_schemas_are_valid_draft_07(name):
    schema = published(name)
    assert schema["$schema"] == DRAFT_07
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema_rs.validator_for(schema)  # and the backend lintops validates with compiles them


def test_every_built_in_rule_file_is_valid_against_the_published_schema():
    """The built-in rules are not validated when they load (start-up cost): this is where they are, against
    the whole published file, per-check params included, with both draft-07 implementations."""
    schema = published(RULE_SCHEMA_FILE)
    rust = jsonschema_rs.validator_for(schema)
    files = sorted((REPO / "rules").glob("*.yaml"))
    assert len(files) > 30
    for path in files:
        data = yaml.safe_load(path.read_text())
        assert [e.message for e in editor(RULE_SCHEMA_FILE).iter_errors(data)] == [], path.name
        assert rust.is_valid(data), path.name
        assert first_problem(published_schemas.rule_structure_schema(), data) is None, path.name


def test_the_starter_and_documented_configurations_are_valid_for_lintops_and_editors(tmp_path):
    readme = (REPO / "README.md").read_text()
    documented = readme.split("## Configuration: `.lintops.yaml`", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    for text in (STARTER_CONFIG, documented):
        data = yaml.safe_load(text)
        assert [e.message for e in editor(CONFIG_SCHEMA_FILE).iter_errors(data)] == []
        load_config(write(tmp_path / ".lintops.yaml", text))


def test_the_helm_section_is_the_one_the_helm_renderer_declares():
    """The Helm renderer keeps its configuration's shape beside the code that reads it; the published file
    must say the same (its annotations aside)."""
    assert without_annotations(published(CONFIG_SCHEMA_FILE)["definitions"]["helm"]) == HELM_CONFIG_SCHEMA


def test_every_check_parameter_is_described_and_its_default_is_valid():
    for name, check in available_checks().items():
        schema = check.params_schema
        for param, node in (schema.get("properties") or {}).items():
            assert str(node.get("description", "")).strip(), f"{name}.{param} has no description"
            if "default" in node:
                assert first_problem({**node, "description": ""}, node["default"]) is None, f"{name}.{param}"


def test_check_parameter_schemas_mean_the_same_in_draft_07():
    """They are validated with jsonschema-rs' default draft (2020-12) and embedded in the draft-07 rule schema
    for editors: only keywords whose meaning did not change between the two may occur."""
    changed = {"$defs", "prefixItems", "dependentRequired", "dependentSchemas", "unevaluatedItems",
               "unevaluatedProperties", "$anchor", "$dynamicRef", "$recursiveRef", "items_array"}

    def keywords(node, found):
        if isinstance(node, dict):
            found.update(node)
            if isinstance(node.get("items"), list):
                found.add("items_array")
            for key, value in node.items():
                if key not in ("properties", "default", "examples", "enum", "const"):
                    keywords(value, found)
                elif key == "properties":
                    for child in value.values():
                        keywords(child, found)
        elif isinstance(node, list):
            for item in node:
                keywords(item, found)
        return found

    for name, check in available_checks().items():
        assert not keywords(check.params_schema, set()) & changed, name


def test_the_rule_schema_applies_each_checks_params_for_editors():
    schema = published(RULE_SCHEMA_FILE)
    for name, check in available_checks().items():
        assert without_annotations(schema["definitions"]["params"][name]) == without_annotations(check.params_schema)
    bad = {"id": "x", "severity": "error", "summary": "s", "check": "image-reference", "params": {"report": "x"}}
    [error] = editor(RULE_SCHEMA_FILE).iter_errors(bad)
    assert list(error.absolute_path) == ["params", "report"]
    assert editor(RULE_SCHEMA_FILE).is_valid({**bad, "check": "my-plugin-check"})  # a plugin's check: any params


# -- configuration errors -------------------------------------------------------------------------------

CONFIG_ERRORS = [
    ("strikt: true\n", "1:1", "unknown key 'strikt'; did you mean 'strict'? (allowed: allow_exemptions, argocd, "
                             "baseline, environment_versions, environments, exclude, exemptions, fail_on, helm, "
                             "kubernetes_version, kustomize, overrides, packs, plugins, repository, rule_docs_url, "
                             "rules, strict, workloads)"),
    ("fail_on: sometimes\n", "1:10", "fail_on must be error, warning or info, not 'sometimes'"),
    ("kubernetes_version: 1.20\n", "1:1", 'kubernetes_version: unquoted, 1.20 is a number (YAML reads it as 1.2), '
                                         'not a version; write it in quotes: kubernetes_version: "1.20"'),
    ("rules:\n  schema: sometimes\n", "2:11", "rules.schema must be true or false (enable or disable), a severity "
                                             "(error, warning or info) or a mapping of enabled, severity, params and "
                                             "kinds, not 'sometimes'"),
    ("rules:\n  schema: {enable: false}\n", "2:12", "unknown key 'enable' in rules.schema; did you mean 'enabled'? "
                                                   "(allowed: enabled, kinds, params, severity)"),
    ("rules:\n  schema: {enabled: 3}\n", "2:21", "rules.schema.enabled must be true or false, not the number 3"),
    ("exemptions:\n  - rule: schema\n", "2:5", "exemptions[0]: 'reason' is required and must be a string"),
    ("helm:\n  charts:\n    - path: ''\n", "3:13", "helm.charts[0].path must not be empty"),
    ("overrides:\n  - paths: [a]\n    rules: {x: {kinds: Pod}}\n", "3:24",
     "overrides[0].rules.x.kinds must be a list, not 'Pod'"),
    ("- a\n", "1:1", "the configuration must be a mapping, not a list"),
    ("environment_versions:\n  '': '1.30'\n", "2:3", "environment_versions has an empty key"),
    ("plugins: [../evil]\n", "1:11", "plugins[0] must be a distribution name (letters, digits, '.', '_' and '-'), "
                                    "not '../evil'"),
    ("workloads:\n  CloneSet: spec\n", "2:13", "workloads.CloneSet must be a JSON pointer to the pod spec, such as "
                                              "/spec/template/spec, not 'spec'"),
    ("allow_exemptions:\n  inline: 'no'\n", "2:11", "allow_exemptions.inline must be true or false, not 'no'"),
    ("exclude: vendor\n", "1:10", "exclude must be a list or empty, not 'vendor'"),
    ("strict:\n", "1:1", "strict must be true or false, not empty (null)"),
    ("repository: {rules: yes-please}\n", "1:21", "repository.rules must be true or false, not 'yes-please'"),
]


@pytest.mark.parametrize(("text", "where", "message"), CONFIG_ERRORS)
def test_a_configuration_error_names_the_key_and_its_place(tmp_path, text, where, message):
    path = write(tmp_path / ".lintops.yaml", text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value) == f"{path}:{where}: {message}"
    assert not editor(CONFIG_SCHEMA_FILE).is_valid(yaml.safe_load(text))  # an editor flags it too


@pytest.mark.parametrize(("text", "where", "message"), CONFIG_ERRORS[:8])
def test_both_backends_explain_a_configuration_error_alike(tmp_path, monkeypatch, text, where, message):
    def no_rust(schema):
        raise ImportError("jsonschema-rs is not installed")

    monkeypatch.setattr(published_schemas, "_rust_validator", no_rust)
    path = write(tmp_path / ".lintops.yaml", text)
    with pytest.raises(ConfigError, match=f"^{path}:{where}: ") as raised:
        load_config(path)
    assert str(raised.value).endswith(message)


def test_a_section_left_empty_is_not_set_for_lintops_and_editors(tmp_path):
    text = "rules:\n  # readiness-probe: false\nexclude:\nexemptions:\n"
    assert load_config(write(tmp_path / ".lintops.yaml", text)).rules == {}
    assert editor(CONFIG_SCHEMA_FILE).is_valid(yaml.safe_load(text))


def test_a_long_or_huge_value_is_cut_in_the_message(tmp_path):
    path = write(tmp_path / ".lintops.yaml", f"fail_on: {'x' * 500}\nkubernetes_version: {10 ** 40}\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert "x" * 40 not in str(raised.value) and "x" * 39 + "…" in str(raised.value)
    path = write(tmp_path / ".lintops.yaml", f"kubernetes_version: {10 ** 40}\n")
    with pytest.raises(ConfigError, match=r":1:21: kubernetes_version must be a quoted version .*the number 1000"):
        load_config(path)


def test_a_configuration_error_is_exit_2_at_its_place_from_the_command_line(tmp_path):


    write(tmp_path / ".lintops.yaml", "rules:\n  schema: {enable: false}\n")
    write(tmp_path / "a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    result = run_lintops("check", ".", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("lintops: error: ") and ".lintops.yaml:2:12: unknown key 'enable'" in result.stderr


# -- rule file errors -----------------------------------------------------------------------------------

RULE = "id: x\nseverity: error\nsummary: s\ncheck: json-schema\n"
RULE_ERRORS = [
    ("severity: error\nsummary: s\ncheck: c\n", "1:1", "'id' is required and must be a string"),
    ("id: ''\nseverity: error\nsummary: s\ncheck: c\n", "1:5", "id must not be empty"),
    (RULE + "sumary: x\n", "5:1", "unknown key 'sumary'; did you mean 'summary'? (allowed: check, documentation, "
                                  "enabled, examples, help_url, id, kinds, packs, params, precision, rationale, "
                                  "remediation, severity, stage, summary, tags, targets)"),
    ("id: x\nseverity: fatal\nsummary: s\ncheck: c\n", "2:11", "severity must be error, warning or info, not 'fatal'"),
    (RULE + "targets: {a: 1}\n", "5:10", "targets must be a kind, *, pod-spec, container, init-container, "
                                        "ephemeral-container or helm-values, or a list of them, not a mapping"),
    (RULE + "targets: [container, 3]\n", "5:22", "targets[1] must be a string, not the number 3 (write it in quotes)"),
    (RULE + "kinds: Pod\n", "5:8", "kinds must be a list or empty, not 'Pod'"),
    (RULE + "params: [a]\n", "5:9", "params must be a mapping or empty, not a list"),
    (RULE + "examples:\n  pass: 3\n", "6:9", "examples.pass must be a string, not the number 3 (write it in quotes)"),
    (RULE + "examples:\n  fail_at: ['line 3']\n", "6:13", "examples.fail_at[0] must be LINE:COLUMN, then a space and "
                                                      "the finding's JSON pointer if it has one, as in '13:18 "
                                                      "/spec/template/spec/containers/0/image', not 'line 3'"),
    (RULE + "examples:\n  fail_at: '3:1'\n", "6:12", "examples.fail_at must be a list, not '3:1'"),
    (RULE + "enabled: 'no'\n", "5:10", "enabled must be true or false, not 'no'"),
    (RULE + "rationale: [a]\n", "5:12", "rationale must be a string, not a list"),
]


@pytest.mark.parametrize(("text", "where", "message"), RULE_ERRORS)
def test_a_rule_file_error_names_the_key_and_its_place(tmp_path, text, where, message):
    path = write(tmp_path / "rule.yaml", text)
    with pytest.raises(RuleError) as raised:
        load_rule_file(path, "repository")
    assert str(raised.value) == f"{path}:{where}: {message}"
    assert not editor(RULE_SCHEMA_FILE).is_valid(yaml.safe_load(text))


@pytest.mark.parametrize(("params", "where", "message"), [
    ("  report: floating\n  tags: [x]\n", "7:3", "rule 'x': unknown key 'tags' in params (allowed: floating_tags, "
                                                "report)"),
    ("  report: everything\n", "6:11", "rule 'x': params.report must be untagged-or-latest or floating, not "
                                      "'everything'"),
    ("  report: floating\n  floating_tags: [main, main]\n", "7:18", "rule 'x': params.floating_tags lists 'main' more "
                                                                   "than once"),
])
def test_a_parameter_error_names_the_parameter_and_its_place(tmp_path, params, where, message):
    text = f"id: x\nseverity: error\nsummary: s\ncheck: image-reference\nparams:\n{params}"
    path = write(tmp_path / "rule.yaml", text)
    with pytest.raises(RuleError) as raised:
        bind([load_rule_file(path, "repository")], available_checks())
    assert str(raised.value) == f"{path}:{where}: {message}"
    assert not editor(RULE_SCHEMA_FILE).is_valid(yaml.safe_load(text))  # the editor knows the built-in checks


def test_optional_rule_keys_may_be_left_empty(tmp_path):
    spec = load_rule_file(write(tmp_path / "rule.yaml", RULE + "targets: container\nkinds: ~\nparams: ~\n"
                                                              "examples: ~\n"), "repository")
    assert (spec.targets, spec.kinds, dict(spec.params), dict(spec.examples)) == (("container",), None, {}, {})


def test_a_repository_rule_error_is_exit_2_and_nothing_is_linted(tmp_path):


    write(tmp_path / ".lintops" / "rules" / "x.yaml", "id: x\nseverity: fatal\nsummary: s\ncheck: parser\n")
    write(tmp_path / "a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    result = run_lintops("check", ".", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert ".lintops/rules/x.yaml:2:11: severity must be error, warning or info, not 'fatal'" in result.stderr


# -- start-up -------------------------------------------------------------------------------------------

OPENED = """
import sys
opened = []
sys.addaudithook(lambda event, args: event == "open" and str(args[0]).endswith(".schema.json")
                 and opened.append(str(args[0])))
from lintops.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print("OPENED", sorted({p.rsplit("/", 1)[-1] for p in opened}), file=sys.stderr)
"""


def opened_schemas(*args: str, cwd: Path) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-c", OPENED, *args], cwd=cwd, capture_output=True, text=True,
                            env=env, timeout=120)
    line = next(line for line in result.stderr.splitlines() if line.startswith("OPENED "))
    return ast.literal_eval(line[len("OPENED "):])


def test_the_schemas_are_read_only_when_a_configuration_or_rule_file_is_validated(tmp_path):
    write(tmp_path / "a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    (tmp_path / ".git").mkdir()
    assert opened_schemas("check", "a.yaml", cwd=tmp_path) == []  # the built-in rules are not validated here
    write(tmp_path / ".lintops.yaml", "strict: true\n")
    assert opened_schemas("check", "a.yaml", cwd=tmp_path) == [CONFIG_SCHEMA_FILE]
    write(tmp_path / ".lintops" / "rules" / "x.yaml", RULE + "params: {schema: {}, message: m}\n")
    assert opened_schemas("check", "a.yaml", cwd=tmp_path) == [CONFIG_SCHEMA_FILE, RULE_SCHEMA_FILE]


def test_explaining_a_problem_does_not_change_the_published_schema():
    before = copy.deepcopy(published_schemas.load(CONFIG_SCHEMA_FILE))
    for text, _, _ in CONFIG_ERRORS:
        first_problem(published_schemas.load(CONFIG_SCHEMA_FILE), yaml.safe_load(text))
    assert published_schemas.load(CONFIG_SCHEMA_FILE) == before
