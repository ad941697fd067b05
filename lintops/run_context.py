"""What a run knows besides its inputs and rules, and what each file hands the reporters.

These types cross stages: the options of a run (read by the render stage, the checks and the
engine), the context checks consult (:class:`RunContext`: the target versions and their schema
stores, which hold the run's CRDs) and the findings of one file (:class:`FileReport`, what reporters
are told). They sit beside :mod:`lintops.model` at the bottom of the import layers, in a module of
their own because model.py holds the plain data of one finding and this the state of one run; every
stage imports them from here, none from the engine that composes the stages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config.targets import Targets
from .model import Finding, ObjectRef, Resource, Severity
from .parse.directives import Directive
from .parse.limits import DEFAULT_LIMITS, Limits
from .workloads import WORKLOAD_POD_SPECS

if TYPE_CHECKING:  # pragma: no cover - loaded on the first Deployment or Rollout
    from .workload_refs import PodTemplate, WorkloadReference


@dataclass
class Options:
    """Everything a run needs to know besides its inputs and rules."""

    kubernetes_version: str = "1.18"
    strict: bool = True
    fail_on: Severity = Severity.ERROR
    limits: Limits = DEFAULT_LIMITS
    schema_backend: str | None = None
    #: Worker processes for large runs (see lintops.parallel); 1 lints in this process only.
    jobs: int = 1
    workloads: dict[str, str] = field(default_factory=lambda: dict(WORKLOAD_POD_SPECS))
    #: How to tell staging from production (lintops.config.environments.EnvironmentPatterns); None = defaults.
    environments: Any = None
    #: The configuration's ``helm:`` and ``kustomize:`` sections (see lintops.inputs.helm / .kustomize).
    helm: Mapping[str, Any] = field(default_factory=dict)
    kustomize: Mapping[str, Any] = field(default_factory=dict)
    #: The configuration's ``argocd:`` section (``repositories``: other URLs of the linted repository).
    argocd: Mapping[str, Any] = field(default_factory=dict)
    #: The run's renderers by name (lintops.plugins.Registry: the built-ins' and the plugins'); empty: the
    #: built-in ones alone (lintops.inputs.render.builtin_renderers).
    renderers: Mapping[str, Any] = field(default_factory=dict)
    #: The repository root that report paths are relative to (None: the working directory).
    base_dir: Path | None = None
    debug: bool = False
    #: Every target version of the run and each environment's (lintops.config.targets); None: ``kubernetes_version``
    #: alone, which is otherwise the run's first target (the first ``-k``).
    targets: Targets | None = None
    #: The base's findings with ``--new-since`` (lintops.new_since.Preexisting): findings that match one
    #: are reported as not introduced and do not fail the run. None: every finding counts.
    preexisting: Any = None
    #: Plain files' reports from earlier runs (lintops.result_cache.ResultCache); None: every file is linted.
    result_cache: Any = None

    def __post_init__(self) -> None:
        if self.targets is None:
            self.targets = Targets((self.kubernetes_version,))

    @property
    def kubernetes_versions(self) -> tuple[str, ...]:
        """Every target version of the run, oldest first."""
        return self.targets.versions

    def versions_for(self, environment: str | None) -> tuple[str, ...]:
        """The versions the objects of ``environment`` (``None``: a plain file) are checked against, oldest
        first: what a renderer asks to render an environment for the cluster it deploys to."""
        return self.targets.for_environment(environment)


class RunContext:
    """What checks may consult: the target version, its schema store, the options of the run.

    A run may target several versions (``-k`` repeated, environments on different clusters): each
    version gets its own schema store when first asked for, with the run's CRDs. A context is bound to
    one version (``kubernetes_version``, ``schemas``): the engine hands checks the run's, bound to its
    first target, whose ``several`` says whether there are others; a check whose verdict depends on the
    version then asks :meth:`versions_for` which versions an object is checked against and looks at each
    through :meth:`at`, a context of that one version (``several`` false), as in a run of one version
    (see :meth:`lintops.checks.base.Check.each_target`).
    """

    def __init__(self, options: Options, version: str | None = None, shared: _Stores | None = None) -> None:
        self.options = options
        self.kubernetes_version = version or options.kubernetes_version
        self._shared = shared if shared is not None else _Stores(options)
        #: Whether this is the context of a run of several versions (a check's findings then name their
        #: versions); a context bound to one of them by :meth:`at` is one of a single version.
        self.several = shared is None and options.targets.several

    @cached_property
    def schemas(self):  # -> lintops.schema.kube.store.SchemaStore; imported lazily, it is the heaviest module
        return self._shared.store(self.kubernetes_version)

    def schemas_at(self, version: str):
        """The schema store of ``version``, with the CRDs of the run."""
        return self._shared.store(version)

    def at(self, version: str) -> RunContext:
        """This run's context bound to ``version`` alone."""
        if version == self.kubernetes_version and not self.several:
            return self
        views = self._shared.views
        view = views.get(version)
        if view is None:
            view = views[version] = RunContext(self.options, version, self._shared)
        return view

    def versions_for(self, resource: Resource) -> tuple[str, ...]:
        """The versions ``resource`` is checked against, oldest first: the one it was rendered for, else
        its environment's (a plain file's: the run's defaults)."""
        source = resource.source
        if source.kubernetes_version is not None:
            return (source.kubernetes_version,)
        return self.options.targets.for_environment(source.environment)

    def add_crd(self, crd_body: dict) -> list:
        """Register a CustomResourceDefinition of the run with every version's store (also those made
        later); its problems, which do not depend on the version, are returned once."""
        return self._shared.add_crd(crd_body, self.kubernetes_version)

    @property
    def crds(self) -> list[dict]:
        """The bodies of the run's CustomResourceDefinitions so far (a chart renders with their APIs)."""
        return self._shared.crds


class _Stores:
    """The schema stores of a run, one per version, made lazily; what contexts bound to its versions share."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.stores: dict[str, Any] = {}
        self.views: dict[str, RunContext] = {}
        self.crds: list[dict] = []

    def store(self, version: str):
        store = self.stores.get(version)
        if store is None:
            from .schema.kube.store import SchemaStore

            store = self.stores[version] = SchemaStore(version, strict=self.options.strict,
                                                       backend=self.options.schema_backend)
            for body in self.crds:
                store.add_crd(body)
        return store

    def add_crd(self, crd_body: dict, version: str) -> list:
        problems = self.store(version).add_crd(crd_body)
        for other, store in self.stores.items():
            if other != version:
                store.add_crd(crd_body)
        self.crds.append(crd_body)
        return problems


@dataclass
class FileReport:
    """The findings of one file (or, after the last file, the held-back findings of one file)."""

    path: str
    findings: list[Finding]
    objects: int = 0
    is_manifest: bool = True
    #: The objects linted in this file (JUnit makes a passing testcase of each clean one).
    resources: list[ObjectRef] = field(default_factory=list)
    #: What this file's Deployments and Rollouts leave for ``spec.workloadRef`` (lintops.workload_refs),
    #: carried home from a worker process with the report.
    templates: list[tuple[tuple, PodTemplate]] = field(default_factory=list)
    references: list[WorkloadReference] = field(default_factory=list)
    #: The cross-object facts of this plain file's objects (lintops.cross_refs), carried home from a worker
    #: process and kept in the file's result-cache entry.
    facts: list[Any] = field(default_factory=list)
    #: The file's exemption comments, carried home with its templates and references: the findings a
    #: Rollout takes from them are filtered after the last file, in the process that started the workers.
    directives: list[Directive] = field(default_factory=list)
    #: Whether no later report of the run can carry a finding of this path that shares a finding's
    #: identity (:func:`lintops.fingerprint.fingerprint`) with one of this report: then this report's
    #: fingerprints are decided by its own findings, and a report can be written before the run ends
    #: (lintops.reporters.json). False when its objects are held back by a check, it is a render's, or
    #: it comes from the end of the run (decided in lintops.pipeline.finish).
    final: bool = True
