"""Finds and loads plugins, and resolves what they register: one way for checks, reporters and renderers.

The built-ins come first (:mod:`lintops.builtin_plugin`), then every installed distribution's ``lintops``
entry points; each answers the hooks of :mod:`lintops.hookspecs`. What the hooks return is collected
here, the built-ins' exactly as a third party's: a :class:`Registry` per kind of class (name -> class,
or name -> ``"module:Class"``, imported only when that name is first looked up, so an unused check or
format costs a run nothing), and plain data for the workload kinds. Two plugins registering one name
differently, and a reference that names no class or a class of another name, are each one
:class:`PluginError` that says which plugin and which reference.

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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import pluggy

from . import builtin_plugin, hookspecs
from .errors import LintopsError

#: The name the built-ins are registered under.
BUILTIN = "lintops.builtin"


class PluginError(LintopsError):
    """A plugin that cannot be loaded, or a registration that cannot be used (a configuration error)."""


def plugin_manager(required: Iterable[str] = ()) -> pluggy.PluginManager:
    manager = pluggy.PluginManager("lintops")
    manager.add_hookspecs(hookspecs)
    manager.register(builtin_plugin, name=BUILTIN)
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


class Registry(Mapping[str, Any]):
    """The classes of one kind (``check``, ``reporter``, ``renderer``) that the plugins registered, by name.

    An entry given as ``"module:Class"`` (as the built-ins are) is imported when it is first looked up;
    its class must carry the name it is registered under (its ``name``)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Any] = {}
        self._by: dict[str, str] = {}

    def add(self, provided: Sequence[type] | Mapping[str, Any], plugin: str = "a plugin") -> None:
        """What one plugin's hook returned: classes (each with its ``name``), or names to classes or references."""
        entries = provided.items() if isinstance(provided, Mapping) else ((cls.name, cls) for cls in provided)
        for name, entry in entries:
            if name in self._entries and self._entries[name] != entry:
                raise PluginError(f"two plugins define the {self.kind} '{name}' ({self._by[name]} and {plugin})")
            self._entries[name] = entry
            self._by.setdefault(name, plugin)

    def __getitem__(self, name: str) -> Any:
        entry = self._entries[name]
        if isinstance(entry, str):
            entry = self._entries[name] = load_class(self.kind, name, entry)
        return entry

    def __contains__(self, name: object) -> bool:  # without importing the entry
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


def load_class(kind: str, name: str, reference: str) -> Any:
    """The class ``reference`` (``"package.module:Class"``) names, imported now, checked to be the ``kind``
    called ``name``; anything else is a :class:`PluginError` naming the registration."""
    import importlib

    where = f"the {kind} '{name}' is registered as '{reference}'"
    module_name, separator, attribute = reference.partition(":")
    if not separator or not module_name or not attribute:
        raise PluginError(f"{where}, which is not a 'module:Class' reference")
    try:
        found: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise PluginError(f"{where}, which cannot be imported: {exc}") from None
    for part in attribute.split("."):
        found = getattr(found, part, None)
    if not isinstance(found, type):
        raise PluginError(f"{where}, which names no class in {module_name}")
    if getattr(found, "name", None) != name:
        raise PluginError(f"{where}, whose name is '{getattr(found, 'name', None)}'")
    return found


def collect(manager: pluggy.PluginManager, hook_name: str, kind: str) -> Registry:
    """A registry of what every plugin's ``hook_name`` returned (:func:`results_by_plugin`)."""
    registry = Registry(kind)
    for plugin, provided in results_by_plugin(manager, hook_name):
        registry.add(provided, _shown(plugin))
    return registry


def collect_data(manager: pluggy.PluginManager, hook_name: str, kind: str) -> dict[str, str]:
    """Plain name -> value registrations (the workload kinds' pod-spec pointers); two plugins giving one name
    different values is a :class:`PluginError`, as for classes."""
    found: dict[str, str] = {}
    by: dict[str, str] = {}
    for plugin, provided in results_by_plugin(manager, hook_name):
        for name, value in dict(provided).items():
            if name in found and found[name] != value:
                raise PluginError(f"two plugins define the {kind} '{name}' ({by[name]} and {_shown(plugin)})")
            found[name] = value
            by.setdefault(name, _shown(plugin))
    return found


def results_by_plugin(manager: pluggy.PluginManager, hook_name: str) -> list[tuple[str, Any]]:
    """Each plugin's name and answer to ``hook_name``, in the order pluggy calls them (the plugins of entry
    points first, the built-ins last)."""
    results = []
    for impl in reversed(getattr(manager.hook, hook_name).get_hookimpls()):
        value = impl.function()
        if value:
            results.append((impl.plugin_name, value))
    return results


def _shown(plugin: str) -> str:
    return "the built-ins" if plugin == BUILTIN else f"plugin {plugin}"


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
