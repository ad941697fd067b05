"""One rendered object: its text without the origin annotation, and the file or generator it came from.

The origin annotation is asked for only to map findings back; rules must never see it, so it is
removed from the text and the data here, before anything else looks at the object.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ...parse.documents import ParsedDocument
from .nodes import key_node_at, node_at
from .references import Kustomization, load_kustomization

ORIGIN_ANNOTATION = "config.kubernetes.io/origin"


@dataclass(eq=False)
class RenderedObject:
    """A rendered object without its origin annotation, and where it came from."""

    data: dict[str, Any]
    text: str
    kind: str | None
    name: str | None
    namespace: str | None
    origin: Path | None = None  # real path of the file that defined the object
    generator: tuple[Kustomization, str] | None = None  # kustomization and the field of its generator


def read_object(document: ParsedDocument, lines: list[str], origin_base: Path,
                cache: dict[Path, Kustomization | None],
                allowed: Callable[[Path], bool] | None = None) -> RenderedObject:
    """The object of one document of the build output (``lines``); origin paths are relative to ``origin_base``.

    ``allowed`` says which origin files may be taken (and read later): kustomize sets the origin of
    what it loads itself, but keeps one that generated output brings along, which a chart's template
    may write (:mod:`.helm_charts`); an origin it refuses is ignored.
    """
    data: dict[str, Any] = document.data
    root = document.root
    assert root is not None
    start = root.start_mark.line
    end = root.end_mark.line + (1 if root.end_mark.column else 0)
    removed: tuple[int, int] | None = None
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    annotations = metadata.get("annotations") if isinstance(metadata.get("annotations"), dict) else {}
    origin_text = annotations.get(ORIGIN_ANNOTATION)
    annotations_node = node_at(root, ["metadata", "annotations"])
    if origin_text is not None and isinstance(annotations_node, yaml.MappingNode) and not annotations_node.flow_style:
        for key_node, value_node in annotations_node.value:
            if key_node.value == ORIGIN_ANNOTATION:
                first = key_node.start_mark.line
                last = value_node.end_mark.line + (1 if value_node.end_mark.column else 0)
                if len(annotations_node.value) == 1:
                    parent = key_node_at(root, ["metadata", "annotations"])
                    first = parent.start_mark.line if parent is not None else first
                removed = (first, last)
    text = "".join(line for number, line in enumerate(lines[start:end], start)
                   if removed is None or not removed[0] <= number < removed[1])
    if not text.endswith("\n"):
        text += "\n"
    if origin_text is not None:
        annotations = {k: v for k, v in annotations.items() if k != ORIGIN_ANNOTATION}
        metadata = {**metadata, "annotations": annotations} if annotations else \
            {k: v for k, v in metadata.items() if k != "annotations"}
        data = {**data, "metadata": metadata}
        if removed is None:  # an unexpected layout: write the object again rather than lint the annotation
            text = yaml.safe_dump(data, sort_keys=False)
    name = metadata.get("name")
    namespace = metadata.get("namespace")
    obj = RenderedObject(data, text, data.get("kind") if isinstance(data.get("kind"), str) else None,
                         name if isinstance(name, str) else None, namespace if isinstance(namespace, str) else None)
    try:
        origin = yaml.safe_load(origin_text) if isinstance(origin_text, str) else None
    except yaml.YAMLError:
        origin = None
    if isinstance(origin, dict):
        path = origin.get("path") if isinstance(origin.get("path"), str) else origin.get("configuredIn")
        if isinstance(path, str) and allowed is not None and not allowed(Path(os.path.normpath(origin_base / path))):
            origin = None
    if isinstance(origin, dict):
        if isinstance(origin.get("path"), str) and not origin.get("repo"):
            obj.origin = Path(os.path.normpath(origin_base / origin["path"]))
        elif isinstance(origin.get("configuredIn"), str):
            configured_in = Path(os.path.normpath(origin_base / origin["configuredIn"]))
            kustomization = load_kustomization(configured_in.parent, cache)
            by = origin.get("configuredBy") if isinstance(origin.get("configuredBy"), dict) else {}
            field_name = {"ConfigMapGenerator": "configMapGenerator", "SecretGenerator": "secretGenerator",
                          "HelmChartInflationGenerator": "helmCharts"}.get(str(by.get("kind")), "")
            if kustomization is not None:
                obj.origin = kustomization.file
                obj.generator = (kustomization, field_name)
    return obj


def name_matches(name: Any, obj: RenderedObject, original_name: str | None) -> bool:
    """Whether a name written in a kustomization (a patch, ``replicas:``) refers to ``obj``."""
    if not isinstance(name, str) or not obj.name:
        return False
    if name in (obj.name, original_name):
        return True
    return bool(original_name) and original_name in name and name in obj.name
