"""A buffer that is part of a chart or an overlay, linted through the render ``lintops check`` makes of it.

The document's scope (:mod:`.scope`: its chart, the overlays that use it, the Applications that
deploy them) is copied into a scratch directory with the buffer in place of the file, and the copy is
discovered, rendered per environment and linted by the command line's own code
(:meth:`lintops.runner.Run.discover`, :meth:`lintops.engine.Engine.lint`), with the run's options but
the copy as base directory: paths in findings are relative to the copy's top, which is laid out as the
repository, so they are the paths ``check`` reports. Findings land where ``check`` puts them (the
values key, the template line, the base file), with the environments in the message (``[env:
production, staging]``), in every file of the scope; the server publishes each file's.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..exemptions import ExemptionPolicy
from ..inputs.discover import display_path
from ..inputs.tree import real_path
from ..lazy_pattern import lazy
from ..model import Finding
from .scope import Scope, mirror

if TYPE_CHECKING:  # pragma: no cover
    from ..runner import Run


@dataclass
class Rendered:
    """What rendering a document's scope gave: the findings per file (display path), and each file's text."""

    #: Findings by display path (the document's included, perhaps empty).
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    #: The text each file with findings had in the render (the buffer for the document).
    texts: dict[str, str] = field(default_factory=dict)
    #: What was rendered (chart and overlay paths), for the server's log.
    roots: tuple[str, ...] = ()


def lint_rendered(run: Run, scope: Scope, root: Path, document: Path, text: str,
                  on_prepared=None, buffers: dict[str, str] | None = None) -> Rendered:
    """Render ``scope`` from a scratch copy with ``text`` as ``document`` (and each of the other unsaved
    ``buffers``, by path, as its file), and lint it as ``check`` does."""
    scratch = Path(tempfile.mkdtemp(prefix="lintops-lsp-"))
    try:
        copy = scratch / "repository"
        unsaved = {real_path(p): t for p, t in (buffers or {}).items()}
        unsaved[real_path(document)] = text
        mirror(scope, root, copy, unsaved, run.options.limits.max_file_bytes)
        if on_prepared is not None:
            on_prepared()
        return _lint_copy(run, scope, root, copy, real_path(document), text, unsaved)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _lint_copy(run: Run, scope: Scope, root: Path, copy: Path, document: Path, text: str,
               unsaved: dict[Path, str]) -> Rendered:
    from ..engine import Engine

    real_root = real_path(root)

    def inside(path: Path) -> Path:
        return copy / path.relative_to(real_root)

    options = replace(run.options, base_dir=copy)
    roots = tuple(str(inside(real_path(p))) if real_root in real_path(p).parents else p
                  for p in run.kustomize_roots)
    copied = replace(run, options=options, kustomize_roots=roots, violations=[])
    copied._bound = None  # the run's own bound rules stay its own: checks keep per-run state
    engine = Engine(run.catalog.enabled_rules(), options, ExemptionPolicy(run.config, root), run.load_baseline())
    paths = [str(inside(document))] + [str(inside(p)) for p in scope.paths if real_root in p.parents]
    reports = list(engine.lint(copied.discover(list(dict.fromkeys(paths)))))
    shown = display_path(document, real_root)
    applications = {display_path(p, real_root) for p in scope.applications} - {shown}
    result = Rendered(findings={shown: []}, texts={shown: text}, roots=tuple(scope.roots))
    for report in reports:
        for finding in report.findings:
            where = finding.location.path
            if finding.suppressed or where in applications or where == "-":
                continue
            if where not in result.texts:
                result.texts[where] = unsaved.get(real_root / where) or _text(copy, where)
            result.findings.setdefault(where, []).append(_with_extent(finding, result.texts[where]))
    return result


#: A key or plain scalar starting at a place (``tag`` of ``tag: latest``, ``latest``, ``"1.2"``).
_TOKEN = lazy(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\n]|\'\')*\'|[^\s:#,\[\]{}]+')


def _with_extent(finding: Finding, text: str) -> Finding:
    """A rendered finding (its place in a values file or template, with no node's end) spanning the key or
    scalar that starts there, so the editor underlines ``tag``, not one character."""
    if finding.end_line is not None or finding.location.line < 1:
        return finding
    lines = text.splitlines()
    if finding.location.line > len(lines):
        return finding
    start = finding.location.column - 1
    match = _TOKEN.match(lines[finding.location.line - 1], max(start, 0))
    if match is None or match.end() <= start:
        return finding
    return replace(finding, end_line=finding.location.line, end_column=match.end() + 1)


def _text(copy: Path, where: str) -> str:
    """A copied file's text, for the positions of its diagnostics (empty when it is not in the copy)."""
    from ..inputs.files import LintedRoot

    data = LintedRoot(copy).read(copy / where)
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else ""
