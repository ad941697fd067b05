"""Pointing a node of a rendered object back at the file and line that defined it.

Ties the other lookups together in the order the package docstring gives: the patch that set the
value, the node in the origin file, the kustomization field, else the nearest parent found.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...model import Located, Location, Locator, iter_pointer_tokens, join_pointer
from ...parse.documents import ParsedDocument, ParsedFile
from ...parse.stream import parse_bytes
from ..files import UNCONFINED
from .objects import RenderedObject
from .patches import Patch, patch_applies, patch_hit, patches_of
from .paths import DisplayPaths
from .references import KustomizationTree
from .transformers import generator_position, transformer_pointer
from .translate import Hit, translate, value_at


class LocatorContext:
    """What the locators of one render share: the files of the tree, parsed once."""

    def __init__(self, paths: DisplayPaths, tree: KustomizationTree, environment: str) -> None:
        self.paths = paths
        self.tree = tree
        self.environment = environment
        self.related = (Location(paths.show(tree.kustomizations[0].file), 1, 1),)
        self._files: dict[Path, ParsedFile | None] = {}
        self._patches: list[Patch] | None = None

    def parsed(self, path: Path) -> ParsedFile | None:
        if path not in self._files:
            try:
                # files kustomize read, checked before it ran; still never a pipe, never past the cap
                self._files[path] = parse_bytes(UNCONFINED.read_or_raise(path), str(path))
            except OSError:
                self._files[path] = None
        return self._files[path]

    @property
    def patches(self) -> list[Patch]:
        if self._patches is None:
            self._patches = []
            for kustomization in self.tree.kustomizations:
                self._patches.extend(patches_of(kustomization, self.parsed))
        return self._patches

    def factory(self, origin: Path, objects: list[RenderedObject]) -> Callable[[ParsedDocument], Locator]:
        """The locator factory of the source of ``origin``, whose documents are ``objects`` in order."""
        def make(document: ParsedDocument) -> Locator:
            index = document.index
            obj = objects[index] if index < len(objects) else None
            return self.locator(origin, obj, document)

        return make

    def locator(self, origin: Path, obj: RenderedObject | None, document: ParsedDocument) -> Locator:
        related = self.related
        origin_display = self.paths.show(origin)
        if obj is None:
            return lambda pointer, at_key: Located(Location(origin_display, 1, 1), related)
        if obj.generator is not None:
            kustomization, field_name = obj.generator
            position = generator_position(kustomization, field_name, obj.name)
            return lambda pointer, at_key: Located(Location(origin_display, position.line, position.column), related)
        match = self._origin_document(origin, obj)
        original_name = None
        if match is not None:
            metadata = match[1].get("metadata")
            original_name = metadata.get("name") if isinstance(metadata, dict) else None
        patches = [p for p in self.patches if patch_applies(p, obj, original_name)]

        def locate(pointer: str, at_key: bool) -> Located:
            rendered = document.data if document.data is not None else obj.data
            hit = self._locate(origin, rendered, pointer, at_key, match, patches, obj, original_name)
            if hit is None:
                return Located(Location(origin_display, 1, 1), related)
            return Located(Location(self.paths.show(hit.path), hit.position.line, hit.position.column), related)

        return locate

    def _origin_document(self, origin: Path, obj: RenderedObject) -> tuple[ParsedDocument, dict[str, Any], str] | None:
        parsed = self.parsed(origin)
        if parsed is None:
            return None
        candidates: list[tuple[ParsedDocument, dict[str, Any], str]] = []
        for document in parsed.documents:
            data = document.data
            if not isinstance(data, dict):
                continue
            items = data.get("items")
            if isinstance(data.get("kind"), str) and data["kind"].endswith("List") and isinstance(items, list):
                candidates.extend((document, item, f"/items/{i}") for i, item in enumerate(items)
                                  if isinstance(item, dict) and item.get("kind") == obj.kind)
            elif data.get("kind") == obj.kind:
                candidates.append((document, data, ""))
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        best, best_score = None, 0.0
        for candidate in candidates:
            metadata = candidate[1].get("metadata") if isinstance(candidate[1].get("metadata"), dict) else {}
            name, namespace = metadata.get("name"), metadata.get("namespace")
            if not isinstance(name, str) or not obj.name:
                continue
            score = 3.0 if name == obj.name else (2.0 + len(name) / 1000 if name in obj.name else 0.0)
            if score and namespace is not None and namespace == obj.namespace:
                score += 0.5
            if score > best_score:
                best, best_score = candidate, score
        return best

    def _locate(self, origin: Path, rendered: Any, pointer: str, at_key: bool,
                match: tuple[ParsedDocument, dict[str, Any], str] | None, patches: list[Patch], obj: RenderedObject,
                original_name: str | None) -> Hit | None:
        tokens = list(iter_pointer_tokens(pointer))
        exists, value = value_at(rendered, tokens)
        scalar = exists and not isinstance(value, (dict, list))
        origin_hit = None
        if match is not None:
            document, data, root = match
            out, complete, found = translate(rendered, data, tokens)
            position = document.position(root + join_pointer("", *out), at_key)
            origin_hit = Hit(origin, position, len(out), complete, found)
        patch_hits = [hit for patch in patches if (hit := patch_hit(patch, rendered, tokens, at_key)) is not None]
        if scalar:
            equal = [hit for hit in patch_hits if hit.complete and hit.value == value]
            if equal:
                return equal[-1]
        if origin_hit is not None and origin_hit.complete and (not scalar or origin_hit.value == value):
            return origin_hit
        if scalar:
            hit = self._transformer_hit(tokens, value, obj, original_name,
                                        origin_hit.value if origin_hit and origin_hit.complete else None)
            if hit is not None:
                return hit
        if origin_hit is not None and origin_hit.complete:
            return origin_hit
        complete = [hit for hit in patch_hits if hit.complete]
        if complete:
            return complete[-1]
        partial = [hit for hit in (origin_hit, *patch_hits) if hit is not None]
        return max(partial, key=lambda hit: hit.depth) if partial else None

    def _transformer_hit(self, tokens: list[str], value: Any, obj: RenderedObject, original_name: str | None,
                         origin_value: Any) -> Hit | None:
        for kustomization in self.tree.kustomizations:
            pointer = transformer_pointer(kustomization, tokens, value, obj, original_name, origin_value)
            if pointer is not None:
                return Hit(kustomization.file, kustomization.position(pointer), len(tokens), True, value)
        return None
