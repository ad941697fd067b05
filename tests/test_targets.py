"""Several target versions in one run: each environment against its own cluster's version, and ``-k``
repeated to ask whether a repository still works after an upgrade.

Through the real command line on real trees (Kustomize overlays built by the real ``kubectl kustomize``,
charts rendered by Helm's library): each finding is reported once, naming the versions it applies to
(JSON ``kubernetes_versions``; text ``[k8s: ...]`` when it does not apply to every target of the run),
and the summary counts findings, not versions.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from builders import SIZED_SPEC, crd, kustomization
from conftest import run_lintops, write
from lintops.checks.base import merge_targets
from lintops.config.targets import Targets
from lintops.model import Violation
from lintops.run_context import Options

needs_kustomize = pytest.mark.skipif(not (shutil.which("kustomize") or shutil.which("kubectl")),
                                     reason="needs kustomize or kubectl on PATH")

PDB_V1 = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}
"""

CRONJOB_V1BETA1 = """\
apiVersion: batch/v1beta1
kind: CronJob
metadata: {name: report, namespace: shop}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: report
            image: registry.example.com/shop/report:1.0.0
"""

#: hostUsers is a Pod field from 1.25 on: an unknown field at 1.24 only.
POD_HOST_USERS = """\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  hostUsers: false
  containers:
  - name: web
    image: registry.example.com/shop/web:1.0.0
"""

#: Only the version-dependent rules (and one house rule that does not depend on the version).
RULES = ("--disable", "resource-limits", "--disable", "resource-requests", "--disable", "liveness-probe",
         "--disable", "readiness-probe", "--disable", "run-as-non-root", "--disable", "read-only-root-filesystem",
         "--disable", "privilege-escalation")


@pytest.fixture
def lint(cli, monkeypatch):
    """``lint(root, *args)``: lintops check of ``root`` (in-process, from inside it) -> (exit code, JSON report)."""

    def run(root: Path, *args: str) -> tuple[int, dict]:
        monkeypatch.chdir(root)
        result = cli("check", ".", "--format", "json", "-q", *RULES, *args)
        assert result.exit_code in (0, 1), result.output
        report = json.loads(result.stdout)
        # "not checked" notes (suppressed) of objects alone in their directory are not what these tests are about
        report["findings"] = [f for f in report["findings"] if not f["suppressed"]]
        return result.exit_code, report

    return run


@pytest.fixture
def text(cli, monkeypatch):
    """``text(root, *args, paths=("."))``: lintops check's text report in ``root`` -> (exit code, output)."""

    def run(root: Path, *args: str, paths: tuple[str, ...] = (".",)) -> tuple[int, str]:
        monkeypatch.chdir(root)
        result = cli("check", *paths, "-q", *RULES, *args)
        return result.exit_code, result.stdout

    return run


def found(report: dict, rule: str | None = None) -> list[dict]:
    return [f for f in report["findings"] if rule is None or f["rule"] == rule]


def repository(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)  # the repository root reports are relative to
    return root


def overlays(root: Path, base: str = PDB_V1) -> None:
    """A Kustomize base and the overlays ``staging`` and ``production`` (each its own namespace)."""
    write(root / "base" / "pdb.yaml", base)
    kustomization(root / "base", ["pdb.yaml"])
    for env in ("staging", "production"):
        write(root / "overlays" / env / "kustomization.yaml", f"resources:\n  - ../../base\nnamespace: shop-{env}\n")


# -- environments on different clusters -----------------------------------------------------------------


@needs_kustomize
def test_each_overlay_is_checked_against_its_environments_version(tmp_path, lint):
    root = repository(tmp_path)
    overlays(root)
    write(root / ".lintops.yaml", textwrap.dedent("""\
        kubernetes_version: "1.25"
        environment_versions:
          staging: "1.25"
          production: "1.18"
    """))
    code, report = lint(root)
    assert code == 1
    assert (report["kubernetes_version"], report["kubernetes_versions"]) == ("1.25", ["1.18", "1.25"])
    [error] = found(report)  # production's cluster cannot take a policy/v1 PDB; staging's can
    assert (error["rule"], error["path"], error["line"], error["column"]) == ("api-unavailable", "base/pdb.yaml", 1, 13)
    assert error["message"] == ("policy/v1 PodDisruptionBudget is served from Kubernetes 1.21; "
                                "1.18 serves policy/v1beta1")
    assert (error["environment"], error["kubernetes_versions"]) == (["production"], ["1.18"])
    assert error["object"]["namespace"] == "shop-production"
    assert report["summary"]["objects"] == 2 and report["summary"]["errors"] == 1

    text = run_lintops("check", ".", "-q", *RULES, cwd=root)
    assert text.returncode == 1
    assert ("base/pdb.yaml:1:13: error [api-unavailable] policy/v1 PodDisruptionBudget is served from Kubernetes "
            "1.21; 1.18 serves policy/v1beta1 (PodDisruptionBudget/shop-production/web) [env: production] "
            "[k8s: 1.18]") in text.stdout
    assert "checked against Kubernetes 1.18, 1.25:" in text.stdout

    # production upgraded: both clusters take it
    write(root / ".lintops.yaml", 'environment_versions: {staging: "1.25", production: "v1.25.4-eks-1"}\n')
    code, report = lint(root)
    assert (code, found(report), report["kubernetes_versions"]) == (0, [], ["1.18", "1.25"])


@needs_kustomize
def test_an_exact_name_wins_over_a_glob_and_other_environments_get_the_default(tmp_path, lint):
    root = repository(tmp_path)
    overlays(root)
    write(root / "overlays" / "prod-eu" / "kustomization.yaml", "resources:\n  - ../../base\nnamespace: shop-eu\n")
    write(root / "pdb.yaml", PDB_V1.replace("name: web", "name: plain"))  # a plain file: no environment
    write(root / ".lintops.yaml", textwrap.dedent("""\
        kubernetes_version: "1.19"
        environment_versions:
          "prod*": "1.25"
          production: "1.20"
          staging: ["1.21", "1.22"]
    """))
    _, report = lint(root)
    errors = sorted((f["object"]["namespace"] or "", f["object"]["name"], tuple(f["environment"]),
                     tuple(f["kubernetes_versions"])) for f in found(report, "api-unavailable"))
    assert errors == [("", "plain", (), ("1.19",)), ("shop-production", "web", ("production",), ("1.20",))]
    assert report["kubernetes_versions"] == ["1.19", "1.20", "1.21", "1.22", "1.25"]


def test_each_helm_environment_is_checked_against_its_version(tmp_path, lint):
    pytest.importorskip("helm_python", reason="needs helm-python-sdk (pip install -e '.[helm]')")
    root = repository(tmp_path)
    chart = root / "charts" / "web"
    write(chart / "Chart.yaml", "apiVersion: v2\nname: web\nversion: 1.0.0\n")
    write(chart / "values.yaml", "minAvailable: 1\n")
    write(chart / "templates" / "pdb.yaml",
          PDB_V1.replace("minAvailable: 1", "minAvailable: {{ .Values.minAvailable }}"))
    write(chart / "values-staging.yaml", "minAvailable: 1\n")
    write(chart / "values-production.yaml", "minAvailable: 2\n")
    write(root / ".lintops.yaml", 'environment_versions: {staging: "1.30", production: "1.20"}\n')
    code, report = lint(root)
    assert code == 1
    [error] = found(report)
    assert (error["rule"], error["environment"], error["kubernetes_versions"]) == (
        "api-unavailable", ["production"], ["1.20"])
    assert error["path"] == "charts/web/templates/pdb.yaml"


def test_dash_k_replaces_the_configured_versions(tmp_path, lint):
    root = repository(tmp_path)
    write(root / "pdb.yaml", PDB_V1)
    write(root / ".lintops.yaml", 'kubernetes_version: "1.18"\nenvironment_versions: {production: "1.18"}\n')
    code, report = lint(root, "-k", "1.30")
    assert (code, found(report), report["kubernetes_versions"]) == (0, [], ["1.30"])


# -- -k repeated: one finding per problem, naming its versions ------------------------------------------------


def test_an_api_removed_by_the_newer_target_is_one_finding_naming_it(tmp_path, lint, text):
    root = repository(tmp_path)
    write(root / "cron.yaml", CRONJOB_V1BETA1)
    code, report = lint(root, "-k", "1.24", "-k", "1.25", "--enable", "pinned-image-tag")
    assert code == 1
    assert (report["kubernetes_version"], report["kubernetes_versions"]) == ("1.24", ["1.24", "1.25"])
    [removed] = found(report, "api-removed")
    assert removed["kubernetes_versions"] == ["1.25"]
    assert removed["message"] == ("batch/v1beta1 CronJob is not served by Kubernetes 1.25 (removed in 1.25); "
                                  "use batch/v1")
    [deprecated] = found(report, "api-deprecated")  # still served by 1.24, which deprecates it
    assert deprecated["kubernetes_versions"] == ["1.24"]
    assert {f["rule"] for f in found(report)} == {"api-removed", "api-deprecated"}
    assert report["summary"]["findings"] == 2  # per finding, not per version
    assert (report["summary"]["errors"], report["summary"]["warnings"]) == (1, 1)

    _, output = text(root, "-k", "1.24", "-k", "1.25")
    assert ("cron.yaml:1:13: error [api-removed] batch/v1beta1 CronJob is not served by Kubernetes 1.25 (removed in "
            "1.25); use batch/v1 (CronJob/shop/report) [k8s: 1.25]\n") in output
    assert "(CronJob/shop/report) [k8s: 1.24]\n" in output
    assert "checked against Kubernetes 1.24, 1.25: 1 error, 1 warning, 0 info" in output
    _, editor = text(root, "-k", "1.24", "-k", "1.25", "--format", "editor")
    assert ("cron.yaml:1:13: error: batch/v1beta1 CronJob is not served by Kubernetes 1.25 (removed in 1.25); use "
            "batch/v1 (CronJob/shop/report) [k8s: 1.25] [api-removed]\n") in editor


def test_the_same_problem_at_several_targets_is_one_finding_whose_message_names_them(tmp_path, lint, text):
    root = repository(tmp_path)
    write(root / "cron.yaml", CRONJOB_V1BETA1)
    write(root / "pdb.yaml", PDB_V1)
    _, report = lint(root, "-k", "1.26", "-k", "1.25")
    [removed] = found(report, "api-removed")
    assert removed["message"] == ("batch/v1beta1 CronJob is not served by Kubernetes 1.25 and 1.26 (removed in 1.25); "
                                  "use batch/v1")
    assert removed["kubernetes_versions"] == ["1.25", "1.26"]
    assert (report["kubernetes_version"], report["kubernetes_versions"]) == ("1.26", ["1.25", "1.26"])

    _, report = lint(root, "-k", "1.18", "-k", "1.19", "-k", "1.20")
    [unavailable] = found(report, "api-unavailable")
    assert unavailable["message"] == ("policy/v1 PodDisruptionBudget is served from Kubernetes 1.21; "
                                      "1.18, 1.19 and 1.20 serve policy/v1beta1")
    assert unavailable["kubernetes_versions"] == ["1.18", "1.19", "1.20"]
    _, output = text(root, "-k", "1.18", "-k", "1.19", paths=("pdb.yaml",))
    assert "[api-unavailable]" in output and "[k8s:" not in output  # it applies to every target of the run


def test_a_field_of_a_later_version_is_unknown_at_the_earlier_target_only(tmp_path, lint, text):
    root = repository(tmp_path)
    write(root / "pod.yaml", POD_HOST_USERS)
    code, report = lint(root, "-k", "1.24", "-k", "1.25", "--enable", "pinned-image-tag")
    assert code == 1
    [schema] = found(report, "schema")
    assert (schema["line"], schema["column"], schema["message"]) == (5, 3, "unknown field 'hostUsers'")
    assert schema["kubernetes_versions"] == ["1.24"]
    _, single = text(root, "-k", "1.24")
    assert "[k8s:" not in single and "unknown field 'hostUsers' (Pod/shop/web)\n" in single


def test_version_independent_findings_name_every_target_and_are_not_tagged(tmp_path, lint, text):
    root = repository(tmp_path)
    write(root / "pod.yaml", POD_HOST_USERS.replace(":1.0.0", ":latest"))
    write(root / "broken.yaml", "apiVersion: v1\nkind: [\n")
    _, report = lint(root, "-k", "1.25", "-k", "1.26")
    by_rule = {f["rule"]: f for f in found(report)}
    assert by_rule["pinned-image-tag"]["kubernetes_versions"] == ["1.25", "1.26"]
    assert by_rule["yaml-syntax"]["kubernetes_versions"] == ["1.25", "1.26"]
    _, output = text(root, "-k", "1.25", "-k", "1.26")
    assert "[k8s:" not in output and "[pinned-image-tag]" in output and "[yaml-syntax]" in output


def test_a_custom_resource_held_for_its_crd_is_validated_at_each_target(tmp_path, lint):
    root = repository(tmp_path)
    write(root / "a-widget.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: big}\n")
    write(root / "b-crd.yaml", crd("Widget", schema=SIZED_SPEC))
    write(root / "c-gadget.yaml", "apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g}\n")
    _, report = lint(root, "-k", "1.24", "-k", "1.30")
    [schema] = found(report, "schema")
    assert (schema["path"], schema["kubernetes_versions"]) == ("a-widget.yaml", ["1.24", "1.30"])
    [missing] = found(report, "schema-missing")
    assert missing["message"] == ("no schema for example.com/v1 Gadget in Kubernetes 1.24 and 1.30 or in the CRDs "
                                  "of this run; the object was not validated")
    assert missing["kubernetes_versions"] == ["1.24", "1.30"]


def test_worker_processes_give_the_same_findings_with_several_targets(tmp_path, lint):
    root = repository(tmp_path)
    for index in range(320):
        write(root / f"cron-{index:03}.yaml", CRONJOB_V1BETA1.replace("name: report", f"name: report-{index}"))
    reports = [lint(root, "-k", "1.24", "-k", "1.25", "-j", jobs)[1] for jobs in ("1", "2")]
    for report in reports:
        assert len(found(report, "api-removed")) == 320
        assert {tuple(f["kubernetes_versions"]) for f in found(report, "api-removed")} == {("1.25",)}
    assert reports[0]["findings"] == reports[1]["findings"]


# -- configuration ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("config", "where", "message"), [
    ('environment_versions: {staging: "1.40"}\n', ":1:33: ", "environment_versions: staging: Kubernetes 1.40 is not "
                                                              "supported; supported versions: 1.17 to 1.37"),
    ("environment_versions:\n  staging: 1.30\n", ":2:3: ", "environment_versions.staging: unquoted, 1.30 is a number "
                                                         '(YAML reads it as 1.3), not a version; write it in quotes: '
                                                         'staging: "1.30"'),
    ("environment_versions:\n  staging: []\n", ":2:12: ", "environment_versions.staging must not be empty"),
    ("environment_versions: [\"1.30\"]\n", ":1:23: ", "environment_versions must be a mapping or empty, not a list"),
])
def test_a_bad_environment_version_is_a_usage_error_at_its_place(tmp_path, config, where, message):
    root = repository(tmp_path)
    write(root / "pdb.yaml", PDB_V1)
    write(root / ".lintops.yaml", config)
    result = run_lintops("check", ".", cwd=root)
    assert result.returncode == 2 and result.stdout == ""
    assert where in result.stderr and message in result.stderr


def test_a_policy_pins_the_environment_versions(tmp_path, lint):
    root = repository(tmp_path)
    write(root / "pdb.yaml", PDB_V1)
    write(root / ".lintops.yaml", 'environment_versions: {production: "1.30"}\n')
    policy = write(tmp_path / "ci" / "policy.yaml",
                   'kubernetes_version: "1.18"\nenvironment_versions: {production: "1.18"}\n')
    _, report = lint(root, "--policy", str(policy))
    assert report["kubernetes_versions"] == ["1.18"]
    [violation] = found(report, "policy-violation")
    assert violation["message"].startswith("environment_versions is set by the policy")
    assert (violation["path"], violation["line"]) == (".lintops.yaml", 1)
    # where the policy is silent, the repository describes its clusters
    policy.write_text('kubernetes_version: "1.18"\n')
    _, report = lint(root, "--policy", str(policy))
    assert report["kubernetes_versions"] == ["1.18", "1.30"] and not found(report, "policy-violation")


# -- the pieces ------------------------------------------------------------------------------------------------


def test_targets_answer_which_versions_an_environment_targets():
    targets = Targets.make(["1.29"], {"staging": ["1.31", "1.30", "1.30"], "prod-*": ["1.28"], "prod-eu": ["1.27"]})
    assert targets.for_environment(None) == ("1.29",)
    assert targets.for_environment("staging") == ("1.30", "1.31")
    assert targets.for_environment("prod-eu") == ("1.27",)  # exact before glob
    assert targets.for_environment("prod-us") == ("1.28",)
    assert targets.for_environment("qa") == ("1.29",)
    assert targets.versions == ("1.27", "1.28", "1.29", "1.30", "1.31") and targets.several
    options = Options(kubernetes_version="1.29", targets=targets)
    assert options.versions_for("staging") == ("1.30", "1.31") and options.kubernetes_versions == targets.versions
    assert Options(kubernetes_version="1.22").versions_for("staging") == ("1.22",)
    assert Targets(("1.10", "1.9")).versions == ("1.9", "1.10")  # numeric order, not text


def test_merging_keeps_apart_what_differs_beyond_the_target():
    found = [
        ("1.20", Violation("/apiVersion", "X is not served by Kubernetes 1.20; use A once the cluster runs 1.21")),
        ("1.21", Violation("/apiVersion", "X is not served by Kubernetes 1.21; use A")),
        ("1.22", Violation("/apiVersion", "X is not served by Kubernetes 1.22; use A")),
        ("1.22", Violation("/spec", "unknown field 'x'", at_key=True)),
    ]
    merged = merge_targets(found)
    assert [(v.message, v.kubernetes_versions) for v in merged] == [
        ("X is not served by Kubernetes 1.20; use A once the cluster runs 1.21", ("1.20",)),
        ("X is not served by Kubernetes 1.21 and 1.22; use A", ("1.21", "1.22")),
        ("unknown field 'x'", ("1.22",)),
    ]
