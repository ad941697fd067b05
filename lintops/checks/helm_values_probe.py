"""Check ``helm-values-probe``: workload blocks of Helm values-only files configure a probe.

Workload blocks are what :mod:`lintops.helm_values_layout` says they are (a mapping with an ``image``,
at any depth, not switched off).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from ..helm_values_layout import Tokens, block_label, dotted, is_workload, mappings
from ..model import Violation
from ..pattern_params import pattern_param
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext

#: The default of the parameter ``keys``.
DEFAULT_PROBE_KEYS = ("livenessProbe",)
#: Blocks that are not long-running containers (helm tests, hooks, jobs, init steps): no probe needed.
DEFAULT_PROBE_IGNORE_BLOCK_PATTERN = (
    r"(?:^|[-_.])(?:tests?|hooks?|jobs?|cron[-_.]?jobs?|init\w*|migrat\w*|kubectl|chown\w*|setup|upgrade\w*|"
    r"backup\w*|cleanup\w*|pre[-_.]?install\w*|post[-_.]?install\w*)$|^(?:init|test|job|hook)[A-Z]"
)


class HelmValuesProbeCheck(Check):
    """Every workload block has a probe: one of ``keys`` (dotted, relative to the block) is set.

    Fires at the workload block (a mapping with an ``image``) when none of ``keys`` is present with a
    value, or at the probe when it is null or switched off (``enabled: false``). Blocks whose key
    matches ``ignore_block_pattern`` (helm tests, hooks, jobs, init steps) are not long-running and
    are skipped.
    """

    name = "helm-values-probe"
    description = "Workload blocks of Helm values configure a probe (livenessProbe by default)."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "keys": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1,
                     "default": list(DEFAULT_PROBE_KEYS),
                     "description": "The probe keys, dotted and relative to the workload block "
                                    "(`livenessProbe`, `probes.liveness`): one of them must be set and not "
                                    "switched off."},
            "ignore_block_pattern": {"type": "string", "default": DEFAULT_PROBE_IGNORE_BLOCK_PATTERN,
                                     "description": "Blocks whose key matches this regular expression (RE2 "
                                                    "syntax, searched case-insensitively) are not long-running "
                                                    "(Helm tests, hooks, jobs, init steps) and need no probe; "
                                                    "an empty pattern skips none."},
        },
        "additionalProperties": False,
    }

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(params)
        self.keys = [tuple(k.split(".")) for k in self.params.get("keys", DEFAULT_PROBE_KEYS)]
        self.ignore = pattern_param(self.params, "ignore_block_pattern", DEFAULT_PROBE_IGNORE_BLOCK_PATTERN)

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        violations = []
        wanted = " or ".join(".".join(k) for k in self.keys)
        for tokens, block in mappings(subject.value):
            if not is_workload(block):
                continue
            name = next((t for t in reversed(tokens) if not t.isdigit()), "")
            if name and self.ignore.pattern and self.ignore.search(name):
                continue
            present = [(key, _lookup(block, key)) for key in self.keys]
            set_probes = [(key, value) for key, (found, value) in present if found]
            if not set_probes:
                violations.append(Violation(subject.at(*tokens), f"{block_label(tokens)} sets an image but no "
                                                                 f"{wanted}"))
                continue
            if all(value is None or (isinstance(value, dict) and value.get("enabled") is False)
                   for _, value in set_probes):
                key = set_probes[0][0]
                violations.append(Violation(subject.at(*tokens, *key),
                                            f"'{dotted((*tokens, *key))}' switches the probe off"))
        return violations


def _lookup(block: dict[str, Any], key: Tokens) -> tuple[bool, Any]:
    value: Any = block
    for token in key:
        if not isinstance(value, dict) or token not in value:
            return False, None
        value = value[token]
    return True, value
