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
of each, and only of those; findings that differ in nothing but their environment keep one fingerprint.

The recipe is versioned (``v1``): changing it makes every finding new once, so it changes only on purpose.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence

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

    Findings with the same :func:`fingerprint` and the same message (the same problem, e.g. in several
    environments) share it; when the messages differ, each message is hashed in so that every problem
    keeps its own fingerprint (GitLab drops Code Quality entries whose fingerprint it has already seen).
    """
    base = [fingerprint(f) for f in findings]
    messages: dict[str, set[str]] = defaultdict(set)
    for value, finding in zip(base, findings, strict=True):
        messages[value].add(finding.message)
    return [value if len(messages[value]) == 1 else _digest(value, finding.message)
            for value, finding in zip(base, findings, strict=True)]



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
