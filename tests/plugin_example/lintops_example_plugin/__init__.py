"""An example third-party plugin: a check, a rule pack that uses it, a reporter, a workload kind."""

from __future__ import annotations

from pathlib import Path

from lintops.checks.base import Check
from lintops.hookspecs import hookimpl
from lintops.model import Violation
from lintops.reporters.base import Reporter


class RequiredLabel(Check):
    """Fires when the object lacks the label named by the ``label`` parameter."""

    name = "example-required-label"
    params_schema = {
        "type": "object",
        "properties": {"label": {"type": "string"}},
        "required": ["label"],
        "additionalProperties": False,
    }

    def check(self, subject, ctx):
        labels = (subject.value.get("metadata") or {}).get("labels") or {}
        if self.params["label"] not in labels:
            yield Violation("/metadata", f"label '{self.params['label']}' is missing")


class Explode(Check):
    """Always raises: proves that a broken plugin is an internal error (exit 3), not a crash."""

    name = "example-explode"

    def check(self, subject, ctx):
        raise RuntimeError("this check is broken on purpose")


class CountReporter(Reporter):
    name = "example-count"

    def finish(self, summary):
        self.stream.write(f"findings={summary.findings}\n")


@hookimpl
def lintops_checks():
    return [RequiredLabel, Explode]


@hookimpl
def lintops_rule_dirs():
    return [Path(__file__).parent / "rules"]


@hookimpl
def lintops_reporters():
    return {"example-count": "lintops_example_plugin:CountReporter"}


@hookimpl
def lintops_workload_kinds():
    return {"Rollout": "/spec/template/spec"}
