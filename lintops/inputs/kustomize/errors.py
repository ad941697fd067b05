"""A failed ``kustomize build`` as one :class:`RenderProblem` at the entry or file that caused it.

Kustomize reports errors as one long line about the temporary wrapper and absolute paths; a person
needs the file and line to fix. This module strips the wrapper from the message, shows paths as the
report does, and finds the kustomization entry (resource, patch) or the file (a YAML syntax error)
the message is about. Generator literals and the contents of generator files are masked in the
message (:mod:`.secrets`): kustomize quotes a literal it cannot split, secret or not.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from ...model import Position, join_pointer
from ...yaml_source import parse_bytes, parse_text
from ..files import UNCONFINED
from ..rendered import RenderProblem
from .paths import DisplayPaths
from .references import RESOURCE_FIELDS, Kustomization, KustomizationTree, load_kustomization
from .secrets import generator_redactor

_KUBECTL_ERROR = re.compile(r'"command failed" err="(.*)"\s*$', re.S)
_WRAPPER_PREFIX = re.compile(
    r"^accumulating resources: accumulation err='accumulating resources from '[^']*': "
    r"'[^']*' must resolve to a file': (?:recursed accumulation of path '[^']*': )?"
)
_CONTEXT_DIR = re.compile(r"(?:recursed accumulation of path|couldn't make target for path) '([^']+)'")
_ACCUMULATING = re.compile(r"accumulating resources from '([^']+)'")
_IN_FILE = re.compile(r"in File: (\S+)")
_YAML_LINE = re.compile(r"yaml: line (\d+)")
_ABSOLUTE = re.compile(r"(?<![\w.~])/[^\s'\"]+")


def _error_text(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip() and not line.startswith("# Warning")]
    text = "\n".join(lines)
    match = _KUBECTL_ERROR.search(text)
    if match:
        raw = match.group(1)
        try:
            return json.loads(f'"{raw}"')
        except ValueError:
            return raw.replace('\\"', '"')
    return re.sub(r"^Error: ", "", text)


def build_problem(stderr: str, paths: DisplayPaths, tree: KustomizationTree,
                  cache: dict[Path, Kustomization | None], environment: str, wrapper_dir: Path) -> RenderProblem:
    """The problem a failed build reports: kustomize's message, at the file and entry it is about."""
    message = _error_text(stderr) or "kustomize failed without a message"
    contexts = [Path(p) for p in _CONTEXT_DIR.findall(message) if not Path(p).is_relative_to(wrapper_dir)]
    directory = contexts[-1] if contexts else paths.real_root
    kustomization = load_kustomization(directory, cache) or tree.kustomizations[0]
    message = _WRAPPER_PREFIX.sub("", message)
    message = re.sub(rf"^couldn't make target for path '{re.escape(str(paths.real_root))}': ", "", message)
    path, position = kustomization.file, Position(1, 1)
    in_file = _IN_FILE.search(message)
    accumulating = _ACCUMULATING.findall(message)
    if in_file and (kustomization.directory / in_file.group(1)).is_file():
        path = kustomization.directory / in_file.group(1)
        position = _syntax_position(path, message) or Position(1, 1)
    elif "invalid Kustomization" in message:
        position = _syntax_position(kustomization.file, message) or Position(1, 1)
    elif accumulating:
        position = _entry_position(kustomization, accumulating[-1]) or position
    elif "patch" in message:
        position = _patch_entry_position(kustomization, message) or position
    message = generator_redactor(tree).redact(message)  # kustomize quotes the literals it refuses
    message = _ABSOLUTE.sub(lambda m: _show_absolute(m.group(0), paths), message)
    return RenderProblem(paths.show(Path(os.path.realpath(path))), position.line, position.column,
                         f"kustomize build failed: {message}", environment)


_PATCH_ID = re.compile(r'patch "?([A-Za-z0-9]+)\.[^/"\s]*/([^"\s]+)')


def _patch_entry_position(kustomization: Kustomization, message: str) -> Position | None:
    """The entry of the patch a build error names (``Deployment.v1.apps/web.[noNs]``), else the patches key."""
    match = _PATCH_ID.search(message)
    kind, name = (match.group(1), match.group(2).rsplit(".", 1)[0]) if match else (None, None)
    first = None
    for key in ("patches", "patchesStrategicMerge", "patchesJson6902"):
        if key not in kustomization.data:
            continue
        first = first or kustomization.position(f"/{key}", at_key=True)
        for index, entry in kustomization.items(key):
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
                    return kustomization.position(join_pointer(f"/{key}", index))
    return first


def _show_absolute(text: str, paths: DisplayPaths) -> str:
    stripped = text.rstrip(":;,.)")
    shown = paths.show(Path(stripped)) if os.path.isabs(stripped) else stripped
    return shown + text[len(stripped):]


def _syntax_position(path: Path, message: str) -> Position | None:
    try:
        parsed = parse_bytes(UNCONFINED.read_or_raise(path), str(path))
    except OSError:
        return None
    if parsed.problems:
        return parsed.problems[0].position
    line = _YAML_LINE.search(message)
    return Position(int(line.group(1)), 1) if line else None


def _entry_position(kustomization: Kustomization, reference: str) -> Position | None:
    for key in RESOURCE_FIELDS:
        for index, entry in kustomization.items(key):
            if entry == reference:
                return kustomization.position(join_pointer(f"/{key}", index))
    return None
