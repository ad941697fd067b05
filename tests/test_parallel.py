"""Worker processes give the same findings and counts as one process.

The order differs in one respect only: a finding a check held back until its CRD was read comes
with its own file's report from a worker, and after the last file from one process.
"""

from __future__ import annotations

import sys

import pytest
from conftest import FIXTURES, write

from lintops import parallel
from lintops.runner import Settings, prepare

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


def test_workers_agree_with_one_process(tmp_path, monkeypatch):
    _tree(tmp_path)
    monkeypatch.setattr(parallel, "MIN_FILES", 5)
    monkeypatch.setattr(parallel, "CHUNK_FILES", 7)
    used = []
    original = parallel.lint_parallel
    monkeypatch.setattr(parallel, "lint_parallel", lambda *a: used.append(True) or original(*a))
    one = _run(tmp_path, 1)
    many = _run(tmp_path, 2)
    assert used, "the run did not use worker processes"
    assert sorted(many[0]) == sorted(one[0])
    assert many[1] == one[1]
    rules = {f[3] for f in one[0]}
    assert {"schema", "pinned-image-tag"} <= rules
    assert any(f[0].endswith("a-training.yaml") and f[3] == "schema" for f in one[0])  # CRD from another file applied
    assert many[2].failed == one[2].failed


def test_workers_apply_the_baseline_and_report_stale_entries(tmp_path, monkeypatch, cli):
    _tree(tmp_path)
    monkeypatch.setattr(parallel, "MIN_FILES", 5)
    monkeypatch.chdir(tmp_path)
    assert cli("baseline", ".", "--jobs", "1").exit_code == 0
    write(tmp_path / "apps" / "app-01.yaml", DEPLOYMENT.format(i=1, tag="1.19.10").replace("imagePulPolicy",
                                                                                          "imagePullPolicy"))
    one = _run(tmp_path, 1, ".lintops-baseline.json")
    many = _run(tmp_path, 2, ".lintops-baseline.json")
    assert sorted(many[0]) == sorted(one[0])
    assert any(f[3] == "baseline-stale" for f in one[0])
    assert one[2].failed is False and many[2].failed is False
