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
of each, and only of those, without the line numbers a message names (``duplicate key 'x' (first
defined at line 5)``). When even that is the same (one syntax error twice in a file), the findings at
different places are told apart by their *occurrence*: the second place in the file (in line order,
per environment) hashes in ``2``, the third ``3``, and so on, never the line itself, so an edit above
them moves them without renaming them. Findings that differ in nothing but their environment (the
same place) keep one fingerprint.

The recipe is versioned (``v1``): changing it makes every finding new once, so it changes only on purpose.
Counting occurrences and leaving line numbers out of hashed messages changed no fingerprint of a finding
alone on its node; it changed those of the second and later of identical findings (which shared the
first one's) and of findings told apart by a message naming a line. A baseline recorded before still
suppresses them (:func:`baseline_keys`, :func:`recorded_as`, used by :meth:`lintops.baseline.Baseline.apply`),
and the next ``lintops baseline`` records the new fingerprints.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Container, Sequence

from .lazy_pattern import lazy
from .model import Finding

#: Bumped only when the recipe changes on purpose (every baseline then needs regenerating).
RECIPE = "lintops-fingerprint-v1"
_SEP = "\x00"
_LINE_NUMBER = lazy(r"\bline \d+")


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
    return _by_occurrence(_by_message(findings), findings)


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


def _by_message(findings: Sequence[Finding], message=None) -> list[str]:
    """Each finding's :func:`fingerprint`, with its message hashed in where findings of that fingerprint
    have different messages. The message is hashed without the line numbers it names (``first defined
    at line 5``), so an edit above does not rename it; ``message``: how to read it (the recipe of before
    occurrences were counted hashed it as it is)."""
    read = message or _without_line_numbers
    base = [fingerprint(f) for f in findings]
    messages: dict[str, set[str]] = defaultdict(set)
    for value, finding in zip(base, findings, strict=True):
        messages[value].add(read(finding.message))
    return [value if len(messages[value]) == 1 else _digest(value, read(finding.message))
            for value, finding in zip(base, findings, strict=True)]


def _without_line_numbers(message: str) -> str:
    return _LINE_NUMBER.sub("line #", message)


def _as_written(message: str) -> str:
    return message


def baseline_keys(findings: Sequence[Finding]) -> list[tuple[str, str, str]]:
    """For each finding: its fingerprint, its first occurrence's, and the one the recipe of before
    occurrences were counted gave it (messages hashed with their line numbers, identical findings
    sharing one), which a baseline recorded then holds (:func:`recorded_as`)."""
    firsts = _by_message(findings)
    return list(zip(_by_occurrence(firsts, findings), firsts, _by_message(findings, _as_written), strict=True))


def recorded_as(keys: tuple[str, str, str], recorded: Container[str]) -> str | None:
    """The fingerprint of a baseline that stands for a finding of :func:`baseline_keys` ``keys``: its own,
    else the one an older baseline recorded for it, unless that baseline is new enough to count
    occurrences (it then records the second occurrence too, and a third identical finding is new);
    ``None`` if not recorded."""
    value, first, older = keys
    if value in recorded:
        return value
    if older in recorded and (older != first or _digest(first, "occurrence", "2") not in recorded):
        return older
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
