"""A JSON Schema from the linted tree, checked and compiled once: what the ``json-schema`` check asserts.

A rule's schema (``params.schema``, ``params.when``) may come from the repository under review, so
before either library sees it: its references must stay inside it and name only a bundled draft
(:func:`lintops.schema.refs.foreign_references`; the libraries' retrieval hooks refuse the rest too), and
its patterns must be ones RE2 matches in linear time. It is then checked against its draft's meta-schema
and compiled with jsonschema-rs, or, for what Rust cannot take (draft 3, a ``$schema`` it does not know),
with the pure-Python ``jsonschema`` package, which is imported only then. A schema that fails any of this
raises :class:`SchemaUnusable`, naming the node (``params.schema/properties/x/pattern: ...``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

from ..errors import LintopsError
from .service import Error, python_errors, rust_errors

__all__ = ["CompiledSchema", "SchemaUnusable"]

_MAX_EXPANSION_DEPTH = 16
_DRAFT_NAMES = (("draft-04", "Draft4"), ("draft-06", "Draft6"), ("draft-07", "Draft7"),
                ("2019-09", "Draft201909"), ("2020-12", "Draft202012"))


class SchemaUnusable(LintopsError, ValueError):
    """A schema from the tree that cannot be used: invalid for its draft, a reference out of it, a pattern
    RE2 refuses. ``pointer``, when the problem is one node (a ``$ref``), is its JSON pointer from the
    parameters the schema is part of (``/schema/properties/x/$ref``)."""

    def __init__(self, message: str, pointer: str | None = None) -> None:
        super().__init__(message)
        self.pointer = pointer


class CompiledSchema:
    """A JSON Schema checked against its meta-schema and compiled once; yields backend-neutral errors.

    ``where`` names the schema in messages (``params.schema``).
    """

    def __init__(self, schema: Mapping[str, Any], where: str = "params.schema", known_usable: bool = False) -> None:
        """``known_usable``: this schema was checked and compiled before (a built-in rule, by
        lintops.catalog_cache), so it is compiled when first used instead of now: a run whose objects
        the rule never targets neither compiles it nor imports jsonschema-rs."""
        if not isinstance(schema, Mapping):
            raise SchemaUnusable(f"{where}: a JSON Schema must be a mapping")
        self.schema = dict(schema)
        self.where = where
        if not known_usable:
            self._rust = self._checked_rust()

    @cached_property
    def _rust(self) -> Any:
        return self._checked_rust()

    def _checked_rust(self) -> Any:
        """The Rust validator after every check of the schema (None: the Python one, checked too)."""
        _refuse_foreign_references(self.schema, self.where)
        declared = self.schema.get("$schema")
        if declared is not None and not isinstance(declared, str):
            raise SchemaUnusable(f"{self.where}: '$schema' must be a string")
        rust = self.__dict__["_rust"] = self._compile_rust(declared)  # read by _python below
        if rust is None:
            self._python  # noqa: B018 - checks the schema now: a bad rule is refused when it loads
        return rust

    def _compile_rust(self, declared: str | None) -> Any:
        """The jsonschema-rs validator, meta-checked; None when Rust cannot take this schema (draft 3).

        Checking and compiling in Rust keeps the pure-Python ``jsonschema`` (about 50 ms to import)
        off the start-up path of every run.
        """
        try:
            import jsonschema_rs
        except ImportError:  # pragma: no cover - exercised where jsonschema-rs has no wheel
            return None
        if declared and "draft-03" in declared:
            return None
        from .service import rust_meta_check, rust_validator

        try:
            rust_meta_check(self.schema)  # fetches no unknown $schema
        except jsonschema_rs.ValidationError as exc:
            at = "/".join(str(token) for token in exc.instance_path)
            draft = next((name for marker, name in _DRAFT_NAMES if declared and marker in declared), "Draft202012")
            raise SchemaUnusable(f"{self.where}{'/' + at if at else ''}: not a valid JSON Schema "
                                 f"({draft}): {exc.message}") from None
        except Exception:  # an unknown $schema: let the Python backend explain it
            return None
        try:
            return rust_validator(self.schema, formats=True)
        except Exception:  # what Rust cannot compile, Python still can
            return None

    @cached_property
    def _python(self) -> Any:
        import jsonschema

        from .service import python_class, python_validator

        where, declared = self.where, self.schema.get("$schema")
        if self._rust is None:  # Rust compiled them with its linear-time engine: nothing to refuse
            _refuse_backtracking_patterns(self.schema, where)
        cls = python_class(self.schema, default=None if declared else jsonschema.Draft202012Validator)
        if cls is None:
            raise SchemaUnusable(f"{where}: unknown '$schema' {declared!r} "
                                 "(supported: JSON Schema drafts 3, 4, 6, 7, 2019-09 and 2020-12)")
        try:
            cls.check_schema(self.schema)
        except jsonschema.SchemaError as exc:
            at = "/".join(str(token) for token in exc.absolute_path)
            raise SchemaUnusable(f"{where}{'/' + at if at else ''}: not a valid JSON Schema "
                                 f"({cls.__name__.removesuffix('Validator')}): {exc.message}") from None
        return python_validator(cls, self.schema, formats=True)

    @property
    def backend(self) -> str:
        return "jsonschema-rs" if self._rust is not None else "jsonschema"

    def is_valid(self, instance: Any) -> bool:
        if self._rust is not None:
            try:
                return bool(self._rust.is_valid(instance))
            except Exception:  # a value Rust cannot take (a huge integer): ask Python
                pass
        return bool(self._python.is_valid(instance))

    def errors(self, instance: Any) -> list[Error]:
        if self._rust is not None:
            try:
                return rust_errors(self._rust.iter_errors(instance))
            except Exception:  # a value Rust cannot take (a huge integer): ask Python
                pass
        return python_errors(self._python.iter_errors(instance))

    def resolve(self, schema_path: Sequence[str | int]) -> Any:
        """The schema node at ``schema_path``, following local ``$ref`` where the path goes through one."""
        node: Any = self.schema
        for token in schema_path:
            for _ in range(_MAX_EXPANSION_DEPTH):
                if isinstance(node, dict) and str(token) in node:
                    node = node[str(token)]
                    break
                if isinstance(node, list) and isinstance(token, int) and 0 <= token < len(node):
                    node = node[token]
                    break
                target = self._ref_target(node)
                if target is None:
                    return None
                node = target
            else:
                return None
        return node

    def deref(self, node: Any) -> Any:
        """``node`` with its local ``$ref`` followed (for a node that is only a reference)."""
        for _ in range(_MAX_EXPANSION_DEPTH):
            target = self._ref_target(node)
            if target is None:
                return node
            node = target
        return node

    def _ref_target(self, node: Any) -> Any:
        if not isinstance(node, dict):
            return None
        ref = node.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#"):
            return None
        target: Any = self.schema
        for raw in ref[1:].lstrip("/").split("/") if ref not in ("#", "#/") else ():
            token = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(target, dict) and token in target:
                target = target[token]
            elif isinstance(target, list) and token.isdigit() and int(token) < len(target):
                target = target[int(token)]
            else:
                return None
        return target


def _refuse_backtracking_patterns(schema: Mapping[str, Any], where: str) -> None:
    """A ``pattern`` or ``patternProperties`` key that RE2 refuses makes the schema unusable.

    A rule may come from the linted repository, so its patterns are matched in linear time: by
    jsonschema-rs' ``regex`` engine, else by RE2 (:mod:`lintops.patterns`) in the Python backend.
    Lookaround and backreferences, which only a backtracking engine has, are refused when the rule
    loads rather than matched.
    """
    from ..patterns import refused_schema_patterns

    for pointer, pattern, reason in refused_schema_patterns(schema)[:1]:
        raise SchemaUnusable(f"{where}{pointer}: the pattern {json.dumps(pattern)} is not a usable RE2 "
                             f"regular expression: {reason}")


def _refuse_foreign_references(schema: Mapping[str, Any], where: str) -> None:
    """A rule's schema refers only into itself (and names a bundled draft): a rule never makes lintops read a
    file or the network. Checked before either library sees the schema; their retrieval hooks refuse too."""
    from .refs import foreign_references

    for reference in foreign_references(schema)[:1]:
        from ..redact import mask_url_credentials

        pointer = "/" + where.removeprefix("params.").replace(".", "/") + reference.pointer
        value = mask_url_credentials(repr(reference.value))
        if reference.keyword == "$schema":
            raise SchemaUnusable(f"{where}{reference.pointer}: unknown '$schema' {value} (supported: JSON Schema "
                                 "drafts 3, 4, 6, 7, 2019-09 and 2020-12; no other is fetched)", pointer)
        raise SchemaUnusable(f"{where}{reference.pointer}: only local references ('#/$defs/...') are allowed, not "
                             f"{value} ({reference.keyword} {mask_url_credentials(reference.reason)}): a rule "
                             f"never makes lintops read a file or the network", pointer)
