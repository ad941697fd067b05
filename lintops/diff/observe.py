"""The objects of one lint run, by environment and identity: what the base run records and the head run compares.

The engine tells an observer every object it checks (:attr:`lintops.pipeline.state.RunState.observer`),
while the object's document is still parsed. The base run records each object's body and where it is
written (:class:`Recorder`); the head run compares each of its objects with the base's of the same
identity at once (:class:`Comparer`), so that the fields that differ are placed in the files a person
edits (a values key, a patch, a manifest line) through the object's own locator, which needs its document.
What the base has and the head never showed is removed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ..model import Location, Resource
from .fields import MAX_FIELDS, differences
from .model import ADDED, CHANGED, REMOVED, EnvironmentChanges, FieldChange, ObjectChange, ObjectKey
from .secrets import SecretMasker


@dataclass(frozen=True)
class Recorded:
    """A base object: its body, its apiVersion, where it was written."""

    body: Any
    api_version: str
    location: Location


def _identity(resource: Resource) -> tuple:
    source = resource.source
    group = resource.api_version.rpartition("/")[0] if isinstance(resource.api_version, str) else ""
    return (source.environment, source.kubernetes_version, group, str(resource.kind), resource.namespace,
            resource.name)


class _Keys:
    """Gives each object its :class:`ObjectKey`, counting objects of the same identity in one environment."""

    def __init__(self) -> None:
        self._seen: dict[tuple, int] = defaultdict(int)

    def key(self, resource: Resource) -> ObjectKey:
        identity = _identity(resource)
        occurrence = self._seen[identity]
        self._seen[identity] += 1
        return ObjectKey(*identity, occurrence=occurrence)


class Recorder:
    """Observes the base run: records every object by key."""

    def __init__(self) -> None:
        self.objects: dict[ObjectKey, Recorded] = {}
        self._keys = _Keys()

    def __call__(self, resource: Resource) -> None:
        key = self._keys.key(resource)
        self.objects[key] = Recorded(resource.body, resource.api_version, resource.location())


class Comparer:
    """Observes the head run: compares each object with the base's of the same key as it is checked."""

    def __init__(self, base: dict[ObjectKey, Recorded], masker: SecretMasker | None = None) -> None:
        self._base = dict(base)
        self._masker = masker or SecretMasker()
        self._keys = _Keys()
        self.environments: dict[tuple[str | None, str | None], EnvironmentChanges] = {}

    def _environment(self, key: ObjectKey) -> EnvironmentChanges:
        index = (key.environment, key.kubernetes_version)
        environment = self.environments.get(index)
        if environment is None:
            environment = self.environments[index] = EnvironmentChanges(key.environment, key.kubernetes_version)
        return environment

    def __call__(self, resource: Resource) -> None:
        key = self._keys.key(resource)
        environment = self._environment(key)
        base = self._base.pop(key, None)
        if base is None:
            environment.added.append(ObjectChange(key, ADDED, resource.api_version, location=resource.location()))
            return
        change = self._compare(key, base, resource)
        if change is None:
            environment.unchanged += 1
        else:
            environment.changed.append(change)

    def _compare(self, key: ObjectKey, base: Recorded, resource: Resource) -> ObjectChange | None:
        found = ObjectChange(key, CHANGED, resource.api_version, old_api_version=base.api_version,
                             location=resource.location())
        for difference in differences(base.body, resource.body):
            if len(found.fields) >= MAX_FIELDS:
                found.omitted_fields += 1
                continue
            old, new, redacted = self._masker.mask(difference, key.group, key.kind, base.body, resource.body)
            location = None if difference.change == REMOVED else resource.location(difference.pointer)
            found.fields.append(FieldChange(difference.path, difference.pointer, difference.change, old, new,
                                            redacted, location))
        return found if found.fields or found.omitted_fields else None

    def finish(self) -> list[EnvironmentChanges]:
        """Every environment of either side, with what the base had and the head did not as removed."""
        for key, base in self._base.items():
            self._environment(key).removed.append(ObjectChange(key, REMOVED, base.api_version,
                                                               location=base.location))
        self._base = {}
        return sorted(self.environments.values(), key=lambda env: (env.name is not None, env.name or "",
                                                                   env.kubernetes_version or ""))
