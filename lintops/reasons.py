"""What counts as a reason for an exemption: not nothing, and not a placeholder left standing.

An exemption (a comment, an annotation, the configuration's ``exemptions:``) records why a finding is
accepted. ``REASON`` is what the editor's quick fix writes for the person to replace; ``TODO``, ``TBD``,
``FIXME``, ``xxx``, ``...`` and ``<reason>`` are what people type meaning "later". None of them says why,
so each counts as no reason (an ``exemption-reason`` finding for a comment or annotation, a configuration
error for ``exemptions:``). A module of its own because the configuration, the exemption filter and the
language server ask it, and the configuration sits below the other two.
"""

from __future__ import annotations

#: Words that stand where a reason should be (compared case-insensitively, punctuation trimmed).
PLACEHOLDER_REASONS = frozenset({"reason", "todo", "tbd", "fixme", "xxx", "<reason>", "...", "…"})
_TRIM = " \t.,;:!?-_*\"'`()[]{}"


def is_placeholder_reason(reason: str) -> bool:
    """Whether ``reason`` is a placeholder rather than a reason (``REASON``, ``TODO:``, ``...``, ``<reason>``)."""
    text = reason.strip().lower()
    if text in PLACEHOLDER_REASONS:  # "..." and "<reason>" are placeholders with their punctuation
        return True
    trimmed = text.strip(_TRIM)
    return trimmed in PLACEHOLDER_REASONS or (bool(text) and not trimmed and set(text) <= set(".…"))
