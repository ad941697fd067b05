"""Helm charts rendered per environment, with every rendered node pointing back to the file a person edits.

Environments
    A chart's ``values.yaml`` is the base. Each ``values-<env>.yaml`` (or ``.yml``) beside it is one
    environment, rendered on its own (``values.yaml`` + that file), all in the same run. The
    configuration can add environments or replace a discovered one (same name) with a list of values
    files, applied in order after ``values.yaml``. A chart without environment files is rendered once
    with its defaults (environment ``None``). Values an ArgoCD Application supplies (``extra_values``)
    are merged last, over every environment's files.

Configuration (the ``helm:`` section of ``.lintops.yaml``)::

    helm:
      backend: auto            # auto (default): the helm binary when it is on PATH, else helm-python-sdk;
                               # binary | sdk: only that one
      release_name: web        # default release name (default: the chart's name)
      namespace: apps          # default namespace (default: "default")
      charts:                  # per-chart settings; path is relative to the repository root
        - path: charts/web
          release_name: web-prod
          namespace: web
          environments:        # name -> values files, relative to the chart directory
            prod: [values-prod.yaml, secrets-prod.yaml]

Rendering
    With the ``helm`` binary (``helm template``) when it is on ``PATH``, else with the
    ``helm-python-sdk`` package (Helm's Go SDK through a C library, no binary needed; the extra
    ``lintops[helm]``), imported only when a chart is rendered. Neither available is a problem
    (``render-failed``), never a silent pass. Nothing is downloaded: a dependency listed in
    ``Chart.yaml`` that is not vendored under ``charts/`` (directory or ``.tgz``) is a problem at its
    entry in ``Chart.yaml``. ``helm template`` refuses such a chart, so with the binary only the
    dependency is reported; the SDK renders the chart without it, so the rest is still linted.
    Nothing is written into the repository: a chart with a ``values.schema.json`` is rendered from a
    temporary copy without its schema files (Helm would refuse the marked render described below),
    and each environment's merged values are validated against the schema here (``jsonschema``,
    draft 7 unless ``$schema`` says otherwise; remote references are never fetched), so that each
    violation is a problem at the values key that set the offending value, naming what the schema
    asks for but never the value. A template error is a problem at the template file, line and
    column Helm reports; for an error inside an included template, the innermost place Helm names
    (Go reports 0-based columns; they are 1-based here). Schema violations, template errors, missing
    dependencies and unreadable values files are all :class:`~lintops.inputs.rendered.RenderProblem`
    objects, which the engine files under ``render-failed``. ``NOTES.txt`` and templates that render
    nothing are not handed on.

Pointing back (how a rendered node finds its values key)
    The chart is rendered a second time, only when a finding first asks where a node of an
    environment came from, with every values leaf that can carry a mark replaced by a unique marker:
    a non-empty string becomes ``lntq<n>q`` (letters and digits, so that ``upper``, ``quote``,
    ``trunc`` of a name and concatenations keep it; ``b64enc`` is undone when looking), a number
    becomes ``0.5 + (n + 1) / 65536`` (exact in binary, printed alike by Go and YAML, and ``int`` of it
    is 0, so a loop over a replica count stays empty instead of running away). Booleans, empty strings
    and nulls are not marked: replacing them would flip the chart's conditionals. The rendered
    document of the second render is matched to the real one (same template file, same index, or the
    same ordinal among documents of the same kind), and the node at the finding's pointer (or its
    nearest existing parent) is read there:

    - a string whose tail after ``:`` is the chart's ``appVersion`` while the marked render has no
      marker there (``tag | default .Chart.AppVersion``) points at ``appVersion`` in ``Chart.yaml``:
      that is the line that sets the tag;
    - a scalar carrying markers came from those leaves: the leaf set by the most specific file wins
      (the environment file over ``values.yaml``), then the last one in the text (in
      ``repository:tag`` the tag). The marked text, with each marker replaced by the leaf's real value,
      must equal the real node, otherwise the match is refused (a flipped conditional cannot
      mislead);
    - a mapping or list whose marked leaves all sit at the same relative place under one values key
      (``toYaml .Values.resources``) came from that key, if the key's value has the same shape;
    - otherwise, when the node's own line in the template (with the template-only lines indented
      under it) mentions exactly one ``.Values.x``, or a ``with .Values.x`` block renders
      ``toYaml .``, that key is used if it exists and has the node's shape (empty blocks such as
      ``resources: {}``, booleans).

    The location is that key in the most specific values file that sets it for the environment (the
    environment file if it overrides, else ``values.yaml``, else a vendored sub-chart's
    ``values.yaml``; values an Application gives point where ``extra_values_origin`` says, else at the
    template), and the template position is the related location. Otherwise the location is the
    template: the segment between ``---`` lines whose top-level ``kind:`` matches the object (by
    ordinal among segments of that kind), its first line for the object itself, and, following the
    pointer key by key through the template's indentation, the line of the node or of its nearest
    parent written literally in the template. List items are taken by index; when the template writes
    several items and a conditional dropped some, the item whose first key (``- name: ...``, read as a
    pattern with ``{{ }}`` as wildcards) fits the rendered item is taken; an item produced by
    ``range`` is its single written entry. The column is the value's for a scalar written on the
    line, else the key's.

    If the marked render fails (a template that validates a value, ``semverCompare``, ``index`` by a
    value), is much larger than the real one, or renders other objects than the real one (a marked
    value compared with ``eq`` decides whether a template renders at all), the marked leaves are
    split in halves and rendered again, so that only the leaves the chart cannot take as markers stay
    unmarked (at most :data:`MAX_MARKER_RENDERS` renders per environment; a render of a small chart
    takes a few milliseconds with the SDK). Every render that succeeded is used for the templates
    whose objects it rendered alike.

Values-only files (``production/values.yaml`` with no chart beside it) are not rendered: they become
``lintops.io/v1`` ``HelmValues`` resources (:mod:`lintops.inputs.manifests`), which rules with
``targets: [helm-values]`` check (:mod:`lintops.checks.helm_values`).
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from ..model import Located, Location, Locator, Source, join_pointer
from ..yaml_source import ParsedDocument, ParsedFile, parse_text
from .manifests import LocatorFactory
from .rendered import RenderedSource, RenderProblem, RenderResult

__all__ = [
    "CONFIG_SCHEMA",
    "MAX_MARKER_RENDERS",
    "ChartEnvironment",
    "available_backend",
    "find_environments",
    "render_chart",
    "split_helm_output",
]

#: Most renders spent per environment to learn which rendered node came from which values key.
MAX_MARKER_RENDERS = 32
#: Seconds one ``helm template`` may take.
BINARY_TIMEOUT = 120

_ENV_FILE = re.compile(r"values-(?P<env>[^/\\]+)\.ya?ml")
_INSTALL_HINT = ("install the helm extra (pip install 'lintops[helm]', which brings helm-python-sdk) "
                 "or put the helm binary on PATH")

Tokens = tuple[str, ...]

_NAME = {"type": "string", "minLength": 1}
#: JSON Schema of the configuration's ``helm:`` section (see the module docstring).
CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "backend": {"enum": ["auto", "binary", "sdk"]},
        "release_name": _NAME,
        "namespace": _NAME,
        "charts": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path"],
                "properties": {
                    "path": _NAME,
                    "release_name": _NAME,
                    "namespace": _NAME,
                    "environments": {
                        "type": "object",
                        "additionalProperties": {"anyOf": [_NAME, {"type": "array", "items": _NAME}]},
                    },
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}


# -- environments -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartEnvironment:
    """One way a chart is deployed: its name (``None`` = the chart's defaults only) and its values files."""

    name: str | None
    values_files: tuple[Path, ...] = ()


@dataclass(frozen=True)
class _Settings:
    backend: str = "auto"
    release_name: str | None = None
    namespace: str | None = None
    environments: Mapping[str, Sequence[str]] = field(default_factory=dict)


def _settings(chart_dir: Path, config: Mapping[str, Any] | None, display: Callable[[Path], str] | None) -> _Settings:
    config = config or {}
    entry: Mapping[str, Any] = {}
    for candidate in config.get("charts") or ():
        if isinstance(candidate, Mapping) and _same_chart(chart_dir, str(candidate.get("path", "")), display):
            entry = candidate
            break
    environments = entry.get("environments") or {}
    if not isinstance(environments, Mapping):
        environments = {}
    return _Settings(
        backend=str(config.get("backend") or "auto"),
        release_name=entry.get("release_name") or config.get("release_name"),
        namespace=entry.get("namespace") or config.get("namespace"),
        environments={str(name): [files] if isinstance(files, str) else list(files or ())
                      for name, files in environments.items()},
    )


def _same_chart(chart_dir: Path, configured: str, display: Callable[[Path], str] | None) -> bool:
    if not configured:
        return False
    wanted = PurePosixPath(configured.replace("\\", "/"))
    if wanted.is_absolute():
        return Path(configured).absolute() == chart_dir.absolute()
    wanted_text = wanted.as_posix().rstrip("/")
    if display is not None:
        shown = PurePosixPath(display(chart_dir.absolute())).as_posix().rstrip("/")
        if shown == wanted_text:
            return True
    if (Path.cwd() / configured).absolute() == chart_dir.absolute():
        return True
    parts = [p for p in wanted.parts if p not in ("", ".")]
    return bool(parts) and list(chart_dir.absolute().parts[-len(parts):]) == parts


def find_environments(chart_dir: Path, config: Mapping[str, Any] | None = None, *,
                      display: Callable[[Path], str] | None = None) -> list[ChartEnvironment]:
    """The environments a chart is rendered for, sorted by name.

    ``values-<env>.yaml`` beside ``Chart.yaml``, plus the configuration's
    ``helm.charts[].environments`` for this chart (which replace a discovered environment of the
    same name; their files are relative to the chart directory). ``display`` (absolute path to
    repository-relative path) lets a configured ``path`` match the chart. Without any environment,
    one environment ``None`` renders the defaults.
    """
    chart_dir = Path(chart_dir)
    settings = _settings(chart_dir, config, display)
    found: dict[str, tuple[Path, ...]] = {}
    try:
        entries = sorted(chart_dir.iterdir())
    except OSError:
        entries = []
    for path in entries:
        match = _ENV_FILE.fullmatch(path.name)
        if match and path.is_file():
            found.setdefault(match["env"], (path,))
    for name, files in settings.environments.items():
        found[name] = tuple(chart_dir / file for file in files)
    if not found:
        return [ChartEnvironment(None, ())]
    return [ChartEnvironment(name, found[name]) for name in sorted(found)]


# -- backends ---------------------------------------------------------------------------------------


class _RenderFailure(Exception):
    """Helm refused to render; the message is Helm's."""


def available_backend(preference: str = "auto") -> str | None:
    """``"binary"`` or ``"sdk"``: what renders charts here (``preference``: auto, binary, sdk), or None."""
    if preference in ("auto", "binary") and shutil.which("helm"):
        return "binary"
    if preference in ("auto", "sdk"):
        try:
            import importlib.util

            if importlib.util.find_spec("helm_python") is not None:
                return "sdk"
        except (ImportError, ValueError):  # pragma: no cover - a broken installation
            return None
    return None


class _SdkSession:
    """Renders one loaded chart with helm-python-sdk (Helm's Go SDK; offline, no cluster)."""

    def __init__(self, chart_path: Path) -> None:
        import helm_python

        self._errors = helm_python.HelmError
        try:
            self._chart = helm_python.Chart.load(str(chart_path))
        except helm_python.HelmError as exc:
            raise _RenderFailure(exc.detail or str(exc)) from None

    def render(self, values: dict[str, Any], release: str, namespace: str) -> dict[str, str]:
        try:
            return self._chart.render(values, name=release, namespace=namespace, is_install=True)
        except self._errors as exc:
            raise _RenderFailure(getattr(exc, "detail", None) or str(exc)) from None


class _BinarySession:
    """Renders one chart with ``helm template`` (no cluster; dependencies must be vendored)."""

    def __init__(self, helm: str, chart_path: Path) -> None:
        self._helm = helm
        self._chart_path = chart_path

    def render(self, values: dict[str, Any], release: str, namespace: str) -> dict[str, str]:
        with tempfile.TemporaryDirectory(prefix="lintops-helm-") as scratch:
            values_file = Path(scratch) / "values.json"
            values_file.write_text(json.dumps(values), encoding="utf-8")
            try:
                process = subprocess.run(
                    [self._helm, "template", release, str(self._chart_path), "--namespace", namespace,
                     "--values", str(values_file)],
                    capture_output=True, text=True, timeout=BINARY_TIMEOUT, check=False, cwd=scratch,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise _RenderFailure(f"helm template could not run: {exc}") from None
        if process.returncode != 0:
            message = process.stderr.strip() or f"helm template exited with status {process.returncode}"
            raise _RenderFailure(message.removeprefix("Error: "))
        return split_helm_output(process.stdout)


def split_helm_output(text: str) -> dict[str, str]:
    """``helm template`` output to ``{"<chart>/templates/<file>": text}`` by its ``# Source:`` lines."""
    sources: dict[str, list[str]] = {}
    for chunk in re.split(r"^---[ \t]*$\n?", text, flags=re.MULTILINE):
        match = re.match(r"\s*# Source: (\S[^\n]*)\n?", chunk)
        if match is None:
            continue
        sources.setdefault(match[1].strip(), []).append(chunk[match.end():])
    return {key: "---\n".join(parts) for key, parts in sources.items()}


# -- the chart on disk --------------------------------------------------------------------------------


@dataclass
class _Chart:
    """A chart and its vendored sub-charts, as files on disk."""

    name: str
    directory: Path | None  # None for a sub-chart vendored as .tgz
    archive: Path | None = None
    #: Where this chart's values sit in the top chart's values (() for the top chart).
    prefix: Tokens = ()
    #: Sub-charts by the key of their values (the dependency's alias, else its name).
    subcharts: dict[str, _Chart] = field(default_factory=dict)
    app_version: str | None = None
    chart_file: ParsedFile | None = None

    def all_charts(self) -> Iterator[_Chart]:
        yield self
        for sub in self.subcharts.values():
            yield from sub.all_charts()

    def with_prefix(self, prefix: Tokens) -> _Chart:
        return replace(self, prefix=prefix,
                       subcharts={key: sub.with_prefix((*prefix, key)) for key, sub in self.subcharts.items()})


def _read_yaml(path: Path, display: Callable[[Path], str]) -> tuple[ParsedFile | None, RenderProblem | None]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        return None, RenderProblem(display(path), 1, 1, f"cannot read {path.name}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        return None, RenderProblem(display(path), 1, 1, f"{path.name} is not UTF-8 text")
    parsed = parse_text(text, display(path), is_json=path.suffix == ".json")
    for problem in parsed.problems:
        if problem.rule_id != "duplicate-key":
            return parsed, RenderProblem(display(path), problem.position.line, problem.position.column,
                                         f"{path.name} cannot be read: {problem.message}")
    return parsed, None


def _document(parsed: ParsedFile | None) -> ParsedDocument | None:
    if parsed is None:
        return None
    return next((d for d in parsed.documents if d.data is not None), None)


def _archive_chart_name(archive: Path) -> str | None:
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                top = member.name.lstrip("./").split("/", 1)[0]
                if top:
                    return top
    except (OSError, tarfile.TarError):
        return None
    return None


def _load_chart(directory: Path, display: Callable[[Path], str], problems: list[RenderProblem]) -> _Chart | None:
    """Read ``Chart.yaml`` and the vendored sub-charts; a missing dependency becomes a problem."""
    chart_path = directory / "Chart.yaml"
    parsed, problem = _read_yaml(chart_path, display)
    if problem is not None:
        problems.append(problem)
        return None
    document = _document(parsed)
    meta = document.data if document is not None else None
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta["name"]:
        problems.append(RenderProblem(display(chart_path), 1, 1, "Chart.yaml has no chart name ('name:')"))
        return None
    app_version = meta.get("appVersion")
    chart = _Chart(meta["name"], directory, chart_file=parsed,
                   app_version=str(app_version) if app_version not in (None, "") else None)
    vendored: dict[str, _Chart] = {}
    charts_dir = directory / "charts"
    if charts_dir.is_dir():
        for entry in sorted(charts_dir.iterdir()):
            if entry.is_dir() and (entry / "Chart.yaml").is_file():
                sub = _load_chart(entry, display, problems)
                if sub is not None:
                    vendored.setdefault(sub.name, sub)
            elif entry.is_file() and entry.name.endswith((".tgz", ".tar.gz")):
                name = _archive_chart_name(entry)
                if name:
                    vendored.setdefault(name, _Chart(name, None, archive=entry))
    dependencies = meta.get("dependencies") or []
    listed: set[str] = set()
    for index, dependency in enumerate(dependencies if isinstance(dependencies, list) else []):
        if not isinstance(dependency, dict) or not isinstance(dependency.get("name"), str):
            continue
        name = dependency["name"]
        listed.add(name)
        sub = vendored.get(name)
        if sub is None:
            position = document.position(join_pointer("/dependencies", index)) if document else None
            repository = dependency.get("repository") or "its repository"
            problems.append(RenderProblem(
                display(chart_path), position.line if position else 1, position.column if position else 1,
                f"dependency '{name}' is not vendored under charts/ (as a directory or .tgz), and lintops does "
                f"not download it: run 'helm dependency build' and commit charts/ (source: {repository})",
            ))
            continue
        alias = dependency.get("alias")
        key = alias if isinstance(alias, str) and alias else name
        # Helm renames an aliased dependency: its templates render as <parent>/charts/<alias>/...
        chart.subcharts[key] = replace(sub, name=key) if key != name else sub
    for name, sub in vendored.items():
        if name not in listed:
            chart.subcharts.setdefault(name, sub)
    return chart


def _has_schema(chart: _Chart) -> bool:
    return any(c.directory is not None and (c.directory / "values.schema.json").is_file() for c in chart.all_charts())


def _unschematized_copy(chart_dir: Path) -> tempfile.TemporaryDirectory[str]:
    """A temporary copy of the chart without ``values.schema.json`` files (Helm would validate them)."""
    scratch = tempfile.TemporaryDirectory(prefix="lintops-chart-")
    target = Path(scratch.name) / chart_dir.name
    shutil.copytree(chart_dir, target, symlinks=True,
                    ignore=shutil.ignore_patterns("values.schema.json", ".git"))
    return scratch


# -- values -------------------------------------------------------------------------------------------


@dataclass
class _Layer:
    """A source of values: a file (with positions), or the values an ArgoCD Application gives."""

    path: str
    data: Any
    document: ParsedDocument | None = None
    prefix: Tokens = ()
    environment_file: bool = False
    origin: Callable[[str], Location | None] | None = None

    def lookup(self, tokens: Tokens) -> Tokens | None:
        """Tokens inside this layer when it sets the value at ``tokens`` (of the top chart's values)."""
        if tokens[: len(self.prefix)] != self.prefix:
            return None
        inner = tokens[len(self.prefix):]
        found, _ = _get(self.data, inner)
        return inner if found else None

    def location(self, inner: Tokens) -> Location | None:
        pointer = join_pointer("", *inner)
        if self.origin is not None:
            return self.origin(pointer)
        if self.document is None:
            return None
        position = self.document.position(pointer, at_key=bool(inner))
        return Location(self.path, position.line, position.column)


def _get(data: Any, tokens: Sequence[str]) -> tuple[bool, Any]:
    for token in tokens:
        if isinstance(data, dict) and token in data:
            data = data[token]
        elif isinstance(data, list) and token.isdigit() and int(token) < len(data):
            data = data[int(token)]
        else:
            return False, None
    return True, data


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's merge of ``-f`` files: later files win, mappings merge, nulls are kept (they delete later)."""
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), dict):
            result[key] = _merge(result[key], value)
        else:
            result[key] = copy.deepcopy(dict(value) if isinstance(value, Mapping) else value)
    return result


def _strip_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_nulls(v) for k, v in value.items() if v is not None}
    return value


def _coalesce(user: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's coalescing of user values with chart defaults: user wins, null deletes, mappings merge."""
    result: dict[str, Any] = {}
    for key, default in defaults.items():
        if key in user:
            value = user[key]
            if value is None:
                continue
            if isinstance(value, Mapping) and isinstance(default, Mapping):
                result[key] = _coalesce(value, default)
            else:
                result[key] = _strip_nulls(copy.deepcopy(value))
        elif default is not None:
            result[key] = _strip_nulls(copy.deepcopy(default))
    for key, value in user.items():
        if key not in defaults and value is not None:
            result[key] = _strip_nulls(copy.deepcopy(value))
    return result


def _nest(tokens: Tokens, value: Any) -> Any:
    for token in reversed(tokens):
        value = {token: value}
    return value


# -- markers ------------------------------------------------------------------------------------------

_STRING_MARK = re.compile(r"lntq(\d+)q", re.IGNORECASE)
#: Numbers become 0.5 + (n + 1) / 65536: exact in binary, printed alike by Go and YAML, truncated to 0 by
#: ``int`` (so ``until``, ``repeat`` and replica loops stay empty instead of running half a million times).
_NUMBER_SCALE = 65536
_MAX_NUMBER_MARKS = _NUMBER_SCALE - 2
#: A marked render much larger than the real one is not used (a loop over a marked value ran away).
_MAX_GROWTH = 4
_BASE64 = re.compile(r"[A-Za-z0-9+/]{8,}={0,2}")


def _leaves(data: Any, tokens: Tokens = ()) -> Iterator[tuple[Tokens, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*tokens, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _leaves(value, (*tokens, str(index)))
    else:
        yield tokens, data


def _markable(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, str):
        return bool(value)
    return isinstance(value, (int, float))


def _marker(index: int, value: Any) -> Any:
    if isinstance(value, str):
        return f"lntq{index}q"
    return 0.5 + (index + 1) / _NUMBER_SCALE


def _number_mark(value: float) -> int | None:
    scaled = (value - 0.5) * _NUMBER_SCALE
    if not 1 <= scaled < _NUMBER_SCALE or not scaled.is_integer():
        return None
    return int(scaled) - 1


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


# -- templates ----------------------------------------------------------------------------------------

_KEY_LINE = re.compile(
    r"^(?P<indent>[ ]*)(?P<dashes>(?:-[ ]+)*)"
    r"""(?P<key>"[^"\n]*"|'[^'\n]*'|[^\s#'"{}\[\]:,&*!|>%@`-][^:#{}\n]*?|-[^\s:#{}][^:#{}\n]*?)"""
    r"[ ]*:(?:[ ]+(?P<value>\S.*?))?[ ]*$"
)
_DASH_LINE = re.compile(r"^(?P<indent>[ ]*)-(?:[ ]+(?P<rest>\S.*))?$")
_TEMPLATE_ONLY = re.compile(r"^\s*(?:\{\{.*?\}\}\s*)+$")
_KIND = re.compile(r"""^kind:[ ]*["']?(?P<kind>[A-Za-z0-9_.-]+)""")
_VALUES_REF = re.compile(r"(?<![\w$])\.Values((?:\.[A-Za-z_][A-Za-z0-9_-]*)+)")
_WITH_VALUES = re.compile(r"\{\{-?\s*with\s+\.Values((?:\.[A-Za-z_][A-Za-z0-9_-]*)+)\s*-?\}\}")
#: A template-only line that prints a value (``{{ toYaml .Values.x | indent 10 }}`` written at column 0).
_OUTPUT_ACTION = re.compile(r"^\s*\{\{-?\s*(?:toYaml|toJson|toPrettyJson|tpl|\.Values)\b")
_DOT_USE = re.compile(r"\{\{-?\s*(?:toYaml|toJson|toPrettyJson)\s+\.\s*[|}-]")


@dataclass(frozen=True)
class _Line:
    indent: int
    dash: bool
    key: str | None
    key_column: int  # 0-based column of the key (or of the item after "- ")
    value_column: int | None


def _line_info(text: str) -> _Line | None:
    stripped = text.strip()
    if not stripped or stripped.startswith("#") or _TEMPLATE_ONLY.match(text) or stripped == "---":
        return None
    indent = len(text) - len(text.lstrip(" "))
    match = _KEY_LINE.match(text)
    if match is not None:
        key = match["key"]
        if key[:1] in "\"'":
            key = key[1:-1]
        value_column = match.start("value") if match["value"] and not match["value"].startswith("#") else None
        return _Line(indent, bool(match["dashes"]), key, match.start("key"), value_column)
    dash = _DASH_LINE.match(text)
    if dash is not None:
        column = dash.start("rest") if dash["rest"] else indent
        return _Line(indent, True, None, column, column if dash["rest"] else None)
    return _Line(indent, False, None, indent, indent)


class _Template:
    """A template file's text, read as indented YAML well enough to find where a node is written."""

    def __init__(self, path: str, text: str | None) -> None:
        self.path = path
        self.lines = text.splitlines() if text is not None else []
        self.info = [_line_info(line) for line in self.lines]
        self.segments: list[tuple[int, int, str | None]] = []
        start = 0
        for number, line in enumerate([*self.lines, "---"]):
            if line.rstrip() == "---" or line.startswith("--- "):
                if any(info is not None for info in self.info[start:number]):
                    self.segments.append((start, number, self._kind(start, number)))
                start = number + 1

    def _kind(self, start: int, end: int) -> str | None:
        for line in self.lines[start:end]:
            match = _KIND.match(line)
            if match:
                return match["kind"]
        return None

    def segment(self, kind: str | None, ordinal: int) -> tuple[int, int] | None:
        if not self.segments:
            return None
        same = [s for s in self.segments if s[2] == kind] if kind else []
        candidates = same or [s for s in self.segments if s[2] is None] or self.segments
        start, end, _ = candidates[min(ordinal, len(candidates) - 1)]
        return start, end

    def _block(self, parent: int, indent: int, end: int, item: bool) -> Iterator[int]:
        """Lines of the block under ``parent`` (a key line, or an item line when ``item``)."""
        for number in range(parent + 1, end):
            info = self.info[number]
            if info is None:
                continue
            if info.indent < indent or (info.indent == indent and (item or not info.dash)):
                return
            yield number

    def _item_matches(self, line: int, item: Any) -> bool:
        """Whether a written ``- key: value`` item can have rendered as ``item`` (its first key's value)."""
        info = self.info[line]
        if info is None or info.key is None or not isinstance(item, dict) or info.key not in item:
            return False
        written = self.lines[line][info.value_column:] if info.value_column is not None else ""
        written = written.split(" #", 1)[0].strip()
        if written[:1] in "\"'" and written[-1:] == written[:1] and len(written) > 1:
            written = written[1:-1]
        if not written:  # the value is written on the lines below: nothing to tell items apart
            return True
        pattern = "".join(".*?" if part.startswith("{{") else re.escape(part)
                          for part in re.split(r"(\{\{.*?\}\})", written) if part)
        return re.fullmatch(pattern, _scalar_text(item[info.key]), re.DOTALL) is not None

    def find(self, kind: str | None, ordinal: int, tokens: Sequence[str],
             data: Any = None) -> tuple[int, int, bool]:
        """``(line, depth, last_is_key)``: the deepest node on ``tokens`` written in the template.

        Returns the 0-based line, how many tokens were matched, and whether the last matched token
        was a mapping key. Line -1 when the template has no lines. ``data`` (the rendered document)
        tells list items apart when the template writes several and a conditional dropped some:
        the rendered item's first key (``name``) must fit the written one.
        """
        segment = self.segment(kind, ordinal)
        if segment is None:
            return -1, 0, False
        start, end = segment
        first = next((n for n in range(start, end) if self.info[n] is not None), None)
        if first is None:
            return -1, 0, False
        line, depth, last_is_key = first, 0, False
        parent, indent, item = start - 1, -1, False
        for token in tokens:
            if token.isdigit() and parent >= start:
                items = [n for n in self._block(parent, indent, end, item) if self.info[n].dash]
                if not items:
                    break
                lowest = min(self.info[n].indent for n in items)
                items = [n for n in items if self.info[n].indent == lowest]
                line = items[min(int(token), len(items) - 1)]
                found, rendered = _get(data, tokens[: depth + 1])
                if found and len(items) > 1 and not self._item_matches(line, rendered):
                    line = next((n for n in items if self._item_matches(n, rendered)), line)
                parent, indent, item, last_is_key = line, lowest, True, False
                depth += 1
                continue
            candidates = []
            if item and self.info[parent] and self.info[parent].key is not None:
                candidates.append(parent)
            candidates.extend(self._block(parent, indent, end, item) if parent >= start
                              else (n for n in range(start, end) if self.info[n] is not None))
            matches = [n for n in candidates if self.info[n].key == token]
            if not matches:
                break
            lowest = min(self.info[n].key_column for n in matches)
            line = next(n for n in matches if self.info[n].key_column == lowest)
            info = self.info[line]
            parent, indent, item, last_is_key = line, info.key_column, False, True
            depth += 1
        return line, depth, last_is_key

    def location(self, line: int, at_key: bool, key_matched: bool) -> Location:
        if line < 0:
            return Location(self.path, 1, 1)
        info = self.info[line]
        column = info.key_column if info is not None else 0
        if info is not None and not at_key and key_matched and info.value_column is not None:
            column = info.value_column
        return Location(self.path, line + 1, column + 1)

    def values_reference(self, line: int) -> Tokens | None:
        """The one ``.Values`` key the node at ``line`` is rendered from, as written in the template."""
        if line < 0:
            return None
        texts = [self.lines[line]]
        indent = len(self.lines[line]) - len(self.lines[line].lstrip(" "))
        following = line + 1
        while following < len(self.lines) and _TEMPLATE_ONLY.match(self.lines[following]) and (
                len(self.lines[following]) - len(self.lines[following].lstrip(" ")) > indent
                or _OUTPUT_ACTION.match(self.lines[following])):
            texts.append(self.lines[following])
            following += 1
        refs = {m[1] for text in texts for m in _VALUES_REF.finditer(text)}
        if not refs and any(_DOT_USE.search(text) for text in texts[1:]):
            before = line - 1
            while before >= 0 and _TEMPLATE_ONLY.match(self.lines[before]):
                match = _WITH_VALUES.search(self.lines[before])
                if match:
                    refs = {match[1]}
                    break
                before -= 1
        if len(refs) != 1:
            return None
        return tuple(refs.pop().lstrip(".").split("."))


# -- rendering ---------------------------------------------------------------------------------------


class _Context:
    """What every environment of one chart shares: the chart, its defaults, one renderer session."""

    def __init__(self, chart: _Chart, chart_dir: Path, display: Callable[[Path], str], backend: str,
                 release: str, namespace: str) -> None:
        self.chart = chart
        self.chart_dir = chart_dir
        self.display = display
        self.backend = backend
        self.release = release
        self.namespace = namespace
        self.defaults: dict[str, Any] = {}
        self.default_layers: list[_Layer] = []
        self._session: Any = None
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._templates: dict[str, _Template] = {}

    def session(self) -> Any:
        """The renderer, opened on first use and kept for the marked renders findings may ask for later."""
        if self._session is None:
            source = self.chart_dir
            if _has_schema(self.chart):
                self._scratch = _unschematized_copy(self.chart_dir)  # removed when this context is collected
                source = Path(self._scratch.name) / self.chart_dir.name
            if self.backend == "binary":
                helm = shutil.which("helm")
                if helm is None:
                    raise _RenderFailure(f"the helm binary is no longer on PATH; {_INSTALL_HINT}")
                self._session = _BinarySession(helm, source)
            else:
                try:
                    self._session = _SdkSession(source)
                finally:
                    if self._scratch is not None:  # the SDK holds the chart in memory once loaded
                        self._scratch.cleanup()
                        self._scratch = None
        return self._session

    def template_file(self, key: str) -> tuple[Path | None, Path | None]:
        """``(template file, archive)`` of a rendered key ``<chart>/[charts/<sub>/]templates/<file>``."""
        parts = key.split("/")
        chart = self.chart
        index = 1
        while index + 1 < len(parts) and parts[index] == "charts" and parts[index + 1] in chart.subcharts:
            chart = chart.subcharts[parts[index + 1]]
            index += 2
            if chart.directory is None:
                return None, chart.archive
        if chart.directory is None:  # pragma: no cover - the top chart is always a directory
            return None, chart.archive
        return chart.directory.joinpath(*parts[index:]), None

    def display_key(self, key: str) -> str:
        path, archive = self.template_file(key)
        if path is not None:
            return self.display(path)
        if archive is not None:
            return self.display(archive)
        return key

    def template(self, key: str) -> _Template:
        cached = self._templates.get(key)
        if cached is None:
            path, _ = self.template_file(key)
            text = None
            if path is not None:
                try:
                    text = path.read_text(encoding="utf-8-sig")
                except (OSError, UnicodeDecodeError):
                    text = None
            cached = self._templates[key] = _Template(self.display_key(key), text)
        return cached

    def problem_from_failure(self, message: str, environment: str | None) -> RenderProblem:
        """A Helm error message as a problem at the template file, line and column it names."""
        # An error inside an included template names every call on the way: the last is where it failed.
        matches = list(re.finditer(r"(?P<key>[^\s():\"']+/templates/[^\s():\"']+):(?P<line>\d+)(?::(?P<column>\d+))?",
                                   message))
        match = matches[-1] if matches else None
        text = " ".join(message.replace("template: ", "", 1).split()) if message else "helm could not render the chart"
        if match is None:
            return RenderProblem(self.display(self.chart_dir / "Chart.yaml"), 1, 1,
                                 f"helm could not render the chart: {text}", environment)
        before, after = message[: match.start()], message[match.end():]
        kind = "parse error" if "parse error" in before else "execution error" if "execution error" in before else ""
        detail = " ".join(after.lstrip(" ):").split())
        detail = f"{kind}: {detail}" if kind else detail
        path = self.display_key(match["key"])
        column = int(match["column"]) + 1 if match["column"] else 1
        return RenderProblem(path, int(match["line"]), column, f"template error: {detail}", environment)


class _Environment:
    """One environment's render, and (on first need) what each rendered node came from."""

    def __init__(self, context: _Context, name: str | None, user: dict[str, Any], effective: dict[str, Any],
                 layers: list[_Layer], outputs: dict[str, str]) -> None:
        self.context = context
        self.name = name
        self.user = user
        self.effective = effective
        self.layers = layers
        self.outputs = outputs
        self._real: dict[str, list[ParsedDocument]] = {}
        self._marked: list[dict[str, str]] | None = None
        self._marked_docs: dict[tuple[int, str], list[ParsedDocument]] = {}
        self._leaves: list[tuple[Tokens, Any]] = []

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
            output = session.render(self._marked_values(indices), self.context.release, self.context.namespace)
            if sum(map(len, output.values())) > _MAX_GROWTH * sum(map(len, self.outputs.values())) + 65536:
                raise _RenderFailure("the marked render ran away")
            assert self._marked is not None
            self._marked.append(output)  # still good for the templates whose objects did not change
            complete = _kinds(output) == _kinds(self.outputs)
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
            self._real[key] = parse_text(self.outputs.get(key, ""), key).documents
        return self._real[key]

    def _marked_documents(self, output_index: int, key: str) -> list[ParsedDocument]:
        cache_key = (output_index, key)
        if cache_key not in self._marked_docs:
            text = self._marked_outputs()[output_index].get(key, "")
            self._marked_docs[cache_key] = parse_text(text, key).documents
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
            kind, ordinal = self._ordinal(key, document)
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


_TOP_LEVEL_KIND = re.compile(r"^kind:[ \t]*(\S+)", re.MULTILINE)


def _kinds(outputs: Mapping[str, str]) -> dict[str, list[str]]:
    """The kinds each template rendered, in order: a marked render that changes them flipped a conditional."""
    return {key: kinds for key, text in outputs.items() if (kinds := _TOP_LEVEL_KIND.findall(text))}


def _existing(data: Any, pointer: str) -> Tokens:
    """The tokens of ``pointer`` that exist in ``data`` (the node, or its nearest existing parent)."""
    from ..model import iter_pointer_tokens

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


def _b64(text: str) -> str:
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return ""


# -- schema ------------------------------------------------------------------------------------------


def _schema_problems(schema_path: Path, values: Any, env: _Environment, display: Callable[[Path], str],
                     prefix: Tokens) -> list[RenderProblem]:
    import jsonschema

    parsed, problem = _read_yaml(schema_path, display)
    if problem is not None:
        return [RenderProblem(problem.path, problem.line, problem.column, problem.message, env.name)]
    document = _document(parsed)
    schema = document.data if document is not None else None
    if not isinstance(schema, dict):
        return []
    try:
        validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
        errors = list(validator_class(schema).iter_errors(values))
    except jsonschema.exceptions.SchemaError as exc:
        return [RenderProblem(display(schema_path), 1, 1, f"values.schema.json is not a valid JSON Schema: "
                                                           f"{exc.message}", env.name)]
    except Exception as exc:  # an unresolvable $ref and the like
        return [RenderProblem(display(schema_path), 1, 1, f"values.schema.json cannot be used: {exc}", env.name)]
    problems = []
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        tokens = (*prefix, *(str(p) for p in error.absolute_path))
        extra = _unknown_keys(error)
        if extra:
            tokens = (*tokens, extra[0])
        where = join_pointer("", *tokens) or "/"
        location = None
        probe = tokens
        while location is None:
            location = env.values_location(probe)
            if not probe:
                break
            probe = probe[:-1]
        if location is None:
            first = next((layer for layer in env.layers if layer.document is not None), None)
            location = Location(first.path if first else display(schema_path), 1, 1)
        problems.append(RenderProblem(location.path, location.line, location.column,
                                      f"values do not match {display(schema_path)} at {where}: "
                                      f"{_schema_message(error)}", env.name))
    return problems


def _unknown_keys(error: Any) -> list[str]:
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return []
    known = set((error.schema or {}).get("properties") or {})
    patterns = [re.compile(p) for p in (error.schema or {}).get("patternProperties") or {}]
    return sorted(k for k in error.instance if k not in known and not any(p.search(k) for p in patterns))


def _schema_message(error: Any) -> str:
    """What the schema wants, without the offending value (it may be a secret)."""
    validator, expected = error.validator, error.validator_value
    if validator == "type":
        return f"must be of type {' or '.join(expected) if isinstance(expected, list) else expected}"
    if validator == "required":
        missing = [k for k in expected if isinstance(error.instance, dict) and k not in error.instance]
        return f"missing required key{'s' if len(missing) > 1 else ''} {', '.join(repr(k) for k in missing)}"
    if validator == "additionalProperties":
        return f"unknown key{'s' if len(_unknown_keys(error)) > 1 else ''} " \
               f"{', '.join(repr(k) for k in _unknown_keys(error))} (not allowed by the schema)"
    if validator in ("enum", "const"):
        shown = json.dumps(expected)
        return f"must be {'one of ' if validator == 'enum' else ''}{shown[:200]}"
    if validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
                     "minItems", "maxItems", "multipleOf", "pattern", "format", "uniqueItems", "minProperties",
                     "maxProperties"):
        return f"violates {validator} {json.dumps(expected)[:200]}"
    return f"violates '{validator}' of the schema"


# -- the entry point ---------------------------------------------------------------------------------


def render_chart(chart_dir: Path, *, display: Callable[[Path], str], config: Mapping[str, Any] | None = None,
                 environments: list[ChartEnvironment] | None = None, extra_values: Mapping[str, Any] | None = None,
                 release_name: str | None = None, namespace: str | None = None,
                 extra_values_origin: Callable[[str], Location | None] | None = None) -> RenderResult:
    """Render a chart for each of its environments: one :class:`RenderedSource` per (environment, template).

    ``display`` turns an absolute path into the path reports show. ``config`` is the ``helm:``
    section of the configuration (see the module docstring). ``extra_values`` (an ArgoCD
    Application's ``helm.values`` / ``valuesObject`` / ``parameters``) are merged over every
    environment's files; ``extra_values_origin(pointer)`` may say where a key of them is written, so
    that findings on values they set point there. Problems (no renderer, missing dependencies,
    unreadable values, schema violations, template errors) are in ``RenderResult.problems``.
    """
    chart_dir = Path(chart_dir).absolute()
    result = RenderResult()
    settings = _settings(chart_dir, config, display)
    chart = _load_chart(chart_dir, display, result.problems)
    if chart is None:
        return result
    chart_file = display(chart_dir / "Chart.yaml")
    if settings.backend not in ("auto", "binary", "sdk"):
        result.problems.append(RenderProblem(chart_file, 1, 1, f"cannot render the chart: helm.backend is "
                                             f"'{settings.backend}' in the configuration; use auto, binary or sdk"))
        return result
    backend = available_backend(settings.backend)
    if backend is None:
        result.problems.append(RenderProblem(chart_file, 1, 1, f"cannot render the chart: {_INSTALL_HINT}"))
        return result
    if backend == "binary" and any(p.path == chart_file and "not vendored" in p.message for p in result.problems):
        return result  # helm template refuses a chart with missing dependencies; they are reported
    chart = chart.with_prefix(())
    context = _Context(chart, chart_dir, display, backend, release_name or settings.release_name or chart.name,
                       namespace or settings.namespace or "default")
    for sub in chart.all_charts():
        if sub.directory is None or not (sub.directory / "values.yaml").is_file():
            continue
        parsed, problem = _read_yaml(sub.directory / "values.yaml", display)
        if problem is not None:
            result.problems.append(problem)
            continue
        document = _document(parsed)
        data = document.data if document is not None and isinstance(document.data, dict) else {}
        context.default_layers.append(_Layer(display(sub.directory / "values.yaml"), data, document, sub.prefix))
        context.defaults = _coalesce(context.defaults, _nest(sub.prefix, data))
    for environment in environments if environments is not None else find_environments(chart_dir, config,
                                                                                          display=display):
        _render_environment(context, environment, extra_values, extra_values_origin, result)
    return result


def _render_environment(context: _Context, environment: ChartEnvironment, extra_values: Mapping[str, Any] | None,
                        extra_values_origin: Callable[[str], Location | None] | None, result: RenderResult) -> None:
    display = context.display
    layers: list[_Layer] = []
    user: dict[str, Any] = {}
    for path in environment.values_files:
        path = Path(path).absolute()
        if not path.is_file():
            result.problems.append(RenderProblem(display(path), 1, 1, f"values file of environment "
                                                 f"'{environment.name}' does not exist", environment.name))
            return
        parsed, problem = _read_yaml(path, display)
        if problem is not None:
            result.problems.append(RenderProblem(problem.path, problem.line, problem.column, problem.message,
                                                 environment.name))
            return
        document = _document(parsed)
        data = document.data if document is not None else {}
        if not isinstance(data, dict):
            result.problems.append(RenderProblem(display(path), 1, 1, "a values file must be a mapping",
                                                 environment.name))
            return
        user = _merge(user, data)
        layers.insert(0, _Layer(display(path), data, document, environment_file=True))
    if extra_values:
        user = _merge(user, extra_values)
        layers.insert(0, _Layer("<application values>", dict(extra_values), None, environment_file=True,
                                origin=extra_values_origin or (lambda pointer: None)))
    layers.extend(context.default_layers)
    effective = _coalesce(user, context.defaults)
    env = _Environment(context, environment.name, user, effective, layers, {})

    for chart in context.chart.all_charts():
        schema = chart.directory / "values.schema.json" if chart.directory is not None else None
        if schema is not None and schema.is_file():
            found, values = _get(effective, chart.prefix)
            if found:
                result.problems.extend(_schema_problems(schema, values, env, display, chart.prefix))

    try:
        outputs = context.session().render(user, context.release, context.namespace)
    except _RenderFailure as failure:
        result.problems.append(context.problem_from_failure(str(failure), environment.name))
        return
    except Exception as exc:  # the library failed to load, a broken installation
        result.problems.append(RenderProblem(display(context.chart_dir / "Chart.yaml"), 1, 1,
                                             f"cannot render the chart: {exc}; {_INSTALL_HINT}", environment.name))
        return
    env.outputs = outputs
    for key in sorted(outputs):
        text = outputs[key]
        if key.endswith("NOTES.txt") or not text.strip() or not _has_content(text):
            continue
        result.sources.append(RenderedSource(
            text=text,
            source=Source(path=context.display_key(key), origin="helm", environment=environment.name),
            locators=env.locators(key),
        ))


def _has_content(text: str) -> bool:
    return any(line.strip() and not line.lstrip().startswith("#") and line.strip() != "---"
               for line in text.splitlines())
