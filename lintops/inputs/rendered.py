"""What renderers (Helm, Kustomize, plugins) hand to the engine: YAML text that knows where it came from.

A renderer turns a chart or an overlay into one or more :class:`RenderedSource` objects. The engine
parses each text like a file, but asks the source's ``locators`` where each node is, so that a
finding lands on the file a person edits (the values key, the overlay patch, the template line)
instead of on rendered text nobody can open. A renderer that fails yields a :class:`RenderProblem`,
which becomes a ``render-failed`` finding: a chart that could not be rendered is never a silent pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Source
from .manifests import LocatorFactory


@dataclass(frozen=True)
class RenderProblem:
    """A render failure at a place in a source file (1-based line and column; 1:1 when unknown)."""

    path: str
    line: int
    column: int
    message: str
    environment: str | None = None


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


@dataclass
class RenderResult:
    sources: list[RenderedSource] = field(default_factory=list)
    problems: list[RenderProblem] = field(default_factory=list)
