"""The plugin contract (pluggy). Built-in checks, rules and reporters register through these same hooks.

A plugin is a module or object with functions named like the specifications below, decorated with
``lintops.hookimpl``; it is found through the ``lintops`` entry-point group of an installed package,
or named in the configuration's ``plugins:`` list. Every hook is collected from every plugin (the
results are lists, one item per plugin), so plugins add to what is there and never replace it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    from .checks.base import Check

hookspec = pluggy.HookspecMarker("lintops")
hookimpl = pluggy.HookimplMarker("lintops")


@hookspec
def lintops_checks() -> Sequence[type[Check]] | Mapping[str, str]:
    """Check classes this plugin provides (subclasses of ``lintops.checks.base.Check``), or a mapping of
    check name to ``"module:Class"``.

    Called once when the rule catalog is built. A check's ``name`` must be unique across plugins;
    rules name it in their ``check:`` key. A check given by its import path is imported only when a
    rule binds it, so one whose rules are all off costs no start-up time (the built-ins register so).
    """


@hookspec
def lintops_rule_dirs() -> Sequence[Path]:
    """Directories of rule files (``*.yaml``, the format of ``rules/``) this plugin ships: a rule pack.

    Called once when the rule catalog is built. Rule ids must be unique across all packs.
    """


@hookspec
def lintops_reporters() -> Mapping[str, str]:
    """Output formats: a mapping of format name to ``"module:Class"`` (a ``lintops.reporters.Reporter``).

    Given as import paths so that a format costs no start-up time unless it is chosen.
    """


@hookspec
def lintops_workload_kinds() -> Mapping[str, str]:
    """Custom workload kinds and the JSON pointer of their pod spec, e.g. ``{"Rollout": "/spec/template/spec"}``.

    Container and pod-spec rules then apply to those kinds too.
    """


@hookspec
def lintops_renderers() -> Mapping[str, str]:
    """Input renderers (Helm, Kustomize, ...): a mapping of name to ``"module:Class"``."""
