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

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        resource = subject.resource
        status = api_lifecycle.lookup(resource.api_version, resource.kind)
        if status is None:
            return ()
        target = ctx.kubernetes_version
        if self.params["report"] == "removed" and status.removed(target):
            return [Violation("/apiVersion", api_lifecycle.removed_message(status, target))]
        if self.params["report"] == "deprecated" and status.deprecated(target):
            return [Violation("/apiVersion", api_lifecycle.deprecated_message(status, target))]
        return ()
