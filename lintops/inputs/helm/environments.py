"""Which environments a chart is rendered for, and the ``helm:`` configuration that names them.

An environment is a ``values-<env>.yaml`` beside ``Chart.yaml``, or an entry of the configuration's
``helm.charts[].environments``. The configuration's shape (:data:`CONFIG_SCHEMA`) sits beside the code
that reads it, so that the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ...lazy_pattern import lazy

_ENV_FILE = lazy(r"values-(?P<env>[^/\\]+)\.ya?ml")

_NAME = {"type": "string", "minLength": 1}
#: JSON Schema of the configuration's ``helm:`` section (see the package docstring, lintops.inputs.helm).
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
