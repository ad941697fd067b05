"""Check ``secret-ownership``: two objects of one environment that produce the same Secret.

A SealedSecret makes the Secret of its own ``metadata`` namespace and name. When a plain Secret of the
same namespace and name is deployed beside it, the controller refuses to overwrite a Secret it does not
own ("Resource already exists and is not managed by SealedSecret"), or the two are applied over each
other on every sync; two SealedSecrets of one name overwrite each other. The objects are compared per
environment (a rendered source's environment; a plain file's directory, the unit ArgoCD and
``kubectl apply -f`` deploy together) and per target version render only once.

Each object is held back as :func:`lintops.held_back.detached` leaves it (identity, source, the place of
``/metadata/name``), never with its body, so memory stays small however many Secrets a run has.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from ..held_back import detached
from ..model import Resource, Violation
from ..sealed_secrets import identity, is_sealed_secret
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext

_NAME = "/metadata/name"
#: Objects a finding names besides its own, at most.
_NAMED = 3


class SecretOwnership(Check):
    name = "secret-ownership"
    description = ("Reports a SealedSecret whose Secret another object of the same environment also produces "
                   "(a plain Secret, or another SealedSecret).")
    cross_object_kinds = frozenset({"SealedSecret", "Secret"})

    def __init__(self, params: dict | None = None) -> None:
        super().__init__(params)
        self._held: dict[tuple[str, str | None, str], dict[tuple[str, int, int], Resource]] = {}

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        resource = subject.resource
        sealed = is_sealed_secret(resource)
        if not resource.name or not (sealed or (resource.kind == "Secret" and resource.api_version == "v1")):
            return ()
        source = resource.source
        environment = source.environment if source.origin != "file" or source.environment else \
            "dir:" + source.path.rpartition("/")[0]
        place = resource.location()
        group = self._held.setdefault((environment or "", resource.namespace, resource.name), {})
        group.setdefault((place.path, place.line, place.column), detached(resource, [_NAME]))
        return ()

    def finish(self, ctx: RunContext) -> Iterator[tuple[Resource, Violation]]:
        held, self._held = self._held, {}
        for group in held.values():
            objects = list(group.values())
            if len(objects) < 2 or not any(is_sealed_secret(o) for o in objects):
                continue
            for resource in objects:
                if not is_sealed_secret(resource):
                    continue
                others = [o for o in objects if o is not resource]
                named = ", ".join(f"{o.kind} at {o.location(_NAME)}" for o in others[:_NAMED])
                more = f" and {len(others) - _NAMED} more" if len(others) > _NAMED else ""
                yield resource, Violation(_NAME, (
                    f"SealedSecret produces the Secret {identity(resource.namespace, resource.name)}, which "
                    f"{named}{more} also produces in this environment: the controller will not take over a "
                    "Secret it does not own, or the two overwrite each other on every sync"))
