"""Check ``dangling-reference``: a name an object refers to (an Ingress backend's Service, an HPA's or KEDA
ScaledObject's ``scaleTargetRef``, a pod spec's ConfigMap or Secret) is an object of the same scope and
namespace (a reference or a target without a namespace matches any), resolved when the run ends from the
facts :mod:`lintops.reference_facts` records (:mod:`lintops.cross_refs` says how they travel and what a
scope is). A reference is judged only where its scope (its render; for plain files, its directory) has an
object of the referenced kind; the rest are one "not checked" note per scope and kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from ..cross_refs import Fact, FactCheck, Facts, Verdict
from ..reference_facts import OBJECTS, REFERENCES
from ..reference_verdicts import (
    FROM,
    WHAT,
    candidates,
    chunks,
    in_namespace,
    skip,
    unchecked,
    where,
)
from ..wording import shorten

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext


class DanglingReference(FactCheck):
    name = "dangling-reference"
    description = "A name that an object refers to is the name of an object of the same render."
    recorders = (OBJECTS, REFERENCES)
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "from": {"type": "array", "items": {"enum": sorted(FROM)}, "minItems": 1, "uniqueItems": True,
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

        def found() -> Iterator[tuple[Any, Any, Fact]]:
            for source in self.params["from"]:
                yield from (item for item in facts.references(FROM[source])
                            if kinds is None or item[2].key[0] in kinds)

        skipped: dict[tuple, list[Any]] = {}
        for chunk in chunks(found()):  # a bounded number of references unpacked at a time
            known = facts.known(wanted for lookup, _, fact in chunk for wanted in candidates(lookup, fact))
            for lookup, judged, fact in chunk:
                if any(wanted in known for wanted in candidates(lookup, fact)):
                    continue
                kind, namespace, name = fact.key
                if not facts.present(judged, "object", kind, namespace):
                    skip(skipped, (judged, kind), fact)
                    continue
                yield Verdict(fact.site, f"{WHAT[fact.topic]} {kind} '{shorten(name)}'{in_namespace(namespace)}, "
                                         f"which is not among the objects of {where(lookup)}")
        yield from unchecked(skipped, ("reference to", "references to"))
