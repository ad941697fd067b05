"""The rule catalog of a run: the rules of every plugin (built-ins included) and of the repository,
with the configuration's settings applied, each bound to a fresh instance of its check.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .rules import Rule, RuleError, RuleSpec, bind, load_rule_dir

if TYPE_CHECKING:  # pragma: no cover
    import pluggy

    from .checks.base import Check
    from .config import Config


def builtin_rule_specs() -> list[RuleSpec]:
    from .data import data_dir

    return load_rule_dir(data_dir("rules"), "built-in")


def available_checks() -> dict[str, type[Check]]:
    """The built-in checks (without plugins): what rule tests bind against."""
    from .checks import builtin_checks

    return {check.name: check for check in builtin_checks()}


class CheckTable(Mapping[str, "type[Check]"]):
    """Every check of a run by name. A check registered as ``"module:Class"`` (as the built-ins are) is
    imported when it is first looked up, which is when a rule binds it: a check whose rules are all off
    costs a run no import."""

    def __init__(self) -> None:
        self._entries: dict[str, type[Check] | str] = {}

    def add(self, provided: Sequence[type[Check]] | Mapping[str, str]) -> None:
        """What one plugin's ``lintops_checks`` returned: check classes, or names to ``"module:Class"``."""
        entries = provided.items() if isinstance(provided, Mapping) else ((check.name, check) for check in provided)
        for name, entry in entries:
            if name in self._entries and self._entries[name] != entry:
                raise RuleError(f"two plugins define the check '{name}'")
            self._entries[name] = entry

    def __getitem__(self, name: str) -> type[Check]:
        entry = self._entries[name]
        if isinstance(entry, str):
            from .checks import load_check

            loaded = load_check(entry)
            if getattr(loaded, "name", None) != name:
                raise RuleError(f"the check '{name}' is registered as {entry}, whose name is "
                                f"'{getattr(loaded, 'name', None)}'")
            entry = self._entries[name] = loaded
        return entry

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


@dataclass
class Catalog:
    """Every known rule (enabled or not) and every check, from plugins and the repository."""

    specs: list[RuleSpec]
    checks: Mapping[str, type[Check]]
    reporters: dict[str, str] = field(default_factory=dict)
    workloads: dict[str, str] = field(default_factory=dict)

    def spec(self, rule_id: str) -> RuleSpec | None:
        return next((s for s in self.specs if s.id == rule_id), None)

    def enabled_rules(self) -> list[Rule]:
        return bind([s for s in self.specs if s.enabled], self.checks)


def build_catalog(manager: pluggy.PluginManager, repository_rule_dirs: Iterable[Path] = ()) -> Catalog:
    """Collect checks, rule packs, reporters and workload kinds from every registered plugin."""
    checks = CheckTable()
    for plugin_checks in manager.hook.lintops_checks():
        checks.add(plugin_checks)
    specs: list[RuleSpec] = []
    for plugin, dirs in _results_by_plugin(manager, "lintops_rule_dirs"):
        origin = "built-in" if plugin == "lintops.builtin" else f"plugin {plugin}"
        for directory in dirs:
            specs.extend(load_rule_dir(Path(directory), origin))
    for directory in repository_rule_dirs:
        specs.extend(load_rule_dir(directory, "repository"))
    seen: dict[str, RuleSpec] = {}
    for spec in specs:
        if spec.id in seen:
            raise RuleError(f"{spec.path}: rule id '{spec.id}' is already defined by {seen[spec.id].path}")
        seen[spec.id] = spec
    reporters: dict[str, str] = {}
    for plugin_reporters in manager.hook.lintops_reporters():
        reporters.update(plugin_reporters)
    workloads: dict[str, str] = {}
    for kinds in manager.hook.lintops_workload_kinds():
        workloads.update(kinds)
    return Catalog(specs, checks, reporters, workloads)


def _results_by_plugin(manager: pluggy.PluginManager, hook_name: str) -> list[tuple[str, list]]:
    results = []
    for impl in reversed(getattr(manager.hook, hook_name).get_hookimpls()):
        value = impl.function()
        if value:
            results.append((impl.plugin_name, list(value)))
    return results


def configure(catalog: Catalog, config: Config, enable: Iterable[str] = (), disable: Iterable[str] = ()) -> Catalog:
    """Apply the configuration's ``rules:`` and the ``--enable``/``--disable`` flags (flags win)."""
    known = {spec.id for spec in catalog.specs}
    for rule_id in (*config.rules, *enable, *disable):
        if rule_id not in known:
            where = f"{config.path}: " if config.path and rule_id in config.rules else ""
            raise RuleError(f"{where}unknown rule '{rule_id}' (see `lintops rules`)")
    specs = []
    for spec in catalog.specs:
        override = config.rules.get(spec.id)
        if override is not None:
            changes: dict = {}
            if override.enabled is not None:
                changes["enabled"] = override.enabled
            if override.severity is not None:
                changes["severity"] = override.severity
            if override.params is not None:
                changes["params"] = {**spec.params, **override.params}
            if override.kinds is not None:
                changes["kinds"] = override.kinds
            spec = spec.with_overrides(**changes)
        if spec.id in enable:
            spec = spec.with_overrides(enabled=True)
        if spec.id in disable:
            spec = spec.with_overrides(enabled=False)
        specs.append(spec)
    return Catalog(specs, catalog.checks, catalog.reporters, {**catalog.workloads, **config.workloads})


def load_rules(disabled: Iterable[str] = ()) -> list[Rule]:
    """The built-in rules without configuration (for tests and the language server's defaults)."""
    skip = set(disabled)
    return bind([s for s in builtin_rule_specs() if s.enabled and s.id not in skip], available_checks())

