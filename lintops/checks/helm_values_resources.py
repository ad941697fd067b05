"""Check ``helm-values-resources``: workload blocks of Helm values-only files set resources.limits.

Workload blocks are what :mod:`lintops.helm_values_layout` says they are (a mapping with an ``image``,
at any depth, not switched off).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from ..helm_values_layout import block_label, dotted, is_workload, mappings
from ..model import Violation
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext

#: The default of the parameter ``require``.
DEFAULT_REQUIRED_LIMITS = ("cpu", "memory")


class HelmValuesResourcesCheck(Check):
    """``resources`` sets ``limits`` with every quantity of ``require`` (default ``cpu`` and ``memory``).

    Fires at a ``resources`` key whose value is empty, null or has no ``limits`` (the block), at
    ``resources.limits`` when a required quantity is missing or zero, and (``missing_block``,
    default true) at a workload block that has an image but no ``resources`` key at all. A
    ``resources`` of a volume claim (beside ``accessModes``/``storageClassName``, or asking for
    ``storage``) is not a container's and is skipped.
    """

    name = "helm-values-resources"
    description = "Workload blocks of Helm values set resources.limits (cpu and memory)."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "require": {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True,
                        "default": list(DEFAULT_REQUIRED_LIMITS),
                        "description": "The quantities `resources.limits` must set to a value other than zero "
                                       "(`cpu`, `memory`, `ephemeral-storage`, ...)."},
            "missing_block": {"type": "boolean", "default": True,
                              "description": "Also fire at a workload block (a mapping with an `image`) that has no "
                                             "`resources` key at all, so that the chart's default applies."},
        },
        "additionalProperties": False,
    }

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(params)
        self.require = list(self.params.get("require", DEFAULT_REQUIRED_LIMITS))
        self.missing_block = bool(self.params.get("missing_block", True))

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        violations = []
        for tokens, block in mappings(subject.value):
            if "resources" not in block:
                if self.missing_block and is_workload(block):
                    violations.append(Violation(
                        subject.at(*tokens), f"{block_label(tokens)} sets an image but no resources, so the "
                                             "chart's default applies (in most charts: no limits); set "
                                             "resources.limits"))
                continue
            resources = block["resources"]
            if _is_volume_claim(block, resources):
                continue
            where = dotted((*tokens, "resources"))
            limits = resources.get("limits") if isinstance(resources, dict) else None
            if not isinstance(limits, dict) or not limits:
                violations.append(Violation(subject.at(*tokens, "resources"),
                                            f"'{where}' sets no limits: set "
                                            f"{' and '.join(f'limits.{r}' for r in self.require) or 'limits'}"))
                continue
            missing = [r for r in self.require if _is_zero_or_absent(limits.get(r))]
            if missing:
                violations.append(Violation(subject.at(*tokens, "resources", "limits"),
                                            f"'{where}.limits' sets no {' and no '.join(missing)} limit"))
        return violations


def _is_volume_claim(block: dict[str, Any], resources: Any) -> bool:
    if "accessModes" in block or "storageClassName" in block:
        return True
    requests = resources.get("requests") if isinstance(resources, dict) else None
    return isinstance(requests, dict) and "storage" in requests


def _is_zero_or_absent(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return True
    text = str(value).strip()
    return not text or re.fullmatch(r"[+-]?0*\.?0*(?:[eE][+-]?[0-9]+|[a-zA-Z]*)", text) is not None
