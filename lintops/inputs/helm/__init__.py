"""Helm charts rendered per environment, with every rendered node pointing back to the file a person edits.

Environments
    A chart's ``values.yaml`` is the base. Each ``values-<env>.yaml`` (or ``.yml``) beside it is one
    environment, rendered on its own (``values.yaml`` + that file), all in the same run. The
    configuration can add environments or replace a discovered one (same name) with a list of values
    files, applied in order after ``values.yaml``. A chart without environment files is rendered once
    with its defaults (environment ``None``). Values an ArgoCD Application supplies (``extra_values``)
    are merged last, over every environment's files.

Configuration (the ``helm:`` section of ``.lintops.yaml``)::

    helm:
      backend: auto            # auto (default): the helm binary when it is on PATH, else helm-python-sdk;
                               # binary | sdk: only that one
      release_name: web        # default release name (default: the chart's name)
      namespace: apps          # default namespace (default: "default")
      charts:                  # per-chart settings; path is relative to the repository root
        - path: charts/web
          release_name: web-prod
          namespace: web
          environments:        # name -> values files, relative to the chart directory
            prod: [values-prod.yaml, secrets-prod.yaml]

Rendering
    With the ``helm`` binary (``helm template``) when it is on ``PATH``, else with the
    ``helm-python-sdk`` package (Helm's Go SDK through a C library, no binary needed; the extra
    ``lintops[helm]``), never loaded into lintops itself: it runs in a child process (one per run,
    started with the first chart and kept for every chart, environment and marked render; see
    :mod:`.backends` and :mod:`.worker`) with a memory limit (2 GiB, ``LINTOPS_HELM_MEMORY_MIB``) and a
    time limit per render (30 s, ``LINTOPS_HELM_TIMEOUT``). A template that runs into one
    (``range until 50000000``, ``repeat 2000000000``, ``tpl`` calling itself, a loop that would run
    for hours) is a problem at that template (found by rendering copies of the chart with fewer
    templates, :mod:`.runaway`), else at ``Chart.yaml``, naming the limit; the child is replaced and
    the run goes on. Neither renderer available is a problem (``render-failed``), never a silent
    pass. A render that fails says that the chart produced no objects for that environment.

Dependencies
    Resolved as ``helm dependency build`` resolves what is local (:mod:`.dependencies`, which names
    the Helm source it follows): the list of ``Chart.yaml``, or of Helm 2's ``requirements.yaml``;
    a ``file://`` entry from the tree, read through the linted root's reader and packaged by Helm into
    a temporary copy of the chart (:mod:`.assemble`; one that leads out of the linted root is a
    problem at its ``repository`` line and the chart is not rendered); else a chart vendored under
    ``charts/`` (a directory, or a ``.tgz`` archive inspected as hostile first: :mod:`.archives`).
    Helm's engine then applies ``alias``, ``condition``, ``tags`` and ``import-values`` itself.
    Nothing is downloaded: before any template runs, each entry that no chart serves and that Helm
    would use for the environment's values (its condition or tags do not disable it) is a problem
    at its line of ``Chart.yaml`` or ``requirements.yaml``, saying what to do; the SDK renders the
    rest, and when the chart's templates fail without the missing charts, that failure is their
    consequence and the problems say the chart produced no objects. ``helm template`` refuses a
    chart with any listed name missing from ``charts/``, even a disabled one, so with the binary
    those are reported and the chart is not rendered.
    Nothing is written into the repository: a chart with a ``values.schema.json`` is rendered from a
    temporary copy without its schema files (Helm would refuse the marked render described below),
    and each environment's merged values are validated against the schema here (``jsonschema``,
    draft 7 unless ``$schema`` says otherwise; remote references are never fetched), so that each
    violation is a problem at the values key that set the offending value, naming what the schema
    asks for but never the value. A template error is a problem at the template file, line and
    column Helm reports; for an error inside an included template, the innermost place Helm names
    (Go reports 0-based columns; they are 1-based here). Schema violations, template errors, missing
    dependencies and unreadable values files are all :class:`~lintops.inputs.rendered.RenderProblem`
    objects, which the engine files under ``render-failed``. ``NOTES.txt`` and templates that render
    nothing are not handed on.

Targets
    Each environment is rendered for each Kubernetes version it deploys to (``versions``: the run's
    ``-k`` versions, else the configuration's for that environment), told that version's cluster
    (:mod:`.capabilities`: ``.Capabilities.KubeVersion`` ``v1.N.0``, ``.Capabilities.APIVersions``
    what the version serves plus the run's CRDs), with either backend, so that a chart that branches
    on them renders what that cluster would receive. A chart whose ``kubeVersion`` excludes a target
    is a problem at that line of ``Chart.yaml`` and is not rendered for it (:mod:`.kube_version`
    says why). A template that renders alike for all of an environment's targets is handed on once
    (the engine checks its objects against each); one that differs is handed on per target, its
    :class:`~lintops.model.Source` naming the version. A render problem met at some of the targets
    only names them. The marked renders below are for the same target as the render they explain.

Pointing back (how a rendered node finds its values key)
    The chart is rendered a second time, only when a finding first asks where a node of an
    environment came from, with every values leaf that can carry a mark replaced by a unique marker:
    a non-empty string becomes ``lntq<n>q`` (letters and digits, so that ``upper``, ``quote``,
    ``trunc`` of a name and concatenations keep it; ``b64enc`` is undone when looking), a number
    becomes ``0.5 + (n + 1) / 65536`` (exact in binary, printed alike by Go and YAML, and ``int`` of it
    is 0, so a loop over a replica count stays empty instead of running away). Booleans, empty strings
    and nulls are not marked: replacing them would flip the chart's conditionals. The rendered
    document of the second render is matched to the real one (same template file, same index, or the
    same ordinal among documents of the same kind), and the node at the finding's pointer (or its
    nearest existing parent) is read there:

    - a string whose tail after ``:`` is the chart's ``appVersion`` while the marked render has no
      marker there (``tag | default .Chart.AppVersion``) points at ``appVersion`` in ``Chart.yaml``:
      that is the line that sets the tag;
    - a scalar carrying markers came from those leaves: the leaf set by the most specific file wins
      (the environment file over ``values.yaml``), then the last one in the text (in
      ``repository:tag`` the tag). The marked text, with each marker replaced by the leaf's real value,
      must equal the real node, otherwise the match is refused (a flipped conditional cannot
      mislead);
    - a mapping or list whose marked leaves all sit at the same relative place under one values key
      (``toYaml .Values.resources``) came from that key, if the key's value has the same shape;
    - otherwise, when the node's own line in the template (with the template-only lines indented
      under it) mentions exactly one ``.Values.x``, or a ``with .Values.x`` block renders
      ``toYaml .``, that key is used if it exists and has the node's shape (empty blocks such as
      ``resources: {}``, booleans).

    The location is that key in the most specific values file that sets it for the environment (the
    environment file if it overrides, else ``values.yaml``, else a sub-chart's ``values.yaml``, also
    under an alias; a value a parent imports from a child (``import-values``) is the child's key that
    sets it, :func:`.import_values.import_layers`; values an Application gives point where
    ``extra_values_origin`` says, else at the template), and the template position is the related
    location. Otherwise the location is the
    template: the segment between ``---`` lines whose top-level ``kind:`` matches the object (by
    ordinal among segments of that kind), its first line for the object itself, and for a node the
    template text that wrote it, traced exactly (:mod:`.trace`: Go copies a template's text pieces
    verbatim, so a rendered character in such a piece has one template character; an entry of a flow
    list is placed at the entry, a value an action printed at that action's ``{{``). What cannot be
    traced exactly goes to its nearest traced parent; below it, the template's indentation is followed
    key by key only where it agrees with the trace (list items matched to the rendered item by their
    first key, ``- name: ...`` read as a pattern with ``{{ }}`` as wildcards; an item produced by
    ``range`` is its single written entry), at worst the object's first line, never a guess.

    If the marked render fails (a template that validates a value, ``semverCompare``, ``index`` by a
    value), is much larger than the real one, or renders other objects than the real one (a marked
    value compared with ``eq`` decides whether a template renders at all), the marked leaves are
    split in halves and rendered again, so that only the leaves the chart cannot take as markers stay
    unmarked (at most :data:`MAX_MARKER_RENDERS` renders per environment; a render of a small chart
    takes a few milliseconds with the SDK). Every render that succeeded is used for the templates
    whose objects it rendered alike.

Values-only files (``production/values.yaml`` with no chart beside it) are not rendered: they become
``lintops.io/v1`` ``HelmValues`` resources (:mod:`lintops.inputs.manifests`), which rules with
``targets: [helm-values]`` check (the ``helm-values-*`` checks; the layout they read is
:mod:`lintops.helm_values_layout`).

Modules
    :mod:`.environments` (which environments, the ``helm:`` configuration and its schema),
    :mod:`.backends` (the binary or the SDK), :mod:`.capabilities` (what a render is told of its
    target), :mod:`.kube_version` and :mod:`.semver` (``kubeVersion`` as Helm reads it),
    :mod:`.chart_files` (reading a chart's files), :mod:`.chart` (the loaded chart) and
    :mod:`.load` (loading it with its sub-charts), :mod:`.dependencies` (the dependency list),
    :mod:`.resolution`, :mod:`.conditions` and :mod:`.import_values` (which chart serves an entry,
    which entries an environment keeps, what they import), :mod:`.archives` and :mod:`.assemble`
    (vendored archives, the copy Helm renders), :mod:`.values` (merging and coalescing),
    :mod:`.schema` (``values.schema.json``), :mod:`.context` (what a chart's environments share),
    :mod:`.render_environment` (one environment, for each of its targets), :mod:`.markers`,
    :mod:`.templates` and :mod:`.locate` (pointing back). This module is the entry point,
    :func:`render_chart`; the modules that only rendering needs are imported by it, on the first
    chart, so that importing this package (or :data:`.environments.CONFIG_SCHEMA`) stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ...model import Location
from ..files import UNCONFINED, LintedRoot
from ..rendered import RenderProblem, RenderResult
from .backends import _INSTALL_HINT, available_backend, prepare_worker
from .environments import ChartEnvironment, _settings, find_environments
from .values import _coalesce, _Layer, _nest

__all__ = ["render_chart"]


def render_chart(chart_dir: Path, *, display: Callable[[Path], str], config: Mapping[str, Any] | None = None,
                 environments: list[ChartEnvironment] | None = None, extra_values: Mapping[str, Any] | None = None,
                 release_name: str | None = None, namespace: str | None = None,
                 extra_values_origin: Callable[[str], Location | None] | None = None,
                 within: LintedRoot | None = None, versions: Callable[[str | None], Sequence[str]] | None = None,
                 api_versions: Sequence[str] = ()) -> RenderResult:
    """Render a chart for each of its environments: one :class:`RenderedSource` per (environment, template).

    ``display`` turns an absolute path into the path reports show. ``config`` is the ``helm:``
    section of the configuration (see the module docstring). ``extra_values`` (an ArgoCD
    Application's ``helm.values`` / ``valuesObject`` / ``parameters``) are merged over every
    environment's files; ``extra_values_origin(pointer)`` may say where a key of them is written, so
    that findings on values they set point there. Problems (no renderer, missing dependencies,
    unreadable values, schema violations, template errors) are in ``RenderResult.problems``.
    ``within`` is what the chart and its values files must stay inside: a chart with an entry that
    leads outside it (or a named pipe, a device, a file over the cap) is not rendered, see
    :func:`.chart_files._refused_entries`.

    ``versions(environment)`` names the Kubernetes versions (``"1.18"``) an environment deploys to;
    each environment is rendered for each of them (:mod:`.capabilities`), unless the chart's
    ``kubeVersion`` excludes it (:mod:`.kube_version`). ``api_versions`` are the run's own API
    entries (its CRDs, :func:`.capabilities.crd_api_versions`), added to each target's. Without
    ``versions``, Helm's default cluster is used.
    """
    # Loaded with the first chart, not with this package: importing it (or .environments) stays cheap.
    from .chart_files import _document, _read_yaml, _refused_entries
    from .context import _Context
    from .load import _load_chart
    from .render_environment import _render_environment

    chart_dir = Path(chart_dir).absolute()
    result = RenderResult()
    within = within or UNCONFINED
    result.problems.extend(_refused_entries(chart_dir, within, display))
    if result.problems:  # checked before anything of the chart is read, by lintops or by Helm
        return result
    settings = _settings(chart_dir, config, display)
    chart = _load_chart(chart_dir, display, result.problems, within)
    if chart is None:
        return result
    from .schema import archived_schema_problems

    refused = archived_schema_problems(chart, display)
    if refused:  # a vendored archive's schema refers out of itself: Helm would fetch or read it
        result.problems.extend(refused)
        return result
    chart_file = display(chart_dir / "Chart.yaml")
    if settings.backend not in ("auto", "binary", "sdk"):
        result.problems.append(RenderProblem(chart_file, 1, 1, f"cannot render the chart: helm.backend is "
                                             f"'{settings.backend}' in the configuration; use auto, binary or sdk"))
        return result
    backend = available_backend(settings.backend)
    if backend is None:
        result.problems.append(RenderProblem(chart_file, 1, 1, f"cannot render the chart: {_INSTALL_HINT}"))
        return result
    if backend == "sdk":  # the render worker loads the library while this chart's files are read
        prepare_worker()
    chart = chart.with_prefix(())
    context = _Context(chart, chart_dir, display, backend, release_name or settings.release_name or chart.name,
                       namespace or settings.namespace or "default", within)
    for sub in chart.all_charts():
        if sub.directory is None or not (sub.directory / "values.yaml").is_file():
            continue
        parsed, problem = _read_yaml(sub.directory / "values.yaml", display)
        if problem is not None:
            result.problems.append(problem)
            continue
        document = _document(parsed)
        data = document.data if document is not None and isinstance(document.data, dict) else {}
        context.default_layers.append(_Layer(display(sub.directory / "values.yaml"), data, document, sub.prefix))
        context.defaults = _coalesce(context.defaults, _nest(sub.prefix, data))
    # Conditions see the defaults before Helm imports values from children into parents (import-values).
    condition_defaults = context.defaults
    if any(dependency.import_values for sub in chart.all_charts() for dependency in sub.dependencies):
        from .import_values import import_layers

        context.defaults, imported = import_layers(chart, context.defaults, context.default_layers)
        context.default_layers.extend(imported)
    if versions is not None:  # the CRDs of vendored sub-charts, which Helm installs before the templates
        from .capabilities import crd_api_versions
        from .chart import _subchart_crds

        context.api_versions = tuple(sorted({*api_versions, *crd_api_versions(_subchart_crds(chart, within))}))
    for environment in environments if environments is not None else find_environments(chart_dir, config,
                                                                                          display=display):
        targets: Sequence[str | None] = tuple(versions(environment.name)) if versions is not None else (None,)
        _render_environment(context, environment, extra_values, extra_values_origin, result, targets,
                            condition_defaults)
    return result
