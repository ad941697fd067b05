"""Rule ``high-entropy-literal``: long random literals warn; digests, ids, words and what
``no-plaintext-secret`` already reports do not."""

from __future__ import annotations

import json
import random
import string
import textwrap

import pytest

from lintops.catalog import available_checks
from lintops.data import data_dir
from lintops.engine import Engine
from lintops.entropy import class_changes, high_entropy, shannon_entropy
from lintops.rules import RuleError, bind, load_rule_file
from tests.credential_samples import SAMPLES

RULE_ID = "high-entropy-literal"
RANDOM_B64 = "q8Zr2Lw0Xv5Tn7Kb3Hd9Ps1Mf4Jc6Ga"
RANDOM_HEX = "7f3a9c01e5b84d26a0c9f1e37b5d4a8c2e6f"


def spec(**params):
    loaded = load_rule_file(data_dir("rules") / f"{RULE_ID}.yaml", "built-in")
    return loaded.with_overrides(params=params) if params else loaded


def lint(text, rule_spec=None, path="x.yaml"):
    engine = Engine(bind([rule_spec or spec()], available_checks()))
    findings = [f for report in engine.lint_text(textwrap.dedent(text), path) for f in report.findings]
    assert not engine.internal_errors
    return findings


def config_map(data: dict) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": data})


def pod(container: dict) -> str:
    return json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                       "spec": {"containers": [{"name": "app", "image": "app:1.0", **container}]}})


@pytest.mark.parametrize("value", [RANDOM_B64, RANDOM_HEX, "fake0Q9w8E7r6T5y4U3i2O1pAsDfGhJk",
                                   "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MEFCQ0RFRg==",
                                   "oTvpek_5QLQ_BRfkXWK6V4eP-E3EA6IfOL5AZsxc"])
def test_random_literals_warn_under_a_neutral_key(value):
    found = lint(config_map({"writeKey": value}))
    assert [f.pointer for f in found] == ["/data/writeKey"]
    assert found[0].severity.value == "warning" and value not in found[0].message


@pytest.mark.parametrize(("key", "value"), [
    ("release.commit", "4b825dc642cb6eb9a060e54bf8d69288fbee4904"),  # 40 hex: a git commit
    ("content", "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"),  # 64 hex: SHA-256
    ("request", "3f2b8c1e-9d47-4a5b-b0e6-7c1d2e3f4a5b"),  # a UUID
    ("greeting", "HelloKubernetesWorldFromTheConfigMap"),
    ("driver", "MaxAzureDiskVolumeCount"), ("operator", "kubePrometheusStackOperator1"),
    ("image", "sha256:2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"),
    ("caBundle", "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJGQUtFRkFLRUZBS0UK"),
    ("build.checksum", RANDOM_HEX), ("clusterId", RANDOM_B64), ("tag", RANDOM_B64),
    ("short", "q8Zr2Lw0Xv5Tn7Kb3"), ("long", RANDOM_B64 * 40), ("host", "api.q8Zr2Lw0Xv5Tn7Kb3Hd9Ps1Mf4Jc6Ga.io"),
    ("password", RANDOM_B64),  # no-plaintext-secret reports it, as an error
    ("ci", "ghp_" + "FAKE" * 9),  # a known format: no-plaintext-secret's
])
def test_what_is_certainly_no_secret_or_reported_elsewhere_passes(key, value):
    assert lint(config_map({key: value})) == []


def test_env_values_and_arguments():
    found = lint(pod({"env": [{"name": "SEED", "value": RANDOM_B64}, {"name": "REF", "valueFrom": {}},
                              {"name": "GIT_SHA", "value": "4b825dc642cb6eb9a060e54bf8d69288fbee4904"}],
                      "args": ["--seed=" + RANDOM_HEX, RANDOM_B64, "--image-digest=" + RANDOM_HEX, "--verbose"]}))
    assert [f.pointer for f in found] == ["/spec/containers/0/env/0/value", "/spec/containers/0/args/0",
                                          "/spec/containers/0/args/1"]
    assert "option '--seed' of args[0]" in found[1].message
    assert all(RANDOM_B64 not in f.message and RANDOM_HEX not in f.message for f in found)


def test_helm_values(tmp_path):
    text = f"analytics:\n  writeKey: {RANDOM_B64}\n  buildId: {RANDOM_B64}\nlist:\n  - {RANDOM_HEX}\n"
    found = lint(text, path="values.yaml")
    pointers = [f.pointer for f in found]
    assert "/analytics/writeKey" in pointers and "/analytics/buildId" not in pointers


def test_ignore_name_pattern_parameter():
    assert lint(config_map({"writeKey": RANDOM_B64}), spec(ignore_name_pattern="write")) == []
    assert len(lint(config_map({"buildId": RANDOM_B64}), spec(ignore_name_pattern=""))) == 1
    with pytest.raises(RuleError):
        bind([spec(ignore_name_pattern="(?=x)")], available_checks())


def test_measures_on_random_strings():
    rng = random.Random(16)
    alphabet = string.ascii_letters + string.digits + "+/"
    found = sum(bool(high_entropy("".join(rng.choice(alphabet) for _ in range(32)))) for _ in range(500))
    assert found >= 470
    assert shannon_entropy("aaaa") == 0 and shannon_entropy("abcd") == 2
    assert class_changes("aA1a") == 1 and class_changes("abcd") == 0


def test_no_fake_credential_of_the_samples_is_reported_here():
    for _, value, _ in SAMPLES:
        assert not lint(config_map({"v": value})), value
