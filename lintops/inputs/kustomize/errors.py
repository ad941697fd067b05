"""A failed ``kustomize build`` as one :class:`RenderProblem`: the root cause first, at the line to edit.

Kustomize reports an error as one long chain about the temporary wrapper and absolute paths, each
step wrapping the next ("accumulating resources: accumulation err='accumulating resources from
'../b3': ... recursed accumulation of path '/tmp/.../b3': ... lstat .../gone.yaml: no such file or
directory"), and ``kubectl kustomize`` puts a timestamp and a process id in front of it. A person needs
the file and the line to fix, the cause, and the same words on every run. So this module

- takes the message out of kubectl's log line (single-line and ``err=<`` block forms) or
  kustomize's ``Error:`` line;
- follows the chain (:func:`_peel`): each ``recursed accumulation of path`` step enters a base,
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

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ...model import Position, join_pointer
from ...parse.stream import parse_bytes, parse_text
from ..files import UNCONFINED
from ..rendered import RenderProblem
from .paths import DisplayPaths
from .references import RESOURCE_FIELDS, Kustomization, KustomizationTree, load_kustomization
from .secrets import generator_redactor

_KUBECTL_BLOCK = re.compile(r'"command failed" err=<\n(.*)\n\s*>\s*$', re.S)
_KUBECTL_ERROR = re.compile(r'"command failed" err="(.*)"\s*$', re.S)
_CONFIG_BLOCK = re.compile(r"trouble configuring builtin (\w+) with config: `(.*?)`: ", re.S)

_INTO_BASE = re.compile(r"accumulating resources: accumulation err='(?:accumulating|merging) resources from "
                        r"'([^']*)': '([^']*)' must resolve to a file': "
                        r"(?:recursed accumulation of path|couldn't make target for path) '([^']*)': ")
_ENTRY_BOTH = re.compile(r"accumulating resources: accumulation err='(accumulating|merging) resources from "
                         r"'([^']*)': (.*)': must build at directory: (.*)$", re.S)
_ENTRY_FILE = re.compile(r"accumulating resources: accumulating resources from '([^']*)': (.*)$", re.S)
_TARGET = re.compile(r"couldn't make target for path '([^']*)': (.*)$", re.S)
_COMPONENTS = re.compile(r"accumulating components: accumulateDirectory: (.*)$", re.S)
#: A Component's own failure, quoted by the step above (Go's %q): it continues inside the Component.
_INTO_COMPONENT = re.compile(r"recursed accumulation of path '([^']*)': ")

_MISSING = re.compile(r"evalsymlink failure on '([^']+)' : lstat [^:]+: no such file or directory")
_YAML_SYNTAX = re.compile(r"MalformedYAMLError: yaml: line (\d+): (.*?) in File: (\S+)", re.S)
_INVALID = re.compile(r"invalid Kustomization: (.*)$", re.S)
_UNKNOWN_FIELD = re.compile(r'json: unknown field "([^"]+)"')
_YAML_LINE = re.compile(r"yaml: line (\d+)")
_NO_MATCH = re.compile(r'no resource matches strategic merge patch "([^"]+)"|failed to find unique target for patch '
                       r'(\S+)')
_DUPLICATE = re.compile(r"may not add resource with an already registered id: (\S+?)'?$")
_NO_KIND = re.compile(r"missing (kind|metadata\.name) in object")
_NOT_COMPONENT = re.compile(r"expected kind 'Component' for path '([^']+)' but got '(\w+)'")
_KV_FILES = re.compile(r"loading KV pairs: (?:file|env) sources: \[([^\]]*)\]")
#: kustomize's resource id: Kind.version.group/name.namespace (``[noGrp]``, ``[noNs]`` when empty).
_RESOURCE_ID = re.compile(r"\b([A-Z][A-Za-z0-9]*)\.(v\d[a-z0-9]*)\.(\[noGrp\]|[a-z0-9.-]+)/([^\s\"']+?)"
                          r"\.(\[noNs\]|[a-z0-9-]+)(?=[\"'\s:;,]|$)")
_ABSOLUTE = re.compile(r"(?<![\w.~\]])/[^\s'\"]+")


@dataclass
class _Chain:
    """Where kustomize's message leads: the kustomization that failed, its entry, the innermost cause."""

    directory: Path
    entry: str | None
    field: str | None  # "resources" (an entry kustomize accumulates), "components", None when unknown
    cause: str
    plugin: str | None = None  # a builtin whose configuration failed (HelmChartInflationGenerator, ...)
    config: str = ""


def _error_text(stderr: str) -> str:
    """The error itself, without kubectl's log prefix (a timestamp and a process id) and warnings."""
    lines = [line for line in stderr.strip().splitlines() if line.strip() and not line.startswith("# Warning")]
    text = "\n".join(lines)
    block = _KUBECTL_BLOCK.search(text)
    if block:
        return "\n".join(line[1:] if line.startswith("\t") else line for line in block.group(1).splitlines())
    match = _KUBECTL_ERROR.search(text)
    if match:
        raw = match.group(1)
        try:
            return json.loads(f'"{raw}"')
        except ValueError:
            return raw.replace('\\"', '"')
    return re.sub(r"^Error: ", "", text)


def _peel(text: str, root: Path) -> _Chain:
    """Follow kustomize's chain of steps to the kustomization and entry that failed."""
    directory, entry, field = root, None, None
    plugin, config = None, ""
    configured = _CONFIG_BLOCK.search(text)
    if configured:  # the plugin's configuration (values, literals) is never repeated
        plugin, config = configured.group(1), configured.group(2)
        text = text[:configured.start()] + text[configured.end():]
    while True:
        into = _INTO_BASE.match(text)
        if into:
            directory, entry, field = Path(into.group(3)), None, None
            text = text[into.end():]
            continue
        if plugin is not None and text.startswith(plugin):  # the chain went straight to the plugin
            break
        both = _ENTRY_BOTH.match(text)
        if both:
            entry, field = both.group(2), "resources"
            as_file, as_directory = both.group(3), both.group(4)
            if _MISSING.search(as_file) and _MISSING.search(as_directory):
                text = _MISSING.search(as_file).group(0)
            elif as_directory.endswith("file is not directory") or "must resolve to a file" not in as_file:
                text = as_file
            else:
                text = as_directory
            break
        single = _ENTRY_FILE.match(text)
        if single:
            entry, field, text = single.group(1), "resources", single.group(2)
            break
        target = _TARGET.match(text)
        if target:
            directory, text = Path(target.group(1)), target.group(2)
            break
        components = _COMPONENTS.match(text)
        if components:
            field, text = "components", components.group(1).strip().strip('"')
            inside = _INTO_COMPONENT.match(text)
            if inside:  # the chain goes on inside the Component, quoted once more
                directory, field = Path(inside.group(1)), None
                text = re.sub(r'\\(["\\])', r"\1", text[inside.end():])
                continue
            break
        break
    return _Chain(directory, entry, field, text.strip(), plugin, config)


def build_problem(stderr: str, paths: DisplayPaths, tree: KustomizationTree,
                  cache: dict[Path, Kustomization | None], environment: str, wrapper_dir: Path,
                  reference: str = "") -> RenderProblem:
    """The problem a failed build reports: its cause in words, at the file and entry to edit."""
    text = _error_text(stderr) or "kustomize failed without a message"
    chain = _peel(text, paths.real_root)
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


def _explain(chain: _Chain, kustomization: Kustomization, paths: DisplayPaths) -> tuple[Path, Position, str]:
    """The file, place and words of the innermost cause."""
    cause, entry = chain.cause, chain.entry
    at_entry = _entry_position(kustomization, entry) if entry is not None else None
    start = Position(1, 1)
    show = paths.show

    if chain.plugin == "HelmChartInflationGenerator" and "--enable-helm" in cause:
        index, name = _helm_chart(kustomization, chain.config)
        pointer = join_pointer("/helmCharts", index) if index is not None else "/helmCharts"
        label = f"helmCharts[{index}]" if index is not None else "helmCharts"
        return kustomization.file, kustomization.position(pointer, at_key=index is None), (
            f"{label}{f' {name!r}' if name else ''} is a Helm chart, which kustomize inflates only with "
            f"--enable-helm: lintops does not pass it (kustomize would run helm, which may pull the chart); lint "
            f"the chart as a chart directory, or render the overlay yourself: "
            f"`kustomize build --enable-helm {show(paths.real_root)} | lintops check -`")
    if chain.plugin == "PatchStrategicMergeTransformer":
        missing = _MISSING.search(cause)
        for index, value in kustomization.items("patchesStrategicMerge"):
            if isinstance(value, str) and missing and Path(missing.group(1)) == kustomization.directory / value:
                return kustomization.file, kustomization.position(join_pointer("/patchesStrategicMerge", index)), (
                    f"patchesStrategicMerge entry {value!r} does not exist ({show(kustomization.directory / value)})")
        return kustomization.file, kustomization.position("/patchesStrategicMerge", at_key=True), cause
    if chain.plugin is not None:
        return kustomization.file, start, f"{cause} (the {chain.plugin} of {show(kustomization.file)})"

    missing = _MISSING.search(cause)
    if missing and entry is not None:
        target = kustomization.directory / entry
        what = "base" if target.suffix not in (".yaml", ".yml", ".json") else "file"
        return kustomization.file, at_entry or start, (
            f"{chain.field or 'resources'} entry {entry!r} does not exist: there is no {what} {show(target)}")
    kv = _KV_FILES.search(cause)
    if kv and missing:
        found = _generator_entry(kustomization, Path(missing.group(1)))
        if found is not None:
            label, pointer, value = found
            return kustomization.file, kustomization.position(pointer), (
                f"{label} entry {value!r} does not exist ({show(Path(missing.group(1)))})")
    syntax = _YAML_SYNTAX.search(cause)
    if syntax:
        file = kustomization.directory / syntax.group(3)
        if file.is_file():
            position = _syntax_position(file, syntax.group(1)) or Position(int(syntax.group(1)), 1)
            return file, position, (f"YAML syntax error in {show(file)}: {syntax.group(2)} (a resource of "
                                    f"{show(kustomization.file)})")
    invalid = _INVALID.search(cause)
    if invalid:
        unknown = _UNKNOWN_FIELD.search(invalid.group(1))
        if unknown and unknown.group(1) in kustomization.data:
            return kustomization.file, kustomization.position(join_pointer("", unknown.group(1)), at_key=True), (
                f"unknown field {unknown.group(1)!r} in the kustomization (a misspelt field?)")
        line = _YAML_LINE.search(invalid.group(1))
        position = _syntax_position(kustomization.file, line.group(1) if line else None)
        return kustomization.file, position or start, f"invalid kustomization: {invalid.group(1)}"
    no_match = _NO_MATCH.search(cause)
    if no_match:
        target = _object_name(no_match.group(1) or no_match.group(2))
        position, label = _patch_entry(kustomization, no_match.group(1) or no_match.group(2))
        return kustomization.file, position or start, (
            f"{label or 'a patch'} matches no object: there is no {target} among the resources it patches")
    duplicate = _DUPLICATE.search(cause)
    if duplicate and entry is not None:
        return kustomization.file, at_entry or start, (
            f"resources entry {entry!r} defines {_object_name(duplicate.group(1))}, which another resource of "
            f"{show(kustomization.file)} defines already")
    no_kind = _NO_KIND.search(cause)
    if no_kind and entry is not None:
        return kustomization.file, at_entry or start, (
            f"resources entry {entry!r} holds an object without `{no_kind.group(1)}`")
    component = _NOT_COMPONENT.search(cause)
    if component:
        target = Path(component.group(1))
        for index, value in kustomization.items("components"):
            if isinstance(value, str) and Path(os.path.realpath(kustomization.directory / value)) == target:
                return kustomization.file, kustomization.position(join_pointer("/components", index)), (
                    f"components entry {value!r} is a {component.group(2)}, not a Component (list it under "
                    f"resources, or make it `kind: Component`)")
    if entry is not None:
        return kustomization.file, at_entry or start, f"resources entry {entry!r}: {cause}"
    if "patch" in cause or "operation does not apply" in cause:  # a strategic-merge or a JSON 6902 patch
        position, label = _patch_entry(kustomization, cause)
        return kustomization.file, position or start, f"{label}: {cause}" if label else cause
    return kustomization.file, start, cause


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


_PATCH_ID = re.compile(r'([A-Za-z0-9]+)\.[^/"\s]*/([^"\s]+)')


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
