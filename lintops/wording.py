"""How check messages name what they are about: a container by its kind and name, a value cut short.

Several checks speak of the same things (``plaintext-secret`` and ``image-reference`` of a container,
``selector-match`` and ``duplicate-list-key`` of labels and key values the tree wrote at any length);
this is the one wording they share, so the same container reads the same in every rule's message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .checks.base import Subject

#: Longest label, key or value a message quotes.
SHOWN = 40


def shorten(text: str, limit: int = SHOWN) -> str:
    """``text`` cut to ``limit`` characters (an ellipsis marks the cut)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def container_label(subject: Subject) -> str:
    """``container 'web'``, ``init container 'setup'``, ``an ephemeral container`` (no name): the subject
    container as a message names it, its kind read from where it sits in the pod spec."""
    kind = ("init container" if "/initContainers/" in subject.pointer
            else "ephemeral container" if "/ephemeralContainers/" in subject.pointer else "container")
    name = subject.value.get("name")
    return f"{kind} '{name}'" if isinstance(name, str) and name else f"a {kind}"
