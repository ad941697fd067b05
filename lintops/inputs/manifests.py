"""Parsed documents to Kubernetes resources.

A document is a manifest when it is a mapping with ``apiVersion`` or ``kind``. A mapping with
neither (a Helm values file, ``kustomization.yaml``, ``Chart.yaml``, a CI file) is not linted as a
manifest here; it is counted so that the summary can say how many files were skipped. A mapping
with only one of the two is broken and reported (``schema``), as kubectl would refuse it.
``kind: List`` (and any ``*List`` with ``items``) is expanded into its items, each a resource of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..model import Located, Location, Locator, Position, Resource, Source, join_pointer
from ..parse.documents import ParsedDocument, ParsedFile
from ..stage_rules import SCHEMA

#: Makes a resource's locator from its document; renderers pass their own to point back at sources.
LocatorFactory = Callable[[ParsedDocument], Locator]


def file_locator(path: str) -> LocatorFactory:
    """Nodes are where they are written: the default for files a person edits directly."""

    def factory(document: ParsedDocument) -> Locator:
        def locate(pointer: str, at_key: bool) -> Located:
            start, end = document.span(pointer, at_key)
            return Located(Location(path, start.line, start.column), end=end)

        return locate

    return factory


@dataclass(frozen=True)
class ManifestProblem:
    """An object that cannot be identified (no kind, no apiVersion); reported under the ``schema`` rule."""

    rule_id: str
    message: str
    position: Position


#: The pseudo-kind of a Helm values file linted on its own (rules target it as ``helm-values``).
HELM_VALUES_API_VERSION = "lintops.io/v1"
HELM_VALUES_KIND = "HelmValues"


def is_values_file(path: str) -> bool:
    """``values.yaml``, ``values-production.yml``, ``values.staging.yaml``: Helm's naming convention."""
    name = path.rsplit("/", 1)[-1]
    return name.startswith("values") and name.endswith((".yaml", ".yml"))


@dataclass
class FileManifests:
    resources: list[Resource] = field(default_factory=list)
    problems: list[ManifestProblem] = field(default_factory=list)
    other_documents: int = 0
    #: Helm values documents of a values file with no chart beside it (see HELM_VALUES_KIND).
    values: list[Resource] = field(default_factory=list)

    @property
    def is_manifest_file(self) -> bool:
        return bool(self.resources or self.problems)


def is_object_list(body: dict[str, Any]) -> bool:
    """A list of objects (``kind: List``, ``ConfigMapList``), which is applied, and linted, item by item."""
    kind = body.get("kind")
    return isinstance(kind, str) and kind.endswith("List") and isinstance(body.get("items"), list)


def resources_from(parsed: ParsedFile, source: Source | None = None,
                   locators: LocatorFactory | None = None) -> FileManifests:
    """Every resource of a parsed file, in document order."""
    source = source or Source(parsed.path)
    locators = locators or file_locator(source.path)
    result = FileManifests()
    for document in parsed.documents:
        add_document(result, document, parsed.path, source, locators)
    return result


def add_document(result: FileManifests, document: ParsedDocument, path: str, source: Source,
                 locators: LocatorFactory) -> None:
    """Add the resources of one document of the file ``path`` (the engine streams a file's documents)."""
    body = document.data
    if body is None:
        return
    if not isinstance(body, dict) or ("apiVersion" not in body and "kind" not in body):
        if source.origin != "file":  # a renderer's output is applied whole: each document must be an object
            result.problems.append(ManifestProblem(SCHEMA, _NOT_AN_OBJECT, document.position("")))
            return
        result.other_documents += 1
        if isinstance(body, dict) and is_values_file(path):
            result.values.append(Resource(HELM_VALUES_API_VERSION, HELM_VALUES_KIND, None, path, body,
                                          source, locator=locators(document)))
        return
    locator = locators(document)
    if is_object_list(body):
        for index, item in enumerate(body["items"]):
            _add(result, item, document, source, join_pointer("/items", index), locator)
    else:
        _add(result, body, document, source, "", locator)


#: A rendered document that is not an object: Helm's install refuses the release ("apiVersion not set, kind
#: not set"), kubectl the stream; a plain file's such document is a values or CI file instead.
_NOT_AN_OBJECT = ("rendered document is not a Kubernetes object (a mapping with 'apiVersion' and 'kind'): "
                  "applying it fails")


def _add(result: FileManifests, body: Any, document: ParsedDocument, source: Source, root: str,
         locator: Locator) -> None:
    if not isinstance(body, dict):
        result.problems.append(
            ManifestProblem(SCHEMA, "list item is not a Kubernetes object (expected a mapping)",
                            document.position(root))
        )
        return
    api_version, kind = body.get("apiVersion"), body.get("kind")
    missing = [key for key, value in (("apiVersion", api_version), ("kind", kind))
               if not isinstance(value, str) or not value]
    if missing:
        names = " and ".join(f"'{key}'" for key in missing)
        result.problems.append(
            ManifestProblem(SCHEMA, f"missing {names} key: not a valid Kubernetes object", document.position(root))
        )
        return
    metadata = body.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    name = metadata.get("name") or metadata.get("generateName")
    namespace = metadata.get("namespace")
    result.resources.append(
        Resource(
            api_version=_SHARED.get(api_version) or _shared(api_version),
            kind=_SHARED.get(kind) or _shared(kind),
            namespace=namespace if isinstance(namespace, str) else None,
            name=name if name.__class__ is str else _name(name),
            body=body,
            source=source,
            root_pointer=root,
            locator=locator,
            has_nulls=document.has_nulls,
        )
    )


def _name(value: Any) -> str | None:
    """The object's name as reports show it: text as written; a name that is a list or a mapping (the
    schema reports it) is no name, and is never turned into text (it may be nested a thousand deep)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return str(value)
    return None


_SHARED: dict[str, str] = {}


def _shared(text: str) -> str:
    """One string object for each apiVersion and kind: a run keeps an ObjectRef of every object (JUnit
    lists them), and half a million ConfigMaps need not hold half a million copies of "ConfigMap"."""
    found = _SHARED.get(text)
    if found is None:
        if len(_SHARED) >= 4096:  # a hostile file of distinct kinds: keep its own strings
            return text
        found = _SHARED[text] = text
    return found
