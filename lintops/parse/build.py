"""A document's nodes to plain data, watching for duplicate keys, alias expansion and depth.

Building the data from the nodes ourselves (rather than ``yaml.load``) is what lets the parse stage see
what a loader hides: duplicate keys (Kubernetes' strict decoding rejects them), aliases that expand
without bound and collections nested past :class:`~.limits.Limits`. A scalar its tag cannot hold is a
problem at the node, which keeps its text; a limit exceeded (:class:`LimitExceeded`) costs the document.
"""

from __future__ import annotations

import sys
from typing import Any

import yaml

from ..model import Position
from .documents import ParseProblem
from .limits import Limits
from .scalars import (
    COLLECTION_TAGS,
    MAP,
    MAPPING_TAGS,
    MERGE,
    OMAP,
    PAIRS,
    SCALAR_TAGS,
    SEQ,
    SEQUENCE_TAGS,
    STR,
    BadScalar,
    scalar,
    short_tag,
)


class LimitExceeded(Exception):
    """A limit the document went past: it costs the whole document (its data is not handed on)."""

    def __init__(self, problem: ParseProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class Builder:
    """Builds plain data from one document's nodes, watching for duplicates and alias expansion.

    An alias composes to the very node it refers to, so a collection met a second time is an alias.
    Only then is its expanded size counted (memoised), which keeps a document with aliases to one
    dictionary lookup per collection and none per scalar. A text without ``&`` has no anchor, so no
    alias and no recursion: ``anchors=False`` (what :mod:`.stream` passes for it, the common case)
    skips even that lookup and keeps only the depth count.
    """

    def __init__(self, limits: Limits, line_offset: int, anchors: bool = True) -> None:
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
        # the function, not a bound method: a bound method kept on the instance is a reference cycle,
        # which nothing frees while the engine pauses the cyclic collector (one Builder per document)
        self._collection = type(self)._tracked if anchors else type(self)._contents

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
        if node.__class__ is _SCALAR:
            if node.tag == STR:
                return node.value
            try:
                value = scalar(node)
            except BadScalar as exc:
                return self._bad_scalar(node, exc)
            if value is None:
                self.has_nulls = True
            return value
        return self._collection(self, node)

    def _tracked(self, node: yaml.CollectionNode) -> Any:
        """A collection of a document that may hold aliases: met a second time, it is an alias."""
        key = id(node)
        built = self._built.get(key, _MISSING)
        if built is not _MISSING:  # an alias: the same collection again
            self._alias_nodes += self._size(node)
            if self._alias_nodes > self.limits.max_alias_expansion:
                raise LimitExceeded(
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
            raise LimitExceeded(problem)
        self._in_progress.add(key)
        value = self._contents(node)
        self._in_progress.discard(key)
        self._built[key] = value
        return value

    def _contents(self, node: yaml.CollectionNode) -> Any:
        """A collection's plain value, one level deeper."""
        self._depth += 1
        if self._depth > self.limits.max_depth:
            raise self._too_deep(node)
        if node.__class__ is _SEQUENCE:
            build = self._build
            value: Any = [child.value if child.__class__ is _SCALAR and child.tag == STR else build(child)
                          for child in node.value]
            if node.tag != SEQ:
                self._check_collection_tag(node, SEQUENCE_TAGS, "sequence")
        else:
            value = self._mapping(node)
            if node.tag != MAP:
                self._check_collection_tag(node, MAPPING_TAGS, "mapping")
        self._depth -= 1
        return value

    def _too_deep(self, node: yaml.Node) -> LimitExceeded:
        return LimitExceeded(ParseProblem(
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

    def _bad_scalar(self, node: yaml.ScalarNode, exc: BadScalar) -> str:
        """Report a scalar its tag cannot hold and keep its text, so the rest of the document is linted."""
        self.problems.append(ParseProblem("yaml-syntax", str(exc), self._position(node)))
        return node.value

    def _check_collection_tag(self, node: yaml.CollectionNode, fitting: frozenset[str], kind: str) -> None:
        """A core tag that names another kind of node (``!!str [a]``, ``!!seq {a: 1}``) cannot be constructed."""
        tag = node.tag
        if tag in fitting:
            if tag in (OMAP, PAIRS) and not all(
                isinstance(item, yaml.MappingNode) and len(item.value) == 1 for item in node.value
            ):
                self.problems.append(ParseProblem(
                    "yaml-syntax", f"value tagged {short_tag(tag)} must be a sequence of one-key mappings",
                    self._position(node)))
        elif tag in SCALAR_TAGS or tag in COLLECTION_TAGS:
            self.problems.append(ParseProblem(
                "yaml-syntax", f"value tagged {short_tag(tag)} is a {kind}; remove the tag or fix the value",
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
        merged: list[dict[str, Any]] = []
        for key_node, value_node in node.value:
            if key_node.__class__ is not _SCALAR or key_node.tag == MERGE:
                self._odd_key(key_node, value_node, merged)
                continue
            name = key_node.value
            if name in result:  # only keys of this mapping are in it until the merged ones are added below
                self._duplicate(node, key_node)
            if value_node.__class__ is _SCALAR:
                if value_node.tag == STR:
                    result[name] = value_node.value
                    continue
                try:
                    value = result[name] = scalar(value_node)
                except BadScalar as exc:
                    value = result[name] = self._bad_scalar(value_node, exc)
                if value is None:
                    self.has_nulls = True
            else:
                result[name] = self._build(value_node)
        for source in merged:
            for name, value in source.items():
                result.setdefault(name, value)
        return result

    def _odd_key(self, key_node: yaml.Node, value_node: yaml.Node, merged: list[dict[str, Any]]) -> None:
        """A merge key (its mappings are added to ``merged``) or a key that is no scalar (a problem)."""
        if key_node.tag == MERGE:
            merged.extend(self._merge_sources(value_node))
            return
        self.problems.append(ParseProblem("yaml-syntax", _NON_SCALAR_KEY, self._position(key_node)))
        self._build(value_node)

    def _duplicate(self, node: yaml.MappingNode, key_node: yaml.ScalarNode) -> None:
        """A key written twice in one mapping, reported at each later place with the place before it.

        The place before is looked up only now: duplicates are rare, so the common path keeps no
        record of where each key was.
        """
        name = key_node.value
        first = key_node
        for key, _ in node.value:
            if key is key_node:
                break
            if key.__class__ is _SCALAR and key.tag != MERGE and key.value == name:
                first = key
        self.problems.append(ParseProblem(
            "duplicate-key", f"duplicate key '{name}' (first defined at line {self._position(first).line})",
            self._position(key_node)))

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
_SCALAR = yaml.ScalarNode
_SEQUENCE = yaml.SequenceNode
_NON_SCALAR_KEY = "mapping key is not a scalar (an unrendered {{ }} template?); Kubernetes keys are strings"
