"""``values.schema.json`` checked here rather than by Helm, so that each violation lands on the values key that set it.

Helm stops at the first violation, names only a path into the merged values, and would refuse the
marked renders; so the chart renders from a copy without its schema (:mod:`.chart`) and each
environment's values are validated here with ``jsonschema``, imported only when a chart has a schema.
A message says what the schema asks for, never the value: it may be a secret.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...model import Location, join_pointer
from ...patterns import additional_keys, linear_time_validator, refused_schema_patterns
from ...schema_refs import ForeignReference, foreign_references, python_registry
from ..rendered import RenderProblem
from .chart import _document, _read_yaml
from .values import Tokens

if TYPE_CHECKING:  # pragma: no cover
    from ...yaml_source import ParsedDocument
    from .chart import _Chart
    from .locate import _Environment


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
    chart_root = env.context.chart_dir
    foreign = foreign_references(schema, base_uri=schema_path.as_uri(), root=chart_root)
    if foreign:  # checked before the validator sees the schema; its registry refuses the same references too
        return [_foreign_problem(reference, document, display(schema_path), env.name) for reference in foreign]
    refused = refused_schema_patterns(schema)
    if refused:  # a pattern only a backtracking engine could match: Helm's Go regexp refuses it too
        pointer, pattern, reason = refused[0]
        at = document.position(pointer) if document is not None else None
        return [RenderProblem(display(schema_path), at.line if at else 1, at.column if at else 1,
                              f"values.schema.json cannot be used: the pattern {json.dumps(pattern)} is not a "
                              f"usable RE2 regular expression: {reason}", env.name)]
    try:
        validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
        registry = python_registry(chart_root, schema_path.as_uri(), validator_class.META_SCHEMA.get("$schema"))
        errors = list(linear_time_validator(validator_class)(schema, registry=registry).iter_errors(values))
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


def _foreign_problem(reference: ForeignReference, document: ParsedDocument | None, path: str,
                     environment: str | None) -> RenderProblem:
    """A reference of the values schema that leaves the chart, at its key: the schema is not used."""
    at = document.position(reference.pointer, at_key=True) if document is not None else None
    return RenderProblem(path, at.line if at else 1, at.column if at else 1,
                         f"values.schema.json cannot be used: "
                         f"{reference.message('the JSON Schema drafts lintops bundles and files inside the chart')}",
                         environment)


#: How much of a vendored chart archive is looked through for schemas (Helm's own loader refuses more),
#: how deep archives inside archives are opened, and the largest schema read from one.
_ARCHIVE_BYTES = 100 << 20
_ARCHIVE_DEPTH = 3
_ARCHIVED_SCHEMA_BYTES = 4 << 20


def archived_schema_problems(chart: _Chart, display: Callable[[Path], str]) -> list[RenderProblem]:
    """The references out of themselves of the ``values.schema.json`` files inside vendored chart archives.

    A sub-chart vendored as ``charts/<name>.tgz`` keeps its schema, and Helm validates the values
    against it with its own JSON Schema library, which sends a GET for an ``http(s)`` reference and
    reads a ``file://`` one (a relative one too, against the file system's root). lintops cannot hand
    Helm that archive without its schema, so a chart with such an archive is not rendered: each
    reference is a problem at the archive, naming the file inside it and the reference.
    """
    problems: list[RenderProblem] = []
    for sub in chart.all_charts():
        if sub.archive is None:
            continue
        try:
            with open(sub.archive, "rb") as handle:
                found = list(_archived_references(handle, "", 0))
        except OSError:
            continue  # unreadable: the chart loader reports it
        for member, reference in found:
            said = reference.message("the JSON Schema drafts Helm and lintops bundle")
            problems.append(RenderProblem(
                display(sub.archive), 1, 1, f"{member} (inside the archive) cannot be used: {said}; Helm would "
                                            f"follow it while validating the values, so the chart is not rendered"))
    return problems


def _archived_references(handle: Any, prefix: str, depth: int) -> Iterator[tuple[str, ForeignReference]]:
    import io
    import posixpath
    import tarfile

    try:
        with tarfile.open(fileobj=handle, mode="r:*") as archive:
            for member in archive:
                if member.offset > _ARCHIVE_BYTES:
                    return
                if not member.isfile():
                    continue
                name = member.name.lstrip("./")
                nested = name.endswith((".tgz", ".tar.gz")) and depth < _ARCHIVE_DEPTH
                if posixpath.basename(name) != "values.schema.json" and not nested:
                    continue
                if member.size > (_ARCHIVE_BYTES if nested else _ARCHIVED_SCHEMA_BYTES):
                    continue
                extracted = archive.extractfile(member)
                data = extracted.read() if extracted is not None else b""
                if nested:
                    yield from _archived_references(io.BytesIO(data), f"{prefix}{name}:", depth + 1)
                    continue
                try:
                    schema = json.loads(data)
                except ValueError:
                    continue  # Helm refuses it before it resolves anything
                for reference in foreign_references(schema):
                    yield f"{prefix}{name}", reference
    except (tarfile.TarError, OSError, EOFError, ValueError):
        return  # not an archive Helm can read either: its loader reports it


def _unknown_keys(error: Any) -> list[str]:
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return []
    return sorted(additional_keys(error.schema or {}, error.instance))


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
