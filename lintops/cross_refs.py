"""Cross-object facts: what checks that compare objects across files record per object, resolved once at the end.

Why: a Service and the pods it selects, an Ingress and its Service, a container and the ConfigMap it
reads are usually in different files, which a large run lints in different worker processes, some of
them replayed from the result cache. Declaring their kinds as ``cross_object_kinds`` would send every
file through one process; holding the objects until the end would make memory grow with the run.
Instead each object leaves a few small *facts* as plain data, which travel with its file's report
from a worker to the main process and through the file's result-cache entry
(:mod:`lintops.result_cache.facts`), and the checks resolve them once, when the last file was read
(:func:`lintops.pipeline.finish.finish`).

The contract (plugins use it as the built-ins do):

- A :class:`FactCheck` names its :class:`Recorder` objects (``recorders``) and implements
  :meth:`FactCheck.resolve`. Its ``check`` method yields nothing by default: its findings come from
  ``resolve``. A recorder is a function of one object (of its ``kinds``, or of every kind) to facts;
  each recorder of the run runs once per object, however many rules use it.
- A :class:`Fact` is one of three things, by its fields: a *key* (``topic`` and ``key``: "a ConfigMap
  ``web`` exists in namespace ``shop``"), a *label set* (``data`` a dict of labels: a pod template's),
  or a *reference* (``site`` set: where an object names another one, with the reference's own
  ``key`` and ``data``).
- Keys and label sets are kept as packed 64-bit hashes in :class:`FactStore` (about 8 bytes a key and
  16 a label, and no Python object per fact); a reference keeps its :class:`Site`, which is what a
  finding needs (the object's identity, the place of the reference node resolved while its document was
  parsed, the annotations that exempt it: see :func:`lintops.held_back.detached`).
- ``resolve`` gets a :class:`Facts` view: :meth:`Facts.references` of a topic, :meth:`Facts.known` for which
  keys exist, :meth:`Facts.present` for "this scope has any object of that kind", :meth:`Facts.matches` for
  the label sets that each of many selectors selects, and yields :class:`Verdict` objects: a finding at a
  reference's site, or a decision not to check it (``unchecked``), which becomes a finding suppressed with
  that reason, shown with ``--verbose`` as "not checked".

Scopes (what "the same environment's render" is): the objects of one Helm chart environment's render,
or of one Kustomize root's render, are one scope each (``RunState.scope``). The plain files of a run are
one scope for lookups (a reference is satisfied by a target in any plain file of the run), but a
reference is judged only where its own directory holds an object of the referenced kind (``present``
asks the directory): a repository split across folders is not punished, and a directory that holds
ConfigMaps is held to them. Context files (read for cross-object checks, never reported on) add keys and
label sets to the plain scope, never references. A name that a scope's objects leave unresolved is
looked up nowhere else: a chart does not see the plain files' ConfigMaps.
"""

from __future__ import annotations

import posixpath
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from .checks.base import Check, Subject
from .model import Located, Location, ObjectRef, Position, Resource, Violation
from .packed_refs import Packed

if TYPE_CHECKING:  # pragma: no cover
    from .run_context import RunContext

#: The scope of plain files for lookups (rendered scopes are the render stage's ``(input index, environment)``).
PLAIN = None
CONTEXT = "context"
#: "Any namespace" for :meth:`Facts.present` (and the namespace of the key facts that a reference without
#: a namespace looks up).
ANY = "*"


@dataclass(frozen=True, slots=True)
class Site:
    """Where a reference is written: what a finding about it needs, resolved while its document was parsed."""

    ref: ObjectRef
    environment: str | None
    pointer: str
    located: Located
    #: The annotation maps that may exempt its findings (lintops.exemptions.annotation_maps).
    annotations: tuple[tuple[str, dict], ...] = ()


@dataclass(frozen=True, slots=True)
class Fact:
    """One thing an object says: a key (``topic``, ``key``), a label set (``data`` a dict), or a reference
    (``site``)."""

    topic: str
    key: tuple[str | None, ...]
    data: Any = None
    site: Site | None = None
    #: A label set's number (a workload's replicas; -1: none), what :meth:`Facts.label_sets` gives with it.
    tag: int = -1


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a resolver says of a reference: a finding at its site, or (``unchecked``) why it is not judged."""

    site: Site
    message: str
    unchecked: str | None = None


@dataclass(frozen=True)
class Recorder:
    """A function from one object to its facts; ``kinds`` None: every object is shown to it."""

    name: str
    kinds: frozenset[str] | None
    record: Callable[[Resource, RunContext], Iterable[Fact]]


class FactCheck(Check):
    """A check whose findings come from facts its recorders left, resolved when the run ends."""

    recorders: ClassVar[tuple[Recorder, ...]] = ()

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        return ()

    def resolve(self, facts: Facts, ctx: RunContext) -> Iterable[Verdict]:
        raise NotImplementedError


def site(resource: Resource, pointer: str, at_key: bool = False) -> Site:
    """The site of a reference at ``pointer`` of ``resource`` (while its document is still parsed)."""
    from .exemptions import annotation_maps

    return Site(resource.ref, resource.source.environment, pointer, resource.locate(pointer, at_key),
                annotation_maps(resource))


def identity(*key: str | None) -> int:
    """The hash a label set carries of its own key (so a resolver can tell which object a matched set is)."""
    return hash(("#key", *key))


def directory_of(path: str) -> str:
    return posixpath.dirname(path.replace("\\", "/"))


def _label_hashes(labels: Mapping[str, Any]) -> array:
    found = array("q")
    for name, value in labels.items():
        found.append(hash((name,)))
        found.append(hash((name, str(value))))
    return found


class FactStore:
    """The facts of a run, as the process that resolves them keeps them (keys and labels packed)."""

    def __init__(self, recorders: Iterable[Recorder] = ()) -> None:
        by_name = {recorder.name: recorder for recorder in recorders}
        self.recorders = tuple(by_name.values())
        self._any_kind = tuple(r for r in self.recorders if r.kinds is None)
        self._by_kind: dict[str, tuple[Recorder, ...]] = {}
        self._keys = array("q")
        #: (scope, topic, namespace) -> label sets, each a count then 2 hashes a label.
        self._labels: dict[tuple, array] = defaultdict(lambda: array("q"))
        #: (scope or directory, topic, first key part): what "the referenced kind is part of this render" asks.
        self._present: set[tuple] = set()
        #: topic -> its references packed (:func:`_pack`) end to end in one buffer, and where each ends.
        self._references: dict[str, Packed] = defaultdict(Packed)
        #: References that marshal cannot pack (an annotation YAML made a date), as they are.
        self._aside: dict[str, list[tuple[Any, Any, Fact]]] = defaultdict(list)

    def __bool__(self) -> bool:
        return bool(self.recorders)

    def facts_of(self, resource: Resource, ctx: RunContext) -> list[Fact]:
        """Every recorder's facts about one object (a recorder that raises is the caller's internal error)."""
        recorders = self._by_kind.get(resource.kind)
        if recorders is None:
            if len(self._by_kind) >= 4096:  # a file of made-up kinds must not grow this without end
                self._by_kind.clear()
            recorders = self._by_kind[resource.kind] = tuple(
                r for r in self.recorders if r.kinds is None or resource.kind in r.kinds)
        found: list[Fact] = []
        for recorder in recorders:
            found.extend(recorder.record(resource, ctx))
        return found

    def add(self, scope: Any, path: str, facts: Iterable[Fact]) -> None:
        """Keep the facts of one file's objects (``scope``: its render, PLAIN, or CONTEXT)."""
        judged = ("dir", directory_of(path)) if scope in (PLAIN, CONTEXT) else scope
        lookup = PLAIN if scope == CONTEXT else scope
        for fact in facts:
            if fact.site is not None:
                if scope != CONTEXT and not self._references[fact.topic].add(_flat(lookup, judged, fact)):
                    self._aside[fact.topic].append((lookup, judged, fact))
                continue
            if fact.key:
                namespace = fact.key[1] if len(fact.key) > 1 else None
                for where in (judged, lookup):
                    self._present.add((where, fact.topic, fact.key[0], namespace))
                    self._present.add((where, fact.topic, fact.key[0], ANY))
            if isinstance(fact.data, dict):
                hashes = _label_hashes(fact.data)
                hashes.append(identity(*fact.key))
                store = self._labels[(lookup, fact.topic, fact.key[1] if len(fact.key) > 1 else None)]
                store.append(len(hashes))
                store.append(fact.tag)
                store.extend(hashes)
            else:
                self._keys.append(hash((lookup, fact.topic, *fact.key)))

    def clear(self) -> None:
        """Forget what was kept (a worker process, whose reports carry its files' facts home)."""
        self._keys = array("q")
        self._labels.clear()
        self._present.clear()
        self._references.clear()
        self._aside.clear()

    def view(self) -> Facts:
        return Facts(self)


def _flat(lookup: Any, judged: Any, fact: Fact) -> tuple:
    """A reference as a tuple of plain values (what :class:`lintops.packed_refs.Packed` keeps)."""
    place = fact.site
    assert place is not None
    located, ref, end = place.located, place.ref, place.located.end
    return (lookup, judged, fact.topic, fact.key, fact.data, fact.tag, ref.api_version, ref.kind, ref.namespace,
            ref.name, place.environment, place.pointer,
            tuple((r.path, r.line, r.column) for r in (located.location, *located.related)),
            None if end is None else (end.line, end.column), place.annotations)


def _rebuilt(record: tuple) -> tuple[Any, Any, Fact]:
    (lookup, judged, topic, key, data, tag, api_version, kind, namespace, name, environment, pointer, places, end,
     annotations) = record
    located = Located(Location(*places[0]), tuple(Location(*p) for p in places[1:]),
                      None if end is None else Position(*end))
    return lookup, judged, Fact(topic, key, data, Site(ObjectRef(api_version, kind, namespace, name), environment,
                                                       pointer, located, annotations), tag)


class Facts:
    """What a resolver asks of the run's facts (:meth:`FactCheck.resolve`)."""

    def __init__(self, store: FactStore) -> None:
        self._store = store

    def references(self, topic: str) -> Iterator[tuple[Any, Any, Fact]]:
        """``(lookup scope, judging scope, fact)`` of every reference of ``topic``, in the order they were made,
        each unpacked as it is reached (a resolver that needs two passes asks twice, rather than holding
        every reference of the run unpacked at once)."""
        packed = self._store._references.get(topic)
        if packed is not None:
            for record in packed:
                yield _rebuilt(record)
        yield from self._store._aside.get(topic, ())

    def present(self, scope: Any, topic: str, first: str | None, namespace: str | None = ANY) -> bool:
        """Whether ``scope`` (a judging or lookup scope) has a fact of ``topic`` whose key starts with ``first``,
        in ``namespace`` (a key's second part) or without one; :data:`ANY` (and None): in any namespace."""
        present = self._store._present
        if namespace is None or namespace == ANY:
            return (scope, topic, first, ANY) in present
        return (scope, topic, first, namespace) in present or (scope, topic, first, None) in present

    def known(self, wanted: Iterable[tuple]) -> set[tuple]:
        """Which of ``wanted`` (each ``(lookup scope, topic, *key)``) were recorded as key facts: one pass over
        the packed keys, so that only the keys asked about become Python objects."""
        by_hash: dict[int, list[tuple]] = defaultdict(list)
        for item in wanted:
            by_hash[hash(item)].append(item)
        found: set[tuple] = set()
        if by_hash:
            for value in self._store._keys:
                items = by_hash.get(value)
                if items is not None:
                    found.update(items)
        return found

    def label_sets(self, scope: Any, topic: str) -> Iterator[tuple[str | None, int, set[int]]]:
        """Every label set of ``topic`` in lookup scope ``scope``: its namespace, its tag, and the hashes of its
        labels and of its key (:func:`identity`)."""
        for (where, kept_topic, namespace), store in self._store._labels.items():
            if where != scope or kept_topic != topic:
                continue
            index = 0
            while index < len(store):
                count = store[index]
                yield namespace, store[index + 1], set(store[index + 2:index + 2 + count])
                index += 2 + count

    def matches(self, topic: str,
                queries: list[tuple[Any, str | None, Selector]]) -> Iterator[tuple[int, int, set[int]]]:
        """``(query index, tag, label set)`` for every label set of ``topic`` that a query selects.

        A query is ``(lookup scope, namespace, selector)``: it selects the label sets of its scope whose
        namespace is its own, or either has none. Label sets are read once per scope, and each meets only
        the queries that require one of its labels (and those that require none), so resolving every
        Service of a large run does not compare every Service with every pod template.
        """
        by_scope: dict[Any, tuple[dict[int, list[int]], list[int]]] = {}
        for number, (scope, _, selector) in enumerate(queries):
            anchored, free = by_scope.setdefault(scope, ({}, []))
            anchor = selector.anchors()
            if anchor:
                for value in anchor:
                    anchored.setdefault(value, []).append(number)
            else:
                free.append(number)
        for scope, (anchored, free) in by_scope.items():
            for namespace, tag, labels in self.label_sets(scope, topic):
                candidates = set(free)
                for value in labels:
                    candidates.update(anchored.get(value, ()))
                for number in sorted(candidates):
                    wanted = queries[number][1]
                    if (wanted is None or namespace is None or wanted == namespace) and \
                            queries[number][2].matches(labels):
                        yield number, tag, labels


@dataclass(frozen=True)
class Selector:
    """A label selector as hashes: ``matchLabels`` and ``matchExpressions`` (In, NotIn, Exists, DoesNotExist)."""

    #: Each requirement: (operator, key hash, value hashes).
    requirements: tuple[tuple[str, int, tuple[int, ...]], ...]

    @classmethod
    def of(cls, match_labels: Mapping[str, Any],
           expressions: Iterable[tuple[str, str, Iterable[str]]] = ()) -> Selector:
        found = [("In", hash((key,)), (hash((key, str(value))),)) for key, value in match_labels.items()]
        for key, operator, values in expressions:
            found.append((operator, hash((key,)), tuple(hash((key, str(value))) for value in values)))
        return cls(tuple(found))

    def anchors(self) -> tuple[int, ...]:
        """Hashes of which a matching label set has at least one (its first ``In`` or ``Exists`` requirement's)."""
        for operator, key, values in self.requirements:
            if operator == "In":
                return values
            if operator == "Exists":
                return (key,)
        return ()

    def matches(self, labels: set[int]) -> bool:
        for operator, key, values in self.requirements:
            if operator == "In" and not any(value in labels for value in values):
                return False
            if operator == "NotIn" and any(value in labels for value in values):
                return False
            if operator == "Exists" and key not in labels:
                return False
            if operator == "DoesNotExist" and key in labels:
                return False
        return True


def recorders_of(rules: Iterable[Any]) -> list[Recorder]:
    """The recorders of the run's fact checks, each once."""
    found: list[Recorder] = []
    for rule in rules:
        found.extend(getattr(getattr(rule, "check", None), "recorders", None) or ())
    return found
