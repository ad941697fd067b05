"""Input literals masked out of renderer messages, so that an error quoting a secret never prints it.

helm, kustomize and kubectl quote what they refuse: kustomize repeats a ``secretGenerator`` literal it
cannot split (``invalid literal source password:hunter2``), Helm's ``fail`` and ``required`` print
whatever the template hands them, a template error names the value it choked on. Those messages
become ``render-failed`` findings, which go to every report, to CI artifacts and into baselines. A
renderer therefore collects the literal strings its input feeds in (generator literals and the files
they read, values files, an Application's inline values and parameters) and masks each of them in
every message it hands on, before the message leaves the renderer.

What is masked, and why so:

- every occurrence of a literal, also inside a longer word: a secret glued to other text is still a
  secret, and masking whole words only would let ``tokenhunter2`` through;
- the forms a renderer prints a string in besides its own: JSON / Go ``%q`` escaping (``\\"``,
  ``\\n``), whitespace collapsed to single spaces (Helm's messages are joined into one line here),
  each line of a multi-line value, and the standard base64 form (a Secret's ``data``);
- overlapping occurrences as one masked stretch, so that no tail of one secret survives masking
  another;
- literals shorter than :data:`MIN_LENGTH` are left alone: a two- or three-character value
  (``on``, ``yes``, ``80``, ``web``) is no credential worth the name, and masking every ``80`` or
  ``web`` would mangle the line numbers, paths and words the message needs to be read at all.

Credentials written into an address need no list of literals: :func:`mask_url_credentials` masks the
user-info of any URL (``https://deploy:TOKEN@host/repo.git``) and the value of token-like query
parameters, wherever the address is quoted (a remote ``resources:`` entry that is refused, a Helm
dependency's ``repository``); the render stage applies it to every problem a renderer hands on.

Booleans and nulls are never literals (they print as words every message uses). The cost is paid
only when a renderer fails: values are collected by reference and walked on the first message.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any, TypeVar

from .lazy_pattern import lazy

#: What a masked stretch of a message reads as.
MASK = "[redacted]"
#: Literals shorter than this are not masked (see the module docstring).
MIN_LENGTH = 4
#: How deep values are walked (a values tree deeper than this is a problem reported elsewhere).
_MAX_DEPTH = 200

T = TypeVar("T")

_URL_USERINFO = lazy(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@'\"<>]+@")
_TOKEN_PARAMETER = lazy(
    r"(?i)([?&;](?:[a-z0-9_.-]*(?:token|secret|password|passwd|pwd|key|sig|signature|credential)[a-z0-9_.-]*)=)"
    r"[^&;\s'\"<>]+")


def mask_url_credentials(text: str) -> str:
    """``text`` with the user-info of every URL and the value of token-like query parameters masked."""
    if "@" not in text and "=" not in text:
        return text
    text = _URL_USERINFO.sub(lambda m: f"{m.group(1)}{MASK}@", text)
    return _TOKEN_PARAMETER.sub(lambda m: f"{m.group(1)}{MASK}", text)


def mask_problems(items: list[T]) -> list[T]:
    """Dataclass instances with a ``message`` field, each message with :func:`mask_url_credentials` applied."""
    result = []
    for item in items:
        message = getattr(item, "message", None)
        if isinstance(message, str):
            masked = mask_url_credentials(message)
            if masked != message:
                item = replace(item, message=masked)  # type: ignore[type-var]
        result.append(item)
    return result


class Redactor:
    """Literals to mask, collected from a renderer's inputs; :meth:`redact` masks them in a message."""

    def __init__(self, literals: Iterable[str] = ()) -> None:
        self._literals: set[str] = set()
        self._pending: list[Any] = []
        self._ordered: list[str] | None = None
        for literal in literals:
            self.add(literal)

    def add(self, literal: str) -> None:
        """Mask ``literal`` (and its printed forms) in every message."""
        if isinstance(literal, str) and len(literal.strip()) >= MIN_LENGTH:
            self._literals.add(literal)
            self._ordered = None

    def add_values(self, data: Any) -> None:
        """Mask every string and number leaf of ``data`` (values, an Application's parameters).

        Only a reference is kept; the tree is walked on the first :meth:`redact`, since most renders
        fail never and walking every environment's values would cost them all.
        """
        if data is not None:
            self._pending.append(data)
            self._ordered = None

    def __bool__(self) -> bool:
        return bool(self._literals or self._pending)

    def _forms(self) -> list[str]:
        if self._ordered is None:
            for data in self._pending:
                self._literals.update(text for text in _leaves(data, 0) if len(text.strip()) >= MIN_LENGTH)
            self._pending = []
            forms: set[str] = set()
            for literal in self._literals:
                forms.update(_printed_forms(literal))
            self._ordered = sorted((f for f in forms if len(f) >= MIN_LENGTH), key=len, reverse=True)
        return self._ordered

    def redact(self, text: str) -> str:
        """``text`` with every occurrence of a literal replaced by :data:`MASK`."""
        if not text:
            return text
        forms = self._forms()
        if not forms:
            return text
        spans: list[tuple[int, int]] = []
        for form in forms:
            start = text.find(form)
            while start >= 0:
                spans.append((start, start + len(form)))
                start = text.find(form, start + 1)
        if not spans:
            return text
        spans.sort()
        pieces, position = [], 0
        merged_start, merged_end = spans[0]
        for start, end in spans[1:]:
            if start <= merged_end:
                merged_end = max(merged_end, end)
                continue
            pieces.extend((text[position:merged_start], MASK))
            position, (merged_start, merged_end) = merged_end, (start, end)
        pieces.extend((text[position:merged_start], MASK, text[merged_end:]))
        return "".join(pieces)

    def redact_messages(self, items: list[T]) -> list[T]:
        """Dataclass instances with a ``message`` field (render problems), each message redacted."""
        if not items or not self:
            return items
        result = []
        for item in items:
            message = getattr(item, "message", None)
            if isinstance(message, str):
                redacted = self.redact(message)
                if redacted != message:
                    item = replace(item, message=redacted)  # type: ignore[type-var]
            result.append(item)
        return result


def _leaves(data: Any, depth: int) -> Iterator[str]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(data, str):
        yield data
    elif isinstance(data, bool) or data is None:
        return
    elif isinstance(data, (int, float)):
        try:
            yield str(data)
        except ValueError:  # an integer past the digit limit of str()
            return
    elif isinstance(data, dict):
        for value in data.values():
            yield from _leaves(value, depth + 1)
    elif isinstance(data, (list, tuple)):
        for value in data:
            yield from _leaves(value, depth + 1)


def _printed_forms(literal: str) -> set[str]:
    """``literal`` as the renderers may print it (see the module docstring)."""
    import base64  # only when a render failed
    import json

    forms = {literal, literal.strip(), " ".join(literal.split())}
    escaped = json.dumps(literal, ensure_ascii=False)[1:-1]
    forms.add(escaped)
    if "\n" in literal:
        forms.update(line.strip() for line in literal.splitlines())
    forms.add(base64.b64encode(literal.encode("utf-8", "surrogatepass")).decode("ascii"))
    return {form for form in forms if len(form.strip()) >= MIN_LENGTH}
