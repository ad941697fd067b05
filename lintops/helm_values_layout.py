"""The values layout most Helm charts share, read at any depth: what the ``helm-values-*`` checks look at.

A values-only file (``production/values.yaml`` with no chart beside it; typically the values an ArgoCD
Application gives a chart from a Helm repository) cannot be rendered here, but nearly every chart
follows the layout ``helm create`` writes, and sub-charts repeat it under their own key
(``redis.master.image.tag``). The checks read that layout wherever it occurs:

- an **image** is a key ``image`` whose value is a mapping with ``repository`` / ``tag`` (and
  optionally ``registry``, ``digest``), or a string ``repo:tag``;
- a **workload block** is a mapping with such an ``image`` key: its ``resources``,
  ``livenessProbe``, ``readinessProbe`` are the container's. A block with ``enabled: false`` (a
  component switched off) is skipped with everything below it.

The subject is a ``lintops.io/v1`` ``HelmValues`` resource whose body is the values document; rules
bind these checks with ``targets: [helm-values]``. Pointers are JSON pointers into the values file,
so findings land on the key to change; messages name a key by its dotted path (:func:`dotted`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

Tokens = tuple[str, ...]


def mappings(value: Any, tokens: Tokens = ()) -> Iterator[tuple[Tokens, dict[str, Any]]]:
    """Every mapping of the document with its tokens, skipping blocks switched off (``enabled: false``)."""
    if isinstance(value, dict):
        if value.get("enabled") is False:
            return
        yield tokens, value
        for key, child in value.items():
            yield from mappings(child, (*tokens, str(key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from mappings(child, (*tokens, str(index)))


def is_image(value: Any) -> bool:
    """An image as the layout writes one: a ``repo:tag`` string (no template) or a mapping with its parts."""
    if isinstance(value, str):
        return bool(value.strip()) and "{{" not in value
    return isinstance(value, dict) and any(k in value for k in ("repository", "tag", "name", "digest"))


def is_workload(block: dict[str, Any]) -> bool:
    """A workload block: a mapping with an image."""
    return is_image(block.get("image"))


def dotted(tokens: Tokens) -> str:
    """A key as messages name it: ``redis.master.image``."""
    return ".".join(tokens) if tokens else "the file's top level"


def block_label(tokens: Tokens) -> str:
    """A workload block as messages name it."""
    return f"the block '{dotted(tokens)}'" if tokens else "the top-level block"
