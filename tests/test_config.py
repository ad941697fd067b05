"""``.lintops.yaml``: discovery, validation with positions, effect on the run."""

from __future__ import annotations

import pytest

from conftest import write
from lintops.config.settings import STARTER_CONFIG, ConfigError, find_config, load_config, match_path
from lintops.model import Severity

BAD_IMAGE = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: web
    image: nginx:1.19.10
    imagePulPolicy: Always
"""


def test_found_by_walking_up(tmp_path):
    config = write(tmp_path / ".lintops.yaml", "strict: false\n")
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert find_config(tmp_path / "a" / "b") == config.resolve()


def test_unknown_key_names_file_line_col(tmp_path):
    path = write(tmp_path / ".lintops.yaml", "strict: true\nstrikt: false\n")
    with pytest.raises(ConfigError, match=r"\.lintops\.yaml:2:1: .*strikt"):
        load_config(path)


def test_wrong_type_names_file_line_col(tmp_path):
    path = write(tmp_path / ".lintops.yaml", "rules:\n  schema:\n    severity: fatal\n")
    with pytest.raises(ConfigError, match=r"\.lintops\.yaml:\d+:\d+:"):
        load_config(path)


def test_unquoted_version_is_refused(tmp_path):
    path = write(tmp_path / ".lintops.yaml", "kubernetes_version: 1.20\n")
    with pytest.raises(ConfigError, match=r':1:1: .*YAML reads it as 1\.2.*'
                                          r'write it in quotes: kubernetes_version: "1\.20"'):
        load_config(path)


def test_starter_config_is_valid(tmp_path):
    config = load_config(write(tmp_path / ".lintops.yaml", STARTER_CONFIG))
    assert config.kubernetes_version == "1.18" and config.strict is True and config.fail_on is Severity.ERROR


def test_init_writes_starter_config(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli("init").exit_code == 0
    assert (tmp_path / ".lintops.yaml").read_text() == STARTER_CONFIG
    assert cli("init").exit_code == 2  # refuses to overwrite


def test_config_error_exits_2(cli, tmp_path):
    write(tmp_path / ".lintops.yaml", "fail_on: sometimes\n")
    write(tmp_path / "a.yaml", BAD_IMAGE)
    result = cli("check", str(tmp_path))
    assert result.exit_code == 2
    assert ".lintops.yaml:1:10:" in result.stderr


def test_config_sets_version_strictness_and_rules(lint_json, tmp_path):
    write(tmp_path / ".lintops.yaml", 'kubernetes_version: "1.17"\nstrict: false\nrules:\n  schema-missing: error\n')
    write(tmp_path / "a.yaml", BAD_IMAGE)
    write(tmp_path / "b.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")
    code, report = lint_json(str(tmp_path))
    assert report["kubernetes_version"] == "1.17"
    rules = {f["rule"]: f["severity"] for f in report["findings"]}
    assert "schema" not in rules  # not strict
    assert rules["schema-missing"] == "error"
    assert code == 1


def test_flags_override_config(lint_json, tmp_path):
    write(tmp_path / ".lintops.yaml", "strict: false\n")
    write(tmp_path / "a.yaml", BAD_IMAGE)
    _, report = lint_json("--strict", str(tmp_path))
    assert "schema" in {f["rule"] for f in report["findings"]}


def test_disable_flag_and_unknown_rule(cli, lint_json, tmp_path):
    path = write(tmp_path / "a.yaml", BAD_IMAGE)
    _, report = lint_json("--disable", "schema", str(path))
    assert "schema" not in {f["rule"] for f in report["findings"]}
    result = cli("check", "--disable", "no-such-rule", str(path))
    assert result.exit_code == 2 and "unknown rule 'no-such-rule'" in result.stderr


def test_fail_on_warning(lint_json, tmp_path):
    path = write(tmp_path / "w.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")
    code, _ = lint_json(str(path))
    assert code == 0  # schema-missing is a warning
    code, _ = lint_json("--fail-on", "warning", str(path))
    assert code == 1


def test_per_path_overrides(lint_json, tmp_path):
    write(tmp_path / ".lintops.yaml",
          "overrides:\n  - paths: ['legacy/**']\n    rules: {schema: warning}\n")
    write(tmp_path / "legacy" / "a.yaml", BAD_IMAGE)
    write(tmp_path / "new" / "a.yaml", BAD_IMAGE)
    _, report = lint_json(str(tmp_path))
    severities = {f["path"].split("/")[-2]: f["severity"] for f in report["findings"] if f["rule"] == "schema"}
    assert severities == {"legacy": "warning", "new": "error"}


def test_repository_rules_are_data(lint_json, tmp_path):
    write(tmp_path / ".lintops.yaml", "{}\n")
    write(tmp_path / ".lintops" / "rules" / "team-label.yaml", """\
id: team-label
severity: error
summary: Deployments carry a team label.
check: json-schema
targets: [Pod]
params:
  schema: {properties: {metadata: {required: [labels]}}}
  message: "{kind} needs labels"
rationale: paging
documentation: fires on pods without labels
remediation: add labels
examples: {pass: "", fail: ""}
""")
    write(tmp_path / "a.yaml", BAD_IMAGE)
    _, report = lint_json(str(tmp_path))
    assert "team-label" in {f["rule"] for f in report["findings"]}


def test_repository_rule_with_bad_params_is_a_config_error(cli, tmp_path):
    write(tmp_path / ".lintops" / "rules" / "x.yaml",
          "id: x\nseverity: error\nsummary: s\ncheck: api-lifecycle\nparams: {report: sometimes}\n")
    write(tmp_path / "a.yaml", BAD_IMAGE)
    result = cli("check", str(tmp_path))
    assert result.exit_code == 2
    assert ("x.yaml:5:18: rule 'x': params.report must be removed, unavailable or deprecated, not 'sometimes'"
            in result.stderr)


def test_match_path():
    assert match_path("legacy/a/b.yaml", "legacy/**")
    assert match_path("legacy/a/b.yaml", "legacy")
    assert match_path("x/values.yaml", "*.yaml")
    assert not match_path("new/a.yaml", "legacy/**")


def test_bad_environment_pattern_is_a_config_error(cli, tmp_path):
    write(tmp_path / ".lintops.yaml", "environments: {staging: ['stag(']}\n")
    write(tmp_path / "a.yaml", BAD_IMAGE)
    result = cli("check", str(tmp_path))
    assert result.exit_code == 2
    assert "environments" in result.stderr


def test_per_path_settings_hold_when_run_from_a_subdirectory(lint_json, tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".lintops.yaml", "overrides:\n  - paths: ['legacy/**']\n    rules: {schema: warning}\n")
    write(tmp_path / "legacy" / "a.yaml", BAD_IMAGE)
    monkeypatch.chdir(tmp_path / "legacy")
    _, report = lint_json(".")
    assert {f["severity"] for f in report["findings"] if f["rule"] == "schema"} == {"warning"}
