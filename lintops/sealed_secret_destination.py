"""The ArgoCD destination namespace a rendered SealedSecret without a namespace of its own is deployed to.

ArgoCD applies an object without ``metadata.namespace`` into its Application's ``destination.namespace``;
the render stage marks each rendered text with the Applications it was rendered for
(:attr:`lintops.model.Source.applications`: name, defining file, destination cluster and namespace).
A strict or namespace-wide SealedSecret sealed for another namespace then cannot be decrypted there,
and the line to fix is the Application's ``destination.namespace`` (or the SealedSecret is sealed
again). That line belongs to another object, which may be linted before or after the render, so
:class:`Destinations` keeps the place of each Application's destination namespace (one
:class:`~lintops.model.Located` per Application) and each mismatch found (the SealedSecret reduced by
:func:`lintops.held_back.detached`), and reports when the run ends, on the SealedSecret (its exemptions
apply) placed at the Application's line, with the SealedSecret's sealed namespace as the related place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from .model import Located, Resource, Violation
from .sealed_secrets import STRICT, identity
from .wording import shorten

_NAMESPACE = "/metadata/namespace"
_SEALED_NAMESPACE = "/spec/template/metadata/namespace"
_DESTINATION = "/spec/destination/namespace"


def mismatch_message(scope: str, what: str, sealed: str, deployed: str, how: str = "") -> str:
    bound = "its namespace and name" if scope == STRICT else "its namespace"
    return (f"SealedSecret sealed for {shorten(sealed, 120)} is deployed as {shorten(deployed, 120)}{how}: its "
            f"{what} changed, and the {scope} scope binds {bound} into the encryption, so the controller cannot "
            f"decrypt it (\"no key could decrypt secret\")")


class _AtDestination:
    """A held SealedSecret's locator: its namespace is where the Application sets it; the rest as pinned."""

    __slots__ = ("_pinned", "_place")

    def __init__(self, place: Located, pinned: object) -> None:
        self._place, self._pinned = place, pinned

    def __call__(self, pointer: str, at_key: bool) -> Located:
        return self._place if pointer == _NAMESPACE else self._pinned(pointer, at_key)  # type: ignore[operator]


class Destinations:
    """Applications' destination-namespace places and the mismatches they cause, until the run ends."""

    def __init__(self) -> None:
        #: (file, Application name) -> the place of its destination.namespace
        self.places: dict[tuple[str, str], Located] = {}
        #: (file, Application name, the SealedSecret reduced, message) of each mismatch
        self.held: list[tuple[str, str, Resource, str]] = []

    def observe(self, resource: Resource) -> bool:
        """Keeps an ArgoCD Application's destination-namespace place; whether ``resource`` was one."""
        if resource.kind != "Application" or not str(resource.api_version).startswith("argoproj.io/"):
            return False
        if isinstance(resource.name, str):
            self.places.setdefault((resource.source.path, resource.name), resource.locate(_DESTINATION))
        return True

    def compare(self, resource: Resource, scope: str, sealed_namespace: str, sealed_name: str | None) -> None:
        """Holds a mismatch for each Application that deploys ``resource`` (no namespace of its own) elsewhere."""
        for application, defined_in, _, destination in resource.source.applications:
            if not destination or destination == sealed_namespace:
                continue
            from .held_back import detached

            how = (f" by the Application '{shorten(application)}' ({defined_in}), whose destination namespace it "
                   "takes as it has none of its own")
            message = mismatch_message(scope, "namespace", identity(sealed_namespace, sealed_name),
                                       identity(destination, resource.name), how)
            self.held.append((defined_in, application, detached(resource, (_SEALED_NAMESPACE,)), message))

    def report(self) -> Iterator[tuple[Resource, Violation]]:
        held, places = list(self.held), self.places
        self.held.clear()
        self.places = {}
        reported: set[tuple[str, str, str, int, int]] = set()
        for defined_in, application, resource, message in held:
            sealed = resource.locate(_SEALED_NAMESPACE)
            key = (defined_in, application, sealed.location.path, sealed.location.line, sealed.location.column)
            if key in reported:  # the same template rendered again (another target version)
                continue
            reported.add(key)
            place = places.get((defined_in, application))
            if place is not None:
                place = replace(place, related=(sealed.location, *sealed.related, *place.related))
                resource = replace(resource, locator=_AtDestination(place, resource.locator))
            # without the Application's place (its file not linted in this run) it stays the SealedSecret's
            yield resource, Violation(_NAMESPACE, message)
