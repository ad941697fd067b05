"""Which inputs are there: the files below the given paths, in a stable order.

Directories are walked for ``*.yaml``, ``*.yml`` and ``*.json``; ``.git`` and paths matching an
``--exclude`` glob are skipped. ``-`` is standard input. A path that does not exist is a usage error
(raised as :class:`InputError`), because a typo in CI must not turn into a green run.

Every input carries the :class:`~lintops.inputs.files.LintedRoot` it must stay inside: the
repository root for a path below it, else the directory given (or the directory of the file given).
Directory links are never walked; one that leads outside the root, and a file (or a directory given
by name) that does, become an input whose reading is refused, so each is an ``unsafe-path`` finding
and nothing behind it is read or listed.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import LintopsError
from ..lazy_pattern import lazy
from ..parse.documents import ParsedFile
from ..parse.limits import DEFAULT_LIMITS, Limits
from .files import DEFAULT_MAX_BYTES, LintedRoot
from .listed import Listed
from .repository_index import RepositoryIndex
from .tree import KUSTOMIZATION_FILES, MANIFEST_SUFFIXES, mentions_application, real_path, walk_directories

if TYPE_CHECKING:
    from .argocd import AppSource
    from .kustomize.layout import Layout

STDIN = "-"


class InputError(LintopsError):
    """A path given by the user cannot be linted (missing, unreadable)."""


@dataclass(frozen=True)
class InputFile:
    """A file to lint. ``display`` is the path as reports show it; ``path`` is what to open."""

    display: str
    path: Path | None  # None for standard input
    #: Read only as context for cross-object rules (the staging twin of a changed Application):
    #: its own findings are not reported.
    context: bool = False
    #: What the file must stay inside (None: nothing, only special files and the cap are refused).
    root: LintedRoot | None = None
    #: The parse discovery made of the file (an ArgoCD Application, read to learn what it deploys), and
    #: the limits it was made under: the parse stage lints it instead of reading and parsing it again.
    parsed: ParsedFile | None = field(default=None, compare=False, repr=False)
    parsed_limits: Limits | None = field(default=None, compare=False, repr=False)

    def __reduce__(self) -> tuple[type[InputFile], tuple[str, Path | None, bool, LintedRoot | None]]:
        """Pickled (to a worker process) without the parse: the worker reads the file itself."""
        return InputFile, (self.display, self.path, self.context, self.root)

    @property
    def is_json(self) -> bool:
        return self.display.endswith(".json")

    def parsed_under(self, limits: Limits) -> ParsedFile | None:
        """The parse discovery made, if it was made under ``limits`` (else the file must be parsed)."""
        return self.parsed if self.parsed is not None and self.parsed_limits == limits else None

    def read_bytes(self, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
        """The file's bytes, at most ``max_bytes`` (more tells the parser it is too large); a file that
        may not be read raises :class:`~lintops.inputs.files.RefusedFile`, an ``OSError``."""
        if self.path is None:
            import sys

            return sys.stdin.buffer.read(max_bytes + 1)
        return (self.root or LintedRoot()).read_or_raise(self.path, max_bytes)


def repository_root(start: Path | None = None, fallback: Path | None = None) -> Path:
    """The top of the git work tree containing ``start`` (default: the working directory), else
    ``fallback`` (default: ``start``).

    Reports name files relative to it, so that CI artifacts and editors agree whatever directory
    lintops was started from.
    """
    start = (start or Path.cwd()).resolve()
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return (fallback or start).resolve()


def display_path(path: Path, base: Path) -> str:
    """The path relative to ``base`` when it lies below it, with forward slashes."""
    try:
        relative = os.path.relpath(os.path.abspath(path), base)
        if relative.startswith(".."):  # perhaps through a symbolic link: compare real paths
            relative = os.path.relpath(os.path.realpath(path), base)
    except ValueError:  # another drive on Windows
        return path.as_posix()
    if relative.startswith(".."):
        return path.as_posix()
    return relative.replace(os.sep, "/")


def is_excluded(display: str, excludes: Iterable[str]) -> bool:
    """True when the path, or any directory above it, matches one of the globs."""
    if not excludes:
        return False
    parts = display.split("/")
    candidates = {display} | {"/".join(parts[: i + 1]) for i in range(len(parts))} | set(parts)
    return any(fnmatch.fnmatch(candidate, pattern.rstrip("/")) for pattern in excludes for candidate in candidates)


@dataclass(frozen=True)
class ChartInput:
    """A Helm chart (a directory with ``Chart.yaml``): rendered per environment, never parsed as manifests."""

    directory: Path
    display: str
    applications: tuple[AppSource, ...] = ()
    #: What the chart (and the values files it is rendered with) must stay inside.
    root: LintedRoot | None = None


@dataclass(frozen=True)
class KustomizeInput:
    """A Kustomize root (an overlay no other kustomization references): rendered, bases through it.

    With ``unused``, a kustomization no root of the run pulls in instead (a Component no overlay
    uses; with configured roots, a kustomization none of them reaches), linted on its own as
    :mod:`lintops.inputs.kustomize.unused` says, without what the roots already cover.
    """

    directory: Path
    display: str
    applications: tuple[AppSource, ...] = ()
    #: What every file and directory the overlay references must stay inside.
    root: LintedRoot | None = None
    unused: bool = False
    #: The real paths of the files the run's roots pull in (for an unused kustomization: linted there).
    covered: frozenset[Path] = frozenset()


Input = InputFile | ChartInput | KustomizeInput


def discover(paths: Iterable[str], excludes: Iterable[str] = (), base: Path | None = None, *,
             render: bool = True, kustomize_roots: Iterable[str] = (),
             limits: Limits = DEFAULT_LIMITS) -> Iterator[Input]:
    """Yield every input below ``paths`` once: plain files first, then charts, then Kustomize roots.

    Files inside a chart belong to the chart (templates are never parsed as manifests; ``values*.yaml``
    are its environments). Files a Kustomize root pulls in are linted through that root, so a base
    is linted once per overlay that uses it. A kustomization no root pulls in (a Component no overlay
    of the run uses) comes last, as an unused :class:`KustomizeInput`: the files it references are its
    own too, so its patches are never linted as manifests. A file named explicitly inside a chart
    stands for its chart (pre-commit passes changed files: a changed values file re-renders its chart).

    ``limits`` are the parse stage's: an ArgoCD Application file, parsed here to learn what it deploys,
    is parsed under them and handed on in :attr:`InputFile.parsed`, so it is parsed once.
    """
    found = _Found(base or repository_root(), tuple(excludes), render)
    for raw in paths:
        found.add_path(raw)
    context = _changed_files_context(found)
    layout = _kustomize_layout(found, tuple(kustomize_roots))
    applications = _application_map(found, layout, limits)
    yield from context
    found.seen.clear()  # what the walk needed to list each file once
    yield from _handed_out(found.files)
    found.files = []
    if found.stdin:
        yield InputFile(STDIN, None)
    yield from _rendered_inputs(found, layout, applications)


def _handed_out(files: list[InputFile | Listed]) -> Iterator[InputFile]:
    """``files`` in order, each let go of once handed out: a run linting one file at a time keeps no record
    of the files it is done with (one that collects them for worker processes keeps its own list)."""
    files.reverse()
    while files:
        yield _input_file(files.pop())


def _input_file(item: InputFile | Listed) -> InputFile:
    """The :class:`InputFile` of a file the walk listed (lintops.inputs.listed)."""
    return item if isinstance(item, InputFile) else InputFile(item.display, item.path, root=item.root)


class _Found:
    """What the walk of the given paths found: plain files, charts, kustomization directories, and the
    files named one by one (which bring the context they need, see :func:`_changed_files_context`)."""

    def __init__(self, base: Path, excludes: tuple[str, ...], render: bool) -> None:
        self.base = base
        self.excludes = excludes
        self.render = render
        self.repository = LintedRoot(base)
        self.within = self.repository  # the root of the path being discovered
        self.given_roots: list[LintedRoot] = [self.repository]
        self.seen: set[str] = set()  # absolute paths as text: a Path is ten objects more per file
        self.files: list[InputFile | Listed] = []
        self.charts: dict[Path, tuple[str, LintedRoot]] = {}
        self.kustomizations: set[Path] = set()
        self.stdin = False
        self.explicit: list[Path] = []  # files named one by one (pre-commit, --changed-since)
        self.charted: list[Path] = []  # files named inside a chart: the overlays that inflate it render again

    def root_for(self, directory: Path) -> LintedRoot:
        """The root of the given path ``directory`` was found below (the repository if none: a configured
        Kustomize root outside every given path is then refused when it is read)."""
        real = os.path.realpath(directory)
        for candidate in self.given_roots:
            top = candidate.real or ""
            if real == top or real.startswith(top.rstrip(os.sep) + os.sep):
                return candidate
        return self.repository

    def add_file(self, file: Path) -> None:
        """A plain file, once, unless excluded."""
        display = display_path(file, self.base)
        resolved = os.path.abspath(file)
        if resolved not in self.seen and not is_excluded(display, self.excludes):
            self.seen.add(resolved)
            self.files.append(Listed(display, os.fspath(file), self.within))

    def add_path(self, raw: str) -> None:
        """One path given on the command line: standard input, a directory, or a file."""
        if raw == STDIN:
            self.stdin = True
            return
        path = Path(raw)
        if not path.exists() and not path.is_symlink():
            raise InputError(f"{raw}: no such file or directory")
        self.within = _root_of(path, self.base, self.repository)
        if self.within not in self.given_roots:
            self.given_roots.append(self.within)
        if path.is_dir() and self.within.check_directory(path) is not None:
            self.add_file(path)  # a directory link out of the root: refused when read
        elif path.is_dir():
            self._add_directory(path)
        else:
            self._add_named_file(path)

    def _add_directory(self, top: Path) -> None:
        for directory, names, links in walk_directories(top, self.render):
            if is_excluded(display_path(directory, self.base), self.excludes) and directory != top:
                continue
            for link in links:  # never walked; one that leads outside the root is a finding
                if self.within.check_directory(directory / link) is not None:
                    self.add_file(directory / link)
            self._classify(directory, names)

    def _classify(self, directory: Path, names: list[str]) -> None:
        """A walked directory is a chart (its ``crds/`` are plain files), or holds plain files and perhaps
        a kustomization."""
        if self.render and "Chart.yaml" in names:
            self.charts.setdefault(real_path(directory), (display_path(directory, self.base), self.within))
            if self.within.check_directory(directory / "crds") is None:  # else the chart reports it
                for crd in sorted((directory / "crds").glob("*.y*ml")):
                    self.add_file(crd)  # helm installs crds/ as they are
            return
        if self.render and any(name in names for name in KUSTOMIZATION_FILES):
            self.kustomizations.add(real_path(directory))
        for name in names:
            if name.endswith(MANIFEST_SUFFIXES) or name == "Kustomization":
                self.add_file(directory / name)

    def _add_named_file(self, path: Path) -> None:
        """A file named by itself: one inside a chart stands for the chart."""
        outside = not isinstance(self.within.resolve(path), tuple)
        chart = enclosing_chart(path, self.base) if self.render and not outside else None
        if chart is not None:
            self.charts.setdefault(chart, (display_path(chart, self.base), _root_of(chart, self.base, self.repository)))
            self.charted.append(real_path(path))
        else:
            self.explicit.append(real_path(path))
            self.add_file(path)


def _changed_files_context(found: _Found) -> list[InputFile]:
    """Files named one by one (pre-commit, ``--changed-since``) bring the context they need: the
    overlays that use a changed base (added to ``found``), and every Application for the staging-twin
    rule (returned, as context inputs). Context comes from the file's own repository."""
    root = found.base.resolve()
    explicit = [p for p in found.explicit if root in p.parents]
    charted = [p for p in found.charted if root in p.parents]
    if not (explicit or charted) or not found.render:
        return []
    index = RepositoryIndex(found.base)
    for directory in index.kustomizations:
        if any(p == directory or directory in p.parents for p in explicit):
            found.kustomizations.add(directory)
    found.kustomizations.update(index.kustomizations_using(explicit, charted))
    if not any(mentions_application(p, found.repository) for p in explicit):
        return []
    named = {real_path(f.path) for f in found.files if f.path is not None}
    return [InputFile(display_path(p, found.base), p, context=True, root=found.repository)
            for p in index.application_files
            if p not in named and not is_excluded(display_path(p, found.base), found.excludes)]


def _kustomize_layout(found: _Found, configured_roots: tuple[str, ...]) -> Layout | None:
    """The Kustomize roots and unused kustomizations of the run (None: there are none); the files they own
    leave ``found.files``."""
    if not found.kustomizations and not configured_roots:
        return None
    from .kustomize.layout import layout

    kustomize = layout(found.kustomizations, [real_path(p) for p in configured_roots], found.root_for)
    found.files = [f for f in found.files if f.path is None or real_path(f.path) not in kustomize.owned]
    return kustomize


def _application_map(found: _Found, layout: Layout | None, limits: Limits) -> dict[Path, list[AppSource]]:
    """What the Applications among the plain files deploy, by directory. Each Application file's parse
    goes on with its :class:`InputFile` (when the parse stage would read the same bytes: same root,
    within its cap), so that stage does not parse it again."""
    if not found.render or not (found.charts or (layout and layout.roots)):
        return {}
    from .argocd import application_sources

    parsed: dict[Path, tuple[int, ParsedFile]] = {}
    applications = application_sources(((f.display, f.path) for f in found.files if f.path is not None), found.base,
                                       within=found.repository, limits=limits, parsed=parsed)
    if parsed:
        found.files = [_with_parse(f, parsed.get(f.path), found.repository, limits) if f.path is not None else f
                       for f in found.files]
    return applications


def _with_parse(item: InputFile | Listed, parse: tuple[int, ParsedFile] | None, reader: LintedRoot,
                limits: Limits) -> InputFile | Listed:
    """``item`` carrying the parse discovery made of it, when the parse stage would read the same bytes."""
    if parse is None or item.root != reader or parse[0] > limits.max_file_bytes:
        return item
    if not _DIRECTIVE.search(parse[1].text):  # a document after %TAG cannot be composed again on its own
        for document in parse[1].documents:
            document.release()  # until it is linted, the data and the text are held, not the node trees
    return replace(_input_file(item), parsed=parse[1], parsed_limits=limits)


#: A YAML directive line (``%TAG``, ``%YAML``).
_DIRECTIVE = lazy(r"^%", re.M)


def _rendered_inputs(found: _Found, layout: Layout | None,
                     applications: dict[Path, list[AppSource]]) -> Iterator[Input]:
    """The charts, then the Kustomize roots, then the unused kustomizations, each with its Applications."""
    for directory in sorted(found.charts):
        if layout and directory in layout.inflated and not applications.get(directory):
            continue  # as a base is linted only through its overlays
        display, chart_root = found.charts[directory]
        yield ChartInput(directory, display, tuple(applications.get(directory, ())), root=chart_root)
    if layout is None:
        return
    for root in layout.roots:
        yield KustomizeInput(root, display_path(root, found.base), tuple(applications.get(real_path(root), ())),
                             root=found.root_for(root))
    for directory in layout.unused:
        yield KustomizeInput(directory, display_path(directory, found.base),
                             tuple(applications.get(real_path(directory), ())),
                             root=found.root_for(directory), unused=True, covered=layout.covered)


def _root_of(path: Path, base: Path, repository: LintedRoot) -> LintedRoot:
    """What an input named by ``path`` must stay inside: the repository when the path is written below
    it (a link given by name is then checked like any other), else the directory given (a path outside
    the repository comes from the person running lintops), or the directory of the file given."""
    absolute = Path(os.path.abspath(path))
    for top in {Path(os.path.abspath(base)), Path(os.path.realpath(base))}:
        if absolute == top or top in absolute.parents:
            return repository
    return LintedRoot(absolute if path.is_dir() else absolute.parent)


def enclosing_chart(path: Path, base: Path) -> Path | None:
    """The chart directory a file lies in (its own or an ancestor's ``Chart.yaml``; the outermost one when
    charts are vendored in charts), if any, looking no higher than ``base``."""
    resolved = real_path(path)
    stop = real_path(base)
    for directory in resolved.parents:
        if (directory / "Chart.yaml").is_file():
            # the outermost chart owns sub-charts vendored under charts/
            outer = enclosing_chart(directory, base) if directory != stop else None
            return outer or directory
        if directory == stop:
            break
    return None
