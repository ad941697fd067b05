"""Kubernetes target versions: how they are written, which ones this installation has data for.

A target is a minor release (``1.29``): every patch release of a minor serves the same APIs with the
same schemas. It may be written ``1.29``, ``1.29.4``, ``v1.29.4`` (also ``v1.29``), and with the suffix
a cluster reports (``v1.29.4-eks-036c24b``, ``1.21.5+k3s1``), so that ``kubectl version`` output can be
pasted.

Data comes from two places, found without reading any schema:

- the bundle in ``schemas/kubernetes/`` (``v1.N.json`` per version; see ``schemas/README.md``);
- an installed ``kubernetes-validate`` package's ``kubernetes-json-schema/v1.N.0-local/`` folders (either
  layout), read without importing the package; they add versions the bundle lacks (older ones, or newer
  ones before lintops bundles them), and never replace a bundled version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ...data import data_dir
from ...errors import LintopsError
from ...lazy_pattern import lazy

__all__ = [
    "BUNDLED",
    "KUBERNETES_VALIDATE",
    "Source",
    "UnsupportedVersion",
    "describe",
    "minor",
    "reset",
    "resolve",
    "sources",
    "supported_versions",
    "version_key",
]

BUNDLED = "bundled"
KUBERNETES_VALIDATE = "kubernetes-validate"

_VERSION = lazy(r"v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+][0-9A-Za-z.+-]*)?", re.IGNORECASE)
_MANIFEST = lazy(r"v(\d+)\.(\d+)\.json")


class UnsupportedVersion(LintopsError, ValueError):
    """A target version that is malformed or has no schema data; the message names the supported range."""


@dataclass(frozen=True)
class Source:
    """Where one version's data is: ``origin`` is :data:`BUNDLED` (``path`` = its ``v1.N.json``) or
    :data:`KUBERNETES_VALIDATE` (``path`` = that folder's ``_definitions.json``)."""

    version: str
    origin: str
    path: Path


def minor(text: object) -> str | None:
    """``"1.29"``, ``"1.29.4"``, ``"v1.29.4"``, ``"v1.29.4-eks-1"`` -> ``"1.29"``; None if not a version."""
    match = _VERSION.fullmatch(str(text).strip())
    if match is None:
        return None
    return f"{int(match.group(1))}.{int(match.group(2))}"


def version_key(version: str) -> tuple[int, int]:
    """Sort key: ``1.9`` before ``1.10``."""
    major, _, rest = version.partition(".")
    return int(major), int(rest)


class _Sources:
    """The versions with data, found on first use and then kept for the process."""

    def __init__(self) -> None:
        self.found: dict[str, Source] | None = None

    def get(self) -> dict[str, Source]:
        if self.found is None:
            found: dict[str, Source] = {}
            for folder in _kubernetes_validate_dirs():
                version = minor(folder.name.split("-", 1)[0])
                definitions = folder / "_definitions.json"
                if version and definitions.is_file():
                    found.setdefault(version, Source(version, KUBERNETES_VALIDATE, definitions))
            for version, path in _bundled().items():
                found[version] = Source(version, BUNDLED, path)  # the bundle wins
            self.found = found
        return self.found


_SOURCES = _Sources()


def sources() -> dict[str, Source]:
    """version -> :class:`Source`, for every version with data (found once per process)."""
    return _SOURCES.get()


def supported_versions() -> list[str]:
    """Every version with schema data, oldest first."""
    return sorted(sources(), key=version_key)


def describe(versions: list[str] | None = None) -> str:
    """The versions as ranges: ``"1.17 to 1.37"``; a gap starts another (``"1.11 to 1.13, 1.17 to 1.37"``)."""
    ordered = sorted(set(supported_versions() if versions is None else versions), key=version_key)
    if not ordered:
        return "none"
    runs: list[list[str]] = [[ordered[0]]]
    for version in ordered[1:]:
        previous = version_key(runs[-1][-1])
        current = version_key(version)
        if current == (previous[0], previous[1] + 1):
            runs[-1].append(version)
        else:
            runs.append([version])
    return ", ".join(run[0] if len(run) == 1 else f"{run[0]} to {run[-1]}" for run in runs)


def resolve(text: object, allowed: list[str] | None = None) -> str:
    """The minor version a target names, if this installation has data for it (and it is in ``allowed``,
    when given). Raises :class:`UnsupportedVersion` naming the supported range otherwise."""
    supported = supported_versions() if allowed is None else [v for v in allowed if v in sources()]
    version = minor(text)
    if version is None:
        raise UnsupportedVersion(
            f"'{text}' is not a Kubernetes version (write 1.N, 1.N.P or v1.N.P, e.g. 1.29); "
            f"supported versions: {describe(supported)}"
        )
    if version not in supported:
        shown = version if str(text).strip() == version else f"{version} ('{text}')"
        raise UnsupportedVersion(f"Kubernetes {shown} is not supported; supported versions: {describe(supported)}")
    return version


def _bundled() -> dict[str, Path]:
    try:
        folder = data_dir("schemas") / "kubernetes"
        names = [entry.name for entry in folder.iterdir()] if folder.is_dir() else []
    except FileNotFoundError:
        return {}
    found = {}
    for name in names:
        match = _MANIFEST.fullmatch(name)
        if match:
            found[f"{int(match.group(1))}.{int(match.group(2))}"] = folder / name
    return found


def _kubernetes_validate_dirs() -> list[Path]:
    """The non-strict ``vX.Y.Z-local`` folders of an installed ``kubernetes_validate`` (not imported)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("kubernetes_validate")
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    found = []
    for location in spec.submodule_search_locations:
        root = Path(location) / "kubernetes-json-schema"
        if root.is_dir():
            found.extend(path for path in root.iterdir() if path.is_dir() and path.name.endswith("-local"))
    # highest patch last, so that setdefault keeps the lowest; all patches of a minor carry one API
    return sorted(found, key=lambda path: path.name)


def reset() -> None:
    """Forget the sources found (tests that install a package at run time)."""
    _SOURCES.found = None
