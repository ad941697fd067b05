"""Kustomize overlays: render each root and point every rendered node back at the file that set it.

Roots
    The roots are the kustomizations that no other kustomization of the linted tree refers to (the
    overlays); a base is linted only through the overlays that use it, in each overlay's form. A
    ``kind: Component`` is never a root (it only means something inside a kustomization). Configured
    roots replace the detection. Kustomizations that only refer to each other in a cycle are roots
    too, so that kustomize reports the cycle instead of the files going unlinted.

How a root is rendered
    ``kustomize build`` when ``kustomize`` is on ``PATH``, else ``kubectl kustomize`` (kustomize is
    built into kubectl). Neither on ``PATH`` is a :class:`RenderProblem` (a ``render-failed``
    finding), never a silent pass.

    The origin of every object comes from kustomize itself: ``buildMetadata: [originAnnotations]``
    makes it annotate each object with ``config.kubernetes.io/origin`` (``path:`` of the file that
    defined it; ``configuredIn:`` and ``configuredBy:`` for generated objects). The user's
    kustomization is never modified: a wrapper kustomization is written into a new temporary
    directory (``tempfile``, outside the repository) and lists the root as its only resource. What was
    checked with kustomize v5.5 (``kubectl kustomize``):

    - An absolute path in the wrapper's ``resources:`` fails ("new root ... cannot be absolute"),
      with or without ``--load-restrictor LoadRestrictionsNone``. A relative path from the temporary
      directory to the root works, however far up it climbs (``../../home/me/repo/overlays/prod``).
    - The wrapper refers to a *directory*; kustomize always lets a kustomization load another
      kustomization directory, whatever the load restrictor. So no ``--load-restrictor`` flag is
      passed and the user's kustomizations keep the default restriction (a file outside a
      kustomization's root still fails, as it will for ``kustomize build`` in CI or in ArgoCD).
    - The origin ``path:`` is the lexical join of the references, relative to the wrapper's
      directory (``../../home/me/repo/base/deployment.yaml``); joined to the wrapper's real directory
      and normalised it is the file's real path. When no relative path exists (another drive on
      Windows) the wrapper uses a symbolic link named like the root, inside the temporary directory:
      kustomize follows it, and since the origin paths stay lexical (``prod/../../base/x.yaml``
      cleaned to ``../base/x.yaml``), they resolve against the root's real parent directory.
    - Nothing is written into the linted tree; kustomize writes nothing either, as long as Helm
      inflation (``--enable-helm``) and plugins (``--enable-alpha-plugins``) stay off, which they do:
      a kustomization that needs them fails to render and is reported.

    Rendering runs without network access: a remote base (``github.com/org/repo//dir?ref=v1``, an
    ``https://`` file) is reported as a problem at its entry instead of being fetched, and the build
    runs with the proxy variables pointing at a closed local port, so that nothing can leak out.

Mapping back
    One :class:`RenderedSource` per origin file: the rendered objects that came from that file, with
    the origin annotation removed from the text (and an ``annotations:`` left empty by that), so that
    rules never see it. A node of a rendered object is located, in this order: at the overlay patch
    that set it (a strategic-merge or JSON 6902 patch, in a file or inline in a kustomization, whose
    value is the rendered one); at the node in the origin file (lists are matched by their merge keys,
    ``name`` first, not by index, since patches may add items); at the kustomization field that set
    it (``images:``, ``replicas:``, ``namespace:``, ``labels``/``commonLabels``,
    ``commonAnnotations``); else at the nearest parent that exists in one of those files, or at the
    object's first line. The object in the origin file is matched by kind and by its original name:
    ``namePrefix``, ``nameSuffix`` and ``namespace`` change the rendered name, so the original name is
    the one contained in the rendered name. Every location carries the root's kustomization file as a
    related location, and the source's ``environment`` is the overlay (its directory name unless
    given).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..model import Located, Location, Locator, Position, Source, iter_pointer_tokens, join_pointer
from ..yaml_source import ParsedDocument, ParsedFile, parse_bytes, parse_text
from .rendered import RenderedSource, RenderProblem, RenderResult

log = logging.getLogger(__name__)

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
ORIGIN_ANNOTATION = "config.kubernetes.io/origin"
#: Seconds one ``kustomize build`` may take before it is reported as failed.
RENDER_TIMEOUT = 300

_RESOURCE_FIELDS = ("resources", "bases", "components")
_FILE_LIST_FIELDS = ("configurations", "crds", "transformers", "generators", "validators")
_BLOCKED_PROXY = "http://127.0.0.1:9"
#: Keys that identify an item of a Kubernetes list when patches merge lists (strategic merge keys).
_MERGE_KEYS = ("name", "mountPath", "devicePath", "containerPort", "port", "ip", "topologyKey", "type")
_CONTAINER_LISTS = frozenset({"containers", "initContainers", "ephemeralContainers"})


# -- the kustomization files -----------------------------------------------------------------------

def kustomization_file(directory: Path) -> Path | None:
    """The kustomization file of ``directory`` (the first of :data:`KUSTOMIZATION_NAMES`), if any."""
    for name in KUSTOMIZATION_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


@dataclass(eq=False)
class _Kustomization:
    directory: Path  # real path
    file: Path  # real path
    parsed: ParsedFile
    data: dict[str, Any]

    @property
    def document(self) -> ParsedDocument | None:
        return self.parsed.documents[0] if self.parsed.documents else None

    @property
    def is_component(self) -> bool:
        return self.data.get("kind") == "Component"

    def items(self, key: str) -> list[tuple[int, Any]]:
        value = self.data.get(key)
        return list(enumerate(value)) if isinstance(value, list) else []

    def position(self, pointer: str, at_key: bool = False) -> Position:
        document = self.document
        return document.position(pointer, at_key) if document is not None else Position(1, 1)


def _load(directory: Path, cache: dict[Path, _Kustomization | None]) -> _Kustomization | None:
    directory = Path(os.path.realpath(directory))
    if directory in cache:
        return cache[directory]
    found = kustomization_file(directory)
    result = None
    if found is not None:
        try:
            parsed = parse_bytes(found.read_bytes(), str(found))
        except OSError:
            parsed = None
        if parsed is not None:
            data = parsed.documents[0].data if parsed.documents else None
            result = _Kustomization(directory, Path(os.path.realpath(found)), parsed,
                                    data if isinstance(data, dict) else {})
    cache[directory] = result
    return result


_GIT_HOSTS = frozenset({"github.com", "gitlab.com", "bitbucket.org", "dev.azure.com", "ssh.dev.azure.com"})


def _looks_remote(entry: str) -> bool:
    """A URL, a git address or a kustomize remote target (``host/org/repo//dir?ref=v1``)."""
    if "://" in entry or entry.startswith("git@") or "?ref=" in entry or "?version=" in entry:
        return True
    first = entry.split("/", 1)[0]
    return first in _GIT_HOSTS or ("//" in entry and "." in first and not first.startswith("."))


@dataclass
class _Tree:
    """Every kustomization a root pulls in, the root first (breadth first), and its remote entries."""

    kustomizations: list[_Kustomization] = field(default_factory=list)
    remote: list[tuple[_Kustomization, str, int, str]] = field(default_factory=list)


def _walk(root: Path, cache: dict[Path, _Kustomization | None] | None = None) -> _Tree:
    cache = {} if cache is None else cache
    tree = _Tree()
    first = _load(root, cache)
    queue = [first] if first is not None else []
    seen = {first.directory} if first is not None else set()
    while queue:
        current = queue.pop(0)
        tree.kustomizations.append(current)
        for key in _RESOURCE_FIELDS:
            for index, entry in current.items(key):
                if not isinstance(entry, str):
                    continue
                target = current.directory / entry
                if target.is_dir():
                    child = _load(target, cache)
                    if child is not None and child.directory not in seen:
                        seen.add(child.directory)
                        queue.append(child)
                elif not target.exists() and _looks_remote(entry):
                    tree.remote.append((current, key, index, entry))
    return tree


def find_roots(kustomization_dirs: Iterable[Path], configured: Iterable[Path] = ()) -> list[Path]:
    """The directories to render: the configured roots, else the overlays among ``kustomization_dirs``.

    An overlay is a kustomization that no other kustomization of the set refers to (through
    ``resources``, ``bases`` or ``components``). Components are never roots. The paths are returned
    as given, in sorted order.
    """
    configured = list(dict.fromkeys(configured))
    if configured:
        return sorted(configured, key=lambda p: p.as_posix())
    cache: dict[Path, _Kustomization | None] = {}
    given: dict[Path, Path] = {}
    for directory in kustomization_dirs:
        given.setdefault(Path(os.path.realpath(directory)), directory)
    referenced: set[Path] = set()
    loaded = {real: _load(real, cache) for real in given}
    for real, kustomization in loaded.items():
        if kustomization is None:
            continue
        for key in _RESOURCE_FIELDS:
            for _, entry in kustomization.items(key):
                if isinstance(entry, str) and (real / entry).is_dir():
                    target = Path(os.path.realpath(real / entry))
                    if target != real:
                        referenced.add(target)
    candidates = [real for real, k in loaded.items() if k is not None and not k.is_component]
    roots = [real for real in candidates if real not in referenced]
    reached: set[Path] = set()
    for root in roots:
        reached.update(k.directory for k in _walk(root, cache).kustomizations)
    for real in sorted(candidates):  # cycles: nobody is unreferenced, render them anyway
        if real not in reached:
            roots.append(real)
            reached.update(k.directory for k in _walk(real, cache).kustomizations)
    return sorted((given[real] for real in roots), key=lambda p: p.as_posix())


def referenced_files(root: Path) -> set[Path]:
    """Every file ``root`` pulls in (kustomization files, resources, patches, generator sources, ...).

    Bases and components are followed recursively. Paths are absolute and resolved (``Path.resolve``);
    remote entries and inline patches are not files and are left out.
    """
    files: set[Path] = set()

    def add(directory: Path, entry: Any) -> None:
        if isinstance(entry, str) and entry and "\n" not in entry:
            path = directory / entry
            if path.is_file():
                files.add(path.resolve())

    for kustomization in _walk(root).kustomizations:
        directory = kustomization.directory
        files.add(kustomization.file.resolve())
        for key in (*_RESOURCE_FIELDS, *_FILE_LIST_FIELDS, "patchesStrategicMerge"):
            for _, entry in kustomization.items(key):
                add(directory, entry)
        for key in ("patches", "patchesJson6902", "replacements"):
            for _, entry in kustomization.items(key):
                if isinstance(entry, dict):
                    add(directory, entry.get("path"))
        for key in ("configMapGenerator", "secretGenerator"):
            for _, entry in kustomization.items(key):
                if not isinstance(entry, dict):
                    continue
                for source in entry.get("files") or []:
                    if isinstance(source, str):
                        add(directory, source.split("=", 1)[-1])
                for source in entry.get("envs") or []:
                    add(directory, source)
                add(directory, entry.get("env"))
        for _, entry in kustomization.items("helmCharts"):
            if isinstance(entry, dict):
                add(directory, entry.get("valuesFile"))
        openapi = kustomization.data.get("openapi")
        if isinstance(openapi, dict):
            add(directory, openapi.get("path"))
    return files


# -- rendering -------------------------------------------------------------------------------------

def _command() -> list[str] | None:
    kustomize = shutil.which("kustomize")
    if kustomize:
        return [kustomize, "build"]
    kubectl = shutil.which("kubectl")
    if kubectl:
        return [kubectl, "kustomize"]
    return None


def _offline_environment() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env[name] = _BLOCKED_PROXY
    env["NO_PROXY"] = env["no_proxy"] = ""
    env["GIT_TERMINAL_PROMPT"] = "0"
    return env


def image_override(spec: str | dict[str, Any]) -> dict[str, Any]:
    """An ArgoCD ``kustomize.images`` entry (``[name=]image[:tag][@digest]``) as a kustomize ``images:`` entry."""
    if isinstance(spec, dict):
        return dict(spec)
    name, _, new = spec.rpartition("=") if "=" in spec else ("", "", spec)
    entry: dict[str, Any] = {}
    if "@" in new:
        new, entry["digest"] = new.split("@", 1)
    colon = new.rfind(":")
    if colon > new.rfind("/"):
        new, entry["newTag"] = new[:colon], new[colon + 1:]
    if not name:
        return {"name": new, **entry}
    return {"name": name, **({"newName": new} if new else {}), **entry}


class _Paths:
    """Real paths (what kustomize reports) to the paths reports show."""

    def __init__(self, root: Path, display: Callable[[Path], str]) -> None:
        self.logical_root = Path(os.path.abspath(root))
        self.real_root = Path(os.path.realpath(root))
        self._display = display

    def logical(self, real: Path) -> Path:
        if self.logical_root == self.real_root:
            return real
        try:
            candidate = Path(os.path.normpath(self.logical_root / os.path.relpath(real, self.real_root)))
            if candidate.exists() and os.path.samefile(candidate, real):
                return candidate
        except (ValueError, OSError):
            pass
        return real

    def show(self, real: Path) -> str:
        return self._display(self.logical(real))


def render_kustomization(root: Path, *, display: Callable[[Path], str], environment: str | None = None,
                         images: list | None = None) -> RenderResult:
    """Render the kustomization at ``root``; each object knows the file and node that defined it.

    ``display`` turns an absolute path into the path reports show; ``environment`` defaults to the
    root's directory name; ``images`` are overrides applied on top (ArgoCD's ``kustomize.images``,
    strings or kustomize ``images:`` entries).
    """
    return _render(root, display=display, environment=environment, images=images, symlink=False)


def _render(root: Path, *, display: Callable[[Path], str], environment: str | None, images: list | None,
            symlink: bool) -> RenderResult:
    paths = _Paths(root, display)
    environment = environment or paths.logical_root.name
    result = RenderResult()
    cache: dict[Path, _Kustomization | None] = {}
    tree = _walk(paths.real_root, cache)
    if not tree.kustomizations:
        result.problems.append(RenderProblem(
            paths.show(paths.real_root), 1, 1,
            f"no kustomization file ({', '.join(KUSTOMIZATION_NAMES)}) in {paths.show(paths.real_root)}",
            environment))
        return result
    top = tree.kustomizations[0]
    top_display = paths.show(top.file)
    command = _command()
    if command is None:
        result.problems.append(RenderProblem(
            top_display, 1, 1,
            f"cannot render the Kustomize overlay {paths.show(paths.real_root)}: neither `kustomize` nor `kubectl` "
            f"is on PATH. Install kustomize (or kubectl, which includes it), or render it yourself and lint the "
            f"output: `kustomize build {paths.show(paths.real_root)} | lintops check -`",
            environment))
        return result
    for kustomization, key, index, entry in tree.remote:
        position = kustomization.position(join_pointer(f"/{key}", index))
        result.problems.append(RenderProblem(
            paths.show(kustomization.file), position.line, position.column,
            f"remote {key} entry {entry!r} is not rendered: lintops renders without network access; vendor it "
            f"into the repository, or lint the rendered output (`kustomize build {paths.show(paths.real_root)} "
            f"| lintops check -`)",
            environment))
    if tree.remote:
        return result

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lintops-kustomize-") as temporary:
        wrapper_dir = Path(os.path.realpath(temporary))
        reference, origin_base = _reference(wrapper_dir, paths.real_root, symlink)
        wrapper: dict[str, Any] = {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": [reference],
            "buildMetadata": ["originAnnotations"],
        }
        if images:
            wrapper["images"] = [image_override(spec) for spec in images]
        (wrapper_dir / "kustomization.yaml").write_text(yaml.safe_dump(wrapper, sort_keys=False))
        try:
            completed = subprocess.run([*command, str(wrapper_dir)], cwd=wrapper_dir, capture_output=True, text=True,
                                       env=_offline_environment(), timeout=RENDER_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            result.problems.append(RenderProblem(
                top_display, 1, 1, f"`{Path(command[0]).name} {command[1]}` did not finish within {RENDER_TIMEOUT} s",
                environment))
            return result
        except OSError as exc:
            result.problems.append(RenderProblem(top_display, 1, 1, f"cannot run {command[0]}: {exc}", environment))
            return result
    log.debug("rendered %s in %.3f s", paths.show(paths.real_root), time.perf_counter() - started)
    if completed.returncode != 0:
        result.problems.append(_build_problem(completed.stderr or completed.stdout, paths, tree, cache, environment,
                                              wrapper_dir))
        return result
    result.sources.extend(_sources(completed.stdout, origin_base, paths, tree, cache, environment))
    return result


def _reference(wrapper_dir: Path, real_root: Path, symlink: bool) -> tuple[str, Path]:
    """How the wrapper names the root, and the directory the origin paths are relative to."""
    if not symlink:
        try:
            return Path(os.path.relpath(real_root, wrapper_dir)).as_posix(), wrapper_dir
        except ValueError:  # another drive on Windows
            pass
    link = wrapper_dir / (real_root.name or "root")
    link.symlink_to(real_root, target_is_directory=True)
    return link.name, real_root.parent


# -- build errors ----------------------------------------------------------------------------------

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


def _build_problem(stderr: str, paths: _Paths, tree: _Tree, cache: dict[Path, _Kustomization | None],
                   environment: str, wrapper_dir: Path) -> RenderProblem:
    message = _error_text(stderr) or "kustomize failed without a message"
    contexts = [Path(p) for p in _CONTEXT_DIR.findall(message) if not Path(p).is_relative_to(wrapper_dir)]
    directory = contexts[-1] if contexts else paths.real_root
    kustomization = _load(directory, cache) or tree.kustomizations[0]
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
    message = _ABSOLUTE.sub(lambda m: _show_absolute(m.group(0), paths), message)
    return RenderProblem(paths.show(Path(os.path.realpath(path))), position.line, position.column,
                         f"kustomize build failed: {message}", environment)


_PATCH_ID = re.compile(r'patch "?([A-Za-z0-9]+)\.[^/"\s]*/([^"\s]+)')


def _patch_entry_position(kustomization: _Kustomization, message: str) -> Position | None:
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
                    text = (kustomization.directory / text).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue
            for document in parse_text(text, "<patch>").documents:
                data = document.data if isinstance(document.data, dict) else {}
                metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
                if kind and data.get("kind") == kind and metadata.get("name") == name:
                    return kustomization.position(join_pointer(f"/{key}", index))
    return first


def _show_absolute(text: str, paths: _Paths) -> str:
    stripped = text.rstrip(":;,.)")
    shown = paths.show(Path(stripped)) if os.path.isabs(stripped) else stripped
    return shown + text[len(stripped):]


def _syntax_position(path: Path, message: str) -> Position | None:
    try:
        parsed = parse_bytes(path.read_bytes(), str(path))
    except OSError:
        return None
    if parsed.problems:
        return parsed.problems[0].position
    line = _YAML_LINE.search(message)
    return Position(int(line.group(1)), 1) if line else None


def _entry_position(kustomization: _Kustomization, reference: str) -> Position | None:
    for key in _RESOURCE_FIELDS:
        for index, entry in kustomization.items(key):
            if entry == reference:
                return kustomization.position(join_pointer(f"/{key}", index))
    return None


# -- rendered output to sources --------------------------------------------------------------------

@dataclass(eq=False)
class _Object:
    data: dict[str, Any]
    text: str
    kind: str | None
    name: str | None
    namespace: str | None
    origin: Path | None = None  # real path of the file that defined the object
    generator: tuple[_Kustomization, str] | None = None  # kustomization and the field of its generator


def _sources(stdout: str, origin_base: Path, paths: _Paths, tree: _Tree,
             cache: dict[Path, _Kustomization | None], environment: str) -> list[RenderedSource]:
    parsed = parse_text(stdout, "<kustomize build>")
    lines = stdout.splitlines(keepends=True)
    groups: dict[Path, list[_Object]] = {}
    for document in parsed.documents:
        if not isinstance(document.data, dict) or document.root is None:
            continue
        obj = _object(document, lines, origin_base, cache)
        groups.setdefault(obj.origin or tree.kustomizations[0].file, []).append(obj)
    context = _Context(paths, tree, environment)
    sources = []
    for origin, objects in groups.items():
        text = "---\n".join(obj.text for obj in objects)
        sources.append(RenderedSource(
            text=text,
            source=Source(path=paths.show(origin), origin="kustomize", environment=environment),
            locators=context.factory(origin, objects),
        ))
    return sources


def _object(document: ParsedDocument, lines: list[str], origin_base: Path,
            cache: dict[Path, _Kustomization | None]) -> _Object:
    data: dict[str, Any] = document.data
    root = document.root
    assert root is not None
    start = root.start_mark.line
    end = root.end_mark.line + (1 if root.end_mark.column else 0)
    removed: tuple[int, int] | None = None
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    annotations = metadata.get("annotations") if isinstance(metadata.get("annotations"), dict) else {}
    origin_text = annotations.get(ORIGIN_ANNOTATION)
    annotations_node = _node(root, ["metadata", "annotations"])
    if origin_text is not None and isinstance(annotations_node, yaml.MappingNode) and not annotations_node.flow_style:
        for key_node, value_node in annotations_node.value:
            if key_node.value == ORIGIN_ANNOTATION:
                first = key_node.start_mark.line
                last = value_node.end_mark.line + (1 if value_node.end_mark.column else 0)
                if len(annotations_node.value) == 1:
                    parent = _key_node(root, ["metadata", "annotations"])
                    first = parent.start_mark.line if parent is not None else first
                removed = (first, last)
    text = "".join(line for number, line in enumerate(lines[start:end], start)
                   if removed is None or not removed[0] <= number < removed[1])
    if not text.endswith("\n"):
        text += "\n"
    if origin_text is not None:
        annotations = {k: v for k, v in annotations.items() if k != ORIGIN_ANNOTATION}
        metadata = {**metadata, "annotations": annotations} if annotations else \
            {k: v for k, v in metadata.items() if k != "annotations"}
        data = {**data, "metadata": metadata}
        if removed is None:  # an unexpected layout: write the object again rather than lint the annotation
            text = yaml.safe_dump(data, sort_keys=False)
    name = metadata.get("name")
    namespace = metadata.get("namespace")
    obj = _Object(data, text, data.get("kind") if isinstance(data.get("kind"), str) else None,
                  name if isinstance(name, str) else None, namespace if isinstance(namespace, str) else None)
    try:
        origin = yaml.safe_load(origin_text) if isinstance(origin_text, str) else None
    except yaml.YAMLError:
        origin = None
    if isinstance(origin, dict):
        if isinstance(origin.get("path"), str) and not origin.get("repo"):
            obj.origin = Path(os.path.normpath(origin_base / origin["path"]))
        elif isinstance(origin.get("configuredIn"), str):
            configured_in = Path(os.path.normpath(origin_base / origin["configuredIn"]))
            kustomization = _load(configured_in.parent, cache)
            by = origin.get("configuredBy") if isinstance(origin.get("configuredBy"), dict) else {}
            field_name = {"ConfigMapGenerator": "configMapGenerator", "SecretGenerator": "secretGenerator",
                          "HelmChartInflationGenerator": "helmCharts"}.get(str(by.get("kind")), "")
            if kustomization is not None:
                obj.origin = kustomization.file
                obj.generator = (kustomization, field_name)
    return obj


def _key_node(root: yaml.Node, keys: list[str]) -> yaml.Node | None:
    node, key = root, None
    for token in keys:
        if not isinstance(node, yaml.MappingNode):
            return None
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == token:
                node, key = value_node, key_node
                break
        else:
            return None
    return key


def _node(root: yaml.Node | None, tokens: list[str]) -> yaml.Node | None:
    node = root
    for token in tokens:
        if isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
            node = node.value[int(token)]
            continue
        if not isinstance(node, yaml.MappingNode):
            return None
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == token:
                node = value_node
                break
        else:
            return None
    return node


# -- locating nodes --------------------------------------------------------------------------------

_Shift = Callable[[Position], Position]


def _no_shift(position: Position) -> Position:
    return position


@dataclass(eq=False)
class _Patch:
    """One patch document, where it is written, and which objects it targets."""

    path: Path  # real path of the file it is written in (a patch file, or the kustomization for inline ones)
    document: ParsedDocument
    target: dict[str, Any] | None
    shift: _Shift = _no_shift

    @property
    def is_json6902(self) -> bool:
        return isinstance(self.document.data, list)

    def position(self, pointer: str, at_key: bool) -> Position:
        return self.shift(self.document.position(pointer, at_key))


@dataclass
class _Hit:
    path: Path
    position: Position
    depth: int
    complete: bool
    value: Any = None


class _Context:
    """What the locators of one render share: the files of the tree, parsed once."""

    def __init__(self, paths: _Paths, tree: _Tree, environment: str) -> None:
        self.paths = paths
        self.tree = tree
        self.environment = environment
        self.related = (Location(paths.show(tree.kustomizations[0].file), 1, 1),)
        self._files: dict[Path, ParsedFile | None] = {}
        self._patches: list[_Patch] | None = None

    def parsed(self, path: Path) -> ParsedFile | None:
        if path not in self._files:
            try:
                self._files[path] = parse_bytes(path.read_bytes(), str(path))
            except OSError:
                self._files[path] = None
        return self._files[path]

    # - patches -

    @property
    def patches(self) -> list[_Patch]:
        if self._patches is None:
            self._patches = []
            for kustomization in self.tree.kustomizations:
                self._patches.extend(self._patches_of(kustomization))
        return self._patches

    def _patches_of(self, kustomization: _Kustomization) -> list[_Patch]:
        found: list[_Patch] = []
        for index, entry in kustomization.items("patchesStrategicMerge"):
            pointer = join_pointer("/patchesStrategicMerge", index)
            found.extend(self._patch_documents(kustomization, entry, None, pointer))
        for key in ("patches", "patchesJson6902"):
            for index, entry in kustomization.items(key):
                if not isinstance(entry, dict):
                    continue
                target = entry.get("target") if isinstance(entry.get("target"), dict) else None
                if isinstance(entry.get("path"), str):
                    found.extend(self._patch_documents(kustomization, entry["path"], target, None))
                elif isinstance(entry.get("patch"), str):
                    found.extend(self._patch_documents(kustomization, entry["patch"], target,
                                                       join_pointer(f"/{key}", index, "patch")))
        return found

    def _patch_documents(self, kustomization: _Kustomization, entry: Any, target: dict[str, Any] | None,
                         inline_pointer: str | None) -> list[_Patch]:
        if not isinstance(entry, str):
            return []
        candidate = kustomization.directory / entry
        if "\n" not in entry and candidate.is_file():
            path = Path(os.path.realpath(candidate))
            parsed = self.parsed(path)
            shift = _no_shift
        elif inline_pointer is not None or "\n" in entry:
            path = kustomization.file
            parsed = parse_text(entry, str(path))
            shift = self._inline_shift(kustomization, inline_pointer)
        else:
            return []
        if parsed is None:
            return []
        return [_Patch(path, document, target, shift) for document in parsed.documents
                if isinstance(document.data, (dict, list))]

    @staticmethod
    def _inline_shift(kustomization: _Kustomization, pointer: str | None) -> _Shift:
        document = kustomization.document
        node = None
        if document is not None and pointer is not None:
            node = _node(document.root, list(iter_pointer_tokens(pointer)))
        if not isinstance(node, yaml.ScalarNode):
            return lambda _position: Position(1, 1)
        start = node.start_mark
        if node.style != "|":
            return lambda _position: Position(start.line + 1, start.column + 1)
        lines = kustomization.parsed.text.splitlines()
        content = next((line for line in lines[start.line + 1:] if line.strip()), "")
        indent = len(content) - len(content.lstrip(" "))
        return lambda position: Position(start.line + 1 + position.line, position.column + indent)

    def factory(self, origin: Path, objects: list[_Object]) -> Callable[[ParsedDocument], Locator]:
        def make(document: ParsedDocument) -> Locator:
            index = document.index
            obj = objects[index] if index < len(objects) else None
            return self.locator(origin, obj, document)

        return make

    def locator(self, origin: Path, obj: _Object | None, document: ParsedDocument) -> Locator:
        related = self.related
        origin_display = self.paths.show(origin)
        if obj is None:
            return lambda pointer, at_key: Located(Location(origin_display, 1, 1), related)
        if obj.generator is not None:
            kustomization, field_name = obj.generator
            position = _generator_position(kustomization, field_name, obj.name)
            return lambda pointer, at_key: Located(Location(origin_display, position.line, position.column), related)
        match = self._origin_document(origin, obj)
        original_name = None
        if match is not None:
            metadata = match[1].get("metadata")
            original_name = metadata.get("name") if isinstance(metadata, dict) else None
        patches = [p for p in self.patches if _patch_applies(p, obj, original_name)]

        def locate(pointer: str, at_key: bool) -> Located:
            rendered = document.data if document.data is not None else obj.data
            hit = self._locate(origin, rendered, pointer, at_key, match, patches, obj, original_name)
            if hit is None:
                return Located(Location(origin_display, 1, 1), related)
            return Located(Location(self.paths.show(hit.path), hit.position.line, hit.position.column), related)

        return locate

    def _origin_document(self, origin: Path, obj: _Object) -> tuple[ParsedDocument, dict[str, Any], str] | None:
        parsed = self.parsed(origin)
        if parsed is None:
            return None
        candidates: list[tuple[ParsedDocument, dict[str, Any], str]] = []
        for document in parsed.documents:
            data = document.data
            if not isinstance(data, dict):
                continue
            items = data.get("items")
            if isinstance(data.get("kind"), str) and data["kind"].endswith("List") and isinstance(items, list):
                candidates.extend((document, item, f"/items/{i}") for i, item in enumerate(items)
                                  if isinstance(item, dict) and item.get("kind") == obj.kind)
            elif data.get("kind") == obj.kind:
                candidates.append((document, data, ""))
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        best, best_score = None, 0.0
        for candidate in candidates:
            metadata = candidate[1].get("metadata") if isinstance(candidate[1].get("metadata"), dict) else {}
            name, namespace = metadata.get("name"), metadata.get("namespace")
            if not isinstance(name, str) or not obj.name:
                continue
            score = 3.0 if name == obj.name else (2.0 + len(name) / 1000 if name in obj.name else 0.0)
            if score and namespace is not None and namespace == obj.namespace:
                score += 0.5
            if score > best_score:
                best, best_score = candidate, score
        return best

    def _locate(self, origin: Path, rendered: Any, pointer: str, at_key: bool,
                match: tuple[ParsedDocument, dict[str, Any], str] | None, patches: list[_Patch], obj: _Object,
                original_name: str | None) -> _Hit | None:
        tokens = list(iter_pointer_tokens(pointer))
        exists, value = _value_at(rendered, tokens)
        scalar = exists and not isinstance(value, (dict, list))
        origin_hit = None
        if match is not None:
            document, data, root = match
            out, complete, found = _translate(rendered, data, tokens)
            position = document.position(root + join_pointer("", *out), at_key)
            origin_hit = _Hit(origin, position, len(out), complete, found)
        patch_hits = [hit for patch in patches if (hit := _patch_hit(patch, rendered, tokens, at_key)) is not None]
        if scalar:
            equal = [hit for hit in patch_hits if hit.complete and hit.value == value]
            if equal:
                return equal[-1]
        if origin_hit is not None and origin_hit.complete and (not scalar or origin_hit.value == value):
            return origin_hit
        if scalar:
            hit = self._transformer_hit(tokens, value, obj, original_name,
                                        origin_hit.value if origin_hit and origin_hit.complete else None)
            if hit is not None:
                return hit
        if origin_hit is not None and origin_hit.complete:
            return origin_hit
        complete = [hit for hit in patch_hits if hit.complete]
        if complete:
            return complete[-1]
        partial = [hit for hit in (origin_hit, *patch_hits) if hit is not None]
        return max(partial, key=lambda hit: hit.depth) if partial else None

    def _transformer_hit(self, tokens: list[str], value: Any, obj: _Object, original_name: str | None,
                         origin_value: Any) -> _Hit | None:
        for kustomization in self.tree.kustomizations:
            pointer = _transformer_pointer(kustomization, tokens, value, obj, original_name, origin_value)
            if pointer is not None:
                return _Hit(kustomization.file, kustomization.position(pointer), len(tokens), True, value)
        return None



def _value_at(data: Any, tokens: list[str]) -> tuple[bool, Any]:
    for token in tokens:
        if isinstance(data, dict) and token in data:
            data = data[token]
        elif isinstance(data, list) and token.isdigit() and int(token) < len(data):
            data = data[int(token)]
        else:
            return False, None
    return True, data


def _matching_item(item: Any, candidates: list[Any], index: int) -> int | None:
    """The index in ``candidates`` of the list item that ``item`` was made from (merge keys, then position)."""
    if isinstance(item, dict):
        for key in _MERGE_KEYS:
            if key in item:
                for position, candidate in enumerate(candidates):
                    if isinstance(candidate, dict) and candidate.get(key) == item[key]:
                        return position
                return None
        return index if index < len(candidates) and isinstance(candidates[index], dict) else None
    if isinstance(item, list):
        return index if index < len(candidates) and isinstance(candidates[index], list) else None
    for position, candidate in enumerate(candidates):
        if candidate == item:
            return position
    return index if index < len(candidates) and not isinstance(candidates[index], (dict, list)) else None


def _translate(rendered: Any, source: Any, tokens: list[str]) -> tuple[list[str], bool, Any]:
    """Follow a pointer of the rendered object through the data it was made from.

    Returns the tokens of the same node in ``source`` (as far as it exists there), whether it exists
    completely, and its value in ``source``.
    """
    out: list[str] = []
    for token in tokens:
        if isinstance(rendered, dict) and isinstance(source, dict):
            if token not in source:
                return out, False, None
            rendered, source = rendered.get(token), source[token]
            out.append(token)
        elif isinstance(rendered, list) and isinstance(source, list):
            if not token.isdigit() or int(token) >= len(rendered):
                return out, False, None
            item = rendered[int(token)]
            position = _matching_item(item, source, int(token))
            if position is None:
                return out, False, None
            rendered, source = item, source[position]
            out.append(str(position))
        else:
            return out, False, None
    return out, True, source


def _patch_hit(patch: _Patch, rendered: Any, tokens: list[str], at_key: bool) -> _Hit | None:
    data = patch.document.data
    if isinstance(data, dict):
        out, complete, value = _translate(rendered, data, tokens)
        if not out:
            return None
        return _Hit(patch.path, patch.position(join_pointer("", *out), at_key), len(out), complete, value)
    best: _Hit | None = None
    for index, operation in enumerate(data):
        if not isinstance(operation, dict) or operation.get("op") not in ("add", "replace"):
            continue
        path = operation.get("path")
        if not isinstance(path, str) or "value" not in operation:
            continue
        op_tokens = list(iter_pointer_tokens(path))
        if len(op_tokens) > len(tokens) or not all(
            o == t or (o == "-" and t.isdigit()) for o, t in zip(op_tokens, tokens, strict=False)
        ):
            continue
        exists, at_op = _value_at(rendered, tokens[: len(op_tokens)])
        rest = tokens[len(op_tokens):]
        out, complete, value = _translate(at_op, operation["value"], rest) if exists else ([], not rest, None)
        if not exists and not rest:
            value = operation["value"]
        base = join_pointer("", index, "value")
        hit = _Hit(patch.path, patch.position(base + join_pointer("", *out), at_key),
                   len(op_tokens) + len(out), complete, value)
        best = hit if best is None or hit.depth >= best.depth else best
    return best


def _name_matches(name: Any, obj: _Object, original_name: str | None) -> bool:
    if not isinstance(name, str) or not obj.name:
        return False
    if name in (obj.name, original_name):
        return True
    return bool(original_name) and original_name in name and name in obj.name


def _selector_matches(selector: Any, values: Any) -> bool:
    if not isinstance(selector, str) or not selector.strip():
        return True
    values = values if isinstance(values, dict) else {}
    for term in selector.split(","):
        key, sep, expected = term.partition("=")
        key, expected = key.strip().rstrip("!"), expected.strip().lstrip("=")
        if not sep or "!" in term or not re.fullmatch(r"[\w./-]+", key):
            return True  # a set-based selector: not evaluated, assume it may match
        if str(values.get(key)) != expected:
            return False
    return True


def _patch_applies(patch: _Patch, obj: _Object, original_name: str | None) -> bool:
    target = patch.target
    if target is None:
        data = patch.document.data
        if not isinstance(data, dict) or data.get("kind") != obj.kind:
            return False
        metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        return _name_matches(metadata.get("name"), obj, original_name)
    api_version = str(obj.data.get("apiVersion", ""))
    group, _, version = api_version.rpartition("/")
    if target.get("kind") not in (None, obj.kind):
        return False
    if target.get("group") not in (None, group) or target.get("version") not in (None, version):
        return False
    name = target.get("name")
    if name is not None:
        names = [n for n in (obj.name, original_name) if n]
        try:
            matched = any(re.fullmatch(str(name), n) for n in names)
        except re.error:
            matched = False
        if not matched and not _name_matches(name, obj, original_name):
            return False
    metadata = obj.data.get("metadata") if isinstance(obj.data.get("metadata"), dict) else {}
    return (_selector_matches(target.get("labelSelector"), metadata.get("labels"))
            and _selector_matches(target.get("annotationSelector"), metadata.get("annotations")))


def _generator_position(kustomization: _Kustomization, field_name: str, name: str | None) -> Position:
    best, best_length = None, -1
    for index, entry in kustomization.items(field_name):
        entry_name = entry.get("name") if isinstance(entry, dict) else None
        if isinstance(entry_name, str) and name and entry_name in name and len(entry_name) > best_length:
            best, best_length = index, len(entry_name)
    if best is not None:
        return kustomization.position(join_pointer(f"/{field_name}", best))
    if field_name and field_name in kustomization.data:
        return kustomization.position(f"/{field_name}", at_key=True)
    return Position(1, 1)


def _image_name(image: Any) -> str | None:
    if not isinstance(image, str):
        return None
    image = image.split("@", 1)[0]
    colon = image.rfind(":")
    return image[:colon] if colon > image.rfind("/") else image


def _transformer_pointer(kustomization: _Kustomization, tokens: list[str], value: Any, obj: _Object,
                         original_name: str | None, origin_value: Any) -> str | None:
    """The kustomization field that set a scalar the origin file does not have (or has otherwise)."""
    data = kustomization.data
    if tokens == ["metadata", "namespace"]:
        return "/namespace" if data.get("namespace") == value else None
    if tokens == ["spec", "replicas"]:
        for index, entry in kustomization.items("replicas"):
            if isinstance(entry, dict) and entry.get("count") == value and _name_matches(entry.get("name"), obj,
                                                                                         original_name):
                return join_pointer("/replicas", index, "count")
        return None
    if len(tokens) >= 3 and tokens[-1] == "image" and tokens[-3] in _CONTAINER_LISTS:
        names = {_image_name(origin_value), _image_name(value)} - {None}
        for index, entry in kustomization.items("images"):
            if isinstance(entry, dict) and entry.get("name") in names:
                for key in ("newTag", "digest", "newName"):
                    if key in entry and str(entry[key]) in str(value):
                        return join_pointer("/images", index, key)
                return join_pointer("/images", index)
        return None
    if len(tokens) >= 2 and tokens[-2] in ("labels", "matchLabels"):
        label = tokens[-1]
        common = data.get("commonLabels")
        if isinstance(common, dict) and common.get(label) == value:
            return join_pointer("/commonLabels", label)
        for index, entry in kustomization.items("labels"):
            pairs = entry.get("pairs") if isinstance(entry, dict) else None
            if isinstance(pairs, dict) and pairs.get(label) == value:
                return join_pointer("/labels", index, "pairs", label)
        return None
    if len(tokens) >= 2 and tokens[-2] == "annotations":
        common = data.get("commonAnnotations")
        if isinstance(common, dict) and common.get(tokens[-1]) == value:
            return join_pointer("/commonAnnotations", tokens[-1])
    return None
