"""What every check is: parameterised logic that yields violations for the subjects a rule targets.

A *check* is code (this package, or a plugin); a *rule* is data (``rules/*.yaml``) that names a check,
its parameters, its targets and its severity. One check serves many rules: ``json-schema`` alone
backs most house rules a platform team writes.

Checks never parse YAML and never compute positions: they see plain data and answer with JSON
pointers (:class:`~lintops.model.Violation`); the engine turns pointers into ``path:line:col``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

from ..model import Resource, Violation, join_pointer

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext


@dataclass(frozen=True)
class Subject:
    """What a rule looks at: a whole resource, or one node of it (a pod spec, a container).

    ``pointer`` locates ``value`` inside ``resource.body``; :meth:`at` builds pointers below it.
    """

    resource: Resource
    pointer: str
    value: Any

    def at(self, *tokens: object) -> str:
        return join_pointer(self.pointer, *tokens)


class Check:
    """Base class of checks. Subclasses set ``name`` and ``params_schema`` and implement :meth:`check`.

    ``params_schema`` is a JSON Schema for the rule's ``params``: a rule file with a wrong parameter is
    refused when it is loaded, not when the first object happens to reach the check.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    #: Kinds whose objects this check compares across files (it reports in :meth:`finish`). The engine
    #: lints every file that mentions one of them in a single process, before it spreads the other
    #: files over worker processes. A check that overrides :meth:`finish` must declare them.
    cross_object_kinds: ClassVar[frozenset[str]] = frozenset()
    params_schema: ClassVar[dict[str, Any]] = {"type": "object", "additionalProperties": False}

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        self.params = dict(params or {})

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        raise NotImplementedError

    def finish(self, ctx: RunContext) -> Iterator[tuple[Resource, Violation]]:
        """Called once after every file: checks that held resources back report on them here."""
        return iter(())

    def holding(self) -> int | None:
        """How much this check holds for :meth:`finish` now, or None when it cannot say.

        The result cache compares it before and after linting a file: a file that changed it left
        something for the end of the run and is not cached. A check that overrides :meth:`finish` and
        answers None switches the result cache off for the whole run. The default counts a ``_held``
        list, the way most holding checks keep what they hold.
        """
        held = getattr(self, "_held", None)
        return len(held) if isinstance(held, list) else None

    @staticmethod
    def each_target(subject: Subject, ctx: RunContext,
                    check_at: Callable[[Subject, RunContext], Iterable[Violation]]) -> list[Violation]:
        """For a check whose verdict depends on the target version: ``check_at`` with ``ctx`` bound to each
        version the subject's object is checked against (a context of that version alone, so ``check_at``
        may be the check itself), one violation per problem naming its versions (:func:`merge_targets`).
        A run of one version calls ``check_at`` once, as it is."""
        if not ctx.several:
            return list(check_at(subject, ctx))
        return merge_targets([(version, violation) for version in ctx.versions_for(subject.resource)
                              for violation in check_at(subject, ctx.at(version))])


def _target_mention(version: str) -> re.Pattern[str]:
    """Where a message names its target: ``Kubernetes 1.25`` and ``; 1.25 serves`` (lintops.schema.kube.served)."""
    found = _MENTIONS.get(version)
    if found is None:
        number = re.escape(version)
        found = _MENTIONS[version] = re.compile(rf"(?<=Kubernetes ){number}(?!\.?\d)(?P<verb> serves\b)?|"
                                                rf"(?<=; ){number}(?!\.?\d)(?P<serves> serves\b)")
    return found


_MENTIONS: dict[str, re.Pattern[str]] = {}


def _neutral(message: str, version: str) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    """The message without the mentions of its target: the text around them, and whether each is followed
    by "serves" (which becomes "serve" after several versions)."""
    pieces, verbs, at = [], [], 0
    for match in _target_mention(version).finditer(message):
        pieces.append(message[at:match.start()])
        verbs.append(bool(match.group("verb") or match.group("serves")))
        at = match.end()
    pieces.append(message[at:])
    return tuple(pieces), tuple(verbs)


def merge_targets(found: Sequence[tuple[str, Violation]]) -> list[Violation]:
    """One violation per problem from each target version's violations (``found``: version, violation, with
    the versions oldest first), naming the versions it applies to.

    Violations at the same node whose messages differ only where they name their target ("is not served by
    Kubernetes 1.25" and "... 1.26") are one problem: its message names every version ("Kubernetes 1.25
    and 1.26"). Anything else that differs (the advice, the node) keeps the violations apart, each naming
    its own versions.
    """
    from ..config.targets import join_versions

    groups: dict[tuple, tuple[Violation, list[str]]] = {}
    for version, violation in found:
        pieces, verbs = _neutral(violation.message, version)
        key = (violation.pointer, violation.at_key, pieces, verbs)
        group = groups.get(key)
        if group is None:
            groups[key] = (violation, [version])
        elif version not in group[1]:
            group[1].append(version)
    merged = []
    for (_, _, pieces, verbs), (violation, versions) in groups.items():
        message = violation.message
        if len(versions) > 1 and verbs:
            named = join_versions(versions)
            message = pieces[0] + "".join(named + (" serve" if verb else "") + piece
                                          for verb, piece in zip(verbs, pieces[1:], strict=True))
        merged.append(replace(violation, message=message, kubernetes_versions=tuple(versions)))
    return merged
