"""The render stage: every input that is not a plain file, rendered by the renderer registered for it.

The renderers are the run's registry (``Options.renderers``: what the plugins registered through the
``lintops_renderers`` hook, the built-in Helm and Kustomize renderers among them; the contract is
:class:`lintops.hookspecs.Renderer`): each chart, Kustomize root and file a renderer claimed
(:meth:`lintops.catalog.Catalog.claim`) goes to the first renderer that takes it. Every result has the
credentials its messages quote masked (:mod:`lintops.redact`), whoever rendered it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .discover import InputFile

if TYPE_CHECKING:  # pragma: no cover
    from ..hookspecs import Renderer
    from ..run_context import Options
    from .rendered import RenderResult


def render_input(item: Any, options: Options, crds: Sequence[Mapping[str, Any]] = ()) -> RenderResult:
    """Render one chart, Kustomize root or claimed file for the run's targets, with the renderer registered for it.

    ``crds`` are the bodies of the run's CustomResourceDefinitions (the plain inputs' ones, which
    include each chart's ``crds/``): a chart's templates see their APIs in
    ``.Capabilities.APIVersions``, as on a cluster where they are installed.
    """
    result = renderer_for(item, options.renderers or builtin_renderers())().render(item, options, crds)
    if result.problems:  # an address quoted in a message keeps no credential (lintops.redact)
        from ..redact import mask_problems

        result.problems[:] = mask_problems(result.problems)
    return result


def renderer_for(item: Any, renderers: Mapping[str, type[Renderer]]) -> type[Renderer]:
    """The first registered renderer that takes ``item`` (the one that claimed it, for a claimed file)."""
    for name in renderers:
        if renderers[name].takes(item):
            return renderers[name]
    raise LookupError(f"no renderer takes {type(item).__name__} inputs (renderers: {', '.join(renderers)})")


def builtin_renderers() -> Mapping[str, type[Renderer]]:
    """The built-in renderers alone (a run's options without a registry: tests, tools)."""
    from .. import builtin_plugin
    from ..plugins import Registry

    registry = Registry("renderer")
    registry.add(builtin_plugin.lintops_renderers(), "the built-ins")
    return registry


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
