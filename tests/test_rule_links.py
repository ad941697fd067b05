"""Stable rule links (lintops.rule_links): ``<base>/<rule-id>.md`` with the base from ``LINTOPS_RULE_DOCS_URL``,
else the configuration's ``rule_docs_url`` (under ``--policy`` the policy's only); no base, no link. SARIF
(helpUri, help.markdown, tags, security-severity, precision), JUnit, Code Quality and the language server use it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from conftest import REPO, run_lintops, write
from lintops.errors import LintopsError
from lintops.rule_links import ENV_VAR, RuleLinks, page_url, resolve, url_problem
from lintops.rules import RuleError, load_rule_file

BASE = "https://git.example.com/platform/lintops/-/blob/4d87687/docs/rules"
PHISHING = "https://lintops-docs.example.net/rules"
PRIVILEGED = """\
apiVersion: v1
kind: Pod
metadata: {name: agent}
spec:
  containers:
    - name: agent
      image: registry.example.com/agent:1.2.3
      securityContext: {privileged: true}
"""
PLAIN = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {mode: fast}\n"
SARIF_SCHEMA = REPO / "tests" / "fixtures" / "formats" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def sarif_validator():
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    write(root / "pod.yaml", PRIVILEGED)
    write(root / "settings.yaml", PLAIN)
    return root


def env(**values: str) -> dict[str, str]:
    import os

    environment = {key: value for key, value in os.environ.items() if key != ENV_VAR}
    return {**environment, **values}


def lint(tree: Path, *args: str, environ: dict | None = None) -> tuple[int, dict, dict, str, list]:
    """One run writing JSON to stdout and SARIF, JUnit and Code Quality reports: (exit, json, sarif, junit, cq)."""
    out = tree.parent / "out"
    result = run_lintops("check", ".", "--format", "json", "--report", f"sarif={out}/r.sarif",
                         "--report", f"junit={out}/r.xml", "--report", f"codequality={out}/cq.json", *args,
                         cwd=tree, env=environ or env())
    assert result.returncode in (0, 1), result.stderr
    return (result.returncode, json.loads(result.stdout), json.loads((out / "r.sarif").read_text()),
            (out / "r.xml").read_text(), json.loads((out / "cq.json").read_text()))


def descriptors(sarif: dict) -> dict[str, dict]:
    return {rule["id"]: rule for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}


# -- the scheme ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "base", "problem"), [
    ("https://docs.example.com/rules", True, None),
    ("https://docs.example.com:8443/a/b/", True, None),
    ("https://docs.example.com/rules?ref=main", False, None),  # a rule's own page may have a query
    ("http://docs.example.com/rules", True, "https URL with a host"),
    ("file:///usr/lib/python3/site-packages/lintops/rules", True, "https URL with a host"),
    ("https:///rules", True, "https URL with a host"),
    ("https://user:s3cret@docs.example.com/rules", True, "user name or password"),
    ("https://docs.example.com/rules?ref=main", True, "no query or fragment"),
    ("https://docs.example.com/rules#top", True, "no query or fragment"),
    ("https://docs.example.com/a b", True, "without spaces"),
    ("https://docs.example.com/a\x1b[2J", True, "control characters"),
    ('https://docs.example.com/a"onclick', True, "quotes"),
    ("https://docs.example.com/a)<img>", True, "angle brackets"),
    ("https://docs.example.com/" + "a" * 3000, True, "longer than"),
    (42, True, "https URL"),
])
def test_what_a_link_may_be(value, base, problem):
    found = url_problem(value, base=base)
    assert (found is None) if problem is None else (problem in found), found


def test_a_page_is_the_base_and_the_rule_id_with_one_slash():
    assert page_url(BASE, "schema") == page_url(BASE + "/", "schema") == f"{BASE}/schema.md"


def test_the_environment_wins_and_is_checked():
    assert resolve(BASE, under_policy=False, environ={ENV_VAR: PHISHING + "/"}).base == PHISHING
    assert resolve(BASE, under_policy=False, environ={}).base == BASE
    assert resolve(None, under_policy=True, environ={}) == RuleLinks(None, repository_links=False)
    with pytest.raises(LintopsError) as raised:
        resolve(None, under_policy=False, environ={ENV_VAR: "https://ci:hunter2@docs.example.com/r"})
    assert ENV_VAR in str(raised.value) and "hunter2" not in str(raised.value)


def test_every_link_of_a_built_in_rule_names_a_committed_page():
    from lintops.catalog import builtin_rule_specs

    links = RuleLinks(BASE)
    for spec in builtin_rule_specs():
        url = links.url(spec)
        assert url == f"{BASE}/{spec.id}.md"
        assert (REPO / "docs" / "rules" / url.removeprefix(BASE + "/")).is_file(), spec.id


def test_a_plugins_rule_names_its_own_page_and_only_an_https_one(tmp_path):
    rule = "id: acme-owner\nseverity: warning\nsummary: s\ncheck: json-schema\nparams: {schema: {}}\n"
    good = load_rule_file(write(tmp_path / "a.yaml", rule + "help_url: https://acme.example.com/r/owner\n"),
                          "plugin acme")
    assert RuleLinks(BASE).url(good) == "https://acme.example.com/r/owner"
    assert RuleLinks(None).url(good) == "https://acme.example.com/r/owner"
    without = load_rule_file(write(tmp_path / "b.yaml", rule), "plugin acme")
    assert RuleLinks(BASE).url(without) is None  # no page of lintops' reference is about it
    for bad, column in (("http://acme.example.com/r", 11), ("https://u:pw@acme.example.com/r", 11)):
        with pytest.raises(RuleError) as raised:
            load_rule_file(write(tmp_path / "c.yaml", rule + f"help_url: {bad}\n"), "plugin acme")
        assert str(raised.value).startswith(f"{tmp_path / 'c.yaml'}:6:{column}: help_url ")
        assert "pw" not in str(raised.value)


# -- no base: no links, and SARIF says how to get them -------------------------------------------------


def test_without_a_base_no_format_links_and_sarif_still_documents_each_rule(tree, sarif_validator):
    code, report, sarif, junit, codequality = lint(tree)
    assert code == 1 and {"privileged-container", "liveness-probe"} <= {f["rule"] for f in report["findings"]}
    sarif_validator.validate(sarif)
    rules = descriptors(sarif)
    assert not [rule_id for rule_id, rule in rules.items() if "helpUri" in rule]
    privileged = rules["privileged-container"]
    markdown = privileged["help"]["markdown"]
    assert markdown.startswith("**No container runs privileged")
    assert "#### Why" in markdown and "#### Exactly" in markdown and "#### Fix" in markdown
    assert "`rule_docs_url`" in markdown and ENV_VAR in markdown and "lintops explain privileged-container" in markdown
    assert "file:///" not in json.dumps(sarif) and str(REPO / "rules") not in json.dumps(sarif)
    assert "documentation:" not in junit
    assert all("](" not in issue.get("content", {}).get("body", "") for issue in codequality)


# -- a configured base ------------------------------------------------------------------------------------


def test_a_configured_base_links_sarif_junit_and_code_quality(tree, sarif_validator):
    write(tree / ".lintops.yaml", f"rule_docs_url: {BASE}/\nrules:\n  privilege-escalation: info\n")
    _, report, sarif, junit, codequality = lint(tree)
    sarif_validator.validate(sarif)
    rules = descriptors(sarif)
    privileged = rules["privileged-container"]
    assert privileged["helpUri"] == f"{BASE}/privileged-container.md"
    assert privileged["help"]["text"].endswith(f"Documentation: {BASE}/privileged-container.md")
    assert f"(<{BASE}/privileged-container.md>)" in privileged["help"]["markdown"]
    assert privileged["properties"] == {"precision": "high", "tags": ["security", "pod-security", "kubernetes"],
                                        "security-severity": "8.0", "origin": "built-in"}
    assert rules["run-as-non-root"]["properties"]["security-severity"] == "5.0"  # a warning
    assert rules["privilege-escalation"]["properties"]["security-severity"] == "2.0"  # configured as info
    assert "security-severity" not in rules["liveness-probe"]["properties"]  # a reliability rule
    assert rules["liveness-probe"]["properties"]["tags"] == ["reliability", "kubernetes"]
    assert rules["no-plaintext-secret"]["properties"]["precision"] == "medium"
    assert all(rule["helpUri"] == f"{BASE}/{rule_id}.md" for rule_id, rule in rules.items())

    failures = ET.fromstring(junit).iter("failure")
    texts = {failure.get("type"): failure.text for failure in failures}
    assert f"documentation: {BASE}/privileged-container.md" in texts["privileged-container"]
    issue = next(i for i in codequality if i["check_name"] == "privileged-container")
    assert issue["content"]["body"].endswith(f"[privileged-container](<{BASE}/privileged-container.md>)")
    assert issue["content"]["body"].startswith("Remove `privileged: true`.")
    assert {"privileged-container", "liveness-probe"} <= {f["rule"] for f in report["findings"]}


def test_the_environment_variable_overrides_the_configuration(tree):
    write(tree / ".lintops.yaml", f"rule_docs_url: {PHISHING}\n")
    _, _, sarif, _, _ = lint(tree, environ=env(**{ENV_VAR: BASE}))
    assert descriptors(sarif)["schema"]["helpUri"] == f"{BASE}/schema.md"


def test_a_malformed_environment_variable_is_a_usage_error_that_prints_no_password(tree):
    result = run_lintops("check", ".", cwd=tree, env=env(**{ENV_VAR: "https://ci:hunter2@docs.example.com/r"}))
    assert result.returncode == 2 and ENV_VAR in result.stderr and "user name or password" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout and "Traceback" not in result.stderr


@pytest.mark.parametrize(("value", "said"), [
    ('"http://docs.example.com/rules"', "must be an https URL"),
    ('"https://ci:hunter2@docs.example.com/rules"', "must not carry a user name or password"),
    ('"https://docs.example.com/rules?ref=main"', "must be an https URL"),
    ("[https://docs.example.com]", "must be an https URL"),
])
def test_a_malformed_configured_base_is_a_configuration_error_at_its_value(tree, value, said):
    write(tree / ".lintops.yaml", f"strict: true\nrule_docs_url: {value}\n")
    result = run_lintops("check", ".", cwd=tree, env=env())
    assert result.returncode == 2, result.stderr
    assert f".lintops.yaml:2:16: rule_docs_url {said}" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout


# -- under a policy ---------------------------------------------------------------------------------------


def test_under_a_policy_the_trees_base_is_a_violation_and_the_policys_counts(tree, tmp_path):
    policy = write(tmp_path / "ci" / "policy.yaml", f"rule_docs_url: {BASE}\n")
    write(tree / ".lintops.yaml", f"strict: true\nrule_docs_url: {PHISHING}\n")
    code, report, sarif, junit, codequality = lint(tree, "--policy", str(policy), environ=env())
    assert code == 1
    [violation] = [f for f in report["findings"] if f["rule"] == "policy-violation"]
    assert (violation["path"], violation["line"], violation["column"]) == (".lintops.yaml", 2, 1)
    assert "rule_docs_url is not applied" in violation["message"]
    assert "privileged-container" in {f["rule"] for f in report["findings"]}  # the other files were linted
    assert descriptors(sarif)["privileged-container"]["helpUri"] == f"{BASE}/privileged-container.md"
    everything = json.dumps(sarif) + junit + json.dumps(codequality)
    assert "example.net" not in everything


def test_under_a_silent_policy_the_trees_base_is_refused_and_nothing_links(tree, tmp_path):
    policy = write(tmp_path / "ci" / "policy.yaml", "fail_on: error\n")
    write(tree / ".lintops.yaml", f"rule_docs_url: {PHISHING}\n")
    _, report, sarif, junit, codequality = lint(tree, "--policy", str(policy), environ=env())
    assert [(f["path"], f["line"]) for f in report["findings"] if f["rule"] == "policy-violation"] == [
        (".lintops.yaml", 1)]
    assert "example.net" not in json.dumps(sarif) + junit + json.dumps(codequality)
    assert not [rule for rule in descriptors(sarif).values() if "helpUri" in rule]


def test_a_repository_rules_page_is_linked_only_without_a_policy(tree, tmp_path):
    write(tree / ".lintops" / "rules" / "team-owner.yaml",
          "id: team-owner\nseverity: warning\nsummary: '[click me](https://evil.example.net)'\n"
          "check: json-schema\nparams: {schema: {required: [metadata]}, message: m}\n"
          f"help_url: {PHISHING}/team-owner\nrationale: 'Ask ![x](https://evil.example.net/x.png)'\n")
    _, _, sarif, _, _ = lint(tree)
    own = descriptors(sarif)["team-owner"]
    assert own["helpUri"] == f"{PHISHING}/team-owner"
    # the tree's text cannot format or link in help.markdown: it is put in code blocks
    assert "```text\n[click me](https://evil.example.net)\n```" in own["help"]["markdown"]
    assert "```text\nAsk ![x](https://evil.example.net/x.png)\n```" in own["help"]["markdown"]
    policy = write(tmp_path / "ci" / "policy.yaml", "repository: {rules: true}\n")
    _, _, sarif, _, _ = lint(tree, "--policy", str(policy), environ=env())
    assert "helpUri" not in descriptors(sarif)["team-owner"]
    assert "example.net/team-owner" not in json.dumps(sarif)


# -- the language server ----------------------------------------------------------------------------------


def lsp_diagnostics(tree: Path) -> list[dict]:
    from lintops.lsp.buffers import BufferLinter
    from lintops.lsp.diagnostics import diagnose

    path = tree / "pod.yaml"
    return [json.loads(item.json) for item in diagnose(BufferLinter(), path.read_text(), path)]


def test_the_language_server_links_the_rules_page_or_nothing(tree, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    found = lsp_diagnostics(tree)
    assert "privileged-container" in {d["code"] for d in found}
    assert not [d for d in found if "codeDescription" in d]  # never a file:// path into the installation
    write(tree / ".lintops.yaml", f"rule_docs_url: {BASE}\n")
    found = lsp_diagnostics(tree)
    links = {d["code"]: d["codeDescription"]["href"] for d in found}
    assert links["privileged-container"] == f"{BASE}/privileged-container.md"
    assert set(links) == {d["code"] for d in found}


def test_explain_names_the_page_reports_link_to(tree):
    write(tree / ".lintops.yaml", f"rule_docs_url: {BASE}\n")
    result = run_lintops("explain", "privileged-container", cwd=tree, env=env())
    assert result.returncode == 0 and result.stdout.rstrip().endswith(f"Documentation: {BASE}/privileged-container.md")
    result = run_lintops("explain", "privileged-container", cwd=tree.parent, env=env())
    assert "Documentation:" not in result.stdout
