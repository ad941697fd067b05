"""The rules a stage reports: one table (lintops/stage_rules.py), rule files that say `stage:`, no check."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_lintops, write
from lintops.catalog import available_checks, builtin_rule_specs, load_rules
from lintops.rules import RuleError, bind, load_rule_dir, load_rule_file
from lintops.stage_rules import ALSO_FROM_STAGE, STAGE_RULES, STAGES, stage_problem

SPECS = {spec.id: spec for spec in builtin_rule_specs()}


def test_every_stage_rule_has_a_rule_file_saying_its_stage_and_no_other_does():
    assert {spec.id: spec.stage for spec in SPECS.values() if spec.stage is not None} == STAGE_RULES
    assert set(STAGE_RULES.values()) <= set(STAGES)
    for rule_id in STAGE_RULES:
        assert SPECS[rule_id].check is None and not SPECS[rule_id].params


def test_rules_a_stage_also_feeds_keep_their_check():
    for rule_id, stage in ALSO_FROM_STAGE.items():
        assert stage in STAGES
        assert SPECS[rule_id].stage is None and SPECS[rule_id].check in available_checks()


def test_no_placeholder_check_is_left():
    assert "parser" not in available_checks()
    assert all(spec.check in available_checks() for spec in SPECS.values() if spec.stage is None)


def test_stage_rules_bind_without_a_check():
    rules = {rule.id: rule for rule in load_rules()}
    assert all(rules[rule_id].check is None for rule_id in STAGE_RULES if rule_id in rules)
    assert all(rule.check is not None for rule in rules.values() if rule.id not in STAGE_RULES)
    [rule] = bind([SPECS["yaml-syntax"]], {})  # no check table is needed for it
    assert rule.check is None


def test_a_stage_rule_still_fires_and_can_be_disabled(tmp_path):
    write(tmp_path / "broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a\n")
    result = run_lintops("check", ".", "--format", "editor", cwd=tmp_path)
    assert result.returncode == 1 and "broken.yaml:4:1: error:" in result.stdout and "[yaml-syntax]" in result.stdout
    result = run_lintops("check", ".", "--disable", "yaml-syntax", "--format", "editor", cwd=tmp_path)
    assert result.returncode == 0 and "yaml-syntax" not in result.stdout


@pytest.mark.parametrize(("text", "where", "message"), [
    ("id: my-check\nseverity: error\nsummary: s\nstage: parse\n", "4:1",
     "no stage produces the rule 'my-check': `stage:` is only for the rules lintops' stages report"),
    ("id: yaml-syntax\nseverity: error\nsummary: s\nstage: render\n", "4:1",
     "the rule 'yaml-syntax' is produced by the parse stage, not by the render stage"),
    ("id: x\nseverity: error\nsummary: s\n", "1:1",
     "a rule names the check that runs it (`check:`) or the stage that reports it (`stage:`), "
     "and this one names neither"),
    ("id: x\nseverity: error\nsummary: s\ncheck: json-schema\nstage: parse\n", "5:1",
     "a rule names the check that runs it (`check:`) or the stage that reports it (`stage:`), not both"),
    ("id: x\nseverity: error\nsummary: s\nstage: compile\n", "4:8",
     "stage must be discover, render, parse, resources or filter, not 'compile'"),
])
def test_a_rule_pack_cannot_declare_a_stage_rule_nothing_produces(tmp_path, text, where, message):
    pack = tmp_path / "pack"
    write(pack / "x.yaml", text)
    with pytest.raises(RuleError) as raised:
        load_rule_dir(pack, "plugin example")
    assert str(raised.value).startswith(f"{pack / 'x.yaml'}:{where}: {message}")


def test_a_repository_stage_rule_is_refused_at_its_place(tmp_path):
    write(tmp_path / ".lintops" / "rules" / "mine.yaml", "id: my-stage\nseverity: error\nsummary: s\nstage: parse\n")
    write(tmp_path / "a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    result = run_lintops("check", ".", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert ".lintops/rules/mine.yaml:4:1: no stage produces the rule 'my-stage'" in result.stderr


def test_the_built_in_rule_files_pass_the_stage_table():
    for spec in SPECS.values():
        if spec.stage is not None:
            assert stage_problem(spec.id, spec.stage) is None
            assert load_rule_file(Path(spec.path), "repository").stage == spec.stage


def test_explain_and_rules_show_what_reports_a_stage_rule(tmp_path):
    explained = run_lintops("explain", "render-failed", cwd=tmp_path)
    assert explained.returncode == 0
    assert "Stage: render (the render stage reports this rule; it has no check)" in explained.stdout
    assert "Check:" not in explained.stdout and "Targets:" not in explained.stdout
    assert "Check: kubernetes-schema" in run_lintops("explain", "schema", cwd=tmp_path).stdout
