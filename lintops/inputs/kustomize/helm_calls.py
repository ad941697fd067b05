"""The ``helm`` command lines kustomize runs for a ``helmCharts`` entry, read back into what they ask.

kustomize v5 builds them in ``HelmChart.AsHelmArgs`` (``api/types/helmchartargs.go``): ``template``,
the release name or ``--generate-name``, the chart directory ``<chartHome>/<name>``, ``--namespace``,
``--name-template``, ``-f`` for its merged values file and then for each additional values file,
``--api-versions`` for each entry, ``--kube-version``, ``--include-crds``, ``--skip-tests``,
``--no-hooks``, ``--debug``. Anything else is not a call lintops answers. The values of a call are
its ``-f`` files merged as Helm merges them (:func:`helm_merge`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

_VALUED = frozenset({"--namespace", "--name-template", "-f", "--values", "--api-versions", "--kube-version"})
_SWITCHES = frozenset({"--generate-name", "--include-crds", "--skip-tests", "--no-hooks", "--debug"})


@dataclass
class HelmCall:
    """One ``helm template`` call as kustomize makes it."""

    release: str | None = None  # None: --generate-name
    chart: str = ""
    namespace: str | None = None
    values_files: list[str] = field(default_factory=list)
    api_versions: list[str] = field(default_factory=list)
    kube_version: str | None = None
    include_crds: bool = False
    skip_tests: bool = False
    no_hooks: bool = False


def parse_template(args: Sequence[str]) -> HelmCall | None:
    """kustomize's ``helm template`` arguments (``HelmChart.AsHelmArgs``), or None for anything else."""
    call = HelmCall()
    positional: list[str] = []
    generate = False
    items = iter(args)
    for arg in items:
        name, _, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in _VALUED:
            value = inline if inline else next(items, None)
            if value is None:
                return None
            if name == "--namespace":
                call.namespace = value
            elif name in ("-f", "--values"):
                call.values_files.append(value)
            elif name == "--api-versions":
                call.api_versions.extend(v for v in value.split(",") if v)
            elif name == "--kube-version":
                call.kube_version = value
        elif arg in _SWITCHES:
            generate = generate or arg == "--generate-name"
            call.include_crds = call.include_crds or arg == "--include-crds"
            call.skip_tests = call.skip_tests or arg == "--skip-tests"
            call.no_hooks = call.no_hooks or arg == "--no-hooks"
        elif arg.startswith("-"):
            return None
        else:
            positional.append(arg)
    if generate and len(positional) == 1:
        call.chart = positional[0]
    elif not generate and len(positional) == 2:
        call.release, call.chart = positional
    else:
        return None
    return call


def helm_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's merge of ``-f`` files: later files win, mappings merge key by key."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = helm_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
