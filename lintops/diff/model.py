"""What ``lintops diff`` found: per environment, the objects added, removed and changed, and the findings.

These are plain records, made by :mod:`lintops.diff.compare` and read by the formatters. Every value in a
:class:`FieldChange` is already safe to print: a value a secret may be in is a :class:`Redacted` hash
(:mod:`lintops.diff.secrets`), never the value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import Finding, Location, RunSummary, Severity

ADDED, REMOVED, CHANGED = "added", "removed", "changed"


class _Absent:
    """The value of a field on the side that does not have it (``old`` of an added field)."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT: Any = _Absent()


@dataclass(frozen=True)
class Redacted:
    """A value that may be a secret, shown as a short keyed hash of it (equal values, equal hashes, within
    one run): "the password changed" shows, the password does not."""

    digest: str

    def __str__(self) -> str:
        return f"<secret {self.digest}>"


@dataclass(frozen=True, order=True)
class ObjectKey:
    """An object's identity within one environment: what base and head objects are matched by.

    The API group, not the version: ``apps/v1beta2`` to ``apps/v1`` is a change of the same object.
    ``occurrence`` tells apart objects of the same identity in one environment (the second is 1).
    ``kubernetes_version`` is set for a chart rendered once per target version (each render is its own).
    """

    environment: str | None
    kubernetes_version: str | None
    group: str
    kind: str
    namespace: str | None
    name: str | None
    occurrence: int = 0

    @property
    def label(self) -> str:
        """``Kind/namespace/name`` as the other reports name an object (``Kind/name`` without a namespace)."""
        name = self.name or "<unnamed>"
        suffix = f" (#{self.occurrence + 1})" if self.occurrence else ""
        return (f"{self.kind}/{self.namespace}/{name}" if self.namespace else f"{self.kind}/{name}") + suffix


@dataclass(frozen=True)
class FieldChange:
    """One field of an object that differs between base and head.

    ``path`` is how a person reads it (``spec.template.spec.containers[name=app].image``: list items with a
    ``name`` are named by it, others by index); ``pointer`` is the JSON pointer of the field in the head
    object (in the base object for a removed field). ``old``/``new`` are plain data (scalars, or a whole
    mapping or list that was added or removed), :data:`ABSENT` on the side that has no such field, with
    :class:`Redacted` wherever a secret may be. ``location`` is where the head's value is written (a values
    file key, a patch, a manifest line); None for a removed field or when it could not be placed.
    """

    path: str
    pointer: str
    change: str
    old: Any = ABSENT
    new: Any = ABSENT
    redacted: bool = False
    location: Location | None = None


@dataclass
class ObjectChange:
    """An object added, removed or changed in one environment."""

    key: ObjectKey
    status: str
    #: The head's apiVersion (the base's for a removed object); ``old_api_version`` the base's.
    api_version: str
    old_api_version: str | None = None
    #: Where the object is written: at head, or at the base for a removed one (paths relative to the
    #: repository root, the same at both).
    location: Location | None = None
    fields: list[FieldChange] = field(default_factory=list)
    #: Fields that differ beyond the ones listed (the list is bounded; see lintops.diff.fields.MAX_FIELDS).
    omitted_fields: int = 0


@dataclass
class EnvironmentChanges:
    """The objects of one environment that a merge request adds, removes or changes.

    ``name`` is the environment lintops renders (a values file's, an overlay's, an Application's); None for
    the plain manifests, which have none. ``unchanged`` counts the objects the same at both.
    """

    name: str | None
    kubernetes_version: str | None = None
    added: list[ObjectChange] = field(default_factory=list)
    removed: list[ObjectChange] = field(default_factory=list)
    changed: list[ObjectChange] = field(default_factory=list)
    unchanged: int = 0

    @property
    def label(self) -> str:
        label = self.name or "plain manifests"
        return f"{label} (Kubernetes {self.kubernetes_version})" if self.kubernetes_version else label

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass
class FindingChanges:
    """The head's findings the merge request introduces, those the base had too, and the base's it resolves."""

    introduced: list[Finding] = field(default_factory=list)
    unchanged: list[Finding] = field(default_factory=list)
    resolved: list[Finding] = field(default_factory=list)


@dataclass
class DiffResult:
    """Everything ``lintops diff`` reports."""

    #: The ``--base`` as given, and the merge base commit the head was compared with.
    base_ref: str
    base_commit: str
    environments: list[EnvironmentChanges]
    findings: FindingChanges
    fail_on: Severity
    #: Whether an introduced finding reaches ``fail_on`` unsuppressed (the exit code is 1 then).
    failed: bool
    head_summary: RunSummary
    base_summary: RunSummary

    @property
    def changed_environments(self) -> list[EnvironmentChanges]:
        return [environment for environment in self.environments if environment.has_changes]
