"""Rule argocd-self-heal-staging: selfHeal outside staging needs a staging twin with automated sync."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lintops.catalog import available_checks
from lintops.checks.argocd_self_heal_staging import normalise_path, normalise_repo_url
from lintops.config.environments import EnvironmentPatterns
from lintops.engine import Engine
from lintops.inputs.discover import discover
from lintops.parse.stream import parse_text
from lintops.rules import bind, load_rule_file
from lintops.run_context import Options

ROOT = Path(__file__).resolve().parent.parent
RULE = load_rule_file(ROOT / "rules" / "argocd-self-heal-staging.yaml", "built-in")
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "argocd"
RULE_ID = "argocd-self-heal-staging"


def engine(environments=None) -> Engine:
    return Engine(bind([RULE], available_checks()), Options(environments=environments))


def lint_text(text: str, environments=None, path: str = "apps.yaml"):
    run = engine(environments)
    findings = [f for report in run.lint_text(text, path) for f in report.findings]
    assert run.internal_errors == []
    return findings


def lint_paths(*paths: Path, base: Path, environments=None):
    run = engine(environments)
    findings = [f for report in run.lint(discover([str(p) for p in paths], base=base)) for f in report.findings]
    assert run.internal_errors == []
    return findings


def app(name: str, *, namespace: str = "guestbook", path: str | None = "apps/guestbook/production",
        repo: str = "https://github.com/example/gitops.git", chart: str | None = None, automated: str | None = None,
        destination_name: str | None = None, labels: str | None = None, sources: str | None = None) -> str:
    """An Application as YAML text; ``automated`` is the flow mapping under syncPolicy (None: no policy)."""
    lines = ["apiVersion: argoproj.io/v1alpha1", "kind: Application", "metadata:", f"  name: {name}",
             "  namespace: argocd"]
    if labels:
        lines.append(f"  labels: {labels}")
    lines += ["spec:", "  project: default"]
    if sources:
        lines.append(sources.rstrip("\n"))
    else:
        lines += ["  source:", f"    repoURL: {repo}", "    targetRevision: HEAD"]
        lines.append(f"    chart: {chart}" if chart else f"    path: {path}")
    lines += ["  destination:", "    server: https://kubernetes.default.svc", f"    namespace: {namespace}"]
    if destination_name:
        lines[-2] = f"    name: {destination_name}"
    if automated is not None:
        lines += ["  syncPolicy:", f"    automated: {automated}"]
    return "\n".join(lines) + "\n"


PROD = app("guestbook-production", automated="{prune: true, selfHeal: true}")
STAGING = app("guestbook-staging", path="apps/guestbook/staging", automated="{prune: true}")


def docs(*texts: str) -> str:
    return "---\n".join(texts)


# -- the basic cases ----------------------------------------------------------------------------------


def test_fires_when_production_self_heals_and_no_staging_twin_exists():
    findings = lint_text(PROD)
    assert [(f.rule_id, f.location.line, f.location.column) for f in findings] == [(RULE_ID, 16, 40)]
    message = findings[0].message
    assert message.startswith("Application 'guestbook-production' self-heals in production "
                              "(source path 'apps/guestbook/production')")
    assert "repoURL 'https://github.com/example/gitops.git' with path 'apps/guestbook/staging'" in message
    assert findings[0].pointer == "/spec/syncPolicy/automated/selfHeal"
    assert str(findings[0].object) == "Application/argocd/guestbook-production"


def test_staging_twin_in_the_same_file_satisfies_it():
    assert lint_text(docs(PROD, STAGING)) == []
    assert lint_text(docs(STAGING, PROD)) == []  # order does not matter


def test_staging_twin_in_another_file_satisfies_it(tmp_path):
    (tmp_path / "production.yaml").write_text(PROD)
    (tmp_path / "staging").mkdir()
    (tmp_path / "staging" / "guestbook.yaml").write_text(STAGING)
    assert lint_paths(tmp_path, base=tmp_path) == []
    # a file named alone (pre-commit passes changed files) still sees its staging twin in the repository
    (tmp_path / ".git").mkdir()
    assert lint_paths(tmp_path / "production.yaml", base=tmp_path) == []
    # without the staging file the production file is reported, with its own path
    (tmp_path / "staging" / "guestbook.yaml").unlink()
    findings = lint_paths(tmp_path / "production.yaml", base=tmp_path)
    assert [(str(f.location), f.rule_id) for f in findings] == [("production.yaml:16:40", RULE_ID)]


def test_files_linted_one_by_one_then_finished_share_the_run():
    run = engine()
    reports = [run.lint_parsed(parse_text(PROD, "prod.yaml")), run.lint_parsed(parse_text(STAGING, "stage.yaml"))]
    reports += list(run.finish())
    assert [f for r in reports for f in r.findings] == []


def test_staging_twin_without_automated_sync_fires_and_is_named():
    manual = app("guestbook-staging", path="apps/guestbook/staging")
    findings = lint_text(docs(PROD, manual))
    assert len(findings) == 1
    assert findings[0].message.endswith(
        "; the staging Application 'guestbook-staging' deploys it without automated sync")


def test_staging_twin_with_automated_sync_disabled_fires():
    disabled = app("guestbook-staging", path="apps/guestbook/staging", automated="{enabled: false}")
    assert len(lint_text(docs(PROD, disabled))) == 1
    enabled = app("guestbook-staging", path="apps/guestbook/staging", automated="{enabled: true}")
    assert lint_text(docs(PROD, enabled)) == []


@pytest.mark.parametrize("automated", ["{selfHeal: false}", "{prune: true}", "{}", "{enabled: false, selfHeal: true}",
                                       'null', '{selfHeal: "true"}'])
def test_no_finding_when_self_heal_is_not_on(automated):
    assert lint_text(app("guestbook-production", automated=automated)) == []


def test_no_finding_without_sync_policy():
    assert lint_text(app("guestbook-production")) == []


def test_staging_application_itself_may_self_heal():
    assert lint_text(app("guestbook-staging", path="apps/guestbook/staging", automated="{selfHeal: true}")) == []
    labelled = app("guestbook", path="apps/guestbook", labels="{env: staging}", automated="{selfHeal: true}")
    assert lint_text(labelled) == []


def test_the_twin_must_deploy_the_same_source():
    other_path = app("guestbook-staging", path="apps/other/staging", automated="{}")
    other_repo = app("guestbook-staging", path="apps/guestbook/staging", repo="https://github.com/example/other",
                     automated="{}")
    assert len(lint_text(docs(PROD, other_path))) == 1
    assert len(lint_text(docs(PROD, other_repo))) == 1


def test_a_production_twin_is_no_staging_twin():
    other_prod = app("guestbook-prod-eu", path="apps/guestbook/prod", automated="{}")
    assert len(lint_text(docs(PROD, other_prod))) == 1


def test_same_path_deployed_to_a_staging_namespace_is_a_twin():
    prod = app("guestbook", path="charts/guestbook", namespace="guestbook-prod", automated="{selfHeal: true}")
    stage = app("guestbook-stage", path="./charts/guestbook/", namespace="guestbook-stage", automated="{}")
    assert lint_text(docs(prod, stage)) == []


# -- sources: Helm charts, multi-source, repository URLs ---------------------------------------------


def test_helm_chart_sources_match_by_repository_and_chart():
    prod = app("redis-prod", chart="redis", repo="https://charts.bitnami.com/bitnami", automated="{selfHeal: true}")
    stage = app("redis-staging", chart="redis", repo="https://Charts.Bitnami.com/bitnami/", automated="{}")
    other_chart = app("redis-staging", chart="valkey", repo="https://charts.bitnami.com/bitnami", automated="{}")
    assert lint_text(docs(prod, stage)) == []
    findings = lint_text(docs(prod, other_chart))
    assert len(findings) == 1
    assert "repoURL 'https://charts.bitnami.com/bitnami' with chart 'redis'" in findings[0].message


MULTI_PROD = """\
  sources:
  - repoURL: https://charts.example.com
    chart: guestbook
    targetRevision: 1.2.0
    helm:
      valueFiles: [$values/guestbook/values-production.yaml]
  - repoURL: https://github.com/example/values.git
    targetRevision: main
    ref: values
  - repoURL: https://github.com/example/gitops.git
    path: extras/production
"""


def test_multi_source_twin_must_cover_every_deployable_source():
    prod = app("guestbook", namespace="guestbook", sources=MULTI_PROD, automated="{selfHeal: true}")
    # the values-only source (ref without path or chart) is not compared
    full = app("guestbook-staging", sources=MULTI_PROD.replace("production", "staging").replace(
        "https://github.com/example/values.git", "https://github.com/example/other-values.git"), automated="{}")
    assert lint_text(docs(prod, full)) == []
    chart_only = app("guestbook-staging", chart="guestbook", repo="https://charts.example.com", automated="{}")
    findings = lint_text(docs(prod, chart_only))
    assert len(findings) == 1
    message = findings[0].message
    assert "self-heals in production (source path 'extras/production')" in message
    assert ("looked for repoURL 'https://charts.example.com' with chart 'guestbook' and repoURL "
            "'https://github.com/example/gitops.git' with path 'extras/staging'") in message


def test_multi_source_production_matches_a_single_source_staging_twin():
    prod = app("guestbook-prod", sources="""\
  sources:
  - repoURL: https://charts.example.com
    chart: guestbook
  - repoURL: https://github.com/example/values.git
    ref: values
""", automated="{selfHeal: true}")
    stage = app("guestbook-staging", chart="guestbook", repo="https://charts.example.com", automated="{}")
    assert lint_text(docs(prod, stage)) == []


@pytest.mark.parametrize("a, b", [
    ("https://github.com/example/gitops.git", "https://GitHub.com/example/gitops/"),
    ("git@github.com:example/gitops.git", "https://github.com/example/gitops"),
    ("ssh://git@github.com:22/example/gitops.git", "https://github.com/example/gitops.git/"),
    ("registry-1.docker.io/bitnamicharts", "oci://registry-1.docker.io/bitnamicharts"),
])
def test_repo_urls_that_are_the_same_repository(a, b):
    assert normalise_repo_url(a) == normalise_repo_url(b)


def test_repo_urls_that_differ():
    assert normalise_repo_url("https://github.com/example/gitops") != normalise_repo_url("https://github.com/Example/gitops")
    assert normalise_repo_url("https://github.com/a/gitops") != normalise_repo_url("https://gitlab.com/a/gitops")
    assert normalise_repo_url(None) == ""


def test_paths_are_normalised():
    assert normalise_path("./apps//guestbook/") == "apps/guestbook"
    assert normalise_path(".") == normalise_path("") == normalise_path(None) == ""


# -- environments --------------------------------------------------------------------------------------


def test_environment_from_destination_name_and_label():
    prod = app("guestbook", path="apps/guestbook", destination_name="prod-eu1", automated="{selfHeal: true}")
    findings = lint_text(prod)
    assert "self-heals in production (destination name 'prod-eu1')" in findings[0].message
    labelled = app("guestbook", path="apps/guestbook", namespace="guestbook-staging", labels="{env: production}",
                   automated="{selfHeal: true}")
    assert "self-heals in production (label env 'production')" in lint_text(labelled)[0].message


def test_unknown_environment_is_treated_as_production():
    unknown = app("guestbook", path="apps/guestbook", automated="{selfHeal: true}")
    findings = lint_text(unknown)
    assert len(findings) == 1
    assert "cannot tell" in findings[0].message and "treated as production" in findings[0].message
    stage = app("guestbook-staging", path="apps/guestbook", namespace="guestbook-staging", automated="{}")
    assert lint_text(docs(unknown, stage)) == []


def test_preprod_is_not_production_nor_staging_by_default():
    preprod = app("guestbook", path="apps/guestbook/preprod", namespace="preprod", automated="{selfHeal: true}")
    findings = lint_text(preprod)
    assert len(findings) == 1 and "cannot tell" in findings[0].message
    # a preprod Application is no staging twin either
    prod = app("guestbook-prod", path="apps/guestbook/prod", automated="{selfHeal: true}")
    assert len(lint_text(docs(prod, app("guestbook-preprod", path="apps/guestbook/preprod", automated="{}")))) == 1


def test_ambiguous_namespace_lets_the_next_value_decide():
    # "production-tools-staging" names both environments: the destination server, then the path decide
    tools = app("tools", path="tools/staging", namespace="production-tools-staging", automated="{selfHeal: true}")
    assert lint_text(tools) == []
    tools_prod = app("tools", path="tools/prod", namespace="production-tools-staging", automated="{selfHeal: true}")
    assert "self-heals in production (source path 'tools/prod')" in lint_text(tools_prod)[0].message


def test_custom_environment_patterns_from_options():
    prod = app("guestbook-live", path="apps/guestbook/live", automated="{selfHeal: true}")
    stage = app("guestbook-stg", path="apps/guestbook/stg", automated="{}")
    # with the defaults neither is recognised: the "live" one is unknown, and "stg" is no staging twin
    assert len(lint_text(docs(prod, stage))) == 1
    custom = EnvironmentPatterns(staging=("stg",), production=("live",))
    assert lint_text(docs(prod, stage), environments=custom) == []
    # a plain mapping (the configuration's shape) works too
    assert lint_text(docs(prod, stage), environments={"staging": ["stg"], "production": ["live"]}) == []
    assert "self-heals in production (source path 'apps/guestbook/live')" in lint_text(prod, custom)[0].message


def test_preprod_as_staging_word_by_configuration():
    prod = app("guestbook-prod", path="apps/guestbook/prod", automated="{selfHeal: true}")
    preprod = app("guestbook-pre-prod", path="apps/guestbook/pre-prod", automated="{}")
    custom = {"staging": [r"stag(e|ing)", r"pre-?prod"]}
    assert lint_text(docs(prod, preprod), environments=custom) == []


# -- ApplicationSets -----------------------------------------------------------------------------------


def appset(elements: str, *, path: str = "apps/guestbook/{{.env}}", automated: str = "{selfHeal: true}",
           extra_generator: str = "") -> str:
    return f"""\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: guestbook
  namespace: argocd
spec:
  goTemplate: true
  generators:
  - list:
      elements: {elements}
{extra_generator}  template:
    metadata:
      name: 'guestbook-{{{{.env}}}}'
    spec:
      project: default
      source:
        repoURL: https://github.com/example/gitops.git
        targetRevision: HEAD
        path: '{path}'
      destination:
        server: https://kubernetes.default.svc
        namespace: guestbook
      syncPolicy:
        automated: {automated}
"""


def test_applicationset_list_with_staging_and_production_is_its_own_twin():
    assert lint_text(appset("[{env: staging}, {env: production}]")) == []


def test_applicationset_with_only_production_fires_at_the_template():
    findings = lint_text(appset("[{env: production}]"))
    assert [(f.location.line, f.location.column, f.pointer) for f in findings] == [
        (24, 31, "/spec/template/spec/syncPolicy/automated/selfHeal")]
    assert findings[0].message.startswith(
        "ApplicationSet 'guestbook' (generated Application 'guestbook-production') self-heals in production "
        "(source path 'apps/guestbook/production')")


def test_applicationset_generated_production_twinned_by_a_plain_application():
    assert lint_text(docs(appset("[{env: prod}]"), STAGING)) == []


def test_applicationset_staging_template_twins_a_production_application():
    stage_set = appset("[{env: staging}]", automated="{prune: true}")
    assert lint_text(docs(PROD, stage_set)) == []


def test_applicationset_with_other_generators_judges_the_template_as_written():
    git_set = appset("[]", path="apps/{{.path.basename}}").replace("  - list:\n      elements: []\n", """\
  - git:
      repoURL: https://github.com/example/gitops.git
      directories: [{path: 'apps/*'}]
""")
    findings = lint_text(git_set)
    assert len(findings) == 1
    assert findings[0].message.startswith(
        "ApplicationSet 'guestbook' (template 'guestbook-{{.env}}') self-heals in an environment set by generator "
        "parameters that lintops does not expand (treated as production)")
    # a template written for production is judged as production
    prod_set = git_set.replace("apps/{{.path.basename}}", "apps/{{.path.basename}}/production")
    assert "self-heals in production (source path 'apps/{{.path.basename}}/production')" in (
        lint_text(prod_set)[0].message)
    # the list elements that are expanded and the template as written are both judged
    mixed = appset("[{env: staging}]", path="apps/{{.path.basename}}/{{.env}}",
                   extra_generator="  - git: {repoURL: 'https://github.com/example/gitops.git'}\n")
    assert len(lint_text(mixed)) == 1


def test_applicationset_selector_filters_list_elements():
    selected = """\
  - list:
      elements: [{env: production}]
    selector:
      matchLabels: {env: staging}
"""
    assert lint_text(appset("[{env: staging}]", extra_generator=selected)) == []


# -- real ArgoCD examples and a repository layout ----------------------------------------------------


def test_upstream_example_application(tmp_path):
    shutil.copy(FIXTURES / "upstream-application.yaml", tmp_path / "application.yaml")
    findings = lint_paths(tmp_path, base=tmp_path)
    assert [str(f.location) for f in findings] == ["application.yaml:29:17"]
    assert "self-heals in production (Helm values file 'values-prod.yaml')" in findings[0].message
    assert "with path 'guestbook'" in findings[0].message


def test_upstream_example_applicationset(tmp_path):
    assert lint_paths(FIXTURES / "upstream-applicationset.yaml", base=FIXTURES) == []


def test_repository_layout_with_staging_and_production_folders():
    repo = FIXTURES / "repo"
    assert lint_paths(repo, base=repo) == []
    findings = lint_paths(repo / "apps" / "production", base=repo)
    assert [(str(f.location), f.object.name) for f in findings] == [
        ("apps/production/guestbook.yaml:18:17", "guestbook"),
        ("apps/production/guestbook.yaml:36:17", "redis"),
    ]
    assert "destination name 'prod-eu1'" in findings[0].message
    assert "path 'overlays/staging/guestbook'" in findings[0].message


def test_only_argoproj_objects_are_held():
    other = PROD.replace("argoproj.io/v1alpha1", "example.com/v1")
    assert lint_text(other) == []


def test_finish_forgets_what_it_reported():
    run = engine()
    first = [f for r in run.lint_text(PROD, "a.yaml") for f in r.findings]
    second = list(run.finish())
    assert len(first) == 1 and second == []
