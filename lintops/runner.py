"""Assembles a run from the configuration file and the flags: one place for the CLI and the editor.

Order of precedence: flags, then ``.lintops.yaml``, then the defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .catalog import Catalog, build_catalog, configure
from .config.settings import Config, find_config, load_config
from .config.targets import Targets
from .engine import Engine
from .errors import LintopsError
from .exemptions import ExemptionPolicy
from .model import Severity
from .plugins import plugin_manager
from .run_context import Options

if TYPE_CHECKING:  # pragma: no cover
    from .baseline import Baseline
    from .config.policy import Violation
    from .rules import Rule


@dataclass
class Settings:
    """What the user asked for on the command line; None means "not given"."""

    paths: Sequence[str] = (".",)
    config_path: str | None = None
    #: A trusted configuration from outside the linted tree that bounds what the tree's own may do.
    policy_path: str | None = None
    #: The target versions (``-k``, repeatable; a string is one): every object is checked against each,
    #: in place of the configuration's ``kubernetes_version`` and ``environment_versions``.
    kubernetes_version: str | Sequence[str] | None = None
    strict: bool | None = None
    fail_on: str | None = None
    excludes: Sequence[str] = ()
    enable: Sequence[str] = ()
    disable: Sequence[str] = ()
    #: Rule packs to turn on (``--pack``, repeatable), with the configuration's ``packs:``.
    packs: Sequence[str] = ()
    schema_backend: str | None = None
    baseline: str | None = None
    jobs: int | None = None
    #: The directory report paths are relative to (default: the git top level of the first path,
    #: else the working directory).
    base_dir: Path | None = None
    debug: bool = False
    #: No result cache (lintops.result_cache): the default of the API; ``lintops check`` turns it on
    #: unless ``--no-cache`` is given.
    no_cache: bool = True
    #: The cache directory (``--cache-dir``); None: ``LINTOPS_CACHE_DIR``, else the user's cache directory.
    cache_dir: str | None = None
    #: Say on standard error why the cache is not used (``--verbose``).
    cache_verbose: bool = False


@dataclass
class Run:
    config: Config
    catalog: Catalog
    options: Options
    excludes: tuple[str, ...]
    #: Kustomize roots named in the configuration (otherwise: overlays no kustomization references).
    kustomize_roots: tuple[str, ...] = ()
    baseline_path: Path | None = None
    #: The baseline was named by a configuration, not by ``--baseline``: it must stay inside the tree.
    baseline_in_tree: bool = False
    #: Rules bound while preparing (to refuse bad parameters up front), handed to the first engine so
    #: that a run compiles its rules' schemas once.
    _bound: list[Rule] | None = field(default=None, repr=False)
    #: What the linted tree tried beyond the policy (lintops.config.policy), reported as findings of the run.
    violations: list[Violation] = field(default_factory=list)

    def discover(self, paths: Sequence[str]):
        """The inputs of this run below ``paths`` (files, charts, Kustomize roots, files a renderer claims)."""
        from .inputs.discover import discover

        return self.catalog.claim(discover(paths or (".",), self.excludes, base=self.options.base_dir,
                                           kustomize_roots=self.kustomize_roots, limits=self.options.limits))

    def engine(self) -> Engine:
        """A fresh engine (checks keep per-run state) with every enabled rule bound to its check."""
        rules, self._bound = self._bound, None
        engine = Engine(rules if rules is not None else self.catalog.enabled_rules(), self.options,
                        ExemptionPolicy(self.config, self.options.base_dir), self.load_baseline())
        engine.add_violations(self.violations)
        return engine

    def load_baseline(self) -> Baseline | None:
        if self.baseline_path is None:
            return None
        from .baseline import load_baseline
        from .inputs.discover import display_path

        base = self.options.base_dir or Path.cwd()
        root = self.options.base_dir if self.baseline_in_tree else None
        named_at = self.config.place("/baseline") if self.baseline_in_tree else None
        return load_baseline(self.baseline_path, display_path(self.baseline_path, base), root, named_at)


def locate_config(settings: Settings) -> Path | None:
    if settings.config_path:
        return Path(settings.config_path)
    first = next((p for p in settings.paths if p != "-"), ".")
    return find_config(Path(first))


def prepare(settings: Settings) -> Run:
    """Load config, policy, plugins and rules; raises ConfigError, RuleError or PluginError on bad input."""
    from .config.environments import EnvironmentPatterns
    from .config.settings import ConfigError
    from .inputs.discover import repository_root
    from .schema.kube.versions import supported_versions

    base_dir = settings.base_dir or repository_root(_first_directory(settings.paths), fallback=Path.cwd())
    tree = _load_tree_config(settings, base_dir)
    policy = _load_policy(settings, tree)
    if policy is not None:  # a run without a policy does not pay for importing it
        from .config.policy import Grants, repository_rule_violations, restrict
    rule_dirs, refused_rules = _repository_rule_dirs(settings, tree, policy)
    trusted = policy or tree
    plugins = trusted.plugins
    if policy is not None and Grants.parse(policy.repository).plugins:
        plugins = (*plugins, *tree.plugins)
    manager = plugin_manager(plugins)
    catalog = build_catalog(manager, rule_dirs)
    violations: list[Violation] = []
    config = tree
    if policy is not None:
        from .inputs.discover import display_path

        defaults = {spec.id: spec.severity for spec in catalog.specs}
        shown = display_path(tree.path, base_dir) if tree.path else ""
        config, violations = restrict(policy, tree if tree.path else None, defaults, shown)
        violations += repository_rule_violations([(display_path(p, base_dir), p) for p in refused_rules])
    try:
        environments = EnvironmentPatterns.from_config(config.environments)
    except ValueError as exc:
        raise ConfigError(f"{config.path or config.policy_path}: environments: {exc}") from None
    first, targets = _targets(settings, config, supported_versions())
    catalog = configure(catalog, config, settings.enable, settings.disable, settings.packs)
    options = Options(
        kubernetes_version=first,
        targets=targets,
        strict=config.strict if settings.strict is None else settings.strict,
        fail_on=Severity(settings.fail_on or config.fail_on.value),
        schema_backend=settings.schema_backend,
        workloads=dict(catalog.workloads),
        renderers=catalog.renderers,
        environments=environments,
        helm=dict(config.helm),
        kustomize=dict(config.kustomize),
        argocd=dict(config.argocd),
        base_dir=base_dir,
        jobs=settings.jobs if settings.jobs is not None else default_jobs(),
        debug=settings.debug,
    )
    bound = catalog.enabled_rules()  # bind now, so a rule with bad params is a configuration error up front
    # A relative baseline is found beside the file that named it; a policy's, in the repository root
    baseline_root = config.baseline_root or (base_dir if policy is not None else config.root)
    baseline = Path(settings.baseline) if settings.baseline else (
        baseline_root / config.baseline if config.baseline and baseline_root else None)
    roots_base = base_dir if policy is not None and "kustomize" in policy.keys else (config.root or base_dir)
    run = Run(config, catalog, options, (*config.exclude, *settings.excludes),
              kustomize_roots=tuple(str(roots_base / root) for root in config.kustomize.get("roots", ())),
              baseline_path=baseline, baseline_in_tree=baseline is not None and not settings.baseline,
              _bound=bound, violations=violations)
    run.load_baseline()  # a missing or broken baseline is a configuration error up front
    if not settings.no_cache:
        options.result_cache = _result_cache(settings, config, options, bound)
    return run


def _result_cache(settings: Settings, config: Config, options: Options, bound: list[Rule]):
    """The run's result cache, keyed by everything its plain files' reports depend on (lintops.result_cache)."""
    from .result_cache import file_digest, open_cache, rule_key, stamp
    from .schema.kube.versions import sources

    known = sources()
    parts = {
        "configuration": [file_digest(config.path), file_digest(config.policy_path),
                          file_digest(config.repository_path)],
        "rules": [rule_key(rule.spec) for rule in bound],
        "flags": [sorted(settings.enable), sorted(settings.disable), sorted(settings.packs)],
        "targets": [options.kubernetes_versions, repr(sorted(config.environment_versions.items()))],
        "schemas": [stamp(str(known[v].path)) for v in options.kubernetes_versions if v in known],
        "strict": options.strict, "backend": options.schema_backend, "workloads": sorted(options.workloads.items()),
        "limits": repr(options.limits), "base": str(options.base_dir),
    }
    linted = [options.base_dir, *(Path(p) for p in settings.paths if p != "-")]
    classes = [type(rule.check) for rule in bound if rule.check is not None]
    return open_cache(settings.cache_dir, linted, parts, classes, verbose=settings.cache_verbose)


def _targets(settings: Settings, config: Config, supported: list[str]) -> tuple[str, Targets]:
    """The run's first target and all its targets: the ``-k`` versions, else the configuration's
    ``kubernetes_version`` and ``environment_versions`` (lintops.config.targets). A version without data is a
    usage error naming the supported range (and, for an environment's, where it is written)."""
    from .config.settings import ConfigError
    from .model import join_pointer

    requested = settings.kubernetes_version
    if isinstance(requested, str):
        requested = (requested,)
    if requested:
        default = tuple(dict.fromkeys(normalize_version(v, supported) for v in requested))
        return default[0], Targets.make(default)
    def error(pointer: str, message: str) -> ConfigError:
        place = config.place(pointer)
        if place is not None:
            return ConfigError(message, place=place)
        where = config.path or config.policy_path
        return ConfigError(f"{where}: {message}" if where else message)

    try:
        first = normalize_version(config.kubernetes_version, supported)
    except VersionError as exc:  # the default is supported: the version is the configuration's
        raise error("/kubernetes_version", f"kubernetes_version: {exc}") from None
    environments: dict[str, tuple[str, ...]] = {}
    for name, versions in config.environment_versions.items():
        try:
            environments[name] = tuple(normalize_version(v, supported) for v in versions)
        except VersionError as exc:
            raise error(join_pointer("/environment_versions", name), f"environment_versions: {name}: {exc}") from None
    return first, Targets.make((first,), environments)


def _load_tree_config(settings: Settings, base_dir: Path) -> Config:
    """The configuration found in (or named for) the linted tree. One found by looking must stay
    inside the tree: a ``.lintops.yaml`` that links outside, or is a named pipe, is refused (exit 2)."""
    import os

    path = locate_config(settings)
    if path is None or settings.config_path:
        return load_config(path)
    inside = os.path.abspath(path).startswith(os.path.join(str(base_dir), ""))
    return load_config(path, within=base_dir if inside else None)


def _load_policy(settings: Settings, tree: Config) -> Config | None:
    """The policy of the run (``--policy``), or None when the configuration is trusted as it is."""
    if not settings.policy_path:
        return None
    from .config.settings import ConfigError

    path = Path(settings.policy_path)
    if not path.is_file():
        raise ConfigError(f"{path}: the policy file does not exist")
    policy = load_config(path)
    if tree.path is not None and tree.path.resolve() == path.resolve():
        tree.path = None  # the policy is the repository's own file: nothing more to restrict
    return policy


def _repository_rule_dirs(settings: Settings, tree: Config, policy: Config | None) -> tuple[list[Path], list[Path]]:
    """Rule directories to load, and the repository rule files a policy refuses.

    Rules live in ``.lintops/rules`` next to the configuration in use. A configuration named with
    ``-c`` (or a policy) is trusted for itself: the linted directories' own rule folders then load only
    where a policy grants it, never just because they are there.
    """
    if policy is None:
        linted = () if settings.config_path else settings.paths
        return tree.repository_rule_dirs(linted), []
    trusted = policy.repository_rule_dirs(())
    tree_dirs = [d for d in (tree.repository_rule_dirs(settings.paths) if tree.path else
                             Config().repository_rule_dirs(settings.paths)) if d not in trusted]
    from .config.policy import Grants

    if Grants.parse(policy.repository).rules:
        return [*trusted, *tree_dirs], []
    return trusted, sorted(p for d in tree_dirs for p in d.glob("*.y*ml"))


def _first_directory(paths: Sequence[str]) -> Path:
    """Where the linted repository is: the first path named (its directory), else the working directory."""
    first = next((Path(p) for p in paths if p != "-"), Path.cwd())
    return first if first.is_dir() else first.parent


def default_jobs() -> int:
    """Worker processes for large runs: the cores this process may use, at most eight."""
    import os

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


class VersionError(LintopsError, ValueError):
    """A Kubernetes version lintops has no schemas for, or schema data that cannot be read."""


def normalize_version(value: str, supported: Iterable[str] | None = None) -> str:
    """The minor version a target names: ``1.29``, ``1.29.4`` and ``v1.29.4`` all mean ``1.29``.

    A version without schema data (or not in ``supported``, when given) is a usage error naming the
    supported range; so is data that cannot be read (a broken ``kubernetes-validate`` folder): one clear
    error before the run, not one per object."""
    from .schema.kube import bundle, versions

    try:
        version = versions.resolve(value, None if supported is None else list(supported))
        bundle.load(version)
    except (versions.UnsupportedVersion, bundle.SchemaDataError) as exc:
        raise VersionError(str(exc)) from None
    return version
