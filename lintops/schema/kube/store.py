"""The schema store: offline, strict JSON Schema validation of Kubernetes objects and custom resources.

The front of :mod:`lintops.schema.kube`. Data (see ``schemas/README.md``): per Kubernetes version (1.17
to 1.37) an index mapping ``apiVersion`` and ``kind`` to a definition, over one content-addressed store of
the compact non-strict OpenAPI definitions (Draft 4, descriptions dropped) that all versions share; read
by :mod:`.bundle`, one version at a time and one definition at a time. Converted CRD schemas (ArgoCD,
SealedSecret) under ``schemas/crds``, available in every version. Nothing is read before it is needed, and
a kind's schema is built (:mod:`.build`, :mod:`.crd`) and compiled (:mod:`.validate`) on its first use,
from the closure of the definitions it reaches only.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ...data import data_dir
from ..service import resolve_backend
from . import bundle as _bundle
from . import validate as _validate
from . import versions as _versions
from .build import kind_schema
from .validate import SchemaError, Validator

__all__ = ["SchemaStore"]


def _read_json(path: Path) -> Any:
    with open(path, "rb") as handle:
        return json.loads(handle.read())


class _Shared:
    """What the stores of every version share in one process: the compiled validators of built-in kinds
    and bundled CRDs, by (version, strict, backend, apiVersion, kind), and the index of the bundled CRDs
    (read on first use)."""

    def __init__(self) -> None:
        self.compiled: dict[tuple[str, bool, str, str, str], Validator] = {}
        self._bundled_crds: dict[str, dict[str, str]] | None = None

    def bundled_crds(self) -> dict[str, dict[str, str]]:
        """apiVersion -> kind -> file name (in schemas/crds) of the bundled CRD schemas."""
        if self._bundled_crds is None:
            try:
                path = data_dir("schemas") / "crds" / "index.json"
                self._bundled_crds = _read_json(path)["kinds"] if path.is_file() else {}
            except FileNotFoundError:
                self._bundled_crds = {}
        return self._bundled_crds


_SHARED = _Shared()


class SchemaStore:
    """The schemas of one Kubernetes version: built-in kinds, bundled CRDs, CRDs of the run.

    A run that targets several versions makes one store per version: the version data is loaded once
    per process (:func:`lintops.schema.kube.bundle.load`) and compiled validators are cached by version,
    so stores of different versions share what their versions have in common. Raises ``ValueError``
    (:class:`~lintops.schema.kube.versions.UnsupportedVersion`) naming the supported range for a version
    without data."""

    def __init__(self, kubernetes_version: str = "1.18", strict: bool = True, backend: str | None = None) -> None:
        version = _versions.resolve(kubernetes_version)
        self.kubernetes_version = version
        self.strict = bool(strict)
        self.backend = resolve_backend(backend)
        #: Custom resources: from 1.20 the API server prunes nulls of fields that are not nullable.
        self._prunes_nulls = _versions.version_key(version) >= (1, 20)
        self._data = _bundle.load(version)
        self._shared = _SHARED
        self._crds: dict[tuple[str, str], dict[str, Any]] = {}
        self._crd_validators: dict[tuple[str, str], Validator] = {}

    def has_schema(self, api_version: str, kind: str) -> bool:
        """Whether objects of ``api_version`` and ``kind`` can be validated."""
        if not isinstance(api_version, str) or not isinstance(kind, str):
            return False
        return (
            (api_version, kind) in self._crds
            or self._data.lookup(api_version, kind) is not None
            or kind in self._shared.bundled_crds().get(api_version, {})
        )

    def validate(self, api_version: str, kind: str, body: dict) -> list[SchemaError] | None:
        """Every schema error of ``body`` (sorted by pointer, then message); [] when valid;
        None when no schema is known for ``api_version`` and ``kind``."""
        validator = self._validator(api_version, kind)
        return None if validator is None else validator(body)

    def add_crd(self, crd_body: dict) -> list[str]:
        """Register the served versions of a CustomResourceDefinition found among the inputs; they
        take precedence over bundled schemas of the same kind. Returns problems, never raises."""
        from .crd import crd_reference_problems, crd_versions  # only runs with CRDs: not on every start

        refused = crd_reference_problems(crd_body)  # a $ref out of the CRD: not used (each names its node)
        if refused:
            return list(refused)
        try:
            found, problems = crd_versions(crd_body)
        except (TypeError, ValueError, AttributeError) as exc:  # malformed beyond what is checked
            return [f"CRD could not be read: {exc}"]
        for api_version, kind, schema in found:
            self._crds[(api_version, kind)] = schema
            self._crd_validators.pop((api_version, kind), None)
        return problems

    # -- internals

    def _validator(self, api_version: str, kind: str) -> Validator | None:
        if not isinstance(api_version, str) or not isinstance(kind, str):
            return None
        key = (api_version, kind)
        if key in self._crds:
            validator = self._crd_validators.get(key)
            if validator is None:
                from .crd import crd_kind_schema

                validator = self._build(lambda: crd_kind_schema(self._crds[key], self._objectmeta_defs(), self.strict,
                                                                self._prunes_nulls))
                self._crd_validators[key] = validator
            return validator
        compiled = self._shared.compiled
        cache_key = (self.kubernetes_version, self.strict, self.backend, api_version, kind)
        validator = compiled.get(cache_key)
        if validator is not None:
            return validator
        name = self._data.lookup(api_version, kind)
        if name is not None:
            data = self._data
            validator = self._build(lambda: kind_schema(data.definitions, name, self.strict), re2=False)
        else:
            file_name = self._shared.bundled_crds().get(api_version, {}).get(kind)
            if file_name is None:
                return None
            path = data_dir("schemas") / "crds" / file_name
            from .crd import crd_kind_schema  # a bundled CRD's kind (ArgoCD, SealedSecrets): not every run has one

            validator = self._build(lambda: crd_kind_schema(_read_json(path), self._objectmeta_defs(), self.strict,
                                                            self._prunes_nulls))
        compiled[cache_key] = validator
        return validator

    def _objectmeta_defs(self) -> dict[str, Any] | None:
        try:
            return self._data.definitions
        except (OSError, ValueError):
            return None

    def _build(self, make: Callable[[], dict[str, Any]], *, re2: bool = True) -> Validator:
        try:
            return _validate.compile_schema(make(), self.backend, re2=re2)
        except Exception as exc:  # each backend raises its own kind of error for a bad schema
            return _validate.unusable(exc)
