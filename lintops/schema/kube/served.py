"""Which apiVersion and kind each Kubernetes version serves, and what to say about an object it does not.

Two sources, combined here and nowhere else:

- the bundles: ``schemas/kubernetes/served.json`` (written by the generator) lists, for each apiVersion
  and kind, the versions whose schema set has it; versions from an installed ``kubernetes-validate``
  add their own index;
- the removal table ``schemas/api-lifecycle.yaml`` (:mod:`lintops.schema.kube.lifecycle`): "in the bundle" is not
  "served" (the 1.17 set still describes the ``extensions/v1beta1`` workloads that 1.16 stopped
  serving), so a version serves an apiVersion and kind when its bundle has it and the table does not
  say it was removed in that version or before.

An apiVersion belongs to a *built-in group* when its group (``""`` for ``v1``) occurs in any bundle or in
the table. For an object of a built-in group the target does not serve, :func:`assess` says why and what
to use: removed (served by earlier versions only, or removed by the table), unavailable (served only by
later versions, or by no version at all: ``apiVersion: v1`` with ``kind: Deployment``, a misspelt kind).
A custom resource's group is never built-in: whether it has a schema is ``schema-missing``'s question.

For callers that render for a target (Helm's ``.Capabilities.APIVersions``): :meth:`ServedIndex.apis`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from ...data import data_dir
from ...lazy_pattern import lazy
from . import lifecycle as api_lifecycle
from . import versions as _versions

__all__ = ["SERVED_FILE", "ServedIndex", "Verdict", "assess", "group_of", "served_index"]

#: File name of the bundles' index, in ``schemas/kubernetes``.
SERVED_FILE = "served.json"

_API_VERSION = lazy(r"v(\d+)(?:(alpha|beta)(\d+))?")
_LEVEL = {"alpha": 0, "beta": 1, None: 2}


def group_of(api_version: str) -> str:
    """``"apps/v1"`` -> ``"apps"``; ``"v1"`` -> ``""`` (the core group)."""
    return api_version.rpartition("/")[0]


def _priority(api_version: str) -> tuple:
    """Kubernetes' version priority, highest first when sorted: v2 > v1 > v1beta2 > v1beta1 > v1alpha1."""
    match = _API_VERSION.fullmatch(api_version.rpartition("/")[2])
    if match is None:
        return (1, 0, 0, 0, api_version)
    level = _LEVEL[match.group(2)]
    return (0, -level, -int(match.group(1)), -int(match.group(3) or 0), api_version)


def _is_alpha(api_version: str) -> bool:
    match = _API_VERSION.fullmatch(api_version.rpartition("/")[2])
    return match is not None and match.group(2) == "alpha"


def _ranges(versions: list[str]) -> str:
    """["1.19", "1.20", "1.21", "1.25"] -> "1.19 to 1.21, 1.25"."""
    return _versions.describe(versions)


class ServedIndex:
    """apiVersion and kind -> the versions that serve them (bundle and removal table combined).

    ``apis`` is ``served.json``'s: apiVersion -> kind -> version ranges (``"1.21-1.37"``), expanded only
    for the pairs asked about; ``extra`` adds versions of other sources: version -> apiVersion -> kinds."""

    def __init__(self, versions: list[str], apis: dict[str, dict[str, list[str]]],
                 extra: dict[str, dict[str, dict[str, str]]] | None = None) -> None:
        self.versions = tuple(sorted(versions, key=_versions.version_key))
        self._apis = apis
        self._extra = extra or {}
        self._served: dict[tuple[str, str], tuple[str, ...]] = {}
        self._groups = {group_of(api_version) for api_version in apis}
        for kinds in self._extra.values():
            self._groups.update(group_of(api_version) for api_version in kinds)
        self._groups.update(group_of(status.api_version) for status in api_lifecycle.entries())
        self._at: dict[str, dict[str, list[str]]] = {}

    def _in_bundle(self, api_version: str, kind: str) -> set[str]:
        found: set[str] = set()
        key = _versions.version_key
        for span in self._apis.get(api_version, {}).get(kind, ()):
            first, _, last = span.partition("-")
            low, high = key(first), key(last or first)
            found.update(v for v in self.versions if low <= key(v) <= high)
        found.update(v for v, kinds in self._extra.items() if kind in kinds.get(api_version, ()))
        return found

    def is_builtin(self, api_version: str) -> bool:
        """Whether ``api_version`` names a built-in API group (of any version known)."""
        return group_of(api_version) in self._groups

    def serving(self, api_version: str, kind: str) -> tuple[str, ...]:
        """The versions (oldest first) that serve ``api_version`` ``kind``."""
        key = (api_version, kind)
        found = self._served.get(key)
        if found is None:
            in_bundle = self._in_bundle(api_version, kind)
            status = api_lifecycle.lookup(api_version, kind)
            found = self._served[key] = tuple(
                version for version in self.versions
                if version in in_bundle and (status is None or not status.removed(version))
            )
        return found

    def serves(self, version: str, api_version: str, kind: str) -> bool:
        return version in self.serving(api_version, kind)

    def kinds(self, version: str) -> dict[str, list[str]]:
        """kind -> the apiVersions ``version`` serves it in, most preferred first."""
        found = self._at.get(version)
        if found is None:
            found = {}
            pairs = {(a, k) for a, kinds in self._apis.items() for k in kinds}
            pairs.update((a, k) for kinds in self._extra.values() for a, names in kinds.items() for k in names)
            for api_version, kind in sorted(pairs):
                if self.serves(version, api_version, kind):
                    found.setdefault(kind, []).append(api_version)
            for api_versions in found.values():
                api_versions.sort(key=_priority)
            self._at[version] = found
        return found

    def apis(self, version: str) -> list[tuple[str, str]]:
        """Every (apiVersion, kind) ``version`` serves, sorted."""
        return sorted((api_version, kind) for kind, api_versions in self.kinds(version).items()
                      for api_version in api_versions)

    def instead(self, version: str, api_version: str, kind: str) -> list[str]:
        """The apiVersions ``version`` serves ``kind`` in, other than ``api_version``: the same group's first,
        then by Kubernetes' version priority; alpha versions only when there is nothing else."""
        group = group_of(api_version)
        others = [v for v in self.kinds(version).get(kind, ()) if v != api_version]
        if any(not _is_alpha(v) for v in others):  # alpha APIs are off by default
            others = [v for v in others if not _is_alpha(v)]
        return sorted(others, key=lambda v: (group_of(v) != group, _priority(v)))


@dataclass(frozen=True)
class Verdict:
    """``report`` is ``removed``, ``unavailable`` or ``deprecated`` (the ``api-lifecycle`` check's parameter)."""

    report: str
    message: str


def assess(api_version: str, kind: str, target: str) -> Verdict | None:
    """What to report about an object of ``api_version`` ``kind`` for Kubernetes ``target``; None if fine
    (served and not deprecated) or not of a built-in group."""
    status = api_lifecycle.lookup(api_version, kind)
    if status is not None and status.removed(target):
        return Verdict("removed", api_lifecycle.removed_message(status, target))
    index = served_index()
    if not index.is_builtin(api_version):
        return None
    serving = index.serving(api_version, kind)
    if target in serving:
        if status is not None and status.deprecated(target):
            return Verdict("deprecated", api_lifecycle.deprecated_message(status, target))
        return None
    return _unserved(index, api_version, kind, target, serving)


def _unserved(index: ServedIndex, api_version: str, kind: str, target: str, serving: tuple[str, ...]) -> Verdict:
    key = _versions.version_key
    subject = f"{api_version} {kind}"
    if not serving:
        known = _ranges(list(index.versions))
        report, text = "unavailable", f"{subject} is not served by any Kubernetes version ({known})"
    elif key(serving[-1]) < key(target):
        report, text = "removed", f"{subject} is not served by Kubernetes {target} (served up to {serving[-1]})"
    elif key(serving[0]) > key(target):
        spans = _ranges(list(serving))
        if "," not in spans and serving[-1] == index.versions[-1]:
            text = f"{subject} is served from Kubernetes {serving[0]}"
        else:
            text = f"{subject} is served by Kubernetes {spans}"
        report = "unavailable"
    else:
        report = "unavailable"
        text = f"{subject} is not served by Kubernetes {target} (served by {_ranges(list(serving))})"
    instead = index.instead(target, api_version, kind)
    if instead:
        return Verdict(report, f"{text}; {target} serves {', '.join(instead)}")
    guess = _close_kind(index, target, kind)
    if guess is not None:
        return Verdict(report, f"{text}; did you mean {guess[1]} {guess[0]}?")
    return Verdict(report, f"{text}; Kubernetes {target} serves no {kind} in any apiVersion")


def _close_kind(index: ServedIndex, target: str, kind: str) -> tuple[str, str] | None:
    """A kind ``target`` serves whose name is close to ``kind`` (a misspelling), with its preferred apiVersion."""
    import difflib

    served = index.kinds(target)
    by_lower = {name.lower(): name for name in served}
    match = by_lower.get(kind.lower()) or next(iter(difflib.get_close_matches(kind, list(served), n=1, cutoff=0.8)),
                                               None)
    if match is None or match == kind:
        return None
    return match, served[match][0]


@lru_cache(maxsize=1)
def served_index() -> ServedIndex:
    """The index of every version with data (bundled: ``served.json``; an installed ``kubernetes-validate``:
    the kinds of its versions that load), read once per process."""
    from . import bundle

    sources = _versions.sources()
    apis: dict[str, dict[str, list[str]]] = {}
    known: list[str] = []
    path = data_dir("schemas") / "kubernetes" / SERVED_FILE
    if path.is_file():
        with open(path, "rb") as handle:
            data = json.loads(handle.read())
        apis = data["apis"]
        known = [version for version in data["versions"] if version in sources]
    extra: dict[str, dict[str, dict[str, str]]] = {}
    for version, source in sources.items():
        if source.origin != _versions.BUNDLED:
            try:
                extra[version] = bundle.load(version).kinds
            except bundle.SchemaDataError:
                continue  # not a target of this run (that one was loaded when the run started)
            known.append(version)
    return ServedIndex(known, apis, extra)
