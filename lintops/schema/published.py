"""The published schemas of the two formats people write, and their errors in words.

``schemas/lintops-config.schema.json`` (``.lintops.yaml`` and policy files) and
``schemas/lintops-rule.schema.json`` (rule files) are what lintops validates those files with and what an
editor's YAML language server completes and checks them with, so the two cannot disagree. They are JSON
Schema draft-07: the newest draft yaml-language-server (VS Code's YAML extension, Neovim's yamlls, ...)
implements, and every keyword they use means the same in the later drafts the checks' parameter
schemas are evaluated with. A file is read only when a configuration or a rule file is validated: a run
without either (one manifest, the built-in rules) never opens one.

A validator reports keywords; people need sentences. :func:`first_problem` turns the first error (the
one nearest the top of the file; an unknown key before a missing one, since a misspelt key is usually
why the other is missing) into a :class:`Problem`: the JSON pointer to blame (the unknown key itself,
not its mapping), and a message naming the key in dotted form (``exemptions[0].reason``). A schema node
may carry ``errorMessage`` (a VS Code extension yaml-language-server honours too), which then replaces
the generic wording for that node in both places. Values from the file are quoted only when short, and
never a mapping or a list, so a message stays one readable line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from ..model import join_pointer
from .json_types import json_type

if TYPE_CHECKING:  # pragma: no cover
    from .service import Error

CONFIG_SCHEMA_FILE = "lintops-config.schema.json"
RULE_SCHEMA_FILE = "lintops-rule.schema.json"

_SHOWN = 40  # longest value a message quotes
#: Keywords whose errors come first among errors at the same node (see the module docstring).
_FIRST = {"additionalProperties": 0, "required": 1}
_NOUNS = {"string": "a string", "array": "a list", "object": "a mapping", "boolean": "true or false",
          "integer": "an integer", "number": "a number", "null": "empty"}


class Problem:
    """What is wrong in a file: the node to blame and what to say. (A plain class: this module is imported
    on every run, to check the rules' params, and a dataclass costs the start-up a millisecond.)"""

    __slots__ = ("at_key", "message", "pointer")

    def __init__(self, pointer: str, message: str, at_key: bool = False) -> None:
        self.pointer = pointer
        self.message = message
        #: Position the key rather than its value (an unknown key is the key).
        self.at_key = at_key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Problem) and (self.pointer, self.message, self.at_key) == (
            other.pointer, other.message, other.at_key)

    def __hash__(self) -> int:
        return hash((self.pointer, self.message, self.at_key))

    def __repr__(self) -> str:
        return f"Problem({self.pointer!r}, {self.message!r}, at_key={self.at_key})"


@cache
def load(name: str) -> dict[str, Any]:
    """A published schema by file name, read on first use (``schemas/`` of this installation)."""
    from ..data import data_dir

    return json.loads((data_dir("schemas") / name).read_text(encoding="utf-8"))


@cache
def rule_structure_schema() -> dict[str, Any]:
    """The rule file schema without its per-check ``params`` conditions: what a rule file is checked against
    when it loads. Its ``params`` are checked when the rule is bound to its check (lintops.rules.bind),
    against that check's own schema, which is what the conditions of the published file repeat for
    editors (for the built-in checks), and which also covers plugins' checks and configured params."""
    return {key: value for key, value in load(RULE_SCHEMA_FILE).items() if key != "allOf"}


def first_problem(schema: Mapping[str, Any], instance: Any, *, root: str = "the file", base: str = "",
                  context: Mapping[str, Any] | None = None) -> Problem | None:
    """The first problem of ``instance`` against ``schema``, or None when it is valid.

    ``root`` names the instance itself in messages ("the configuration"); ``base`` starts the dotted
    name of every node below it (``"params"`` gives ``params.report``). ``context`` is the document
    ``schema`` is part of, for local ``$ref`` (default: ``schema`` itself).
    """
    errors = _backend_errors(schema, instance)
    if not errors:
        return None
    error = min(errors, key=lambda e: ([str(t) for t in e.path], _FIRST.get(e.keyword, 2)))
    return _Explainer(context or schema, root, base).explain(error)


def _backend_errors(schema: Mapping[str, Any], instance: Any) -> list[Error]:
    """The errors of ``instance``, each with the schema node holding its keyword (:mod:`lintops.schema.service`)."""
    from .service import rust_errors

    try:
        validator = _rust_validator(schema)
    except ImportError:  # pragma: no cover - exercised where jsonschema-rs has no wheel
        return _python_errors(schema, instance)
    try:
        errors = rust_errors(validator.iter_errors(instance))
    except Exception:  # a value Rust cannot take (an integer beyond 64 bits): ask Python
        return _python_errors(schema, instance)
    for error in errors:  # jsonschema-rs names the location; the node is found from it
        error.schema = _walk(schema, list(error.schema_path[:-1])) if error.keyword else None
    return errors


def _python_errors(schema: Mapping[str, Any], instance: Any) -> list[Error]:
    import jsonschema

    from .service import python_class, python_errors, python_validator

    cls = python_class(schema, default=jsonschema.Draft202012Validator)
    return python_errors(python_validator(cls, schema, linear=False).iter_errors(instance))


def _under_property_names(error: Error) -> bool:
    """Whether the failing schema node is a ``propertyNames`` schema: a key is wrong, not a value."""
    return len(error.schema_path) >= 2 and error.schema_path[-2] == "propertyNames"


#: Compiled validators by schema identity (the schema held, so that its id is not reused): the published
#: schemas and the checks' parameter schemas are written once and never change.
_VALIDATORS: dict[int, tuple[Mapping[str, Any], Any]] = {}


def _rust_validator(schema: Mapping[str, Any]) -> Any:
    held = _VALIDATORS.get(id(schema))
    if held is None or held[0] is not schema:
        from .service import trusted_rust_validator

        if len(_VALIDATORS) >= 256:  # schemas built on the fly (an alternative's, while explaining) pass by
            _VALIDATORS.clear()
        held = _VALIDATORS[id(schema)] = (schema, trusted_rust_validator(dict(schema)))
    return held[1]


def _walk(root: Any, path: Sequence[str | int]) -> Any:
    """The schema node at ``path`` (jsonschema-rs names locations with local references already followed)."""
    node = root
    for token in path:
        if isinstance(node, dict) and str(token) in node:
            node = node[str(token)]
        elif isinstance(node, list) and isinstance(token, int) and token < len(node):
            node = node[token]
        else:
            return None
    return node


class _Explainer:
    def __init__(self, context: Mapping[str, Any], root: str, base: str) -> None:
        self.context = context
        self.root = root
        self.base = base
        #: Whether the instance is itself a node of a larger document (``params``, an alternative's value).
        self.nested = bool(base)

    def name(self, path: Sequence[str | int]) -> str:
        """``exemptions[0].reason``: how a person says where a node is."""
        if not path:
            return self.root
        text = self.base
        for token in path:
            text += f"[{token}]" if isinstance(token, int) else (f".{token}" if text else str(token))
        return text

    def explain(self, error: Error) -> Problem:
        pointer = join_pointer("", *error.path)
        node = self.deref(error.schema) if isinstance(error.schema, dict) else {}
        here = self.name(error.path)
        keyword = error.keyword
        custom = node.get("errorMessage") if isinstance(node.get("errorMessage"), str) else None
        if _under_property_names(error):
            return self._bad_key(error, node, pointer)
        if keyword == "additionalProperties" and isinstance(error.instance, dict):
            return self._unknown_key(error, node, pointer)
        if keyword == "required" and isinstance(error.instance, dict):
            return Problem(pointer, self._missing(error, node))
        if keyword in ("oneOf", "anyOf") and isinstance(node.get(keyword), list):
            branch = self._branch_for(node[keyword], error.instance)
            if branch is not None:
                inner = first_problem(self._with_context(branch), error.instance, context=self.context,
                                      root=here, base=here if error.path else self.base)
                if inner is not None:
                    return Problem(join_pointer(pointer, *_tokens(inner.pointer)), inner.message, inner.at_key)
            if custom:
                return Problem(pointer, f"{here} {custom}, not {_shown(error.instance)}")
            return Problem(pointer, f"{here} must be {_alternatives(node[keyword])}, not {_shown(error.instance)}")
        if custom:
            return Problem(pointer, f"{here} {custom}, not {_shown(error.instance)}")
        return Problem(pointer, f"{here} {self._wording(keyword, node, error)}")

    def _bad_key(self, error: Error, node: Mapping[str, Any], pointer: str) -> Problem:
        """A key that its mapping's ``propertyNames`` refuses (``node`` is that schema)."""
        if isinstance(error.instance, dict):  # jsonschema-rs names the mapping; find the key
            key = next((k for k in error.instance if first_problem(node, k) is not None), "")
        else:  # the jsonschema package names the key
            key = error.instance
        here = self.name(error.path)
        if key == "":
            return Problem(join_pointer(pointer, key), f"{here} has an empty key", at_key=True)
        inner = first_problem(node, key, root="it")
        return Problem(join_pointer(pointer, key), f"{here} has the key {_shown(key)}, which is not allowed: "
                                                   f"{inner.message if inner else error.message}", at_key=True)

    def _wording(self, keyword: str, node: Mapping[str, Any], error: Error) -> str:
        value = error.instance
        if keyword == "type":
            return f"must be {_type_phrase(node.get('type'))}, not {_shown(value)}" + _quote_hint(node, value)
        if keyword == "enum":
            return f"must be {_join_or([_literal(v) for v in node.get('enum', ())])}, not {_shown(value)}"
        if keyword == "const":
            return f"must be {_literal(node.get('const'))}, not {_shown(value)}"
        if keyword in ("minLength", "minItems", "minProperties") and node.get(keyword) == 1:
            return "must not be empty"
        if keyword == "minLength":
            return f"must be at least {node[keyword]} characters long"
        if keyword == "maxLength":
            return f"must be at most {node[keyword]} characters long"
        if keyword == "minItems":
            return f"must list at least {node[keyword]} items"
        if keyword == "maxItems":
            return f"must list at most {node[keyword]} items"
        if keyword == "uniqueItems" and isinstance(value, list):
            seen: list[Any] = []
            repeated = next((item for item in value if item in seen or seen.append(item)), None)
            return f"lists {_shown(repeated)} more than once"
        if keyword == "pattern":
            return f"{_shown(value)} does not match the pattern {node.get('pattern')}"
        if keyword == "propertyNames":
            return f"has a key that is not allowed: {error.message}"
        return f"is not valid: {error.message}"

    def _unknown_key(self, error: Error, node: Mapping[str, Any], pointer: str) -> Problem:
        allowed = list(node.get("properties") or ())
        unknown = next((key for key in error.instance if key not in allowed), None)
        if unknown is None:  # pragma: no cover - the validator reports only unknown keys here
            return Problem(pointer, f"{self.name(error.path)} is not valid: {error.message}")
        where = f" in {self.name(error.path)}" if error.path or self.nested else ""
        message = f"unknown key {_shown(str(unknown))}{where}"
        import difflib  # only when there is an unknown key to explain

        close = difflib.get_close_matches(str(unknown), allowed, n=1, cutoff=0.75)
        if close:
            message += f"; did you mean '{close[0]}'?"
        if allowed:
            message += f" (allowed: {', '.join(sorted(allowed))})"
        return Problem(join_pointer(pointer, unknown), message, at_key=True)

    def _missing(self, error: Error, node: Mapping[str, Any]) -> str:
        required = [key for key in node.get("required", ()) if key not in error.instance]
        key = required[0] if required else "?"
        expected = self.deref((node.get("properties") or {}).get(key) or {})
        what = _expected_phrase(expected)
        tail = f" and must be {what}" if what else ""
        if not error.path and not self.nested:
            return f"'{key}' is required{tail}"
        return f"{self.name(error.path)}: '{key}' is required{tail}"

    def _branch_for(self, branches: Sequence[Any], instance: Any) -> Any:
        """The one alternative whose type admits ``instance``, if exactly one does: its error is the useful one."""
        admitting = [branch for branch in branches if _admits(self.deref(branch), instance)]
        return admitting[0] if len(admitting) == 1 else None

    def _with_context(self, branch: Any) -> Any:
        branch = self.deref(branch)
        if isinstance(branch, dict) and "definitions" in self.context and "definitions" not in branch:
            return {**branch, "definitions": self.context["definitions"]}
        return branch

    def deref(self, node: Any) -> Any:
        """``node`` with a local ``$ref`` followed (draft-07: a node with ``$ref`` means only its target)."""
        for _ in range(16):
            ref = node.get("$ref") if isinstance(node, dict) else None
            if not isinstance(ref, str) or not ref.startswith("#/"):
                return node
            node = _walk(self.context, list(_tokens(ref[1:])))
        return node


def _tokens(pointer: str) -> list[str]:
    from ..model import iter_pointer_tokens

    return list(iter_pointer_tokens(pointer))


def _types(node: Mapping[str, Any]) -> set[str] | None:
    """The JSON types a schema node admits, as far as ``type``, ``enum`` or ``const`` say (None: any)."""
    declared = node.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return set(declared)
    if "enum" in node:
        return {json_type(value) for value in node["enum"]}
    if "const" in node:
        return {json_type(node["const"])}
    return None


def _admits(node: Any, instance: Any) -> bool:
    if not isinstance(node, dict):
        return node is True
    types = _types(node)
    if types is None:
        return True
    kind = json_type(instance)
    return kind in types or (kind == "integer" and "number" in types)


def _type_phrase(declared: Any) -> str:
    names = [declared] if isinstance(declared, str) else list(declared or ())
    return _join_or([_NOUNS.get(name, name) for name in names])


def _expected_phrase(node: Mapping[str, Any]) -> str:
    """What a missing key must hold, in words, when its schema says it simply."""
    if "enum" in node:
        return _join_or([_literal(v) for v in node["enum"]])
    if "type" in node:
        return _type_phrase(node["type"])
    for keyword in ("oneOf", "anyOf"):
        if isinstance(node.get(keyword), list):
            return _alternatives(node[keyword])
    return ""


def _alternatives(branches: Sequence[Any]) -> str:
    phrases: list[str] = []
    for branch in branches:
        phrase = _expected_phrase(branch) if isinstance(branch, dict) else ""
        if phrase and phrase not in phrases:
            phrases.append(phrase)
    return _join_or(phrases) if phrases else "one of the forms the schema allows"


def _join_or(words: Sequence[str]) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def _literal(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _shown(value: Any) -> str:
    """A value of the file as a message quotes it: short scalars only."""
    if isinstance(value, str):
        text = value if len(value) <= _SHOWN else value[: _SHOWN - 1] + "…"
        return f"'{text}'" if value else "an empty string"
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        text = repr(value)
        return f"the number {text if len(text) <= _SHOWN else text[:_SHOWN - 1] + '…'}"
    return "a list" if isinstance(value, list) else "a mapping"


def _quote_hint(node: Mapping[str, Any], value: Any) -> str:
    wants_string = "string" in (_types(node) or ())
    if wants_string and isinstance(value, (int, float)) and not isinstance(value, bool):
        return " (write it in quotes)"
    return ""
