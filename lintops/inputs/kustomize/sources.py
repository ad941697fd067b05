"""The output of ``kustomize build`` as one :class:`RenderedSource` per file that defined objects.

Findings are reported per file a person edits, so the rendered objects are grouped by their origin
file, and every group gets locators that point its nodes back into that file, its patches or the
kustomization fields that set them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ...model import Source
from ...parse.stream import parse_text
from ..rendered import RenderedSource
from .locate import LocatorContext
from .objects import RenderedObject, read_object
from .paths import DisplayPaths
from .references import Kustomization, KustomizationTree

if TYPE_CHECKING:  # pragma: no cover
    from .helm_charts import Inflation


def rendered_sources(stdout: str, origin_base: Path, paths: DisplayPaths, tree: KustomizationTree,
                     cache: dict[Path, Kustomization | None], environment: str,
                     inflation: Inflation | None = None) -> list[RenderedSource]:
    """The objects ``kustomize build`` printed, grouped by origin file, with their locators; those a
    ``helmCharts`` entry inflated are grouped by template by ``inflation`` (:mod:`.helm_charts`)."""
    parsed = parse_text(stdout, "<kustomize build>")
    lines = stdout.splitlines(keepends=True)
    groups: dict[Path, list[RenderedObject]] = {}
    for document in parsed.documents:
        if not isinstance(document.data, dict) or document.root is None:
            continue
        obj = read_object(document, lines, origin_base, cache, inflation.allowed if inflation is not None else None)
        groups.setdefault(obj.origin or tree.kustomizations[0].file, []).append(obj)
    context = LocatorContext(paths, tree, environment)
    sources = []
    if inflation is not None:
        charted = [origin for origin in groups if inflation.owns(origin)]
        sources.extend(inflation.sources([obj for origin in charted for obj in groups.pop(origin)], context))
    for origin, objects in groups.items():
        text = "---\n".join(obj.text for obj in objects)
        sources.append(RenderedSource(
            text=text,
            source=Source(path=paths.show(origin), origin="kustomize", environment=environment),
            locators=context.factory(origin, objects),
        ))
    return sources
