"""Rules are data: one YAML file each, naming a check, its parameters, its targets and its severity.

The built-in rules in ``rules/`` use exactly the format a platform team uses for its own rules in
``.lintops/rules/``, so the built-ins are also the documentation and the test of the format::

    id: liveness-probe
    severity: error            # error | warning | info
    summary: one line
    rationale: why it matters
    remediation: how to fix it
    targets: [container]       # kinds, "*" (every object), pod-spec, container, init-container, helm-values
    kinds: [Deployment, ...]   # optional: only objects of these kinds (narrows pod-spec/container targets)
    check: json-schema         # a check from lintops.checks or a plugin (or, for the rules a stage
                               # reports, ``stage: parse``: lintops.stage_rules)
    params: {...}              # validated against the check's params_schema when the rule loads
    tags: [security, kubernetes]   # optional: what reports file it under (SARIF tags)
    packs: [pss-baseline]      # optional: the rule packs it belongs to; a configuration's ``packs:``
                               # turns on every rule of the packs it names (lintops.catalog.configure)
    help_url: https://...      # optional: its own documentation page (lintops.rule_links)
    examples:
      pass: |  ...YAML...
      fail: |  ...YAML...
      fail_at: ["13:18 /spec/template/spec/containers/0/image"]   # where each finding on fail is

A rule file is never code: a repository under review cannot make lintops import anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .checks.base import Subject
from .errors import LintopsError, Place
from .model import Resource, Severity, iter_pointer_tokens, join_pointer, lookup
from .workloads import WORKLOAD_POD_SPECS

if TYPE_CHECKING:  # pragma: no cover
    from .checks.base import Check

#: Targets that are not kinds.
SPECIAL_TARGETS = frozenset({"*", "pod-spec", "container", "init-container", "ephemeral-container"})
#: The pseudo-kind of Helm values files (see lintops.inputs.manifests).
HELM_VALUES_KIND = "HelmValues"

class RuleError(LintopsError):
    """A rule file that cannot be used; its ``place`` is the key or value in the file."""


@dataclass(frozen=True)
class RuleSpec:
    """A rule as written in its file, before its check is bound."""

    id: str
    severity: Severity
    summary: str
    #: The check the rule runs; None for a rule a stage reports (``stage``).
    check: str | None
    targets: tuple[str, ...] = ("*",)
    kinds: tuple[str, ...] | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    rationale: str = ""
    remediation: str = ""
    documentation: str = ""
    #: ``pass`` and ``fail`` (YAML text), ``fail_at`` (a list of ``LINE:COLUMN [POINTER]``).
    examples: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool = True
    origin: str = "built-in"
    path: str | None = None
    #: The stage whose problems are this rule's findings (lintops.stage_rules), for a rule without a check.
    stage: str | None = None
    #: Words reports file the rule under (``security``, ``reliability``, ``kubernetes``, ...): SARIF's tags.
    tags: tuple[str, ...] = ()
    #: The rule file's own documentation page (``help_url``: https), for rules outside lintops' reference.
    help_url: str | None = None
    #: How often a finding is a real problem, as SARIF says it: very-high, high (default), medium, low.
    precision: str = "high"
    #: The link reports and the editor show (lintops.rule_links), set for the run by lintops.catalog.configure.
    docs_url: str | None = None
    #: The rule packs it belongs to (``packs:``): a configuration that names one of them turns the rule on.
    packs: tuple[str, ...] = ()

    def with_overrides(self, **changes: Any) -> RuleSpec:
        return replace(self, **changes)


def resolve(value: Any, pointer: str) -> Any:
    """The value at a JSON pointer inside plain data, or None."""
    return lookup(value, iter_pointer_tokens(pointer))[1]


_CONTAINER_KEYS = {"container": "containers", "init-container": "initContainers",
                   "ephemeral-container": "ephemeralContainers"}
_WHOLE_OBJECT = "*"


@dataclass
class Rule:
    """A rule bound to its check instance: what the engine runs."""

    spec: RuleSpec
    #: None for a rule a stage reports (lintops.stage_rules): never dispatched, nothing to finish.
    check: Check | None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def severity(self) -> Severity:
        return self.spec.severity

    def targets_for(self, api_version: str, kind: str, workloads: Mapping[str, str]) -> tuple[str, ...]:
        """The targets of this rule that apply to objects of this kind (``*`` = the whole object)."""
        if self.spec.kinds is not None and kind not in self.spec.kinds:
            return ()
        found: list[str] = []
        if kind == HELM_VALUES_KIND:  # a values file is no Kubernetes object: only helm-values rules see it
            return (_WHOLE_OBJECT,) if "helm-values" in self.spec.targets else ()
        for target in self.spec.targets:
            if target in ("*", kind, f"{_group(api_version)}/{kind}"):
                found.append(_WHOLE_OBJECT)
            elif target in SPECIAL_TARGETS and kind in workloads:
                found.append(target)
        return tuple(dict.fromkeys(found))

    def subjects(self, resource: Resource, workloads: Mapping[str, str] = WORKLOAD_POD_SPECS) -> Iterator[Subject]:
        """Every node of ``resource`` this rule looks at, by its targets."""
        for target in self.targets_for(resource.api_version, resource.kind, workloads):
            yield from subjects_of(resource, target, workloads)


def subjects_of(resource: Resource, target: str, workloads: Mapping[str, str]) -> list[Subject]:
    """The nodes of ``resource`` that one target names."""
    if target == _WHOLE_OBJECT:
        return [Subject(resource, "", resource.body)]
    pod_pointer = workloads.get(resource.kind)
    pod_spec = resolve(resource.body, pod_pointer) if pod_pointer else None
    if not isinstance(pod_spec, dict):
        return []
    if target == "pod-spec":
        return [Subject(resource, pod_pointer, pod_spec)]
    key = _CONTAINER_KEYS[target]
    containers = pod_spec.get(key)
    if not isinstance(containers, list):
        return []
    return [Subject(resource, join_pointer(pod_pointer, key, index), container)
            for index, container in enumerate(containers) if isinstance(container, dict)]


class Dispatcher:
    """Which rules look at which nodes of a resource.

    The plan (rules and their applicable targets) is computed once per apiVersion and kind, and each
    target's nodes once per resource, however many rules share them: with thirty rules, this is
    what keeps the per-object cost of the rule stage small.
    """

    def __init__(self, rules: Iterable[Rule], workloads: Mapping[str, str]) -> None:
        self.rules = [rule for rule in rules if rule.check is not None]  # stage rules have no check
        self.workloads = workloads
        self._plans: dict[tuple[str, str], list[tuple[Rule, tuple[str, ...]]]] = {}

    def plan(self, api_version: str, kind: str) -> list[tuple[Rule, tuple[str, ...]]]:
        key = (api_version, kind)
        plan = self._plans.get(key)
        if plan is None:
            plan = [(rule, targets) for rule in self.rules
                    if (targets := rule.targets_for(api_version, kind, self.workloads))]
            if len(self._plans) >= 4096:  # a file of distinct made-up kinds must not grow this without end
                self._plans.clear()
            self._plans[key] = plan
        return plan

    def pairs(self, resource: Resource) -> Iterator[tuple[Rule, list[Subject]]]:
        """Each applicable rule with the subjects it checks on this resource."""
        cache: dict[str, list[Subject]] = {}
        for rule, targets in self.plan(resource.api_version, resource.kind):
            subjects: list[Subject] = []
            for target in targets:
                found = cache.get(target)
                if found is None:
                    found = cache[target] = subjects_of(resource, target, self.workloads)
                subjects.extend(found)
            if subjects:
                yield rule, subjects


def _group(api_version: str) -> str:
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


def load_rule_file(path: Path, origin: str, within: Path | None = None) -> RuleSpec:
    """Read and validate one rule file (the structure; the params are validated against the check later).

    The structure is ``schemas/lintops-rule.schema.json``, the schema editors use too. The built-in rules
    are not validated here, on every run: the tests validate each of them against that schema, and the
    start-up stays free of reading and compiling it. ``within`` is the directory a rule file of the
    linted tree must stay inside; a named pipe, a device, a link out of ``within`` or a file over the
    size cap is a :class:`RuleError`, never read.
    """
    from .inputs.files import LintedRoot, Refusal
    from .parse.stream import parse_bytes

    # built-in rules and those a trusted configuration names are read as they are; the tree's, confined
    raw = path.read_bytes() if within is None else LintedRoot(within).read(path)
    if isinstance(raw, Refusal):
        raise RuleError(f"rule file {raw.detail}; not read", place=Place(path, 1, 1))
    parsed = parse_bytes(raw, str(path))
    if parsed.problems:
        problem = parsed.problems[0]
        raise RuleError(problem.message, place=Place(path, problem.position.line, problem.position.column))
    if len(parsed.documents) != 1 or not isinstance(parsed.documents[0].data, dict):
        raise RuleError("a rule file holds exactly one mapping", place=Place(path, 1, 1))
    document = parsed.documents[0]
    data: dict[str, Any] = document.data
    if origin != "built-in":  # the built-in rules are validated by the tests (tests/test_published_schemas.py)
        from .schema.published import first_problem, rule_structure_schema

        problem = first_problem(rule_structure_schema(), data, root="the rule file")
        if problem is not None:
            pos = document.position(problem.pointer, at_key=problem.at_key)
            raise RuleError(problem.message, place=Place(path, pos.line, pos.column))
    if ("check" in data) == ("stage" in data):  # the published schema's oneOf (for editors), said plainly
        pos = document.position("/stage", at_key=True) if "stage" in data else document.position("")
        given = "not both" if "stage" in data else "and this one names neither"
        raise RuleError("a rule names the check that runs it (`check:`) or the stage that reports it (`stage:`), "
                        f"{given}", place=Place(path, pos.line, pos.column))
    stage = data.get("stage")
    if stage is not None:  # a stage rule only where a stage files findings under that id
        from .stage_rules import stage_problem

        refused = stage_problem(str(data["id"]), str(stage))
        if refused is not None:
            pos = document.position("/stage", at_key=True)
            raise RuleError(refused, place=Place(path, pos.line, pos.column))
    help_url = _help_url(data, document, path)
    targets = data.get("targets", ["*"])
    kinds = data.get("kinds")
    return RuleSpec(
        id=data["id"],
        severity=Severity(data["severity"]),
        summary=data["summary"],
        check=data.get("check"),
        targets=(targets,) if isinstance(targets, str) else tuple(targets),
        kinds=tuple(kinds) if kinds is not None else None,
        params=data.get("params") or {},
        rationale=data.get("rationale", "").strip(),
        remediation=data.get("remediation", "").strip(),
        documentation=data.get("documentation", "").strip(),
        examples=data.get("examples") or {},
        enabled=data.get("enabled", True),
        origin=origin,
        path=str(path),
        stage=stage,
        tags=tuple(dict.fromkeys(data.get("tags") or ())),
        help_url=help_url,
        precision=data.get("precision", "high"),
        packs=tuple(dict.fromkeys(data.get("packs") or ())),
    )


def _help_url(data: Mapping[str, Any], document: Any, path: Path) -> str | None:
    """The rule file's ``help_url``, refused unless it is an https link without credentials (lintops.rule_links)."""
    value = data.get("help_url")
    if value is None:
        return None
    from .rule_links import url_problem

    problem = url_problem(value)
    if problem is not None:
        pos = document.position("/help_url")
        raise RuleError(f"help_url {problem}", place=Place(path, pos.line, pos.column))
    return value


def load_rule_dir(directory: Path, origin: str) -> list[RuleSpec]:
    """The rules of a directory; a repository's (``.lintops/rules``) stay inside the directory holding ``.lintops``."""
    within = directory.parent.parent if origin == "repository" else None
    return [load_rule_file(path, origin, within) for path in sorted(directory.glob("*.y*ml"))]


def bind(specs: Iterable[RuleSpec], checks: Mapping[str, type[Check]],
         known_valid: Callable[[Mapping[str, Any], Mapping[str, Any]], bool] | None = None) -> list[Rule]:
    """Give each rule an instance of its check, validating the params against the check's schema.

    ``known_valid(schema, params)`` says a built-in rule's params are known to pass and to construct its check
    (lintops.catalog_cache, which did both when it read the built-in rules): those are not validated again on
    every run, and a check that ``defers_compile`` (json-schema) compiles their schemas when first used."""
    rules = []
    for spec in specs:
        if spec.stage is not None:  # its findings come from a stage (lintops.stage_rules): no check to bind
            rules.append(Rule(spec, None))
            continue
        check_class = checks.get(spec.check or "")
        if check_class is None:
            raise _error(spec, "/check", f"rule '{spec.id}' names unknown check '{spec.check}' "
                                         f"(known: {', '.join(sorted(checks))})")
        problem = None
        known = (known_valid is not None and spec.origin == "built-in"
                 and known_valid(check_class.params_schema, spec.params))
        if not known:
            from .schema.published import first_problem

            problem = first_problem(check_class.params_schema, dict(spec.params), root="params", base="params")
        if problem is not None:
            raise _error(spec, "/params" + problem.pointer, f"rule '{spec.id}': {problem.message}",
                         at_key=problem.at_key)
        try:
            if known and getattr(check_class, "defers_compile", False):  # built once already: compile at first use
                check = check_class(spec.params, known_usable=True)  # type: ignore[call-arg]
            else:
                check = check_class(spec.params)
        except RuleError as exc:  # one that names its node (a $ref of the schema) is reported at that key
            pointer = getattr(exc, "pointer", None)
            raise _error(spec, "/params" + (pointer or ""), f"rule '{spec.id}': {exc}", at_key=bool(pointer)) from None
        except ValueError as exc:
            raise _error(spec, "/params", f"rule '{spec.id}', params: {exc}") from None
        rules.append(Rule(spec, check))
    return rules


def _error(spec: RuleSpec, pointer: str, message: str, at_key: bool = False) -> RuleError:
    """A :class:`RuleError` at a node of the rule's file (its nearest existing parent), or naming the
    file (or the rule) when the node's place cannot be read again."""
    if spec.path is None:
        return RuleError(f"{spec.id}: {message}")
    from .inputs.files import UNCONFINED
    from .parse.stream import parse_bytes

    raw = UNCONFINED.read(spec.path)  # read and checked once already, when the rule loaded
    parsed = parse_bytes(raw, spec.path) if isinstance(raw, bytes) else None
    if parsed is None or not parsed.documents:
        return RuleError(f"{spec.path}: {message}")
    position = parsed.documents[0].position(pointer, at_key)
    return RuleError(message, place=Place(spec.path, position.line, position.column))
