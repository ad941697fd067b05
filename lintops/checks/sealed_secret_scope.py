"""Check ``sealed-secret-scope``: a SealedSecret deployed under a name or namespace its scope does not allow.

The identity a SealedSecret was sealed for is the one kubeseal recorded in ``spec.template.metadata``
(name and namespace; see :mod:`lintops.sealed_secrets`), which Kustomize transformers and a rename by
hand leave alone; where the template does not say, it is the identity the object's source gives it.
The identity it is deployed under is its ``metadata`` after rendering (Kustomize ``namePrefix``,
``nameSuffix``, ``namespace``, inherited from bases and components; a Helm template that names it
after the release) and, for a rendered object without a namespace of its own, the destination
namespace of each ArgoCD Application it was rendered for (:attr:`lintops.model.Source.applications`),
as ArgoCD applies it. A mismatch its scope forbids is reported at ``/metadata/name`` or
``/metadata/namespace``: for a rendered object the locator puts that node where it was set (the
overlay's ``namePrefix:`` or ``namespace:`` line, the template line, the values key), which is the
line to fix; a namespace given by an Application is reported at that Application's
``destination.namespace`` line (:mod:`lintops.sealed_secret_destination`).

``report: mismatch`` (the error rule) fires on mismatches; ``report: unknown-namespace`` (a warning
rule) on a strict or namespace-wide SealedSecret whose sealing namespace is written nowhere, which the
controller decrypts only in the namespace it happened to be sealed for; ``report: template-scope`` (a
warning rule) on a scope annotation that only ``spec.template.metadata`` carries, which the controller
never reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from ..model import Resource, Violation, join_pointer
from ..sealed_secret_destination import Destinations, mismatch_message
from ..sealed_secrets import (
    CLUSTER_WIDE,
    CLUSTER_WIDE_ANNOTATION,
    NAMESPACE_WIDE_ANNOTATION,
    SCOPE_WIDTH,
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

MISMATCH, UNKNOWN_NAMESPACE, TEMPLATE_SCOPE = "mismatch", "unknown-namespace", "template-scope"


class SealedSecretScope(Check):
    name = "sealed-secret-scope"
    description = ("Reports SealedSecrets whose deployed name or namespace differs from the one they were sealed "
                   "for, where their scope binds it, so the controller cannot decrypt them.")
    #: Applications are read for the place of their destination namespace (reported on in :meth:`finish`).
    cross_object_kinds = frozenset({"Application"})
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "report": {
                "enum": [MISMATCH, UNKNOWN_NAMESPACE, TEMPLATE_SCOPE],
                "description": "What the rule reports: `mismatch` (a deployed name or namespace the scope "
                               "forbids), `unknown-namespace` (a namespace-bound SealedSecret whose sealing "
                               "namespace is written nowhere) or `template-scope` (a scope annotation only in "
                               "spec.template.metadata, which the controller does not read).",
            },
        },
    }

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(params)
        self._destinations = Destinations()
        #: What this check holds until the run ends (the result cache counts it: lintops.result_cache.files).
        self._held = self._destinations.held

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        resource = subject.resource
        mode = self.params.get("report", MISMATCH)
        if mode == MISMATCH and self._destinations.observe(resource):
            return ()
        if not is_sealed_secret(resource):
            return ()
        body = resource.body
        if mode == TEMPLATE_SCOPE:
            return _template_scope(body)
        scope = scope_of(body)
        if scope == CLUSTER_WIDE:
            return ()
        sealed_name, sealed_namespace = sealed_identity(body)
        metadata = mapping(body.get("metadata"))
        name, namespace = text(metadata.get("name")), text(metadata.get("namespace"))
        sealed_name = sealed_name or name
        if mode == UNKNOWN_NAMESPACE:
            if sealed_namespace is None and namespace is None:
                return [Violation("/metadata", (
                    f"{scope} SealedSecret '{shorten(name or '<no name>')}' names no namespace, in its metadata "
                    "or in spec.template.metadata: the namespace it was sealed for is unknown, and the "
                    "controller decrypts it only there"), at_key=True)]
            return ()
        if namespace is None and sealed_namespace is not None:
            self._destinations.compare(resource, scope, sealed_namespace, sealed_name)
        if sealed_namespace is None or namespace is None:
            sealed_namespace = namespace = sealed_namespace or namespace  # only one is known: nothing to compare
        found = []
        sealed, deployed = identity(sealed_namespace, sealed_name), identity(namespace, name)
        if namespace != sealed_namespace:
            found.append(Violation("/metadata/namespace", mismatch_message(scope, "namespace", sealed, deployed)))
        if scope == STRICT and name != sealed_name:
            found.append(Violation("/metadata/name", mismatch_message(scope, "name", sealed, deployed)))
        return found

    def finish(self, ctx: RunContext) -> Iterator[tuple[Resource, Violation]]:
        return self._destinations.report()


def _template_scope(body: dict[str, Any]) -> list[Violation]:
    """A scope annotation of ``spec.template.metadata`` wider than the object's own scope: the controller
    decrypts with the object's own (see :mod:`lintops.sealed_secrets`), not the one the author wrote."""
    template = mapping(mapping(mapping(body.get("spec")).get("template")).get("metadata"))
    believed, actual = scope_of({"metadata": template}), scope_of(body)
    if SCOPE_WIDTH[believed] <= SCOPE_WIDTH[actual]:
        return []
    annotation = CLUSTER_WIDE_ANNOTATION if believed == CLUSTER_WIDE else NAMESPACE_WIDE_ANNOTATION
    return [Violation(join_pointer("/spec/template/metadata/annotations", annotation), (
        f"the scope annotation {annotation}: \"true\" is only in spec.template.metadata.annotations, not in the "
        f"SealedSecret's own metadata.annotations, which is the only place the controller reads the scope from: "
        f"it decrypts with the {actual} scope, not {believed}. Values kubeseal sealed {believed} (as it does "
        f"for a Secret with that annotation) never decrypt, and values sealed {actual} break on the "
        f"{'rename or move' if actual == STRICT else 'move'} the annotation seems to allow"), at_key=True)]
