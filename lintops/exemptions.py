"""The filter stage: exemptions (with a reason) and per-path rule settings.

An exemption never deletes a finding: it marks it ``suppressed`` with its reason, so reports keep an
audit trail and the summary counts it, while the run does not fail on it. Three ways to exempt:

* an annotation on the object, ``lintops.io/ignore-<rule-id>: "<reason>"`` (for findings inside a
  pod template, the template's own annotations count too);
* a comment, ``# lintops: ignore[<rule-id>,...] <reason>`` on the offending line or alone on the
  line above it, and ``# lintops: ignore-file[<rule-id>,...] <reason>`` anywhere in the file
  (``*`` stands for every rule);
* the configuration's ``exemptions:`` (by rule, path glob, kind, namespace, name).

An exemption without a reason still applies, and is itself a finding (``exemption-reason``), so the
run fails until somebody writes down why. A placeholder is no reason (:func:`is_placeholder_reason`:
``REASON``, ``TODO``, ``TBD``, ``FIXME``, ``...``, ``xxx``, ``<reason>``): the editor's quick fix writes
``REASON`` for the user to replace, and it must not pass as one. A platform team can forbid annotation or comment
exemptions in the configuration; they are then ignored.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from .config.settings import Config
from .model import Finding, Location, Resource, Severity, Violation
from .parse.directives import Directive
from .reasons import is_placeholder_reason
from .rules import resolve
from .stage_rules import EXEMPTION_REASON, POLICY_VIOLATION
from .workloads import WORKLOAD_POD_SPECS

ANNOTATION_PREFIX = "lintops.io/ignore-"

def _why_not(reason: str) -> str | None:
    """What is wrong with an exemption's reason (none, a placeholder), or None for a real one."""
    if not reason.strip():
        return "gives no reason"
    if is_placeholder_reason(reason):
        return f"gives the placeholder {reason.strip()!r} as its reason"
    return None


@dataclass(frozen=True)
class Exemption:
    reason: str
    source: str  # "annotation" | "comment" | "config"


class ExemptionPolicy:
    """Decides, for one finding, whether and why it is exempt, and applies per-path rule settings."""

    def __init__(self, config: Config | None = None, base: Path | None = None) -> None:
        self.config = config or Config()
        #: The directory report paths are relative to (the repository root).
        self.base = base

    # -- per-path overrides ------------------------------------------------------------------------

    def adjust(self, finding: Finding) -> Finding | None:
        """Apply ``overrides:`` for the finding's path: None when the rule is off there."""
        if not self.config.overrides:
            return finding
        path = self.config.relative(finding.location.path, self.base)
        for override in self.config.overrides:
            rule = override.rules.get(finding.rule_id)
            if rule is None or not override.matches(path):
                continue
            if rule.enabled is False:
                return None
            if rule.severity is not None:
                finding = replace(finding, severity=rule.severity)
        return finding

    # -- annotations -------------------------------------------------------------------------------

    def annotation_exemption(self, annotations: Iterable[tuple[str, dict]], rule_id: str,
                             pointer: str) -> Exemption | None:
        """The exemption among an object's ``annotations`` (:func:`annotation_maps`) of a finding at ``pointer``."""
        if not self.config.allow_annotation_exemptions or rule_id == POLICY_VIOLATION:
            return None
        key = ANNOTATION_PREFIX + rule_id
        for base, found in annotations:
            if (not base or pointer.startswith(base + "/") or pointer == base) and key in found:
                return Exemption(str(found[key] or "").strip(), "annotation")
        return None

    def annotation_reason_violations(self, resource: Resource) -> Iterable[Violation]:
        """``exemption-reason`` violations for annotations that exempt without saying why."""
        if not self.config.allow_annotation_exemptions:
            return
        for base, found in _all_annotation_maps(resource):
            for key, value in found.items():
                why = _why_not(str(value or "")) if isinstance(key, str) and key.startswith(ANNOTATION_PREFIX) else None
                if why is not None:
                    rule = key[len(ANNOTATION_PREFIX):]
                    yield Violation(f"{base}/metadata/annotations/{key.replace('~', '~0').replace('/', '~1')}",
                                    f"exemption of '{rule}' {why}; write why as the annotation's value",
                                    at_key=True)

    # -- comments ----------------------------------------------------------------------------------

    def comment_exemption(self, directives: list[Directive], finding: Finding) -> Exemption | None:
        if not self.config.allow_inline_exemptions or finding.rule_id == POLICY_VIOLATION:
            return None
        line = finding.location.line
        for directive in directives:
            if not self._honoured(directive) or not _names(directive.rules, finding.rule_id):
                continue
            if directive.scope == "file" or directive.line == line or (
                directive.whole_line and directive.line == line - 1
            ):
                return Exemption(directive.reason, "comment")
        return None

    def _honoured(self, directive: Directive) -> bool:
        """Under a policy, a comment exempts by pattern (``ignore-file[*]``) only where it is granted."""
        grants = self.config.grants
        if grants is None or grants.wildcard_exemptions:
            return True
        from .config.policy import is_pattern

        return not any(is_pattern(r) for r in directive.rules)

    def refused_comment_findings(self, directives: list[Directive], path: str, severity: Severity) -> list[Finding]:
        """``policy-violation`` findings at exemption comments that are not honoured here (never silently)."""
        refused = []
        for directive in directives:
            if not self.config.allow_inline_exemptions:
                why = "exemption comments are forbidden here (allow_exemptions.inline: false)"
            elif not self._honoured(directive):
                why = ("exemption by pattern is not applied: the policy does not let the repository exempt rules "
                       "by pattern (repository.wildcard_exemptions)")
            else:
                continue
            refused.append(Finding(POLICY_VIOLATION, severity, f"{why}; the findings stay",
                                   Location(path, directive.line, directive.column)))
        return refused

    def refused_annotation_violations(self, resource: Resource) -> Iterable[Violation]:
        """``policy-violation`` violations at exemption annotations when annotation exemptions are forbidden."""
        if self.config.allow_annotation_exemptions:
            return
        for base, found in _all_annotation_maps(resource):
            for key in found:
                if isinstance(key, str) and key.startswith(ANNOTATION_PREFIX):
                    yield Violation(f"{base}/metadata/annotations/{key.replace('~', '~0').replace('/', '~1')}",
                                    "exemption annotations are forbidden here (allow_exemptions.annotations: false); "
                                    "the findings stay", at_key=True)

    def comment_reason_findings(self, directives: list[Directive], path: str, severity: Severity) -> list[Finding]:
        if not self.config.allow_inline_exemptions:
            return []
        findings = []
        for d in directives:
            why = "gives no reason" if not d.rules else _why_not(d.reason or "")
            if why is None:
                continue
            message = f"exemption of {', '.join(d.rules) or 'no rule'} {why}; write why after the ']'"
            if d.rules and d.reason.strip():  # a placeholder: reported on it, the word to replace
                start, end = d.reason_span
                findings.append(Finding(EXEMPTION_REASON, severity, message, Location(path, d.line, start + 1),
                                        end_line=d.line, end_column=end + 1))
            else:
                findings.append(Finding(EXEMPTION_REASON, severity, message, Location(path, d.line, d.column)))
        return findings

    # -- configuration -----------------------------------------------------------------------------

    def config_exemption(self, finding: Finding) -> Exemption | None:
        if not self.config.exemptions or (finding.rule_id == POLICY_VIOLATION and self.config.grants is not None):
            return None
        obj = finding.object
        path = self.config.relative(finding.location.path, self.base)
        for exemption in self.config.exemptions:
            if exemption.matches(finding.rule_id, path, obj.kind if obj else None,
                                 obj.namespace if obj else None, obj.name if obj else None):
                return Exemption(exemption.reason, "config")
        return None


def suppress(finding: Finding, exemption: Exemption) -> Finding:
    reason = exemption.reason or "(no reason given)"
    return replace(finding, suppressed=True, suppression_reason=f"{exemption.source}: {reason}")


def _names(rules: tuple[str, ...], rule_id: str) -> bool:
    return any(fnmatch.fnmatchcase(rule_id, pattern) for pattern in rules)


_TEMPLATE_POINTERS = {kind: pointer[: -len("/spec")] for kind, pointer in WORKLOAD_POD_SPECS.items()
                      if pointer.endswith("/spec") and pointer != "/spec"}


def annotation_maps(resource: Resource) -> tuple[tuple[str, dict], ...]:
    """What may exempt a finding of ``resource``: its annotations (base "") and its pod template's (base =
    the template's pointer). Only these travel with its findings to the filter stage, not the object."""
    return tuple(_all_annotation_maps(resource))


def _all_annotation_maps(resource: Resource) -> Iterable[tuple[str, dict]]:
    """The object's annotations (base "") and its pod template's (base = the template's pointer)."""
    metadata = resource.body.get("metadata")
    if isinstance(metadata, dict):
        found = metadata.get("annotations")
        if isinstance(found, dict):
            yield "", found
    template = _TEMPLATE_POINTERS.get(resource.kind)
    if template is not None:
        found = resolve(resource.body, template + "/metadata/annotations")
        if isinstance(found, dict):
            yield template, found
