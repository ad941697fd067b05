"""The render stage: charts and Kustomize roots to :class:`~lintops.inputs.rendered.RenderResult`.

This is where ArgoCD's map meets the renderers: a chart that Applications deploy is rendered once
per Application, with that Application's values files, inline values, parameters, release name and
namespace, its destination as the environment; a chart no Application names is rendered once per
``values-<env>.yaml`` beside it. A Kustomize root is rendered once, with the image overrides of the
Applications that deploy it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .discover import ChartInput, KustomizeInput, display_path
from .files import LintedRoot
from .rendered import RenderResult, RenderRoot

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import Options


def render_input(item: ChartInput | KustomizeInput, options: Options) -> RenderResult:
    base = options.base_dir or Path.cwd()

    def display(path: Path) -> str:
        return display_path(path, base)

    result = _render_chart(item, options, display) if isinstance(item, ChartInput) else \
        _render_kustomization(item, options, display)
    if result.problems:  # an address quoted in a message keeps no credential (lintops.redact)
        from ..redact import mask_problems

        result.problems[:] = mask_problems(result.problems)
    return result


def _render_chart(item: ChartInput, options: Options, display) -> RenderResult:
    from . import helm

    within = _within(item, options)
    if not item.applications:
        result = helm.render_chart(item.directory, display=display, config=options.helm, within=within)
        environments = helm.find_environments(item.directory, options.helm, display=display)
        result.roots.extend(_chart_root(item, environment, display) for environment in environments)
        return result
    result = RenderResult()
    for app in item.applications:
        environment = helm.ChartEnvironment(app.environment, tuple(app.value_files))
        rendered = helm.render_chart(item.directory, display=display, config=options.helm,
                                     environments=[environment], extra_values=app.values or None,
                                     release_name=app.release_name, namespace=app.namespace, within=within)
        result.sources.extend(rendered.sources)
        result.problems.extend(rendered.problems)
        result.roots.append(_chart_root(item, environment, display))
    return result


def _chart_root(item: ChartInput, environment, display) -> RenderRoot:
    """A chart environment as the accounting names it; an empty render points at its values file."""
    name = item.display if environment.name is None else f"{item.display} (environment {environment.name})"
    where = environment.values_files[0] if environment.values_files else item.directory / "Chart.yaml"
    return RenderRoot(name, environment.name, display(Path(where)))


def _render_kustomization(item: KustomizeInput, options: Options, display) -> RenderResult:
    from . import kustomize

    images = [image for app in item.applications for image in app.images] or None
    environment = item.applications[0].environment if len(item.applications) == 1 else None
    return kustomize.render_kustomization(item.directory, display=display, environment=environment, images=images,
                                          within=_within(item, options))


def _within(item: ChartInput | KustomizeInput, options: Options) -> LintedRoot:
    """What the renderer's inputs must stay inside (the input's root, else the repository), at the run's cap."""
    return (item.root or LintedRoot(options.base_dir or Path.cwd())).with_cap(options.limits.max_file_bytes)
