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
the copy holds only what a run may read (no link out of the tree, no special file, nothing over the
file cap; a refused file is left out and the render in the copy reports it missing), and the copy
itself is bounded (:data:`MAX_SCOPE_FILES`, :data:`MAX_SCOPE_BYTES`). Nothing is written into the
repository; the copy is removed after the render.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import LintopsError
from ..inputs.discover import ChartInput, KustomizeInput
from ..inputs.files import LintedRoot
from ..inputs.tree import SKIPPED_DIRECTORIES, real_path

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


def render_scope(run: Run, path: Path, root: Path) -> Scope | None:
    """What the document at ``path`` is rendered with, or None when ``check`` lints it as a plain file."""
    document = real_path(path)
    inputs = list(run.discover([str(path)]))
    rendered = [item for item in inputs if isinstance(item, (ChartInput, KustomizeInput))]
    named_by = _applications_naming(run, root, document)
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


def mirror(scope: Scope, root: Path, scratch: Path, document: Path, text: str,
           max_file_bytes: int) -> None:
    """Copy what ``scope`` renders from into ``scratch`` (laid out as ``root``), the buffer ``text`` in place of
    ``document``; raises :class:`ScopeError` past :data:`MAX_SCOPE_FILES` or :data:`MAX_SCOPE_BYTES`."""
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
    total = 0
    real_root = real_path(root)
    (scratch / ".git").mkdir(parents=True, exist_ok=True)  # the copy is a repository: context comes from it
    for source in sorted(wanted):
        if real_root not in source.parents:
            continue  # outside the repository: the render in the copy reports it missing
        data = text.encode("utf-8") if source == document else reader.read(source)
        if not isinstance(data, bytes):
            continue  # refused (a link out of the tree, a special file, over the cap)
        total += len(data)
        if total > MAX_SCOPE_BYTES:
            raise ScopeError(f"what this document is rendered with is over {MAX_SCOPE_BYTES:,} bytes; "
                             f"the language server does not render it (`lintops check` does)")
        target = scratch / source.relative_to(real_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _check_count(wanted: set[Path]) -> None:
    if len(wanted) > MAX_SCOPE_FILES:
        raise ScopeError(f"what this document is rendered with is over {MAX_SCOPE_FILES:,} files; "
                         f"the language server does not render it (`lintops check` does)")
