"""The data types that cross stage boundaries.

Every stage of the pipeline (discover, render, parse, resources, check, filter, report) is a plain
function over these types, so each can be tested alone. They are small frozen dataclasses; the one
exception is :class:`Resource`, which holds a reference to the parsed document so that a JSON
pointer is turned into a line and column only when a finding needs it (most objects are clean).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field, replace
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
class Span:
    """The text a finding is about, from ``start`` to ``end`` (exclusive), as an editor underlines it."""

    start: Position
    end: Position


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
    the environment it was rendered for. ``kubernetes_version`` is the one target version the text was
    rendered for (Helm's ``.Capabilities.KubeVersion``); ``None``: its objects are checked against every
    version of their environment (:meth:`lintops.config.targets.Targets.for_environment`).
    """

    path: str
    origin: str = "file"
    environment: str | None = None
    kubernetes_version: str | None = None
    #: The ArgoCD Applications the text was rendered for, each as (name, file defining it, destination
    #: cluster, destination namespace): empty for plain files and renders no Application names.
    applications: tuple[tuple[str, str, str, str], ...] = ()


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
class Share:
    """One object a finding stands for, in one environment.

    A values key feeding seven Services, or a base line three overlays render, is one place to fix but
    seven (three) objects that are wrong: the finding is reported once, at the place, and counts, lists
    and exempts each object's share on its own.
    """

    object: ObjectRef
    environment: str | None = None


@dataclass(frozen=True)
class Located:
    """Where a node is reported: the file a person edits, plus related places (e.g. the template)."""

    location: Location
    related: tuple[Location, ...] = ()
    #: Where the node's text ends (exclusive; lintops.parse.documents.ParsedDocument.span), when known:
    #: a node of a file a person edits; None for a place a renderer derives (a values key, a template line).
    end: Position | None = None


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
    #: The target versions it applies to, when the check's verdict depends on the version (oldest
    #: first); empty: every version the object is checked against.
    kubernetes_versions: tuple[str, ...] = ()
    #: Why the check does not judge this node (what it names is out of lintops' sight): the finding is
    #: reported suppressed with this reason, so only ``--verbose`` output shows it, as "not checked".
    unchecked: str | None = None


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
    #: Every object (and environment) the finding stands for when there are several, ``object`` first;
    #: empty when it stands for ``object`` alone (or for no object).
    objects: tuple[Share, ...] = ()
    #: The Kustomize roots that did not render, for a finding of a file they reference that was linted
    #: on its own instead (without their patches, prefixes and generators); empty otherwise.
    linted_alone: tuple[str, ...] = ()
    #: The target Kubernetes versions it applies to, oldest first; empty: every version of the run
    #: (always so in a run of one version, and for findings of no object, such as a syntax error).
    kubernetes_versions: tuple[str, ...] = ()
    #: Where the text of the node the finding is about ends, 1-based like ``location`` and exclusive (the
    #: column just past its last character, as SARIF's ``endColumn``); None when the finding is about no
    #: node (a syntax error, a file) or its place is derived (a rendered object's values key).
    end_line: int | None = None
    end_column: int | None = None
    #: With ``--new-since``: whether the merge request introduces it (no such finding at the base,
    #: lintops.new_since); only introduced findings fail the run. None: the run compares with no base.
    introduced: bool | None = None

    @property
    def span(self) -> Span | None:
        """The node's text, start to end, when its end is known (what the language server underlines)."""
        if self.end_line is None or self.end_column is None:
            return None
        return Span(Position(self.location.line, self.location.column), Position(self.end_line, self.end_column))

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.location.path, self.location.line, self.location.column, self.rule_id, self.message)

    @property
    def shares(self) -> tuple[Share, ...]:
        """The objects this finding stands for, each with its environment (none for a file's finding)."""
        if self.objects:
            return self.objects
        if self.object is None:
            return ()
        return (Share(self.object, self.environment[0] if self.environment else None),)

    @property
    def count(self) -> int:
        """How many findings this one is in the summary: one per object it stands for, at least one."""
        return len(self.objects) or 1

    @property
    def distinct_objects(self) -> tuple[ObjectRef, ...]:
        """The objects it stands for, each once (an object rendered for two environments is one name)."""
        if not self.objects:
            return () if self.object is None else (self.object,)
        return tuple(dict.fromkeys(share.object for share in self.objects))

    def per_object(self) -> list[Finding]:
        """One finding per object it stands for (itself when it stands for at most one): what baselines
        record and fingerprints identify, so that fixing or exempting one object changes only its share."""
        if not self.objects:
            return [self]
        return [replace(self, object=share.object, objects=(),
                        environment=(share.environment,) if share.environment else ())
                for share in self.objects]


@dataclass
class RunSummary:
    """Counts for the closing line of every report."""

    files: int = 0
    #: Every object checked: in plain files, rendered, and linted alone.
    objects: int = 0
    skipped: int = 0
    skipped_files: list[str] = field(default_factory=list)
    findings: int = 0
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    suppressed: int = 0
    #: Roots rendered (a chart environment, a Kustomize overlay), whether or not they rendered.
    renders: int = 0
    #: Objects that Helm or Kustomize rendered (part of ``objects``).
    rendered: int = 0
    #: Objects of files a root that did not render references, linted on their own (part of ``objects``).
    linted_alone: int = 0
    #: Inputs nothing could be linted of: a chart environment that did not render, a remote base, a
    #: refused file, a patch or generator of an overlay that did not render.
    not_linted: int = 0

    def count(self, finding: Finding) -> None:
        """Count a finding once per object it stands for."""
        weight = finding.count
        self.findings += weight
        if finding.suppressed:
            self.suppressed += weight
            return
        if finding.severity is Severity.ERROR:
            self.errors += weight
        elif finding.severity is Severity.WARNING:
            self.warnings += weight
        else:
            self.infos += weight


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
