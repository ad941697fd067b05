"""What renderers (Helm, Kustomize, plugins) hand to the engine: YAML text that knows where it came from.

A renderer turns a chart or an overlay into one or more :class:`RenderedSource` objects. The engine
parses each text like a file, but asks the source's ``locators`` where each node is, so that a
finding lands on the file a person edits (the values key, the overlay patch, the template line)
instead of on rendered text nobody can open. A renderer that fails yields a :class:`RenderProblem`,
which becomes a ``render-failed`` finding: a chart that could not be rendered is never a silent pass.
A renderer also says what it rendered (:class:`RenderRoot`) and, for a root that failed, which of its
files can still be linted on their own (:class:`StandaloneFile`) and which inputs cannot
(:class:`NotLinted`), so that every object is accounted for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import Source
from ..stage_rules import RENDER_FAILED
from .manifests import LocatorFactory

if TYPE_CHECKING:  # pragma: no cover
    from .files import LintedRoot


@dataclass(frozen=True)
class RenderProblem:
    """A render failure at a place in a source file (1-based line and column; 1:1 when unknown).

    ``rule_id`` is the rule the engine files it under: ``render-failed``, or ``kustomize-unused`` for
    the notice on a kustomization no root of the run uses (:mod:`lintops.inputs.kustomize.unused`).
    """

    path: str
    line: int
    column: int
    message: str
    environment: str | None = None
    rule_id: str = RENDER_FAILED


@dataclass
class RenderedSource:
    """One rendered YAML text (one or more documents) and how its nodes point back.

    ``source.path`` is the file findings fall back to (Helm: the template; Kustomize: the file that
    defined the object), ``source.origin`` the renderer's name, ``source.environment`` the
    environment it was rendered for. ``locators`` makes, per parsed document, a function from a JSON
    pointer (from the document root) to the :class:`~lintops.model.Located` place to report.
    ``None`` means "positions are those of ``text`` in ``source.path``".
    """

    text: str
    source: Source
    locators: LocatorFactory | None = None


@dataclass(frozen=True)
class RenderRoot:
    """One thing rendered on its own (a chart environment, a Kustomize overlay), so that the engine can
    account for it: a root that renders no object is a ``render-empty`` finding at ``path:line:column``,
    and one that fails without a fallback counts as an input not linted."""

    name: str
    environment: str | None
    path: str
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class StandaloneFile:
    """A local manifest file that a root which did not render references: linted on its own instead.

    ``within`` is what reading it must stay inside (the root's confinement); ``root`` names the root.
    """

    display: str
    path: Path
    root: str
    within: LintedRoot | None = None


@dataclass(frozen=True)
class NotLinted:
    """An input of a root that did not render which nothing could be linted of (a remote base, a refused
    file, a patch or generator only the build applies): counted in the summary, named in the problem."""

    root: str
    what: str


@dataclass
class RenderResult:
    sources: list[RenderedSource] = field(default_factory=list)
    problems: list[RenderProblem] = field(default_factory=list)
    #: What was rendered on its own (for the accounting); a renderer that says nothing has no roots.
    roots: list[RenderRoot] = field(default_factory=list)
    #: The fallback of a root that did not render: the files linted alone, the inputs not linted.
    standalone: list[StandaloneFile] = field(default_factory=list)
    not_linted: list[NotLinted] = field(default_factory=list)
