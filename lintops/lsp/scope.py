"""Which rendered inputs an editor document is part of, and the scratch copy they are rendered from.

``lintops check`` never lints a chart's values files, templates and helpers, nor a Kustomize base or
patch, as files of their own: it renders the chart per environment and the overlays that use the base,
and reports what the rendered objects break at the file a person edits. The language server does the
same for the document being edited, and finds what to render as pre-commit and ``--changed-since`` do:
discovery of the document named by itself (:func:`lintops.inputs.discover.discover`: a file inside a
chart stands for its chart, a file a kustomization references brings the overlays that use it), plus
the ArgoCD Applications that deploy those directories or name the document as a values file.

The buffer is not saved, and the renderers (``helm``, ``kubectl kustomize``) read files from disk, so
rendering happens in a **scratch copy** (:func:`mirror`): a temporary directory laid out as the
repository, holding only what the render reads (the chart directories, each kustomization's directory
and the files it references, the Applications and their values files), with the buffer in place of the
document. Every file is copied through the repository's :class:`~lintops.inputs.files.LintedRoot`, so
the copy holds only what a run may read, and what the tree's reader refuses the copy's refuses alike,
nothing of it read: a link is copied as a link (one out of the repository leads out of the copy), a
named pipe as a named pipe, a file over the cap as a sparse file of its size. The copy itself is
bounded (:data:`MAX_SCOPE_FILES`, :data:`MAX_SCOPE_BYTES`). Nothing is written into the
repository; the copy is removed after the render.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import LintopsError
from ..inputs.discover import ChartInput, KustomizeInput
from ..inputs.files import LintedRoot, Refusal
from ..inputs.tree import SKIPPED_DIRECTORIES, real_path
from ..lazy_pattern import lazy

if TYPE_CHECKING:  # pragma: no cover
    from ..runner import Run

#: The most files one scratch copy holds (a chart with its environments is a few dozen).
MAX_SCOPE_FILES = 5000
#: The most bytes one scratch copy holds.
MAX_SCOPE_BYTES = 128 * 1024 * 1024


class ScopeError(LintopsError):
    """What a document is rendered with cannot be copied (too large): one diagnostic, nothing rendered."""


@dataclass
class Scope:
    """What to render for one document: the paths to hand discovery, and the files to copy."""

    #: The chart directories, Kustomize roots and Application files discovery is given (real paths).
    paths: list[Path] = field(default_factory=list)
    #: Directories copied with everything below them (charts).
    trees: set[Path] = field(default_factory=set)
    #: Directories whose own files are copied (kustomizations: what ``kubectl kustomize`` reads beside them).
    folders: set[Path] = field(default_factory=set)
    #: Single files copied (referenced files, Applications, values files).
    files: set[Path] = field(default_factory=set)
    #: The Application files among ``files``: linted to learn what they deploy, not published.
    applications: set[Path] = field(default_factory=set)
    #: Names of what is rendered (chart and overlay displays), for the server's log and the result's key.
    roots: list[str] = field(default_factory=list)


def render_scope(run: Run, path: Path, root: Path, text: str) -> Scope | None:
    """What the document at ``path`` (its buffer ``text``) is rendered with, or None when ``check`` lints it as a
    plain file. The Applications are read for a document outside every chart and kustomization only when it
    is no Kubernetes manifest (a values file has no ``apiVersion`` and ``kind``)."""
    document = real_path(path)
    inputs = list(run.discover([str(path)]))
    rendered = [item for item in inputs if isinstance(item, (ChartInput, KustomizeInput))]
    named_by = [] if rendered or _MANIFEST.search(text) else _applications_naming(run, root, document)
    if not rendered and not named_by:
        return None
    scope = Scope()
    for item in rendered:
        scope.roots.append(item.display)
        scope.paths.append(real_path(item.directory))
        if isinstance(item, ChartInput):
            scope.trees.add(real_path(item.directory))
        else:
            _add_kustomization(scope, item)
        for app in item.applications:
            _add_application(scope, root, app)
    for app in named_by:
        _add_application(scope, root, app)
        scope.trees.add(real_path(app.directory))
        scope.paths.append(real_path(app.directory))
        scope.roots.append(_relative(real_path(app.directory), root))
    scope.paths.extend(sorted(scope.applications))
    scope.files.add(document)
    scope.roots = sorted(set(scope.roots))
    return scope


#: A Kubernetes manifest's top-level ``apiVersion`` or ``kind`` (what a values file never has).
_MANIFEST = lazy(r"^(apiVersion|kind)\s*:", re.M)


def _applications_naming(run: Run, root: Path, document: Path) -> list:
    """The Applications of the repository whose values files include ``document``, and what they deploy."""
    from ..inputs.argocd import application_sources
    from ..inputs.discover import display_path
    from ..inputs.repository_index import RepositoryIndex

    files = RepositoryIndex(root).application_files
    if not files:
        return []
    sources = application_sources(((display_path(p, root), p) for p in files), root,
                                  within=LintedRoot(root), limits=run.options.limits)
    return [app for apps in sources.values() for app in apps
            if any(real_path(v) == document for v in app.value_files)]


def _add_application(scope: Scope, root: Path, app) -> None:
    if app.defined_in:
        defined = real_path(root / app.defined_in)
        scope.files.add(defined)
        scope.applications.add(defined)
    scope.files.update(real_path(v) for v in app.value_files)


def _add_kustomization(scope: Scope, item: KustomizeInput) -> None:
    from ..inputs.kustomize.references import referenced_files

    inflated: set[Path] = set()
    referenced = referenced_files(item.directory, within=item.root, charts=inflated)
    scope.folders.add(real_path(item.directory))
    scope.files.update(referenced)
    scope.folders.update(p.parent for p in referenced if p.name.lower().startswith("kustomization")
                         or p.name == "Kustomization")
    scope.trees.update(real_path(p) for p in inflated)


def _relative(path: Path, root: Path) -> str:
    return os.path.relpath(path, root).replace(os.sep, "/")


def mirror(scope: Scope, root: Path, scratch: Path, buffers: dict[Path, str], max_file_bytes: int) -> None:
    """Copy what ``scope`` renders from into ``scratch`` (laid out as ``root``), each of the editor's ``buffers``
    (by real path) in place of its file; raises :class:`ScopeError` past :data:`MAX_SCOPE_FILES` or
    :data:`MAX_SCOPE_BYTES`."""
    reader = LintedRoot(root, max_file_bytes)
    wanted: set[Path] = set(scope.files)
    for top in sorted(scope.trees):
        for directory, subdirectories, names in os.walk(top):  # links to directories are not followed
            subdirectories[:] = [d for d in subdirectories if d not in SKIPPED_DIRECTORIES]
            wanted.update(Path(directory, name) for name in names)
            _check_count(wanted)
    for folder in sorted(scope.folders):
        try:
            wanted.update(entry for entry in folder.iterdir() if entry.is_file())
        except OSError:
            continue
        _check_count(wanted)
    real_root = real_path(root)
    wanted.update(_link_targets(wanted, real_root))
    (scratch / ".git").mkdir(parents=True, exist_ok=True)  # the copy is a repository: context comes from it
    total = 0
    for source in sorted(wanted):
        if real_root not in source.parents:
            continue  # outside the repository: the render in the copy reports it missing
        target = scratch / source.relative_to(real_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        if source in buffers:
            data: bytes | Refusal = buffers[source].encode("utf-8")
        elif source.is_symlink():
            _copy_link(source, target, real_root, scratch)
            continue
        else:
            data = reader.read(source)
        if isinstance(data, Refusal):
            _stand_in(data, source, target)
            continue
        total += len(data)
        if total > MAX_SCOPE_BYTES:
            raise ScopeError(f"what this document is rendered with is over {MAX_SCOPE_BYTES:,} bytes; "
                             f"the language server does not render it (`lintops check` does)")
        target.write_bytes(data)


def _link_targets(wanted: set[Path], real_root: Path) -> set[Path]:
    """The files inside the repository that links among ``wanted`` lead to (copied too, so the link works)."""
    targets = set()
    for source in wanted:
        if source.is_symlink():
            target = real_path(source)
            if real_root in target.parents and target.is_file():
                targets.add(target)
    return targets


def _copy_link(source: Path, target: Path, real_root: Path, scratch: Path) -> None:
    """A link is copied as a link, so that the copy's reader refuses what the tree's refuses: a link out of the
    repository still leads out of the copy; one into the repository (absolute) is pointed at the copy."""
    try:
        destination = os.readlink(source)
    except OSError:
        return
    if os.path.isabs(destination):
        real = real_path(destination)
        if real == real_root or real_root in real.parents:
            destination = str(scratch / real.relative_to(real_root))
    os.symlink(destination, target)


def _stand_in(refusal: Refusal, source: Path, target: Path) -> None:
    """A file the tree's reader refuses gets a stand-in the copy's reader refuses alike, without reading it:
    a named pipe for a named pipe, a sparse file of the same size for a file over the cap."""
    try:
        info = os.lstat(source)
    except OSError:
        return
    if refusal.reason == "too-large":
        with open(target, "wb") as handle:
            handle.truncate(info.st_size)
    elif stat.S_ISFIFO(info.st_mode):
        os.mkfifo(target)


def _check_count(wanted: set[Path]) -> None:
    if len(wanted) > MAX_SCOPE_FILES:
        raise ScopeError(f"what this document is rendered with is over {MAX_SCOPE_FILES:,} files; "
                         f"the language server does not render it (`lintops check` does)")
