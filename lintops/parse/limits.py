"""The bounds that keep hostile input from hanging a run or exhausting its memory while it is parsed."""

from __future__ import annotations

from dataclasses import dataclass

from ..inputs.files import DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class Limits:
    """Bounds that keep hostile input from hanging the run or exhausting memory."""

    #: Files larger than this are reported, not parsed (files of the tree: not even read, see
    #: lintops.inputs.files, whose cap this is).
    max_file_bytes: int = DEFAULT_MAX_BYTES
    #: Nodes that aliases may add on top of the document's own nodes (billion laughs protection).
    max_alias_expansion: int = 100_000
    #: Collections nested deeper than this are reported, not read (libyaml stops at 1,000; JSON Schema
    #: validation at about 255; no Kubernetes object, CRD schemas included, comes near 100).
    max_depth: int = 200


DEFAULT_LIMITS = Limits()
