"""YAML (and JSON) text to plain data, keeping a position for every node.

Why not ``yaml.load``: it throws the positions away, and a linter without lines is half a linter.
libyaml composes the node tree (the expensive part, in C); this module builds the plain data from the
nodes itself and keeps each document's tree, so that a JSON pointer is resolved to ``(line, column)``
only when a finding asks for it. Building the data here also lets us see what ``yaml.load`` hides:
duplicate keys (Kubernetes' strict decoding rejects them) and aliases that expand without bound.

Hostile input never raises out of this module: binary files, invalid UTF-8, files over the size limit,
alias bombs and nesting deeper than libyaml allows each become a :class:`ParseProblem` at a position,
and the documents that did parse are still returned.

Scalars follow what Kubernetes does with YAML (sigs.k8s.io/yaml converts YAML to JSON): timestamps
stay strings, mapping keys become their text (``80:`` is the key ``"80"``), tags other than the core
schema keep the scalar's text. A core tag that cannot hold its node (``!!int true``, ``!!float ""``,
``!!binary`` that is not base64, ``!!map`` on a scalar) and an integer of more than 4,300 digits are
``yaml-syntax`` problems at the node; the node keeps its text and the rest of the document is read.
"""

from __future__ import annotations

import gc
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from .inputs.files import DEFAULT_MAX_BYTES
from .model import Position, iter_pointer_tokens

#: How a text is cut into documents (:mod:`lintops.splitters`): as kubectl reads manifest files, or as
#: Helm splits a rendered chart.
KUBECTL = "kubectl"
HELM = "helm"


def split_of(origin: str | None) -> str:
    """How the text a renderer named ``origin`` made is cut: Helm's way for Helm, kubectl's for the rest."""
    return HELM if origin == HELM else KUBECTL

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """libyaml's safe loader with a memoised implicit resolver.

    libyaml calls back into Python to resolve every plain scalar's tag (a chain of regular
    expressions) and to consult path resolvers, which nothing here registers. Manifests repeat the
    same keys and values endlessly, so remembering each plain scalar's tag, and skipping the path
    resolver calls, makes composing about a fifth faster with the same nodes and tags.
    """

    _tags: dict[str, str] = {}

    def resolve(self, kind, value, implicit, _resolve=_BaseLoader.resolve):
        if kind is yaml.ScalarNode and implicit[0]:
            tag = self._tags.get(value)
            if tag is None:
                tag = _resolve(self, kind, value, implicit)
                if tag != _STR:
                    tag = _implicit_tag(tag, value)
                if len(self._tags) < 100_000:
                    self._tags[value] = tag
            return tag
        return _resolve(self, kind, value, implicit)

    def descend_resolver(self, current_node, current_index):
        return None

    def ascend_resolver(self):
        return None

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_MERGE = "tag:yaml.org,2002:merge"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_BINARY = "tag:yaml.org,2002:binary"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_SET = "tag:yaml.org,2002:set"
_OMAP = "tag:yaml.org,2002:omap"
_PAIRS = "tag:yaml.org,2002:pairs"
_TRUE_WORDS = frozenset({"true", "yes", "on", "y"})
_FALSE_WORDS = frozenset({"false", "no", "off", "n"})
_NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})
#: Python refuses to turn longer digit strings into ints (CVE-2020-10735), and no Kubernetes field
#: holds a number of that size; a longer integer is reported, whatever its base.
_MAX_INT_DIGITS = 4300
_MAX_INT_BITS = 14_284  # about 4,300 decimal digits



@dataclass(frozen=True)
class Limits:
    """Bounds that keep hostile input from hanging the run or exhausting memory."""

    #: Files larger than this are reported, not parsed (files of the tree: not even read, see
    #: lintops.inputs.files, whose cap this is).
    max_file_bytes: int = DEFAULT_MAX_BYTES
    #: Nodes that aliases may add on top of the document's own nodes (billion laughs protection).
    max_alias_expansion: int = 100_000
    #: Collections nested deeper than this are reported, not read (libyaml stops at 1,000; JSON Schema
    #: validation at about 255; no Kubernetes object, CRD schemas included, comes near 100).
    max_depth: int = 200


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class ParseProblem:
    """A problem found while reading text; ``rule_id`` is one of the parse rules."""

    rule_id: str  # yaml-syntax | duplicate-key | yaml-limit
    message: str
    position: Position


@dataclass(eq=False)
class ParsedDocument:
    """One YAML document: its data and the node tree that knows where each value was written."""

    index: int
    data: Any
    root: yaml.Node | None
    line_offset: int = 0
    #: Whether any value is an explicit null (checks that treat null as absent skip work when not).
    has_nulls: bool = True
    #: The text the nodes were composed from (the file, or the piece of it after a syntax error), and
    #: after :meth:`release` where in it this document starts (index of its first line, that line) and
    #: ends, to compose its nodes again when a position is asked.
    _text: str | None = field(default=None, repr=False)
    _span: tuple[int, int, int] = field(default=(0, 0, 0), repr=False)

    def release(self) -> None:
        """Drop the node tree (most of a document's memory), keeping where the document is in its text.

        The engine releases each document once it is checked: a document nobody refers to any more is
        freed anyway, and one whose object a check holds back until the end of the run (a custom
        resource waiting for its CRD) keeps its data and a reference to the text, not its nodes.
        """
        root = self.root
        if root is None or self._text is None:
            return
        start, end = root.start_mark, root.end_mark
        self._span = (start.index - start.column, end.index, start.line)
        self.root = None

    def _nodes(self) -> tuple[yaml.Node | None, int]:
        """The node tree and the line its marks count from (composed again after :meth:`release`)."""
        if self.root is not None or self._text is None or self._span == (0, 0, 0):
            return self.root, self.line_offset
        start, end, line = self._span
        global _recomposed
        if _recomposed[0] is not self:  # findings of one object are located one after another
            try:
                root = yaml.compose(self._text[start:end], Loader=_Loader)
            except yaml.YAMLError:  # it parsed in its file (a %TAG directive before it, say)
                root = None
            _recomposed = (self, root)
        return _recomposed[1], self.line_offset + line

    def position(self, pointer: str, at_key: bool = False) -> Position:
        """Position of the node at ``pointer``, or of its nearest existing parent.

        A collection written in block style under a key is positioned at its key (the line a person
        reads as "the resources block"); scalars and flow collections at their value, unless
        ``at_key`` asks for the key (an unknown field is its key, not its value).
        """
        node, line_offset = self._nodes()
        if node is None:
            return Position(1 + line_offset, 1)
        anchor = node.start_mark
        for token in iter_pointer_tokens(pointer):
            if isinstance(node, yaml.MappingNode):
                match = None
                for key_node, value_node in node.value:
                    if isinstance(key_node, yaml.ScalarNode) and key_node.value == token:
                        match = (key_node, value_node)
                if match is None:
                    break
                key_node, node = match
                block = isinstance(node, yaml.CollectionNode) and node.start_mark.line > key_node.start_mark.line
                anchor = key_node.start_mark if at_key or block or _is_empty(node) else node.start_mark
            elif isinstance(node, yaml.SequenceNode):
                if not (token.isascii() and token.isdigit()) or int(token) >= len(node.value):
                    break
                node = node.value[int(token)]
                anchor = node.start_mark
            else:
                break
        return Position(anchor.line + 1 + line_offset, anchor.column + 1)


#: The document composed again last (see ParsedDocument._nodes), and its nodes.
_recomposed: tuple[ParsedDocument | None, yaml.Node | None] = (None, None)


def _is_empty(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL and node.value in ("", "~")


@dataclass(eq=False)
class ParsedFile:
    """Everything the parse stage learned about one file."""

    path: str
    text: str
    documents: list[ParsedDocument] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)


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
    return stream_bytes(raw, path, is_json=is_json, limits=limits).materialize()


def parse_text(text: str, path: str, *, is_json: bool = False, limits: Limits = DEFAULT_LIMITS,
               split: str = KUBECTL) -> ParsedFile:
    """Parse every document of ``text``; a syntax error costs only the document it is in.

    ``split`` names how the tool that applies ``text`` cuts it into documents (:mod:`lintops.splitters`):
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
                for root in yaml.compose_all(piece.text, Loader=_Loader):
                    yield self._document(root, piece.line, piece.text)
            except yaml.YAMLError as exc:
                self.problems.append(_syntax_problem(exc, piece.line))

    def _documents(self) -> Iterator[ParsedDocument]:
        last: tuple[int, int] = (-1, -1)  # where the last document handed out starts
        try:
            for root in yaml.compose_all(self.text, Loader=_Loader):
                start = root.start_mark
                yield self._document(root, 0, self.text)
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
                    for root in yaml.compose_all(chunk, Loader=_Loader):
                        if (root.start_mark.line + offset, root.start_mark.column) > last:
                            yield self._document(root, offset, chunk)
                except yaml.YAMLError as exc:
                    self.problems.append(_syntax_problem(exc, offset))
                    broken = True
            if not broken:  # the pieces parse alone: say what broke the whole
                self.problems.append(_syntax_problem(error, 0))

    def _document(self, root: yaml.Node, line_offset: int, text: str) -> ParsedDocument:
        builder = _Builder(self.limits, line_offset)
        data: Any
        try:
            data = builder.build_document(root)
        except _LimitExceeded as exc:
            self.problems.append(exc.problem)
            data, root = None, None
        self.problems.extend(builder.problems)
        self._count += 1
        return ParsedDocument(self._count - 1, data, root, line_offset, builder.has_nulls, _text=text)


def _syntax_problem(exc: yaml.YAMLError, line_offset: int) -> ParseProblem:
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


class _LimitExceeded(Exception):
    def __init__(self, problem: ParseProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


_int_constructor = yaml.SafeLoader.__new__(yaml.SafeLoader)  # construct_yaml_int/float need no state


class _Builder:
    """Builds plain data from one document's nodes, watching for duplicates and alias expansion.

    An alias composes to the very node it refers to, so a collection met a second time is an alias.
    Only then is its expanded size counted (memoised), which keeps the common case, a document
    without aliases, to one dictionary lookup per collection and none per scalar.
    """

    def __init__(self, limits: Limits, line_offset: int) -> None:
        self.limits = limits
        self.line_offset = line_offset
        self.problems: list[ParseProblem] = []
        self._built: dict[int, Any] = {}
        self._in_progress: set[int] = set()
        self._sizes: dict[int, int] = {}
        self._alias_nodes = 0
        self._depth = 0
        self._heights: dict[int, int] = {}
        self.has_nulls = False

    def build_document(self, root: yaml.Node) -> Any:
        limit = sys.getrecursionlimit()
        if limit < 10_000:
            sys.setrecursionlimit(10_000)  # libyaml caps nesting at 1,000 levels; two frames per level
        try:
            return self._build(root)
        finally:
            sys.setrecursionlimit(limit)

    def _position(self, node: yaml.Node) -> Position:
        return Position(node.start_mark.line + 1 + self.line_offset, node.start_mark.column + 1)

    def _build(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            try:
                value = _scalar(node)
            except _BadScalar as exc:
                return self._bad_scalar(node, exc)
            if value is None:
                self.has_nulls = True
            return value
        key = id(node)
        built = self._built.get(key, _MISSING)
        if built is not _MISSING:  # an alias: the same collection again
            self._alias_nodes += self._size(node)
            if self._alias_nodes > self.limits.max_alias_expansion:
                raise _LimitExceeded(
                    ParseProblem(
                        "yaml-limit",
                        f"aliases expand to more than {self.limits.max_alias_expansion:,} nodes; document not parsed",
                        self._position(node),
                    )
                )
            if self._depth + self._height(node) > self.limits.max_depth:
                raise self._too_deep(node)
            return built
        if key in self._in_progress:
            problem = ParseProblem("yaml-limit", "recursive alias; document not parsed", self._position(node))
            raise _LimitExceeded(problem)
        self._in_progress.add(key)
        self._depth += 1
        if self._depth > self.limits.max_depth:
            raise self._too_deep(node)
        if isinstance(node, yaml.SequenceNode):
            value: Any = [self._build(child) for child in node.value]
            if node.tag != _SEQ:
                self._check_collection_tag(node, _SEQUENCE_TAGS, "sequence")
        else:
            value = self._mapping(node)
            if node.tag != _MAP:
                self._check_collection_tag(node, _MAPPING_TAGS, "mapping")
        self._in_progress.discard(key)
        self._depth -= 1
        self._built[key] = value
        return value

    def _too_deep(self, node: yaml.Node) -> _LimitExceeded:
        return _LimitExceeded(ParseProblem(
            "yaml-limit", f"nesting deeper than {self.limits.max_depth:,} levels; document not parsed",
            self._position(node)))

    def _height(self, node: yaml.Node) -> int:
        """Levels of collections in ``node`` (memoised; asked only of aliased collections)."""
        if isinstance(node, yaml.ScalarNode):
            return 0
        key = id(node)
        height = self._heights.get(key)
        if height is None:
            children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
            height = self._heights[key] = 1 + max((self._height(child) for child in children), default=0)
        return height

    def _bad_scalar(self, node: yaml.ScalarNode, exc: _BadScalar) -> str:
        """Report a scalar its tag cannot hold and keep its text, so the rest of the document is linted."""
        self.problems.append(ParseProblem("yaml-syntax", str(exc), self._position(node)))
        return node.value

    def _check_collection_tag(self, node: yaml.CollectionNode, fitting: frozenset[str], kind: str) -> None:
        """A core tag that names another kind of node (``!!str [a]``, ``!!seq {a: 1}``) cannot be constructed."""
        tag = node.tag
        if tag in fitting:
            if tag in (_OMAP, _PAIRS) and not all(
                isinstance(item, yaml.MappingNode) and len(item.value) == 1 for item in node.value
            ):
                self.problems.append(ParseProblem(
                    "yaml-syntax", f"value tagged {_short(tag)} must be a sequence of one-key mappings",
                    self._position(node)))
        elif tag in _SCALAR_TAGS or tag in _COLLECTION_TAGS:
            self.problems.append(ParseProblem(
                "yaml-syntax", f"value tagged {_short(tag)} is a {kind}; remove the tag or fix the value",
                self._position(node)))

    def _size(self, node: yaml.Node) -> int:
        """Nodes in the expansion of ``node`` (aliases counted as often as they appear)."""
        if isinstance(node, yaml.ScalarNode):
            return 1
        key = id(node)
        size = self._sizes.get(key)
        if size is None:
            children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
            size = 1 + sum(self._size(child) for child in children)
            self._sizes[key] = size
        return size

    def _mapping(self, node: yaml.MappingNode) -> dict[str, Any]:
        result: dict[str, Any] = {}
        seen: dict[str, yaml.Node] = {}
        merged: list[dict[str, Any]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.extend(self._merge_sources(value_node))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(
                    ParseProblem("yaml-syntax", _NON_SCALAR_KEY, self._position(key_node))
                )
                self._build(value_node)
                continue
            name = key_node.value
            if name in seen:
                first = self._position(seen[name])
                self.problems.append(
                    ParseProblem("duplicate-key", f"duplicate key '{name}' (first defined at line {first.line})",
                                 self._position(key_node))
                )
            seen[name] = key_node
            if value_node.__class__ is yaml.ScalarNode:
                try:
                    value = result[name] = _scalar(value_node)
                except _BadScalar as exc:
                    value = result[name] = self._bad_scalar(value_node, exc)
                if value is None:
                    self.has_nulls = True
            else:
                result[name] = self._build(value_node)
        for source in merged:
            for name, value in source.items():
                result.setdefault(name, value)
        return result

    def _merge_sources(self, node: yaml.Node) -> list[dict[str, Any]]:
        nodes = node.value if isinstance(node, yaml.SequenceNode) else [node]
        sources = []
        for item in nodes:
            value = self._build(item)
            if isinstance(value, dict):
                sources.append(value)
            else:
                self.problems.append(
                    ParseProblem("yaml-syntax", "merge key '<<' needs a mapping or a list of mappings",
                                 self._position(item))
                )
        return sources


_MISSING = object()
_NON_SCALAR_KEY = "mapping key is not a scalar (an unrendered {{ }} template?); Kubernetes keys are strings"


def _scalar(node: yaml.ScalarNode) -> Any:
    """The plain value of a scalar; :class:`_BadScalar` when its (explicit) tag cannot hold its text."""
    tag = node.tag
    value = node.value
    if tag == _STR:
        return value
    if tag == _NULL:
        if value in _NULL_WORDS:
            return None
        raise _BadScalar("!!null", "null (~, null or nothing)")
    if tag == _BOOL:
        lowered = value.lower()
        if lowered in _TRUE_WORDS:
            return True
        if lowered in _FALSE_WORDS:
            return False
        raise _BadScalar("!!bool", "boolean (true, false, yes, no, on, off)")
    if tag == _INT:
        try:
            return int(value)
        except ValueError:
            return _slow_int(value)
    if tag == _FLOAT:
        return _float(value)
    if tag == _TIMESTAMP:  # implicit timestamps resolve to strings (see _implicit_tag): this one is explicit
        _check_timestamp(value)
        return value
    if tag == _BINARY:
        _check_base64(value)
        return value
    if tag in _COLLECTION_TAGS:
        raise _BadScalar(_short(tag), _COLLECTION_TAGS[tag], scalar=True)
    return value  # timestamps, binary and custom tags keep their text, as Kubernetes' YAML-to-JSON does


class _BadScalar(Exception):
    """A scalar whose tag cannot hold its text. The message never quotes the text: it may be a secret."""

    def __init__(self, tag: str, expected: str, scalar: bool = False) -> None:
        what = f"is a scalar, not a {expected}" if scalar else f"is not a valid {expected}"
        super().__init__(f"value tagged {tag} {what}; remove the tag or fix the value")


class _TooLarge(_BadScalar):
    def __init__(self, digits: str) -> None:
        Exception.__init__(self, f"integer of {digits} digits is larger than any Kubernetes field holds "
                                 f"(more than {_MAX_INT_DIGITS:,} digits); not read as a number")


_COLLECTION_TAGS = {_MAP: "mapping", _SEQ: "sequence", _SET: "set (a mapping)", _OMAP: "ordered mapping (a sequence)",
                    _PAIRS: "sequence of pairs"}
_SCALAR_TAGS = frozenset({_STR, _NULL, _BOOL, _INT, _FLOAT, _TIMESTAMP, _BINARY})
_MAPPING_TAGS = frozenset({_MAP, _SET})
_SEQUENCE_TAGS = frozenset({_SEQ, _OMAP, _PAIRS})


def _short(tag: str) -> str:
    return "!!" + tag.rsplit(":", 1)[-1]


def _slow_int(value: str) -> int:
    """YAML 1.1 integers that ``int()`` does not read: 0x/0o/0b, 0-prefixed octal, 1_000, sexagesimal."""
    digits = sum(c.isdigit() for c in value)
    if digits > _MAX_INT_DIGITS:
        raise _TooLarge(f"{digits:,}")
    try:
        number = _int_constructor.construct_yaml_int(_text_node(value))
    except (ValueError, IndexError):
        raise _BadScalar("!!int", "integer") from None
    if number.bit_length() > _MAX_INT_BITS:
        raise _TooLarge(f"about {int(number.bit_length() * 0.30103):,}")
    return number


def _float(value: str) -> float:
    try:
        return _int_constructor.construct_yaml_float(_text_node(value))
    except (ValueError, IndexError, OverflowError):
        raise _BadScalar("!!float", "floating-point number") from None


def _check_timestamp(value: str) -> None:
    try:
        _int_constructor.construct_yaml_timestamp(_text_node(value))
    except (ValueError, AttributeError, OverflowError):
        raise _BadScalar("!!timestamp", "timestamp (2001-12-14 or 2001-12-14T21:59:43.10Z)") from None


def _check_base64(value: str) -> None:
    import base64
    import binascii

    try:
        base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        raise _BadScalar("!!binary", "base64 text") from None


def _text_node(value: str) -> yaml.ScalarNode:
    """What PyYAML's scalar constructors read from a node: its text (they check its type too)."""
    return yaml.ScalarNode(_STR, value)


def _implicit_tag(tag: str, value: str) -> str:
    """The tag of an untagged plain scalar, as Kubernetes reads it.

    Timestamps stay strings (so a node tagged ``!!timestamp`` was tagged by its author), and a plain
    scalar that matches YAML 1.1's number patterns but is no number (``0x_``) is a string, as Go's
    YAML decoder reads it; a too long integer keeps its tag, so that it is reported.
    """
    if tag == _TIMESTAMP:
        return _STR
    if tag in (_INT, _FLOAT):
        try:
            _scalar(_TaggedText(tag, value))
        except _TooLarge:
            return tag
        except _BadScalar:
            return _STR
    return tag


class _TaggedText:
    __slots__ = ("tag", "value")

    def __init__(self, tag: str, value: str) -> None:
        self.tag, self.value = tag, value


# -- inline directives ------------------------------------------------------------------------------

_DIRECTIVE = re.compile(r"#\s*lintops:\s*(ignore|ignore-file)\[([^\]]*)\]\s*(.*?)\s*$")


@dataclass(frozen=True)
class Directive:
    """``# lintops: ignore[rule-a,rule-b] reason`` (one line) or ``ignore-file[...]`` (whole file)."""

    scope: str  # "line" | "file"
    rules: tuple[str, ...]
    reason: str
    line: int
    column: int
    #: True when the comment is alone on its line: it then also covers the line below.
    whole_line: bool


def parse_directives(text: str) -> list[Directive]:
    """Every lintops directive in a file's comments (a cheap scan: most files have none)."""
    if "lintops:" not in text:
        return []
    directives = []
    for number, line in enumerate(text.splitlines(), start=1):
        if "lintops:" not in line:
            continue
        match = _DIRECTIVE.search(line)
        if match is None:
            continue
        before = line[: match.start()]
        if before.count('"') % 2 or before.count("'") % 2:
            continue  # inside a quoted string, not a comment
        rules = tuple(r.strip() for r in match.group(2).split(",") if r.strip())
        directives.append(
            Directive(
                scope="file" if match.group(1) == "ignore-file" else "line",
                rules=rules,
                reason=match.group(3),
                line=number,
                column=match.start() + 1,
                whole_line=not before.strip(),
            )
        )
    return directives
