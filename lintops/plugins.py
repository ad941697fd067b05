"""Finds and loads plugins: the built-ins first, then the ``lintops`` entry points, then the config's modules.

Modules named in a repository's configuration are imported only from installed packages: the
directory being linted (and the working directory) are taken off ``sys.path`` for the import, so a
merge request cannot add a module that CI would then execute.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterable
from pathlib import Path

import pluggy

from . import builtin_plugin, hookspecs


class PluginError(Exception):
    """A plugin that cannot be loaded (a configuration error)."""


def plugin_manager(modules: Iterable[str] = (), untrusted: Iterable[Path] = ()) -> pluggy.PluginManager:
    manager = pluggy.PluginManager("lintops")
    manager.add_hookspecs(hookspecs)
    manager.register(builtin_plugin, name="lintops.builtin")
    if _entry_points_declared("lintops"):
        manager.load_setuptools_entrypoints("lintops")
    for name in modules:
        if manager.has_plugin(name):
            continue
        manager.register(_import_installed(name, untrusted), name=name)
    return manager


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


def _import_installed(name: str, untrusted: Iterable[Path]) -> object:
    blocked = {Path.cwd().resolve(), *(Path(p).resolve() for p in untrusted)}

    def is_repository_entry(entry: str) -> bool:
        return Path(entry or ".").resolve() in blocked

    saved = sys.path[:]
    sys.path[:] = [entry for entry in sys.path if not is_repository_entry(entry)]
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        raise PluginError(f"plugin '{name}' cannot be imported ({exc}); "
                          "install it in the environment that runs lintops") from None
    finally:
        sys.path[:] = saved
    location = getattr(module, "__file__", None)
    if location:
        resolved = Path(location).resolve()
        installed = any(part in ("site-packages", "dist-packages") for part in resolved.parts)
        if not installed and any(b in resolved.parents for b in blocked):
            raise PluginError(f"plugin '{name}' resolves to {location}, inside the linted repository; "
                              "plugins must be installed packages")
    return module
