"""Check ``secret-ownership``: two objects of one environment that produce the same Secret.

A SealedSecret makes the Secret of its own ``metadata`` namespace and name. When a plain Secret of the
same namespace and name is deployed beside it, the controller refuses to overwrite a Secret it does not
own ("Resource already exists and is not managed by SealedSecret"), or the two are applied over each
other on every sync; two SealedSecrets of one name overwrite each other. The objects are compared per
environment and per target version render only once:

- a rendered object's environment is the one it was rendered for (a Helm values file, a Kustomize
  overlay, an ArgoCD Application); without a namespace of its own, it lands in the destination
  namespace of each Application it was rendered for (:attr:`lintops.model.Source.applications`);
- a plain file's environment is its directory, the unit ArgoCD and ``kubectl apply -f`` deploy together;
- a Helm chart that lies directly in a directory of plain files (``production/web/Chart.yaml`` beside
  ``production/sealed.yaml``) is part of that directory's environment too: its rendered objects are
  compared with that directory's plain files (never, through it, with other renders).

Each object is held back as :func:`lintops.held_back.detached` leaves it (identity, source, the place of
``/metadata/name``), never with its body, so memory stays small however many Secrets a run has; ``_held``
is a list, as the result cache wants of a check that holds objects back (lintops.result_cache.files).
"""

from __future__ import annotations

from collections import defaultdict
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
#: (environment, namespace): where one object of a name is compared with others.
Bucket = tuple[str, "str | None"]


def _buckets(resource: Resource) -> tuple[list[Bucket], list[Bucket]]:
    """The environments ``resource`` is deployed in (compared with every object there), and the
    directories of plain files it joins (compared with those plain files only)."""
    source = resource.source
    if source.origin == "file" and not source.environment:
        return [("dir:" + source.path.rpartition("/")[0], resource.namespace)], []
    namespaces = [resource.namespace] if resource.namespace else \
        sorted({destination or None for *_, destination in source.applications}, key=str) or [None]
    environment = "env:" + (source.environment or "")
    joins = []
    if source.origin == "helm" and "/templates/" in source.path:
        chart = source.path.rpartition("/templates/")[0]
        while "/charts/" in chart:  # a subchart's template: the chart a person renders holds it
            chart = chart.rpartition("/charts/")[0]
        joins = [("dir:" + chart.rpartition("/")[0], namespace) for namespace in namespaces]
    return [(environment, namespace) for namespace in namespaces], joins


class SecretOwnership(Check):
    name = "secret-ownership"
    description = ("Reports a SealedSecret whose Secret another object of the same environment also produces "
                   "(a plain Secret, or another SealedSecret).")
    cross_object_kinds = frozenset({"SealedSecret", "Secret"})

    def __init__(self, params: dict | None = None) -> None:
        super().__init__(params)
        #: (name, its buckets, the directories it joins, the object reduced) of each Secret and SealedSecret
        self._held: list[tuple[str, list[Bucket], list[Bucket], Resource]] = []

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        resource = subject.resource
        sealed = is_sealed_secret(resource)
        if not resource.name or not (sealed or (resource.kind == "Secret" and resource.api_version == "v1")):
            return ()
        buckets, joins = _buckets(resource)
        self._held.append((resource.name, buckets, joins, detached(resource, [_NAME])))
        return ()

    def finish(self, ctx: RunContext) -> Iterator[tuple[Resource, Violation]]:
        held, self._held = self._held, []
        by_name: dict[str, list[tuple[list[Bucket], list[Bucket], Resource]]] = defaultdict(list)
        for name, buckets, joins, resource in held:
            by_name[name].append((buckets, joins, resource))
        for group in by_name.values():
            if len(group) > 1 and any(is_sealed_secret(resource) for *_, resource in group):
                yield from _conflicts(group)


def _conflicts(group: list[tuple[list[Bucket], list[Bucket], Resource]]) -> Iterator[tuple[Resource, Violation]]:
    """Each SealedSecret of one name that shares an environment with another object producing its Secret."""
    members: dict[Bucket, dict[tuple[str, int, int], Resource]] = defaultdict(dict)
    joined: dict[Bucket, dict[tuple[str, int, int], Resource]] = defaultdict(dict)
    joins_of: dict[tuple[str, int, int], list[Bucket]] = {}
    for buckets, joins, resource in group:
        place = resource.location()
        key = (place.path, place.line, place.column)  # the same text rendered again (another target version)
        joins_of.setdefault(key, []).extend(joins)
        for bucket in buckets:
            members[bucket].setdefault(key, resource)
        for bucket in joins:
            joined[bucket].setdefault(key, resource)
    reported: set[tuple[str, int, int, str | None]] = set()
    for bucket in list(members):
        for key, resource in members[bucket].items():
            if not is_sealed_secret(resource) or (*key, bucket[1]) in reported:
                continue
            plain = bucket[0].startswith("dir:")
            others: dict[tuple[str, int, int], Resource] = {}
            for pool in (members[bucket], joined.get(bucket, {})) if plain else (members[bucket],):
                others.update(pool)
            if not plain:  # a chart in a directory of plain files meets those files
                for join in joins_of[key]:
                    if join[1] == bucket[1]:
                        others.update(members.get(join, {}))
            others.pop(key, None)
            if not others:
                continue
            reported.add((*key, bucket[1]))
            yield resource, _violation(resource, bucket[1], list(others.values()))


def _violation(resource: Resource, namespace: str | None, others: list[Resource]) -> Violation:
    named = ", ".join(f"{o.kind} at {o.location(_NAME)}" for o in others[:_NAMED])
    more = f" and {len(others) - _NAMED} more" if len(others) > _NAMED else ""
    return Violation(_NAME, (
        f"SealedSecret produces the Secret {identity(namespace, resource.name)}, which {named}{more} also "
        "produces in this environment: the controller will not take over a Secret it does not own, or the two "
        "overwrite each other on every sync"))
