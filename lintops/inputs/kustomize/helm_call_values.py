"""The values files a ``helm template`` call from kustomize names, read as lintops may read them.

A call names files of the tree (``additionalValuesFiles``) and one kustomize wrote itself (the
``valuesFile`` merged with ``valuesInline``), in its own temporary directory under lintops' scratch
directory. Only those are read: a file of the tree through the linted root's reader, kustomize's own
file by its exact place and name; any other path is refused. Kept apart from :mod:`.helm_charts`,
which answers the call, because the same reads tell apart entries of one chart (the values
kustomize would write for each) and give the values a render gets.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...parse.stream import parse_bytes
from ..files import UNCONFINED, LintedRoot, Refusal
from .helm_calls import helm_merge
from .helm_entries import ChartEntry


class CallValues:
    """Reads a call's values files (``scratch``: kustomize's temporary files live below it, set when
    the callback starts)."""

    def __init__(self, within: LintedRoot, show: Callable[[Path], str]) -> None:
        self.within = within
        self.show = show
        self.scratch = Path()

    def expected(self, entry: ChartEntry) -> Any:
        """The values kustomize writes for ``entry`` (to tell apart entries of one chart that differ only there)."""
        inline = entry.values_inline
        if inline and entry.values_merge == "replace":
            return inline
        data = self.data(str(entry.values_file))
        if not inline or data is None:
            return data
        return helm_merge(data, inline) if entry.values_merge == "override" else helm_merge(inline, data)

    def data(self, path: str) -> dict[str, Any] | None:
        """The file's values (None: not readable, or not a mapping)."""
        raw = self.read(path)
        if not isinstance(raw, bytes):
            return None
        documents = parse_bytes(raw, path).documents
        data = next((d.data for d in documents if d.data is not None), {})
        return data if isinstance(data, dict) else None

    def read(self, path: str) -> bytes | Refusal:
        """A values file of the call: one of the tree (read within it), or the file kustomize wrote its merged
        values to, in its own temporary directory (nothing else outside the tree is read)."""
        real = os.path.realpath(path)
        tree = self.within.real
        if tree is None or real == tree or real.startswith(tree.rstrip(os.sep) + os.sep):
            return self.within.read(path)
        written = Path(real)
        if written.parent.parent == self.scratch and written.parent.name.startswith("kustomize-helm-") \
                and written.name.endswith("-kustomize-values.yaml"):
            return UNCONFINED.with_cap(self.within.max_bytes).read(path)
        return Refusal("outside-root", "is outside the linted tree and not kustomize's own values file")

    def shown(self, path: str) -> str:
        """A values file of a call as messages name it (never kustomize's temporary file by its path)."""
        real = Path(os.path.realpath(path))
        if real.is_relative_to(self.scratch):
            return "the values kustomize merged from valuesFile and valuesInline"
        return self.show(real)
