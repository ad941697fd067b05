"""``lintops lsp``: a language server on standard input and output that lints YAML buffers as you type.

It runs the engine and the configuration of the command line on the editor's buffer (never the file on
disk) and publishes the findings as diagnostics on open, change and save; closing a document clears
them. Each diagnostic carries:

- ``source`` ``lintops`` and ``code`` the rule id; ``codeDescription.href`` a ``file://`` link to the
  rule's YAML file, which is its documentation (rationale, exact semantics, remediation, examples);
- the severity (error, warning, info -> Error, Warning, Information);
- a range from the finding's line and column to the end of the token there (a key, a scalar, a
  quoted string, a flow collection), converted to the position encoding agreed with the client
  (UTF-16 unless the client offers another), so a multi-byte character earlier on the line never
  shifts it;
- the message as ``--format editor`` writes it (object, environments), then the rule's remediation
  on the next line; ``data`` holds ``rule``, ``pointer`` and ``remediation`` for clients that want them.

Findings are those of the document only: what a rule reports about another file at the end of a run
is left to that file's own diagnostics. Suppressed findings (an annotation, comment or configuration
exemption) are not published, as ``--format editor`` leaves them out without ``--verbose``.

A code action (quick fix) per rule that fires on the requested lines inserts an exemption comment on
the line above, at that line's indentation: ``# lintops: ignore[<rule-id>] REASON``. ``REASON`` is a
placeholder to replace with the reason (an exemption without one is itself a finding); when the line
above already is such a comment, the rule is added to its list instead, so that comment keeps covering
the line. JSON documents get no quick fix (JSON has no comments).

Configuration: ``-c FILE`` for every document, else the nearest ``.lintops.yaml`` above each document;
paths are relative to the document's repository root (the git top level), so per-path ``overrides``,
``exemptions`` and ``exclude`` apply exactly as on the command line. A prepared configuration is
cached per configuration file and repository, and prepared again when the file or a repository rule
file changes; saving one of them re-lints the open documents. A configuration that cannot be loaded
becomes one diagnostic on the first line of each document (at its place when the document is the
configuration file) instead of stopping the server.

Documents the command line never lints as manifests get no diagnostics: files excluded by the
configuration, ``kustomization.yaml`` files and the files of a Helm chart (the command line renders
charts and overlays from disk; a template is not YAML).
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path, uri_scheme
from pygls.workspace.position_codec import PositionCodec

from . import __version__
from .config import CONFIG_NAMES, REPOSITORY_RULES_DIR, ConfigError, find_config
from .inputs.discover import KUSTOMIZATION_FILES, MANIFEST_SUFFIXES, display_path, is_excluded, repository_root
from .model import Finding, Severity
from .reporters.base import message_with_context

if TYPE_CHECKING:  # pragma: no cover
    from pygls.workspace import TextDocument

    from .runner import Run

logger = logging.getLogger(__name__)

SOURCE = "lintops"
#: The diagnostic code of a configuration that cannot be loaded (not a rule: no quick fix).
CONFIG_CODE = "configuration"
#: What the quick fix writes where the reason goes; the user replaces it.
REASON_PLACEHOLDER = "REASON"

_SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # the line breaks LSP counts (and YAML)
_PLACE = re.compile(r"^(?P<path>.+?):(?:(?P<line>\d+):(?P<column>\d+):)? ")
_WHOLE_LINE_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)#\s*lintops:\s*ignore\[(?P<rules>[^\]]*)\]")


# -- positions ---------------------------------------------------------------------------------------


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` as LSP numbers them (``\\r\\n``, ``\\r`` and ``\\n`` end a line)."""
    return _LINE_BREAK.split(text)


def token_end(line: str, start: int) -> int:
    """Where the token that begins at code point ``start`` of ``line`` ends (exclusive), at least one past it.

    A quoted scalar ends at its closing quote, a flow collection at its closing bracket; anything else
    at the next ``: ``, `` #`` or end of line, and inside a flow collection also at ``,``, ``]`` or ``}``.
    Trailing blanks are not part of it.
    """
    length = len(line)
    if start >= length:
        return start + 1
    first = line[start]
    end = length
    if first in "\"'":
        end = _closing_quote(line, start)
    elif first in "[{":
        end = _closing_bracket(line, start)
    else:
        in_flow = _flow_depth(line, start) > 0
        index = start
        while index < length:
            char = line[index]
            following = line[index + 1] if index + 1 < length else " "
            if char == ":" and (following in " \t" or (in_flow and following in ",]}")):
                break
            if in_flow and char in ",]}":
                break
            if char == "#" and index > start and line[index - 1] in " \t":
                break
            index += 1
        end = index
    end = start + len(line[start:end].rstrip())
    return max(end, start + 1)


def _closing_quote(line: str, start: int) -> int:
    quote, index = line[start], start + 1
    while index < len(line):
        char = line[index]
        if quote == '"' and char == "\\":
            index += 2
            continue
        if char == quote:
            if quote == "'" and line[index + 1:index + 2] == "'":  # '' is an escaped quote
                index += 2
                continue
            return index + 1
        index += 1
    return _before_comment(line, start)


def _closing_bracket(line: str, start: int) -> int:
    depth, quote = 0, None
    for index in range(start, len(line)):
        char = line[index]
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return index + 1
        elif char == "#" and line[index - 1] in " \t":
            return index
    return len(line)


def _before_comment(line: str, start: int) -> int:
    match = re.search(r"[ \t]#", line[start:])
    return start + match.start() if match else len(line)


def _flow_depth(line: str, stop: int) -> int:
    """How many flow collections (``[``, ``{``) are open before code point ``stop`` of ``line``."""
    depth, quote = 0, None
    for char in line[:stop]:
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth = max(0, depth - 1)
    return depth


def client_character(line: str, column: int, codec: PositionCodec) -> int:
    """A 0-based code point column of ``line`` in the client's units (UTF-16 code units by default)."""
    return codec.client_num_units(line[:column]) + max(0, column - len(line))


def finding_range(lines: Sequence[str], line: int, column: int, codec: PositionCodec) -> types.Range:
    """The range of the token at a 1-based ``line`` and code point ``column``, as LSP counts positions."""
    row = max(line - 1, 0)
    text = lines[row] if row < len(lines) else ""
    start = max(column - 1, 0)
    end = token_end(text, start)
    return types.Range(
        start=types.Position(line=row, character=client_character(text, start, codec)),
        end=types.Position(line=row, character=client_character(text, end, codec)),
    )


# -- linting a buffer with the command line's engine and configuration ----------------------------------


@dataclass
class _Prepared:
    stamp: tuple
    run: Run | None = None
    error: str | None = None


@dataclass
class Outcome:
    """What linting one buffer gave: its findings, or why there are none."""

    findings: list[Finding] = field(default_factory=list)
    #: The document's path as reports name it (relative to ``root``).
    display: str = "-"
    root: Path | None = None
    #: The message of a configuration (or rule, or plugin) error: nothing was linted.
    config_error: str | None = None
    run: Run | None = None


class BufferLinter:
    """Lints editor buffers; caches the prepared configuration per configuration file and repository."""

    def __init__(self, config_path: str | None = None) -> None:
        self.config_path = Path(config_path).resolve() if config_path else None
        self._prepared: dict[tuple[Path | None, Path], _Prepared] = {}

    def lint(self, text: str, path: Path | None) -> Outcome:
        """Lint ``text`` as the file ``path`` (None: a buffer without a file, linted as standard input)."""
        start = path.parent if path is not None else Path.cwd()
        root = repository_root(start)
        config_file = self.config_path or find_config(start)
        prepared = self._prepare(config_file, root)
        display = display_path(path, root) if path is not None else "-"
        if prepared.error is not None or prepared.run is None:
            return Outcome(display=display, root=root, config_error=prepared.error)
        run = prepared.run
        if path is not None and not self.lints(path, display, root, run):
            return Outcome(display=display, root=root, run=run)
        engine = run.engine()
        reports = list(engine.lint_text(text, display))
        findings = [f for report in reports for f in report.findings
                    if f.location.path == display and not f.suppressed]
        return Outcome(findings, display, root, run=run)

    @staticmethod
    def lints(path: Path, display: str, root: Path, run: Run) -> bool:
        """Whether the command line lints this file as a manifest itself (not excluded, not rendered)."""
        if path.name in KUSTOMIZATION_FILES or is_excluded(display, run.excludes):
            return False
        directory = path.parent.resolve()
        for candidate in (directory, *directory.parents):
            if (candidate / "Chart.yaml").is_file():
                return False
            if candidate == root:
                break
        return True

    def _prepare(self, config_file: Path | None, root: Path) -> _Prepared:
        from .plugins import PluginError
        from .rules import RuleError
        from .runner import Settings, VersionError, prepare

        key = (config_file, root)
        stamp = _stamp(config_file, root)
        cached = self._prepared.get(key)
        if cached is not None and cached.stamp == stamp:
            return cached
        settings = Settings(paths=(str(root),), config_path=str(config_file) if config_file else None,
                            base_dir=root)
        try:
            prepared = _Prepared(stamp, run=prepare(settings))
        except (ConfigError, RuleError, PluginError, VersionError) as exc:
            prepared = _Prepared(stamp, error=str(exc))
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


# -- findings to diagnostics ------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def finding_diagnostic(finding: Finding, lines: Sequence[str], codec: PositionCodec, run: Run | None,
                       root: Path | None) -> types.Diagnostic:
    message = message_with_context(finding)
    if finding.remediation:
        message += f"\n{_one_line(finding.remediation)}"
    spec = run.catalog.spec(finding.rule_id) if run is not None else None
    description = None
    if spec is not None and spec.path:
        description = types.CodeDescription(href=Path(spec.path).resolve().as_uri())
    related = None
    if finding.related and root is not None:
        related = [
            types.DiagnosticRelatedInformation(
                location=types.Location(
                    uri=from_fs_path(str(root / place.path)) or place.path,
                    range=types.Range(start=types.Position(line=place.line - 1, character=place.column - 1),
                                      end=types.Position(line=place.line - 1, character=place.column)),
                ),
                message="rendered here" if i == 0 else "related place",
            )
            for i, place in enumerate(finding.related)
        ]
    return types.Diagnostic(
        range=finding_range(lines, finding.location.line, finding.location.column, codec),
        message=message,
        severity=_SEVERITIES.get(finding.severity, types.DiagnosticSeverity.Error),
        code=finding.rule_id,
        code_description=description,
        source=SOURCE,
        related_information=related,
        data={"rule": finding.rule_id, "pointer": finding.pointer, "remediation": finding.remediation or ""},
    )


def config_error_diagnostic(error: str, lines: Sequence[str], codec: PositionCodec,
                            document: Path | None) -> types.Diagnostic:
    """A configuration that cannot be loaded: on the first line, or at its place in the configuration file."""
    place = _PLACE.match(error)
    related = None
    first = lines[0] if lines else ""
    width = max(client_character(first, len(first), codec), 1)
    diagnostic_range = types.Range(start=types.Position(line=0, character=0),
                                   end=types.Position(line=0, character=width))
    if place and place.group("line"):
        where, line, column = Path(place.group("path")), int(place.group("line")), int(place.group("column"))
        if document is not None and _same_file(where, document):
            diagnostic_range = finding_range(lines, line, column, codec)
        else:
            related = [types.DiagnosticRelatedInformation(
                location=types.Location(
                    uri=from_fs_path(str(where.resolve())) or str(where),
                    range=types.Range(start=types.Position(line=line - 1, character=column - 1),
                                      end=types.Position(line=line - 1, character=column)),
                ),
                message="the configuration error",
            )]
    return types.Diagnostic(
        range=diagnostic_range,
        message=f"lintops cannot lint with this configuration: {error}",
        severity=types.DiagnosticSeverity.Error,
        code=CONFIG_CODE,
        source=SOURCE,
        related_information=related,
    )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


# -- the server ---------------------------------------------------------------------------------------------


@dataclass
class _Published:
    """The diagnostics last published for a document, with the rule each one names (None: no rule)."""

    items: list[tuple[types.Diagnostic, str | None]]


class LintopsServer(LanguageServer):
    def __init__(self, config_path: str | None = None) -> None:
        super().__init__("lintops", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.linter = BufferLinter(config_path)
        self.published: dict[str, _Published] = {}
        #: The open documents, by the URI the client uses (diagnostics must name it exactly).
        self.open_uris: set[str] = set()

    def is_lintable(self, document: TextDocument) -> bool:
        """YAML documents in files or new buffers (not, e.g., the old side of a diff view)."""
        if uri_scheme(document.uri) not in ("file", "untitled"):
            return False
        if document.language_id == "yaml":
            return True
        name = document.uri.split("?", 1)[0].split("#", 1)[0].lower()
        return name.endswith(MANIFEST_SUFFIXES)

    def lint_document(self, uri: str) -> None:
        document = self.workspace.get_text_document(uri)
        if not self.is_lintable(document):
            return
        try:
            items = self._diagnose(document)
        except Exception:  # the server outlives any buffer; the editor's log shows what happened
            message = traceback.format_exc()
            logger.error("linting %s failed: %s", uri, message)
            self.window_log_message(types.LogMessageParams(type=types.MessageType.Error,
                                                           message=f"lintops: linting {uri} failed:\n{message}"))
            return
        self.published[uri] = _Published(items)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=document.version, diagnostics=[diagnostic for diagnostic, _ in items]))

    def _diagnose(self, document: TextDocument) -> list[tuple[types.Diagnostic, str | None]]:
        path = _document_path(document.uri)
        text = document.source
        lines = split_lines(text)
        codec = document.position_codec
        outcome = self.linter.lint(text, path)
        if outcome.config_error is not None:
            return [(config_error_diagnostic(outcome.config_error, lines, codec, path), None)]
        return [(finding_diagnostic(f, lines, codec, outcome.run, outcome.root), f.rule_id)
                for f in outcome.findings]

    def clear(self, uri: str) -> None:
        self.published.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def lint_open_documents(self) -> None:
        for uri in sorted(self.open_uris):
            self.lint_document(uri)

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        if uri.lower().endswith(".json"):
            return []
        published = self.published.get(uri)
        if published is None:
            return []
        text = self.workspace.get_text_document(uri).source
        lines = split_lines(text)
        newline = "\r\n" if "\r\n" in text else "\n"
        wanted = params.range
        actions: list[types.CodeAction] = []
        seen: set[tuple[str, int]] = set()
        for diagnostic, rule_id in published.items:
            if rule_id is None or not _overlaps(diagnostic.range, wanted):
                continue
            line = diagnostic.range.start.line
            if (rule_id, line) in seen:
                continue
            seen.add((rule_id, line))
            actions.append(types.CodeAction(
                title=f"Exempt from {rule_id} (with a reason)",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                edit=types.WorkspaceEdit(changes={uri: [exemption_edit(lines, line, rule_id, newline)]}),
            ))
        return actions


def exemption_edit(lines: Sequence[str], line: int, rule_id: str, newline: str = "\n") -> types.TextEdit:
    """Insert ``# lintops: ignore[<rule-id>] REASON`` above ``line`` (0-based), at its indentation; when the
    line above already is an exemption comment, add the rule to it (a comment covers only the next line)."""
    above = lines[line - 1] if 0 < line <= len(lines) else None
    existing = _WHOLE_LINE_DIRECTIVE.match(above) if above is not None else None
    if existing is not None:
        rules = [r.strip() for r in existing.group("rules").split(",") if r.strip()]
        if rule_id not in rules:
            rules.append(rule_id)
        start, end = existing.start("rules"), existing.end("rules")
        new_text = ",".join(rules)
        # Positions in UTF-16 would differ only after a character outside the BMP, never in this prefix.
        return types.TextEdit(
            range=types.Range(start=types.Position(line=line - 1, character=start),
                              end=types.Position(line=line - 1, character=end)),
            new_text=new_text,
        )
    current = lines[line] if line < len(lines) else ""
    indent = current[: len(current) - len(current.lstrip(" \t"))]
    position = types.Position(line=line, character=0)
    return types.TextEdit(
        range=types.Range(start=position, end=position),
        new_text=f"{indent}# lintops: ignore[{rule_id}] {REASON_PLACEHOLDER}{newline}",
    )


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(position: types.Position) -> tuple[int, int]:
        return position.line, position.character

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _document_path(uri: str) -> Path | None:
    if uri_scheme(uri) != "file":
        return None
    path = to_fs_path(uri)
    return Path(path) if path else None


def create_server(config_path: str | None = None) -> LintopsServer:
    server = LintopsServer(config_path)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LintopsServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.open_uris.add(params.text_document.uri)
        ls.lint_document(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LintopsServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.lint_document(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: LintopsServer, params: types.DidSaveTextDocumentParams) -> None:
        path = _document_path(params.text_document.uri)
        if path is not None and (path.name in CONFIG_NAMES or path.parent.match(str(REPOSITORY_RULES_DIR))):
            ls.lint_open_documents()  # the configuration or a repository rule changed
        else:
            ls.lint_document(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LintopsServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.open_uris.discard(params.text_document.uri)
        ls.clear(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_action(ls: LintopsServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return ls.code_actions(params)

    return server


def serve(config_path: str | None = None) -> None:
    """Serve on standard input and output until the client says exit."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # whatever a plugin prints must not end up inside the protocol stream
    create_server(config_path).start_io(stdin, stdout)


__all__ = ["BufferLinter", "LintopsServer", "create_server", "serve", "token_end"]
