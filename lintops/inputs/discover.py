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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..errors import LintopsError
from .argocd import AppSource
from .files import DEFAULT_MAX_BYTES, LintedRoot

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
SKIPPED_DIRECTORIES = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv"})
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

    @property
    def is_json(self) -> bool:
        return self.display.endswith(".json")

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

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def discover(paths: Iterable[str], excludes: Iterable[str] = (), base: Path | None = None, *,
             render: bool = True, kustomize_roots: Iterable[str] = ()) -> Iterator[Input]:
    """Yield every input below ``paths`` once: plain files first, then charts, then Kustomize roots.

    Files inside a chart belong to the chart (templates are never parsed as manifests; ``values*.yaml``
    are its environments). Files a Kustomize root pulls in are linted through that root, so a base
    is linted once per overlay that uses it. A kustomization no root pulls in (a Component no overlay
    of the run uses) comes last, as an unused :class:`KustomizeInput`: the files it references are its
    own too, so its patches are never linted as manifests. A file named explicitly inside a chart
    stands for its chart (pre-commit passes changed files: a changed values file re-renders its chart).
    """
    base = base or repository_root()
    excludes = tuple(excludes)
    seen: set[Path] = set()
    files: list[InputFile] = []
    charts: dict[Path, tuple[str, LintedRoot]] = {}
    kustomizations: set[Path] = set()
    repository = LintedRoot(base)
    within = repository  # the root of the path being discovered
    given_roots: list[LintedRoot] = [repository]

    def root_for(directory: Path) -> LintedRoot:
        """The root of the given path ``directory`` was found below (the repository if none: a configured
        Kustomize root outside every given path is then refused when it is read)."""
        real = os.path.realpath(directory)
        for candidate in given_roots:
            top = candidate.real or ""
            if real == top or real.startswith(top.rstrip(os.sep) + os.sep):
                return candidate
        return repository

    def add_file(file: Path, display: str) -> None:
        resolved = Path(os.path.abspath(file))
        if resolved not in seen and not is_excluded(display, excludes):
            seen.add(resolved)
            files.append(InputFile(display, file, root=within))

    stdin = False
    explicit: list[Path] = []
    charted: list[Path] = []  # files named inside a chart: the overlays that inflate it render again
    for raw in paths:
        if raw == STDIN:
            stdin = True
            continue
        path = Path(raw)
        if not path.exists() and not path.is_symlink():
            raise InputError(f"{raw}: no such file or directory")
        within = _root_of(path, base, repository)
        if within not in given_roots:
            given_roots.append(within)
        if path.is_dir() and within.check_directory(path) is not None:
            add_file(path, display_path(path, base))  # a directory link out of the root: refused when read
        elif path.is_dir():
            for directory, names, links in _walk_directories(path, render):
                display_dir = display_path(directory, base)
                if is_excluded(display_dir, excludes) and directory != path:
                    continue
                for link in links:  # never walked; one that leads outside the root is a finding
                    if within.check_directory(directory / link) is not None:
                        add_file(directory / link, display_path(directory / link, base))
                if render and "Chart.yaml" in names:
                    charts.setdefault(_real(directory), (display_dir, within))
                    if within.check_directory(directory / "crds") is None:  # else the chart reports it
                        for crd in sorted((directory / "crds").glob("*.y*ml")):
                            add_file(crd, display_path(crd, base))  # helm installs crds/ as they are
                    continue
                if render and any(name in names for name in KUSTOMIZATION_FILES):
                    kustomizations.add(_real(directory))
                for name in names:
                    if name.endswith(MANIFEST_SUFFIXES) or name == "Kustomization":
                        add_file(directory / name, display_path(directory / name, base))
        else:
            outside = not isinstance(within.resolve(path), tuple)
            chart = _enclosing_chart(path, base) if render and not outside else None
            if chart is not None:
                charts.setdefault(chart, (display_path(chart, base), _root_of(chart, base, repository)))
                charted.append(_real(path))
            else:
                explicit.append(_real(path))
                add_file(path, display_path(path, base))

    context: list[InputFile] = []
    root = base.resolve()
    explicit = [p for p in explicit if root in p.parents]  # context comes from the file's own repository
    charted = [p for p in charted if root in p.parents]
    if (explicit or charted) and render:
        # Files named one by one (pre-commit, --changed-since) bring the context they need: the
        # overlays that use a changed base, and every Application for the staging-twin rule.
        index = _repository_index(base)
        for directory in index.kustomizations:
            if any(p == directory or directory in p.parents for p in explicit):
                kustomizations.add(directory)
        kustomizations.update(index.kustomizations_using(explicit, charted))
        if any(_mentions_application(p, repository) for p in explicit):
            named = {_real(f.path) for f in files if f.path is not None}
            context = [InputFile(display_path(p, base), p, context=True, root=repository)
                       for p in index.application_files
                       if p not in named and not is_excluded(display_path(p, base), excludes)]

    roots: list[Path] = []
    unused: list[Path] = []  # kustomizations no root pulls in: linted on their own (kustomize.unused)
    covered: frozenset[Path] = frozenset()  # the files the roots pull in
    inflated: set[Path] = set()  # charts an overlay's helmCharts inflate: linted through the overlay
    if kustomizations or tuple(kustomize_roots):
        from .kustomize import find_roots, referenced_files
        from .kustomize.references import unused_kustomizations

        configured = [_real(p) for p in kustomize_roots]
        loaded: dict = {}  # each kustomization file parsed once for both questions
        roots = find_roots(sorted(kustomizations), configured, within=root_for, cache=loaded)
        owned: set[Path] = set()
        for directory in kustomizations:
            owned.update(_real(directory / name) for name in KUSTOMIZATION_FILES)
        for root in roots:
            owned.update(referenced_files(root, within=root_for(root), charts=inflated))
        covered = frozenset(owned)
        # what no root pulls in (a Component no overlay uses) owns its files all the same: its patches
        # and generator files are never plain manifests, its resources are linted through it
        unused = unused_kustomizations(sorted(kustomizations), roots, within=root_for, cache=loaded)
        for directory in unused:
            owned.update(referenced_files(directory, within=root_for(directory), charts=inflated))
        files = [f for f in files if f.path is None or _real(f.path) not in owned]

    applications: dict[Path, list[AppSource]] = {}
    if render and (charts or roots):
        from .argocd import application_sources

        applications = application_sources(((f.display, f.path) for f in files if f.path is not None), base,
                                           within=repository)

    yield from context
    yield from files
    if stdin:
        yield InputFile(STDIN, None)
    for directory in sorted(charts):
        if directory in inflated and not applications.get(directory):
            continue  # as a base is linted only through its overlays
        display, chart_root = charts[directory]
        yield ChartInput(directory, display, tuple(applications.get(directory, ())), root=chart_root)
    for root in roots:
        yield KustomizeInput(root, display_path(root, base), tuple(applications.get(_real(root), ())),
                             root=root_for(root))
    for directory in unused:
        yield KustomizeInput(directory, display_path(directory, base), tuple(applications.get(_real(directory), ())),
                             root=root_for(directory), unused=True, covered=covered)


def _root_of(path: Path, base: Path, repository: LintedRoot) -> LintedRoot:
    """What an input named by ``path`` must stay inside: the repository when the path is written below
    it (a link given by name is then checked like any other), else the directory given (a path outside
    the repository comes from the person running lintops), or the directory of the file given."""
    absolute = Path(os.path.abspath(path))
    for top in {Path(os.path.abspath(base)), Path(os.path.realpath(base))}:
        if absolute == top or top in absolute.parents:
            return repository
    return LintedRoot(absolute if path.is_dir() else absolute.parent)


class _RepositoryIndex:
    """What a single changed file needs to know about the rest of its repository, computed lazily:
    walking names is cheap, reading every file is not, and most runs need neither."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self._directories: list[tuple[Path, list[str]]] | None = None

    @property
    def directories(self) -> list[tuple[Path, list[str]]]:
        if self._directories is None:
            inside_repository = (self.base / ".git").exists()
            self._directories = [(d, names) for d, names, _ in _walk_directories(self.base, True)
                                 if "Chart.yaml" not in names] if inside_repository else []
        return self._directories

    @cached_property
    def within(self) -> LintedRoot:
        return LintedRoot(self.base)

    @cached_property
    def kustomizations(self) -> list[Path]:
        return [_real(d) for d, names in self.directories if any(n in names for n in KUSTOMIZATION_FILES)]

    @cached_property
    def application_files(self) -> list[Path]:
        return [_real(d / name) for d, names in self.directories for name in names
                if name.endswith(MANIFEST_SUFFIXES) and _mentions_application(d / name, self.within)]

    def kustomizations_using(self, files: list[Path], charted: Iterable[Path] = ()) -> set[Path]:
        """Kustomization directories whose resources, patches or bases include one of ``files``, or whose
        ``helmCharts`` inflate a chart one of ``charted`` lies in."""
        if not self.kustomizations:
            return set()
        from .kustomize import referenced_files

        wanted, charted = set(files), list(charted)
        found: set[Path] = set()
        for directory in self.kustomizations:
            charts: set[Path] = set()
            if wanted & referenced_files(directory, within=self.within, charts=charts) or \
                    any(chart in path.parents for chart in charts for path in charted):
                found.add(directory)
        return found


def _repository_index(base: Path) -> _RepositoryIndex:
    return _RepositoryIndex(base)


def _mentions_application(path: Path, within: LintedRoot) -> bool:
    raw = within.read(path)
    return isinstance(raw, bytes) and b"argoproj.io" in raw and b"Application" in raw


def _walk_directories(root: Path, render: bool) -> Iterator[tuple[Path, list[str], list[str]]]:
    """Each directory below ``root`` (links to directories are not followed), its files, and its links to
    directories (which the caller checks: one that leads out of the root is a finding)."""
    for directory, subdirectories, names in os.walk(root):
        links = sorted(d for d in subdirectories if d not in SKIPPED_DIRECTORIES
                       and os.path.islink(os.path.join(directory, d)))
        subdirectories[:] = sorted(d for d in subdirectories if d not in SKIPPED_DIRECTORIES and d not in links)
        if render and "Chart.yaml" in names:
            subdirectories[:] = []  # everything below a chart belongs to it (templates, sub-charts)
        yield Path(directory), sorted(names), links


def _real(path: Path | str) -> Path:
    """The real path (``Path.resolve`` raises on a loop of links, which the tree may hold; this does not)."""
    return Path(os.path.realpath(path))


def _enclosing_chart(path: Path, base: Path) -> Path | None:
    """The chart directory a file lies in (its own or an ancestor's ``Chart.yaml``), if any."""
    resolved = _real(path)
    stop = _real(base)
    for directory in resolved.parents:
        if (directory / "Chart.yaml").is_file():
            # the outermost chart owns sub-charts vendored under charts/
            outer = _enclosing_chart(directory, base) if directory != stop else None
            return outer or directory
        if directory == stop:
            break
    return None
