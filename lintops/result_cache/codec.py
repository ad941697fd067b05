"""A file's report as plain JSON data and back, checking every value's type on the way back.

What is cached of a plain file is what its report hands on (findings after exemptions, before the
baseline and ``--new-since``; its objects; whether it is a manifest), its exemption comments, and the
pod templates its Deployments leave for Rollouts that name them (:mod:`lintops.workload_refs`). JSON,
never pickle: reading an entry runs no code. A value of the wrong type raises :class:`ValueError`,
which the cache treats as a corrupt entry.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from ..model import Finding, Location, ObjectRef, Severity, Share
from ..parse.directives import Directive


def _check(value: Any, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"expected {kind}, got {type(value).__name__}")
    return value


def _str(value: Any) -> str:
    return _check(value, str)


def _opt_str(value: Any) -> str | None:
    return None if value is None else _check(value, str)


def _opt_int(value: Any) -> int | None:
    return None if value is None else _check(value, int)


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(_str(item) for item in _check(value, list))


def location(data: Any) -> Location:
    path, line, column = _check(data, list)
    return Location(_str(path), _check(line, int), _check(column, int))


def ref_data(ref: ObjectRef | None) -> list | None:
    return None if ref is None else [ref.api_version, ref.kind, ref.namespace, ref.name]


def ref(data: Any) -> ObjectRef | None:
    if data is None:
        return None
    api_version, kind, namespace, name = _check(data, list)
    return ObjectRef(_str(api_version), _str(kind), _opt_str(namespace), _opt_str(name))


def _location_data(place: Location) -> list:
    return [place.path, place.line, place.column]


def finding_data(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule_id, "severity": finding.severity.value, "message": finding.message,
        "location": _location_data(finding.location), "pointer": finding.pointer, "object": ref_data(finding.object),
        "remediation": finding.remediation, "related": [_location_data(r) for r in finding.related],
        "environment": list(finding.environment), "suppressed": finding.suppressed,
        "reason": finding.suppression_reason,
        "objects": [[ref_data(share.object), share.environment] for share in finding.objects],
        "linted_alone": list(finding.linted_alone), "versions": list(finding.kubernetes_versions),
        "end": [finding.end_line, finding.end_column], "introduced": finding.introduced,
    }


def finding(data: Any) -> Finding:
    _check(data, dict)
    end_line, end_column = _check(data["end"], list)
    shares = []
    for item in _check(data["objects"], list):
        share_ref, environment = _check(item, list)
        shares.append(Share(ref(share_ref), _opt_str(environment)))
    introduced = data["introduced"]
    return Finding(
        rule_id=_str(data["rule"]), severity=Severity(_str(data["severity"])), message=_str(data["message"]),
        location=location(data["location"]), pointer=_str(data["pointer"]), object=ref(data["object"]),
        remediation=_opt_str(data["remediation"]), related=tuple(location(r) for r in _check(data["related"], list)),
        environment=_strs(data["environment"]), suppressed=_check(data["suppressed"], bool),
        suppression_reason=_opt_str(data["reason"]), objects=tuple(shares), linted_alone=_strs(data["linted_alone"]),
        kubernetes_versions=_strs(data["versions"]), end_line=_opt_int(end_line), end_column=_opt_int(end_column),
        introduced=None if introduced is None else _check(introduced, bool),
    )


_DIRECTIVE_FIELDS = tuple(f.name for f in fields(Directive))


def directive_data(directive: Directive) -> list:
    return [list(value) if isinstance(value, tuple) else value
            for value in (getattr(directive, name) for name in _DIRECTIVE_FIELDS)]


def directive(data: Any) -> Directive:
    scope, rules, reason, line, column, whole_line, rules_span, reason_span = _check(data, list)
    return Directive(_str(scope), _strs(rules), _str(reason), _check(line, int), _check(column, int),
                     _check(whole_line, bool), _span(rules_span), _span(reason_span))


def _span(data: Any) -> tuple[int, int]:
    start, end = _check(data, list)
    return _check(start, int), _check(end, int)


def template_data(record: tuple[tuple, Any]) -> list:
    """A Deployment's record for Rollouts (key, :class:`lintops.workload_refs.PodTemplate`)."""
    key, template = record
    return [list(key), ref_data(template.ref), template.annotations, [finding_data(f) for f in template.findings]]


def template(data: Any) -> tuple[tuple, Any]:
    from ..workload_refs import PodTemplate

    key, template_ref, annotations, found = _check(data, list)
    key = tuple(_opt_str(part) for part in _check(key, list))
    if annotations is not None:
        _check(annotations, dict)
    return key, PodTemplate(ref(template_ref), annotations, tuple(finding(f) for f in _check(found, list)))
