"""The built-in renderers' work (Helm charts, Kustomize roots), and the input type of a file a renderer claims.

The renderer classes are registered in :mod:`lintops.builtin_plugin` (the contract is
:class:`lintops.hookspecs.Renderer`); they are asked on every run which files they claim, so they stay
small and call these functions, which import Helm and Kustomize only when something is rendered.
Every function reads only inside the input's root, at the run's size cap (:func:`confinement`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .discover import display_path
from .files import LintedRoot

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import Options
    from .discover import ChartInput, KustomizeInput
    from .rendered import RenderResult, RenderRoot


@dataclass(frozen=True)
class ClaimedInput:
    """A file discovery listed that a renderer's ``claims`` matched: rendered by that renderer, not parsed."""

    display: str
    path: Path
    #: The name the renderer is registered under.
    renderer: str
    #: What the file (and whatever the renderer reads beside it) must stay inside.
    root: LintedRoot | None = None


def shown(options: Options) -> Callable[[Path], str]:
    """How a renderer names a path in what it reports: relative to the run's base directory."""
    base = options.base_dir or Path.cwd()
    return lambda path: display_path(path, base)


def confinement(item: Any, options: Options) -> LintedRoot:
    """What a renderer's inputs must stay inside (the input's root, else the repository), at the run's cap."""
    root = getattr(item, "root", None)
    return (root or LintedRoot(options.base_dir or Path.cwd())).with_cap(options.limits.max_file_bytes)


def render_chart(item: ChartInput, options: Options, crds: Sequence[Mapping[str, Any]]) -> RenderResult:
    """A Helm chart: once per ArgoCD Application that deploys the chart, with that Application's values files,
    inline values, parameters, release name and namespace, its destination as the environment; a chart no
    Application names once per ``values-<env>.yaml`` beside it.

    A chart is rendered for the cluster each environment deploys to: ``.Capabilities.KubeVersion`` and
    ``.Capabilities.APIVersions`` are those of the environment's target versions (one render per version;
    :mod:`lintops.inputs.helm.capabilities`), with the APIs of the run's CRDs, and a chart whose
    ``kubeVersion`` excludes a target is a problem at that line instead of a render for it."""
    from . import helm
    from .helm.capabilities import crd_api_versions
    from .rendered import RenderResult

    display, within = shown(options), confinement(item, options)
    targets = {"versions": options.versions_for, "api_versions": crd_api_versions(crds)}
    if not item.applications:
        result = helm.render_chart(item.directory, display=display, config=options.helm, within=within,
                                   **targets)
        environments = helm.find_environments(item.directory, options.helm, display=display)
        result.roots.extend(_chart_root(item, environment, display) for environment in environments)
        return result
    result = RenderResult()
    for app in item.applications:
        environment = helm.ChartEnvironment(app.environment, tuple(app.value_files))
        rendered = helm.render_chart(item.directory, display=display, config=options.helm,
                                     environments=[environment], extra_values=app.values or None,
                                     release_name=app.release_name, namespace=app.namespace, within=within,
                                     **targets)
        result.sources.extend(_deployed_by(rendered.sources, (app,)))
        result.problems.extend(rendered.problems)
        result.roots.append(_chart_root(item, environment, display))
    return result


def _chart_root(item: ChartInput, environment: Any, display: Any) -> RenderRoot:
    """A chart environment as the accounting names it; an empty render points at its values file."""
    from .rendered import RenderRoot

    name = item.display if environment.name is None else f"{item.display} (environment {environment.name})"
    where = environment.values_files[0] if environment.values_files else item.directory / "Chart.yaml"
    return RenderRoot(name, environment.name, display(Path(where)))


def render_root(item: KustomizeInput, options: Options, crds: Sequence[Mapping[str, Any]]) -> RenderResult:
    """A Kustomize root: once, with the image overrides of the ArgoCD Applications that deploy the root; a
    kustomization no root of the run uses (a Component no overlay uses) on its own
    (:mod:`lintops.inputs.kustomize.unused`). The targets, CRDs and ``helm:`` configuration reach an
    overlay's ``helmCharts``, rendered as any chart is."""
    display, within = shown(options), confinement(item, options)
    images = [image for app in item.applications for image in app.images] or None
    environment = item.applications[0].environment if len(item.applications) == 1 else None
    if item.unused:  # no root of the run pulls it in (a Component no overlay uses): linted on its own
        from .kustomize.unused import render_unused

        return render_unused(item.directory, display=display, environment=environment, images=images,
                             within=within, covered=item.covered,
                             versions=options.versions_for, crds=crds, helm=options.helm)
    from . import kustomize

    result = kustomize.render_kustomization(item.directory, display=display, environment=environment,
                                            images=images, within=within,
                                            versions=options.versions_for, crds=crds, helm=options.helm)
    result.sources[:] = _deployed_by(result.sources, item.applications)
    return result


def _deployed_by(sources: list[Any], applications: Sequence[Any]) -> list[Any]:
    """``sources`` (rendered texts) marked with the Applications they were rendered for (``Source.applications``)."""
    if not applications:
        return sources
    deployers = tuple(app.deployer for app in applications)
    for rendered in sources:
        rendered.source = replace(rendered.source, applications=deployers)
    return sources
