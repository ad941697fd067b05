"""An example third-party plugin: a check, a rule pack that uses it, a reporter, a renderer, a workload kind."""

from __future__ import annotations

import re
from pathlib import Path

from lintops.checks.base import Check
from lintops.hookspecs import Renderer, hookimpl
from lintops.inputs.rendered import RenderedSource, RenderProblem, RenderResult, RenderRoot
from lintops.model import Source, Violation
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
    description = "The number of findings, on one line."

    def finish(self, summary):
        self.stream.write(f"findings={summary.findings}\n")


class EnvsubstRenderer(Renderer):
    """Renders ``*.envsubst.yaml`` templates: each ``${NAME}`` replaced by its value in ``vars.env`` beside the
    template (``NAME=value`` lines). A substitution stays on its line, so the rendered text's positions are
    the template's: a finding lands on the template, the file a person edits."""

    name = "example-envsubst"
    description = "envsubst-style templates (*.envsubst.yaml) with the variables of vars.env beside them."
    claims = ("*.envsubst.yaml",)

    def render(self, item, options, crds):
        within = self.within(item, options)
        raw = within.read(item.path)
        if not isinstance(raw, bytes):
            return RenderResult(problems=[RenderProblem(item.display, 1, 1, f"template {raw.message}")])
        variables = {}
        values_file = item.path.parent / "vars.env"
        if values_file.exists():
            values = within.read(values_file)
            if isinstance(values, bytes):
                for line in values.decode("utf-8", "replace").splitlines():
                    name, separator, value = line.partition("=")
                    if separator and not line.lstrip().startswith("#"):
                        variables[name.strip()] = value.strip()
        problems = []
        lines = raw.decode("utf-8", "replace").split("\n")
        for number, line in enumerate(lines, 1):
            for match in re.finditer(r"\$\{(\w+)\}", line):
                if match.group(1) not in variables:
                    problems.append(RenderProblem(item.display, number, match.start() + 1,
                                                  f"variable {match.group(1)} is not set in vars.env"))
        roots = [RenderRoot(item.display, None, item.display)]
        if problems:
            return RenderResult(problems=problems, roots=roots)
        text = re.sub(r"\$\{(\w+)\}", lambda m: variables[m.group(1)], "\n".join(lines))
        return RenderResult(sources=[RenderedSource(text, Source(item.display, origin=self.name))], roots=roots)


@hookimpl
def lintops_renderers():
    return [EnvsubstRenderer]


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
