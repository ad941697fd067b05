"""One parsed kustomization file, as every step that reads kustomizations sees it.

A type of its own, below the modules that find, check and build kustomizations
(:mod:`.references`, :mod:`.remote`, :mod:`.helm_entries`, ...), so that none of them imports another
just to name it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...model import Position
from ...parse.documents import ParsedDocument, ParsedFile
from ..files import Refusal


@dataclass(eq=False)
class Kustomization:
    """One parsed kustomization file; the data is ``{}`` when the file holds no mapping."""

    directory: Path  # real path
    file: Path  # real path (the name found in ``directory`` when the file was refused)
    parsed: ParsedFile
    data: dict[str, Any]
    #: Why the kustomization file was not read (a named pipe, a link out of the root), if it was not.
    refused: Refusal | None = None

    @property
    def document(self) -> ParsedDocument | None:
        return self.parsed.documents[0] if self.parsed.documents else None

    @property
    def is_component(self) -> bool:
        return self.data.get("kind") == "Component"

    def items(self, key: str) -> list[tuple[int, Any]]:
        value = self.data.get(key)
        return list(enumerate(value)) if isinstance(value, list) else []

    def position(self, pointer: str, at_key: bool = False) -> Position:
        document = self.document
        return document.position(pointer, at_key) if document is not None else Position(1, 1)
