"""Check ``sealed-secret-scope``: a SealedSecret deployed under a name or namespace its scope does not allow.

The identity a SealedSecret was sealed for is the one kubeseal recorded in ``spec.template.metadata``
(name and namespace; see :mod:`lintops.sealed_secrets`), which Kustomize transformers and a rename by
hand leave alone; where the template does not say, it is the identity the object's source gives it.
The identity it is deployed under is its ``metadata`` after rendering (Kustomize ``namePrefix``,
``nameSuffix``, ``namespace``, inherited from bases and components; a Helm template that names it
after the release). A mismatch its scope forbids is reported at ``/metadata/name`` or
``/metadata/namespace``: for a rendered object the locator puts that node where it was set (the
overlay's ``namePrefix:`` or ``namespace:`` line, the template line, the values key), which is the
line to fix.

``report: mismatch`` (the error rule) fires on mismatches; ``report: unknown-namespace`` (the warning
rule) on a strict or namespace-wide SealedSecret whose sealing namespace is written nowhere, which the
controller decrypts only in the namespace it happened to be sealed for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from ..model import Violation
from ..sealed_secrets import (
    CLUSTER_WIDE,
    STRICT,
    identity,
    is_sealed_secret,
    mapping,
    scope_of,
    sealed_identity,
    text,
)
from ..wording import shorten
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext

MISMATCH, UNKNOWN_NAMESPACE = "mismatch", "unknown-namespace"


class SealedSecretScope(Check):
    name = "sealed-secret-scope"
    description = ("Reports SealedSecrets whose deployed name or namespace differs from the one they were sealed "
                   "for, where their scope binds it, so the controller cannot decrypt them.")
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "report": {
                "enum": [MISMATCH, UNKNOWN_NAMESPACE],
                "description": "What the rule reports: `mismatch` (a deployed name or namespace the scope "
                               "forbids) or `unknown-namespace` (a namespace-bound SealedSecret whose sealing "
                               "namespace is written nowhere).",
            },
        },
    }

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        resource = subject.resource
        if not is_sealed_secret(resource):
            return ()
        body = resource.body
        scope = scope_of(body)
        if scope == CLUSTER_WIDE:
            return ()
        sealed_name, sealed_namespace = sealed_identity(body)
        metadata = mapping(body.get("metadata"))
        name, namespace = text(metadata.get("name")), text(metadata.get("namespace"))
        sealed_name = sealed_name or name
        if self.params.get("report", MISMATCH) == UNKNOWN_NAMESPACE:
            if sealed_namespace is None and namespace is None:
                return [Violation("/metadata", (
                    f"{scope} SealedSecret '{shorten(name or '<no name>')}' names no namespace, in its metadata "
                    "or in spec.template.metadata: the namespace it was sealed for is unknown, and the "
                    "controller decrypts it only there"), at_key=True)]
            return ()
        if sealed_namespace is None or namespace is None:
            sealed_namespace = namespace = sealed_namespace or namespace  # only one is known: nothing to compare
        found = []
        sealed, deployed = identity(sealed_namespace, sealed_name), identity(namespace, name)
        if namespace != sealed_namespace:
            found.append(Violation("/metadata/namespace", _message(scope, "namespace", sealed, deployed)))
        if scope == STRICT and name != sealed_name:
            found.append(Violation("/metadata/name", _message(scope, "name", sealed, deployed)))
        return found


def _message(scope: str, what: str, sealed: str, deployed: str) -> str:
    bound = "its namespace and name" if scope == STRICT else "its namespace"
    return (f"SealedSecret sealed for {shorten(sealed, 120)} is deployed as {shorten(deployed, 120)}: its {what} "
            f"changed, and the {scope} scope binds {bound} into the encryption, so the controller cannot decrypt "
            f"it (\"no key could decrypt secret\")")
