"""The render stage: charts and Kustomize roots to :class:`~lintops.inputs.rendered.RenderResult`.

This is where ArgoCD's map meets the renderers: a chart that Applications deploy is rendered once
per Application, with that Application's values files, inline values, parameters, release name and
namespace, its destination as the environment; a chart no Application names is rendered once per
``values-<env>.yaml`` beside it. A Kustomize root is rendered once, with the image overrides of the
Applications that deploy it.

A chart is rendered for the cluster each environment deploys to: ``.Capabilities.KubeVersion`` and
``.Capabilities.APIVersions`` are those of the environment's target versions (one render per
version; :mod:`lintops.inputs.helm.capabilities`), with the APIs of the run's CRDs, and a chart
whose ``kubeVersion`` excludes a target is a problem at that line instead of a render for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .discover import ChartInput, InputFile, KustomizeInput, display_path
from .files import LintedRoot
from .rendered import RenderResult, RenderRoot

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import Options


def render_input(item: ChartInput | KustomizeInput, options: Options,
                 crds: Sequence[Mapping[str, Any]] = ()) -> RenderResult:
    """Render one chart or Kustomize root for the run's targets.

    ``crds`` are the bodies of the run's CustomResourceDefinitions (the plain inputs' ones, which
    include each chart's ``crds/``): a chart's templates see their APIs in
    ``.Capabilities.APIVersions``, as on a cluster where they are installed.
    """
    base = options.base_dir or Path.cwd()

    def display(path: Path) -> str:
        return display_path(path, base)

    result = _render_chart(item, options, display, crds) if isinstance(item, ChartInput) else \
        _render_kustomization(item, options, display, crds)
    if result.problems:  # an address quoted in a message keeps no credential (lintops.redact)
        from ..redact import mask_problems

        result.problems[:] = mask_problems(result.problems)
    return result


def _render_chart(item: ChartInput, options: Options, display, crds: Sequence[Mapping[str, Any]]) -> RenderResult:
    from . import helm
    from .helm.capabilities import crd_api_versions

    within = _within(item, options)
    targets = {"versions": target_versions(options), "api_versions": crd_api_versions(crds)}
    if not item.applications:
        result = helm.render_chart(item.directory, display=display, config=options.helm, within=within, **targets)
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
        result.sources.extend(rendered.sources)
        result.problems.extend(rendered.problems)
        result.roots.append(_chart_root(item, environment, display))
    return result


def _chart_root(item: ChartInput, environment, display) -> RenderRoot:
    """A chart environment as the accounting names it; an empty render points at its values file."""
    name = item.display if environment.name is None else f"{item.display} (environment {environment.name})"
    where = environment.values_files[0] if environment.values_files else item.directory / "Chart.yaml"
    return RenderRoot(name, environment.name, display(Path(where)))


def target_versions(options: Options) -> Callable[[str | None], Sequence[str]]:
    """Which Kubernetes versions an environment's objects are rendered for: the run's answer for it
    (``Options.versions_for``: the ``-k`` versions, else the configuration's versions for that
    environment), the same versions its objects are then checked against."""
    return options.versions_for


def crd_bodies(files: Iterable[InputFile], options: Options) -> list[dict[str, Any]]:
    """The CustomResourceDefinitions among plain input files, for a run that renders without linting
    them (``lintops render``); a check run registers them as it lints the files. A file that cannot
    be read or parsed adds nothing (the check run reports it)."""
    from ..parse.stream import parse_text

    bodies: list[dict[str, Any]] = []
    for item in files:
        if item.path is None:  # standard input is the check run's
            continue
        try:
            raw = item.read_bytes(options.limits.max_file_bytes)
        except OSError:
            continue
        if b"CustomResourceDefinition" not in raw:
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        for document in parse_text(text, item.display, is_json=item.is_json, limits=options.limits).documents:
            data = document.data
            if isinstance(data, dict) and data.get("kind") == "CustomResourceDefinition" and \
                    str(data.get("apiVersion", "")).startswith("apiextensions.k8s.io/"):
                bodies.append(data)
    return bodies


def _render_kustomization(item: KustomizeInput, options: Options, display,
                          crds: Sequence[Mapping[str, Any]] = ()) -> RenderResult:
    from . import kustomize

    images = [image for app in item.applications for image in app.images] or None
    environment = item.applications[0].environment if len(item.applications) == 1 else None
    if item.unused:  # no root of the run pulls it in (a Component no overlay uses): linted on its own
        from .kustomize.unused import render_unused

        return render_unused(item.directory, display=display, environment=environment, images=images,
                             within=_within(item, options), covered=item.covered, versions=target_versions(options),
                             crds=crds, helm=options.helm)
    # the targets, CRDs and helm: configuration reach the overlay's helmCharts, rendered as any chart is
    return kustomize.render_kustomization(item.directory, display=display, environment=environment, images=images,
                                          within=_within(item, options), versions=target_versions(options),
                                          crds=crds, helm=options.helm)


def _within(item: ChartInput | KustomizeInput, options: Options) -> LintedRoot:
    """What the renderer's inputs must stay inside (the input's root, else the repository), at the run's cap."""
    return (item.root or LintedRoot(options.base_dir or Path.cwd())).with_cap(options.limits.max_file_bytes)
