"""Finds and loads plugins: the built-ins first, then every installed distribution's ``lintops`` entry points.

Only the installation is trusted to bring code: a plugin is an installed distribution that declares
the ``lintops`` entry-point group. A configuration's ``plugins:`` never imports anything; it names the
plugins a repository needs (by entry-point name or distribution name), so that a run without them
stops with a clear error instead of silently skipping their rules. A name that is not such a plugin
(an arbitrary module, a file of the repository under review) is a configuration error.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable

import pluggy

from . import builtin_plugin, hookspecs
from .errors import LintopsError


class PluginError(LintopsError):
    """A plugin that cannot be loaded (a configuration error)."""


def plugin_manager(required: Iterable[str] = ()) -> pluggy.PluginManager:
    manager = pluggy.PluginManager("lintops")
    manager.add_hookspecs(hookspecs)
    manager.register(builtin_plugin, name="lintops.builtin")
    if _entry_points_declared("lintops"):
        manager.load_setuptools_entrypoints("lintops")
    required = list(required)
    if required:
        installed = _installed_names(manager)
        for name in required:
            if _normalize(name) not in installed:
                known = ", ".join(sorted(installed)) or "none"
                raise PluginError(f"plugin '{name}' is not an installed lintops plugin (a distribution declaring "
                                  f"the 'lintops' entry-point group; installed: {known}); install it in the "
                                  "environment that runs lintops")
    return manager


def _normalize(name: str) -> str:
    """Distribution names compare as packaging does: case and runs of ``-_.`` do not matter."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _installed_names(manager: pluggy.PluginManager) -> set[str]:
    """Entry-point names and distribution names of the plugins loaded from entry points."""
    names = set()
    for plugin, distribution in manager.list_plugin_distinfo():
        names.add(_normalize(manager.get_name(plugin) or ""))
        names.add(_normalize(distribution.metadata["name"] or ""))
    names.discard("")
    return names


def _entry_points_declared(group: str) -> bool:
    """Whether any installed distribution declares entry points in ``group``.

    A plain scan of the ``entry_points.txt`` files on ``sys.path``: most runs have no plugin, and
    importing and walking ``importlib.metadata`` only to learn that costs a tenth of a one-file run.
    When the scan finds the group, pluggy loads the entry points the ordinary way.
    """
    header = f"[{group}]"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(os.path.join(entry or ".", name, "entry_points.txt"), encoding="utf-8") as file:
                    if header in file.read():
                        return True
            except OSError:
                continue
    return False
