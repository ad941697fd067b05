"""The built-in rules, read once per installation instead of on every run.

Reading the 37 built-in rule files (parsing each YAML file with positions, building its
:class:`~lintops.rules.RuleSpec`) and validating their params against their checks' schemas cost a
one-file run a third of its time, to learn the same answer each time. This module keeps that answer
in a JSON file beside the package's bytecode (``lintops/__pycache__/``), as Python keeps ``.pyc``
files: written at first use, keyed by the lintops version, the name and content of every built-in rule
file and the source files that turn them into specs, so an upgrade, an edited rule or an edited loader
makes a new key and the file is built again.

What the cache may and may not do:

* It is data (JSON), never code or a pickle, and it lives in the installation, which the linted
  repository cannot write; the rules a repository or a plugin brings are never cached here.
* A file that cannot be read, does not parse, has another key or does not have the exact shape
  written is ignored and rebuilt; a directory that cannot be written (a read-only installation) only
  means the rules are read each time, as before. It is no bytecode: ``PYTHONDONTWRITEBYTECODE``, often
  set in container images, does not turn it off.
* A params verdict is recorded only for a built-in rule whose params passed its check's schema and
  constructed its check (so a json-schema rule's schemas compiled, and may be compiled lazily), keyed
  by the digest of that schema and those params: a configuration that overrides the params, or a
  changed schema, makes another digest and is validated as always.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from . import __version__, install_cache
from .model import Severity
from .rules import RuleSpec, load_rule_dir

#: Bumped when the layout of the file changes.
FORMAT = 2
_PACKAGE = Path(__file__).resolve().parent
_PREFIX = "builtin-rules-"
#: Source files whose code decides what a rule file becomes: an edit to one of them is a new key.
_LOADERS = ("rules.py", "catalog_cache.py", "model.py")
#: The RuleSpec fields the file holds, and which of them are tuples (JSON has lists only).
_FIELDS = ("id", "severity", "summary", "check", "targets", "kinds", "params", "rationale", "remediation",
           "documentation", "examples", "enabled", "origin", "path", "stage", "tags", "help_url", "precision",
           "packs")
_TUPLES = frozenset({"targets", "kinds", "tags", "packs"})

#: Digests of (params schema, params) that validated, from the file read or written by this process.
_verified: set[str] = set()


def builtin_specs(directory: Path, cache_dir: Path | None = None) -> list[RuleSpec]:
    """The specs of the built-in rule files in ``directory``, from the cache (in ``cache_dir``, default the
    package's ``__pycache__``) when it holds this key; read from the files, and the cache written, when not."""
    key = _key(directory)
    cache_dir = cache_dir or _PACKAGE / "__pycache__"
    cached = _read(cache_dir, key)
    if cached is not None:
        specs, verified = cached
        _verified.update(verified)
        return specs
    specs = load_rule_dir(directory, "built-in")
    verified = _validate_builtin_params(specs)
    _verified.update(verified)
    _write(cache_dir, key, specs, verified)
    return specs


def verified(schema: Mapping[str, Any], params: Mapping[str, Any]) -> bool:
    """Whether these built-in params are known to pass this schema (validated when the cache was built)."""
    if not _verified:
        return False
    digest = params_digest(schema, params)
    return digest is not None and digest in _verified


def params_digest(schema: Mapping[str, Any], params: Mapping[str, Any]) -> str | None:
    """A digest of a params schema and params, or None when either is not plain JSON data."""
    import hashlib

    try:
        text = json.dumps([schema, params], sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        return None
    return hashlib.sha256(text.encode()).hexdigest()


def _validate_builtin_params(specs: Iterable[RuleSpec]) -> list[str]:
    """The digests of the built-in rules whose params pass their built-in check's schema and construct it."""
    from .checks import BUILTIN_CHECKS
    from .plugins import load_class
    from .schema.published import first_problem

    found = []
    for spec in specs:
        reference = BUILTIN_CHECKS.get(spec.check or "")
        if spec.stage is not None or reference is None:
            continue
        check_class = load_class("check", spec.check, reference)
        schema = check_class.params_schema
        digest = params_digest(schema, spec.params)
        if digest is not None and first_problem(schema, dict(spec.params), root="params", base="params") is None:
            try:
                check_class(spec.params)  # constructs (a json-schema rule's schemas compile): may defer it
            except Exception:  # such a rule is bound, and refused, as any other
                continue
            found.append(digest)
    return found


def _key(directory: Path) -> str:
    """The version, every rule file's name and bytes, and the loaders' sizes and times, as one digest."""
    import hashlib

    digest = hashlib.sha256(f"{FORMAT}\0{__version__}\0{sys.version}\0{directory}\0".encode())
    for name in _LOADERS:
        stat = (_PACKAGE / name).stat()
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    for path in sorted(directory.glob("*.y*ml")):
        content = path.read_bytes()
        digest.update(f"{path.name}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def _read(cache_dir: Path, key: str) -> tuple[list[RuleSpec], list[str]] | None:
    """The specs and verdicts written under ``key`` if the file is of this format and shape, else None."""
    data = install_cache.read(_PREFIX, key, cache_dir)
    if data is None or data.get("format") != FORMAT:
        return None
    try:
        specs = [_decode(item) for item in data["specs"]]
        verdicts = data["verified"]
        if not all(isinstance(v, str) for v in verdicts):
            return None
        return specs, verdicts
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _decode(item: Any) -> RuleSpec:
    if not isinstance(item, dict) or set(item) != set(_FIELDS):
        raise ValueError("not a rule spec")
    values = {name: (tuple(item[name]) if name in _TUPLES and item[name] is not None else item[name])
              for name in _FIELDS}
    values["severity"] = Severity(values["severity"])
    return RuleSpec(**values)


def _encode(spec: RuleSpec) -> dict[str, Any]:
    values = {name: getattr(spec, name) for name in _FIELDS}
    values["severity"] = spec.severity.value
    return values


def _write(cache_dir: Path, key: str, specs: list[RuleSpec], verdicts: list[str]) -> None:
    """Write the file (lintops.install_cache: atomically, stale keys removed) when it holds the specs
    exactly: JSON keeps every value's type."""
    try:
        if not all(_same(_decode(json.loads(json.dumps(_encode(s)))), s) for s in specs):
            return
    except (TypeError, ValueError):
        return
    install_cache.write(_PREFIX, key, {"format": FORMAT, "specs": [_encode(s) for s in specs],
                                       "verified": verdicts}, cache_dir)


def _same(left: Any, right: Any) -> bool:
    """Equal and of the same types all the way down (``1 == True == 1.0`` would hide a changed type)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, RuleSpec):
        return all(_same(getattr(left, name), getattr(right, name)) for name in _FIELDS)
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, (list, tuple)):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)
