"""Check ``pdb-eviction``: a PodDisruptionBudget allows at least one voluntary eviction (not
``maxUnavailable: 0``, not ``minAvailable: 100%``, and a ``minAvailable`` below the replicas of every
workload it selects: ``spec.replicas``, or the fewest its HPA or KEDA ScaledObject allows), resolved when
the run ends from the facts :mod:`lintops.reference_facts` records (:mod:`lintops.cross_refs`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..cross_refs import Fact, FactCheck, Facts, Selector, Verdict, identity
from ..reference_facts import POD_TEMPLATES, REFERENCES
from ..reference_verdicts import (
    chunks,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext


class PdbEviction(FactCheck):
    name = "pdb-eviction"
    description = "A PodDisruptionBudget allows at least one voluntary eviction of the pods it selects."
    recorders = (POD_TEMPLATES, REFERENCES)

    def resolve(self, facts: Facts, ctx: RunContext) -> Iterable[Verdict]:
        scaled: dict[int, int] = {}  # a scaled workload's identity -> the fewest replicas its scaler allows
        for _, _, fact in facts.references("ref:scale"):
            kind, scaler_namespace, name = fact.key
            for namespace in {scaler_namespace, None}:
                key = identity("pod", namespace, kind, name)
                scaled[key] = min(fact.data["minReplicas"], scaled.get(key, fact.data["minReplicas"]))
        for chunk in chunks(facts.references("budget")):
            yield from self._budgets(facts, chunk, scaled)

    @staticmethod
    def _budgets(facts: Facts, chunk: list[tuple[Any, Any, Fact]], scaled: dict[int, int]) -> Iterator[Verdict]:
        queries, pending = [], []
        for lookup, _, fact in chunk:
            field, value = fact.key[1], fact.data["value"]
            if field == "maxUnavailable" and value in (0, "0%"):
                yield Verdict(fact.site, "maxUnavailable 0 allows no voluntary eviction of the pods it selects: a node "
                                         "drain or cluster upgrade waits on them for ever")
            elif field == "minAvailable" and value == "100%":
                yield Verdict(fact.site, "minAvailable 100% allows no voluntary eviction of the pods it selects: a "
                                         "node drain or cluster upgrade waits on them for ever")
            elif field == "minAvailable" and isinstance(value, int) and value > 0 and not fact.data["empty"]:
                queries.append((lookup, fact.key[0], Selector.of(fact.data["matchLabels"],
                                                                 fact.data["matchExpressions"])))
                pending.append(fact)
        lowest: dict[int, int] = {}
        for number, tag, labels in facts.matches("pods", queries):
            scalers = [scaled[key] for key in labels & scaled.keys()]
            if scalers:
                tag = min(scalers)
            if tag > 0:  # a workload of no replicas has no pod to evict
                lowest[number] = min(tag, lowest.get(number, tag))
        for number, replicas in sorted(lowest.items()):
            fact = pending[number]
            if replicas <= fact.data["value"]:
                yield Verdict(fact.site, f"minAvailable {fact.data['value']} is at least the replicas ({replicas}) "
                                         "of a workload it selects: no pod of it can be evicted voluntarily, so a "
                                         "node drain or cluster upgrade waits on it for ever")
