"""What every check is: parameterised logic that yields violations for the subjects a rule targets.

A *check* is code (this package, or a plugin); a *rule* is data (``rules/*.yaml``) that names a check,
its parameters, its targets and its severity. One check serves many rules: ``json-schema`` alone
backs most house rules a platform team writes.

Checks never parse YAML and never compute positions: they see plain data and answer with JSON
pointers (:class:`~lintops.model.Violation`); the engine turns pointers into ``path:line:col``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..model import Resource, Violation, join_pointer

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import RunContext


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
    #: False for checks whose rules are fed by an earlier stage (parse problems): never dispatched.
    inspects_resources: ClassVar[bool] = True
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
