"""One environment of a chart rendered for each of its targets: values, schema, missing dependencies, sources.

:func:`lintops.inputs.helm.render_chart` loads the chart once and then calls :func:`_render_environment`
per environment; everything that depends on the environment's values is decided here, in this order:
the values files are read and merged (a file that cannot be read stops the environment), the merged
values are checked against each chart's ``values.schema.json``, the dependencies Helm would use for
those values that no chart serves are found (before any template runs), then the chart is rendered
per target and the templates handed on, once where every target rendered them alike. Helm's own
messages quote values, so each environment's values are masked in them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ...model import Location, Source
from ...redact import Redactor
from ..rendered import NotLinted, RenderedSource, RenderProblem, RenderResult
from .backends import _INSTALL_HINT, _RenderFailure, _RenderLimit
from .chart_files import _document, _read_yaml
from .conditions import missing_for_binary, needed_missing
from .context import _Context
from .dependencies import Missing
from .environments import ChartEnvironment
from .locate import _Environment
from .values import _coalesce, _get, _Layer, _merge


def _render_environment(context: _Context, environment: ChartEnvironment, extra_values: Mapping[str, Any] | None,
                        extra_values_origin: Callable[[str], Location | None] | None, result: RenderResult,
                        targets: Sequence[str | None] = (None,),
                        condition_defaults: Mapping[str, Any] | None = None) -> None:
    """Render ``environment`` for each of ``targets`` into ``result`` (its sources, problems, what is not linted).

    ``condition_defaults`` are the charts' defaults before ``import-values``, which the dependencies'
    conditions see (None: the same as ``context.defaults``).
    """
    read = _environment_values(context, environment, extra_values, extra_values_origin, result)
    if read is None:
        return
    user, layers = read
    effective = _coalesce(user, context.defaults)
    env = _Environment(context, environment.name, user, effective, layers, {})
    result.problems.extend(_schema_problems_of(context, env, effective))
    # Helm's own messages quote values (`fail`, `required`, a template error): the environment's values
    # (files, an Application's inline values and parameters, the charts' defaults) are masked in them.
    secrets = Redactor()
    secrets.add_values(effective)
    # Before any template runs: the dependencies Helm would use for these values that no chart serves.
    missing = needed_missing(context.chart, _coalesce(user, condition_defaults)
                             if condition_defaults is not None else effective)
    refused = missing_for_binary(context.chart) if context.backend == "binary" else []
    if refused:  # helm template refuses the chart: it is not rendered for this environment
        missing = [*refused, *(m for m in missing if m not in refused)]
        _missing_problems(context, environment.name, missing, result,
                          f"; helm template refuses a chart whose listed dependencies are not all under charts/ "
                          f"(enabled or not), so chart '{context.chart.name}' produced no objects", rendered=False)
        return
    renders, plain = _render_targets(context, env, targets, secrets, result)
    failed = not renders and bool(plain)
    if missing:  # a failure without them is their consequence (a nil pointer in a template): they are reported
        suffix = "; its objects are not linted" if renders else \
            f"; the chart's templates did not render without its missing dependencies, so chart " \
            f"'{context.chart.name}' produced no objects" if failed else ""
        _missing_problems(context, environment.name, missing, result, suffix, rendered=bool(renders))
        plain = [] if failed else plain
    elif failed:  # nothing of the chart is linted for this environment: the finding says so
        plain = [replace(problem, message=f"{problem.message} (chart '{context.chart.name}' produced no objects: "
                                          f"nothing of it is linted)") for problem in plain]
        result.not_linted.append(NotLinted(_root_name(context, environment.name),
                                           f"the templates of chart '{context.chart.name}'"))
    result.problems.extend(plain)
    if renders:
        _hand_on(context, environment.name, renders, len(targets), result)


def _environment_values(context: _Context, environment: ChartEnvironment, extra_values: Mapping[str, Any] | None,
                        extra_values_origin: Callable[[str], Location | None] | None,
                        result: RenderResult) -> tuple[dict[str, Any], list[_Layer]] | None:
    """The environment's own values (its files in order, then an Application's) and every layer that may
    set a value, most specific first; None, with a problem, when a values file cannot be used."""
    display = context.display
    layers: list[_Layer] = []
    user: dict[str, Any] = {}
    for path in environment.values_files:
        path = Path(path).absolute()
        if not path.exists() and not path.is_symlink():  # a named pipe, a link out: refused when read
            result.problems.append(RenderProblem(display(path), 1, 1, f"values file of environment "
                                                 f"'{environment.name}' does not exist", environment.name))
            return None
        parsed, problem = _read_yaml(path, display, context.within)
        if problem is not None:
            result.problems.append(RenderProblem(problem.path, problem.line, problem.column, problem.message,
                                                 environment.name))
            return None
        document = _document(parsed)
        data = document.data if document is not None else {}
        if not isinstance(data, dict):
            result.problems.append(RenderProblem(display(path), 1, 1, "a values file must be a mapping",
                                                 environment.name))
            return None
        user = _merge(user, data)
        layers.insert(0, _Layer(display(path), data, document, environment_file=True))
    if extra_values:
        user = _merge(user, extra_values)
        layers.insert(0, _Layer("<application values>", dict(extra_values), None, environment_file=True,
                                origin=extra_values_origin or (lambda pointer: None)))
    layers.extend(context.default_layers)
    return user, layers


def _schema_problems_of(context: _Context, env: _Environment, effective: Mapping[str, Any]) -> list[RenderProblem]:
    """Each chart's ``values.schema.json`` against the values it sees (lintops validates, not Helm)."""
    from .schema import _schema_problems

    problems: list[RenderProblem] = []
    for chart in context.chart.all_charts():
        schema = chart.directory / "values.schema.json" if chart.directory is not None else None
        if schema is not None and schema.is_file():
            found, values = _get(effective, chart.prefix)
            if found:
                problems.extend(_schema_problems(schema, values, env, context.display, chart.prefix))
    return problems


def _render_targets(context: _Context, env: _Environment, targets: Sequence[str | None], secrets: Redactor,
                    result: RenderResult) -> tuple[list[_Environment], list[RenderProblem]]:
    """The environment rendered for each target: the renders that succeeded, and the render failures (each
    once, naming the targets it met when not all). A problem that names its target itself (a
    ``kubeVersion`` refusal) goes to ``result`` as it is."""
    renders: list[_Environment] = []
    plain: list[RenderProblem] = []
    problems: dict[RenderProblem, list[str]] = {}  # each problem, with the targets it occurred at
    for version in targets:
        target = env if version is None else env.for_target(context.capabilities(version))
        problem, named = _render_target(context, target, secrets)
        if problem is None:
            renders.append(target)
        elif named:
            result.problems.append(problem)
        elif version is None:
            plain.append(problem)
        else:
            problems.setdefault(problem, []).append(version)
    plain.extend(_name_targets(problems, targets))
    return renders, plain


def _hand_on(context: _Context, environment: str | None, renders: list[_Environment], targets: int,
             result: RenderResult) -> None:
    """The rendered templates as sources. A template that renders the same text for every target of the
    environment is linted once, against each of them (the engine asks the environment's versions); one
    that differs is linted per target, each text saying the version it was rendered for."""
    everywhere = len(renders) == targets
    for key in sorted({key for target in renders for key in target.outputs}):
        texts = [target.outputs.get(key) for target in renders]
        shared = everywhere and all(text == texts[0] for text in texts)
        for target, text in zip(renders[:1] if shared else renders, texts[:1] if shared else texts, strict=True):
            if text is None or key.endswith("NOTES.txt") or not text.strip() or not _has_content(text):
                continue
            source = Source(path=context.display_key(key), origin="helm", environment=environment)
            if not shared and target.capabilities is not None:
                source = replace(source, kubernetes_version=target.capabilities.version)
            result.sources.append(RenderedSource(text=text, source=source, locators=target.locators(key)))


def _render_target(context: _Context, env: _Environment, secrets: Redactor) -> tuple[RenderProblem | None, bool]:
    """Render one environment for its target (``env.capabilities``) into ``env.outputs``; else the problem,
    and whether its message names the target already."""
    from .kube_version import refusal

    display, name = context.display, env.name
    if env.capabilities is not None:
        refused = refusal(context.chart, env.capabilities.version)
        if refused is not None:
            line, column = context.chart.kube_version_at
            return RenderProblem(display(context.chart_dir / "Chart.yaml"), line, column, refused, name), True
    try:
        env.outputs = context.session().render(env.user, context.release, context.namespace, env.capabilities)
    except _RenderLimit as limit:  # a runaway template: the worker was replaced, the run goes on
        return context.problem_from_limit(limit, env.user, name, env.capabilities), False
    except _RenderFailure as failure:
        return secrets.redact_messages([context.problem_from_failure(str(failure), name)])[0], False
    except Exception as exc:  # the library failed to load, a broken installation
        return secrets.redact_messages([RenderProblem(
            display(context.chart_dir / "Chart.yaml"), 1, 1, f"cannot render the chart: {exc}; {_INSTALL_HINT}",
            name)])[0], False
    return None, False


def _root_name(context: _Context, environment: str | None) -> str:
    """The chart environment as the accounting names it (:func:`lintops.inputs.renderers._chart_root`)."""
    shown = context.display(context.chart_dir)
    return shown if environment is None else f"{shown} (environment {environment})"


def _missing_problems(context: _Context, environment: str | None, missing: Sequence[Missing], result: RenderResult,
                      suffix: str, *, rendered: bool) -> None:
    """A problem at each missing dependency's entry, and each one (with the chart's templates when nothing
    rendered) listed as not linted."""
    root = _root_name(context, environment)
    result.problems.extend(item.problem(environment, suffix) for item in missing)
    result.not_linted.extend(NotLinted(root, f"dependency '{item.dependency.key}' (not vendored)") for item in missing)
    if not rendered:
        result.not_linted.append(NotLinted(root, f"the templates of chart '{context.chart.name}'"))


def _name_targets(problems: Mapping[RenderProblem, list[str]], targets: Sequence[str | None]) -> list[RenderProblem]:
    """Each problem once; one that only some of the environment's targets met names them."""
    found = []
    for problem, versions in problems.items():
        if len(versions) < len(targets):
            shown = versions[0] if len(versions) == 1 else ", ".join(versions[:-1]) + " and " + versions[-1]
            problem = replace(problem, message=f"{problem.message} (rendering for Kubernetes {shown})")
        found.append(problem)
    return found


def _has_content(text: str) -> bool:
    return any(line.strip() and not line.lstrip().startswith("#") and line.strip() != "---"
               for line in text.splitlines())
