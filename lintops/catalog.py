"""The rule catalog of a run: the rules of every plugin (built-ins included) and of the repository,
with the configuration's settings applied, each bound to a fresh instance of its check; and what the
plugins register besides (checks, reporters, renderers, workload kinds), collected by lintops.plugins.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .rules import Rule, RuleError, RuleSpec, bind, load_rule_dir

if TYPE_CHECKING:  # pragma: no cover
    import pluggy

    from .checks.base import Check
    from .config.settings import Config
    from .hookspecs import Renderer
    from .inputs.discover import Input
    from .reporters.base import Reporter


def builtin_rule_specs() -> list[RuleSpec]:
    from .data import data_dir

    return load_rule_dir(data_dir("rules"), "built-in")


def available_checks() -> dict[str, type[Check]]:
    """The built-in checks (without plugins), all imported: what rule tests bind against and the generated
    reference documents (a run imports each when a rule binds it)."""
    from .checks import BUILTIN_CHECKS
    from .plugins import load_class

    return {name: load_class("check", name, reference) for name, reference in BUILTIN_CHECKS.items()}


@dataclass
class Catalog:
    """Every known rule (enabled or not) and every check, reporter, renderer and workload kind of the plugins
    (built-ins included; :mod:`lintops.plugins` resolves the classes, each when first looked up)."""

    specs: list[RuleSpec]
    checks: Mapping[str, type[Check]]
    reporters: Mapping[str, type[Reporter]] = field(default_factory=dict)
    workloads: dict[str, str] = field(default_factory=dict)
    renderers: Mapping[str, type[Renderer]] = field(default_factory=dict)

    def spec(self, rule_id: str) -> RuleSpec | None:
        return next((s for s in self.specs if s.id == rule_id), None)

    def enabled_rules(self) -> list[Rule]:
        """The enabled rules, each bound to its check (a rule a stage reports binds to none)."""
        from .catalog_cache import verified

        return bind([s for s in self.specs if s.enabled], self.checks, verified)

    def claim(self, inputs: Iterable[Input]) -> Iterator[Input]:
        """``inputs`` with every file whose name a renderer ``claims`` handed to that renderer (a
        :class:`~lintops.inputs.renderers.ClaimedInput`, rendered and linted with the charts) instead of
        being parsed as a manifest; the inputs as they are when no renderer claims anything (the built-ins)."""
        claims = [(pattern, name) for name in self.renderers for pattern in self.renderers[name].claims]
        if not claims:
            yield from inputs
            return
        import fnmatch

        from .inputs.discover import InputFile
        from .inputs.renderers import ClaimedInput

        for item in inputs:
            claimed = None
            if isinstance(item, InputFile) and item.path is not None and not item.context:
                claimed = next((name for pattern, name in claims if fnmatch.fnmatch(item.path.name, pattern)), None)
            yield item if claimed is None else ClaimedInput(item.display, item.path, claimed, item.root)


def build_catalog(manager: pluggy.PluginManager, repository_rule_dirs: Iterable[Path] = ()) -> Catalog:
    """Collect checks, rule packs, reporters, renderers and workload kinds from every registered plugin."""
    from .catalog_cache import builtin_specs
    from .plugins import BUILTIN, collect, collect_data, results_by_plugin

    specs: list[RuleSpec] = []
    for plugin, dirs in results_by_plugin(manager, "lintops_rule_dirs"):
        origin = "built-in" if plugin == BUILTIN else f"plugin {plugin}"
        for directory in dirs:
            path = Path(directory)
            specs.extend(builtin_specs(path) if plugin == BUILTIN else load_rule_dir(path, origin))
    for directory in repository_rule_dirs:
        specs.extend(load_rule_dir(directory, "repository"))
    seen: dict[str, RuleSpec] = {}
    for spec in specs:
        if spec.id in seen:
            raise RuleError(f"{spec.path}: rule id '{spec.id}' is already defined by {seen[spec.id].path}")
        seen[spec.id] = spec
    return Catalog(specs, collect(manager, "lintops_checks", "check"),
                   collect(manager, "lintops_reporters", "reporter"),
                   collect_data(manager, "lintops_workload_kinds", "workload kind"),
                   collect(manager, "lintops_renderers", "renderer"))


def configure(catalog: Catalog, config: Config, enable: Iterable[str] = (), disable: Iterable[str] = (),
              packs: Iterable[str] = ()) -> Catalog:
    """Apply the configuration's ``packs:`` and ``--pack`` flags, then its ``rules:``, then the
    ``--enable``/``--disable`` flags (each later one wins), and give each rule the documentation link of the
    run (lintops.rule_links: ``rule_docs_url``, ``LINTOPS_RULE_DOCS_URL``).

    A pack turns on every rule that names it in its ``packs:``; a rule's own setting under ``rules:`` still
    decides, so a pack's rule is switched off by name (under a policy, only with its ``disable`` grant)."""
    from .rule_links import resolve

    links = resolve(config.rule_docs_url, under_policy=config.grants is not None)
    known = {spec.id for spec in catalog.specs}
    for rule_id in (*config.rules, *enable, *disable):
        if rule_id not in known:
            raise _unknown_rule(config, rule_id, known)
    active = _active_packs(catalog, config, packs)
    specs = []
    for spec in catalog.specs:
        if active.intersection(spec.packs):
            spec = spec.with_overrides(enabled=True)
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
        specs.append(spec.with_overrides(docs_url=links.url(spec)))
    return Catalog(specs, catalog.checks, catalog.reporters, {**catalog.workloads, **config.workloads},
                   catalog.renderers)


def known_packs(specs: Iterable[RuleSpec]) -> dict[str, list[str]]:
    """Every pack the rules name, with the ids of its rules: a pack is the rules that say they belong to it."""
    packs: dict[str, list[str]] = {}
    for spec in specs:
        for pack in spec.packs:
            packs.setdefault(pack, []).append(spec.id)
    return packs


def _active_packs(catalog: Catalog, config: Config, flags: Iterable[str]) -> set[str]:
    """The packs the configuration and the flags turn on; an unknown name is an error at the place it is
    written (``packs:`` of the policy or of the tree) with the nearest known name."""
    wanted = [*config.packs, *flags]
    if not wanted:
        return set()
    known = known_packs(catalog.specs)
    for name in wanted:
        if name not in known:
            from .suggest import did_you_mean

            message = (f"unknown rule pack '{name}'{did_you_mean(name, known)} "
                       f"(known: {', '.join(sorted(known)) or 'none'}; see `lintops rules`)")
            place = config.pack_places.get(name) if name in config.packs else None
            raise RuleError(message, place=place) if place is not None else RuleError(message)
    return set(wanted)


def _unknown_rule(config: Config, rule_id: str, known: Iterable[str] = ()) -> RuleError:
    """An unknown rule id: at its key under ``rules:`` when the configuration names it (a flag has no place),
    with the nearest known id when it looks misspelt."""
    from .suggest import did_you_mean

    message = f"unknown rule '{rule_id}'{did_you_mean(rule_id, known)} (see `lintops rules`)"
    if rule_id not in config.rules or config.path is None:
        return RuleError(message)
    from .model import join_pointer

    place = config.place(join_pointer("/rules", rule_id), at_key=True)
    return RuleError(message, place=place) if place is not None else RuleError(f"{config.path}: {message}")


def load_rules(disabled: Iterable[str] = ()) -> list[Rule]:
    """The built-in rules without configuration (for tests and the language server's defaults)."""
    skip = set(disabled)
    return bind([s for s in builtin_rule_specs() if s.enabled and s.id not in skip], available_checks())

