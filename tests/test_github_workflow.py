"""The GitHub Actions workflow (ci/github/lintops.yml): its keys, and its `run:` steps run literally with bash, as
a runner runs them (``bash --noprofile --norc -eo pipefail``, the workflow's ``env:``, ``GITHUB_ENV`` applied
between steps), in a real clone of a repository whose pull request adds a privileged Pod: annotations on the
standard output, a SARIF report linking each rule's page at the pinned revision, the diff on the summary page.
The ``uses:`` steps (checkout, setup-python, the SARIF upload) and the pip install are what the runner provides;
lintops is the current checkout's, and nothing touches the network."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO, write

WORKFLOW = REPO / "ci" / "github" / "lintops.yml"
REVISION = "0123456789abcdef0123456789abcdef01234567"
REPOSITORY = "https://github.com/platform/lintops"
BASE_POD = """\
apiVersion: v1
kind: Pod
metadata: {name: legacy}
spec:
  containers:
    - name: app
      image: nginx:latest
"""
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


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def step(workflow: dict, job: str, name: str) -> dict:
    return next(s for s in steps(workflow, job) if s.get("name") == name)


# -- the keys -------------------------------------------------------------------------------------------------


def test_it_runs_on_pull_requests_with_least_privilege(workflow):
    assert "pull_request" in workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["jobs"]["lintops"]["permissions"] == {"contents": "read", "security-events": "write",
                                                          "actions": "read"}
    assert workflow["jobs"]["lintops-diff"]["permissions"] == {"contents": "read"}


@pytest.mark.parametrize("job", ["lintops", "lintops-diff"])
def test_each_job_checks_out_the_whole_history_with_python_311_and_installs_a_pinned_revision(workflow, job):
    uses = [s["uses"] for s in steps(workflow, job) if "uses" in s]
    assert uses[:2] == ["actions/checkout@v4", "actions/setup-python@v5"]
    checkout, python = steps(workflow, job)[:2]
    assert checkout["with"] == {"fetch-depth": 0}
    assert python["with"] == {"python-version": "3.11"}
    install = step(workflow, job, "Install lintops")["run"]
    assert install == 'pip install --quiet "lintops[helm] @ git+${LINTOPS_REPOSITORY%/}@${LINTOPS_REVISION}"'
    assert step(workflow, job, "Check the settings") == step(workflow, "lintops", "Check the settings")
    assert workflow["env"] == {"LINTOPS_REPOSITORY": "https://github.com/OWNER/lintops",
                               "LINTOPS_REVISION": "FULL_COMMIT_SHA"}


def test_the_sarif_report_the_check_writes_is_the_one_uploaded_even_when_the_check_fails(workflow):
    lint = step(workflow, "lintops", "Lint what the pull request changes")["run"]
    command = next(line for line in lint.splitlines() if line.startswith("lintops check"))
    assert ('--changed-since "origin/$GITHUB_BASE_REF" --format github --report sarif=lintops.sarif' in command
            and '--policy "$policy"' in command)
    upload = step(workflow, "lintops", "Upload the SARIF report to code scanning")
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    assert upload["if"].startswith("always()") and "hashFiles('lintops.sarif')" in upload["if"]
    assert upload["with"]["sarif_file"] == command.split("--report sarif=", 1)[1].split()[0]
    diff = step(workflow, "lintops-diff", "Compare with the base branch")["run"]
    assert '--base "origin/$GITHUB_BASE_REF" --report markdown=lintops-diff.md' in diff
    assert 'cat lintops-diff.md >> "$GITHUB_STEP_SUMMARY"' in diff
    assert "${{" not in WORKFLOW.read_text().split("\nname: lintops", 1)[1]  # no expression pasted into a script


# -- the steps, run --------------------------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    environment = {**os.environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@example.com",
                   "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@example.com", "GIT_CONFIG_NOSYSTEM": "1",
                   "HOME": str(cwd.parent)}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=environment,
                          timeout=60).stdout


@pytest.fixture
def pull_request(tmp_path) -> Path:
    """A clone (as actions/checkout with fetch-depth 0 leaves it) of a repository whose main has a Pod with
    findings and whose pull request adds a privileged Pod and tries to move the rule links elsewhere."""
    origin, seed = tmp_path / "origin.git", tmp_path / "seed"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(origin))
    seed.mkdir()
    git(seed, "init", "--quiet", "--initial-branch=main")
    write(seed / "legacy.yaml", BASE_POD)
    write(seed / ".lintops.yaml", 'kubernetes_version: "1.29"\n')
    git(seed, "add", ".")
    git(seed, "commit", "--quiet", "-m", "base")
    git(seed, "remote", "add", "origin", str(origin))
    git(seed, "push", "--quiet", "origin", "main")
    git(seed, "checkout", "--quiet", "-b", "feature")
    write(seed / "pod.yaml", PRIVILEGED)
    write(seed / ".lintops.yaml", 'kubernetes_version: "1.29"\nrule_docs_url: https://lintops.example.net/rules\n')
    git(seed, "add", ".")
    git(seed, "commit", "--quiet", "-m", "add the agent")
    git(seed, "push", "--quiet", "origin", "feature")
    clone = tmp_path / "workspace"
    git(tmp_path, "clone", "--quiet", "--branch", "feature", str(origin), str(clone))
    return clone


class Runner:
    """Runs `run:` steps as GitHub's runner does: bash -eo pipefail, the environment, GITHUB_ENV between steps."""

    def __init__(self, workflow: dict, workspace: Path, **env: str) -> None:
        temp = workspace.parent / "runner-temp"
        temp.mkdir(exist_ok=True)
        self.files = {name: workspace.parent / f"{name.lower()}.txt" for name in ("GITHUB_ENV", "GITHUB_STEP_SUMMARY")}
        for path in self.files.values():
            path.write_text("")
        self.workspace = workspace
        self.env = {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",  # this checkout's lintops
            "HOME": str(workspace.parent), "LANG": "C.UTF-8", "GITHUB_ACTIONS": "true", "CI": "true",
            "GITHUB_EVENT_NAME": "pull_request", "GITHUB_BASE_REF": "main", "GITHUB_HEAD_REF": "feature",
            "GITHUB_WORKSPACE": str(workspace), "RUNNER_TEMP": str(temp),
            **{name: str(path) for name, path in self.files.items()},
            **{key: str(value) for key, value in workflow["env"].items()},
            **env,
        }

    def run(self, script: str) -> subprocess.CompletedProcess:
        script_file = self.workspace.parent / "step.sh"
        script_file.write_text(script)
        result = subprocess.run([shutil.which("bash") or "bash", "--noprofile", "--norc", "-eo", "pipefail",
                                 str(script_file)], cwd=self.workspace, env=self.env, capture_output=True, text=True,
                                timeout=300)
        for line in self.files["GITHUB_ENV"].read_text().splitlines():  # what the runner does after each step
            name, _, value = line.partition("=")
            self.env[name] = value
        return result


def test_the_settings_step_stops_at_once_while_a_placeholder_is_left(workflow, pull_request):
    check = step(workflow, "lintops", "Check the settings")["run"]
    result = Runner(workflow, pull_request).run(check)
    assert result.returncode == 1 and "::error::set LINTOPS_REPOSITORY" in result.stdout
    result = Runner(workflow, pull_request, LINTOPS_REPOSITORY=REPOSITORY).run(check)
    assert result.returncode == 1 and "::error::set LINTOPS_REVISION" in result.stdout
    result = Runner(workflow, pull_request, LINTOPS_REPOSITORY=REPOSITORY, LINTOPS_REVISION="main").run(check)
    assert result.returncode == 1 and "40 hex digits" in result.stdout


def test_the_lint_job_annotates_the_pull_request_and_writes_sarif_with_rule_links(workflow, pull_request):
    runner = Runner(workflow, pull_request, LINTOPS_REPOSITORY=REPOSITORY + "/", LINTOPS_REVISION=REVISION)
    results = {}
    for each in steps(workflow, "lintops"):
        if "run" in each and each["name"] != "Install lintops":
            results[each["name"]] = runner.run(each["run"])
    assert results["Check the settings"].returncode == 0, results["Check the settings"].stdout
    docs = f"{REPOSITORY}/blob/{REVISION}/docs/rules"
    assert runner.env["LINTOPS_RULE_DOCS_URL"] == docs
    lint = results["Lint what the pull request changes"]
    assert lint.returncode == 1, lint.stderr  # the pull request adds errors: the job fails
    annotations = [line for line in lint.stdout.splitlines() if line.startswith("::")]
    assert any(line.startswith("::error file=pod.yaml,line=8,col=37,title=privileged-container::container 'agent'"
                               " is privileged") for line in annotations), annotations
    assert any(line.startswith("::error file=.lintops.yaml,line=2,col=1,title=policy-violation::rule_docs_url is "
                               "not applied") for line in annotations), annotations
    assert not [line for line in annotations if "file=legacy.yaml" in line]  # unchanged: not linted
    sarif = json.loads((pull_request / "lintops.sarif").read_text())
    rules = {rule["id"]: rule for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    privileged = rules["privileged-container"]
    assert privileged["helpUri"] == f"{docs}/privileged-container.md"
    assert privileged["properties"]["tags"] == ["security", "pod-security", "kubernetes"]
    assert privileged["properties"]["security-severity"] == "8.0"
    assert "example.net" not in json.dumps(sarif)  # the branch's own rule_docs_url is not applied
    assert (REPO / "docs" / "rules" / "privileged-container.md").is_file()  # the page the link names
    results_by_rule = {result["ruleId"] for result in sarif["runs"][0]["results"]}
    assert {"privileged-container", "policy-violation"} <= results_by_rule


def test_the_diff_job_writes_the_markdown_report_on_the_summary_page(workflow, pull_request):
    runner = Runner(workflow, pull_request, LINTOPS_REPOSITORY=REPOSITORY, LINTOPS_REVISION=REVISION)
    write(pull_request / "lintops-diff.md", "planted by the branch\n")
    results = [runner.run(each["run"]) for each in steps(workflow, "lintops-diff")
               if "run" in each and each["name"] != "Install lintops"]
    assert results[0].returncode == 0
    diff = results[-1]
    assert diff.returncode == 1, diff.stderr  # it introduces findings
    summary = runner.files["GITHUB_STEP_SUMMARY"].read_text()
    assert summary.startswith("<!-- lintops diff -->\n### lintops diff")
    assert "planted by the branch" not in summary
    assert "privileged-container" in summary and "Pod" in summary and "agent" in summary
