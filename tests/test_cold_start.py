"""The one-file start-up: the built-in rules come from a cache kept beside the package (lintops.catalog_cache),
which gives exactly the specs the rule files give, is rebuilt when broken, foreign or stale, and never lets a
changed rule file or params go unvalidated; and the start-up imports nothing a one-file run does not need."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lintops import catalog_cache
from lintops.catalog import builtin_rule_specs
from lintops.data import data_dir
from lintops.rules import RuleError, bind

RULES = data_dir("rules")


def _cache_file(cache_dir: Path) -> Path:
    (found,) = cache_dir.glob("builtin-rules-*.json")
    return found


def test_cached_specs_equal_the_rule_files(tmp_path):
    built = catalog_cache.builtin_specs(RULES, tmp_path)
    again = catalog_cache.builtin_specs(RULES, tmp_path)  # from the file just written
    assert built == again == builtin_rule_specs()
    assert all(catalog_cache._same(a, b) for a, b in zip(again, builtin_rule_specs(), strict=True))
    assert json.loads(_cache_file(tmp_path).read_text())["verified"]


@pytest.mark.parametrize("damage", [b"", b"{not json", b"[]", b'{"format": 1}', b"\xff\xfe"])
def test_a_broken_cache_is_ignored_and_rebuilt(tmp_path, damage):
    catalog_cache.builtin_specs(RULES, tmp_path)
    cache = _cache_file(tmp_path)
    cache.write_bytes(damage)
    assert catalog_cache.builtin_specs(RULES, tmp_path) == builtin_rule_specs()
    assert json.loads(cache.read_text())["specs"]  # written again


def test_a_planted_entry_with_another_key_or_shape_is_not_trusted(tmp_path):
    catalog_cache.builtin_specs(RULES, tmp_path)
    cache = _cache_file(tmp_path)
    data = json.loads(cache.read_text())
    data["specs"][0]["severity"] = "info"
    data["specs"][0]["extra"] = "planted"  # not the shape written: refused
    cache.write_text(json.dumps(data))
    assert catalog_cache.builtin_specs(RULES, tmp_path) == builtin_rule_specs()
    data = json.loads(cache.read_text())
    data["key"] = "0" * 64
    data["specs"][0]["severity"] = "info"
    cache.write_text(json.dumps(data))
    assert catalog_cache.builtin_specs(RULES, tmp_path) == builtin_rule_specs()


def test_an_edited_rule_file_is_a_new_key(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    for path in RULES.glob("*.yaml"):
        (rules / path.name).write_bytes(path.read_bytes())
    first = catalog_cache.builtin_specs(rules, tmp_path / "cache")
    target = rules / "liveness-probe.yaml"
    target.write_text(target.read_text().replace("severity: error", "severity: info"))
    second = catalog_cache.builtin_specs(rules, tmp_path / "cache")
    changed = {s.id: s.severity.value for s in second if s != next(f for f in first if f.id == s.id)}
    assert changed == {"liveness-probe": "info"}
    assert len(list((tmp_path / "cache").glob("builtin-rules-*.json"))) == 1  # the stale key is gone


def test_an_unwritable_cache_directory_only_costs_time(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert catalog_cache.builtin_specs(RULES, blocker / "cache") == builtin_rule_specs()


def test_overridden_params_are_validated_though_the_built_in_ones_are_known(tmp_path):
    from lintops.catalog import available_checks

    specs = catalog_cache.builtin_specs(RULES, tmp_path)
    spec = next(s for s in specs if s.id == "pinned-image-tag")
    checks = available_checks()
    assert catalog_cache.verified(checks[spec.check].params_schema, spec.params)
    bad = spec.with_overrides(params={**spec.params, "no_such_param": 1})
    assert not catalog_cache.verified(checks[spec.check].params_schema, bad.params)
    with pytest.raises(RuleError, match="no_such_param"):
        bind([bad], checks, catalog_cache.verified)


def test_a_built_in_json_schema_rule_compiles_when_first_used_a_repository_rule_when_it_loads(tmp_path):
    from lintops.catalog import available_checks
    from lintops.model import Severity
    from lintops.rules import RuleSpec

    checks = available_checks()
    specs = [s for s in catalog_cache.builtin_specs(RULES, tmp_path) if s.check == "json-schema" and s.enabled]
    assert specs
    for rule in bind(specs, checks, catalog_cache.verified):
        assert "_rust" not in vars(rule.check._schema)  # not compiled yet
    rule = bind(specs[:1], checks, catalog_cache.verified)[0]
    assert rule.check._schema.backend == "jsonschema-rs"  # compiled on first use
    bad = RuleSpec(id="bad", severity=Severity.ERROR, summary="s", check="json-schema", targets=("object",),
                   params={"schema": {"type": 7}, "message": "m"}, origin="repository")
    with pytest.raises(RuleError, match="not a valid JSON Schema"):
        bind([bad], checks, catalog_cache.verified)
    overridden = specs[0].with_overrides(params={**specs[0].params, "schema": {"type": 7}})
    with pytest.raises(RuleError, match="not a valid JSON Schema"):
        bind([overridden], checks, catalog_cache.verified)


@pytest.mark.parametrize("damage", [b"", b"{not json", b"[]", b'{"key": "0", "apis": []}'])
def test_the_api_lifecycle_copy_is_the_table_and_a_damaged_one_is_rewritten(damage):
    from lintops.schema.kube import lifecycle

    lifecycle._table.cache_clear()
    table = lifecycle._table()
    assert table == lifecycle.load(lifecycle.data_path())
    (copy,) = (Path(lifecycle.__file__).resolve().parents[2] / "__pycache__").glob("api-lifecycle-*.json")
    data = json.loads(copy.read_text())
    data["apis"][0]["removed_in"] = "9.9"  # a planted entry under another key: refused
    data["key"] = "0" * 64
    copy.write_text(json.dumps(data))
    lifecycle._table.cache_clear()
    assert lifecycle._table() == table
    copy.write_bytes(damage)
    lifecycle._table.cache_clear()
    assert lifecycle._table() == table
    assert json.loads(copy.read_text())["apis"]  # written again


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return subprocess.run([sys.executable, *args], cwd=cwd, env=environment, capture_output=True, text=True)


def test_a_one_file_run_imports_only_what_it_needs(tmp_path):
    (tmp_path / "one.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n")
    probe = ("import sys, runpy; sys.argv = ['lintops', 'check', 'one.yaml']\n"
             "try:\n    runpy.run_module('lintops', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n")
    result = _run("-c", probe, cwd=tmp_path)
    loaded = set(result.stderr.split())
    assert "lintops.engine" in loaded, result.stderr[-2000:]
    unneeded = {"lintops.inputs.argocd", "lintops.config.policy", "lintops.inputs.helm", "lintops.inputs.kustomize",
                "jsonschema", "lintops.lsp", "lintops.diff"}
    assert not loaded & unneeded


def test_the_benchmark_measures_every_target_in_one_quick_run():
    """bench/run.py --quick end to end: each target printed once as a ratio with its verdict, and the exit
    status says whether all were met (a loaded CI machine may miss a time target: no test failure then)."""
    bench = Path(__file__).resolve().parent.parent / "bench" / "run.py"
    result = _run(str(bench), "--quick", cwd=bench.parent)
    lines = [line for line in result.stdout.splitlines() if line.endswith(("PASS", "FAIL"))]
    assert [line.split(":")[0].split(",")[0] for line in lines] == [
        "cold start", "peak memory at 6", "one process", "no-plaintext-secret / schema validation (schema)",
        "JSON report"], result.stdout + result.stderr
    assert lines[-1].endswith("byte-identical PASS")
    verdicts = [line.rsplit(" ", 1)[1] for line in lines]
    assert result.returncode == (0 if set(verdicts) == {"PASS"} else 1), result.stderr[-2000:]
    assert f"{verdicts.count('PASS')} of 5 targets met" in result.stdout
