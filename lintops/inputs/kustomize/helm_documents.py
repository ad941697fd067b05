"""The documents a chart renders, as kustomize will read them, and lintops' origin written into each.

:mod:`.helm_charts` answers kustomize's ``helm template`` with these texts. Each document keeps its
text as Helm rendered it (so kustomize reads exactly what Helm would have printed: no YAML is written
again, which would change scalars YAML 1.1 and 1.2 read differently) with one line added, kustomize's
own origin annotation naming where lintops rendered it (kustomize keeps an origin that is there).
Documents are counted as the parse stage counts them, so that the n-th here is the n-th there.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from ...parse.splitters import split_helm
from .objects import ORIGIN_ANNOTATION

HOOK = "helm.sh/hook"
#: Hook events that make a document a test (Helm 3's ``test``, and Helm 2's ``test-success`` it still reads).
TEST_HOOKS = frozenset({"test", "test-success"})

_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # marks count characters with either


def template_documents(text: str) -> list[tuple[str, yaml.Node | None, int]]:
    """A template's rendered text as Helm splits it (``releaseutil.SplitManifests``): each document's text, its
    node, and how many of the parse stage's documents it stands for (1; for a piece that is no YAML, the
    documents the parse stage read before the error), so that the n-th one here is its n-th."""
    found: list[tuple[str, yaml.Node | None, int]] = []
    for piece in split_helm(text):
        found.extend(documents_of(piece.text))
    return found


def documents_of(text: str) -> list[tuple[str, yaml.Node | None, int]]:
    """Each YAML document of ``text``: its own text, its node (marks into that text), and 1; a text that is
    no YAML is one entry, kept whole, standing for the documents read before the error."""
    roots: list[yaml.Node] = []
    try:
        for root in yaml.compose_all(text, Loader=_COMPOSER):
            roots.append(root)
    except yaml.YAMLError:
        return [(text, None, len(roots))]
    if len(roots) == 1:
        return [(text, roots[0], 1)]
    found: list[tuple[str, yaml.Node | None, int]] = []
    for root in roots:
        piece = text[root.start_mark.index - root.start_mark.column:root.end_mark.index]
        try:
            node = yaml.compose(piece, Loader=_COMPOSER)
        except yaml.YAMLError:
            node = None
        found.append((piece, node, 1))
    return found


def _value(mapping: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(mapping, yaml.MappingNode):
        return None
    for key_node, value_node in mapping.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value_node
    return None


def hook_events(root: yaml.Node) -> set[str] | None:
    """The hook events of a document (``helm.sh/hook``, as Helm reads them), None when it is no hook."""
    annotations = _value(_value(root, "metadata"), "annotations")
    hook = _value(annotations, HOOK)
    if hook is None:
        return None
    text = hook.value if isinstance(hook, yaml.ScalarNode) else ""
    return {event.strip().lower() for event in text.split(",")}


def with_origin(text: str, root: yaml.Node, marker: Path) -> str:
    """``text`` with kustomize's origin annotation set to ``marker``; ``text`` as it is when it cannot be.

    The annotation is written into what is there, in its style: one more line of a block
    ``annotations`` (or an ``annotations`` block before the first key of a block ``metadata``), one
    more entry of a flow mapping (``annotations: {}``, which ``toYaml`` of an empty value prints;
    ``metadata: {name: x}``), the value of an origin the template wrote itself (ours wins), or a
    mapping in place of ``annotations: null``. Nothing else of the text changes. kustomize takes a
    ``kind: *List`` apart into its items, so each item gets the origin instead, ``marker/<index>``.
    """
    kind, items = _value(root, "kind"), _value(root, "items")
    if isinstance(kind, yaml.ScalarNode) and kind.value.endswith("List") and isinstance(items, yaml.SequenceNode):
        for index in reversed(range(len(items.value))):  # the last first: earlier offsets stay where they are
            text = _with_origin(text, items.value[index], marker / str(index))
        return text
    return _with_origin(text, root, marker)


def _with_origin(text: str, root: yaml.Node, marker: Path) -> str:
    metadata = _value(root, "metadata")
    if not isinstance(metadata, yaml.MappingNode):
        return text
    value = json.dumps(f"path: {marker.as_posix()}")
    entry = f"{ORIGIN_ANNOTATION}: {value}"
    annotations = _value(metadata, "annotations")
    existing = _value(annotations, ORIGIN_ANNOTATION)
    if isinstance(existing, yaml.ScalarNode):  # the template wrote one: ours replaces it
        start, end = existing.start_mark.index, existing.end_mark.index
        return text[:start] + value + ("\n" if text[start:end].endswith("\n") else "") + text[end:]
    if existing is not None:
        return text
    if isinstance(annotations, yaml.MappingNode):
        return _into_flow(text, annotations, entry) if annotations.flow_style else _before_first_key(
            text, annotations, f"{entry}\n")
    if isinstance(annotations, yaml.ScalarNode):  # annotations: null (an empty value has no place to write)
        start, end = annotations.start_mark.index, annotations.end_mark.index
        if annotations.tag == "tag:yaml.org,2002:null" and text[start:end].strip() in ("null", "Null", "NULL", "~"):
            return text[:start] + "{" + entry + "}" + text[end:]
        return text
    if annotations is not None:
        return text
    if metadata.flow_style:
        return _into_flow(text, metadata, f"annotations: {{{entry}}}")
    return _before_first_key(text, metadata, f"annotations:\n  {entry}\n", nested=True)


def _into_flow(text: str, mapping: yaml.MappingNode, entry: str) -> str:
    start = mapping.start_mark.index
    if text[start:start + 1] != "{":
        return text
    return text[:start + 1] + entry + (", " if mapping.value else "") + text[start + 1:]


def _before_first_key(text: str, mapping: yaml.MappingNode, lines: str, nested: bool = False) -> str:
    """``lines`` (each indented like the mapping's keys) on their own lines before the mapping's first key."""
    if not mapping.value:
        return text
    first = mapping.value[0][0]
    start = first.start_mark.index - first.start_mark.column
    if text[start:first.start_mark.index].strip(" "):  # the key is not the first thing on its line
        return text
    indent = " " * first.start_mark.column
    written = "".join(f"{indent}{line}\n" for line in lines.splitlines())
    return text[:start] + written + text[start:]
