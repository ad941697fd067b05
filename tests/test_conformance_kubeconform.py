"""Conformance with kubeconform's own fixtures (tests/fixtures/kubeconform, see SOURCES.md there).

Each row states kubeconform's verdict from its acceptance tests and ours (Kubernetes 1.18, strict).
Where the verdicts differ on purpose, the row says why.
"""

from __future__ import annotations

import pytest

from conftest import FIXTURES

KC = FIXTURES / "kubeconform"
#: The rules kubeconform's verdicts speak about (house rules are out of its scope).
SCHEMA_RULES = {"schema", "schema-missing", "duplicate-key", "api-removed", "api-unavailable", "api-deprecated",
                "yaml-syntax", "yaml-limit"}

# fixture, kubeconform verdict, lintops rules expected (unsuppressed), objects, note
ROWS = [
    ("valid.yaml", "valid", set(), 1, ""),
    ("valid.json", "valid", set(), 1, ""),
    ("invalid.yaml", "invalid", {"schema"}, 1, ""),
    ("multi_valid.yaml", "valid", set(), 6, ""),
    ("multi_invalid.yaml", "invalid", {"schema"}, 6, ""),
    ("list_valid.yaml", "valid", set(), 6, ""),
    ("list_invalid.yaml", "invalid", {"schema"}, 2, ""),
    ("list_empty_valid.yaml", "valid", set(), 0, ""),
    ("multi_with_list.yaml", "valid", set(), 2, ""),
    ("extra_property.yaml", "invalid (strict)", {"schema"}, 1, ""),
    ("duplicate_property.yaml", "invalid (strict)", {"schema", "duplicate-key"}, 1, ""),
    ("missing_apiversion.yaml", "error", {"schema"}, 0, ""),
    ("missing_kind_value.yaml", "error", {"schema"}, 0, ""),
    # kubeconform: "missing 'kind' key". The document has neither apiVersion nor kind, which is how
    # Helm values files and kustomization.yaml look: lintops counts it as a skipped non-manifest.
    ("missing_kind.yaml", "error", set(), 0, "difference: no apiVersion and no kind is not a manifest"),
    ("blank.yaml", "valid", set(), 0, ""),
    ("comment.yaml", "valid", set(), 0, ""),
    ("int_or_string.yaml", "valid", set(), 1, ""),
    ("quantity.yaml", "valid", set(), 1, ""),
    ("null_string.yaml", "valid", set(), 1, ""),
    ("generate_name.yaml", "valid", set(), 1, ""),
    # kubeconform fails (exit 1) on a missing schema; lintops reports schema-missing as a warning by
    # default (a team re-grades it with `rules: {schema-missing: error}`).
    ("test_crd.yaml", "error (no schema)", {"schema-missing"}, 1, "difference: warning, not failure"),
]


@pytest.mark.parametrize(("fixture", "peer", "rules", "objects", "note"), ROWS, ids=[r[0] for r in ROWS])
def test_fixture_verdict(lint_json, fixture, peer, rules, objects, note):
    _, report = lint_json(str(KC / fixture))
    found = {f["rule"] for f in report["findings"] if not f["suppressed"]} & SCHEMA_RULES
    assert found == rules, (peer, note)
    assert report["summary"]["objects"] == objects


def test_extra_property_passes_without_strict(lint_json):
    _, report = lint_json("--no-strict", str(KC / "extra_property.yaml"))
    assert {f["rule"] for f in report["findings"]} & SCHEMA_RULES == set()


def test_custom_resource_is_validated_by_a_crd_in_the_same_run(lint_json):
    """kubeconform needs a schema registry for test_crd.yaml; lintops reads the CRD among the inputs."""
    crd = KC / "registry" / "sagemaker.aws.amazon.com_trainingjobs.yaml"
    _, report = lint_json(str(KC / "test_crd.yaml"), str(crd))
    assert "schema-missing" not in {f["rule"] for f in report["findings"]}


def test_crd_after_its_custom_resource_still_applies(lint_json, tmp_path):
    crd = (KC / "registry" / "sagemaker.aws.amazon.com_trainingjobs.yaml").read_text()
    resource = (KC / "test_crd.yaml").read_text().replace("maxRuntimeInSeconds", "maxRuntimeSeconds")
    (tmp_path / "a-resource.yaml").write_text(resource)
    (tmp_path / "z-crd.yaml").write_text(crd)
    _, report = lint_json(str(tmp_path))
    rules = {(f["rule"], f["path"].rsplit("/", 1)[-1]) for f in report["findings"]}
    assert ("schema-missing", "a-resource.yaml") not in rules
    assert ("schema", "a-resource.yaml") in rules  # validated against the CRD read after it


def test_invalid_positions(lint_json):
    _, report = lint_json(str(KC / "multi_invalid.yaml"))
    [finding] = [f for f in report["findings"] if f["rule"] == "schema"]
    assert (finding["line"], finding["column"], finding["pointer"]) == (12, 11, "/spec/ports/0/port")
    assert finding["object"]["name"] == "redis-master"
