"""The RBAC rules: rbac-wildcard, rbac-pod-exec, rbac-escalation, rbac-secrets-read,
rbac-cluster-admin-binding and rbac-cluster-admin-everyone, through the real engine, and through real
Helm and Kustomize renders (findings at the template's and the base's line).

Conformance with the peers is tests/test_conformance_rbac.py; the rule files' own examples run in
tests/test_rule_examples.py.
"""

from __future__ import annotations

import textwrap

import pytest

from conftest import rule_spec, where, write
from lintops.catalog import available_checks
from lintops.engine import Engine
from lintops.rules import bind
from lintops.run_context import Options

HEAD = "apiVersion: rbac.authorization.k8s.io/v1\n"


def lint(text, *rule_ids, versions=("1.18",)):
    from lintops.config.targets import Targets

    options = Options(kubernetes_version=versions[0], targets=Targets(tuple(versions)))
    engine = Engine(bind([rule_spec(r) for r in rule_ids], available_checks()), options)
    findings = [f for report in engine.lint_text(textwrap.dedent(text), "x.yaml") for f in report.findings
                if f.rule_id in rule_ids]
    assert not engine.internal_errors
    return findings


def role(rules, kind="Role", extra=""):
    body = textwrap.indent(textwrap.dedent(rules).rstrip("\n") + "\n", "  ")
    namespace = ", namespace: shop" if kind == "Role" else ""
    return f"{HEAD}kind: {kind}\nmetadata: {{name: r{namespace}}}\n{extra}rules:\n{body}"


# -- rbac-wildcard ------------------------------------------------------------------------------------

def test_a_rule_granting_everything_is_one_finding_at_its_verb():
    text = role("""\
        - apiGroups: ["*"]
          resources: ["*"]
          verbs: ["*"]
        - nonResourceURLs: ["*"]
          verbs: [get]
        """, kind="ClusterRole")
    found = lint(text, "rbac-wildcard", "rbac-pod-exec", "rbac-escalation", "rbac-secrets-read")
    assert where(found) == [("rbac-wildcard", 7, 13, "/rules/0/verbs/0"),
                            ("rbac-wildcard", 8, 23, "/rules/1/nonResourceURLs/0")]
    assert "what cluster-admin grants" in found[0].message
    assert "every path of the API server" in found[1].message


@pytest.mark.parametrize(("rules", "expected"), [
    ('- {apiGroups: ["*"], resources: [deployments], verbs: [get]}', []),
    ('- {apiGroups: ["*"], resources: ["*/scale"], verbs: [update]}', []),
    ('- {nonResourceURLs: ["/apis/*", /healthz], verbs: [get]}', []),
    ('- {apiGroups: [apps], resources: ["*", "*"], verbs: [get]}', ["/rules/0/resources/0"]),
    ('- {apiGroups: [""], resources: ["*"], verbs: ["*"]}', ["/rules/0/verbs/0"]),
    ('- {apiGroups: [""], resources: ["secret*", pods], verbs: ["get*"]}',
     ["/rules/0/resources/0", "/rules/0/verbs/0"]),
    ('- {apiGroups: ["*.example.com"], resources: [widgets], verbs: [get]}', ["/rules/0/apiGroups/0"]),
    ('- {nonResourceURLs: ["/*"], verbs: [get]}', ["/rules/0/nonResourceURLs/0"]),
])
def test_wildcard_entries(rules, expected):
    assert [f.pointer for f in lint(role(rules, kind="ClusterRole"), "rbac-wildcard")] == expected


def test_an_aggregated_cluster_role_has_no_rules_of_its_own():
    text = role('- {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}', kind="ClusterRole",
                extra="aggregationRule:\n  clusterRoleSelectors:\n    - matchLabels: {team: shop}\n")
    assert lint(text, "rbac-wildcard", "rbac-pod-exec", "rbac-escalation", "rbac-secrets-read") == []


def test_bad_shapes_are_the_schema_rules_and_never_a_traceback():
    for rules in ("- 42", "- {verbs: '*', resources: {a: b}}", "- {apiGroups: [null, 3], resources: [[]], verbs: [{}]}",
                  "[]", "null"):
        text = f"{HEAD}kind: ClusterRole\nmetadata: {{name: r}}\nrules: {rules}\n" if not rules.startswith("-") \
            else role(rules, kind="ClusterRole")
        assert lint(text, "rbac-wildcard", "rbac-pod-exec", "rbac-escalation", "rbac-secrets-read") == []


def test_a_long_entry_is_shortened_in_the_message():
    text = role(f'- {{apiGroups: [""], resources: ["{"x" * 500}*"], verbs: [get]}}', kind="ClusterRole")
    (finding,) = lint(text, "rbac-wildcard")
    assert len(finding.message) < 250


# -- rbac-pod-exec ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("rules", "expected"), [
    ('- {apiGroups: [""], resources: [pods/exec], verbs: [create]}', ["/rules/0/resources/0"]),
    ('- {apiGroups: ["*"], resources: [pods, pods/attach], verbs: ["*"]}', ["/rules/0/resources/1"]),
    ('- {apiGroups: [""], resources: ["*/exec"], verbs: [create]}', ["/rules/0/resources/0"]),
    ('- {apiGroups: [""], resources: ["*"], verbs: [list, create]}', ["/rules/0/verbs/1"]),
    ('- {apiGroups: [""], resources: [pods/exec], resourceNames: [db-0], verbs: [create]}',
     ["/rules/0/resources/0"]),
    ('- {apiGroups: [""], resources: [nodes/proxy], verbs: [get]}', ["/rules/0/resources/0"]),
    ('- {apiGroups: [""], resources: ["pods/*"], verbs: [create]}', []),
    ('- {apiGroups: [apps], resources: [pods/exec], verbs: [create]}', []),
    ('- {apiGroups: [""], resources: [pods/exec], verbs: [list, watch]}', []),
    ('- {apiGroups: [""], resources: [pods/portforward, pods/log, pods/proxy], verbs: [get, create]}', []),
    ('- {apiGroups: [""], resources: ["*"], verbs: ["*"]}', []),
])
def test_pod_exec_grants(rules, expected):
    assert [f.pointer for f in lint(role(rules), "rbac-pod-exec")] == expected


def test_a_get_on_pods_exec_is_exec_only_before_kubernetes_1_35():
    text = role('- {apiGroups: [""], resources: [pods/exec], verbs: [get]}')
    (finding,) = lint(text, "rbac-pod-exec")
    assert "WebSocket" in finding.message and "in namespace 'shop'" in finding.message
    assert lint(text, "rbac-pod-exec", versions=("1.35",)) == []
    (both,) = lint(text, "rbac-pod-exec", versions=("1.18", "1.35"))
    assert both.kubernetes_versions == ("1.18",)
    created = role('- {apiGroups: [""], resources: [pods/exec], verbs: [get, create]}')
    (finding,) = lint(created, "rbac-pod-exec", versions=("1.18", "1.35"))
    assert finding.kubernetes_versions in ((), ("1.18", "1.35")) and "WebSocket" not in finding.message


# -- rbac-escalation ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("rules", "expected"), [
    ('- {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind]}', ["/rules/0/verbs/0"]),
    ('- {apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], resourceNames: [view], verbs: [bind]}',
     []),
    ('- {apiGroups: [rbac.authorization.k8s.io], resources: [roles], resourceNames: [a], verbs: [escalate]}',
     ["/rules/0/verbs/0"]),
    ('- {apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: ["*"]}', ["/rules/0/resources/0"]),
    ('- {apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings, clusterrolebindings], verbs: ["*"]}', []),
    ('- {apiGroups: [""], resources: [groups, users], verbs: [impersonate]}', ["/rules/0/verbs/0"]),
    ('- {apiGroups: [""], resources: [serviceaccounts], resourceNames: [robot], verbs: [impersonate]}', []),
    ('- {apiGroups: [""], resources: ["*/token"], verbs: [create]}', ["/rules/0/resources/0"]),
    ('- {apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [update]}', []),
    ('- {apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [update]}\n'
     '- {apiGroups: [certificates.k8s.io], resources: [signers], verbs: [approve]}', ["/rules/0/resources/0"]),
    ('- {apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [update]}\n'
     '- {apiGroups: [certificates.k8s.io], resources: [signers], resourceNames: [example.com/x], verbs: [approve]}',
     []),
])
def test_escalation_grants(rules, expected):
    assert [f.pointer for f in lint(role(rules, kind="ClusterRole"), "rbac-escalation")] == expected


def test_one_entry_granting_several_permissions_is_one_finding_naming_them():
    text = role('- {apiGroups: ["*"], resources: ["*"], verbs: [impersonate]}', kind="ClusterRole")
    (finding,) = lint(text, "rbac-escalation")
    assert finding.pointer == "/rules/0/verbs/0"
    assert "impersonate on users, groups and serviceaccounts (through '*')" in finding.message
    assert "cluster-wide where a ClusterRoleBinding binds it" in finding.message


# -- rbac-secrets-read --------------------------------------------------------------------------------

READER = role('- {apiGroups: [""], resources: [secrets], verbs: [list]}', kind="ClusterRole")


def binding(kind, role_name="r", namespace=None, name="b"):
    ns = f", namespace: {namespace}" if namespace else ""
    return (f"---\n{HEAD}kind: {kind}\nmetadata: {{name: {name}{ns}}}\n"
            f"roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {role_name}}}\n"
            "subjects: [{kind: ServiceAccount, name: sa, namespace: shop}]\n")


@pytest.mark.parametrize(("extra", "reason"), [
    (binding("ClusterRoleBinding", name="everywhere"), "bound cluster-wide by ClusterRoleBinding 'everywhere'"),
    (binding("RoleBinding", namespace="a") + binding("ClusterRoleBinding", name="c"), "ClusterRoleBinding 'c'"),
    ("", "no binding of 'r' in this run"),
    (binding("RoleBinding", role_name="other", namespace="a"), "no binding of 'r' in this run"),
    (binding("RoleBinding", namespace="a") + "---\n" + role(
        "[]", kind="ClusterRole", extra="aggregationRule:\n  clusterRoleSelectors: [{matchLabels: {tier: read}}]\n"
    ).replace("name: r}", "name: agg}"), "aggregated into ClusterRole 'agg'"),
])
def test_a_cluster_role_reading_secrets_cluster_wide(extra, reason):
    text = READER.replace("metadata: {name: r}", "metadata: {name: r, labels: {tier: read}}") + extra
    (finding,) = lint(text, "rbac-secrets-read")
    assert (finding.location.line, finding.pointer) == (5, "/rules/0/resources/0")
    assert reason in finding.message and "read every Secret of every namespace" in finding.message


def test_a_cluster_role_bound_only_by_role_bindings_reads_namespace_by_namespace():
    text = READER + binding("RoleBinding", namespace="a") + binding("RoleBinding", namespace="b", name="c")
    assert lint(text, "rbac-secrets-read") == []


def test_a_cluster_role_aggregated_into_a_builtin_role_by_label_is_reported():
    text = READER.replace("metadata: {name: r}",
                          'metadata: {name: r, labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}}')
    (finding,) = lint(text + binding("RoleBinding", namespace="a"), "rbac-secrets-read")
    assert "aggregated into the built-in ClusterRole 'view'" in finding.message


@pytest.mark.parametrize("text", [
    role('- {apiGroups: [""], resources: [secrets], verbs: [get, list]}'),          # a Role: one namespace
    role('- {apiGroups: [""], resources: [secrets], resourceNames: [tls], verbs: [get]}', kind="ClusterRole"),
    role('- {apiGroups: [""], resources: [secrets], verbs: [create, delete, update]}', kind="ClusterRole"),
    role('- {apiGroups: [apps], resources: [secrets], verbs: [get]}', kind="ClusterRole"),
])
def test_what_is_not_a_cluster_wide_read(text):
    assert lint(text + binding("ClusterRoleBinding"), "rbac-secrets-read") == []


# -- rbac-cluster-admin-binding and rbac-cluster-admin-everyone ---------------------------------------

def admin_binding(kind, subjects, role_kind="ClusterRole", name="cluster-admin"):
    namespace = ", namespace: shop" if kind == "RoleBinding" else ""
    return (f"{HEAD}kind: {kind}\nmetadata: {{name: b{namespace}}}\n"
            f"roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: {role_kind}, name: {name}}}\n"
            f"subjects:\n" + "".join(f"  - {s}\n" for s in subjects))


SA = "{kind: ServiceAccount, name: deployer, namespace: ci}"
MASTERS = '{kind: Group, name: "system:masters", apiGroup: rbac.authorization.k8s.io}'
AUTHENTICATED = '{kind: Group, name: "system:authenticated", apiGroup: rbac.authorization.k8s.io}'
ANONYMOUS = '{kind: User, name: "system:anonymous", apiGroup: rbac.authorization.k8s.io}'


@pytest.mark.parametrize(("text", "expected"), [
    (admin_binding("ClusterRoleBinding", [SA]), [("rbac-cluster-admin-binding", 4, "/roleRef/name")]),
    (admin_binding("RoleBinding", [SA]), [("rbac-cluster-admin-binding", 4, "/roleRef/name")]),
    (admin_binding("ClusterRoleBinding", [MASTERS]), []),
    (admin_binding("RoleBinding", [SA], role_kind="Role"), []),
    (admin_binding("ClusterRoleBinding", [SA], name="admin"), []),
    (admin_binding("ClusterRoleBinding", [AUTHENTICATED]), [("rbac-cluster-admin-everyone", 6, "/subjects/0/name")]),
    (admin_binding("ClusterRoleBinding", [MASTERS, ANONYMOUS, SA]),
     [("rbac-cluster-admin-binding", 4, "/roleRef/name"), ("rbac-cluster-admin-everyone", 7, "/subjects/1/name")]),
    (f"{HEAD}kind: ClusterRoleBinding\nmetadata: {{name: b}}\nroleRef: {{kind: ClusterRole, name: cluster-admin}}\n",
     []),
])
def test_cluster_admin_bindings(text, expected):
    found = lint(text, "rbac-cluster-admin-binding", "rbac-cluster-admin-everyone")
    assert sorted((f.rule_id, f.location.line, f.pointer) for f in found) == expected


def test_cluster_admin_messages_name_the_subjects_and_the_scope():
    (named,) = lint(admin_binding("RoleBinding", [SA, "{kind: User, name: alice}"]), "rbac-cluster-admin-binding")
    assert "ServiceAccount 'ci/deployer' and User 'alice'" in named.message
    assert "namespace 'shop', including its Secrets and RBAC" in named.message
    (everyone,) = lint(admin_binding("ClusterRoleBinding", ['{kind: Group, name: "system:serviceaccounts"}']),
                       "rbac-cluster-admin-everyone")
    assert everyone.severity.value == "error" and "every service account of the cluster" in everyone.message


# -- rendered inputs: findings at the template's and the base's line ----------------------------------

CHART_RBAC = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {{ .Release.Name }}-reader
rules:
  - apiGroups: [""]
    resources: [configmaps, secrets]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: {{ if .Values.clusterWide }}ClusterRoleBinding{{ else }}RoleBinding{{ end }}
metadata:
  name: {{ .Release.Name }}-reader
  {{- if not .Values.clusterWide }}
  namespace: {{ .Release.Namespace }}
  {{- end }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: {{ .Release.Name }}-reader
subjects:
  - kind: ServiceAccount
    name: {{ .Release.Name }}
    namespace: {{ .Release.Namespace }}
"""


def test_a_chart_is_judged_per_environment_at_the_template_line(lint_json, tmp_path):
    chart = tmp_path / "reader"
    write(chart / "Chart.yaml", "apiVersion: v2\nname: reader\nversion: 0.1.0\n")
    write(chart / "values.yaml", "clusterWide: false\n")
    write(chart / "values-production.yaml", "clusterWide: true\n")
    write(chart / "values-staging.yaml", "clusterWide: false\n")
    write(chart / "templates" / "rbac.yaml", CHART_RBAC)
    _, report = lint_json(str(chart))
    found = [f for f in report["findings"] if f["rule"].startswith("rbac-")]
    assert [(f["rule"], f["path"].rsplit("/", 2)[-2:], f["line"], f["column"], f["environment"]) for f in found] == [
        ("rbac-secrets-read", ["templates", "rbac.yaml"], 7, 29, ["production"])]
    assert "bound cluster-wide by ClusterRoleBinding" in found[0]["message"]


def test_a_kustomize_overlay_reports_at_the_base(lint_json, tmp_path):
    write(tmp_path / "base" / "kustomization.yaml", "resources: [rbac.yaml]\n")
    write(tmp_path / "base" / "rbac.yaml", textwrap.dedent("""\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: debugger
        rules:
          - apiGroups: [""]
            resources: [pods, pods/exec, secrets]
            verbs: [get, create]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata:
          name: ci
        roleRef:
          apiGroup: rbac.authorization.k8s.io
          kind: ClusterRole
          name: cluster-admin
        subjects:
          - kind: ServiceAccount
            name: ci
            namespace: ci
        """))
    write(tmp_path / "overlays" / "prod" / "kustomization.yaml", "resources: [../../base]\nnamePrefix: prod-\n")
    _, report = lint_json(str(tmp_path))
    found = sorted((f["rule"], f["path"].rsplit("/", 2)[-2:], f["line"], f["column"]) for f in report["findings"]
                   if f["rule"].startswith("rbac-"))
    assert found == [("rbac-cluster-admin-binding", ["base", "rbac.yaml"], 17, 9),
                     ("rbac-pod-exec", ["base", "rbac.yaml"], 7, 23),
                     ("rbac-secrets-read", ["base", "rbac.yaml"], 7, 34)]


def test_a_team_lists_its_own_permissions_as_data(tmp_path):
    """rbac-grant is data-driven: a repository's rule names the permission, no code."""
    from lintops.rules import load_rule_file

    write(tmp_path / "webhooks.yaml", textwrap.dedent("""\
        id: rbac-webhook-config
        severity: warning
        summary: No role rewrites admission webhooks.
        targets: [rbac.authorization.k8s.io/ClusterRole]
        check: rbac-grant
        params:
          permissions:
            - {apiGroup: admissionregistration.k8s.io, resource: mutatingwebhookconfigurations,
               verbs: [create, update, patch], what: "intercept every object written to the cluster"}
        rationale: r
        documentation: d
        remediation: f
        examples: {pass: "", fail: ""}
        """))
    spec = load_rule_file(tmp_path / "webhooks.yaml", "repository")
    text = role('- {apiGroups: ["*"], resources: [mutatingwebhookconfigurations], verbs: [patch]}', kind="ClusterRole")
    engine = Engine(bind([spec], available_checks()), Options())
    (finding,) = [f for report in engine.lint_text(text, "x.yaml") for f in report.findings]
    assert finding.pointer == "/rules/0/resources/0"
    assert "patch on mutatingwebhookconfigurations" in finding.message
    assert "intercept every object written to the cluster" in finding.message
