"""Which Kubernetes versions a run targets, and which of them each environment's objects are checked against.

Teams run the clusters they run: staging on 1.30 before the upgrade, production still on 1.29. A run
therefore has

- *default targets*: the ``-k`` versions (repeatable: ``-k 1.29 -k 1.30`` asks "does everything still
  work after the upgrade"), else the configuration's ``kubernetes_version``. Plain files, which belong
  to no environment, and every environment the configuration does not name are checked against these;
- *environment targets*: the configuration's ``environment_versions``, a mapping from an environment
  name as lintops names environments (a Helm values file's ``values-<env>.yaml``, a Kustomize overlay's
  directory, an ArgoCD Application's environment label or destination), or a glob over such names, to
  the version (or versions) that environment's cluster runs. An exact name wins over a glob; among
  globs, the first written wins. ``-k`` replaces them: with ``-k`` everything is checked against each
  ``-k`` version.

This module is plain data and string matching: it knows nothing of schemas, and it is what a renderer
asks "which versions does environment E target" (:meth:`Targets.for_environment`). It also says how to
write a version YAML read as a number (:func:`unquoted_version`: ``kubernetes_version: 1.20`` is 1.2).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

__all__ = ["Targets", "join_versions", "sort_versions", "union_versions", "unquoted_version"]


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def sort_versions(versions: Iterable[str]) -> tuple[str, ...]:
    """Each version once, oldest first (``1.9`` before ``1.10``)."""
    return tuple(sorted(set(versions), key=_key))


def join_versions(versions: Iterable[str]) -> str:
    """``1.29``, ``1.29 and 1.30``, ``1.28, 1.29 and 1.30``: versions as a message names them."""
    ordered = list(versions)
    if len(ordered) <= 1:
        return "".join(ordered)
    return f"{', '.join(ordered[:-1])} and {ordered[-1]}"


def union_versions(each: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    """The versions of findings merged into one (the same problem in two environments on different
    clusters): all of theirs, oldest first; empty, meaning every version of the run, if one's is empty."""
    found: list[str] = []
    for versions in each:
        if not versions:
            return ()
        found.extend(versions)
    return sort_versions(found)


class Targets:
    """The target versions of a run: the defaults, and those of the environments the configuration names.

    ``environments`` keeps the order written: ``(name or glob, versions)``. Every tuple of versions is
    sorted, oldest first, each version once. (A plain class, not a dataclass: it is made in every run,
    and generating a dataclass costs the one-file cold start about a millisecond.)
    """

    __slots__ = ("_cache", "default", "environments", "several", "versions")

    def __init__(self, default: tuple[str, ...] = ("1.18",),
                 environments: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> None:
        self.default = tuple(default)
        self.environments = tuple(environments)
        #: Every version of the run, oldest first: what reports list, and what "all versions" means.
        self.versions = sort_versions((*self.default, *(v for _, versions in self.environments for v in versions)))
        #: Whether the run targets more than one version (findings then name the versions they apply to).
        self.several = len(self.versions) > 1
        self._cache: dict[str | None, tuple[str, ...]] = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Targets) and (self.default, self.environments) == (other.default, other.environments)

    def __hash__(self) -> int:
        return hash((self.default, self.environments))

    def __repr__(self) -> str:
        return f"Targets({self.default!r}, {self.environments!r})"

    @classmethod
    def make(cls, default: Iterable[str], environments: Mapping[str, Iterable[str]] | None = None) -> Targets:
        return cls(sort_versions(default),
                   tuple((name, sort_versions(versions)) for name, versions in (environments or {}).items()))

    def for_environment(self, environment: str | None) -> tuple[str, ...]:
        """The versions the objects of ``environment`` are rendered and checked for (oldest first);
        ``None`` (a plain file) and an environment the configuration does not name get the defaults."""
        found = self._cache.get(environment)
        if found is None:
            found = self._cache[environment] = self._match(environment)
        return found

    def _match(self, environment: str | None) -> tuple[str, ...]:
        if environment is None or not self.environments:
            return self.default
        for name, versions in self.environments:
            if name == environment:
                return versions
        from fnmatch import fnmatchcase

        for name, versions in self.environments:
            if fnmatchcase(environment, name):
                return versions
        return self.default


def unquoted_version(data: Mapping[str, Any], document: Any, text: str, pointer: str) -> tuple[Any, str] | None:
    """``(position, message)`` when the node at ``pointer`` (where the configuration's schema found its first
    problem) is a version written as a YAML decimal number, else ``None`` (the schema's message then stands).

    ``kubernetes_version: 1.18`` is the float 1.18 to YAML, and ``1.20`` the float 1.2: the version the
    person meant is lost before any schema sees it, so the message quotes what was written (read back
    from ``text`` at the value's place) and shows the quoted line to write instead, at the key (or, in a
    list of versions, at the item). ``document`` is the parsed configuration (positions of its nodes).
    """
    for at, label, key, value in _written_versions(data):
        if at != pointer or not isinstance(value, float):  # 1.18, 1.20; not 1 nor 10**40: no version to quote
            continue
        start, end = document.span(pointer)
        written = _written(text, start, end) or repr(value)[:20]
        read = "" if written == repr(value) else f" (YAML reads it as {value!r})"
        fix = f'{key}: "{written}"' if key else f'"{written}"'
        where = document.position(pointer, at_key=bool(key))
        return where, (f"{label}: unquoted, {written} is a number{read}, not a version; "
                       f"write it in quotes: {fix}")
    return None


def _written_versions(data: Mapping[str, Any]) -> Iterator[tuple[str, str, str, Any]]:
    """(pointer, label, key or "" for a list item, value) of every version a configuration names."""
    if "kubernetes_version" in data:
        yield "/kubernetes_version", "kubernetes_version", "kubernetes_version", data["kubernetes_version"]
    environments = data.get("environment_versions")
    if not isinstance(environments, Mapping):
        return
    for name, value in environments.items():
        token = str(name).replace("~", "~0").replace("/", "~1")
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield f"/environment_versions/{token}/{index}", f"environment_versions.{name}[{index}]", "", item
        else:
            yield f"/environment_versions/{token}", f"environment_versions.{name}", str(name), value


def _written(text: str, start: Any, end: Any) -> str:
    """The scalar as written at ``start``..``end`` (one line), if it looks like a number."""
    lines = text.splitlines()
    if start.line != end.line or not 0 < start.line <= len(lines):
        return ""
    written = lines[start.line - 1][start.column - 1:end.column - 1].strip()
    return written if written and len(written) <= 20 and all(c in "0123456789.+-eE_" for c in written) else ""
