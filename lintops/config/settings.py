"""``.lintops.yaml``: find it, load it, validate it against its own schema, merge it with the flags.

The file is found by walking up from the first linted path (or named with ``--config``). It is data
only: ``plugins:`` names installed lintops plugins (distributions declaring the ``lintops`` entry-point
group) that the repository needs, and never imports anything, so a merge request cannot make CI run
its code. Under a policy (``--policy``, :mod:`lintops.config.policy`) a file of the linted tree may only do
what the policy grants. The file is validated against ``schemas/lintops-config.schema.json``
(:mod:`lintops.schema.published`), the schema editors use too: an unknown key or a wrong type is a
configuration error (exit 2) that names ``path:line:col`` of the key or value and says what is wrong.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import LintopsError, Place
from ..model import Position, Severity

CONFIG_NAMES = (".lintops.yaml", ".lintops.yml")
REPOSITORY_RULES_DIR = Path(".lintops") / "rules"


def config_schema() -> dict[str, Any]:
    """The configuration's schema: ``schemas/lintops-config.schema.json``, the file editors use too."""
    from ..schema.published import CONFIG_SCHEMA_FILE, load

    return load(CONFIG_SCHEMA_FILE)


class ConfigError(LintopsError):
    """A configuration problem; its ``place`` is the key or value in the file, when there is one."""


@dataclass(frozen=True)
class RuleOverride:
    enabled: bool | None = None
    severity: Severity | None = None
    params: Mapping[str, Any] | None = None
    kinds: tuple[str, ...] | None = None

    @classmethod
    def parse(cls, value: Any) -> RuleOverride:
        if isinstance(value, bool):
            return cls(enabled=value)
        if isinstance(value, str):
            return cls(severity=Severity(value))
        return cls(
            enabled=value.get("enabled"),
            severity=Severity(value["severity"]) if "severity" in value else None,
            params=value.get("params"),
            kinds=tuple(value["kinds"]) if "kinds" in value else None,
        )


@dataclass(frozen=True)
class PathOverride:
    paths: tuple[str, ...]
    rules: Mapping[str, RuleOverride]

    def matches(self, path: str) -> bool:
        return any(match_path(path, pattern) for pattern in self.paths)


@dataclass(frozen=True)
class ConfigExemption:
    rules: tuple[str, ...]
    reason: str
    paths: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    def matches(self, rule_id: str, path: str, kind: str | None, namespace: str | None, name: str | None) -> bool:
        """``path`` is relative to the configuration file's directory."""
        def any_glob(patterns: tuple[str, ...], value: str | None) -> bool:
            return not patterns or (value is not None and any(fnmatch.fnmatchcase(value, p) for p in patterns))

        return (
            any(fnmatch.fnmatchcase(rule_id, r) for r in self.rules)
            and (not self.paths or any(match_path(path, p) for p in self.paths))
            and any_glob(self.kinds, kind)
            and any_glob(self.namespaces, namespace)
            and any_glob(self.names, name)
        )


def match_path(path: str, pattern: str) -> bool:
    """Glob match of a repository-relative path; ``dir/**`` matches everything below ``dir``."""
    pattern = pattern.rstrip("/")
    if fnmatch.fnmatchcase(path, pattern):
        return True
    if pattern.endswith("/**") and (path == pattern[:-3] or path.startswith(pattern[:-2])):
        return True
    parts = path.split("/")
    return any(fnmatch.fnmatchcase("/".join(parts[: i + 1]), pattern) for i in range(len(parts)))


@dataclass
class Config:
    """The merged settings of a run (defaults, then the file, then the flags)."""

    path: Path | None = None
    kubernetes_version: str = "1.18"
    #: Environment name or glob -> the versions its cluster runs, in the order written (lintops.config.targets).
    environment_versions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    strict: bool = True
    fail_on: Severity = Severity.ERROR
    exclude: tuple[str, ...] = ()
    plugins: tuple[str, ...] = ()
    rules: dict[str, RuleOverride] = field(default_factory=dict)
    overrides: tuple[PathOverride, ...] = ()
    exemptions: tuple[ConfigExemption, ...] = ()
    allow_annotation_exemptions: bool = True
    allow_inline_exemptions: bool = True
    environments: Mapping[str, Any] | None = None
    workloads: Mapping[str, str] = field(default_factory=dict)
    baseline: str | None = None
    helm: Mapping[str, Any] = field(default_factory=dict)
    kustomize: Mapping[str, Any] = field(default_factory=dict)
    #: ``argocd:``: ``repositories``, the other URLs ArgoCD Applications name the linted repository by.
    argocd: Mapping[str, Any] = field(default_factory=dict)
    #: A policy's ``repository:`` section: what the linted tree's own configuration may do (lintops.config.policy).
    repository: Mapping[str, Any] = field(default_factory=dict)
    #: The top-level keys the file sets (a policy pins what it sets; the defaults pin nothing).
    keys: frozenset[str] = frozenset()
    #: The parsed file, so that a refused setting is reported at its line.
    document: Any = field(default=None, repr=False, compare=False)
    #: Under a policy: its grants (lintops.config.policy.Grants); None when the configuration is trusted as it is.
    grants: Any = None
    #: Under a policy: the policy file, and the linted tree's own configuration file if there is one.
    policy_path: Path | None = None
    repository_path: Path | None = None
    #: Where a relative ``baseline:`` is found (the directory of the file that named it).
    baseline_root: Path | None = None
    #: ``rule_docs_url``: the base of the rule pages reports link to (lintops.rule_links); None: no links.
    rule_docs_url: str | None = None
    #: ``packs``: rule packs turned on (lintops.catalog.configure); where each was named (the policy's or the tree's).
    packs: tuple[str, ...] = ()
    pack_places: Mapping[str, Place] = field(default_factory=dict, compare=False)

    @property
    def root(self) -> Path | None:
        """The directory of the configuration file: repository rules live below it."""
        return self.path.parent if self.path else None

    def position(self, pointer: str, at_key: bool = False) -> Position:
        """Where the node at ``pointer`` is written in the file (1:1 without a file)."""
        if self.document is None:
            return Position(1, 1)
        return self.document.position(pointer, at_key=at_key)

    def place(self, pointer: str, at_key: bool = False) -> Place | None:
        """Where the node at ``pointer`` is written, for an error about it (None: not read from a file)."""
        if self.document is None or self.path is None:
            return None
        position = self.document.position(pointer, at_key=at_key)
        return Place(self.path, position.line, position.column)

    def relative(self, display_path: str, base: Path | None = None) -> str:
        """A finding's path relative to the configuration's directory, which path globs are written against.

        ``display_path`` is relative to ``base`` (the repository root reports use), or absolute.
        """
        if self.root is None or display_path == "-":
            return display_path
        try:
            return ((base or Path.cwd()) / display_path).resolve().relative_to(self.root.resolve()).as_posix()
        except (ValueError, RuntimeError):  # RuntimeError: a loop of symbolic links in the tree
            return display_path

    def repository_rule_dirs(self, linted: Iterable[str]) -> list[Path]:
        """``.lintops/rules`` next to the config file, or at the root of a linted directory."""
        candidates = [self.root] if self.root else []
        candidates += [Path(p) for p in linted if p != "-" and Path(p).is_dir()]
        seen, found = set(), []
        for directory in candidates:
            # as written, not resolved: its rule files must stay inside the directory holding .lintops
            # (lintops.rules.load_rule_dir), so a .lintops that is a link out of the tree is refused
            rules_dir = Path(os.path.abspath(directory / REPOSITORY_RULES_DIR))
            real = os.path.realpath(rules_dir)  # never raises on a loop of links, unlike Path.resolve
            if rules_dir.is_dir() and real not in seen:
                seen.add(real)
                found.append(rules_dir)
        return found


def find_config(start: Path) -> Path | None:
    """The nearest configuration file at or above ``start`` (whatever it is: a link or a named pipe
    there is the configuration, and refused when it is read, never silently passed over)."""
    import os

    directory = start if start.is_dir() else start.parent
    directory = directory.resolve()
    for candidate in (directory, *directory.parents):
        for name in CONFIG_NAMES:
            path = candidate / name
            if os.path.lexists(path) and not path.is_dir():
                return path
    return None


def load_config(path: Path | None, within: Path | None = None) -> Config:
    """Read and validate a configuration file; ``None`` gives the defaults. ``within``: the directory a
    configuration found in the linted tree must stay inside (lintops.inputs.files; special files and
    files over the cap are refused wherever they are)."""
    if path is None:
        return Config()
    from ..inputs.files import LintedRoot
    from ..parse.stream import parse_bytes
    from ..schema.published import first_problem

    try:
        raw = LintedRoot(within).read_or_raise(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc.strerror}") from None
    parsed = parse_bytes(raw, str(path))
    if parsed.problems:
        problem = parsed.problems[0]
        raise ConfigError(problem.message, place=Place(path, problem.position.line, problem.position.column))
    documents = [d for d in parsed.documents if d.data is not None]
    if not documents:
        return Config(path=path)
    if len(documents) > 1:
        raise ConfigError("the configuration is one YAML document", place=Place(path, 1, 1))
    document = documents[0]
    data = document.data
    problem = first_problem(config_schema(), data, root="the configuration")
    if problem is not None and isinstance(data, dict):  # a version YAML read as a number: how to quote it
        from .targets import unquoted_version

        unquoted = unquoted_version(data, document, raw.decode("utf-8", "replace"), problem.pointer)
        if unquoted is not None:
            raise ConfigError(unquoted[1], place=Place(path, unquoted[0].line, unquoted[0].column))
    if problem is not None:
        pos = document.position(problem.pointer, at_key=problem.at_key)
        raise ConfigError(problem.message, place=Place(path, pos.line, pos.column))
    # a section left with only commented-out entries below it (null, as the schema allows) means "not set"
    data = {key: value for key, value in data.items() if value is not None}
    return _from_data(path, data, document)


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _from_data(path: Path, data: Mapping[str, Any], document: Any = None) -> Config:
    allow = data.get("allow_exemptions", {})
    version = data.get("kubernetes_version", "1.18")
    return Config(
        path=path,
        kubernetes_version=str(version),
        environment_versions={name: _as_tuple(value) for name, value in data.get("environment_versions", {}).items()},
        strict=data.get("strict", True),
        fail_on=Severity(data.get("fail_on", "error")),
        exclude=tuple(data.get("exclude", ())),
        plugins=tuple(data.get("plugins", ())),
        rules={rule_id: RuleOverride.parse(value) for rule_id, value in data.get("rules", {}).items()},
        overrides=tuple(
            PathOverride(tuple(item["paths"]), {k: RuleOverride.parse(v) for k, v in item["rules"].items()})
            for item in data.get("overrides", ())
        ),
        exemptions=tuple(
            ConfigExemption(
                rules=_as_tuple(item["rule"]),
                reason=_exemption_reason(item["reason"], index, document, path),
                paths=_as_tuple(item.get("path")),
                kinds=_as_tuple(item.get("kind")),
                namespaces=_as_tuple(item.get("namespace")),
                names=_as_tuple(item.get("name")),
            )
            for index, item in enumerate(data.get("exemptions", ()))
        ),
        allow_annotation_exemptions=allow.get("annotations", True),
        allow_inline_exemptions=allow.get("inline", True),
        environments=data.get("environments"),
        workloads=dict(data.get("workloads", {})),
        baseline=data.get("baseline"),
        helm=data.get("helm", {}),
        kustomize=data.get("kustomize", {}),
        argocd=data.get("argocd") or {},
        repository=data.get("repository", {}),
        keys=frozenset(data),
        document=document,
        baseline_root=path.parent if data.get("baseline") else None,
        rule_docs_url=_rule_docs_url(data, document, path),
        packs=tuple(dict.fromkeys(data.get("packs", ()))),
        pack_places=_pack_places(data, document, path),
    )


def _pack_places(data: Mapping[str, Any], document: Any, path: Path) -> dict[str, Place]:
    """Where each name of ``packs:`` is written (the first time, when it is written twice)."""
    found = [(n, document.position(f"/packs/{i}")) for i, n in enumerate(data.get("packs", ()))] if document else []
    return {name: Place(path, pos.line, pos.column) for name, pos in reversed(found)}


def _exemption_reason(reason: str, index: int, document: Any, path: Path) -> str:
    """An exemption's reason; a placeholder (``TODO``, ``REASON``, ``...``) is refused at its value, as a
    missing one is by the schema: it is no record of why the finding is accepted."""
    from ..reasons import is_placeholder_reason

    if is_placeholder_reason(reason):
        pos = document.position(f"/exemptions/{index}/reason") if document is not None else Position(1, 1)
        raise ConfigError(f"exemptions[{index}].reason: {reason.strip()!r} is a placeholder, not a reason: say why "
                          f"the finding is accepted", place=Place(path, pos.line, pos.column))
    return reason


def _rule_docs_url(data: Mapping[str, Any], document: Any, path: Path) -> str | None:
    """``rule_docs_url``, without a trailing slash; refused (at its value) unless it is an https base URL
    without credentials, query or fragment (the schema's pattern says less: lintops.rule_links)."""
    value = data.get("rule_docs_url")
    if value is None:
        return None
    from ..rule_links import url_problem

    problem = url_problem(value, base=True)
    if problem is not None:
        pos = document.position("/rule_docs_url") if document is not None else Position(1, 1)
        raise ConfigError(f"rule_docs_url {problem}", place=Place(path, pos.line, pos.column))
    return value.rstrip("/")


STARTER_CONFIG = """\
# lintops configuration. Every key is optional; the values shown are the defaults unless noted.
# Documentation of every rule: `lintops rules` and `lintops explain RULE`.

# Kubernetes version whose API schemas and served apiVersions are checked: any of 1.17 to 1.37,
# written 1.N, 1.N.P or v1.N.P (quoted).
kubernetes_version: "1.18"

# The version each environment's cluster runs, when they differ (environment names as lintops shows
# them in [env: ...]: values-<env>.yaml, Kustomize overlay directories, ArgoCD environments; globs
# allowed; a list checks an environment against each). Plain files and other environments use
# kubernetes_version; `lintops check -k` replaces both.
# environment_versions:
#   staging: "1.30"
#   "prod*": "1.29"

# Unknown fields are errors (as the API server's strict field validation treats them).
strict: true

# Lowest severity that fails the run (exit code 1): error, warning or info.
fail_on: error

# Paths never linted (globs, relative to the repository root).
exclude:
  - "vendor/**"

# Enable, disable or re-grade rules; `params` and `kinds` replace the rule's own.
rules:
  # readiness-probe: false
  # resource-requests: info
  # liveness-probe:
  #   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob]

# packs: [pss-baseline]   # rule packs to turn on (`lintops rules` lists them), e.g. pss-restricted

# Per-path rule settings (enable/disable and severity).
# overrides:
#   - paths: ["legacy/**"]
#     rules: {resource-limits: warning}

# Exemptions need a reason; they stay visible in reports as suppressed.
# exemptions:
#   - rule: pinned-image-tag
#     kind: Deployment
#     name: debug-shell
#     reason: "debug image is rebuilt daily on purpose"

# Whether objects may exempt themselves (annotation lintops.io/ignore-<rule>: "<reason>")
# and files by comment (# lintops: ignore[<rule>] <reason>).
allow_exemptions:
  annotations: true
  inline: true

# How to tell environments apart (regular expressions, matched against namespaces, names, paths).
environments:
  staging: ["stag(e|ing)"]
  production: ["prod(uction)?"]

# Custom workload kinds and where their pod spec is, so container rules apply to them.
# workloads:
#   Rollout: /spec/template/spec

# Where the rule reference is published: reports and the editor link each built-in rule to
# <rule_docs_url>/<rule-id>.md (https only). No default: without it, reports carry no links.
# rule_docs_url: https://github.com/ORG/lintops/blob/REVISION/docs/rules

# Plugins this repository needs: installed distributions declaring the `lintops` entry-point group
# (they load by themselves; naming one here makes a run without it stop with a clear error).
# plugins: [my-company-lintops-rules]
"""
