"""Assembles a run from the configuration file and the flags: one place for the CLI and the editor.

Order of precedence: flags, then ``.lintops.yaml``, then the defaults.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .catalog import Catalog, build_catalog, configure
from .config import Config, find_config, load_config
from .engine import Engine, Options
from .exemptions import ExemptionPolicy
from .model import Severity
from .plugins import plugin_manager

if TYPE_CHECKING:  # pragma: no cover
    from .baseline import Baseline
    from .rules import Rule


@dataclass
class Settings:
    """What the user asked for on the command line; None means "not given"."""

    paths: Sequence[str] = (".",)
    config_path: str | None = None
    kubernetes_version: str | None = None
    strict: bool | None = None
    fail_on: str | None = None
    excludes: Sequence[str] = ()
    enable: Sequence[str] = ()
    disable: Sequence[str] = ()
    schema_backend: str | None = None
    baseline: str | None = None
    jobs: int | None = None
    #: The directory report paths are relative to (default: the git top level of the first path,
    #: else the working directory).
    base_dir: Path | None = None
    debug: bool = False


@dataclass
class Run:
    config: Config
    catalog: Catalog
    options: Options
    excludes: tuple[str, ...]
    #: Kustomize roots named in the configuration (otherwise: overlays no kustomization references).
    kustomize_roots: tuple[str, ...] = ()
    baseline_path: Path | None = None
    #: Rules bound while preparing (to refuse bad parameters up front), handed to the first engine so
    #: that a run compiles its rules' schemas once.
    _bound: list[Rule] | None = field(default=None, repr=False)

    def discover(self, paths: Sequence[str]):
        """The inputs of this run below ``paths`` (files, charts, Kustomize roots)."""
        from .inputs.discover import discover

        return discover(paths or (".",), self.excludes, base=self.options.base_dir,
                        kustomize_roots=self.kustomize_roots)

    def engine(self) -> Engine:
        """A fresh engine (checks keep per-run state) with every enabled rule bound to its check."""
        rules, self._bound = self._bound, None
        return Engine(rules if rules is not None else self.catalog.enabled_rules(), self.options,
                      ExemptionPolicy(self.config, self.options.base_dir), self.load_baseline())

    def load_baseline(self) -> Baseline | None:
        from .baseline import load_baseline
        from .inputs.discover import display_path

        if self.baseline_path is None:
            return None
        base = self.options.base_dir or Path.cwd()
        return load_baseline(self.baseline_path, display_path(self.baseline_path, base))


def locate_config(settings: Settings) -> Path | None:
    if settings.config_path:
        return Path(settings.config_path)
    first = next((p for p in settings.paths if p != "-"), ".")
    return find_config(Path(first))


def prepare(settings: Settings) -> Run:
    """Load config, plugins and rules; raises ConfigError, RuleError or PluginError on bad input."""
    from .config import ConfigError
    from .environments import EnvironmentPatterns
    from .inputs.discover import repository_root
    from .kube_schema import supported_versions

    config = load_config(locate_config(settings))
    try:
        environments = EnvironmentPatterns.from_config(config.environments)
    except ValueError as exc:
        raise ConfigError(f"{config.path}: environments: {exc}") from None
    version = normalize_version(settings.kubernetes_version or config.kubernetes_version, supported_versions())
    untrusted: list[Path] = [Path(p) for p in settings.paths if p != "-"]
    if config.root:
        untrusted.append(config.root)
    manager = plugin_manager(config.plugins, untrusted)
    catalog = configure(build_catalog(manager, config.repository_rule_dirs(settings.paths)), config,
                        settings.enable, settings.disable)
    options = Options(
        kubernetes_version=version,
        strict=config.strict if settings.strict is None else settings.strict,
        fail_on=Severity(settings.fail_on or config.fail_on.value),
        schema_backend=settings.schema_backend,
        workloads=dict(catalog.workloads),
        environments=environments,
        helm=dict(config.helm),
        kustomize=dict(config.kustomize),
        base_dir=settings.base_dir or repository_root(_first_directory(settings.paths), fallback=Path.cwd()),
        jobs=settings.jobs if settings.jobs is not None else default_jobs(),
        debug=settings.debug,
    )
    bound = catalog.enabled_rules()  # bind now, so a rule with bad params is a configuration error up front
    baseline = Path(settings.baseline) if settings.baseline else (
        config.root / config.baseline if config.baseline and config.root else None)
    run = Run(config, catalog, options, (*config.exclude, *settings.excludes),
              tuple(str((config.root or Path.cwd()) / root) for root in config.kustomize.get("roots", ())),
              baseline, bound)
    run.load_baseline()  # a missing or broken baseline is a configuration error up front
    return run


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


class VersionError(ValueError):
    pass


def normalize_version(value: str, supported: Iterable[str]) -> str:
    """``v1.18.3`` and ``1.18`` both mean ``1.18``; unsupported versions are a usage error."""
    text = str(value).strip().lstrip("v")
    normalized = ".".join(text.split(".")[:2])
    supported = list(supported)
    if normalized not in supported:
        raise VersionError(f"'{value}' is not a supported Kubernetes version (supported: {', '.join(supported)})")
    return normalized
