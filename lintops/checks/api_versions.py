"""Check ``api-lifecycle``: apiVersions that the target Kubernetes version removed or deprecated.

"Valid against the schema" is not "served by the cluster": the 1.17 schemas still describe
``extensions/v1beta1`` Deployments although 1.16 stopped serving them. This check reads the table in
``schemas/api-lifecycle.yaml`` and names the replacement. Parameter ``report`` chooses what a rule
reports: ``removed`` (not served by the target version) or ``deprecated`` (served, but going away).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from .. import api_lifecycle
from ..model import Violation
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import RunContext


class ApiLifecycle(Check):
    name = "api-lifecycle"
    description = "Reports apiVersion/kind pairs removed or deprecated in the target Kubernetes version."
    params_schema: ClassVar[dict] = {
        "type": "object",
        "properties": {"report": {"enum": ["removed", "deprecated"]}},
        "required": ["report"],
        "additionalProperties": False,
    }

    def __init__(self, params: dict | None = None) -> None:
        super().__init__(params)
        self._verdicts: dict[tuple[str, str, str], tuple[Violation, ...]] = {}

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        resource = subject.resource
        key = (resource.api_version, resource.kind, ctx.kubernetes_version)
        verdict = self._verdicts.get(key)
        if verdict is None:  # the same few apiVersions and kinds recur in every file
            verdict = self._verdicts[key] = tuple(self._assess(*key))
        return verdict

    def _assess(self, api_version: str, kind: str, target: str) -> Iterable[Violation]:
        status = api_lifecycle.lookup(api_version, kind)
        if status is None:
            return ()
        if self.params["report"] == "removed" and status.removed(target):
            return [Violation("/apiVersion", api_lifecycle.removed_message(status, target))]
        if self.params["report"] == "deprecated" and status.deprecated(target):
            return [Violation("/apiVersion", api_lifecycle.deprecated_message(status, target))]
        return ()
