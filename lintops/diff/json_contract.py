"""``lintops diff --format json``: the diff as a stable contract (documented in the README; keys are only ever added).

::

    {"format": "lintops-diff/1", "version", "base_ref", "base_commit", "failed", "fail_on",
     "environments": [{"environment", "kubernetes_version", "added": [OBJECT], "removed": [OBJECT],
                       "changed": [OBJECT], "unchanged"}],
     "findings": {"introduced": [FINDING], "resolved": [FINDING], "unchanged": [FINDING]},
     "summary": {"head": SUMMARY, "base": SUMMARY}}

    OBJECT = {"apiVersion", "oldApiVersion", "group", "kind", "namespace", "name", "occurrence",
              "location": LOCATION | null, "fields": [FIELD], "omitted_fields"}
    FIELD = {"path", "pointer", "change", "old", "new", "redacted", "location": LOCATION | null}
    LOCATION = {"path", "line", "column"}

- ``format`` names this contract and its version; a change that is not an addition bumps it.
  ``version`` is lintops'. ``base_ref`` is ``--base`` as given, ``base_commit`` the merge base the head
  was compared with. ``failed`` is whether an introduced finding reaches ``fail_on`` (the exit code is 1).
- ``environments`` lists every environment rendered at either side, those without a change too
  (``added``, ``removed`` and ``changed`` empty), sorted by their label; ``environment`` is null for the
  plain manifests; ``kubernetes_version`` is set for a chart rendered once per target version.
  ``unchanged`` counts the objects that are the same at both sides.
- An object: ``apiVersion`` at head (the base's for a removed one), ``oldApiVersion`` the base's (null
  when the object is not at the base), ``group`` the API group objects are matched by (``""`` for the core
  group), ``occurrence`` tells apart objects of the same identity in one environment (0 for the first),
  ``location`` where the object is written (at head; at the base for a removed one). Objects are sorted by
  identity (group, kind, namespace, name, occurrence; null before any name).
- A field, in the order the comparison gives: ``path`` as a person reads it
  (``spec.template.spec.containers[name=app].image``), ``pointer`` its JSON pointer (in the head object; in
  the base object for a removed field), ``change`` one of ``added``, ``removed``, ``changed``; ``old`` and
  ``new`` the values, plain JSON, a key left out on the side that has no such field (``old`` of an added
  field). A value a secret may be in is ``{"redacted": "<digest>"}`` (a keyed hash: equal values, equal
  digests within one run), anywhere inside a value; ``redacted`` is true when the field's value is or holds
  one. ``location`` is where the head's value is written (a values file key, a patch, a manifest line);
  null for a removed field or when it could not be placed. A YAML value JSON cannot hold is written as
  YAML spells it: ``.inf``, ``-.inf``, ``.nan`` as strings, a non-string mapping key as its string.
- ``omitted_fields`` counts the fields that differ beyond those listed (the list is bounded).
- ``findings`` as the ``json`` report writes each (``lintops.reporters.json.finding_to_dict``): the head's
  findings the change introduces, the base's it resolves, and the head's the base has too; each list
  sorted by path, line, column, rule and message; fingerprints as each side's run computes them.
- ``summary.head`` and ``summary.base`` count each side's run, with the keys of the ``json`` report's
  ``summary``.

Stable means: key order fixed, and the same result always gives the same bytes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import IO, Any

from .. import __version__
from ..model import Finding, Location
from .model import ABSENT, DiffResult, EnvironmentChanges, FieldChange, ObjectChange, ObjectKey, Redacted

FORMAT = "lintops-diff/1"


def ordered_environments(result: DiffResult) -> list[EnvironmentChanges]:
    """Every environment in the order every format lists them: by label."""
    return sorted(result.environments, key=lambda environment: environment.label)


def _optional(value: str | None) -> tuple[bool, str]:
    return (value is not None, value or "")


def object_order(key: ObjectKey) -> tuple[Any, ...]:
    """A total order of object identities (``ObjectKey``'s own would compare None with a name)."""
    return (key.group, key.kind, _optional(key.namespace), _optional(key.name), key.occurrence,
            _optional(key.environment), _optional(key.kubernetes_version))


def ordered_objects(changes: Iterable[ObjectChange]) -> list[ObjectChange]:
    return sorted(changes, key=lambda change: object_order(change.key))


def ordered_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda finding: (*finding.sort_key, finding.severity.rank))


def plain(value: Any) -> Any:
    """``value`` as JSON can hold it: a :class:`Redacted` as ``{"redacted": digest}``, see the module docstring."""
    if isinstance(value, Redacted):
        return {"redacted": value.digest}
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    if isinstance(value, Mapping):
        return {key if isinstance(key, str) else _key(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return str(value)  # a YAML timestamp or another scalar type: as text


def _key(key: Any) -> str:
    """A mapping key JSON cannot hold (YAML allows ``1:``, ``true:``, ``~:``) as YAML would print it."""
    text = plain(key)
    return text if isinstance(text, str) else json.dumps(text)


def location(place: Location | None) -> dict[str, Any] | None:
    return None if place is None else {"path": place.path, "line": place.line, "column": place.column}


def _field(change: FieldChange) -> dict[str, Any]:
    data: dict[str, Any] = {"path": change.path, "pointer": change.pointer, "change": change.change}
    if change.old is not ABSENT:
        data["old"] = plain(change.old)
    if change.new is not ABSENT:
        data["new"] = plain(change.new)
    data["redacted"] = change.redacted
    data["location"] = location(change.location)
    return data


def _object(change: ObjectChange) -> dict[str, Any]:
    key = change.key
    return {
        "apiVersion": change.api_version,
        "oldApiVersion": change.old_api_version,
        "group": key.group,
        "kind": key.kind,
        "namespace": key.namespace,
        "name": key.name,
        "occurrence": key.occurrence,
        "location": location(change.location),
        "fields": [_field(field) for field in change.fields],
        "omitted_fields": change.omitted_fields,
    }


def _environment(environment: EnvironmentChanges) -> dict[str, Any]:
    return {
        "environment": environment.name,
        "kubernetes_version": environment.kubernetes_version,
        "added": [_object(change) for change in ordered_objects(environment.added)],
        "removed": [_object(change) for change in ordered_objects(environment.removed)],
        "changed": [_object(change) for change in ordered_objects(environment.changed)],
        "unchanged": environment.unchanged,
    }


def _findings(result: DiffResult) -> dict[str, list[dict[str, Any]]]:
    """Each side's findings with the fingerprints its own run gives them (head: introduced and unchanged)."""
    from ..fingerprint import finding_fingerprints
    from ..reporters.json import finding_to_dict

    introduced, resolved, unchanged = (ordered_findings(findings) for findings in (
        result.findings.introduced, result.findings.resolved, result.findings.unchanged))
    head = finding_fingerprints(introduced + unchanged)
    values = {"introduced": head[:len(introduced)], "resolved": finding_fingerprints(resolved),
              "unchanged": head[len(introduced):]}
    return {name: [finding_to_dict(finding, prints[0], prints) for finding, prints in zip(
        findings, values[name], strict=True)]
        for name, findings in (("introduced", introduced), ("resolved", resolved), ("unchanged", unchanged))}


def to_json(result: DiffResult) -> dict[str, Any]:
    """The whole result as the contract (the module docstring) lists it."""
    from ..reporters.json import summary_to_dict
    return {
        "format": FORMAT,
        "version": __version__,
        "base_ref": result.base_ref,
        "base_commit": result.base_commit,
        "failed": result.failed,
        "fail_on": result.fail_on.value,
        "environments": [_environment(environment) for environment in ordered_environments(result)],
        "findings": _findings(result),
        "summary": {"head": summary_to_dict(result.head_summary), "base": summary_to_dict(result.base_summary)},
    }


def write_json(result: DiffResult, stream: IO[str]) -> None:
    """The contract, indented as the ``json`` report is, and a final line break."""
    from ..reporters import json_text

    json_text.dump(to_json(result), stream)
    stream.write("\n")
