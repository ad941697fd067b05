"""Reading ArgoCD Applications as the ArgoCD rules do: what is one, its sources, the repository it may name, its
environment.

Shared by ``argocd-application-source``, ``argocd-floating-revision`` and ``argocd-self-heal-staging`` (a
check module imports no other check module). The environment is told in one order
(:func:`environment_candidates`: env labels, the environment it was rendered for, its destination, its
source paths and values files, its name; :mod:`lintops.config.environments` says which words name which
environment), so that the rules never disagree about which Applications are production.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .redact import mask_url_credentials

if TYPE_CHECKING:  # pragma: no cover
    from .argocd_repository import RepositoryInfo
    from .config.environments import Classification, EnvironmentPatterns
    from .model import Resource
    from .run_context import RunContext

#: The labels an Application may name its environment by.
ENV_LABELS = ("env", "environment")


def is_application(resource: Resource, kind: str = "Application") -> bool:
    return resource.kind == kind and str(resource.api_version).startswith("argoproj.io/")


def application_sources(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``(pointer, source)`` of every source: ``spec.sources`` when it is a non-empty list, else ``spec.source``."""
    if isinstance(spec.get("sources"), list) and spec["sources"]:
        return [(f"/spec/sources/{i}", s) for i, s in enumerate(spec["sources"]) if isinstance(s, dict)]
    source = spec.get("source")
    return [("/spec/source", source)] if isinstance(source, dict) else []


def repository_of(ctx: RunContext) -> RepositoryInfo:
    """The linted repository (the run's base directory) with the configuration's ``argocd.repositories``."""
    from .argocd_repository import repository_info

    argocd = getattr(ctx.options, "argocd", None) or {}
    aliases = argocd.get("repositories") if isinstance(argocd, dict) else None
    return repository_info(ctx.options.base_dir or Path.cwd(), aliases if isinstance(aliases, list) else ())


def shown_url(url: Any) -> str:
    """A ``repoURL`` as a message may quote it: credentials in it masked, a long one cut."""
    text = mask_url_credentials(str(url))
    return text if len(text) <= 200 else text[:200] + "..."


def environment_of(resource: Resource, patterns: EnvironmentPatterns) -> Classification | None:
    """The environment of the Application ``resource``: the first candidate that names exactly one."""
    from .config.environments import Classification

    for where, value in _candidates(resource):
        if "{{" in value:
            continue  # a template expression names no environment
        environment = patterns.classify_value(value)
        if environment is not None:
            return Classification(environment, where, value)
    return None


def environment_candidates(labels: dict[str, Any], rendered: str | None, spec: dict[str, Any],
                           paths: list[str], value_files: list[str], name: str | None) -> list[tuple[str, str]]:
    """Where an Application's environment may be written, most telling first (the order both
    ``argocd-self-heal-staging`` and the rules of this module tell it in): its env labels, the environment
    it was rendered for, its destination, its source paths, its Helm values files, its name."""
    found: list[tuple[str, Any]] = [(f"label {key}", labels.get(key)) for key in ENV_LABELS]
    found.append(("rendered environment", rendered))
    destination = spec.get("destination")
    if isinstance(destination, dict):
        found.extend((f"destination {key}", destination.get(key)) for key in ("namespace", "name", "server"))
    found.extend(("source path", path) for path in paths)
    found.extend(("Helm values file", value_file) for value_file in value_files)
    found.append(("name", name))
    return [(where, value) for where, value in found if isinstance(value, str) and value]


def _candidates(resource: Resource) -> list[tuple[str, str]]:
    body = resource.body
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    labels = metadata.get("labels") if isinstance(metadata.get("labels"), dict) else {}
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    sources = [source for _, source in application_sources(spec)
               if source.get("chart") or isinstance(source.get("path"), str) or not source.get("ref")]
    value_files: list[str] = []
    for source in sources:
        helm = source.get("helm")
        files = helm.get("valueFiles") if isinstance(helm, dict) else None
        if isinstance(files, list):
            value_files.extend(item for item in files if isinstance(item, str))
    paths = [normalise_path(source.get("path")) for source in sources if not source.get("chart")]
    return environment_candidates(labels, resource.source.environment, spec, paths, value_files, resource.name)


def normalise_path(path: Any) -> str:
    """A source path without ``./``, doubled or outer slashes; the repository root is ``""``."""
    if not isinstance(path, str):
        return ""
    return "/".join(part for part in path.strip().split("/") if part not in ("", "."))
