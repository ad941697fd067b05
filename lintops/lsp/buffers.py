"""Linting one editor buffer with the command line's engine and configuration.

Runs in the lint process (:mod:`lintops.lsp.worker`), never on the server's message loop. The text is
the buffer's, never the file on disk; the configuration is ``-c FILE`` or the nearest ``.lintops.yaml``
above the document, and paths are relative to the document's repository root, so per-path
``overrides``, ``exemptions`` and ``exclude`` apply exactly as on the command line. A prepared
configuration is cached per configuration file and repository, and prepared again when the file or a
repository rule file changes (their modification times are compared on every lint).

A document that is part of a rendered input (a chart's values files, templates and helpers, a values
file an ArgoCD Application names, a file a kustomization references) is linted as ``check`` lints it:
through the render of its chart or of the overlays that use it, from a scratch copy holding the buffer
(:mod:`.scope`, :mod:`.rendered`); the outcome then has the findings of every file of that scope.

A problem the user fixes (a :class:`lintops.errors.LintopsError`: configuration, rule file, plugin,
version, baseline, ...) is the outcome's ``config_error``, whichever step raised it, never an
exception: the command line exits 2 with the same message.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..config.settings import REPOSITORY_RULES_DIR, find_config
from ..errors import LintopsError
from ..inputs.discover import display_path, enclosing_chart, is_excluded, repository_root
from ..inputs.tree import KUSTOMIZATION_FILES
from ..model import Finding

if TYPE_CHECKING:  # pragma: no cover
    from ..runner import Run
    from .rendered import Rendered


@dataclass
class _Prepared:
    stamp: tuple
    run: Run | None = None
    error: LintopsError | None = None


@dataclass
class Outcome:
    """What linting one buffer gave: its findings, or why there are none."""

    findings: list[Finding] = field(default_factory=list)
    #: The document's path as reports name it (relative to ``root``).
    display: str = "-"
    root: Path | None = None
    #: The :class:`~lintops.errors.LintopsError` (configuration, rule, plugin, version, baseline, ...)
    #: that stopped the lint: nothing was linted.
    config_error: LintopsError | None = None
    run: Run | None = None
    #: The render the document is part of (None: linted as a plain file, or not at all).
    rendered: Rendered | None = None
    #: Why the render the document is part of could not be made (one diagnostic on its first line).
    render_error: str | None = None


class BufferLinter:
    """Lints editor buffers; caches the prepared configuration per configuration file and repository."""

    def __init__(self, config_path: str | None = None) -> None:
        self.config_path = Path(config_path).resolve() if config_path else None
        self._prepared: dict[tuple[Path | None, Path], _Prepared] = {}

    def lint(self, text: str, path: Path | None, on_prepared: Callable[[], None] | None = None,
             buffers: dict[str, str] | None = None) -> Outcome:
        """Lint ``text`` as the file ``path`` (None: a buffer without a file, linted as standard input).

        ``on_prepared`` is called once the configuration is loaded and the engine built, before the buffer
        is read: what follows is the work the buffer's content decides (and the time limit bounds).
        A :class:`~lintops.errors.LintopsError` raised on the way is the outcome's ``config_error``.
        ``buffers`` are the editor's other unsaved buffers by path: a render uses them in place of their files.
        """
        start = path.parent if path is not None else Path.cwd()
        root = repository_root(start)
        config_file = self.config_path or find_config(start)
        setup = self._prepare(config_file, root)
        display = display_path(path, root) if path is not None else "-"
        if setup.error is not None or setup.run is None:
            return Outcome(display=display, root=root, config_error=setup.error)
        run = setup.run
        if path is not None and not is_excluded(display, run.excludes):
            from .scope import ScopeError

            try:
                rendered = self._render(run, path, root, text, on_prepared, buffers or {})
            except ScopeError as exc:
                return Outcome(display=display, root=root, run=run, render_error=str(exc))
            except LintopsError as exc:
                return Outcome(display=display, root=root, config_error=exc)
            if rendered is not None:
                return Outcome(rendered.findings.get(display, []), display, root, run=run, rendered=rendered)
        if path is not None and not self.lints(path, display, root, run):
            return Outcome(display=display, root=root, run=run)
        try:
            engine = run.engine()  # loads the baseline again: it may have gone since the run was prepared
            if on_prepared is not None:
                on_prepared()
            reports = list(engine.lint_text(text, display))
        except LintopsError as exc:
            return Outcome(display=display, root=root, config_error=exc)
        findings = [f for report in reports for f in report.findings
                    if f.location.path == display and not f.suppressed]
        return Outcome(findings, display, root, run=run)

    @staticmethod
    def _render(run: Run, path: Path, root: Path, text: str, on_prepared: Callable[[], None] | None,
                buffers: dict[str, str]) -> Rendered | None:
        """The document linted through the render it is part of, or None when ``check`` lints it as a file."""
        from .rendered import lint_rendered
        from .scope import render_scope

        if not path.is_file():
            return None  # a new file not saved yet: nothing on disk names it
        scope = render_scope(run, path, root, text)
        if scope is None:
            return None
        return lint_rendered(run, scope, root, path, text, on_prepared, buffers)

    @staticmethod
    def lints(path: Path, display: str, root: Path, run: Run) -> bool:
        """Whether the command line lints this file as a manifest itself (not excluded, not rendered).

        A file of a Helm chart is the chart's, which the command line renders: the same test as discovery's
        (:func:`lintops.inputs.discover.enclosing_chart`), looking no higher than the repository root.
        """
        if path.name in KUSTOMIZATION_FILES or is_excluded(display, run.excludes):
            return False
        return enclosing_chart(path, root) is None

    def _prepare(self, config_file: Path | None, root: Path) -> _Prepared:
        from ..runner import Settings, prepare

        key = (config_file, root)
        stamp = _stamp(config_file, root)
        cached = self._prepared.get(key)
        if cached is not None and cached.stamp == stamp:
            return cached
        settings = Settings(paths=(str(root),), config_path=str(config_file) if config_file else None,
                            base_dir=root)
        try:
            prepared = _Prepared(stamp, run=prepare(settings))
        except LintopsError as exc:
            prepared = _Prepared(stamp, error=exc)
        self._prepared[key] = prepared
        return prepared


def _stamp(config_file: Path | None, root: Path) -> tuple:
    """What a prepared configuration depends on: the file and the repository rule files (mtimes)."""
    watched: list[Path] = []
    directories = {root / REPOSITORY_RULES_DIR}
    if config_file is not None:
        watched.append(config_file)
        directories.add(config_file.parent / REPOSITORY_RULES_DIR)
    for directory in sorted(directories):
        watched.append(directory)
        with contextlib.suppress(OSError):
            watched.extend(sorted(directory.iterdir()))
    stamp = []
    for path in watched:
        try:
            stamp.append((str(path), path.stat().st_mtime_ns))
        except OSError:
            stamp.append((str(path), None))
    return tuple(stamp)
