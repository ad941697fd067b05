"""A check's parameters as people read them: `lintops explain`, docs/rules.md and docs/checks.md.

Every check declares its parameters as a JSON Schema (``params_schema``) whose properties carry a
``description`` and, where the check has one, the ``default`` it applies; a rule's ``params`` set some of
them. This module reads the two together, so that the command and the generated reference say the
same thing, taken from the one place the check validates with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .checks.base import Check

#: What the type of a value is called in the reference.
_TYPES = {"string": "string", "array": "list", "object": "mapping", "boolean": "boolean", "integer": "integer",
          "number": "number", "null": "null"}


class _Unset:
    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "UNSET"


UNSET: Any = _Unset()


@dataclass(frozen=True)
class Parameter:
    """One parameter of a check, and what a rule sets it to."""

    name: str
    type: str
    description: str
    required: bool = False
    default: Any = UNSET
    #: The value the rule (with the configuration's params) gives it; UNSET when it uses the default.
    value: Any = UNSET

    @property
    def effective(self) -> Any:
        """The value the check runs with: the rule's, else the default (UNSET when neither)."""
        return self.default if self.value is UNSET else self.value


def parameters(check: type[Check], params: Mapping[str, Any] | None = None) -> list[Parameter]:
    """The parameters of ``check`` in the order its schema declares them, with the values of ``params``."""
    schema = check.params_schema
    params = params or {}
    required = set(schema.get("required", ()))
    found = []
    for name, node in (schema.get("properties") or {}).items():
        found.append(Parameter(name=name, type=type_name(node), description=str(node.get("description", "")),
                               required=name in required, default=node.get("default", UNSET),
                               value=params.get(name, UNSET)))
    return found


def type_name(node: Mapping[str, Any]) -> str:
    """``list of strings``, ``one of: removed, unavailable``: a parameter's schema in a few words."""
    if "enum" in node:
        return "one of: " + ", ".join(str(value) for value in node["enum"])
    declared = node.get("type")
    names = [declared] if isinstance(declared, str) else list(declared or ())
    words = []
    for name in names:
        if name == "array" and isinstance(node.get("items"), Mapping) and node["items"].get("type"):
            words.append(f"list of {type_name(node['items'])}s")
        elif name == "object" and isinstance(node.get("additionalProperties"), Mapping):
            words.append(f"mapping to {type_name(node['additionalProperties'])}s")
        else:
            words.append(_TYPES.get(name, name))
    return " or ".join(words) or "any"


def yaml_text(value: Any, flow: bool = True) -> str:
    """``value`` as it is written in a rule file: one line (flow style), or a block whose lists of scalars
    stay on one line (``required: [kind, spec]``), as people write them."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def sequence(dumper: yaml.SafeDumper, data: list[Any]) -> Any:
        scalars = not any(isinstance(item, (dict, list)) for item in data)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow or scalars)

    Dumper.add_representer(list, sequence)
    text = yaml.dump(value, Dumper=Dumper, default_flow_style=flow, sort_keys=False, allow_unicode=True,
                     width=10**6)
    return text.removesuffix("\n...\n").rstrip("\n")


def describe(check: type[Check], params: Mapping[str, Any] | None = None, width: int = 100) -> list[str]:
    """The lines ``lintops explain`` prints for the parameters of ``check`` with a rule's ``params``."""
    import textwrap

    lines: list[str] = []
    for parameter in parameters(check, params):
        value = parameter.effective
        if value is UNSET:
            head = f"  {parameter.name}: (not set)"
        elif isinstance(value, Mapping) and value:
            head = f"  {parameter.name}:" + ("" if parameter.value is not UNSET else " (default)")
            head += "\n" + textwrap.indent(yaml_text(value, flow=False), "      ")
        else:
            head = f"  {parameter.name}: {yaml_text(value)}" + ("" if parameter.value is not UNSET else " (default)")
        lines.append(head)
        about = f"[{parameter.type}{'; required' if parameter.required else ''}] {parameter.description}".strip()
        lines.extend(textwrap.wrap(about, width=width, initial_indent="      ", subsequent_indent="      "))
    return lines
