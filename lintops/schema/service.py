"""The JSON Schema service: which backend, how a schema is compiled, what it may retrieve, its errors alike.

Four parts of lintops validate with JSON Schema: Kubernetes objects (:mod:`lintops.schema.kube`), the
``json-schema`` check's rule schemas (:mod:`lintops.schema.compiled`), the published schemas of
``.lintops.yaml`` and rule files and the checks' parameter schemas (:mod:`lintops.schema.published`), and
a chart's ``values.schema.json`` (:mod:`lintops.inputs.helm.schema`). Each says only what is its own
(the draft, the wording of its messages); what they share is here, decided once:

- the backend: jsonschema-rs (fast, compiled in Rust) when it is installed, else the pure-Python
  ``jsonschema`` package, imported only then (about 50 ms);
- compilation, with the reference policy of :mod:`lintops.schema.retrieval` plugged into each library's
  retrieval hooks (a schema from the tree is also checked up front, by :mod:`lintops.schema.refs`), and
  patterns matched in linear time with RE2 semantics (:mod:`lintops.patterns`, :mod:`.linear`);
- errors as :class:`Error`: the JSON pointer of the failing node, the failing keyword and the backend's
  message, plus what a caller needs to word it (the schema path, the failing value, the backend's error).

Nothing is imported before it is needed: importing this module costs nothing a run without schemas pays.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

BACKENDS = ("jsonschema-rs", "jsonschema")


def rust_available() -> bool:
    """Whether jsonschema-rs is installed (it has no wheel for some platforms)."""
    import importlib.util

    return importlib.util.find_spec("jsonschema_rs") is not None


def resolve_backend(backend: str | None) -> str:
    """The backend to use: ``backend`` if it is installed (``ValueError`` otherwise), jsonschema-rs for None
    when it is installed, else ``jsonschema``."""
    import importlib.util

    if backend is None:
        return "jsonschema-rs" if rust_available() else "jsonschema"
    if backend not in BACKENDS:
        raise ValueError(f"unknown schema backend {backend!r}; supported: {', '.join(BACKENDS)}")
    module = "jsonschema_rs" if backend == "jsonschema-rs" else "jsonschema"
    if importlib.util.find_spec(module) is None:
        raise ValueError(f"schema backend {backend!r} is not installed (python package {module})")
    return backend


# -- compilation ------------------------------------------------------------------------------------


def rust_validator(schema: Any, *, draft4: bool = False, formats: bool = False, linear: bool = True,
                   keywords: dict[str, Any] | None = None, retriever: Any = None) -> Any:
    """A jsonschema-rs validator of ``schema``: the draft its ``$schema`` names (Draft 4 with ``draft4``),
    ``format`` asserted with ``formats``, patterns by the linear-time ``regex`` engine with ``linear``, custom
    ``keywords``; it retrieves what ``retriever`` gives (default: nothing). Raises the library's errors."""
    import jsonschema_rs

    from .retrieval import refuse_retrieval

    options: dict[str, Any] = {"validate_formats": formats, "retriever": retriever or refuse_retrieval}
    if linear:
        from ..patterns import jsonschema_rs_pattern_options

        options["pattern_options"] = jsonschema_rs_pattern_options()
    if keywords:
        options["keywords"] = keywords
    if draft4:
        return jsonschema_rs.Draft4Validator(schema, **options)
    return jsonschema_rs.validator_for(schema, **options)


def trusted_rust_validator(schema: Any) -> Any:
    """A jsonschema-rs validator of a schema lintops itself wrote (the published schemas, the checks'
    parameter schemas): the library's defaults, which such a schema, referring only into itself, never
    leaves."""
    import jsonschema_rs

    return jsonschema_rs.validator_for(schema)


def rust_meta_check(schema: Any) -> None:
    """Check ``schema`` against the meta-schema of its draft with jsonschema-rs, fetching no unknown
    ``$schema``; raises ``jsonschema_rs.ValidationError`` for an invalid schema, other errors for a
    ``$schema`` the library does not know."""
    import jsonschema_rs

    from .retrieval import rust_registry

    jsonschema_rs.meta.validate(schema, registry=rust_registry())


def python_validator(cls: Any, schema: Any, *, formats: bool = False, registry: Any = None,
                     linear: bool = True) -> Any:
    """A ``jsonschema`` validator of ``schema`` of the class ``cls`` (a draft's, or one made for it), its
    patterns matched by RE2 with ``linear``, ``format`` asserted with ``formats``; it retrieves what
    ``registry`` has (default: the libraries' meta-schemas and nothing else)."""
    from .retrieval import python_registry

    if linear:
        from .linear import linear_time_validator

        cls = linear_time_validator(cls)
    options: dict[str, Any] = {"registry": registry if registry is not None else python_registry()}
    if formats:
        options["format_checker"] = cls.FORMAT_CHECKER
    return cls(schema, **options)


def python_class(schema: Any, default: Any = None) -> Any:
    """The ``jsonschema`` validator class of the draft ``schema`` declares (``default`` for none; None for
    a ``$schema`` the library does not know, when ``default`` is None)."""
    import jsonschema

    return jsonschema.validators.validator_for(schema, default=default)


# -- errors -----------------------------------------------------------------------------------------


class Error:
    """One validation error, the same whichever backend found it.

    ``path`` and ``schema_path`` are token tuples (``pointer`` is ``path`` as a JSON pointer);
    ``keyword`` is the failing keyword (``"false"`` for a ``false`` schema); ``message`` is the backend's
    own words, which may quote the value; ``instance`` is the failing value, ``schema`` the schema node
    holding the keyword (python-jsonschema only, else None) and ``raw`` the backend's error, for the
    details one caller needs (a jsonschema-rs error ``kind``). (A plain class: errors are made for every
    failing object.)
    """

    __slots__ = ("instance", "keyword", "message", "path", "raw", "schema", "schema_path")

    def __init__(self, path: tuple[Any, ...], schema_path: tuple[Any, ...], keyword: str, message: str,
                 instance: Any, schema: Any = None, raw: Any = None) -> None:
        self.path = path
        self.schema_path = schema_path
        self.keyword = keyword
        self.message = message
        self.instance = instance
        self.schema = schema
        self.raw = raw

    @property
    def pointer(self) -> str:
        return pointer(self.path)

    def __repr__(self) -> str:
        return f"Error({self.pointer!r}, {self.keyword!r}, {self.message!r})"


def rust_errors(errors: Iterable[Any]) -> list[Error]:
    """jsonschema-rs' ``ValidationError`` objects as :class:`Error`."""
    found = []
    for error in errors:
        schema_path = tuple(error.schema_path)
        keyword = str(schema_path[-1]) if schema_path else ""
        if type(error.kind).__name__ == "FalseSchema":
            keyword = "false"
        found.append(Error(tuple(error.instance_path), schema_path, keyword, error.message, error.instance,
                           raw=error))
    return found


def python_errors(errors: Iterable[Any]) -> list[Error]:
    """python-jsonschema's ``ValidationError`` objects as :class:`Error`."""
    return [Error(tuple(error.absolute_path), tuple(error.absolute_schema_path),
                  "false" if error.validator is None else str(error.validator), error.message,
                  error.instance, error.schema, error)
            for error in errors]


def escape(token: Any) -> str:
    """One JSON pointer token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(path: Iterable[Any]) -> str:
    """The JSON pointer of a token path (``""``: the document)."""
    return "".join("/" + escape(token) for token in path)


def plain(value: Any) -> Any:
    """``value`` as exactly the JSON types (YAML timestamps, binary, sets and non-string keys
    converted the way Kubernetes' YAML-to-JSON conversion sees them)."""
    if isinstance(value, dict):
        return {_plain_key(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, int):  # bool subclasses cannot exist; int subclasses (IntEnum) can
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        import base64

        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (set, frozenset)):
        return sorted((plain(item) for item in value), key=repr)
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        return isoformat()
    return str(value)


def _plain_key(key: Any) -> str:
    if isinstance(key, str):
        return str(key)
    if key is None or isinstance(key, (bool, int, float)):
        return json.dumps(key)
    converted = plain(key)
    return converted if isinstance(converted, str) else json.dumps(converted, sort_keys=True)
