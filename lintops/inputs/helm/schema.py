"""``values.schema.json`` checked here rather than by Helm, so that each violation lands on the values key that set it.

Helm stops at the first violation, names only a path into the merged values, and would refuse the
marked renders; so the chart renders from a copy without its schema (:mod:`.chart`) and each
environment's values are validated here with ``jsonschema``, imported only when a chart has a schema.
A message says what the schema asks for, never the value: it may be a secret.

The schema is read as Helm's library reads it (santhosh-tekuri/jsonschema v6, Helm 3.19 and later and
Helm 4; see :mod:`lintops.schema.refs`): the draft is the one its ``$schema`` names to that library,
2020-12 for none and for ``http://json-schema.org/schema#``; the schema is first checked against that
draft's meta-schema, as Helm does before it validates anything (an ``items: [...]`` list is no 2020-12
schema); ``dependencies`` applies in every draft, as it does there; a vocabulary meta-schema named as
``$schema`` applies only that vocabulary's keywords. What lintops does not reproduce: ``format`` (Helm
asserts it for draft-04 to draft-07; lintops never does), and an embedded resource (a subschema with an
``$id``) that names another draft than the root's, which Helm validates with its own draft and
``jsonschema`` with the root's (its meta-schema check is then skipped rather than refuse a valid schema).

References resolve as Helm resolves them, from ``file:///values.schema.json``
(:mod:`lintops.schema.helm_refs`): a ``$ref`` to ``defs.json`` beside the schema names ``/defs.json`` of
the machine that installs the chart, which Helm refuses the chart over, so it is a finding at that
``$ref`` and no file is read, inside the chart or out of it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag

from ...model import Location, join_pointer
from ...patterns import additional_keys, refused_schema_patterns
from ...schema.dialects import HELM_DEFAULT_DRAFT, draft_of, helm_dialect, helm_resource
from ...schema.helm_refs import HELM_SCHEMA_URI
from ...schema.linear import linear_time_validator
from ...schema.refs import REFERENCES, ForeignReference, foreign_references, opaque_relative, reference_nodes
from ...schema.retrieval import python_registry
from ..rendered import RenderProblem
from .chart_files import _document, _read_yaml
from .values import Tokens

if TYPE_CHECKING:  # pragma: no cover
    from ...parse.documents import ParsedDocument
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
    # As Helm resolves it: from file:///values.schema.json, so no reference reaches a file of the chart;
    # only what Helm follows (a definition nothing refers to is never loaded, by Helm or here).
    foreign = foreign_references(schema, helm=True, followed=True)
    if foreign:  # checked before the validator sees the schema; its registry refuses the same references too
        return [_foreign_problem(reference, document, display(schema_path), env.name) for reference in foreign]
    refused = refused_schema_patterns(schema)
    if refused:  # a pattern only a backtracking engine could match: Helm's Go regexp refuses it too
        pointer, pattern, reason = refused[0]
        at = document.position(pointer) if document is not None else None
        return [RenderProblem(display(schema_path), at.line if at else 1, at.column if at else 1,
                              f"values.schema.json cannot be used: the pattern {json.dumps(pattern)} is not a "
                              f"usable RE2 regular expression: {reason}", env.name)]
    readable, meta_schema, mixed = helm_schema(schema)
    invalid = None if mixed else _meta_schema_problem(readable, meta_schema)
    if invalid is not None:  # Helm checks the schema against its draft before it validates a value
        pointer, message = invalid
        at = document.position(pointer, at_key=True) if document is not None else None
        return [RenderProblem(display(schema_path), at.line if at else 1, at.column if at else 1,
                              f"values.schema.json is not a valid JSON Schema ({_draft_label(schema, meta_schema)})"
                              f": {message}; Helm refuses to validate values with it", env.name)]
    try:
        validator_class = _helm_validator_class(meta_schema)
        registry = python_registry(None, HELM_SCHEMA_URI, draft_of(meta_schema), helm=True, document=readable)
        errors = list(validator_class(readable, registry=registry).iter_errors(values))
    except jsonschema.exceptions.SchemaError as exc:
        return [RenderProblem(display(schema_path), 1, 1, f"values.schema.json is not a valid JSON Schema: "
                                                           f"{exc.message}", env.name)]
    except Exception as exc:  # an unresolvable $ref and the like
        said = (str(exc).splitlines() or [type(exc).__name__])[0]
        return [RenderProblem(display(schema_path), 1, 1, f"values.schema.json cannot be used: "
                                                           f"{said[:300]}{'...' if len(said) > 300 else ''}",
                              env.name)]
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
    """A reference of the values schema that leaves it, at its key: the schema is not used."""
    at = document.position(reference.pointer, at_key=True) if document is not None else None
    allowed = "the JSON Schema drafts Helm's library carries"
    return RenderProblem(path, at.line if at else 1, at.column if at else 1,
                         f"values.schema.json cannot be used: {reference.message(allowed)}", environment)


#: A change to a schema as python-jsonschema must read it: (path of the node, keyword, new value; None: removed).
_Change = tuple[tuple[str, ...], str, "str | None"]


def helm_schema(schema: Any) -> tuple[Any, str, bool]:
    """``schema`` as Helm reads it, for python-jsonschema, with the meta-schema Helm applies to its root
    (:func:`helm_dialect`; the default draft for none, and for a non-string ``$schema``, which the meta-schema
    check then refuses), and whether an embedded resource (a subschema with an ``$id``) declares another
    draft than the root's, which Helm honours and python-jsonschema does not.

    In the schema returned, each nested ``$schema`` Helm knows is spelt as its draft's own URI (an alias, a
    vocabulary meta-schema or a fragment would make ``referencing`` refuse the subschema; a ``urn:`` is
    dropped: it keeps the enclosing draft), and each reference to a meta-schema by the meta-schema's own
    URI (``referencing`` resolves a retrieved meta-schema's relative references against the URI it was
    retrieved by, where Helm's library uses its ``$id``). The root's ``$schema`` is left as written: the
    validator class comes from the meta-schema returned. ``schema`` is not changed (it is copied only when
    something has to be respelt); call :func:`lintops.schema.refs.foreign_references` with ``helm=True`` first.
    """
    if not isinstance(schema, dict):
        return schema, HELM_DEFAULT_DRAFT, False
    declared = schema.get("$schema")
    root = (helm_dialect(declared) if isinstance(declared, str) else None) or HELM_DEFAULT_DRAFT
    nodes, ids = reference_nodes(schema)
    changes: list[_Change] = []
    mixed = False
    for node, path, _ in nodes:
        _respell_references(node, path, changes)
        if path and isinstance(node.get("$schema"), str):
            mixed = _respell_dialect(node, path, root, changes) or mixed
    if any(opaque_relative("x", uri) for uri in ids):  # a urn: $id; walked only then, a schema can be large
        from ...schema.helm_refs import helm_references, version_of

        for reference in helm_references(schema, version_of(root)):
            if reference.local and opaque_relative(reference.value, reference.target):
                # Helm: a relative reference against an opaque base is that resource itself
                changes.append((reference.path, reference.keyword, f"#{reference.value.partition('#')[2]}"))
    return (_changed(schema, changes) if changes else schema), root, mixed


def _respell_references(node: dict[str, Any], path: tuple[str, ...], changes: list[_Change]) -> None:
    """Each reference of ``node`` to a meta-schema Helm knows, by that meta-schema's own URI."""
    for keyword in REFERENCES:
        reference = node.get(keyword)
        known = helm_resource(reference) if isinstance(reference, str) else None
        if known is not None:
            fragment = reference.partition("#")[2]
            spelt = urldefrag(known)[0] + (f"#{fragment}" if fragment else "")
            if spelt != reference:
                changes.append((path, keyword, spelt))


def _respell_dialect(node: dict[str, Any], path: tuple[str, ...], root: str, changes: list[_Change]) -> bool:
    """The nested ``$schema`` of ``node`` as its draft's own URI (dropped for a ``urn:``); whether ``node``
    is an embedded resource of another draft than the root's."""
    value = node["$schema"]
    meta = helm_dialect(value, enclosing="")
    if meta == "":
        changes.append((path, "$schema", None))
        return False
    if meta is None:
        return False
    if draft_of(meta) != value:
        changes.append((path, "$schema", draft_of(meta)))
    return draft_of(meta) != draft_of(root) and ("$id" in node or "id" in node)


def _changed(schema: dict[str, Any], changes: list[_Change]) -> dict[str, Any]:
    """A deep copy of ``schema`` with ``changes`` applied."""
    import copy

    result = copy.deepcopy(schema)
    for path, keyword, spelt in changes:
        target: Any = result
        for token in path:
            target = target[int(token)] if isinstance(target, list) else target[token]
        if spelt is None:
            del target[keyword]
        else:
            target[keyword] = spelt
    return result


_DRAFT_NAMES = {"https://json-schema.org/draft/2020-12/schema": "2020-12",
                "https://json-schema.org/draft/2019-09/schema": "2019-09",
                "http://json-schema.org/draft-07/schema#": "draft-07",
                "http://json-schema.org/draft-06/schema#": "draft-06",
                "http://json-schema.org/draft-04/schema#": "draft-04"}


def _draft_label(schema: dict[str, Any], meta_schema: str) -> str:
    """The draft Helm reads ``schema`` with, and why when its ``$schema`` does not name it plainly."""
    name = _DRAFT_NAMES.get(draft_of(meta_schema), draft_of(meta_schema))
    declared = schema.get("$schema")
    if not isinstance(declared, str):
        return f"draft {name}, which Helm applies to a schema that names no draft"
    if meta_schema != draft_of(meta_schema):
        return f"draft {name}, whose vocabulary {meta_schema} it names"
    if helm_resource(declared) == HELM_DEFAULT_DRAFT and "/2020-12/" not in declared:
        return f"draft {name}, which Helm takes {json.dumps(declared)} to mean"
    return f"draft {name}"


@functools.cache
def _meta_validators(meta_schema: str) -> tuple[Any, ...]:
    """jsonschema-rs validators of the meta-schemas a schema declaring ``meta_schema`` must satisfy (a
    vocabulary's with its draft's core, as Helm's library has it), compiled once; formats unchecked:
    jsonschema-rs reads a ``regex`` as ECMA-262, where Helm's Go regexp takes RE2 (``(?i)``)."""
    from jsonschema_specifications import REGISTRY

    from ...schema.service import rust_validator

    draft = draft_of(meta_schema)
    uris = [meta_schema] if meta_schema == draft else [meta_schema, draft.rsplit("/", 1)[0] + "/meta/core"]
    return tuple(rust_validator(REGISTRY.contents(uri.rstrip("#")), linear=False) for uri in uris)


def _meta_schema_problem(schema: Any, meta_schema: str) -> tuple[str, str] | None:
    """The first place where ``schema`` breaks the meta-schema Helm checks it against: (pointer, message)."""
    try:
        validators = _meta_validators(meta_schema)
    except Exception:  # no jsonschema-rs here: python-jsonschema, slower (tens of ms for a 2020-12 schema)
        from ...schema.service import python_class

        draft = python_class({"$schema": draft_of(meta_schema)})
        error = next(iter(draft(draft.META_SCHEMA).iter_errors(schema)), None)
        if error is None:
            return None
        return join_pointer("", *(str(token) for token in error.absolute_path)), error.message[:300]
    for validator in validators:
        for error in validator.iter_errors(schema):
            return join_pointer("", *(str(token) for token in error.instance_path)), error.message[:300]
    return None


#: The keywords of each vocabulary, as Helm's library reads them (by python-jsonschema's names): used
#: when a schema names a vocabulary's meta-schema as its ``$schema``, which turns on that vocabulary only.
_VOCABULARY_KEYWORDS = {
    "core": frozenset({"$ref", "$dynamicRef", "$recursiveRef"}),
    "applicator": frozenset({"allOf", "anyOf", "oneOf", "not", "if", "items", "additionalItems", "prefixItems",
                             "contains", "properties", "patternProperties", "additionalProperties", "dependencies",
                             "dependentSchemas", "propertyNames"}),
    "unevaluated": frozenset({"unevaluatedItems", "unevaluatedProperties"}),
    "validation": frozenset({"type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
                             "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
                             "uniqueItems", "maxProperties", "minProperties", "required", "dependentRequired",
                             "minContains", "maxContains"}),
}


@functools.cache
def _helm_validator_class(meta_schema: str) -> Any:
    """The ``jsonschema`` validator class that validates as Helm's library does for ``meta_schema``: the
    draft's keywords with ``dependencies`` in every draft, only a named vocabulary's keywords (and core),
    patterns matched by RE2."""
    import jsonschema
    from jsonschema._legacy_keywords import dependencies_draft4_draft6_draft7

    draft = draft_of(meta_schema)
    cls = jsonschema.validators.validator_for({"$schema": draft})
    keywords = {"dependencies": dependencies_draft4_draft6_draft7, **cls.VALIDATORS}
    if meta_schema != draft:
        from jsonschema_specifications import REGISTRY

        listed = REGISTRY.contents(meta_schema).get("$vocabulary", {})
        active = {"core", *(uri.rsplit("/", 1)[-1] for uri, required in listed.items() if required is True)}
        if "2019-09" in draft and "applicator" in active:
            active.add("unevaluated")  # 2019-09 has them in the applicator vocabulary
        allowed = frozenset().union(*(_VOCABULARY_KEYWORDS.get(name, frozenset()) for name in active))
        keywords = {keyword: function for keyword, function in keywords.items() if keyword in allowed}
    created = jsonschema.validators.create(meta_schema=cls.META_SCHEMA, validators=keywords,
                                           type_checker=cls.TYPE_CHECKER, format_checker=cls.FORMAT_CHECKER,
                                           id_of=cls.ID_OF, applicable_validators=cls._APPLICABLE_VALIDATORS)
    return linear_time_validator(created)


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
    reference is a problem at the archive, naming the file inside it and the reference. Every reference
    counts here, also one Helm would not follow (in a definition nothing refers to): what Helm is given
    must not name a file or a URL at all.
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
            said = reference.message("the JSON Schema drafts Helm's library carries")
            why = ("Helm would follow it while validating the values" if reference.followed else
                   "Helm would not follow it (nothing it compiles refers there), but lintops gives Helm no schema "
                   "that names a file or a URL")
            problems.append(RenderProblem(
                display(sub.archive), 1, 1, f"{member} (inside the archive) cannot be used: {said}; {why}, so "
                                            f"the chart is not rendered"))
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
                for reference in foreign_references(schema, helm=True):  # Helm validates with it
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
