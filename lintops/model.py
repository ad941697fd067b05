"""The data types that cross stage boundaries.

Every stage of the pipeline (discover, render, parse, resources, check, filter, report) is a plain
function over these types, so each can be tested alone. They are small frozen dataclasses; the one
exception is :class:`Resource`, which holds a reference to the parsed document so that a JSON
pointer is turned into a line and column only when a finding needs it (most objects are clean).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable, Iterator


class Severity(str, enum.Enum):
    """How bad a finding is; ordered so that ``severity >= threshold`` reads naturally."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    def at_least(self, threshold: Severity) -> bool:
        return self.rank >= threshold.rank


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@dataclass(frozen=True, order=True)
class Position:
    """A place in a text file, 1-based as editors show it."""

    line: int
    column: int


@dataclass(frozen=True)
class Location:
    """A position in a named file: what ``path:line:col`` prints."""

    path: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Source:
    """Where a document came from.

    ``path`` is the file a person edits (``-`` for standard input). Rendered inputs (Helm, Kustomize)
    add the chain back to it: ``origin`` says which renderer produced the text, ``environment`` names
    the environment it was rendered for.
    """

    path: str
    origin: str = "file"
    environment: str | None = None


@dataclass(frozen=True)
class ObjectRef:
    """The identity of a Kubernetes object as reports show it."""

    api_version: str
    kind: str
    namespace: str | None
    name: str | None

    def __str__(self) -> str:
        name = self.name or "<unnamed>"
        if self.namespace:
            return f"{self.kind}/{self.namespace}/{name}"
        return f"{self.kind}/{name}"


@dataclass(frozen=True)
class Located:
    """Where a node is reported: the file a person edits, plus related places (e.g. the template)."""

    location: Location
    related: tuple[Location, ...] = ()


#: ``(pointer from the document root, at_key) -> Located``: how a resource finds its nodes' places.
Locator = Callable[[str, bool], Located]


@dataclass(frozen=True, eq=False)
class Resource:
    """One Kubernetes object: its identity, its plain-data body and a way back to its text."""

    api_version: str
    kind: str
    namespace: str | None
    name: str | None
    body: dict[str, Any]
    source: Source
    #: JSON pointer of this object's root inside its YAML document ("" unless it is a List item).
    root_pointer: str = ""
    #: Resolves pointers to places. Plain files: the node's line in the file; rendered inputs (Helm,
    #: Kustomize): the values key or source file a person edits, with the rendered place as related.
    locator: Locator | None = field(default=None, repr=False)
    #: False when the body holds no explicit null anywhere (lets null-as-absent checks skip a copy).
    has_nulls: bool = True

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.api_version, self.kind, self.namespace, self.name)

    def locate(self, pointer: str = "", at_key: bool = False) -> Located:
        """The place of the node at ``pointer`` (relative to this object), or of its nearest parent."""
        if self.locator is None:
            return Located(Location(self.source.path, 1, 1))
        return self.locator(self.root_pointer + pointer, at_key)

    def location(self, pointer: str = "", at_key: bool = False) -> Location:
        return self.locate(pointer, at_key).location


@dataclass(frozen=True)
class Violation:
    """What a check yields: a node and what is wrong with it. The engine adds rule, severity and position.

    ``pointer`` is relative to the resource (``/spec/replicas``); for something missing it names the
    nearest existing parent. ``message`` must never contain a secret's value.
    """

    pointer: str
    message: str
    #: Position at the mapping key rather than its value (an unknown field, a forbidden key).
    at_key: bool = False


@dataclass(frozen=True)
class Finding:
    """A positioned problem, ready for every reporter. Never carries a secret value."""

    rule_id: str
    severity: Severity
    message: str
    location: Location
    pointer: str = ""
    object: ObjectRef | None = None
    remediation: str | None = None
    related: tuple[Location, ...] = ()
    environment: tuple[str, ...] = ()
    suppressed: bool = False
    suppression_reason: str | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.location.path, self.location.line, self.location.column, self.rule_id, self.message)


@dataclass
class RunSummary:
    """Counts for the closing line of every report."""

    files: int = 0
    objects: int = 0
    skipped: int = 0
    skipped_files: list[str] = field(default_factory=list)
    findings: int = 0
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    suppressed: int = 0

    def count(self, finding: Finding) -> None:
        self.findings += 1
        if finding.suppressed:
            self.suppressed += 1
            return
        if finding.severity is Severity.ERROR:
            self.errors += 1
        elif finding.severity is Severity.WARNING:
            self.warnings += 1
        else:
            self.infos += 1


def iter_pointer_tokens(pointer: str) -> Iterator[str]:
    """Split a JSON pointer (RFC 6901) into unescaped tokens."""
    if not pointer:
        return
    for token in pointer.lstrip("/").split("/"):
        yield token.replace("~1", "/").replace("~0", "~")


def lookup(data: Any, tokens: Iterable[str]) -> tuple[bool, Any]:
    """Whether plain data has a value at these pointer tokens (a null counts as a value), and that value."""
    for token in tokens:
        if isinstance(data, dict) and token in data:
            data = data[token]
        elif isinstance(data, list) and token.isdigit() and int(token) < len(data):
            data = data[int(token)]
        else:
            return False, None
    return True, data


def join_pointer(pointer: str, *tokens: object) -> str:
    """Append tokens to a JSON pointer, escaping them."""
    parts = [pointer]
    for token in tokens:
        parts.append("/" + str(token).replace("~", "~0").replace("/", "~1"))
    return "".join(parts)
