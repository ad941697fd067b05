"""The JSON report is written as the run goes, byte for byte what writing it at the end gave.

Fingerprints tell apart findings of one path that share an identity (lintops.fingerprint), so a
report is written at once only when no later report can share one with it (``FileReport.final``);
from the first that may (objects a check holds back, renders, what checks held back, the tree's
policy violations) the findings wait for the summary. The oracle here is the report as it was
written before: every finding collected, fingerprints over all of them, one ``json.dumps(indent=2)``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from builders import crd, write
from conftest import REPO
from lintops.fingerprint import finding_fingerprints
from lintops.model import Finding, Location, ObjectRef, RunSummary, Severity
from lintops.reporters.base import RunInfo
from lintops.reporters.json import JsonReporter, finding_to_dict, summary_to_dict
from lintops.run_context import FileReport

RUN = RunInfo("0.1.0", "1.18", True)


def _as_before(reports: list[FileReport], summary: RunSummary, run: RunInfo = RUN) -> str:
    findings = [finding for report in reports for finding in report.findings]
    values = finding_fingerprints(findings)
    document = {"version": run.version, "kubernetes_version": run.kubernetes_version,
                "kubernetes_versions": list(run.versions), "strict": run.strict,
                "findings": [finding_to_dict(f, fp[0], fp, run.versions)
                             for f, fp in zip(findings, values, strict=True)],
                "summary": summary_to_dict(summary)}
    return json.dumps(document, indent=2) + "\n"


def _streamed(reports: list[FileReport], summary: RunSummary, run: RunInfo = RUN) -> tuple[str, list[str]]:
    stream = io.StringIO()
    reporter = JsonReporter(stream, run)
    after_each = []
    for report in reports:
        reporter.file_done(report)
        after_each.append(stream.getvalue())
    reporter.finish(summary)
    return stream.getvalue(), after_each


def _finding(path: str, message: str, line: int, name: str = "web") -> Finding:
    return Finding("schema", Severity.ERROR, message, Location(path, line, 3), pointer="/spec",
                   object=ObjectRef("apps/v1", "Deployment", "shop", name))


def test_final_reports_are_written_as_they_come_and_the_document_is_the_same() -> None:
    reports = [FileReport("a.yaml", [_finding("a.yaml", "bad é \ud800 😀", 4)]),
               FileReport("b.yaml", []),
               FileReport("c.yaml", [_finding("c.yaml", "x", 2), _finding("c.yaml", "y", 2)])]
    text, after_each = _streamed(reports, RunSummary(files=3))
    assert text == _as_before(reports, RunSummary(files=3))
    assert '"bad \\u00e9 \\ud800 \\ud83d\\ude00"' in after_each[0]  # written before the next file
    assert after_each[2].count('"rule"') == 3


def test_a_path_reported_again_later_gets_the_fingerprints_of_the_whole_run() -> None:
    # the same identity (rule, path, object, pointer) with another message in a later report of the
    # path: both messages are hashed in, as when every finding was collected first
    first = FileReport("a.yaml", [_finding("a.yaml", "one", 4)], final=False)
    later = FileReport("a.yaml", [_finding("a.yaml", "two", 9)], final=False)
    reports = [FileReport("0.yaml", [_finding("0.yaml", "zero", 1)]), first, FileReport("b.yaml", [
        _finding("b.yaml", "b", 1)]), later]
    text, after_each = _streamed(reports, RunSummary())
    assert text == _as_before(reports, RunSummary())
    assert '"zero"' in after_each[0] and '"one"' not in after_each[2]  # held from the first report not final
    document = json.loads(text)
    assert len({f["fingerprint"] for f in document["findings"]}) == 4


def test_no_finding_and_several_targets() -> None:
    run = RunInfo("0.1.0", "1.18", True, kubernetes_versions=("1.18", "1.29"))
    for reports in ([], [FileReport("a.yaml", [])]):
        assert _streamed(reports, RunSummary(), run)[0] == _as_before(reports, RunSummary(), run)


def _engine_reports(paths: list[str], **flags) -> tuple[list[FileReport], RunSummary]:
    from lintops.runner import Settings, prepare

    run = prepare(Settings(paths=tuple(paths), **flags))
    engine = run.engine()
    return list(engine.lint(run.discover(list(paths)))), engine.summary


WIDGET = ("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: shop}\n"
          "spec: {size: big, colour: red}\n")


def _tree(root: Path) -> Path:
    """Objects held back for a CRD that comes later (two Widgets of one name in a file), a Rollout that
    takes a Deployment's findings, and plain files around them."""
    write(root / "a.yaml", WIDGET + "---\n" + WIDGET.replace("big", "huge"))
    write(root / "b.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n"
                           "spec:\n  selector: {matchLabels: {app: web}}\n  template:\n"
                           "    metadata: {labels: {app: web}}\n    spec:\n"
                           "      containers: [{name: web, image: 'nginx:latest'}]\n---\n"
                           "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web, namespace: shop}\n"
                           "spec:\n  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n")
    write(root / "c.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: 1}\n")
    write(root / "z.yaml", crd("Widget", schema="type: object\nproperties:\n  spec:\n    type: object\n"
                                               "    properties:\n      size: {type: integer}\n"))
    return root


@pytest.mark.parametrize("where", ["examples", "tree"])
def test_a_run_streamed_is_the_report_written_at_the_end(where: str, tmp_path: Path) -> None:
    path = str(REPO / "examples") if where == "examples" else str(_tree(tmp_path))
    reports, summary = _engine_reports([path], jobs=1)
    assert any(not report.final for report in reports) if where == "tree" else True
    assert _streamed(reports, summary)[0] == _as_before(reports, summary)


def test_nothing_of_a_parsed_document_outlives_it_while_the_collector_is_paused(monkeypatch) -> None:
    """The engine pauses the cyclic collector for a run (lintops.engine): a reference cycle made per document
    (a builder keeping a bound method of itself) would never be freed, and memory would grow with the run."""
    import gc
    import weakref

    from lintops.parse import build, stream

    made: list[weakref.ref] = []

    class Watched(build.Builder):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            made.append(weakref.ref(self))

    monkeypatch.setattr(stream, "Builder", Watched)
    text = "---\n".join(f"kind: ConfigMap\nmetadata:\n  name: m{i}\ndata:\n  a: &x {{b: 1}}\n  c: *x\n"
                        if i % 2 else f"kind: ConfigMap\nmetadata:\n  name: m{i}\n" for i in range(20))
    enabled = gc.isenabled()
    gc.disable()
    try:
        for anchors in (text, text.replace("&x", "").replace("*x", "{b: 1}")):
            parsed = stream.stream_bytes(anchors.encode(), "a.yaml", is_json=False)
            assert [document.data["metadata"]["name"] for document in parsed.documents] == [
                f"m{i}" for i in range(20)]
            del parsed
        assert made and all(ref() is None for ref in made)
    finally:
        if enabled:
            gc.enable()


def test_the_tags_the_loader_remembers_stay_bounded() -> None:
    """Each plain scalar's tag is remembered (lintops.parse.loader), but not every unique value of a run."""
    from lintops.parse import loader, stream

    text = "---\n".join(f"kind: ConfigMap\nmetadata:\n  name: unique-{i}\ndata:\n  n: '{i}'\n"
                        for i in range(loader._TAGS_KEPT + 10))
    parsed = stream.stream_bytes(text.encode(), "a.yaml", is_json=False)
    assert sum(1 for _ in parsed.documents) == loader._TAGS_KEPT + 10
    assert len(loader.Loader._tags) <= loader._TAGS_KEPT


def test_a_run_keeps_no_object_per_deployment_or_per_file_without_comments(tmp_path: Path) -> None:
    """Until the last file is read the run keeps a key per Deployment (a later Rollout may name it), and the
    shared template that has nothing to take unless the Deployment's has findings or annotations; a file
    without exemption comments shares one empty list. A Rollout still takes what its Deployment had."""
    from conftest import rule_spec
    from lintops.catalog import available_checks
    from lintops.engine import Engine
    from lintops.inputs.discover import InputFile
    from lintops.pipeline.state import NO_DIRECTIVES
    from lintops.rules import bind
    from lintops.run_context import Options
    from lintops.workload_refs import NOTHING_TO_TAKE
    from lintops.workloads import WORKLOAD_POD_SPECS

    plain = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d{i}\nspec:\n  template:\n"
             "    metadata:\n      labels: {{app: a}}\n    spec:\n      containers: []\n")
    annotated = plain.replace("labels: {{app: a}}", "annotations: {{note: x}}").replace(
        "containers: []", "containers: [{{name: c, image: 'nginx:1.25'}}]")
    rollout = ("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: r\nspec:\n"
               "  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: d1}\n")
    (tmp_path / "a.yaml").write_text(plain.format(i=0) + "---\n" + annotated.format(i=1))
    (tmp_path / "b.yaml").write_text(rollout)
    rules = bind([rule_spec("workload-ref"), rule_spec("liveness-probe")], available_checks())
    engine = Engine(rules, Options(workloads=dict(WORKLOAD_POD_SPECS)))
    reports = list(engine.lint([InputFile(name, tmp_path / name) for name in ("a.yaml", "b.yaml")]))
    templates = engine.state.templates
    assert templates[(None, None, "d0")] is NOTHING_TO_TAKE
    assert templates[(None, None, "d1")].annotations == {"note": "x"} and templates[(None, None, "d1")].findings
    assert all(directives is NO_DIRECTIVES for directives in engine.state.directives.values()) and not NO_DIRECTIVES
    found = [(f.rule_id, f.location.path, f.object.kind) for r in reports for f in r.findings]
    assert ("liveness-probe", "a.yaml", "Rollout") in found  # what d1's template has, the Rollout takes
    assert not [f for f in found if f[0] == "workload-ref"]


def test_discovery_lets_go_of_each_file_once_handed_out(tmp_path: Path) -> None:
    """The walk lists every file before the first is linted (a Kustomize root may own any of them), but a run
    linting one file at a time keeps no record of the files it is done with."""
    import gc
    import weakref

    from lintops.inputs.discover import discover

    for number in range(3):
        (tmp_path / f"f{number}.yaml").write_text("kind: ConfigMap\n")
    handed: list[weakref.ref] = []
    names = []
    for item in discover([str(tmp_path)], base=tmp_path):
        gc.collect()
        assert all(ref() is None for ref in handed)  # the files before this one are gone
        handed.append(weakref.ref(item))
        names.append(item.display)
    assert names == ["f0.yaml", "f1.yaml", "f2.yaml"]
