"""The stages of lintops.pipeline called alone, without the engine that composes them."""

from __future__ import annotations

from dataclasses import replace

from builders import deployment
from lintops.baseline import Baseline, Entry
from lintops.catalog import available_checks, builtin_rule_specs
from lintops.config.settings import Config, ConfigExemption, PathOverride, RuleOverride
from lintops.exemptions import ExemptionPolicy
from lintops.fingerprint import fingerprints
from lintops.inputs.manifests import resources_from
from lintops.model import Finding, Location, Severity
from lintops.parse.stream import parse_text
from lintops.pipeline.check import check_resource
from lintops.pipeline.filter import filter_findings
from lintops.pipeline.state import Pending, RunState, settled
from lintops.rules import bind
from lintops.run_context import Options

DEPLOYMENT = deployment(pod_spec="containers:\n  - name: app\n    image: nginx:latest", layout="block",
                        annotations='{lintops.io/ignore-pinned-image-tag: "vendor image, pinned upstream"}')


def state(config: Config | None = None, baseline: Baseline | None = None) -> RunState:
    rules = bind([s for s in builtin_rule_specs() if s.enabled], available_checks())
    return RunState(rules, Options(), ExemptionPolicy(config or Config()), baseline)


def finding(rule: str = "resource-limits", path: str = "apps/web.yaml", line: int = 3) -> Finding:
    return Finding(rule, Severity.ERROR, f"{rule} at {line}", Location(path, line, 1), pointer="/spec")


def test_the_check_stage_hands_on_a_resources_findings_with_its_annotations_and_the_filter_applies_them():
    run = state()
    [resource] = resources_from(parse_text(DEPLOYMENT, "apps/web.yaml")).resources
    pending = check_resource(run, resource)
    tag = next(item for item in pending if item.finding.rule_id == "pinned-image-tag")
    assert tag.exempt and tag.annotations and tag.finding.suppressed is False  # exempted by the filter stage
    (line, column) = tag.finding.location.line, tag.finding.location.column
    assert DEPLOYMENT.splitlines()[line - 1][column - 1:tag.finding.end_column - 1] == "nginx:latest"
    [kept] = [f for f in filter_findings(run, pending) if f.rule_id == "pinned-image-tag"]
    assert kept.suppressed and kept.suppression_reason == "annotation: vendor image, pinned upstream"
    assert not run.internal_errors


def test_a_finding_that_skips_exemptions_meets_neither_overrides_nor_exemptions():
    config = Config(overrides=(PathOverride(("apps/**",), {"resource-limits": RuleOverride(enabled=False)}),),
                    exemptions=(ConfigExemption(("liveness-probe",), "tracked in OPS-1"),))
    run = state(config)
    off, exempted = finding("resource-limits"), finding("liveness-probe")
    assert filter_findings(run, [Pending(off), Pending(exempted)]) == [
        replace(exempted, suppressed=True, suppression_reason="config: tracked in OPS-1")]
    assert filter_findings(run, [Pending(off, exempt=False), Pending(exempted, exempt=False)]) == [off, exempted]


def test_the_baseline_meets_a_batch_as_one_and_only_when_asked():
    first, second = finding(line=3), finding(line=9)
    # one node, two messages: within one batch each has its own fingerprint (lintops.fingerprint)
    values = fingerprints([first, second])
    entry = Entry(values[0], first.rule_id, first.location.path, first.message, Location("baseline.json", 1, 1))
    run = state(baseline=Baseline("baseline.json", [entry]))
    assert [f.suppressed for f in filter_findings(run, settled([first, second]), baseline=False)] == [False, False]
    assert [f.suppressed for f in filter_findings(run, settled([first, second]))] == [True, False]
    assert run.baseline.matched == {values[0]}
