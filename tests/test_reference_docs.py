"""The generated reference (docs/rules.md, one page per rule in docs/rules/, docs/checks.md, the per-check part
of the rule schema) is what scripts/generate_docs.py writes from the rule files and the checks, and `lintops
explain` prints the parameters the same way."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, write
from lintops.catalog import available_checks, builtin_rule_specs

SCRIPT = REPO / "scripts" / "generate_docs.py"


def generator():
    spec = importlib.util.spec_from_file_location("generate_docs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated() -> dict[Path, str]:
    return generator().outputs(REPO)


def test_the_committed_reference_is_what_the_generator_writes(generated):
    stale = [str(path) for path, text in generated.items()
             if not (REPO / path).exists() or (REPO / path).read_text(encoding="utf-8") != text]
    assert stale == [], f"stale: {stale}; regenerate with `python scripts/generate_docs.py`"
    assert generator().orphan_pages(REPO, generated) == []  # no page of a rule that is gone


def page(generated, rule_id: str) -> str:
    return generated[Path("docs/rules") / f"{rule_id}.md"]


def test_every_rule_and_every_check_is_documented(generated):
    index, checks = generated[Path("docs/rules.md")], generated[Path("docs/checks.md")]
    for spec in builtin_rule_specs():
        section = page(generated, spec.id)
        assert section.startswith(f"# {spec.id}\n"), spec.id
        assert f"| [`{spec.id}`](rules/{spec.id}.md) | {spec.severity.value} |" in index, spec.id
        assert spec.summary in section and f"| severity | **{spec.severity.value}** |" in section, spec.id
        for title, text in (("Why", spec.rationale), ("Exactly", spec.documentation), ("Fix", spec.remediation)):
            if text:
                assert f"## {title}\n\n{text}" in section, (spec.id, title)
        for kind in ("fail", "pass"):
            if spec.examples.get(kind):
                assert spec.examples[kind].rstrip("\n") in section, (spec.id, kind)
        for at in spec.examples.get("fail_at") or ():  # where the fail example fires, as the rule file says
            position, _, pointer = at.partition(" ")
            line, column = position.split(":")
            assert f"line {line}, column {column}" + (f" (`{pointer}`)" if pointer else "") in section, (spec.id, at)
    for name, check in available_checks().items():
        section = checks.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
        assert check.description in section
        for param, node in (check.params_schema.get("properties") or {}).items():
            assert f"- `{param}` (" in section and node["description"] in section, (name, param)


def test_a_rule_documents_its_values_and_the_checks_defaults(generated):
    pinned = page(generated, "pinned-image-tag")
    assert "| `report` | `untagged-or-latest` |" in pinned  # set by the rule
    assert "| `floating_tags` | `[master, main, stable, edge, dev, develop, nightly]` (default) |" in pinned
    liveness = page(generated, "liveness-probe")
    assert "| `schema` | below |" in liveness and "```yaml\ntype: object\nrequired: [livenessProbe]\n```" in liveness


def test_the_check_script_fails_on_a_stale_reference_and_regenerates_it(tmp_path):
    """A real run of the script on a copy of the sources: --check names what is stale, a run rewrites it."""
    for folder in ("rules", "docs"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    schema = Path("schemas") / "lintops-rule.schema.json"
    write(tmp_path / schema, (REPO / schema).read_text())

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(SCRIPT), "--root", str(tmp_path), *args], capture_output=True,
                              text=True, timeout=120)

    assert run("--check").returncode == 0
    rule = tmp_path / "rules" / "liveness-probe.yaml"
    rule.write_text(rule.read_text().replace("has a livenessProbe.", "has a liveness probe, always."))
    checked = run("--check")
    assert checked.returncode == 1 and "docs/rules.md" in checked.stderr and "checks.md" not in checked.stderr
    assert "has a liveness probe, always." not in (tmp_path / "docs" / "rules.md").read_text()  # --check writes nothing
    assert run().returncode == 0
    assert "has a liveness probe, always." in (tmp_path / "docs" / "rules.md").read_text()
    assert "has a liveness probe, always." in (tmp_path / "docs" / "rules" / "liveness-probe.md").read_text()
    assert run("--check").returncode == 0
    # a page whose rule is gone is stale, and removed
    (tmp_path / "rules" / "readiness-probe.yaml").unlink()
    checked = run("--check")
    assert checked.returncode == 1 and "docs/rules/readiness-probe.md (no such rule)" in checked.stderr
    assert run().returncode == 0 and not (tmp_path / "docs" / "rules" / "readiness-probe.md").exists()
    assert "readiness-probe" not in (tmp_path / "docs" / "rules.md").read_text()
    assert run("--check").returncode == 0


def test_a_page_shows_tags_security_severity_and_precision_and_the_index_documents_the_links(generated):
    privileged = page(generated, "privileged-container")
    assert "| tags | `security`, `pod-security`, `kubernetes` |" in privileged
    assert "| security-severity | `8.0` (SARIF;" in privileged and "| precision | high |" in privileged
    assert "| check [`json-schema`](../checks.md#json-schema) |" in privileged
    assert "[rules/privileged-container.yaml](../../rules/privileged-container.yaml)" in privileged
    escalation = page(generated, "privilege-escalation")  # a warning: medium
    assert "| security-severity | `5.0` (SARIF;" in escalation
    assert "security-severity" not in page(generated, "liveness-probe")  # not a security rule
    assert "| precision | medium |" in page(generated, "no-plaintext-secret")
    index = generated[Path("docs/rules.md")]
    links = index.split("## Links to these pages", 1)[1]
    for said in ("`<base>/<rule-id>.md`", "LINTOPS_RULE_DOCS_URL", "`rule_docs_url:`", "policy-violation",
                 "There is no default", "`helpUri`", "`codeDescription`", "`content.body`",
                 "error `8.0`, warning `5.0`, info `2.0`", "help_url"):
        assert said in links, said


# -- lintops explain ------------------------------------------------------------------------------------


def test_explain_prints_the_rules_parameters_and_the_checks_defaults(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("explain", "pinned-image-tag")
    assert result.exit_code == 0
    out = result.stdout
    assert "Parameters (check image-reference):\n  report: untagged-or-latest\n" in out
    assert "  floating_tags: [master, main, stable, edge, dev, develop, nightly] (default)\n" in out
    assert "[one of: untagged-or-latest, floating; required] What the rule reports:" in out
    assert out.index("Parameters (check") < out.index("Example that fires")


def test_explain_shows_the_parameters_the_configuration_sets(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / ".lintops.yaml", "rules:\n  floating-image-tag:\n    params: {floating_tags: [canary]}\n")
    out = cli("explain", "floating-image-tag").stdout
    assert "  report: floating\n" in out and "  floating_tags: [canary]\n" in out


def test_explain_prints_no_parameters_for_a_check_without_any(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = cli("explain", "schema").stdout
    assert "Check: kubernetes-schema" in out and "Parameters" not in out


def test_explain_escapes_what_a_repository_rule_sets_its_parameters_to(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / ".lintops" / "rules" / "x.yaml",
          'id: x\nseverity: error\nsummary: s\ncheck: json-schema\n'
          'params:\n  schema: {required: [a]}\n  message: "\\e]0;owned\\a\\e[2Jcontainer {name}"\n')
    result = cli("explain", "x")
    assert result.exit_code == 0
    assert "Parameters (check json-schema):" in result.stdout and "container {name}" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
