"""Which plain files are cached, what their entry holds, and how a hit is replayed into the run.

An entry holds the file's report before the baseline and ``--new-since`` (which the run applies to a
hit as to a fresh report, so a new baseline or base branch needs no new entry), its exemption comments,
the pod templates its Deployments leave for Rollouts, and the cross-object facts its objects leave
(:mod:`lintops.cross_refs`). Replaying an entry does to the run what
linting the file did: the same counts in the summary, the same comments and templates recorded.

A file whose linting leaves anything else behind for later files or for the end of the run is not
cached, decided after linting it: one whose checks held an object back (a custom resource whose CRD may
come later, an ArgoCD Application compared with its staging twin), one that registered a CRD, one with a
Rollout that names a Deployment, one on which a check raised. Files that mention a kind some check
compares across files (:func:`lintops.parallel.cross_object_markers`) are not even looked up, as they
are linted first in a parallel run. A run whose checks hold objects back in a way this module cannot
see (a plugin check with its own ``finish`` whose :meth:`~lintops.checks.base.Check.holding` is None)
caches nothing; so does a run whose every object is told to an observer (``lintops diff``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..checks.base import Check
from ..parallel import cross_object_markers
from ..run_context import FileReport
from . import ResultCache, codec


def lint_cached(cache: ResultCache, state: Any, display: str, is_json: bool, raw: bytes,
                build: Callable[[], FileReport]) -> FileReport:
    """The report of one plain file before the baseline: from the cache, else ``build()`` (then cached if it may be)."""
    verdict = _usable(cache, state)
    if not verdict or state.observer is not None or state.scope is not None:
        return build()
    markers, holders = verdict
    if any(marker in raw for marker in markers):
        return build()
    key = cache.file_key(display, is_json, raw, cache.crd_digest(state.context.crds))
    payload = cache.store.load(key)
    if payload is not None:
        try:
            return _replay(state, display, payload)
        except (KeyError, ValueError, TypeError):
            pass  # a corrupt entry: linted again, and written anew below
    before = _traces(state, holders)
    file_report = build()
    if _traces(state, holders) == before and file_report.path == display:
        payload = _payload(state, file_report)
        if payload is not None:
            cache.store.store(key, payload)
    return file_report


def _usable(cache: ResultCache, state: Any) -> tuple[Any, ...]:
    """(markers, checks that hold objects back) for this run's checks; empty when the run caches nothing."""
    known = cache.recall(state)
    if known is not None:
        return known
    holders = []
    verdict: tuple[Any, ...] = ()
    for rule in state.rules:
        check = rule.check
        if check is not None and type(check).finish is not Check.finish:
            if check.holding() is None:
                break
            holders.append(check)
    else:
        verdict = (cross_object_markers(state), tuple(holders))
    cache.remember(state, verdict)
    return verdict


def _traces(state: Any, holders: tuple[Check, ...]) -> tuple[int, ...]:
    """What linting a file may leave behind in the run, as counts: equal before and after, it left nothing."""
    return (len(state.internal_errors), len(state.context.crds), len(state.references),
            *(check.holding() for check in holders))


def _payload(state: Any, file_report: FileReport) -> dict[str, Any] | None:
    """The entry of a report, or None when part of it would not come back from JSON as it is."""
    for _, template in file_report.templates:
        annotations = template.annotations
        if annotations is not None and json.loads(json.dumps(annotations, default=repr)) != annotations:
            return None  # keys or values JSON cannot carry as they are
    try:
        return {
            "path": file_report.path,
            "findings": [codec.finding_data(f) for f in file_report.findings],
            "objects": file_report.objects,
            "manifest": file_report.is_manifest,
            "resources": [codec.ref_data(r) for r in file_report.resources],
            "directives": [codec.directive_data(d) for d in state.directives.get(file_report.path, [])],
            "templates": [codec.template_data(record) for record in file_report.templates],
            **_facts_data(file_report),
        }
    except (TypeError, ValueError):
        return None


def _replay(state: Any, display: str, payload: dict[str, Any]) -> FileReport:
    """A cached report, with what linting its file did to the run done again (raises on a corrupt entry)."""
    if payload["path"] != display:
        raise ValueError("another file's entry")
    objects = payload["objects"]
    manifest = payload["manifest"]
    if not isinstance(objects, int) or isinstance(objects, bool) or not isinstance(manifest, bool):
        raise ValueError("bad counts")
    findings = [codec.finding(item) for item in payload["findings"]]
    resources = [codec.ref(item) for item in payload["resources"]]
    directives = [codec.directive(item) for item in payload["directives"]]
    templates = [codec.template(item) for item in payload["templates"]]
    facts = _facts(payload)
    summary = state.summary
    summary.files += 1
    summary.objects += objects
    if not manifest:
        summary.skipped += 1
        summary.skipped_files.append(display)
    state.directives[display] = directives
    file_report = FileReport(display, findings, objects, manifest, resources)
    file_report.facts = facts  # kept by the run when the report is made (lintops.pipeline.finish.report)
    if templates:
        state.templates.update(templates)
        file_report.templates = templates
        file_report.directives = directives
    return file_report


def _facts_data(file_report: FileReport) -> dict[str, Any]:
    """The file's cross-object facts (lintops.cross_refs) as entry data; raises ValueError when JSON would not
    bring them back as they are."""
    if not file_report.facts:
        return {}
    from .facts import fact_data

    data = [fact_data(item) for item in file_report.facts]
    if json.loads(json.dumps(data, default=repr)) != data:
        raise ValueError("facts JSON cannot carry")
    return {"facts": data}


def _facts(payload: dict[str, Any]) -> list[Any]:
    if "facts" not in payload:
        return []
    from .facts import fact

    data = payload["facts"]
    if not isinstance(data, list):
        raise ValueError("bad facts")
    return [fact(item) for item in data]
