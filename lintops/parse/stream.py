"""Bytes or text to parsed documents, one document at a time, a syntax error costing only its document.

The entry points of the parse stage: :func:`parse_text` / :func:`parse_bytes` for the many small files
read whole (rules, values, configuration) and :func:`stream_text` / :func:`stream_bytes` for manifests,
whose documents flow through the later stages one at a time. Hostile input never raises out of here:
binary files, invalid UTF-8 and files over the size limit are a :class:`~.documents.ParseProblem` at a
position, and the documents that did parse are still returned.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import yaml

from ..model import Position
from .build import Builder, LimitExceeded
from .documents import ParsedDocument, ParsedFile, ParseProblem
from .limits import DEFAULT_LIMITS, Limits
from .loader import Loader

#: How a text is cut into documents (:mod:`.splitters`): as kubectl reads manifest files, or as
#: Helm splits a rendered chart.
KUBECTL = "kubectl"
HELM = "helm"


def split_of(origin: str | None) -> str:
    """How the text a renderer named ``origin`` made is cut: Helm's way for Helm, kubectl's for the rest."""
    return HELM if origin == HELM else KUBECTL


def decode(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> tuple[str | None, ParseProblem | None]:
    """Bytes to text, or the reason they are not YAML text (binary, bad encoding, too large)."""
    if len(raw) > limits.max_file_bytes:
        return None, ParseProblem(
            "yaml-limit",
            f"file is {len(raw):,} bytes, over the {limits.max_file_bytes:,}-byte limit; not parsed",
            Position(1, 1),
        )
    if b"\x00" in raw[:8192] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, ParseProblem("yaml-syntax", "binary file (contains NUL bytes), not YAML", Position(1, 1))
    try:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            return raw.decode("utf-16"), None
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, ParseProblem(
            "yaml-syntax", f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); YAML must be UTF-8", Position(line, column)
        )


def parse_bytes(raw: bytes, path: str, *, is_json: bool = False, limits: Limits = DEFAULT_LIMITS) -> ParsedFile:
    """Like :func:`parse_text`, from bytes (:func:`decode` says why bytes are no YAML text)."""
    return stream_bytes(raw, path, is_json=is_json, limits=limits).materialize()


def parse_text(text: str, path: str, *, is_json: bool = False, limits: Limits = DEFAULT_LIMITS,
               split: str = KUBECTL) -> ParsedFile:
    """Parse every document of ``text``; a syntax error costs only the document it is in.

    ``split`` names how the tool that applies ``text`` cuts it into documents (:mod:`.splitters`):
    :data:`KUBECTL` for manifest files, :data:`HELM` for a chart's rendered output.
    """
    return stream_text(text, path, is_json=is_json, limits=limits, split=split).materialize()


def stream_bytes(raw: bytes, path: str, *, is_json: bool = False, limits: Limits = DEFAULT_LIMITS) -> DocumentStream:
    """Like :func:`parse_bytes`, one document at a time (see :class:`DocumentStream`)."""
    text, problem = decode(raw, limits)
    if text is None:
        assert problem is not None
        return DocumentStream(path, "", limits, problems=[problem])
    return stream_text(text, path, is_json=is_json, limits=limits)


def stream_text(text: str, path: str, *, is_json: bool = False, limits: Limits = DEFAULT_LIMITS,
                split: str = KUBECTL) -> DocumentStream:
    """Like :func:`parse_text`, one document at a time (see :class:`DocumentStream`)."""
    if is_json:
        # JSON allows tabs as whitespace where YAML does not; outside strings they are only whitespace,
        # and a raw tab inside a JSON string is invalid anyway, so this keeps every column.
        text = text.replace("\t", " ")
    return DocumentStream(path, text, limits, split=split)


class DocumentStream:
    """A file's documents, composed and built one at a time as :attr:`documents` is iterated.

    Why: a file of 500,000 small objects would otherwise hold every node tree until the file is done
    (gigabytes for 32 MB). Iterated, each document's nodes are freed as soon as nothing refers to it
    any more: the engine keeps a document only while its findings are located, and a check keeps one
    only for an object it holds back until the end of the run. :attr:`problems` is complete once
    :attr:`documents` is exhausted; :attr:`documents` can be iterated once.
    """

    def __init__(self, path: str, text: str, limits: Limits = DEFAULT_LIMITS,
                 problems: list[ParseProblem] | None = None, split: str = KUBECTL) -> None:
        self.path = path
        self.text = text
        self.limits = limits
        self.problems: list[ParseProblem] = problems if problems is not None else []
        documents = self._helm_documents if split == HELM else self._documents
        self.documents: Iterator[ParsedDocument] = documents() if text else iter(())
        self._count = 0

    def materialize(self) -> ParsedFile:
        """Every document at once, for the many small files (rules, values, configuration) read whole."""
        gc_was_enabled = gc.isenabled()
        gc.disable()  # node trees are acyclic; collecting while building them only costs time
        try:
            documents = list(self.documents)
        finally:
            if gc_was_enabled:
                gc.enable()
        return ParsedFile(self.path, self.text, documents, self.problems)

    def _helm_documents(self) -> Iterator[ParsedDocument]:
        """Each piece Helm's split makes, composed alone (Helm decodes each piece on its own too).

        A piece whose first line followed ``---`` on the same line (``---apiVersion: v1``) keeps its
        line; columns on that first line count from the piece's first character.
        """
        from .splitters import split_helm  # only rendered Helm texts: most runs never load it

        for piece in split_helm(self.text):
            try:
                anchors = "&" in piece.text
                for root in yaml.compose_all(piece.text, Loader=Loader):
                    yield self._document(root, piece.line, piece.text, anchors)
            except yaml.YAMLError as exc:
                self.problems.append(_syntax_problem(exc, piece.line))

    def _documents(self) -> Iterator[ParsedDocument]:
        last: tuple[int, int] = (-1, -1)  # where the last document handed out starts
        anchors = "&" in self.text  # once per text: without one, no document of it has an alias
        try:
            for root in yaml.compose_all(self.text, Loader=Loader):
                start = root.start_mark
                yield self._document(root, 0, self.text, anchors)
                last = (start.line, start.column)
        except yaml.YAMLError as error:
            # Go on document by document (cut at --- lines), so that one broken document does not hide the
            # others; documents already handed out are not handed out again.
            broken = False
            from .splitters import split_kubectl

            pieces, _ = split_kubectl(self.text)
            for number, piece in enumerate(pieces):
                offset, chunk = piece.line, piece.text
                # the separator line before the next piece
                end_line = pieces[number + 1].line - 1 if number + 1 < len(pieces) else None
                if end_line is not None and end_line <= last[0]:
                    continue  # every document of this piece was handed out
                try:
                    for root in yaml.compose_all(chunk, Loader=Loader):
                        if (root.start_mark.line + offset, root.start_mark.column) > last:
                            yield self._document(root, offset, chunk, anchors)
                except yaml.YAMLError as exc:
                    self.problems.append(_syntax_problem(exc, offset))
                    broken = True
            if not broken:  # the pieces parse alone: say what broke the whole
                self.problems.append(_syntax_problem(error, 0))

    def _document(self, root: yaml.Node, line_offset: int, text: str, anchors: bool = True) -> ParsedDocument:
        """``anchors``: whether ``text`` holds an ``&`` (without one, no node can be an alias)."""
        builder = Builder(self.limits, line_offset, anchors)
        data: Any
        try:
            data = builder.build_document(root)
        except LimitExceeded as exc:
            self.problems.append(exc.problem)
            data, root = None, None
        self.problems.extend(builder.problems)
        self._count += 1
        return ParsedDocument(self._count - 1, data, root, line_offset, builder.has_nulls, _text=text)


def _syntax_problem(exc: yaml.YAMLError, line_offset: int) -> ParseProblem:
    """libyaml's error as a ``yaml-syntax`` problem at its mark (``yaml-limit`` for its nesting cap)."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"{problem} ({context})" if context else str(problem)
    message = " ".join(message.split())
    rule_id = "yaml-syntax"
    if "maximum nesting depth" in message:
        rule_id, message = "yaml-limit", "nesting deeper than 1,000 levels; document not parsed"
    if mark is None:
        return ParseProblem(rule_id, message, Position(1 + line_offset, 1))
    return ParseProblem(rule_id, message, Position(mark.line + 1 + line_offset, mark.column + 1))
