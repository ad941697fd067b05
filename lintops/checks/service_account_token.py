"""Check ``service-account-token``: a pod gets an API token only where somebody decided it should.

Whether a pod *uses* the Kubernetes API cannot be read from its manifest (a client library, a sidecar,
``curl`` in a script), and guessing it would make findings nobody can trust. What the manifests do say is
whether the token was decided on: Kubernetes mounts the ServiceAccount's token into every pod unless the
pod spec or its ServiceAccount sets ``automountServiceAccountToken: false``. So a pod is reported when
neither does, and the pod spec does not set ``true`` either (an explicit ``true`` is a decision, not a
default):

- its ServiceAccount (``serviceAccountName``, else the deprecated ``serviceAccount``, else ``default``)
  is in the same scope (one render, or for plain files the run; :mod:`lintops.cross_refs`) and does not
  set ``automountServiceAccountToken: false``; or
- it runs as its namespace's ``default`` ServiceAccount and no ServiceAccount ``default`` of that
  namespace is in the scope: Kubernetes creates that account with the token mounted.

A named ServiceAccount that is not in the scope is not judged (it may be managed elsewhere, with the
token off): that is a suppressed "not checked" finding, which ``--verbose`` shows.

The facts are small: a ServiceAccount leaves its name and namespace (and a second key when it turns the
token off), a pod spec the place of the reference and the account's name.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from ..cross_refs import Fact, FactCheck, Facts, Recorder, Verdict, site
from ..model import Resource, join_pointer
from ..wording import shorten

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext

_ACCOUNT, _OFF, _USES = "service-account", "service-account:token-off", "ref:service-account"
_ANY = "*"


def _accounts(resource: Resource, ctx: RunContext) -> Iterator[Fact]:
    name = resource.name if isinstance(resource.name, str) and resource.name else None
    if name is None:
        return
    off = resource.body.get("automountServiceAccountToken") is False
    for namespace in (resource.namespace, _ANY):
        yield Fact(_ACCOUNT, (name, namespace))
        if off:
            yield Fact(_OFF, (name, namespace))


def _pods(resource: Resource, ctx: RunContext) -> Iterator[Fact]:
    pointer = ctx.options.workloads.get(resource.kind)
    if pointer is None:
        return
    spec: Any = resource.body
    for token in pointer.split("/")[1:]:
        spec = spec.get(token) if isinstance(spec, dict) else None
    if not isinstance(spec, dict) or spec.get("automountServiceAccountToken") in (False, True):
        return  # no pod template of its own, or the pod spec decided
    for field in ("serviceAccountName", "serviceAccount"):
        named = spec.get(field)
        if isinstance(named, str) and named:
            yield Fact(_USES, (named, resource.namespace), site=site(resource, join_pointer(pointer, field)))
            return
    yield Fact(_USES, ("default", resource.namespace), site=site(resource, pointer))


ACCOUNTS = Recorder("lintops.service-accounts", frozenset({"ServiceAccount"}), _accounts)
PODS = Recorder("lintops.pod-service-accounts", None, _pods)


def _keys(lookup: Any, topic: str, name: str, namespace: str | None) -> tuple[tuple, ...]:
    """The keys that satisfy a pod's account: its namespace's, or any when the pod or the account has none."""
    if namespace is None:
        return ((lookup, topic, name, _ANY),)
    return ((lookup, topic, name, namespace), (lookup, topic, name, None))


class ServiceAccountToken(FactCheck):
    name = "service-account-token"
    description = ("A pod gets a Kubernetes API token only where its pod spec or its ServiceAccount decided it "
                   "(automountServiceAccountToken).")
    recorders = (ACCOUNTS, PODS)
    params_schema: ClassVar[dict[str, Any]] = {"type": "object", "additionalProperties": False}

    def resolve(self, facts: Facts, ctx: RunContext) -> Iterable[Verdict]:
        # two passes over the references (each is read again rather than all of them held at once)
        wanted = [key for lookup, _, fact in facts.references(_USES) for topic in (_ACCOUNT, _OFF)
                  for key in _keys(lookup, topic, *fact.key)]
        known = facts.known(wanted)
        for lookup, _, fact in facts.references(_USES):
            name, namespace = fact.key
            if any(key in known for key in _keys(lookup, _OFF, name, namespace)):
                continue
            shown = f"ServiceAccount '{shorten(name)}'"
            if any(key in known for key in _keys(lookup, _ACCOUNT, name, namespace)):
                yield Verdict(fact.site, f"the pod gets an API token of {shown}: neither its pod spec nor the "
                                         "ServiceAccount sets automountServiceAccountToken (false if it does not "
                                         "call the Kubernetes API, true if it does)")
            elif name == "default":
                yield Verdict(fact.site, "the pod gets an API token of its namespace's default ServiceAccount, "
                                         "which is not among these objects (Kubernetes creates it with the token "
                                         "mounted): set automountServiceAccountToken in the pod spec, false if it "
                                         "does not call the Kubernetes API")
            else:
                yield Verdict(fact.site, f"{shown} is not among these objects: whether it mounts a token is not "
                                         "checked", unchecked=f"not checked: {shown} is not part of this scope")
