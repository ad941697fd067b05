"""Where a rendered node came from: the values key that set it, else the template line that writes it.

:class:`_Environment` is the locator the engine asks for each finding's position (the method is told
under "Pointing back" in the package docstring). Its marked renders run only when a finding first
asks, so that an environment without findings costs one render.
"""

from __future__ import annotations

import copy
from typing import Any

from ...model import Located, Location, Locator, join_pointer
from ...parse.documents import ParsedDocument
from ...parse.stream import HELM, parse_text
from ..manifests import LocatorFactory
from .backends import _RenderFailure, _RenderLimit
from .capabilities import Capabilities
from .chart_files import _document
from .context import _Context
from .markers import (
    _BASE64,
    _MAX_GROWTH,
    _MAX_NUMBER_MARKS,
    _STRING_MARK,
    MAX_MARKER_RENDERS,
    _b64,
    _kinds,
    _leaves,
    _markable,
    _marker,
    _number_mark,
)
from .trace import Trace
from .values import Tokens, _get, _Layer, _scalar_text


class _Environment:
    """One environment's render, and (on first need) what each rendered node came from."""

    def __init__(self, context: _Context, name: str | None, user: dict[str, Any], effective: dict[str, Any],
                 layers: list[_Layer], outputs: dict[str, str], capabilities: Capabilities | None = None) -> None:
        self.context = context
        self.name = name
        self.user = user
        self.effective = effective
        self.layers = layers
        self.outputs = outputs
        #: The target this environment is rendered for; its marked renders are for the same one.
        self.capabilities = capabilities
        self._real: dict[str, list[ParsedDocument]] = {}
        self._marked: list[dict[str, str]] | None = None
        self._marked_docs: dict[tuple[int, str], list[ParsedDocument]] = {}
        self._leaves: list[tuple[Tokens, Any]] = []
        self._traces: dict[str, Trace | None] = {}

    def for_target(self, capabilities: Capabilities) -> _Environment:
        """This environment's values, to be rendered for another target (its own outputs and marked renders)."""
        return _Environment(self.context, self.name, self.user, self.effective, self.layers, {}, capabilities)

    # The lazy part: only runs when a finding asks where a node is.

    def _marked_outputs(self) -> list[dict[str, str]]:
        if self._marked is None:
            self._marked = []
            self._leaves = [(t, v) for t, v in _leaves(self.effective) if _markable(v)]
            if len(self._leaves) > _MAX_NUMBER_MARKS:
                self._leaves = [leaf for leaf in self._leaves if isinstance(leaf[1], str)]
            budget = [MAX_MARKER_RENDERS]
            try:
                session = self.context.session()
            except Exception:  # pointing back is best effort; the template is the fallback
                return self._marked
            self._attempt(session, list(range(len(self._leaves))), budget)
        return self._marked

    def _attempt(self, session: Any, indices: list[int], budget: list[int]) -> None:
        """Render with ``indices`` marked; on failure, or when marks changed which objects render, split."""
        if not indices or budget[0] <= 0:
            return
        budget[0] -= 1
        complete = False
        try:
            output = session.render(self._marked_values(indices), self.context.release, self.context.namespace,
                                    self.capabilities)
            if sum(map(len, output.values())) > _MAX_GROWTH * sum(map(len, self.outputs.values())) + 65536:
                raise _RenderFailure("the marked render ran away")
            assert self._marked is not None
            self._marked.append(output)  # still good for the templates whose objects did not change
            complete = _kinds(output) == _kinds(self.outputs)
        except _RenderLimit:  # a marked value made a template run away: no more marked renders here
            budget[0] = 0
            complete = False
        except Exception:  # a leaf the chart cannot take as a marker (it validates it, compares it, ...)
            complete = False
        if not complete and len(indices) > 1:
            middle = len(indices) // 2
            self._attempt(session, indices[:middle], budget)
            self._attempt(session, indices[middle:], budget)

    def _marked_values(self, indices: list[int]) -> dict[str, Any]:
        values = copy.deepcopy(self.effective)
        for index in indices:
            tokens, value = self._leaves[index]
            parent = values
            for token in tokens[:-1]:
                parent = parent[int(token)] if isinstance(parent, list) else parent[token]
            if isinstance(parent, list):
                parent[int(tokens[-1])] = _marker(index, value)
            else:
                parent[tokens[-1]] = _marker(index, value)
        for tokens, value in _leaves(self.user):
            if value is None and tokens:
                found, parent = _get(values, tokens[:-1])
                if found and isinstance(parent, dict) and tokens[-1] not in parent:
                    parent[tokens[-1]] = None  # keeps a key the environment deleted from coming back
        return values

    def _documents(self, key: str) -> list[ParsedDocument]:
        if key not in self._real:
            self._real[key] = parse_text(self.outputs.get(key, ""), key, split=HELM).documents
        return self._real[key]

    def _marked_documents(self, output_index: int, key: str) -> list[ParsedDocument]:
        cache_key = (output_index, key)
        if cache_key not in self._marked_docs:
            text = self._marked_outputs()[output_index].get(key, "")
            self._marked_docs[cache_key] = parse_text(text, key, split=HELM).documents
        return self._marked_docs[cache_key]

    def _ordinal(self, key: str, document: ParsedDocument) -> tuple[str | None, int]:
        documents = self._documents(key)
        kind = document.data.get("kind") if isinstance(document.data, dict) else None
        ordinal = 0
        for other in documents[: document.index]:
            if isinstance(other.data, dict) and other.data.get("kind") == kind:
                ordinal += 1
        return (kind if isinstance(kind, str) else None), ordinal

    def _aligned(self, output_index: int, key: str, document: ParsedDocument, kind: str | None,
                 ordinal: int) -> Any:
        marked = self._marked_documents(output_index, key)
        if len(marked) == len(self._documents(key)) and document.index < len(marked):
            return marked[document.index].data
        same = [d for d in marked if isinstance(d.data, dict) and d.data.get("kind") == kind]
        return same[ordinal].data if ordinal < len(same) else None

    def _rank(self, tokens: Tokens) -> int:
        for rank, layer in enumerate(self.layers):
            if layer.lookup(tokens) is not None:
                return rank
        return len(self.layers)

    def _from_scalar(self, marked: Any, real: Any) -> Tokens | None:
        if isinstance(marked, float) and not isinstance(marked, bool):
            index = _number_mark(marked)
            if index is None or index >= len(self._leaves) or isinstance(self._leaves[index][1], str):
                return None
            tokens, value = self._leaves[index]
            return tokens if _scalar_text(value) == _scalar_text(real) else None
        if not isinstance(marked, str):
            return None
        found = self._string_origin(marked, _scalar_text(real))
        if found is None and _BASE64.fullmatch(marked) and isinstance(real, str):
            found = self._string_origin(_b64(marked), _b64(real))
        return found

    def _string_origin(self, marked: str, real: str) -> Tokens | None:
        marks = [(m, int(m[1])) for m in _STRING_MARK.finditer(marked) if int(m[1]) < len(self._leaves)]
        if not marks:
            return None
        rebuilt = _STRING_MARK.sub(lambda m: _scalar_text(self._leaves[int(m[1])][1])
                                   if int(m[1]) < len(self._leaves) else m[0], marked)
        if rebuilt.lower() != real.lower():
            return None
        best = min(reversed(marks), key=lambda pair: self._rank(self._leaves[pair[1]][0]))
        return self._leaves[best[1]][0]

    def _from_collection(self, marked: Any, real: Any) -> Tokens | None:
        candidate: Tokens | None = None
        for relative, leaf in _leaves(marked):
            index = None
            if isinstance(leaf, str):
                match = _STRING_MARK.fullmatch(leaf)
                index = int(match[1]) if match else None
            elif isinstance(leaf, float):
                index = _number_mark(leaf)
                if index is not None and index < len(self._leaves) and isinstance(self._leaves[index][1], str):
                    index = None
            if index is None or index >= len(self._leaves):
                continue
            tokens = self._leaves[index][0]
            if not relative or tokens[-len(relative):] != relative:
                return None
            prefix = tokens[: len(tokens) - len(relative)]
            if candidate is not None and prefix != candidate:
                return None
            candidate = prefix
        if candidate is None or not _same_shape(self.effective, candidate, real):
            return None
        return candidate

    def origin(self, key: str, document: ParsedDocument, tokens: Tokens, template_ref: Tokens | None) -> Tokens | None:
        """The values key the node at ``tokens`` of a rendered document came from, or None."""
        found, real = _get(document.data, tokens)
        if not found:
            return None
        kind, ordinal = self._ordinal(key, document)
        for output_index in range(len(self._marked_outputs())):
            marked_document = self._aligned(output_index, key, document, kind, ordinal)
            present, marked = _get(marked_document, tokens)
            if not present:
                continue
            result = (self._from_collection(marked, real) if isinstance(marked, (dict, list))
                      else self._from_scalar(marked, real))
            if result is not None:
                return result
        if template_ref is not None and _same_shape(self.effective, template_ref, real):
            return template_ref
        return None

    def values_location(self, tokens: Tokens) -> Location | None:
        for layer in self.layers:
            inner = layer.lookup(tokens)
            if inner is not None:
                return layer.location(inner)
        return None

    def app_version_location(self, key: str, document: ParsedDocument, tokens: Tokens) -> Location | None:
        """``appVersion`` in ``Chart.yaml`` when a rendered string ends with it (``default .Chart.AppVersion``)."""
        chart = self.context.chart
        found, real = _get(document.data, tokens)
        if not found or not isinstance(real, str) or not chart.app_version:
            return None
        if not real.endswith((":" + chart.app_version, "@" + chart.app_version)):
            return None
        kind, ordinal = self._ordinal(key, document)
        for output_index in range(len(self._marked_outputs())):
            present, marked = _get(self._aligned(output_index, key, document, kind, ordinal), tokens)
            if present and isinstance(marked, str) and marked.endswith((":" + chart.app_version,
                                                                        "@" + chart.app_version)):
                chart_document = _document(chart.chart_file)
                if chart_document is None or chart.chart_file is None:
                    return None
                position = chart_document.position("/appVersion")
                return Location(chart.chart_file.path, position.line, position.column)
        return None

    # The locator handed to the engine.

    def locators(self, key: str) -> LocatorFactory:
        def factory(document: ParsedDocument) -> Locator:
            def locate(pointer: str, at_key: bool) -> Located:
                return self._locate(key, document, pointer, at_key)

            return locate

        return factory

    def _locate(self, key: str, document: ParsedDocument, pointer: str, at_key: bool) -> Located:
        template = self.context.template(key)
        tokens = _existing(document.data, pointer)
        try:
            traced = self._traced(key, document, tokens, at_key)
            kind, ordinal = self._ordinal(key, document)
            if traced is not None and traced[2] < len(tokens):
                # below the deepest traced node, the template's indentation is followed only from that node
                parent_line, parent_depth, _ = template.find(kind, ordinal, tokens[: traced[2]], document.data)
                if parent_line == traced[0] and parent_depth == traced[2] and self._items_fit(
                        template, kind, ordinal, tokens, traced[2], document.data):
                    found = template.find(kind, ordinal, tokens, document.data)
                    traced = None if found[1] > traced[2] else traced
            if traced is not None:
                line, column, depth, last_is_key = traced
                template_location = Location(template.path, line + 1, column + 1)
            else:
                line, depth, last_is_key = template.find(kind, ordinal, tokens, document.data)
                exact = depth == len(tokens)
                template_location = template.location(line, at_key, exact and last_is_key)
        except Exception:  # never fail a finding over its position
            return Located(Location(template.path, 1, 1))
        try:
            reference = None
            if last_is_key and depth > 0:
                written = template.values_reference(line)
                if written is not None:
                    reference = (*written, *tokens[depth:])
            location = self.app_version_location(key, document, tokens)
            if location is None:
                values_key = self.origin(key, document, tokens, reference)
                location = self.values_location(values_key) if values_key is not None else None
        except Exception:  # pointing back is best effort; the template is the fallback
            location = None
        if location is None:
            return Located(template_location)
        return Located(location, (template_location,))


    @staticmethod
    def _items_fit(template: Any, kind: str | None, ordinal: int, tokens: Tokens, depth: int, data: Any) -> bool:
        """Whether each list item the template's indentation takes below ``depth`` fits the rendered item
        by its written first key (an item by its index alone may be another one: an ``if`` dropped some)."""
        for index in range(depth, len(tokens)):
            if tokens[index].isdigit():
                line, found_depth, _ = template.find(kind, ordinal, tokens[: index + 1], data)
                present, item = _get(data, tokens[: index + 1])
                if found_depth != index + 1 or not present or not template._item_matches(line, item):
                    return False
        return True

    def _trace(self, key: str) -> Trace | None:
        if key not in self._traces:
            lines = self.context.template(key).lines
            text = self.outputs.get(key)
            self._traces[key] = Trace("\n".join(lines), text) if lines and text is not None else None
        return self._traces[key]

    def _traced(self, key: str, document: ParsedDocument, tokens: Tokens,
                at_key: bool) -> tuple[int, int, int, bool] | None:
        """``(line, column, depth, last_is_key)`` of the template text that wrote the node at ``tokens``,
        else of its nearest parent so written (:mod:`.trace`); None when not even the object's start is.

        Positions are read in this environment's own parse of the rendered text, the one ``document`` is a
        document of (a caller's copy of that text parses alike; one that differs is not traced)."""
        documents = self._documents(key)
        if document.index >= len(documents) or not (documents[document.index] is document
                                                    or documents[document.index].data == document.data):
            return None
        trace = self._trace(key)
        if trace is None or not trace.usable:
            return None
        rendered = documents[document.index]
        for depth in range(len(tokens), -1, -1):
            found, parent = _get(document.data, tokens[: depth - 1]) if depth else (False, None)
            keyed = found and isinstance(parent, dict)
            pointer = join_pointer("", *tokens[:depth])
            position = rendered.position(pointer, at_key if depth == len(tokens) else True)
            answer = trace.locate(position.line - 1, position.column - 1)
            if answer is not None and answer[1] and keyed and isinstance(_get(document.data, tokens[:depth])[1],
                                                                          (dict, list)):
                # a block an action printed (``resources:`` then ``toYaml``) is reported at its key, as in a file
                key_position = rendered.position(pointer, True)
                answer = trace.locate(key_position.line - 1, key_position.column - 1) or answer
            if answer is not None:
                line, column = trace.position(answer[0])
                return line, column, depth, keyed
        return None


def _existing(data: Any, pointer: str) -> Tokens:
    """The tokens of ``pointer`` that exist in ``data`` (the node, or its nearest existing parent)."""
    from ...model import iter_pointer_tokens

    tokens: list[str] = []
    for token in iter_pointer_tokens(pointer):
        found, value = _get(data, [token])
        if not found:
            break
        tokens.append(token)
        data = value
    return tuple(tokens)


def _same_shape(values: Any, tokens: Tokens, real: Any) -> bool:
    found, value = _get(values, tokens)
    if not found:
        return False
    if isinstance(real, dict):
        return isinstance(value, dict) and set(value) == set(real)
    if isinstance(real, list):
        return isinstance(value, list) and len(value) == len(real)
    if isinstance(value, (dict, list)):
        return False
    return _scalar_text(value).lower() == _scalar_text(real).lower()
