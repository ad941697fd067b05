"""The built-ins, registered as a plugin like any other: checks, the rule pack, the reporters, the renderers
and the workload kinds, each kind as a third-party plugin registers it (lintops.hookspecs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .hookspecs import Renderer, hookimpl

if TYPE_CHECKING:  # pragma: no cover
    from .inputs.rendered import RenderResult
    from .run_context import Options


@hookimpl
def lintops_checks() -> Mapping[str, str]:
    from .checks import BUILTIN_CHECKS

    return BUILTIN_CHECKS


@hookimpl
def lintops_rule_dirs() -> Sequence[Path]:
    from .data import data_dir

    return [data_dir("rules")]


@hookimpl
def lintops_reporters() -> Mapping[str, str]:
    from .reporters import BUILTIN_REPORTERS

    return BUILTIN_REPORTERS


class HelmRenderer(Renderer):
    """Helm charts, rendered per environment and target version (:func:`lintops.inputs.renderers.render_chart`)."""

    name = "helm"
    description = "Helm charts (a directory with Chart.yaml), per environment and target version."

    @classmethod
    def takes(cls, item: Any) -> bool:
        from .inputs.discover import ChartInput

        return isinstance(item, ChartInput)

    def render(self, item: Any, options: Options, crds: Sequence[Mapping[str, Any]]) -> RenderResult:
        from .inputs.renderers import render_chart

        return render_chart(item, options, crds)


class KustomizeRenderer(Renderer):
    """Kustomize roots with their bases and helmCharts (:func:`lintops.inputs.renderers.render_root`)."""

    name = "kustomize"
    description = "Kustomize roots (a directory with kustomization.yaml), with their bases and helmCharts."

    @classmethod
    def takes(cls, item: Any) -> bool:
        from .inputs.discover import KustomizeInput

        return isinstance(item, KustomizeInput)

    def render(self, item: Any, options: Options, crds: Sequence[Mapping[str, Any]]) -> RenderResult:
        from .inputs.renderers import render_root

        return render_root(item, options, crds)


@hookimpl
def lintops_renderers() -> Sequence[type[Renderer]]:
    """Given as classes, not import paths: every run asks them what they claim, and they import nothing."""
    return [HelmRenderer, KustomizeRenderer]


@hookimpl
def lintops_workload_kinds() -> Mapping[str, str]:
    from .workloads import WORKLOAD_POD_SPECS

    return WORKLOAD_POD_SPECS
