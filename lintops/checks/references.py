"""Checks ``dangling-reference``, ``dangling-selector`` and ``pdb-eviction``: references inside one render.

Each resolves, when the run ends, the facts that :mod:`lintops.reference_facts` recorded per object
(:mod:`lintops.cross_refs` says how they travel and what a scope is):

- ``dangling-reference``: a name (an Ingress backend's Service, an HPA's ``scaleTargetRef``, a pod spec's
  ConfigMap or Secret) that no object of the same scope has, in the reference's namespace (a
  reference or a target without a namespace matches any);
- ``dangling-selector``: a Service's or a PodDisruptionBudget's selector that selects no pod template of
  the same scope and namespace;
- ``pdb-eviction``: a PodDisruptionBudget that allows no voluntary eviction (``maxUnavailable: 0``,
  ``minAvailable: 100%``, or a ``minAvailable`` at or above the replicas of a workload it selects that
  no HPA scales).

A reference is judged only where the referenced kind is part of its scope (its render, or for plain
files its directory); the others become one suppressed finding per scope and kind, "not checked",
which ``--verbose`` shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from ..cross_refs import Fact, FactCheck, Facts, Selector, Verdict, identity
from ..reference_facts import OBJECTS, POD_TEMPLATES, REFERENCES
from ..wording import shorten

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext

_FROM = {"ingress": "ref:ingress", "scale": "ref:scale", "pod": "ref:pod"}
_WHAT = {"ref:ingress": "the Ingress backend names", "ref:scale": "scaleTargetRef names",
         "ref:pod": "the pod spec names"}


def where(scope: Any) -> str:
    """A lookup or judging scope in words."""
    if scope is None:
        return "the run's plain files"
    if isinstance(scope, tuple) and scope and scope[0] == "dir":
        return f"the directory {scope[1] or '.'}"
    environment = scope[1] if isinstance(scope, tuple) and len(scope) > 1 else None
    return f"the render of environment {environment}" if environment else "this render"


def _in(namespace: str | None) -> str:
    return f" in namespace {shorten(namespace)}" if namespace else ""


def _unchecked(groups: dict[tuple, list[Fact]], what: tuple[str, str]) -> Iterator[Verdict]:
    """One suppressed finding per scope and kind of the references not judged, at the first of them."""
    for (judged, kind), facts in groups.items():
        count = len(facts)
        many = f"{count} {what[1]} {kind}s" if count > 1 else f"1 {what[0]} a {kind}"
        yield Verdict(facts[0].site, f"{many} in {where(judged)} not checked: no {kind} of that namespace is part "
                                     "of it", unchecked=f"not checked: no {kind} of that namespace is part of "
                                                        f"{where(judged)}")


class DanglingReference(FactCheck):
    name = "dangling-reference"
    description = "A name that an object refers to is the name of an object of the same render."
    recorders = (OBJECTS, REFERENCES)
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "from": {"type": "array", "items": {"enum": sorted(_FROM)}, "minItems": 1, "uniqueItems": True,
                     "description": "Which references: Ingress backends (`ingress`), HPA scale targets (`scale`), "
                                    "pod specs' ConfigMaps and Secrets (`pod`)."},
            "kinds": {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True,
                      "description": "Only references to these kinds (default: every kind the references name)."},
        },
        "required": ["from"],
        "additionalProperties": False,
    }

    def resolve(self, facts: Facts, ctx: RunContext) -> Iterable[Verdict]:
        kinds = self.params.get("kinds")
        found: list[tuple[Any, Any, Fact]] = []
        for source in self.params["from"]:
            found.extend(item for item in facts.references(_FROM[source]) if kinds is None or item[2].key[0] in kinds)
        known = facts.known(wanted for lookup, _, fact in found for wanted in _candidates(lookup, fact))
        skipped: dict[tuple, list[Fact]] = {}
        for lookup, judged, fact in found:
            if any(wanted in known for wanted in _candidates(lookup, fact)):
                continue
            kind, namespace, name = fact.key
            if not facts.present(judged, "object", kind, namespace):
                skipped.setdefault((judged, kind), []).append(fact)
                continue
            yield Verdict(fact.site, f"{_WHAT[fact.topic]} {kind} '{shorten(name)}'{_in(namespace)}, which is not "
                                     f"among the objects of {where(lookup)}")
        yield from _unchecked(skipped, ("reference to", "references to"))


def _candidates(lookup: Any, fact: Fact) -> tuple[tuple, ...]:
    kind, namespace, name = fact.key
    if namespace is None:
        return ((lookup, "object", kind, "*", name),)
    return ((lookup, "object", kind, namespace, name), (lookup, "object", kind, None, name))


def selector_of(data: dict[str, Any]) -> Selector:
    return Selector.of(data["matchLabels"], data["matchExpressions"])


def _described(data: dict[str, Any]) -> str:
    parts = [f"{shorten(k)}={shorten(v)}" for k, v in data["matchLabels"].items()]
    parts += [f"{shorten(k)} {op} ({', '.join(shorten(v) for v in values[:3])})" if values else f"{shorten(k)} {op}"
              for k, op, values in data["matchExpressions"]]
    shown = ", ".join(parts[:4]) + (", ..." if len(parts) > 4 else "")
    return shown or "everything"


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
        references = facts.references(f"selector:{of}")
        queries, pending = [], []
        skipped: dict[tuple, list[Fact]] = {}
        for lookup, judged, fact in references:
            data = fact.data
            if of == "pdb" and data["empty"] and data["version"] != "policy/v1":
                yield Verdict(fact.site, f"the PodDisruptionBudget has an empty selector, which selects no pod in "
                                         f"{data['version']} (policy/v1 changed that to every pod of the namespace)")
                continue
            if not facts.present(judged, "pods", "pod", fact.key[0]):
                skipped.setdefault((judged, "pod template"), []).append(fact)
                continue
            if of == "service" and not (data["matchLabels"] or data["matchExpressions"]):
                continue  # only labels that controllers add to pods: not decidable here
            queries.append((lookup, fact.key[0], selector_of(data)))
            pending.append((lookup, fact))
        matched = {number for number, _, _ in facts.matches("pods", queries)}
        whose = "Service" if of == "service" else "PodDisruptionBudget"
        for number, (lookup, fact) in enumerate(pending):
            if number not in matched:
                yield Verdict(fact.site, f"the {whose}'s selector ({_described(fact.data)}) selects no pod template"
                                         f"{_in(fact.key[0])} among the objects of {where(lookup)}")
        yield from _unchecked(skipped, ("selector looking for", "selectors looking for"))


class PdbEviction(FactCheck):
    name = "pdb-eviction"
    description = "A PodDisruptionBudget allows at least one voluntary eviction of the pods it selects."
    recorders = (POD_TEMPLATES, REFERENCES)

    def resolve(self, facts: Facts, ctx: RunContext) -> Iterable[Verdict]:
        scaled = {identity("pod", namespace, kind, name) for lookup, _, fact in facts.references("ref:scale")
                  for kind, hpa_namespace, name in [fact.key] for namespace in {hpa_namespace, None}}
        queries, pending = [], []
        for lookup, _, fact in facts.references("budget"):
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
            if tag >= 0 and not labels & scaled:
                lowest[number] = min(tag, lowest.get(number, tag))
        for number, replicas in sorted(lowest.items()):
            fact = pending[number]
            if replicas <= fact.data["value"]:
                yield Verdict(fact.site, f"minAvailable {fact.data['value']} is at least the replicas ({replicas}) "
                                         "of a workload it selects: no pod of it can be evicted voluntarily, so a "
                                         "node drain or cluster upgrade waits on it for ever")
