"""The filter stage: per-path severity, exemptions and the baseline, over a batch of findings.

Each finding first meets the configuration's ``overrides:`` for its path (a rule may be off there,
or have another severity), then the exemptions, first that applies: an annotation of its object, a
``# lintops:`` comment of the file it lands in, the configuration's ``exemptions:``
(:class:`lintops.exemptions.ExemptionPolicy` decides each). The comments are the run state's
(``RunState.directives``), recorded where the files were read: the parse stage records a parsed file's,
the render stage those of the files rendered findings land in (values files, templates, patches;
:func:`lintops.pipeline.rendered.record_directives`), and a worker's report brings its file's home; this
stage reads no file. A :class:`~lintops.pipeline.state.Pending`
finding whose ``exempt`` is false skips both. Then the baseline marks the recorded debt of the batch;
fingerprints tell findings of a batch apart (:func:`lintops.fingerprint.fingerprints`), so a batch is
what a report is: one plain file, every rendered input together, the held-back findings of one file.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..exemptions import suppress
from ..model import Finding
from .state import Pending, RunState


def filter_findings(state: RunState, pending: Iterable[Pending], *, baseline: bool = True) -> list[Finding]:
    """The findings of ``pending`` that stay, adjusted and exempted, then (``baseline``) matched with the
    baseline as one batch; ``baseline`` false when the batch meets it later, with others."""
    policy = state.policy
    kept: list[Finding] = []
    for item in pending:
        finding = item.finding
        if item.exempt:
            finding = policy.adjust(finding)
            if finding is None:
                continue
            exemption = (
                policy.annotation_exemption(item.annotations, finding.rule_id, finding.pointer)
                or policy.comment_exemption(state.directives.get(finding.location.path, []), finding)
                or policy.config_exemption(finding)
            )
            if exemption:
                finding = suppress(finding, exemption)
        kept.append(finding)
    if baseline and state.baseline is not None:
        kept = state.baseline.apply(kept)
    return kept

