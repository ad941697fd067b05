"""What ``lintops rules`` and ``lintops explain`` print, from the run's catalog.

Kept out of :mod:`lintops.cli` so that the command line only wires commands: the text is built here
from the rule specs, their checks (or the stage that reports a rule, :mod:`lintops.stage_rules`) and
the output formats, and the command line prints it with every control character escaped (a
repository's rule file may say anything).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .catalog import Catalog
    from .checks.base import Check
    from .rules import RuleSpec


def rule_listing(specs: Sequence[RuleSpec]) -> list[str]:
    """One line per rule, by id: id, severity, where it comes from (and whether it is off), its summary and
    the rule packs it belongs to."""
    ordered = sorted(specs, key=lambda s: s.id)
    width = max(len(s.id) for s in ordered)
    lines = []
    for spec in ordered:
        state = "" if spec.enabled else " (off)"
        packs = f"  [packs: {', '.join(spec.packs)}]" if spec.packs else ""
        lines.append(f"{spec.id:<{width}}  {spec.severity.value:<7}  {spec.origin + state:<22}  {spec.summary}{packs}")
    return lines


def format_listing(catalog: Catalog) -> list[str]:
    """One line per output format of the run (built-in and plugins'), with its reporter's description.

    Imports every reporter: only ``lintops rules --formats`` asks, a run imports the one it writes."""
    names = sorted(catalog.reporters)
    width = max(len(name) for name in names)
    return [f"{name:<{width}}  {catalog.reporters[name].description}" for name in names]


def explanation(spec: RuleSpec, checks: Mapping[str, type[Check]]) -> list[str]:
    """The blocks ``lintops explain`` prints for one rule, in order."""
    blocks = [f"{spec.id} ({spec.severity.value}, {spec.origin}{'' if spec.enabled else ', off'})",
              f"  {spec.summary}\n"]
    if spec.stage is not None:
        blocks.append(f"Stage: {spec.stage} (the {spec.stage} stage reports this rule; it has no check)\n")
    else:
        blocks.append(f"Targets: {', '.join(spec.targets)}"
                      + (f" (kinds: {', '.join(spec.kinds)})" if spec.kinds else ""))
        blocks.append(f"Check: {spec.check}" + ("" if not spec.packs else f"\nPacks: {', '.join(spec.packs)}") + "\n")
    for title, text in (("Why", spec.rationale), ("Exactly", spec.documentation), ("Fix", spec.remediation)):
        if text:
            blocks.append(f"{title}:\n{indent(text)}\n")
    check = checks.get(spec.check) if spec.check is not None else None
    if check is not None and check.params_schema.get("properties"):
        from .reference import describe  # the rule's params (with the configuration's) beside the check's schema

        blocks.append("Parameters (check {}):\n{}\n".format(spec.check, "\n".join(describe(check, spec.params))))
    for kind in ("fail", "pass"):
        if spec.examples.get(kind):
            blocks.append(f"Example that {'fires' if kind == 'fail' else 'passes'}:\n{indent(spec.examples[kind])}")
    if spec.docs_url:  # the page reports link to (lintops.rule_links), when the run has one
        blocks.append(f"\nDocumentation: {spec.docs_url}")
    return blocks


def indent(text: str) -> str:
    return "\n".join(f"  {line}" if line else "" for line in text.rstrip().splitlines())
