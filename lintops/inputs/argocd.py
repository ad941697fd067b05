"""ArgoCD Applications as the map of a GitOps repository.

An Application whose source ``path`` points inside the linted repository says how that directory is
deployed: to which environment (its ``environment``/``env`` label, else its destination), with which
Helm values files, inline values, parameters and release name, or which Kustomize image overrides.
Rendering a chart or overlay with exactly those settings lints what ArgoCD will apply, not what the
chart's defaults would give.

Applications are found before rendering by a cheap pre-pass: only files whose bytes mention
``argoproj.io`` and ``Application`` are parsed here, once: discovery hands the parse on to the parse
stage (:attr:`lintops.inputs.discover.InputFile.parsed`). Files are read through
:class:`~lintops.inputs.files.LintedRoot`; values files an Application names are kept as written
(not resolved), so that the chart's renderer checks them like any file of the tree and a link out of
it is reported under its own name.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..parse.documents import ParsedFile
from ..parse.limits import DEFAULT_LIMITS, Limits
from ..parse.stream import parse_bytes
from .files import LintedRoot


@dataclass(frozen=True)
class AppSource:
    """How one Application deploys one directory of the repository."""

    application: str
    environment: str
    directory: Path
    value_files: tuple[Path, ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)
    release_name: str | None = None
    namespace: str | None = None
    images: tuple[str, ...] = ()
    defined_in: str = ""
    #: The destination cluster (``destination.server``, or ``name:`` and ``destination.name``; ``in-cluster`` is
    #: the local server), so that two Applications deploying the same object to one place can be told.
    cluster: str = ""

    @property
    def deployer(self) -> tuple[str, str, str, str]:
        """What :attr:`lintops.model.Source.applications` records of this Application."""
        return (self.application, self.defined_in, self.cluster, self.namespace or "")


def application_sources(files: Iterable[tuple[str, Path]], repository: Path,
                        within: LintedRoot | None = None, *, limits: Limits = DEFAULT_LIMITS,
                        parsed: dict[Path, tuple[int, ParsedFile]] | None = None) -> dict[Path, list[AppSource]]:
    """Every directory of ``repository`` that an Application among ``files`` deploys, with its settings.

    ``files`` are ``(display path, file path)`` pairs, read within ``within`` (default: the
    repository); one that may not be read is left out (it is reported when it is linted).
    Directories are resolved absolute paths. Each file is parsed as the parse stage parses it (under
    ``limits``, a ``.json`` file as JSON); with ``parsed``, each parse is put there under the file's
    path, with the number of bytes read, for that stage to use instead of parsing the file again.
    """
    reader = within or LintedRoot(repository)
    found: dict[Path, list[AppSource]] = {}
    for display, path in files:
        raw = reader.read(path)
        if not isinstance(raw, bytes) or b"argoproj.io" not in raw or b"Application" not in raw:
            continue
        parse = parse_bytes(raw, display, is_json=display.endswith(".json"), limits=limits)
        if parsed is not None:
            parsed[path] = (len(raw), parse)
        for document in parse.documents:
            body = document.data
            if not isinstance(body, dict) or body.get("kind") != "Application":
                continue
            if not str(body.get("apiVersion", "")).startswith("argoproj.io/"):
                continue
            for source in _sources_of(body, repository, display):
                found.setdefault(source.directory, []).append(source)
    return found


def _sources_of(body: dict[str, Any], repository: Path, display: str) -> list[AppSource]:
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    name = str(metadata.get("name") or "application")
    destination = spec.get("destination") if isinstance(spec.get("destination"), dict) else {}
    namespace = destination.get("namespace") if isinstance(destination.get("namespace"), str) else None
    labels = metadata.get("labels") if isinstance(metadata.get("labels"), dict) else {}
    label = labels.get("environment") or labels.get("env")
    environment = str(label or namespace or destination.get("name") or name)
    sources = spec.get("sources") if isinstance(spec.get("sources"), list) else [spec.get("source")]
    result = []
    for source in sources:
        if not isinstance(source, dict) or not isinstance(source.get("path"), str):
            continue
        directory = _resolve(repository / source["path"])
        if directory is None or not directory.is_dir() or repository.resolve() not in (directory, *directory.parents):
            continue  # another repository, or a path that is not here
        helm = source.get("helm") if isinstance(source.get("helm"), dict) else {}
        kustomize = source.get("kustomize") if isinstance(source.get("kustomize"), dict) else {}
        value_files = tuple(  # as written: the renderer checks where each leads before reading it
            Path(os.path.normpath(directory / item)) for item in _list(helm.get("valueFiles")) if isinstance(item, str)
        )
        result.append(
            AppSource(
                application=name,
                environment=environment,
                directory=directory,
                value_files=value_files,
                values=_helm_values(helm),
                release_name=helm.get("releaseName") if isinstance(helm.get("releaseName"), str) else None,
                namespace=namespace,
                images=tuple(str(image) for image in _list(kustomize.get("images"))),
                defined_in=display,
                cluster=_cluster(destination),
            )
        )
    return result


#: The server ArgoCD names ``in-cluster``: the cluster it runs in.
LOCAL_SERVER = "https://kubernetes.default.svc"


def _cluster(destination: Mapping[str, Any]) -> str:
    """The destination cluster as one string: the server URL without a trailing ``/``, else ``name:<name>``."""
    server, name = destination.get("server"), destination.get("name")
    if isinstance(server, str) and server.strip():
        return server.strip().rstrip("/")
    if isinstance(name, str) and name.strip():
        return LOCAL_SERVER if name.strip() == "in-cluster" else f"name:{name.strip()}"
    return ""


def _helm_values(helm: Mapping[str, Any]) -> dict[str, Any]:
    """Inline values (``valuesObject`` or the ``values`` string) with ``parameters`` applied on top."""
    values: dict[str, Any] = {}
    if isinstance(helm.get("valuesObject"), dict):
        values = dict(copy.deepcopy(helm["valuesObject"]))  # the document is linted too: keep it as it is
    elif isinstance(helm.get("values"), str):
        parsed = parse_bytes(helm["values"].encode(), "<helm.values>").documents
        if parsed and isinstance(parsed[0].data, dict):
            values = dict(parsed[0].data)
    for parameter in _list(helm.get("parameters")):
        if isinstance(parameter, dict) and isinstance(parameter.get("name"), str):
            _set_dotted(values, parameter["name"], parameter.get("value"))
    return values


def _list(value: Any) -> list[Any]:
    """A field the Application's schema says is a list; anything else (a hostile file) holds nothing."""
    return value if isinstance(value, list) else []


def _resolve(path: Path) -> Path | None:
    """``path`` resolved, or None when the file system refuses it (a NUL byte, a name too long, a loop)."""
    try:
        return path.resolve()
    except (OSError, ValueError, RuntimeError):
        return None


def _set_dotted(values: dict[str, Any], dotted: str, value: Any) -> None:
    """``--set a.b=c`` semantics for ArgoCD parameters (dots separate keys; ``\\.`` is a literal dot)."""
    keys = [key.replace("\x00", ".") for key in dotted.replace("\\.", "\x00").split(".")]
    target = values
    for key in keys[:-1]:
        child = target.get(key)
        if not isinstance(child, dict):
            child = target[key] = {}
        target = child
    target[keys[-1]] = value
