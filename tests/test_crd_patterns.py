"""CRD patterns mean what they mean to the API server (Go's regexp, RE2), with either schema backend.

kube-prometheus' PrometheusRule and AlertmanagerConfig CRDs use RE2's inline flag ``(?i)``, which
jsonschema-rs' ECMA-262 reading refuses; their objects must still be validated, by RE2, and a pattern
RE2 itself refuses is one warning at its line of the CRD while the rest of the schema still applies.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
import yaml

from lintops.patterns import jsonschema_rs_can_match
from lintops.schema.kube.store import SchemaStore
from lintops.schema.kube.validate import SchemaError
from lintops.schema.service import BACKENDS

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "crd-patterns"

RULES = textwrap.dedent("""\
    apiVersion: monitoring.coreos.com/v1
    kind: PrometheusRule
    metadata:
      name: kube-rules
      namespace: monitoring
    spec:
      groups:
      - name: good
        partial_response_strategy: WARN
        interval: 30s
        rules:
        - record: up:sum
          expr: sum(up)
      - name: bad
        partial_response_strategy: ignore
        interval: 30 seconds
        rules:
        - alert: Down
          expr: up == 0
          severity: critical
    """)

CONFIG = textwrap.dedent("""\
    apiVersion: monitoring.coreos.com/v1alpha1
    kind: AlertmanagerConfig
    metadata:
      name: quiet
      namespace: monitoring
    spec:
      muteTimeIntervals:
      - name: weekends
        timeIntervals:
        - weekdays: [Saturday, "sunday:monday", funday]
          months: ["January:March", "12", "13"]
    """)


def _crd(name: str) -> dict:
    return yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("backend", BACKENDS)
def test_inline_flags_are_matched_as_re2_matches_them(backend):
    store = SchemaStore("1.18", backend=backend)
    assert store.add_crd(_crd("prometheusrules-crd.yaml")) == []
    assert store.add_crd(_crd("alertmanagerconfigs-crd.yaml")) == []
    rules = store.validate("monitoring.coreos.com/v1", "PrometheusRule", yaml.safe_load(RULES))
    assert [(e.pointer, e.message) for e in rules] == [
        ("/spec/groups/1/interval", 'value does not match the pattern "^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?'
                                    '(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"'),
        ("/spec/groups/1/partial_response_strategy", 'value does not match the pattern "^(?i)(abort|warn)?$"'),
        ("/spec/groups/1/rules/0/severity", "unknown field 'severity'"),
    ]
    config = store.validate("monitoring.coreos.com/v1alpha1", "AlertmanagerConfig", yaml.safe_load(CONFIG))
    assert [e.pointer for e in config] == [
        "/spec/muteTimeIntervals/0/timeIntervals/0/months/2",
        "/spec/muteTimeIntervals/0/timeIntervals/0/weekdays/2",
    ]


def test_only_patterns_read_alike_by_both_syntaxes_are_left_to_jsonschema_rs():
    assert jsonschema_rs_can_match("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
    assert jsonschema_rs_can_match("^2\\d{3}(?::2\\d{3}|$)")
    for pattern in ("^(?i)(abort|warn)?$", "^[a-z]\\z", "[[:alpha:]]+", "\\pL", "(?P<name>a)", "\\Qa.b\\E",
                    "^.*$", "\\s", "[]a]", "a{,3}", "\\u0041"):
        assert not jsonschema_rs_can_match(pattern), pattern


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_pattern_re2_refuses_is_dropped_and_the_rest_still_validates(backend):
    crd = _crd("prometheusrules-crd.yaml")
    group = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["groups"]
    group["items"]["properties"]["partial_response_strategy"]["pattern"] = "^(?<!x)(abort|warn)$"
    store = SchemaStore("1.18", backend=backend)
    [problem] = store.add_crd(crd)
    assert problem.pointer == ("/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/groups/items/"
                               "properties/partial_response_strategy/pattern")
    assert "lookaround is not supported" in problem
    errors = store.validate("monitoring.coreos.com/v1", "PrometheusRule", yaml.safe_load(RULES))
    assert SchemaError("/spec/groups/1/rules/0/severity", "unknown field 'severity'", at_key=True) in errors
    assert not any(e.pointer.endswith("partial_response_strategy") for e in errors)


def test_check_validates_kube_prometheus_objects_and_places_a_refused_pattern(tmp_path, lint_json, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(FIXTURES / "prometheusrules-crd.yaml", tmp_path / "prometheusrules-crd.yaml")
    bad_crd = (FIXTURES / "alertmanagerconfigs-crd.yaml").read_text(encoding="utf-8")
    bad_crd = bad_crd.replace("pattern: ^2\\d{3}(?::2\\d{3}|$)", "pattern: ^2\\d{3}(?::\\1|$)")
    (tmp_path / "alertmanagerconfigs-crd.yaml").write_text(bad_crd, encoding="utf-8")
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    (tmp_path / "config.yaml").write_text(CONFIG + "      extra: 1\n", encoding="utf-8")
    code, report = lint_json(".")
    assert code == 1
    found = {(f["path"], f["line"], f["column"], f["rule"]) for f in report["findings"]}
    assert ("rules.yaml", 15, 32, "schema") in found  # partial_response_strategy: ignore
    assert ("rules.yaml", 16, 15, "schema") in found  # interval: 30 seconds
    assert ("rules.yaml", 20, 7, "schema") in found   # severity: unknown field
    line = bad_crd.splitlines().index("                              pattern: ^2\\d{3}(?::\\1|$)") + 1
    refused = [f for f in report["findings"] if f["path"] == "alertmanagerconfigs-crd.yaml"]
    assert [(f["rule"], f["severity"], f["line"], f["column"]) for f in refused] == [
        ("schema-missing", "warning", line, 31)]
    assert "^2\\\\d{3}(?::\\\\1|$)" in refused[0]["message"]
    # the AlertmanagerConfig is still validated against everything else of its schema
    config = {(f["line"], f["column"], f["rule"]) for f in report["findings"] if f["path"] == "config.yaml"}
    assert (10, 45, "schema") in config  # weekdays: funday
    assert (11, 39, "schema") in config  # months: "13"
    assert (12, 7, "schema") in config   # extra: unknown field
    assert not any(f["rule"] == "schema-missing" and f["path"] != "alertmanagerconfigs-crd.yaml"
                   for f in report["findings"])


def test_bundled_kubernetes_definitions_have_no_pattern_to_read_as_re2():
    """Built-in kinds skip the RE2 pattern walk (:func:`lintops.schema.kube.validate.compile_schema`, ``re2=False``);
    that is only right while no bundled definition has a ``pattern`` jsonschema-rs would misread."""
    from lintops.schema.kube.bundle import load
    from lintops.schema.kube.validate import _re2_patterns
    from lintops.schema.kube.versions import supported_versions

    for version in supported_versions():
        definitions = load(version).definitions
        _, renamed = _re2_patterns({"definitions": dict(definitions)})
        assert not renamed, version
