"""Findings, configuration errors and the server's own limits as LSP diagnostics.

Each finding becomes one diagnostic: ``source`` ``lintops`` and ``code`` the rule id;
``codeDescription.href`` the rule's page (:mod:`lintops.rule_links`; left out when the run has no link); the
severity (error, warning, info -> Error, Warning, Information); the range of the node the finding is
about (:attr:`lintops.model.Finding.span`: the parse stage's nodes say where it ends), or the one
character at its place when it is about no node, in the client's position encoding; the message as
``--format editor`` writes it (object, environments), then the rule's remediation on the next line;
``data`` holds ``rule``, ``pointer`` and ``remediation`` for clients that want them.

Diagnostics are built as LSP's JSON, not as lsprotocol objects: they are made in the lint process
(:mod:`lintops.lsp.worker`), which then imports neither pygls nor lsprotocol (a second of start-up),
and each crosses to the server as a :class:`Published` item, its JSON text ready to be written into
the ``publishDiagnostics`` notification as it is, so that the server's message loop neither builds
nor serialises thousands of objects for a large buffer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from pygls.uris import from_fs_path

from .positions import UTF16, client_character, finding_range, position, split_lines

if TYPE_CHECKING:  # pragma: no cover
    from ..errors import LintopsError
    from ..model import Finding
    from ..runner import Run
    from .buffers import BufferLinter

SOURCE = "lintops"
#: The diagnostic code of a configuration that cannot be loaded (not a rule: no quick fix).
CONFIG_CODE = "configuration"
#: The code of a document the server does not lint for its size: the command line's code for a file
#: over its size limit.
SIZE_CODE = "yaml-limit"
#: The code of a lint that did not finish within the time limit, or whose process ended.
LINT_FAILED_CODE = "lint-failed"
#: The code of a render the server could not make (what the document is rendered with is too large).
RENDER_FAILED_CODE = "render-failed"

# DiagnosticSeverity: 1 Error, 2 Warning, 3 Information, 4 Hint.
ERROR, WARNING, INFORMATION = 1, 2, 3
_SEVERITIES = {"error": ERROR, "warning": WARNING, "info": INFORMATION}  # by lintops' Severity value


class Published(NamedTuple):
    """One diagnostic as it is sent: its JSON text, its range (0-based line and character) and rule."""

    json: str
    start: tuple[int, int]
    end: tuple[int, int]
    #: The rule the diagnostic names (None: no rule, so no quick fix).
    rule_id: str | None


def publishable(diagnostic: dict, rule_id: str | None) -> Published:
    start, end = diagnostic["range"]["start"], diagnostic["range"]["end"]
    return Published(json.dumps(diagnostic, separators=(",", ":")), (start["line"], start["character"]),
                     (end["line"], end["character"]), rule_id)


class Diagnosed(NamedTuple):
    """A document's diagnostics and, when it was linted through a render, those of the other files it reached."""

    items: list[Published]
    #: The other files' diagnostics by absolute path (None: the document was not linted through a render).
    others: dict[str, list[Published]] | None = None
    #: What was rendered (chart and overlay paths).
    roots: tuple[str, ...] = ()


def diagnose(linter: BufferLinter, text: str, path: Path | None, encoding: str = UTF16,
             on_prepared: Callable[[], None] | None = None) -> list[Published]:
    """Lint ``text`` as the file ``path`` and return its diagnostics, positions in ``encoding``
    (``on_prepared``: see :meth:`BufferLinter.lint`)."""
    return diagnose_all(linter, text, path, encoding, on_prepared).items


def diagnose_all(linter: BufferLinter, text: str, path: Path | None, encoding: str = UTF16,
                 on_prepared: Callable[[], None] | None = None, buffers: dict[str, str] | None = None) -> Diagnosed:
    """:func:`diagnose`, with the diagnostics of every file a render of the document reached (``buffers``: the
    other unsaved buffers by path, rendered in place of their files)."""
    outcome = linter.lint(text, path, on_prepared, buffers)
    lines = split_lines(text)
    if outcome.config_error is not None:
        return Diagnosed([publishable(config_error_diagnostic(outcome.config_error, lines, encoding, path,
                                                              outcome.root), None)])
    if outcome.render_error is not None:
        return Diagnosed([publishable(first_line_diagnostic(text, RENDER_FAILED_CODE, outcome.render_error,
                                                            encoding), None)], {})
    items = [publishable(finding_diagnostic(f, lines, encoding, outcome.run, outcome.root), f.rule_id)
             for f in outcome.findings]
    if outcome.rendered is None or outcome.root is None:
        return Diagnosed(items)
    others: dict[str, list[Published]] = {}
    for shown, findings in outcome.rendered.findings.items():
        if shown == outcome.display:
            continue
        other = split_lines(outcome.rendered.texts.get(shown, ""))
        others[str(outcome.root / shown)] = [
            publishable(finding_diagnostic(f, other, encoding, outcome.run, outcome.root), f.rule_id)
            for f in findings]
    return Diagnosed(items, others, outcome.rendered.roots)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _place_range(line: int, column: int) -> dict:
    """A one-character range at a 1-based place of another file (its text is not at hand)."""
    return {"start": position(line - 1, column - 1), "end": position(line - 1, column)}


def finding_diagnostic(finding: Finding, lines: Sequence[str], encoding: str, run: Run | None,
                       root: Path | None) -> dict:
    from ..reporters.base import message_with_context  # the lint process's import; the server needs none

    message = message_with_context(finding)
    if finding.remediation:
        message += f"\n{_one_line(finding.remediation)}"
    diagnostic: dict = {
        "range": finding_range(lines, finding.location.line, finding.location.column, finding.end_line,
                               finding.end_column, encoding),
        "severity": _SEVERITIES.get(finding.severity.value, ERROR),
        "code": finding.rule_id,
        "source": SOURCE,
        "message": message,
        "data": {"rule": finding.rule_id, "pointer": finding.pointer, "remediation": finding.remediation or ""},
    }
    spec = run.catalog.spec(finding.rule_id) if run is not None else None
    if spec is not None and spec.docs_url:  # the rule's page (lintops.rule_links); none: no codeDescription
        diagnostic["codeDescription"] = {"href": spec.docs_url}
    if finding.related and root is not None:
        diagnostic["relatedInformation"] = [
            {"location": {"uri": from_fs_path(str(root / place.path)) or place.path,
                          "range": _place_range(place.line, place.column)},
             "message": "rendered here" if i == 0 else "related place"}
            for i, place in enumerate(finding.related)
        ]
    return diagnostic


def first_line_diagnostic(text: str, code: str, message: str, encoding: str = UTF16) -> dict:
    """An error on the document's first line; reads no more of ``text`` than that line needs (at most 4 KiB)."""
    first = split_lines(text[:4096])[0]
    width = max(client_character(first, len(first), encoding), 1)
    return {"range": {"start": position(0, 0), "end": position(0, width)}, "severity": ERROR, "code": code,
            "source": SOURCE, "message": message}


def config_error_diagnostic(error: LintopsError, lines: Sequence[str], encoding: str, document: Path | None,
                            root: Path | None = None) -> dict:
    """A configuration that cannot be loaded: on the first line, or at its place (:attr:`LintopsError.place`)
    when that is in the document; elsewhere, the place is the diagnostic's related location. A relative
    place is relative to ``root``, the run's base directory."""
    diagnostic = first_line_diagnostic(lines[0] if lines else "", CONFIG_CODE,
                                       f"lintops cannot lint with this configuration: {error}", encoding)
    place = error.place
    if place is not None:
        where = (root or Path.cwd()) / place.path
        if document is not None and _same_file(where, document):
            diagnostic["range"] = finding_range(lines, place.line, place.column, encoding=encoding)
        else:
            diagnostic["relatedInformation"] = [{
                "location": {"uri": from_fs_path(str(where.resolve())) or str(where),
                             "range": _place_range(place.line, place.column)},
                "message": "the configuration error",
            }]
    return diagnostic


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False
