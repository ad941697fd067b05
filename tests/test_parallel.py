"""Worker processes give the same findings and counts as one process.

The order differs in one respect only: a finding a check held back until its CRD was read comes
with its own file's report from a worker, and after the last file from one process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, write
from lintops import parallel
from lintops.runner import Settings, prepare

TESTS = Path(__file__).resolve().parent

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: app-{i}}}
spec:
  selector: {{matchLabels: {{app: a}}}}
  template:
    metadata: {{labels: {{app: a}}}}
    spec:
      containers:
      - name: app
        image: nginx:{tag}
        imagePulPolicy: Always
"""


def _tree(root):
    for i in range(40):
        write(root / f"apps/app-{i:02}.yaml", DEPLOYMENT.format(i=i, tag="latest" if i % 3 else "1.19.10"))
    kc = FIXTURES / "kubeconform"
    # a custom resource early in the order, its CRD late: held back in a worker, validated there
    write(root / "a-training.yaml", (kc / "test_crd.yaml").read_text().replace("maxRuntimeInSeconds", "maxRuntime"))
    write(root / "z-crd.yaml", (kc / "registry" / "sagemaker.aws.amazon.com_trainingjobs.yaml").read_text())
    argocd = FIXTURES / "argocd"
    for path in sorted(argocd.rglob("*.yaml")):
        write(root / "argocd" / path.relative_to(argocd), path.read_text())


def _run(root, jobs, baseline=None):
    run = prepare(Settings(paths=(str(root),), jobs=jobs, baseline=baseline))
    engine = run.engine()
    reports = list(engine.lint(run.discover([str(root)])))
    findings = [(f.location.path, f.location.line, f.location.column, f.rule_id, f.message, f.suppressed)
                for report in reports for f in report.findings]
    summary = engine.summary
    return findings, (summary.files, summary.objects, summary.errors, summary.warnings, summary.suppressed), engine


def _compare(root: str, baseline: str | None) -> None:
    """Run in a fresh interpreter (no thread-starting library loaded, so workers may fork)."""
    parallel.MIN_FILES = 5
    parallel.CHUNK_FILES = 7
    used = []
    original = parallel.lint_parallel
    parallel.lint_parallel = lambda *a: used.append(True) or original(*a)
    one = _run(root, 1, baseline)
    many = _run(root, 2, baseline)
    assert used, "the run did not use worker processes"
    assert sorted(many[0]) == sorted(one[0]), (set(many[0]) ^ set(one[0]))
    assert many[1] == one[1]
    assert many[2].failed == one[2].failed
    print(json.dumps({"findings": one[0], "failed": one[2].failed}))


def _compare_in_subprocess(root, baseline=None) -> dict:
    code = (f"import sys; sys.path.insert(0, {str(TESTS)!r}); import test_parallel; "
            f"test_parallel._compare({str(root)!r}, {baseline!r})")
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_workers_agree_with_one_process(tmp_path):
    _tree(tmp_path)
    report = _compare_in_subprocess(tmp_path)
    rules = {f[3] for f in report["findings"]}
    assert {"schema", "pinned-image-tag"} <= rules
    assert any(f[0] == "a-training.yaml" and f[3] == "schema" for f in report["findings"])  # CRD of another file


def test_workers_apply_the_baseline_and_report_stale_entries(tmp_path, monkeypatch, cli):
    _tree(tmp_path)
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    assert cli("baseline", ".", "--jobs", "1").exit_code == 0
    write(tmp_path / "apps" / "app-01.yaml", DEPLOYMENT.format(i=1, tag="1.19.10").replace("imagePulPolicy",
                                                                                          "imagePullPolicy"))
    report = _compare_in_subprocess(tmp_path, ".lintops-baseline.json")
    assert any(f[3] == "baseline-stale" for f in report["findings"])
    assert report["failed"] is False


ROLLOUT = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: canary}
spec:
  selector: {matchLabels: {app: a}}
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: app-1}
"""


def test_a_comment_exempts_the_findings_a_rollout_takes_from_a_deployment_another_worker_read(tmp_path):
    """The Rollout's share of a Deployment's findings is filtered after the last file, in this process: the
    exemption comments of the Deployment's file come home with its report, as its templates do."""
    _tree(tmp_path)
    write(tmp_path / "apps/app-01.yaml",
          DEPLOYMENT.format(i=1, tag="latest  # lintops: ignore[pinned-image-tag] pinned by the release"))
    write(tmp_path / "zz-rollout.yaml", ROLLOUT)
    report = _compare_in_subprocess(tmp_path)
    images = [f for f in report["findings"] if f[0] == "apps/app-01.yaml" and f[3] == "pinned-image-tag"]
    assert len(images) == 2 and all(f[5] for f in images), images
