"""The built-ins, registered as a plugin like any other: checks, the rule pack, the reporters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from .hookspecs import hookimpl


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


@hookimpl
def lintops_workload_kinds() -> Mapping[str, str]:
    from .workloads import WORKLOAD_POD_SPECS

    return WORKLOAD_POD_SPECS
