"""Check ``dangling-selector``: a Service's or PodDisruptionBudget's selector selects a pod template of the
same scope and namespace, resolved when the run ends from the facts :mod:`lintops.reference_facts` records
(:mod:`lintops.cross_refs`). Judged only where the scope (for plain files: the directory) has a pod
template in that namespace; the rest are one "not checked" note per scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from ..cross_refs import FactCheck, Facts, Verdict
from ..reference_facts import POD_TEMPLATES, REFERENCES
from ..reference_verdicts import (
    chunks,
    described,
    in_namespace,
    selector_of,
    skip,
    unchecked,
    where,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext


class DanglingSelector(FactCheck):
    name = "dangling-selector"
    description = "A Service's or PodDisruptionBudget's selector selects a pod template of the same render."
    recorders = (POD_TEMPLATES, REFERENCES)
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {"of": {"enum": ["service", "pdb"], "description": "Whose selectors: Services' or "
                                                                          "PodDisruptionBudgets'."}},
        "required": ["of"],
        "additionalProperties": False,
    }

    def resolve(self, facts: Facts, ctx: RunContext) -> Iterable[Verdict]:
        of = self.params["of"]
        whose = "Service" if of == "service" else "PodDisruptionBudget"
        skipped: dict[tuple, list[Any]] = {}
        for chunk in chunks(facts.references(f"selector:{of}")):  # a bounded number unpacked at a time
            queries, pending = [], []
            for lookup, judged, fact in chunk:
                data = fact.data
                if of == "pdb" and data["empty"] and data["version"] != "policy/v1":
                    yield Verdict(fact.site, f"the PodDisruptionBudget has an empty selector, which selects no pod "
                                             f"in {data['version']} (policy/v1 changed that to every pod of the "
                                             "namespace)")
                    continue
                if not facts.present(judged, "pods", "pod", fact.key[0]):
                    skip(skipped, (judged, "pod template"), fact)
                    continue
                if of == "service" and not (data["matchLabels"] or data["matchExpressions"]):
                    continue  # only labels that controllers add to pods: not decidable here
                queries.append((lookup, fact.key[0], selector_of(data)))
                pending.append((lookup, fact))
            matched = {number for number, _, _ in facts.matches("pods", queries)}
            for number, (lookup, fact) in enumerate(pending):
                if number not in matched:
                    yield Verdict(fact.site, f"the {whose}'s selector ({described(fact.data)}) selects no pod "
                                             f"template{in_namespace(fact.key[0])} among the objects of "
                                             f"{where(lookup)}")
        yield from unchecked(skipped, ("selector looking for", "selectors looking for"))
