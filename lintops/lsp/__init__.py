"""``lintops lsp``: a language server on standard input and output that lints YAML buffers as you type.

It runs the engine and the configuration of the command line on the editor's buffer (never the file on
disk) and publishes the findings as diagnostics on open, change (once typing pauses) and save;
closing a document clears them. Each diagnostic carries:

- ``source`` ``lintops`` and ``code`` the rule id; ``codeDescription.href`` the rule's page, when the
  run has a documentation base (:mod:`lintops.rule_links`);
- the severity (error, warning, info -> Error, Warning, Information);
- the range of the node the finding is about (a key, a scalar, a quoted string, a flow collection),
  as the parse stage read it (:attr:`lintops.model.Finding.span`), or the one character at its place
  when it is about no node (a syntax error, a comment), converted to the position encoding agreed
  with the client (UTF-16 unless the client offers another), so a multi-byte character earlier on
  the line never shifts it;
- the message as ``--format editor`` writes it (object, environments), then the rule's remediation
  on the next line; ``data`` holds ``rule``, ``pointer`` and ``remediation`` for clients that want them.

Findings are those of the document only: what a rule reports about another file at the end of a run
is left to that file's own diagnostics. Suppressed findings (an annotation, comment or configuration
exemption) are not published, as ``--format editor`` leaves them out without ``--verbose``.

A code action (quick fix) per rule that fires on the requested lines inserts an exemption comment on
the line above, at that line's indentation: ``# lintops: ignore[<rule-id>] REASON``. ``REASON`` is a
placeholder to replace with the reason (an exemption without one, or with a placeholder, is itself a
finding, so ``REASON`` stays underlined until it is replaced); when the line
above already is such a comment, the rule is added to its list instead, so that comment keeps covering
the line. JSON documents get no quick fix (JSON has no comments).

Configuration: ``-c FILE`` for every document, else the nearest ``.lintops.yaml`` above each document;
paths are relative to the document's repository root (the git top level), so per-path ``overrides``,
``exemptions`` and ``exclude`` apply exactly as on the command line. A prepared configuration is
cached per configuration file and repository, and prepared again when the file or a repository rule
file changes; saving one of them re-lints the open documents. A configuration that cannot be loaded
becomes one diagnostic on the first line of each document (at its place when the document is the
configuration file) instead of stopping the server.

A document that is part of a rendered input (a chart's values files, templates and helpers, a values file
an Application names, a kustomization and the files it references) is linted as ``check`` lints it:
through the render of its chart, or of the overlays that use it, made from a scratch copy holding the
buffer (:mod:`.scope`, :mod:`.rendered`); the findings are published in every file they land in
(:mod:`.fanout`). Files excluded by the configuration get no diagnostics.
Never blocking the editor, whatever the buffer:

- the server follows the LSP 3.17 lifecycle (:mod:`.protocol`): a request before ``initialize`` is
  answered ``ServerNotInitialized`` (-32002) and a notification dropped (``exit`` excepted); a request
  whose params do not fit is answered ``InvalidParams`` (-32602); a second ``initialize`` and a request
  after ``shutdown`` ``InvalidRequest`` (-32600); a body that is not JSON ``ParseError`` (-32700);
- changes are debounced (:mod:`.schedule`, 200 ms): a burst of edits is one lint of its last
  version, and a result for a version that is no longer the newest is dropped, never published;
- linting runs in a separate process (:mod:`.worker`), so the message loop answers while a large
  buffer is linted, and a lint that runs past the time limit (10 s) is stopped with one diagnostic;
- a document over 4 MiB gets one ``yaml-limit`` diagnostic and is not linted (:mod:`.server`).

Modules: :mod:`.server` (the wiring and the limits), :mod:`.protocol` (the lifecycle and error
answers pygls leaves out), :mod:`.schedule` (debouncing), :mod:`.worker` (the lint process),
:mod:`.buffers` (one buffer through the engine), :mod:`.diagnostics` (findings as LSP JSON),
:mod:`.positions` (ranges in the client's encoding), :mod:`.actions` (the quick fix).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .buffers import BufferLinter
    from .server import LintopsServer, create_server, serve

# Imported on first use: the lint process imports lintops.lsp.buffers without pygls (a second of start-up).
_EXPORTS = {
    "BufferLinter": "buffers",
    "LintopsServer": "server",
    "create_server": "server",
    "serve": "server",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)


__all__ = ["BufferLinter", "LintopsServer", "create_server", "serve"]
