"""The output of ``kustomize build`` as one :class:`RenderedSource` per file that defined objects.

Findings are reported per file a person edits, so the rendered objects are grouped by their origin
file, and every group gets locators that point its nodes back into that file, its patches or the
kustomization fields that set them.
"""

from __future__ import annotations

from pathlib import Path

from ...model import Source
from ...yaml_source import parse_text
from ..rendered import RenderedSource
from .locate import LocatorContext
from .objects import RenderedObject, read_object
from .paths import DisplayPaths
from .references import Kustomization, KustomizationTree


def rendered_sources(stdout: str, origin_base: Path, paths: DisplayPaths, tree: KustomizationTree,
                     cache: dict[Path, Kustomization | None], environment: str) -> list[RenderedSource]:
    """The objects ``kustomize build`` printed, grouped by origin file, with their locators."""
    parsed = parse_text(stdout, "<kustomize build>")
    lines = stdout.splitlines(keepends=True)
    groups: dict[Path, list[RenderedObject]] = {}
    for document in parsed.documents:
        if not isinstance(document.data, dict) or document.root is None:
            continue
        obj = read_object(document, lines, origin_base, cache)
        groups.setdefault(obj.origin or tree.kustomizations[0].file, []).append(obj)
    context = LocatorContext(paths, tree, environment)
    sources = []
    for origin, objects in groups.items():
        text = "---\n".join(obj.text for obj in objects)
        sources.append(RenderedSource(
            text=text,
            source=Source(path=paths.show(origin), origin="kustomize", environment=environment),
            locators=context.factory(origin, objects),
        ))
    return sources
