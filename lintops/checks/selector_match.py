"""Check ``selector-match``: a controller's selector selects the pods its own template creates.

The API server rejects a Deployment, ReplicaSet, StatefulSet, DaemonSet, ReplicationController or a
Job with ``manualSelector: true`` whose ``spec.selector`` does not match
``spec.template.metadata.labels`` ("`selector` does not match template `labels`"): the published
JSON schemas cannot say it, so the object passes schema validation and fails at sync time.

The matching is Kubernetes' own (``metav1.LabelSelectorAsSelector`` and ``labels.Selector``):

- ``matchLabels`` ``k: v``: the template has the label ``k`` with the value ``v``;
- ``matchExpressions``: ``In`` (the label exists and its value is listed), ``NotIn`` (the label is
  absent or its value is not listed), ``Exists`` (the label exists), ``DoesNotExist`` (it does not);
- every requirement must hold; values are compared as strings, case-sensitively.

A plain-map selector (``ReplicationController``, OpenShift's ``DeploymentConfig``: the kinds in the
``mapSelectorKinds`` parameter) is a set of ``k: v`` requirements, and an absent or empty one defaults
to the template's labels. The exact semantics per kind (empty selectors, malformed expressions,
Jobs, CronJobs, what is left to the ``schema`` rule) are documented in ``rules/selector-mismatch.yaml``.
Messages name labels and values, shortened to 40 characters; labels are no secrets.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..model import Violation, join_pointer
from ..wording import shorten
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext

#: Kinds whose API rejects an empty label selector (``len(matchLabels) + len(matchExpressions) == 0``).
NON_EMPTY_SELECTOR_KINDS = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"})
DEFAULT_MAP_SELECTOR_KINDS = ("ReplicationController", "DeploymentConfig")
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
_MAX_REASONS = 3


class _NotDecidable(Exception):
    """The selector or the labels are not what the API accepts as data (a type error): the schema's business."""


@dataclass(frozen=True)
class Requirement:
    """One requirement of a selector: ``key`` ``operator`` ``values``."""

    key: str
    operator: str  # "=" for matchLabels and plain-map selectors, else one of OPERATORS
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator in ("=", "In"):
            return present and labels[self.key] in self.values
        if self.operator == "NotIn":
            return not present or labels[self.key] not in self.values
        if self.operator == "Exists":
            return present
        return not present  # DoesNotExist

    def why_not(self, labels: Mapping[str, str]) -> str:
        """Why ``labels`` fail this requirement, in words."""
        key = shorten(self.key)
        has = f"the template has {key}={shorten(labels[self.key])}" if self.key in labels else \
            f"the template has no label {key}"
        if self.operator == "=":
            return f"{key}={shorten(self.values[0])} is required, but {has}"
        if self.operator in ("In", "NotIn"):
            listed = ", ".join(shorten(value) for value in self.values[:5]) + (", ..." if len(self.values) > 5 else "")
            return f"{key} {self.operator} ({listed}) is required, but {has}"
        if self.operator == "Exists":
            return f"label {key} is required, but {has}"
        return f"label {key} must be absent, but {has}"


def _labels(value: Any) -> dict[str, str]:
    """Template labels as Kubernetes decodes them; absent means none."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise _NotDecidable
    return value


def _map_requirements(selector: Mapping[str, Any]) -> list[Requirement]:
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in selector.items()):
        raise _NotDecidable
    return [Requirement(key, "=", (value,)) for key, value in selector.items()]


def _label_selector(selector: Mapping[str, Any], pointer: str) -> tuple[list[Requirement], list[Violation]]:
    """The requirements of a ``LabelSelector``, and the violations of expressions the API server rejects."""
    match_labels = selector.get("matchLabels")
    expressions = selector.get("matchExpressions")
    if match_labels is None:
        match_labels = {}
    if expressions is None:
        expressions = []
    if not isinstance(match_labels, dict) or not isinstance(expressions, list):
        raise _NotDecidable
    requirements = _map_requirements(match_labels)
    problems: list[Violation] = []
    for index, expression in enumerate(expressions):
        at = join_pointer(pointer, "matchExpressions", index)
        if not isinstance(expression, dict):
            raise _NotDecidable
        key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values")
        if values is None:
            values = []
        if not isinstance(key, str) or not isinstance(operator, str) or not isinstance(values, list) \
                or not all(isinstance(v, str) for v in values):
            raise _NotDecidable  # a missing key or operator, a wrong type: the schema rule reports it
        if operator not in OPERATORS:
            problems.append(Violation(join_pointer(at, "operator"),
                                      f"selector operator '{shorten(operator)}' is not one of In, NotIn, Exists, "
                                      "DoesNotExist (case-sensitive): the API server rejects the selector"))
        elif operator in ("In", "NotIn") and not values:
            problems.append(Violation(at, f"selector expression on '{shorten(key)}' with operator {operator} lists "
                                          "no values: the API server rejects the selector"))
        elif operator in ("Exists", "DoesNotExist") and values:
            problems.append(Violation(join_pointer(at, "values"),
                                      f"selector expression on '{shorten(key)}' with operator {operator} may not "
                                      "list values: the API server rejects the selector"))
        else:
            requirements.append(Requirement(key, operator, tuple(values)))
    return requirements, problems


def _mismatch(kind: str, pointer: str, requirements: list[Requirement], labels: Mapping[str, str]) -> list[Violation]:
    failing = [requirement.why_not(labels) for requirement in requirements if not requirement.matches(labels)]
    if not failing:
        return []
    shown = "; ".join(failing[:_MAX_REASONS]) + (f"; and {len(failing) - _MAX_REASONS} more" if
                                                len(failing) > _MAX_REASONS else "")
    return [Violation(pointer, f"spec.selector does not match the pod template's labels ({shown}): the API server "
                               f"rejects the {kind}")]


class SelectorMatch(Check):
    name = "selector-match"
    description = "A controller's selector must select the labels of its own pod template."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "mapSelectorKinds": {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True,
                                 "default": list(DEFAULT_MAP_SELECTOR_KINDS),
                                 "description": "Kinds whose `spec.selector` is a plain label map (`k: v`) rather "
                                                "than a label selector; an absent or empty one selects the "
                                                "template's labels."},
        },
        "additionalProperties": False,
    }

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(params)
        self._map_kinds = frozenset(self.params.get("mapSelectorKinds", DEFAULT_MAP_SELECTOR_KINDS))

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        body = subject.value
        spec = body.get("spec") if isinstance(body, dict) else None
        if not isinstance(spec, dict):
            return ()
        kind = subject.resource.kind
        try:
            if kind == "CronJob":
                return list(self._cron_job(spec))
            if kind == "Job":
                return list(self._job(spec))
            if kind in self._map_kinds:
                return list(self._map_selector(kind, spec))
            return list(self._label_selector_kind(kind, spec))
        except _NotDecidable:
            return ()

    def _label_selector_kind(self, kind: str, spec: Mapping[str, Any]) -> Iterator[Violation]:
        selector = spec.get("selector")
        # Absent: apps/v1 requires it (the schema rule reports that); older API versions default it to
        # the template's labels.
        if selector is None or not isinstance(spec.get("template"), dict):
            return
        if not isinstance(selector, dict):
            raise _NotDecidable
        requirements, problems = _label_selector(selector, "/spec/selector")
        if problems:
            yield from problems
            return
        if not requirements:
            if kind in NON_EMPTY_SELECTOR_KINDS:
                stray = sorted(str(key) for key in selector if key not in ("matchLabels", "matchExpressions"))
                what = (f"spec.selector has no matchLabels or matchExpressions (its key '{shorten(stray[0])}' is not "
                        "part of a label selector: labels go under matchLabels)") if stray else "spec.selector is empty"
                yield Violation("/spec/selector",
                                f"{what}: the API server sees an empty selector, which would select every pod of the "
                                f"namespace, and rejects it for a {kind}")
            return
        yield from _mismatch(kind, "/spec/selector", requirements, _template_labels(spec))

    def _map_selector(self, kind: str, spec: Mapping[str, Any]) -> Iterator[Violation]:
        template = spec.get("template")
        if not isinstance(template, dict):
            return
        selector = spec.get("selector")
        if selector is not None and not isinstance(selector, dict):
            raise _NotDecidable
        if not selector:  # defaults to the template's labels
            if not _template_labels(spec):
                yield Violation("/spec", f"the {kind} sets no spec.selector and its pod template no labels to "
                                         "default it from: the API server requires a selector")
            return
        yield from _mismatch(kind, "/spec/selector", _map_requirements(selector), _template_labels(spec))

    def _job(self, spec: Mapping[str, Any]) -> Iterator[Violation]:
        # Without manualSelector: true the API server generates the selector and the labels.
        if spec.get("manualSelector") is not True or not isinstance(spec.get("template"), dict):
            return
        selector = spec.get("selector")
        if selector is None:
            yield Violation("/spec/manualSelector", "spec.manualSelector is true but the Job sets no spec.selector: "
                                                    "the API server requires one")
            return
        if not isinstance(selector, dict):
            raise _NotDecidable
        requirements, problems = _label_selector(selector, "/spec/selector")
        if problems:
            yield from problems
            return
        yield from _mismatch("Job", "/spec/selector", requirements, _template_labels(spec))

    def _cron_job(self, spec: Mapping[str, Any]) -> Iterator[Violation]:
        job_template = spec.get("jobTemplate")
        job_spec = job_template.get("spec") if isinstance(job_template, dict) else None
        if not isinstance(job_spec, dict):
            return
        if job_spec.get("selector") is not None:
            yield Violation("/spec/jobTemplate/spec/selector",
                            "a CronJob's jobTemplate may not set spec.selector: the API server generates the selector "
                            "of every Job it creates and rejects the CronJob")
        if job_spec.get("manualSelector") is True:
            yield Violation("/spec/jobTemplate/spec/manualSelector",
                            "a CronJob's jobTemplate may not set manualSelector: true: the API server rejects the "
                            "CronJob")


def _template_labels(spec: Mapping[str, Any]) -> dict[str, str]:
    template = spec.get("template")
    metadata = template.get("metadata") if isinstance(template, dict) else None
    if metadata is not None and not isinstance(metadata, dict):
        raise _NotDecidable
    return _labels(metadata.get("labels") if metadata else None)
