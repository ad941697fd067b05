"""One finding per place for findings that several objects share (rendered inputs, held-back findings)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from ..config.targets import union_versions
from ..model import Finding


def merge_findings(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per rule, place, node, message and exemption, standing for every object it occurs in.

    One values key feeding seven Services, or one base line that three overlays render, is one place
    to fix: it is reported once there, and the finding names each object and environment it stands
    for (:attr:`Finding.objects`, the first as :attr:`Finding.object`), with the related places of
    all (the template lines, the overlays). The object is not part of the identity (overlays rename
    objects with ``namePrefix``), but what exempted it is: exemptions apply per object, so an
    exempted object's share is a suppressed finding of its own at the same place, and the others stay.
    Findings of files linted alone (a root that did not render) stay apart from rendered ones.
    """
    groups: dict[tuple, list[Finding]] = {}
    for finding in findings:
        key = (finding.rule_id, finding.severity, finding.location, finding.pointer, finding.message,
               finding.suppressed, finding.suppression_reason, finding.linted_alone)
        group = groups.get(key)
        if group is None:
            groups[key] = [finding]
        else:
            group.append(finding)
    return [group[0] if len(group) == 1 else _merged(group) for group in groups.values()]


def _merged(group: list[Finding]) -> Finding:
    first = group[0]
    shares = tuple(dict.fromkeys(share for finding in group for share in finding.shares))
    environments = tuple(sorted({environment for finding in group for environment in finding.environment}))
    related = tuple(dict.fromkeys(place for finding in group for place in finding.related))
    return replace(first, object=shares[0].object if shares else first.object,
                   objects=shares if len(shares) > 1 else (), environment=environments, related=related,
                   kubernetes_versions=union_versions(finding.kubernetes_versions for finding in group))
