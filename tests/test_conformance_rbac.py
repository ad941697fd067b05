"""Conformance of the RBAC rules with kube-linter, Polaris and checkov.

Two parts:

1. The peers' own fixtures (copied byte for byte into tests/fixtures/rbac/, see SOURCES.md there): the
   verdict per object (kube-linter) or per file (Polaris) must equal the peer's expected verdict,
   transcribed from the peer's tests. Every disagreement is listed in ``FIXTURE_DIFFERENCES`` with its
   reason and the phrase of the rule's documentation that states it.
2. Cases beyond the fixtures, judged by transcriptions of the peers' rules (the oracles below).
   Agreement is asserted except for the cases in ``SEMANTIC_DIFFERENCES``, each documented too.

Agreement (part 1): kube-linter 4 of 7 objects (wildcard-in-rules 2/2, cluster-admin-role-binding 2/2;
access-to-secrets and access-to-create-pods fire on a namespaced grant lintops does not report);
Polaris 34 of 45 files at Kubernetes 1.18 (the others: exemptions by name, and `*` in one or two of
the fields of a role that Polaris' cluster-admin check passes), and at 1.35 the `get` grants too.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from pathlib import Path

import pytest
import yaml

from lintops.catalog import available_checks
from lintops.data import data_dir
from lintops.engine import Engine
from lintops.rbac_policy import grants_everything
from lintops.rules import bind, load_rule_file
from lintops.run_context import Options

FIXTURES = Path(__file__).parent / "fixtures" / "rbac"
RBAC_RULES = ("rbac-wildcard", "rbac-pod-exec", "rbac-escalation", "rbac-secrets-read",
              "rbac-cluster-admin-binding", "rbac-cluster-admin-everyone")


def rule(rule_id):
    return load_rule_file(data_dir("rules") / f"{rule_id}.yaml", "built-in")


def run(text, rule_ids=RBAC_RULES, version="1.18"):
    engine = Engine(bind([rule(r) for r in rule_ids], available_checks()), Options(kubernetes_version=version))
    findings = [f for report in engine.lint_text(text, "fixture.yaml") for f in report.findings
                if f.rule_id in rule_ids]
    assert not engine.internal_errors
    return findings


def documents(text):
    return [doc for doc in yaml.safe_load_all(text) if doc]


def fired_by_document(text, rule_id):
    """Per document of the file, in order: whether ``rule_id`` fired on it (by the line of its finding)."""
    starts = [m.start() for m in re.finditer(r"^(?=apiVersion:)", text, re.MULTILINE)]
    lines = [text.count("\n", 0, start) + 1 for start in starts]
    fired = [False] * len(lines)
    for finding in run(text, (rule_id,)):
        index = max(i for i, line in enumerate(lines) if line <= finding.location.line)
        fired[index] = True
    return fired


# -- part 1: kube-linter ------------------------------------------------------------------------------

#: ``kube-linter lint --include <check> --do-not-auto-add-defaults <fixture>`` (expected.json of the bats
#: test): its reports, and the per-document verdicts they imply.
KUBE_LINTER = {
    "wildcard-in-rules": {
        "fixture": "kube-linter/tests/checks/wildcard-in-rules.yml", "ours": "rbac-wildcard",
        "reports": 1, "verdicts": [False, True]},
    "cluster-admin-role-binding": {
        "fixture": "kube-linter/tests/checks/cluster-admin-role-binding.yml", "ours": "rbac-cluster-admin-binding",
        "reports": 1, "verdicts": [False, True],
        "message": 'ClusterRoleBinding: cluster-admin role is bound to [{"kind":"ServiceAccount",'
                   '"name":"account1","namespace":"namespace-dev"}]'},
    "access-to-secrets": {
        "fixture": "kube-linter/tests/checks/access-to-secrets.yml", "ours": "rbac-secrets-read",
        "reports": 1, "verdicts": [False, False, True],
        "message": 'RoleBinding: binding to "role1" role that has [get] access to [secrets]'},
    "access-to-create-pods": {
        "fixture": "kube-linter/tests/checks/access-to-create-pods.yml", "ours": "rbac-escalation",
        "reports": 1, "verdicts": [False, False, True],
        "message": 'RoleBinding: binding to "role1" role that has [create] access to [pods]'},
}

#: (peer, case): (why lintops' verdict differs, the rule whose documentation says so, the phrase it uses).
FIXTURE_DIFFERENCES = {
    ("kube-linter", "access-to-secrets"): (
        "a Role reading the Secrets of its own namespace is not a cluster-wide read", "rbac-secrets-read",
        "On kube-linter's fixture (a Role reading Secrets bound by a RoleBinding) kube-linter fires and "
        "lintops does not"),
    ("kube-linter", "access-to-create-pods"): (
        "creating pods is not reported: every deployer and operator needs it", "rbac-escalation",
        "kube-linter's `access-to-create-pods`, too common in deployers to be a first-run warning"),
}


@pytest.mark.parametrize("check", sorted(KUBE_LINTER))
def test_kube_linter_fixtures(check):
    case = KUBE_LINTER[check]
    text = (FIXTURES / case["fixture"]).read_text(encoding="utf-8")
    ours = fired_by_document(text, case["ours"])
    assert sum(case["verdicts"]) == case["reports"]
    if ("kube-linter", check) in FIXTURE_DIFFERENCES:
        assert ours != case["verdicts"] and not any(ours)
    else:
        assert ours == case["verdicts"]


def test_kube_linter_findings_are_at_the_offending_entry():
    text = (FIXTURES / KUBE_LINTER["wildcard-in-rules"]["fixture"]).read_text(encoding="utf-8")
    (finding,) = run(text, ("rbac-wildcard",))
    assert (finding.location.line, finding.location.column, finding.pointer) == (20, 13, "/rules/0/verbs/0")
    text = (FIXTURES / KUBE_LINTER["cluster-admin-role-binding"]["fixture"]).read_text(encoding="utf-8")
    (finding,) = run(text, ("rbac-cluster-admin-binding",))
    assert (finding.location.line, finding.pointer) == (28, "/roleRef/name")
    # the facts kube-linter's message carries: the role and the subject
    assert "cluster-admin" in finding.message and "ServiceAccount 'namespace-dev/account1'" in finding.message


# -- part 1: Polaris ----------------------------------------------------------------------------------

def _polaris_files(check):
    return sorted((FIXTURES / "polaris/test/checks" / check).glob("*.yaml"))


def _pod_exec_verdict(text, version):
    """Ours for Polaris' exec checks: rbac-pod-exec, or rbac-wildcard on a rule that grants everything
    (which rbac-pod-exec leaves to it)."""
    if run(text, ("rbac-pod-exec",), version):
        return True
    docs = documents(text)
    for finding in run(text, ("rbac-wildcard",), version):
        rule_index = int(finding.pointer.split("/")[2])
        if any(grants_everything(doc["rules"][rule_index]) for doc in docs
               if doc.get("kind") in ("Role", "ClusterRole") and len(doc.get("rules") or []) > rule_index):
            return True
    return False


def _cluster_admin_verdict(text, version):
    """Ours for Polaris' clusterrolebindingClusterAdmin: a cluster-admin binding, or a wildcard in the role."""
    return bool(run(text, ("rbac-cluster-admin-binding", "rbac-cluster-admin-everyone", "rbac-wildcard"), version))


POLARIS = {"clusterrolePodExecAttach": _pod_exec_verdict, "rolePodExecAttach": _pod_exec_verdict,
           "clusterrolebindingClusterAdmin": _cluster_admin_verdict}

_NAMES = ("Polaris passes ClusterRoles named `admin`, `edit`, `cluster-admin`", "rbac-pod-exec",
          "No role is exempt by name")
_GET = ("from Kubernetes 1.35 a WebSocket exec needs `create` too", "rbac-pod-exec",
        "counts `get` only up to Kubernetes 1.34 (Polaris at every version)")
_PARTIAL = ("Polaris' cluster-admin check passes a `*` in one or two of the three fields", "rbac-wildcard",
            "lintops reports each such `*`")
_BY_NAME = ("Polaris exempts bindings by their own name", "rbac-cluster-admin-binding",
            "it exempts bindings by their own name")
POLARIS_DIFFERENCES = {
    ("clusterrolePodExecAttach", "success.defaultclusterrole_admin.yaml", "1.18"): _NAMES,
    ("clusterrolePodExecAttach", "success.defaultclusterrole_clusteradmin.yaml", "1.18"): _NAMES,
    ("clusterrolePodExecAttach", "success.gce_calico_clusterrole.yaml", "1.18"): _NAMES,
    ("clusterrolePodExecAttach", "success.system_prefix.yaml", "1.18"): _NAMES,
    ("rolePodExecAttach", "success.gce_calico_binding.yaml", "1.18"): _NAMES,
    ("rolePodExecAttach", "success.system_prefix_binding.yaml", "1.18"): _NAMES,
    ("clusterrolebindingClusterAdmin", "success.explicit_apigroups.yaml", "1.18"): _PARTIAL,
    ("clusterrolebindingClusterAdmin", "success.explicit_resources.yaml", "1.18"): _PARTIAL,
    ("clusterrolebindingClusterAdmin", "success.explicit_verbs.yaml", "1.18"): _PARTIAL,
    ("clusterrolebindingClusterAdmin", "success.gce_calico_binding.yaml", "1.18"): _BY_NAME,
    ("clusterrolebindingClusterAdmin", "success.system_prefix_binding.yaml", "1.18"): _BY_NAME,
}
for _check in ("clusterrolePodExecAttach", "rolePodExecAttach"):
    for _name in ("failure.get_attach_using_apigroup_wildcard.yaml", "failure.get_exec_using_apigroup_wildcard.yaml"):
        POLARIS_DIFFERENCES[(_check, _name, "1.35")] = _GET
    for _key in [k for k in list(POLARIS_DIFFERENCES) if k[0] == _check and k[2] == "1.18"]:
        POLARIS_DIFFERENCES[(_check, _key[1], "1.35")] = POLARIS_DIFFERENCES[_key]
POLARIS_CASES = [(check, path.name, version) for check in POLARIS for path in _polaris_files(check)
                 for version in ("1.18", "1.35") if version == "1.18" or check != "clusterrolebindingClusterAdmin"]


@pytest.mark.parametrize(("check", "name", "version"), POLARIS_CASES)
def test_polaris_fixtures(check, name, version):
    text = (FIXTURES / "polaris/test/checks" / check / name).read_text(encoding="utf-8")
    theirs = name.startswith("failure.")
    ours = POLARIS[check](text, version)
    if (check, name, version) in POLARIS_DIFFERENCES:
        assert ours != theirs, f"listed as a difference, but lintops agrees with Polaris on {check}/{name}"
    else:
        assert ours == theirs, f"Polaris {check} says {'fail' if theirs else 'pass'} for {name} at {version}"


def test_polaris_agreement_counts():
    at_118 = [case for case in POLARIS_CASES if case[2] == "1.18"]
    agreeing = [case for case in at_118 if case not in POLARIS_DIFFERENCES]
    assert (len(agreeing), len(at_118)) == (34, 45)


def test_fixtures_are_the_listed_byte_for_byte_copies():
    note = (FIXTURES / "SOURCES.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| (\S+\.ya?ml) \| ([0-9a-f]{64}) \|$", note, re.MULTILINE))
    present = {str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*") if p.suffix in (".yml", ".yaml")}
    assert sorted(listed) == sorted(present)
    for path, digest in listed.items():
        assert hashlib.sha256((FIXTURES / path).read_bytes()).hexdigest() == digest, path
    assert (FIXTURES / "kube-linter/LICENSE").is_file() and (FIXTURES / "polaris/LICENSE").is_file()


# -- part 2: the peers' rules beyond their fixtures ----------------------------------------------------

def kube_linter_wildcard(rule_):
    """kube-linter wildcardinrules/template.go: a `*` entry of resources or verbs."""
    return "*" in (rule_.get("resources") or []) or "*" in (rule_.get("verbs") or [])


def checkov_49(rule_, first=True):
    """checkov WildcardRoles.py (CKV_K8S_49): in the first rule only, any entry containing `*`."""
    return first and any("*" in s for f in ("apiGroups", "resources", "verbs") for s in rule_.get(f) or [])


def polaris_exec(rule_):
    """Polaris rolePodExecAttach: apiGroups ""/*, resources */pods/exec/pods/attach, verbs */get/create."""
    return (bool({"", "*"} & set(rule_.get("apiGroups") or []))
            and bool({"*", "pods/exec", "pods/attach"} & set(rule_.get("resources") or []))
            and bool({"*", "get", "create"} & set(rule_.get("verbs") or [])))


def checkov_158(rule_):
    """checkov RbacEscalateRoles (CKV_K8S_158): escalate on roles/clusterroles in the rbac group, or `*`."""
    def has(field, values):
        return any(v == "*" or v in values for v in rule_.get(field) or [])
    return (has("apiGroups", ["rbac.authorization.k8s.io"]) and has("verbs", ["escalate"])
            and has("resources", ["roles", "clusterroles"]))


RULES = {
    "plain": {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
    "verb-star": {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["*"]},
    "resource-star": {"apiGroups": [""], "resources": ["*"], "verbs": ["list"]},
    "group-star": {"apiGroups": ["*"], "resources": ["deployments"], "verbs": ["get"]},
    "pods-slash-star": {"apiGroups": [""], "resources": ["pods/*"], "verbs": ["get"]},
    "star-scale": {"apiGroups": ["*"], "resources": ["*/scale"], "verbs": ["update"]},
    "exec-create": {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]},
    "exec-get": {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["get"]},
    "star-exec": {"apiGroups": [""], "resources": ["*/exec"], "verbs": ["create"]},
    "exec-wrong-group": {"apiGroups": ["apps"], "resources": ["pods/exec"], "verbs": ["create"]},
    "escalate": {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["escalate"]},
    "escalate-star-group": {"apiGroups": ["*"], "resources": ["roles"], "verbs": ["escalate"]},
}


def ours(rule_id, rule_, version="1.18"):
    text = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: ns}\nrules:\n"
    text += textwrap.indent(yaml.safe_dump([rule_], default_flow_style=True), "  ")
    return bool(run(text, (rule_id,), version))


ORACLES = {"kube-linter wildcard-in-rules": ("rbac-wildcard", kube_linter_wildcard),
           "checkov CKV_K8S_49": ("rbac-wildcard", checkov_49),
           "Polaris rolePodExecAttach": ("rbac-pod-exec", polaris_exec),
           "checkov CKV_K8S_158": ("rbac-escalation", checkov_158)}

SEMANTIC_DIFFERENCES = {
    ("kube-linter wildcard-in-rules", "pods-slash-star"): (
        "`pods/*` is no wildcard: it grants nothing, which lintops reports", "rbac-wildcard",
        "does not report `pods/*`"),
    ("checkov CKV_K8S_49", "group-star"): (
        "`*` in apiGroups alone is not reported", "rbac-wildcard", "`*` in `apiGroups` alone, fail it"),
    ("checkov CKV_K8S_49", "escalate-star-group"): (
        "`*` in apiGroups alone is not reported", "rbac-wildcard", "`*` in `apiGroups` alone, fail it"),
    ("checkov CKV_K8S_49", "star-scale"): (
        "`*/<subresource>` is not reported", "rbac-wildcard", "(so `pods/*` and `*/scale`"),
    ("checkov CKV_K8S_49", "star-exec"): (
        "`*/<subresource>` is not reported", "rbac-wildcard", "(so `pods/*` and `*/scale`"),
    ("Polaris rolePodExecAttach", "star-exec"): (
        "`*/exec` grants exec", "rbac-pod-exec", "lintops counts `*/exec`"),
}


@pytest.mark.parametrize("case", sorted(RULES))
@pytest.mark.parametrize("peer", sorted(ORACLES))
def test_rule_semantics(peer, case):
    rule_id, oracle = ORACLES[peer]
    theirs, mine = oracle(RULES[case]), ours(rule_id, RULES[case])
    if (peer, case) in SEMANTIC_DIFFERENCES:
        assert mine != theirs, f"listed as a difference but {peer} and lintops agree on {case}"
    else:
        assert mine == theirs, f"{peer} says {theirs} for {case}, lintops {mine}: list it with a reason"


def test_every_listed_difference_is_documented():
    documented = [*FIXTURE_DIFFERENCES.values(), *POLARIS_DIFFERENCES.values(), *SEMANTIC_DIFFERENCES.values()]
    for reason, rule_id, phrase in documented:
        assert reason
        assert phrase in " ".join(rule(rule_id).documentation.split()), f"{rule_id} must document: {reason}"
