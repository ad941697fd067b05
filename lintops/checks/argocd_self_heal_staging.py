"""Check ``argocd-self-heal-staging``: self-healing outside staging needs a staging twin with automated sync.

ArgoCD's ``syncPolicy.automated.selfHeal`` reverts every change made in the cluster and applies every
commit without a person in between. In production that is only safe for a source that reaches staging
the same way first. This check holds back every ArgoCD ``Application`` and ``ApplicationSet`` of the
run and, after the last file, reports each one that self-heals outside staging when no staging
Application among the inputs deploys the same source with automated sync.

The exact semantics (environments, "same source", ApplicationSets) are documented in the rule file
``rules/argocd-self-heal-staging.yaml``; :mod:`lintops.config.environments` tells staging from production.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..argocd_apps import environment_candidates, normalise_path
from ..argocd_repository import normalise_repo_url
from ..config.environments import PRODUCTION, STAGING, Classification, EnvironmentPatterns, patterns_from
from ..lazy_pattern import lazy
from ..model import Resource, Violation
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext

_TEMPLATE_EXPRESSION = lazy(r"\{\{.*?\}\}")
_REFERENCE = lazy(r"\.?[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*")


def _strip_templates(value: Any) -> str | None:
    """A value with ApplicationSet template expressions removed, so that they classify nothing."""
    if not isinstance(value, str):
        return None
    return _TEMPLATE_EXPRESSION.sub("{{}}", value)


@dataclass(frozen=True)
class AppSource:
    """One source of an Application, as far as "same source" is concerned."""

    repo_url: str  # as written
    repo: str  # normalised
    chart: str | None
    path: str | None  # normalised; None for a Helm repository source
    value_files: tuple[str, ...] = ()

    def key(self, patterns: EnvironmentPatterns) -> tuple[str, str, str]:
        if self.chart is not None:
            return (self.repo, "chart", self.chart)
        return (self.repo, "path", patterns.neutral(self.path or ""))

    def describe_counterpart(self, patterns: EnvironmentPatterns) -> str:
        repo = f"repoURL '{self.repo_url}'" if self.repo_url else "no repoURL"
        if self.chart is not None:
            return f"{repo} with chart '{self.chart}'"
        if not self.path:
            return f"{repo} at the repository root"
        counterpart = patterns.staging_counterpart(self.path)
        if counterpart != self.path:
            return f"{repo} with path '{counterpart}' (any staging spelling, or '{self.path}' itself)"
        return f"{repo} with path '{self.path}'"


@dataclass
class AppRecord:
    """An Application, or one Application an ApplicationSet generates, reduced to what this check needs."""

    resource: Resource
    title: str  # "Application 'x'", "ApplicationSet 'y' (generated Application 'x')"
    pointer: str  # where selfHeal is
    spec: dict[str, Any]
    name: str | None
    labels: dict[str, Any]
    unexpanded_template: bool = False
    sources: list[AppSource] = field(default_factory=list)

    @property
    def automated(self) -> dict[str, Any] | None:
        policy = self.spec.get("syncPolicy")
        automated = policy.get("automated") if isinstance(policy, dict) else None
        return automated if isinstance(automated, dict) else None

    @property
    def automated_sync(self) -> bool:
        """``automated`` is set (``{}`` counts) and not switched off by ``enabled: false``."""
        automated = self.automated
        return automated is not None and automated.get("enabled") is not False

    @property
    def self_heal(self) -> bool:
        automated = self.automated
        return self.automated_sync and automated is not None and automated.get("selfHeal") is True

    def candidates(self) -> list[tuple[str, str]]:
        """Where the environment may be written, most telling first (lintops.argocd_apps)."""
        rendered = self.resource.source.environment if self.resource.kind == "Application" else None
        return environment_candidates(self.labels, rendered, self.spec,
                                      [source.path for source in self.sources if source.path],
                                      [value_file for source in self.sources for value_file in source.value_files],
                                      self.name)

    def classify(self, patterns: EnvironmentPatterns) -> Classification | None:
        """The first candidate that names one environment; template expressions name none."""
        for where, value in self.candidates():
            environment = patterns.classify_value(_strip_templates(value))
            if environment is not None:
                return Classification(environment, where, value)
        return None


def _sources(spec: dict[str, Any]) -> list[AppSource]:
    """The deployable sources: ``spec.sources`` (multi-source), else ``spec.source``, else the hydrator's."""
    raw: list[Any]
    if isinstance(spec.get("sources"), list) and spec["sources"]:
        raw = spec["sources"]
    elif isinstance(spec.get("source"), dict):
        raw = [spec["source"]]
    else:
        hydrator = spec.get("sourceHydrator")
        dry = hydrator.get("drySource") if isinstance(hydrator, dict) else None
        raw = [dry] if isinstance(dry, dict) else []
    sources = []
    for source in raw:
        if not isinstance(source, dict):
            continue
        chart = source.get("chart")
        chart = chart.strip() if isinstance(chart, str) and chart.strip() else None
        has_path = isinstance(source.get("path"), str)
        if chart is None and not has_path and source.get("ref"):
            continue  # values-only source of a multi-source Application: it deploys nothing itself
        helm = source.get("helm")
        value_files = helm.get("valueFiles") if isinstance(helm, dict) else None
        value_files = tuple(v for v in value_files if isinstance(v, str)) if isinstance(value_files, list) else ()
        repo_url = source.get("repoURL") if isinstance(source.get("repoURL"), str) else ""
        sources.append(AppSource(repo_url=repo_url.strip(), repo=normalise_repo_url(repo_url), chart=chart,
                                 path=None if chart is not None else normalise_path(source.get("path")),
                                 value_files=value_files))
    return sources


def _substitute(value: Any, params: dict[str, Any]) -> Any:
    """``value`` with ``{{key}}`` and ``{{.key}}`` (dotted for nested keys) taken from ``params``."""
    if isinstance(value, dict):
        return {key: _substitute(item, params) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, params) for item in value]
    if not isinstance(value, str) or "{{" not in value:
        return value

    def lookup(match: re.Match[str]) -> str:
        inner = match.group(0)[2:-2].strip("-").strip()
        if not _REFERENCE.fullmatch(inner):  # a function call or pipeline: not expanded
            return match.group(0)
        name = inner.lstrip(".")
        if name in params and not isinstance(params[name], (dict, list)):
            return str(params[name])
        current: Any = params
        for token in name.split("."):
            if not isinstance(current, dict) or token not in current:
                return match.group(0)
            current = current[token]
        return match.group(0) if isinstance(current, (dict, list)) or current is None else str(current)

    return _TEMPLATE_EXPRESSION.sub(lookup, value)


def _list_elements(spec: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """The parameter sets of the ``list`` generators, and whether other generators exist."""
    elements: list[dict[str, Any]] = []
    others = False
    generators = spec.get("generators")
    for generator in generators if isinstance(generators, list) else []:
        if not isinstance(generator, dict):
            continue
        listed = generator.get("list")
        if not isinstance(listed, dict) or not isinstance(listed.get("elements"), list):
            others = True
            continue
        selector = generator.get("selector")
        match_labels = selector.get("matchLabels") if isinstance(selector, dict) else None
        for element in listed["elements"]:
            if not isinstance(element, dict):
                continue
            if isinstance(match_labels, dict) and any(str(element.get(k)) != str(v) for k, v in match_labels.items()):
                continue
            elements.append(element)
    return elements, others or not elements


def _records(resource: Resource) -> Iterator[AppRecord]:
    body = resource.body
    spec = body.get("spec")
    if not isinstance(spec, dict):
        return
    if resource.kind == "Application":
        metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        labels = metadata.get("labels") if isinstance(metadata.get("labels"), dict) else {}
        yield AppRecord(resource, f"Application '{resource.name or '<unnamed>'}'",
                        "/spec/syncPolicy/automated/selfHeal", spec, resource.name, labels,
                        sources=_sources(spec))
        return
    template = spec.get("template")
    if not isinstance(template, dict):
        return
    appset = f"ApplicationSet '{resource.name or '<unnamed>'}'"
    pointer = "/spec/template/spec/syncPolicy/automated/selfHeal"
    elements, unexpanded = _list_elements(spec)
    variants: list[tuple[dict[str, Any], bool]] = [(_substitute(template, element), False) for element in elements]
    if unexpanded:
        variants.append((template, True))
    for variant, raw in variants:
        app_spec = variant.get("spec")
        if not isinstance(app_spec, dict):
            continue
        metadata = variant.get("metadata") if isinstance(variant.get("metadata"), dict) else {}
        name = metadata.get("name") if isinstance(metadata.get("name"), str) else None
        labels = metadata.get("labels") if isinstance(metadata.get("labels"), dict) else {}
        title = f"{appset} ({'template' if raw else 'generated Application'} '{name}')" if name else appset
        yield AppRecord(resource, title, pointer, app_spec, name, labels, unexpanded_template=raw,
                        sources=_sources(app_spec))


class ArgoCDSelfHealStaging(Check):
    name = "argocd-self-heal-staging"
    description = ("Reports ArgoCD Applications (and ApplicationSet templates) that self-heal outside staging "
                   "when no staging Application with automated sync deploys the same source.")
    cross_object_kinds = frozenset({"Application", "ApplicationSet"})

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(params)
        self._held: list[Resource] = []

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        resource = subject.resource
        if resource.kind in ("Application", "ApplicationSet") and resource.api_version.startswith("argoproj.io/"):
            self._held.append(resource)
        return ()

    def finish(self, ctx: RunContext) -> Iterator[tuple[Resource, Violation]]:
        held, self._held = self._held, []
        patterns = patterns_from(ctx.options.environments)
        records = [record for resource in held for record in _records(resource)]
        environments = {id(record): record.classify(patterns) for record in records}
        staging = [r for r in records if _env(environments[id(r)]) == STAGING]
        reported: set[tuple[int, str, str]] = set()
        for record in records:
            decided = environments[id(record)]
            if not record.self_heal or _env(decided) == STAGING:
                continue
            wanted = {source.key(patterns) for source in record.sources}
            covering = [r for r in staging if wanted and wanted <= {s.key(patterns) for s in r.sources}]
            if any(r.automated_sync for r in covering):
                continue
            violation = Violation(record.pointer, _message(record, decided, covering, patterns))
            marker = (id(record.resource), violation.pointer, violation.message)
            if marker not in reported:
                reported.add(marker)
                yield record.resource, violation


def _env(decided: Classification | None) -> str:
    return decided.environment if decided else PRODUCTION


def _message(record: AppRecord, decided: Classification | None, covering: list[AppRecord],
             patterns: EnvironmentPatterns) -> str:
    if decided is not None:
        where = f"{decided.where} '{decided.value}'" if decided.where else f"'{decided.value}'"
        environment = f"in production ({where})"
    elif record.unexpanded_template:
        environment = ("in an environment set by generator parameters that lintops does not expand "
                       "(treated as production)")
    else:
        environment = ("in an environment lintops cannot tell (no staging or production word in its env label, "
                       "destination, source paths or name; treated as production)")
    if not record.sources:
        return (f"{record.title} self-heals {environment}, but has no source (spec.source, spec.sources) "
                f"that a staging Application could deploy first")
    looked_for = " and ".join(source.describe_counterpart(patterns) for source in record.sources)
    message = (f"{record.title} self-heals {environment}, but no staging Application with automated sync "
               f"deploys the same source: looked for {looked_for}")
    if covering:
        names = ", ".join(f"'{r.name}'" if r.name else r.title for r in covering)
        plural = "s" if len(covering) > 1 else ""
        verb = "deploy" if plural else "deploys"
        message += f"; the staging Application{plural} {names} {verb} it without automated sync"
    return message
