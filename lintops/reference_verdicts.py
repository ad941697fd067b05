"""What the reference rules share (lintops.checks.dangling_reference, dangling_selector, pdb_eviction): scopes in
words, references resolved a bounded number at a time, and one "not checked" note per scope and kind."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .cross_refs import Fact, Selector, Verdict
from .wording import shorten

FROM = {"ingress": "ref:ingress", "scale": "ref:scale", "pod": "ref:pod"}
WHAT = {"ref:ingress": "the Ingress backend names", "ref:scale": "scaleTargetRef names",
         "ref:pod": "the pod spec names"}


def where(scope: Any) -> str:
    """A lookup or judging scope in words."""
    if scope is None:
        return "the run's plain files"
    if isinstance(scope, tuple) and scope and scope[0] == "dir":
        return f"the directory {scope[1] or '.'}"
    environment = scope[1] if isinstance(scope, tuple) and len(scope) > 1 else None
    return f"the render of environment {environment}" if environment else "this render"


def in_namespace(namespace: str | None) -> str:
    return f" in namespace {shorten(namespace)}" if namespace else ""


#: How many references a resolver unpacks at a time (what it holds at the end of the run is bounded by it).
CHUNK = 4096


def chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def skip(groups: dict[tuple, list[Any]], key: tuple, fact: Fact) -> None:
    """Count a reference not judged; only the first of its group is kept (where the note is reported)."""
    group = groups.get(key)
    if group is None:
        groups[key] = [fact, 1]
    else:
        group[1] += 1


def unchecked(groups: dict[tuple, list[Any]], what: tuple[str, str]) -> Iterator[Verdict]:
    """One suppressed finding per scope and kind of the references not judged, at the first of them."""
    for (judged, kind), (first, count) in groups.items():
        many = f"{count} {what[1]} {kind}s" if count > 1 else f"1 {what[0]} a {kind}"
        yield Verdict(first.site, f"{many} in {where(judged)} not checked: no {kind} of that namespace is part "
                                     "of it", unchecked=f"not checked: no {kind} of that namespace is part of "
                                                        f"{where(judged)}")


def candidates(lookup: Any, fact: Fact) -> tuple[tuple, ...]:
    kind, namespace, name = fact.key
    if namespace is None:
        return ((lookup, "object", kind, "*", name),)
    return ((lookup, "object", kind, namespace, name), (lookup, "object", kind, None, name))


def selector_of(data: dict[str, Any]) -> Selector:
    return Selector.of(data["matchLabels"], data["matchExpressions"])


def described(data: dict[str, Any]) -> str:
    parts = [f"{shorten(k)}={shorten(v)}" for k, v in data["matchLabels"].items()]
    parts += [f"{shorten(k)} {op} ({', '.join(shorten(v) for v in values[:3])})" if values else f"{shorten(k)} {op}"
              for k, op, values in data["matchExpressions"]]
    shown = ", ".join(parts[:4]) + (", ..." if len(parts) > 4 else "")
    return shown or "everything"
