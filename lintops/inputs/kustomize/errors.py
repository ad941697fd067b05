"""A failed ``kustomize build`` as one :class:`RenderProblem`: the root cause first, at the line to edit.

Kustomize reports an error as one long chain about the temporary wrapper and absolute paths, each
step wrapping the next ("accumulating resources: accumulation err='accumulating resources from
'../b3': ... recursed accumulation of path '/tmp/.../b3': ... lstat .../gone.yaml: no such file or
directory"), and ``kubectl kustomize`` puts a timestamp and a process id in front of it. A person needs
the file and the line to fix, the cause, and the same words on every run. So this module

- takes the message out of kubectl's log line (single-line and ``err=<`` block forms) or
  kustomize's ``Error:`` line;
- follows the chain (:func:`.error_chain.peel`): each ``recursed accumulation of path`` step enters a base,
  each ``accumulating resources from 'entry'`` step names the entry of that base's kustomization
  that failed; a failed entry is tried as a file and as a directory, and the attempt that says
  something is kept;
- says the innermost cause in words (:func:`_explain`): a missing file or base, a YAML syntax error
  (at its line in that file), an invalid or unknown kustomization field (at its key), a patch that
  matches no object (at the patch's entry), an object defined twice, an object without ``kind``, a
  component that is a Kustomization, a Helm chart kustomize was asked to inflate without
  ``--enable-helm`` (which lintops passes only for ``helmCharts``, :mod:`.helm_charts`: the entry is
  named, at its line);
- shows every path as reports do, never the temporary wrapper; a message it does not recognise is
  kept with the wrapper's steps removed, kustomize's object ids (``ConfigMap.v1.[noGrp]/web.[noNs]``)
  spelt ``ConfigMap web``, and only absolute paths that name files turned into report paths (a JSON
  pointer such as ``/data/x`` is left alone).

Plugin configurations that kustomize quotes (a Helm chart's ``valuesInline``, a generator's literals)
are never repeated; generator literals and the contents of generator files are masked in what is
kept (:mod:`.secrets`), as kustomize quotes a literal it cannot split, secret or not.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from ...lazy_pattern import lazy
from ...model import Position, join_pointer
from ...parse.stream import parse_bytes, parse_text
from ..files import UNCONFINED
from ..rendered import RenderProblem
from .error_chain import MISSING, Chain, error_text, peel
from .paths import DisplayPaths
from .references import RESOURCE_FIELDS, Kustomization, KustomizationTree, load_kustomization
from .secrets import generator_redactor

_YAML_SYNTAX = lazy(r"MalformedYAMLError: yaml: line (\d+): (.*?) in File: (\S+)", re.S)
_INVALID = lazy(r"invalid Kustomization: (.*)$", re.S)
_UNKNOWN_FIELD = lazy(r'json: unknown field "([^"]+)"')
_YAML_LINE = lazy(r"yaml: line (\d+)")
_NO_MATCH = lazy(r'no resource matches strategic merge patch "([^"]+)"|failed to find unique target for patch '
                       r'(\S+)')
_DUPLICATE = lazy(r"may not add resource with an already registered id: (\S+?)'?$")
_NO_KIND = lazy(r"missing (kind|metadata\.name) in object")
_NOT_COMPONENT = lazy(r"expected kind 'Component' for path '([^']+)' but got '(\w+)'")
_KV_FILES = lazy(r"loading KV pairs: (?:file|env) sources: \[([^\]]*)\]")
#: kustomize's resource id: Kind.version.group/name.namespace (``[noGrp]``, ``[noNs]`` when empty).
_RESOURCE_ID = lazy(r"\b([A-Z][A-Za-z0-9]*)\.(v\d[a-z0-9]*)\.(\[noGrp\]|[a-z0-9.-]+)/([^\s\"']+?)"
                          r"\.(\[noNs\]|[a-z0-9-]+)(?=[\"'\s:;,]|$)")
_ABSOLUTE = lazy(r"(?<![\w.~\]])/[^\s'\"]+")


def build_problem(stderr: str, paths: DisplayPaths, tree: KustomizationTree,
                  cache: dict[Path, Kustomization | None], environment: str, wrapper_dir: Path,
                  reference: str = "") -> RenderProblem:
    """The problem a failed build reports: its cause in words, at the file and entry to edit."""
    text = error_text(stderr) or "kustomize failed without a message"
    chain = peel(text, paths.real_root)
    directory = chain.directory if not chain.directory.is_relative_to(wrapper_dir) else paths.real_root
    kustomization = load_kustomization(directory, cache) or tree.kustomizations[0]
    path, position, cause = _explain(chain, kustomization, paths)
    cause = generator_redactor(tree).redact(cause)  # kustomize quotes the literals it refuses
    cause = _readable(cause, paths, wrapper_dir, reference)
    root = paths.show(paths.real_root)
    where = "" if kustomization.directory == paths.real_root else \
        f", in its {'component' if kustomization.is_component else 'base'} {paths.show(kustomization.directory)}"
    return RenderProblem(paths.show(Path(os.path.realpath(path))), position.line, position.column,
                         f"{cause}; kustomize cannot build {root}{where}", environment)


#: The file, place and words of a cause.
_Explanation = tuple[Path, Position, str]


def _explain(chain: Chain, kustomization: Kustomization, paths: DisplayPaths) -> _Explanation:
    """The file, place and words of the innermost cause: the first explainer that recognises it, else
    kustomize's words at the kustomization's first line."""
    for explainer in _PLUGIN_EXPLAINERS if chain.plugin is not None else _CAUSE_EXPLAINERS:
        found = explainer(chain, kustomization, paths)
        if found is not None:
            return found
    return kustomization.file, _START, chain.cause


_START = Position(1, 1)


def _at_entry(chain: Chain, kustomization: Kustomization) -> Position:
    """Where the entry the chain names is written (else the first line)."""
    at_entry = _entry_position(kustomization, chain.entry) if chain.entry is not None else None
    return at_entry or _START


def _helm_without_inflation(chain: Chain, kustomization: Kustomization, paths: DisplayPaths) -> _Explanation | None:
    if chain.plugin != "HelmChartInflationGenerator" or "--enable-helm" not in chain.cause:
        return None
    index, name = _helm_chart(kustomization, chain.config)
    pointer = join_pointer("/helmCharts", index) if index is not None else "/helmCharts"
    label = f"helmCharts[{index}]" if index is not None else "helmCharts"
    return kustomization.file, kustomization.position(pointer, at_key=index is None), (
        f"{label}{f' {name!r}' if name else ''} is a Helm chart, which kustomize inflates only with "
        f"--enable-helm: lintops does not pass it (kustomize would run helm, which may pull the chart); lint "
        f"the chart as a chart directory, or render the overlay yourself: "
        f"`kustomize build --enable-helm {paths.show(paths.real_root)} | lintops check -`")


def _strategic_merge_patch(chain: Chain, kustomization: Kustomization, paths: DisplayPaths) -> _Explanation | None:
    if chain.plugin != "PatchStrategicMergeTransformer":
        return None
    missing = MISSING.search(chain.cause)
    for index, value in kustomization.items("patchesStrategicMerge"):
        if isinstance(value, str) and missing and Path(missing.group(1)) == kustomization.directory / value:
            return kustomization.file, kustomization.position(join_pointer("/patchesStrategicMerge", index)), (
                f"patchesStrategicMerge entry {value!r} does not exist "
                f"({paths.show(kustomization.directory / value)})")
    return kustomization.file, kustomization.position("/patchesStrategicMerge", at_key=True), chain.cause


def _other_plugin(chain: Chain, kustomization: Kustomization, paths: DisplayPaths) -> _Explanation:
    return kustomization.file, _START, f"{chain.cause} (the {chain.plugin} of {paths.show(kustomization.file)})"


def _missing_entry(chain: Chain, kustomization: Kustomization, paths: DisplayPaths) -> _Explanation | None:
    if chain.entry is None or not MISSING.search(chain.cause):
        return None
    target = kustomization.directory / chain.entry
    what = "base" if target.suffix not in (".yaml", ".yml", ".json") else "file"
    return kustomization.file, _at_entry(chain, kustomization), (
        f"{chain.field or 'resources'} entry {chain.entry!r} does not exist: there is no {what} {paths.show(target)}")


def _missing_generator_file(chain: Chain, kustomization: Kustomization,
                            paths: DisplayPaths) -> _Explanation | None:
    missing = MISSING.search(chain.cause)
    if not (_KV_FILES.search(chain.cause) and missing):
        return None
    found = _generator_entry(kustomization, Path(missing.group(1)))
    if found is None:
        return None
    label, pointer, value = found
    return kustomization.file, kustomization.position(pointer), (
        f"{label} entry {value!r} does not exist ({paths.show(Path(missing.group(1)))})")


def _yaml_syntax(chain: Chain, kustomization: Kustomization, paths: DisplayPaths) -> _Explanation | None:
    syntax = _YAML_SYNTAX.search(chain.cause)
    if not syntax:
        return None
    file = kustomization.directory / syntax.group(3)
    if not file.is_file():
        return None
    position = _syntax_position(file, syntax.group(1)) or Position(int(syntax.group(1)), 1)
    return file, position, (f"YAML syntax error in {paths.show(file)}: {syntax.group(2)} (a resource of "
                            f"{paths.show(kustomization.file)})")


def _invalid_kustomization(chain: Chain, kustomization: Kustomization, paths: DisplayPaths) -> _Explanation | None:
    invalid = _INVALID.search(chain.cause)
    if not invalid:
        return None
    unknown = _UNKNOWN_FIELD.search(invalid.group(1))
    if unknown and unknown.group(1) in kustomization.data:
        return kustomization.file, kustomization.position(join_pointer("", unknown.group(1)), at_key=True), (
            f"unknown field {unknown.group(1)!r} in the kustomization (a misspelt field?)")
    line = _YAML_LINE.search(invalid.group(1))
    position = _syntax_position(kustomization.file, line.group(1) if line else None)
    return kustomization.file, position or _START, f"invalid kustomization: {invalid.group(1)}"


def _patch_matches_nothing(chain: Chain, kustomization: Kustomization, paths: DisplayPaths) -> _Explanation | None:
    no_match = _NO_MATCH.search(chain.cause)
    if not no_match:
        return None
    target = _object_name(no_match.group(1) or no_match.group(2))
    position, label = _patch_entry(kustomization, no_match.group(1) or no_match.group(2))
    return kustomization.file, position or _START, (
        f"{label or 'a patch'} matches no object: there is no {target} among the resources it patches")


def _duplicate_resource(chain: Chain, kustomization: Kustomization, paths: DisplayPaths) -> _Explanation | None:
    duplicate = _DUPLICATE.search(chain.cause)
    if not duplicate or chain.entry is None:
        return None
    return kustomization.file, _at_entry(chain, kustomization), (
        f"resources entry {chain.entry!r} defines {_object_name(duplicate.group(1))}, which another resource of "
        f"{paths.show(kustomization.file)} defines already")


def _object_without_kind(chain: Chain, kustomization: Kustomization, paths: DisplayPaths) -> _Explanation | None:
    no_kind = _NO_KIND.search(chain.cause)
    if not no_kind or chain.entry is None:
        return None
    return kustomization.file, _at_entry(chain, kustomization), (
        f"resources entry {chain.entry!r} holds an object without `{no_kind.group(1)}`")


def _not_a_component(chain: Chain, kustomization: Kustomization, paths: DisplayPaths) -> _Explanation | None:
    component = _NOT_COMPONENT.search(chain.cause)
    if not component:
        return None
    target = Path(component.group(1))
    for index, value in kustomization.items("components"):
        if isinstance(value, str) and Path(os.path.realpath(kustomization.directory / value)) == target:
            return kustomization.file, kustomization.position(join_pointer("/components", index)), (
                f"components entry {value!r} is a {component.group(2)}, not a Component (list it under "
                f"resources, or make it `kind: Component`)")
    return None


def _failing_entry(chain: Chain, kustomization: Kustomization, paths: DisplayPaths) -> _Explanation | None:
    if chain.entry is None:
        return None
    return kustomization.file, _at_entry(chain, kustomization), f"resources entry {chain.entry!r}: {chain.cause}"


def _failing_patch(chain: Chain, kustomization: Kustomization, paths: DisplayPaths) -> _Explanation | None:
    cause = chain.cause
    if "patch" not in cause and "operation does not apply" not in cause:  # a strategic-merge or a JSON 6902 patch
        return None
    position, label = _patch_entry(kustomization, cause)
    return kustomization.file, position or _START, f"{label}: {cause}" if label else cause


_Explainer = Callable[[Chain, Kustomization, DisplayPaths], "_Explanation | None"]

#: How a failure in one of kustomize's plugins (transformers, generators) is explained, in order.
_PLUGIN_EXPLAINERS: tuple[_Explainer, ...] = (_helm_without_inflation, _strategic_merge_patch, _other_plugin)
#: How any other failure is explained, in order: the first that recognises the cause says it.
_CAUSE_EXPLAINERS: tuple[_Explainer, ...] = (
    _missing_entry, _missing_generator_file, _yaml_syntax, _invalid_kustomization, _patch_matches_nothing,
    _duplicate_resource, _object_without_kind, _not_a_component, _failing_entry, _failing_patch,
)


def _readable(text: str, paths: DisplayPaths, wrapper_dir: Path, reference: str) -> str:
    """Paths as reports show them, no temporary directory, kustomize's ids as ``Kind name``."""
    text = _RESOURCE_ID.sub(lambda m: _object_name(m.group(0)), text)
    text = _ABSOLUTE.sub(lambda m: _show_absolute(m.group(0), paths, wrapper_dir), text)
    if reference:
        text = text.replace(f"'{reference}'", f"'{paths.show(paths.real_root)}'")
    return " ".join(text.split())


def _object_name(resource_id: str) -> str:
    """``ConfigMap.v1.[noGrp]/web.[noNs]`` -> ``ConfigMap web`` (``ConfigMap shop/web`` with a namespace)."""
    match = _RESOURCE_ID.search(resource_id)
    if match is None:
        return resource_id
    kind, _, _, name, namespace = match.groups()
    return f"{kind} {name}" if namespace == "[noNs]" else f"{kind} {namespace}/{name}"


def _show_absolute(text: str, paths: DisplayPaths, wrapper_dir: Path) -> str:
    stripped = text.rstrip(":;,.)")
    path = Path(stripped)
    if path.is_relative_to(wrapper_dir):
        shown = paths.show(paths.real_root)
    elif os.path.isabs(stripped) and (os.path.lexists(path) or path.parent.is_dir()):
        shown = paths.show(path)
    else:  # not a file (a JSON pointer, an id): as written
        return text
    return shown + text[len(stripped):]


def _syntax_position(path: Path, line: str | None) -> Position | None:
    try:
        parsed = parse_bytes(UNCONFINED.read_or_raise(path), str(path))
    except OSError:
        return None
    if parsed.problems:
        return parsed.problems[0].position
    return Position(int(line), 1) if line else None


def _entry_position(kustomization: Kustomization, reference: str) -> Position | None:
    for key in RESOURCE_FIELDS:
        for index, entry in kustomization.items(key):
            if entry == reference:
                return kustomization.position(join_pointer(f"/{key}", index))
    return None


def _helm_chart(kustomization: Kustomization, config: str) -> tuple[int | None, str | None]:
    """The ``helmCharts`` entry whose configuration kustomize quoted (by name and release), and its name."""
    documents = parse_text(config, "<config>").documents if config else []
    data = documents[0].data if documents and isinstance(documents[0].data, dict) else {}
    charts = kustomization.items("helmCharts")
    for index, chart in charts:
        if isinstance(chart, dict) and all(chart.get(key) == data.get(key) for key in ("name", "releaseName")):
            return index, chart.get("name") if isinstance(chart.get("name"), str) else None
    if len(charts) == 1 and isinstance(charts[0][1], dict):
        name = charts[0][1].get("name")
        return 0, name if isinstance(name, str) else None
    return None, None


def _generator_entry(kustomization: Kustomization, missing: Path) -> tuple[str, str, str] | None:
    """``(label, pointer, entry)`` of the generator ``files``/``envs``/``env`` entry naming ``missing``."""
    for key in ("configMapGenerator", "secretGenerator"):
        for index, generator in kustomization.items(key):
            if not isinstance(generator, dict):
                continue
            name = generator.get("name")
            label = f"{key} {name!r}" if isinstance(name, str) else f"{key}[{index}]"
            candidates = [("env", join_pointer(f"/{key}", index, "env"), generator.get("env"))]
            for field in ("files", "envs"):
                values = generator.get(field)
                candidates += [(field, join_pointer(f"/{key}", index, field, n), v)
                               for n, v in enumerate(values if isinstance(values, list) else [])]
            for field, pointer, value in candidates:
                if isinstance(value, str) and kustomization.directory / value.split("=", 1)[-1] == missing:
                    return f"{label} {field}", pointer, value.split("=", 1)[-1]
    return None


_PATCH_ID = lazy(r'([A-Za-z0-9]+)\.[^/"\s]*/([^"\s]+)')


def _patch_entry(kustomization: Kustomization, message: str) -> tuple[Position | None, str | None]:
    """Where the patch a build error names (by kustomize id) is listed, and how to call it; else the patches key."""
    match = _PATCH_ID.search(message)
    kind, name = (match.group(1), match.group(2).rsplit(".", 1)[0]) if match else (None, None)
    first: tuple[Position | None, str | None] = (None, None)
    for key in ("patches", "patchesStrategicMerge", "patchesJson6902"):
        if key not in kustomization.data:
            continue
        entries = kustomization.items(key)
        if first == (None, None):
            first = (kustomization.position(f"/{key}", at_key=True), None)
            if len(entries) == 1:  # the only patch: it is the one
                first = (kustomization.position(join_pointer(f"/{key}", 0)), f"{key}[0]{_named(entries[0][1])}")
        for index, entry in entries:
            text = entry.get("patch") or entry.get("path") if isinstance(entry, dict) else entry
            if not isinstance(text, str):
                continue
            if "\n" not in text and (kustomization.directory / text).is_file():
                try:
                    text = UNCONFINED.read_text(kustomization.directory / text, "utf-8")
                except (OSError, UnicodeDecodeError):
                    continue
            for document in parse_text(text, "<patch>").documents:
                data = document.data if isinstance(document.data, dict) else {}
                metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
                if kind and data.get("kind") == kind and metadata.get("name") == name:
                    return kustomization.position(join_pointer(f"/{key}", index)), f"{key}[{index}]{_named(entry)}"
    return first


def _named(entry: object) -> str:
    if isinstance(entry, str) and "\n" not in entry:
        return f" {entry!r}"
    if isinstance(entry, dict) and isinstance(entry.get("path"), str):
        return f" {entry['path']!r}"
    return ""
