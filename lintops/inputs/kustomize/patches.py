"""The patches of a kustomization tree: where each is written, which objects it targets, what it sets.

A value an overlay patch sets should be reported at the patch, not at the base it overrides; this
module finds the patches (files or inline text), decides whether one applies to an object, and
points a rendered node at the place in the patch that wrote it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ...model import Position, iter_pointer_tokens, join_pointer
from ...parse.documents import ParsedDocument, ParsedFile
from ...parse.stream import parse_text
from ...patterns import fullmatch
from .nodes import node_at
from .objects import RenderedObject, name_matches
from .references import Kustomization
from .translate import Hit, translate, value_at

_Shift = Callable[[Position], Position]


def _no_shift(position: Position) -> Position:
    return position


@dataclass(eq=False)
class Patch:
    """One patch document, where it is written, and which objects it targets."""

    path: Path  # real path of the file it is written in (a patch file, or the kustomization for inline ones)
    document: ParsedDocument
    target: dict[str, Any] | None
    shift: _Shift = _no_shift

    @property
    def is_json6902(self) -> bool:
        return isinstance(self.document.data, list)

    def position(self, pointer: str, at_key: bool) -> Position:
        return self.shift(self.document.position(pointer, at_key))


def patches_of(kustomization: Kustomization, parse_file: Callable[[Path], ParsedFile | None]) -> list[Patch]:
    """The patches ``kustomization`` lists, one per document; ``parse_file`` parses a patch file (cached)."""
    found: list[Patch] = []
    for index, entry in kustomization.items("patchesStrategicMerge"):
        pointer = join_pointer("/patchesStrategicMerge", index)
        found.extend(_patch_documents(kustomization, entry, None, pointer, parse_file))
    for key in ("patches", "patchesJson6902"):
        for index, entry in kustomization.items(key):
            if not isinstance(entry, dict):
                continue
            target = entry.get("target") if isinstance(entry.get("target"), dict) else None
            if isinstance(entry.get("path"), str):
                found.extend(_patch_documents(kustomization, entry["path"], target, None, parse_file))
            elif isinstance(entry.get("patch"), str):
                found.extend(_patch_documents(kustomization, entry["patch"], target,
                                              join_pointer(f"/{key}", index, "patch"), parse_file))
    return found


def _patch_documents(kustomization: Kustomization, entry: Any, target: dict[str, Any] | None,
                     inline_pointer: str | None, parse_file: Callable[[Path], ParsedFile | None]) -> list[Patch]:
    if not isinstance(entry, str):
        return []
    candidate = kustomization.directory / entry
    if "\n" not in entry and candidate.is_file():
        path = Path(os.path.realpath(candidate))
        parsed = parse_file(path)
        shift = _no_shift
    elif inline_pointer is not None or "\n" in entry:
        path = kustomization.file
        parsed = parse_text(entry, str(path))
        shift = _inline_shift(kustomization, inline_pointer)
    else:
        return []
    if parsed is None:
        return []
    return [Patch(path, document, target, shift) for document in parsed.documents
            if isinstance(document.data, (dict, list))]


def _inline_shift(kustomization: Kustomization, pointer: str | None) -> _Shift:
    """Positions in an inline patch's own text to positions in its kustomization file."""
    document = kustomization.document
    node = None
    if document is not None and pointer is not None:
        node = node_at(document.root, list(iter_pointer_tokens(pointer)))
    if not isinstance(node, yaml.ScalarNode):
        return lambda _position: Position(1, 1)
    start = node.start_mark
    if node.style != "|":
        return lambda _position: Position(start.line + 1, start.column + 1)
    lines = kustomization.parsed.text.splitlines()
    content = next((line for line in lines[start.line + 1:] if line.strip()), "")
    indent = len(content) - len(content.lstrip(" "))
    return lambda position: Position(start.line + 1 + position.line, position.column + indent)


def patch_hit(patch: Patch, rendered: Any, tokens: list[str], at_key: bool) -> Hit | None:
    """Where ``patch`` writes the node at ``tokens`` of ``rendered`` (or its deepest parent), if it does."""
    data = patch.document.data
    if isinstance(data, dict):
        out, complete, value = translate(rendered, data, tokens)
        if not out:
            return None
        return Hit(patch.path, patch.position(join_pointer("", *out), at_key), len(out), complete, value)
    best: Hit | None = None
    for index, operation in enumerate(data):
        if not isinstance(operation, dict) or operation.get("op") not in ("add", "replace"):
            continue
        path = operation.get("path")
        if not isinstance(path, str) or "value" not in operation:
            continue
        op_tokens = list(iter_pointer_tokens(path))
        if len(op_tokens) > len(tokens) or not all(
            o == t or (o == "-" and t.isdigit()) for o, t in zip(op_tokens, tokens, strict=False)
        ):
            continue
        exists, at_op = value_at(rendered, tokens[: len(op_tokens)])
        rest = tokens[len(op_tokens):]
        out, complete, value = translate(at_op, operation["value"], rest) if exists else ([], not rest, None)
        if not exists and not rest:
            value = operation["value"]
        base = join_pointer("", index, "value")
        hit = Hit(patch.path, patch.position(base + join_pointer("", *out), at_key),
                  len(op_tokens) + len(out), complete, value)
        best = hit if best is None or hit.depth >= best.depth else best
    return best


def _selector_matches(selector: Any, values: Any) -> bool:
    if not isinstance(selector, str) or not selector.strip():
        return True
    values = values if isinstance(values, dict) else {}
    for term in selector.split(","):
        key, sep, expected = term.partition("=")
        key, expected = key.strip().rstrip("!"), expected.strip().lstrip("=")
        if not sep or "!" in term or not re.fullmatch(r"[\w./-]+", key):
            return True  # a set-based selector: not evaluated, assume it may match
        if str(values.get(key)) != expected:
            return False
    return True


def patch_applies(patch: Patch, obj: RenderedObject, original_name: str | None) -> bool:
    """Whether ``patch`` targets ``obj`` (its own kind and name, or its ``target:``)."""
    target = patch.target
    if target is None:
        data = patch.document.data
        if not isinstance(data, dict) or data.get("kind") != obj.kind:
            return False
        metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        return name_matches(metadata.get("name"), obj, original_name)
    api_version = str(obj.data.get("apiVersion", ""))
    group, _, version = api_version.rpartition("/")
    if target.get("kind") not in (None, obj.kind):
        return False
    if target.get("group") not in (None, group) or target.get("version") not in (None, version):
        return False
    name = target.get("name")
    if name is not None:
        names = [n for n in (obj.name, original_name) if n]
        # kustomize matches the name as a Go (RE2) regular expression; RE2 here too, in linear time
        matched = any(fullmatch(str(name), n) for n in names)
        if not matched and not name_matches(name, obj, original_name):
            return False
    metadata = obj.data.get("metadata") if isinstance(obj.data.get("metadata"), dict) else {}
    return (_selector_matches(target.get("labelSelector"), metadata.get("labels"))
            and _selector_matches(target.get("annotationSelector"), metadata.get("annotations")))
