"""Where a node of an object a chart rendered inside an overlay is reported.

The same order as for any object of the overlay (:mod:`.locate`): the overlay patch that set the
value, a kustomization field (``images:``, ``namespace:``, labels), else the node in what it was made
from, which for a chart's object is the document Helm rendered: there lintops' Helm locator
(:mod:`lintops.inputs.helm`, "Pointing back") names the values key a person edits, else the template
line. The rendered node is followed into Helm's document by its merge keys (:mod:`.translate`), since
patches may have moved list items.
"""

from __future__ import annotations

from typing import Any

from ...model import Located, Location, Locator, iter_pointer_tokens, join_pointer
from ...parse.documents import ParsedDocument
from ..rendered import RenderedSource
from .locate import LocatorContext
from .objects import RenderedObject
from .patches import patch_applies, patch_hit
from .translate import translate, value_at


def chart_locator(context: LocatorContext, obj: RenderedObject, document: ParsedDocument, source: RenderedSource,
                  helm_document: ParsedDocument, item: int | None = None) -> Locator:
    """Where a node of a chart's object is reported: an overlay patch or kustomization field that set it, else
    where the Helm locator points for the document Helm rendered (a values key, else the template); ``item``
    is the object's index in that document when it is a ``kind: *List`` kustomize took apart."""
    helm_data = helm_document.data
    prefix = ""
    if item is not None:
        items = helm_data.get("items") if isinstance(helm_data, dict) else None
        helm_data = items[item] if isinstance(items, list) and item < len(items) else None
        prefix = join_pointer("/items", item)
    metadata = helm_data.get("metadata") if isinstance(helm_data, dict) else None
    original_name = metadata.get("name") if isinstance(metadata, dict) else None
    original_name = original_name if isinstance(original_name, str) else None
    patches = [patch for patch in context.patches if patch_applies(patch, obj, original_name)]
    helm_locate = source.locators(helm_document) if source.locators is not None else None
    related = context.related
    show = context.paths.show

    def in_chart(tokens: list[str], at_key: bool) -> Located:
        if helm_locate is None:
            return Located(Location(source.source.path, 1, 1), related)
        found = helm_locate(join_pointer(prefix, *tokens), at_key)
        return Located(found.location, (*found.related, *related))

    def at(hit: Any) -> Located:
        return Located(Location(show(hit.path), hit.position.line, hit.position.column), related)

    def locate(pointer: str, at_key: bool) -> Located:
        rendered = document.data if document.data is not None else obj.data
        tokens = list(iter_pointer_tokens(pointer))
        exists, value = value_at(rendered, tokens)
        scalar = exists and not isinstance(value, (dict, list))
        out, complete, chart_value = translate(rendered, helm_data, tokens)
        hits = [hit for patch in patches if (hit := patch_hit(patch, rendered, tokens, at_key)) is not None]
        if scalar:
            equal = [hit for hit in hits if hit.complete and hit.value == value]
            if equal:
                return at(equal[-1])
        if complete and (not scalar or chart_value == value):
            return in_chart(out, at_key)
        if scalar:
            hit = context._transformer_hit(tokens, value, obj, original_name, chart_value if complete else None)
            if hit is not None:
                return at(hit)
        if complete:
            return in_chart(out, at_key)
        whole = [hit for hit in hits if hit.complete]
        if whole:
            return at(whole[-1])
        deeper = [hit for hit in hits if hit.depth > len(out)]
        if deeper:
            return at(max(deeper, key=lambda hit: hit.depth))
        return in_chart(out, at_key)

    return locate
