"""Rule packs: a rule file says which packs it belongs to (``packs:``), and a configuration's ``packs:``
(or ``--pack NAME``) turns on every rule of the packs it names, also the ones that are off by default.

Every test runs the real command line on a real tree. A pack only makes the gate stricter, so the tree may
always turn one on; under ``--policy`` the policy's packs stay on whatever the tree says, and turning off
one of their rules is the ``disable`` grant, as for any rule.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from conftest import REPO, run_lintops, write
from lintops.catalog import builtin_rule_specs, known_packs
from lintops.rules import RuleError, load_rule_file

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: web
    image: registry.example.com/web:1.4.2
"""

#: A team's rule of its own pack, off by default: it fires on every Pod.
TEAM_RULE = """\
id: team-pod-label
severity: error
summary: Every Pod says which team owns it.
enabled: false
packs: [team-extra]
targets: [Pod]
check: json-schema
params:
  message: "{kind} '{name}' has no team label"
  schema:
    required: [metadata]
    properties:
      metadata:
        required: [labels]
rationale: Owners must be reachable.
remediation: Add a team label.
"""


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    write(root / "pod.yaml", POD)
    write(root / ".lintops" / "rules" / "team-pod-label.yaml", TEAM_RULE)
    return root


def lint(tree, *args: str):
    result = run_lintops("check", ".", "--format", "json", "--no-cache", *args, cwd=tree)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def fired(report) -> set[str]:
    return {f["rule"] for f in report["findings"] if not f["suppressed"]}


def violations(report) -> list[tuple[int, int, str]]:
    return [(f["line"], f["column"], f["message"]) for f in report["findings"] if f["rule"] == "policy-violation"]


def test_a_rule_off_by_default_stays_off_without_its_pack(tree):
    assert "team-pod-label" not in fired(lint(tree))


def test_the_configuration_turns_a_pack_on(tree):
    write(tree / ".lintops.yaml", "packs: [team-extra]\n")
    assert "team-pod-label" in fired(lint(tree))


def test_the_flag_turns_a_pack_on(tree):
    assert "team-pod-label" in fired(lint(tree, "--pack", "team-extra"))


def test_a_rule_setting_still_decides_over_the_pack(tree):
    write(tree / ".lintops.yaml", "packs: [team-extra]\nrules:\n  team-pod-label: false\n")
    assert "team-pod-label" not in fired(lint(tree))


def test_an_unknown_pack_in_the_configuration_is_an_error_at_its_place(tree):
    write(tree / ".lintops.yaml", "strict: true\npacks:\n  - team-extra\n  - pss-restrictd\n")
    result = run_lintops("check", ".", cwd=tree)
    assert result.returncode == 2, result.stderr
    assert ".lintops.yaml:4:5:" in result.stderr
    assert "unknown rule pack 'pss-restrictd'; did you mean 'pss-restricted'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_pack_flag_is_an_error_with_the_nearest_name(tree):
    result = run_lintops("check", ".", "--pack", "team-extr", cwd=tree)
    assert result.returncode == 2
    assert "unknown rule pack 'team-extr'; did you mean 'team-extra'?" in result.stderr


def test_a_malformed_pack_name_is_refused_by_the_configuration_schema(tree):
    write(tree / ".lintops.yaml", "packs: [Team Extra]\n")
    result = run_lintops("check", ".", cwd=tree)
    assert result.returncode == 2
    assert ".lintops.yaml:1:9:" in result.stderr


def test_a_repository_rule_with_a_malformed_pack_is_refused_at_its_place(tmp_path):
    path = tmp_path / "rule.yaml"
    write(path, TEAM_RULE.replace("packs: [team-extra]", "packs: [team_extra]"))
    with pytest.raises(RuleError) as raised:
        load_rule_file(path, "repository")
    assert (raised.value.place.line, raised.value.place.column) == (5, 9)


# -- under a policy ------------------------------------------------------------------------------------


@pytest.fixture
def policy(tmp_path):
    def make(text: str) -> str:
        path = tmp_path / "ci" / "policy.yaml"
        write(path, textwrap.dedent(text))
        return str(path)

    return make


def test_the_tree_may_turn_a_pack_on_under_a_policy(tree, policy):
    write(tree / ".lintops.yaml", "packs: [team-extra]\n")
    report = lint(tree, "--policy", policy("repository: {rules: true}\n"))
    assert "team-pod-label" in fired(report) and violations(report) == []


def test_the_tree_cannot_take_the_policys_pack_away(tree, policy):
    write(tree / ".lintops.yaml", "packs: []\n")
    report = lint(tree, "--policy", policy("packs: [team-extra]\nrepository: {rules: true}\n"))
    assert "team-pod-label" in fired(report)


def test_turning_off_a_rule_of_the_policys_pack_needs_the_disable_grant(tree, policy):
    write(tree / ".lintops.yaml", "rules:\n  team-pod-label: false\n")
    report = lint(tree, "--policy", policy("packs: [team-extra]\nrepository: {rules: true}\n"))
    assert "team-pod-label" in fired(report)
    [(line, column, message)] = violations(report)
    assert (line, column) == (2, 3) and "repository.disable" in message
    granted = lint(tree, "--policy", policy("packs: [team-extra]\nrepository: {rules: true, disable: true}\n"))
    assert "team-pod-label" not in fired(granted) and violations(granted) == []


def test_an_unknown_pack_of_the_tree_under_a_policy_is_reported_in_the_trees_file(tree, policy):
    write(tree / ".lintops.yaml", "packs: [pss-basline]\n")
    result = run_lintops("check", ".", "--policy", policy("repository: {}\n"), cwd=tree)
    assert result.returncode == 2
    assert ".lintops.yaml:1:9:" in result.stderr and "did you mean 'pss-baseline'?" in result.stderr


# -- the built-in packs and how they are shown ---------------------------------------------------------


def test_the_built_in_pod_security_packs_nest_as_the_standard_does():
    packs = known_packs(builtin_rule_specs())
    assert set(packs) >= {"pss-baseline", "pss-restricted"}
    assert set(packs["pss-baseline"]) < set(packs["pss-restricted"])  # restricted is everything of baseline


def test_rules_lists_each_rules_packs(tree):
    result = run_lintops("rules", ".", cwd=tree)
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("team-pod-label "))
    assert "(off)" in line and line.endswith("[packs: team-extra]")
    line = next(line for line in result.stdout.splitlines() if line.startswith("privileged-container "))
    assert line.endswith("[packs: pss-baseline, pss-restricted]")
    write(tree / ".lintops.yaml", "packs: [team-extra]\n")
    result = run_lintops("rules", ".", cwd=tree)
    line = next(line for line in result.stdout.splitlines() if line.startswith("team-pod-label "))
    assert "(off)" not in line


def test_explain_names_the_packs(tree):
    result = run_lintops("explain", "host-namespaces", cwd=tree)
    assert "Packs: pss-baseline, pss-restricted" in result.stdout


def test_the_published_schemas_know_the_key():
    for name in ("lintops-config.schema.json", "lintops-rule.schema.json"):
        schema = json.loads((REPO / "schemas" / name).read_text(encoding="utf-8"))
        assert schema["properties"]["packs"]["items"]["pattern"] == "^[a-z0-9][a-z0-9-]*$"


def test_a_plugins_rules_declare_packs_the_same_way(tmp_path):
    from lintops.catalog import build_catalog, configure
    from lintops.config.settings import Config
    from lintops.hookspecs import hookimpl
    from lintops.plugins import plugin_manager

    write(tmp_path / "rules" / "team-pod-label.yaml", TEAM_RULE.replace("packs: [team-extra]",
                                                                        "packs: [team-extra, pss-restricted]"))

    class Plugin:
        @hookimpl
        def lintops_rule_dirs(self):
            return [tmp_path / "rules"]

    manager = plugin_manager()
    manager.register(Plugin(), name="team-plugin")
    catalog = build_catalog(manager)
    assert catalog.spec("team-pod-label").packs == ("team-extra", "pss-restricted")
    assert "team-pod-label" in known_packs(catalog.specs)["pss-restricted"]  # joins the built-in pack
    for packs, on in (((), False), (("team-extra",), True), (("pss-restricted",), True), (("pss-baseline",), False)):
        configured = configure(catalog, Config(), packs=packs)
        assert configured.spec("team-pod-label").enabled is on, packs
