"""Check ``parser``: the rules whose findings come from reading the text, not from a check.

``yaml-syntax``, ``yaml-limit``, ``duplicate-key`` and unidentifiable objects are found by the parse
and resource stages (:mod:`lintops.yaml_source`, :mod:`lintops.inputs.manifests`); the engine files
them under the rule of the same id. Binding those rules to this check keeps them ordinary rules:
listed, explained, disabled and re-graded like any other.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..model import Violation
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext


class Parser(Check):
    name = "parser"
    description = "Findings of the parse stage (YAML syntax, limits, duplicate keys, objects without kind)."
    inspects_resources = False

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        return ()
