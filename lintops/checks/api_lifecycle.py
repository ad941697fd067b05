"""Check ``api-lifecycle``: apiVersions and kinds the target Kubernetes version does not serve, or deprecates.

"Valid against the schema" is not "served by the cluster": the 1.17 schemas still describe
``extensions/v1beta1`` Deployments although 1.16 stopped serving them, and a 1.18 cluster refuses a
``policy/v1`` PodDisruptionBudget (served from 1.21) although a newer schema set has it. The verdicts
come from :mod:`lintops.schema.kube.served`, which combines what each version's bundle has with the
removal table ``schemas/api-lifecycle.yaml``, for objects of a built-in API group only (a custom
resource's schema is ``schema-missing``'s question). Parameter ``report`` chooses what a rule reports:

- ``removed``: no longer served by the target (removed by the table, or served by earlier versions only);
- ``unavailable``: not served by the target although it is by later versions, or not by any version
  (``apiVersion: v1`` with ``kind: Deployment``, a misspelt kind);
- ``deprecated``: served, but deprecated and going away.

Every message names the versions that serve it and what the target serves instead. A run of several
targets assesses an object at each version it is checked against and reports each problem once, naming
the versions it applies to (an API removed in 1.25 fires for 1.25 only in ``-k 1.24 -k 1.25``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from ..model import Violation
from ..schema.kube.served import assess
from .base import Check, Subject, merge_targets

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext


class ApiLifecycle(Check):
    name = "api-lifecycle"
    description = ("Reports apiVersion/kind pairs of built-in API groups that the target Kubernetes version does "
                   "not serve (removed, or not yet or never available), or deprecates.")
    params_schema: ClassVar[dict] = {
        "type": "object",
        "properties": {"report": {
            "enum": ["removed", "unavailable", "deprecated"],
            "description": "What the rule reports: `removed` (no longer served by the target: removed, or served by "
                           "earlier versions only), `unavailable` (served only by later versions, or by none: a "
                           "misspelt kind, `apiVersion: v1` with `kind: Deployment`) or `deprecated` (served, but "
                           "deprecated and removed in a later release).",
        }},
        "required": ["report"],
        "additionalProperties": False,
    }

    def __init__(self, params: dict | None = None) -> None:
        super().__init__(params)
        self._verdicts: dict[tuple[str, str, str], tuple[Violation, ...]] = {}

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        resource = subject.resource
        # several targets: the object's versions (its environment's), each problem once naming its versions
        targets = ctx.versions_for(resource) if ctx.several else ctx.kubernetes_version
        key = (resource.api_version, resource.kind, targets)
        verdict = self._verdicts.get(key)
        if verdict is None:  # the same few apiVersions and kinds recur in every file
            if len(self._verdicts) >= 4096:  # a file of distinct made-up kinds must not grow this without end
                self._verdicts.clear()
            if ctx.several:
                verdict = tuple(merge_targets([(version, violation) for version in key[2]
                                               for violation in self._assess(key[0], key[1], version)]))
            else:
                verdict = tuple(self._assess(*key))
            self._verdicts[key] = verdict
        return verdict

    def _assess(self, api_version: str, kind: str, target: str) -> Iterable[Violation]:
        if not isinstance(api_version, str) or not isinstance(kind, str):
            return ()
        verdict = assess(api_version, kind, target)
        if verdict is None or verdict.report != self.params["report"]:
            return ()
        return [Violation("/apiVersion", verdict.message)]
