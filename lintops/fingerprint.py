"""One fingerprint per finding, stable across runs: the identity that reports and baselines share.

A finding is the same finding in the next run when the same rule fires on the same node of the same
object in the same file, wherever that node has moved to. So the fingerprint hashes::

    rule id, path (forward slashes), apiVersion, kind, namespace, name, JSON pointer

and never the line or column (a comment added above an object must not make its findings "new"), nor
the message (rewording a message is not a new problem), nor the environment: a values key that is
wrong for staging and for production is one problem to fix, so it is one fingerprint.

Two different findings can share that identity: a rule that reports two things about one node (the
schema rule names the nearest existing parent of each missing field), or two parse errors in a file
(no object, no pointer). :func:`fingerprints` tells them apart within a run by also hashing the message
of each, and only of those. When even the message is the same (``duplicate key`` twice in one file),
the findings at different places are told apart by their *occurrence*: the second place in the file
(in line order) hashes in ``2``, the third ``3``, and so on, never the line itself, so an edit above
them moves them without renaming them; the first keeps the fingerprint it had before occurrences were
counted, so a baseline recorded then still matches it. Findings that differ in nothing but their
environment (the same place) keep one fingerprint.

The recipe is versioned (``v1``): changing it makes every finding new once, so it changes only on purpose.
Counting occurrences changed no fingerprint a finding had alone; what it changed is that the second and
later of several identical findings in a file, which used to share the first one's, now have their own
(a baseline recorded before keeps suppressing them: :meth:`lintops.baseline.Baseline.apply`).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Container, Sequence

from .model import Finding

#: Bumped only when the recipe changes on purpose (every baseline then needs regenerating).
RECIPE = "lintops-fingerprint-v1"
_SEP = "\x00"


def _digest(*parts: str) -> str:
    return hashlib.sha256(_SEP.join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def normalize_path(path: str) -> str:
    """The path as reports print it: forward slashes, no leading ``./``."""
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def fingerprint(finding: Finding) -> str:
    """The finding's identity: rule, path, object (apiVersion, kind, namespace, name) and pointer; 32 hex digits."""
    obj = finding.object
    identity = ("", "", "", "") if obj is None else (obj.api_version, obj.kind, obj.namespace or "", obj.name or "")
    return _digest(RECIPE, finding.rule_id, normalize_path(finding.location.path), *identity, finding.pointer)


def fingerprints(findings: Sequence[Finding]) -> list[str]:
    """The fingerprint of each finding of a run, in order, distinct for findings that are different.

    Findings with the same :func:`fingerprint` and the same message at the same place (the same problem,
    e.g. in several environments) share it; when the messages differ, each message is hashed in, and when
    only the places differ, each place's occurrence number, so that every problem keeps its own
    fingerprint (GitLab drops Code Quality entries whose fingerprint it has already seen, SARIF merges them).
    """
    return _by_occurrence(first_occurrence(findings), findings)


def _by_occurrence(values: list[str], findings: Sequence[Finding]) -> list[str]:
    """``values`` with identical findings at different places of a file told apart: the n-th place
    (n > 1, in line and column order) hashes in its occurrence number, the first keeps its value.
    Places are counted per environment: one problem of a template rendered for staging and for
    production may sit at different lines of each rendering, and is still one problem."""
    places: dict[tuple[str, tuple[str, ...]], set[tuple[int, int]]] = defaultdict(set)
    for value, finding in zip(values, findings, strict=True):
        places[value, tuple(finding.environment)].add((finding.location.line, finding.location.column))
    order = {key: {place: number for number, place in enumerate(sorted(found), start=1)}
             for key, found in places.items() if len(found) > 1}
    if not order:
        return values
    result = []
    for value, finding in zip(values, findings, strict=True):
        numbers = order.get((value, tuple(finding.environment)), {})
        number = numbers.get((finding.location.line, finding.location.column), 1)
        result.append(value if number == 1 else _digest(value, "occurrence", str(number)))
    return result


def first_occurrence(findings: Sequence[Finding]) -> list[str]:
    """Each finding's fingerprint as it was before occurrences were counted (the first occurrence's), which
    a baseline recorded then holds for every identical finding of a file (see :meth:`Baseline.apply`)."""
    base = [fingerprint(f) for f in findings]
    messages: dict[str, set[str]] = defaultdict(set)
    for value, finding in zip(base, findings, strict=True):
        messages[value].add(finding.message)
    return [value if len(messages[value]) == 1 else _digest(value, finding.message)
            for value, finding in zip(base, findings, strict=True)]


def recorded_as(value: str, first: str, recorded: Container[str]) -> str | None:
    """The recorded fingerprint (of a baseline) that stands for a finding of fingerprint ``value`` whose first
    occurrence's is ``first``: its own, or, for a later occurrence, the first's when the baseline was recorded
    before occurrences were counted (it then holds no second occurrence of it); ``None`` if not recorded."""
    if value in recorded:
        return value
    if value != first and first in recorded and _digest(first, "occurrence", "2") not in recorded:
        return first
    return None


def finding_fingerprints(findings: Sequence[Finding]) -> list[tuple[str, ...]]:
    """The fingerprint of every object each finding stands for, in order: its first is the finding's own.

    A finding that stands for several objects (one values key feeding seven Services) has one
    fingerprint per object, computed as if each object's share were its own finding, so that a
    baseline records, and a report identifies, each object's share on its own. For findings that
    stand for at most one object this is :func:`fingerprints`, one value each.
    """
    expanded = [share for finding in findings for share in finding.per_object()]
    values = iter(fingerprints(expanded))
    return [tuple(next(values) for _ in range(len(finding.objects) or 1)) for finding in findings]
