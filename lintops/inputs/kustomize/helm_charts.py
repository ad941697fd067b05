"""Kustomize ``helmCharts`` inflated by lintops' own Helm backend, with kustomize deciding everything else.

Why this way
    Kustomize inflates a chart by running ``helm template`` and taking its output as the entry's
    generated objects; then the rest of the kustomization applies to them as to any other object.
    Where those objects go, and what happens to them, is kustomize's own business and subtle
    (checked in kustomize v5.5's source, ``api/internal/target/kusttarget.go``: a kustomization
    accumulates its ``resources``, then runs its generators, ``configMapGenerator``,
    ``secretGenerator``, ``helmCharts`` and then ``generators:``, then accumulates its
    ``components``, whose patches therefore apply to the chart's objects, then its transformers;
    a base does all of that before its overlay sees its objects; the output is sorted at the end).
    Rewriting kustomizations to imitate that would drift from it. So kustomize stays the authority:
    lintops runs it with ``--enable-helm --helm-command`` naming :mod:`.helm_command`, which hands
    each ``helm`` call back to this process over a Unix socket in lintops' temporary directory.
    Kustomize therefore decides which entry is inflated where, merges ``valuesInline`` with
    ``valuesFile`` as ``valuesMerge`` says (``override``: inline values win, ``merge``: the file's
    win, ``replace``: the inline values alone), checks that the values files stay inside the
    kustomization, writes the merged values to its own temporary file and names it, and places the
    output; lintops renders the chart (:func:`lintops.inputs.helm.render_chart`: helm-python-sdk in
    the render worker, with its memory and time limits, no helm binary, no network) with exactly the
    values kustomize hands over, in the order it hands them (the merged file, then each of
    ``additionalValuesFiles``), and answers with the rendered objects. Nothing of the tree is
    written, nothing is pulled: ``helm pull`` is refused (a ``repo`` whose chart is not vendored is
    refused before kustomize runs, :mod:`.remote`), and so is any other ``helm`` command.

What ``helm template`` would do, and this does (kustomize's ``HelmChart.AsHelmArgs``)
    ``releaseName`` is the release; without it kustomize passes ``--generate-name``, for which Helm
    names the release ``<chart>-<unix time>``, a different name on every build: lintops uses the
    stable part, the chart directory's name up to its first dot. ``namespace`` is
    ``.Release.Namespace`` (Helm's ``default`` without it). ``kubeVersion`` and ``apiVersions`` are
    ``--kube-version`` and ``--api-versions``: the chart renders for that version (its minor
    release, ``v1.N.0``; a patch level is not kept) with those APIs added to that version's; without
    ``kubeVersion`` it renders for the run's target versions, as lintops renders any chart, and an
    overlay whose charts render differently per target is built once per target. ``includeCRDs``
    puts the files of the chart's ``crds/`` (and of its vendored directory sub-charts') first, as they
    are written; ``skipTests`` drops test hooks (``helm.sh/hook: test``, or Helm 2's
    ``test-success``), ``skipHooks`` every hook. ``nameTemplate`` is not rendered.

Pointing back
    Each object lintops hands kustomize carries kustomize's own origin annotation, set before
    kustomize sees it (kustomize keeps an origin that is already there): a name for the render, the
    template and the document, which is how each rendered object is matched to the document Helm
    rendered. A node is then located as for any object of the overlay (:mod:`.locate`): at the
    overlay patch that set its value, at a kustomization field (``images:``, ``namespace:``,
    labels), else where lintops' Helm locator points for that document (:mod:`lintops.inputs.helm`,
    "Pointing back"): the values key a person edits (a key of ``valuesInline`` in the
    kustomization, of ``valuesFile``, of one of ``additionalValuesFiles``, or of the chart's
    ``values.yaml``), else the template line. The annotation is written into the document's text in
    the style it has (:mod:`.helm_documents`; each item of a ``kind: List``, which kustomize takes
    apart); where it cannot be (an ``annotations:`` left empty), kustomize names the ``helmCharts``
    generator, and findings point at the entry. An origin annotation a template writes itself is
    replaced, and one that names a file outside the tree is never taken (:meth:`Inflation.allowed`).
    CRDs of ``includeCRDs`` are the chart's files as written: they point into them.

Modules
    :mod:`.helm_entries` reads an entry as kustomize does and says what it could not inflate;
    :mod:`.helm_command` is the ``helm`` kustomize runs; :mod:`.helm_calls` reads its command lines;
    :mod:`.helm_documents` cuts the rendered text into documents and writes the origin into each;
    :mod:`.helm_values` says where a values key is written, :mod:`.helm_locate` where a node is
    reported; :mod:`.helm_callback` is the way back (the command kustomize runs, the socket it
    calls, kustomize run while its calls are answered), :mod:`.helm_call_values` reads the values
    files a call names. This module ties them together around one build.
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...model import Located, Location, Locator, Source
from ...parse.documents import ParsedDocument
from ...parse.stream import HELM, parse_text
from ..files import UNCONFINED, LintedRoot
from ..rendered import RenderedSource, RenderProblem, RenderResult
from .helm_call_values import CallValues
from .helm_callback import VERSION, HelmCallback
from .helm_calls import HelmCall, helm_merge, parse_template
from .helm_documents import TEST_HOOKS, documents_of, hook_events, template_documents, with_origin
from .helm_entries import ChartEntry, chart_entries, crd_files, entry_problem, kube_minor
from .helm_locate import chart_locator
from .helm_values import values_origin
from .locate import LocatorContext
from .objects import RenderedObject
from .paths import DisplayPaths
from .references import KustomizationTree


@dataclass
class _Render:
    """A chart rendered for one entry with one set of values: the result, and its documents' texts."""

    entry: ChartEntry
    result: RenderResult
    crds: list[str]  # the CRD documents (already carrying their origin), when includeCRDs asks for them


@dataclass
class _Served:
    """What one answer to kustomize held: the render, the sources in the order their markers number them."""

    render: _Render
    sources: list[RenderedSource]


class Inflation:
    """The ``helmCharts`` of one overlay's tree while kustomize builds it (see the module docstring).

    :meth:`check` says, before kustomize runs, what would make it fail or reach out; :meth:`start`
    gives the arguments that make kustomize call back, :meth:`run` runs kustomize and answers its
    calls, :meth:`stop` stops listening; :meth:`allowed` vets the origins kustomize printed, and
    :meth:`owns` and :meth:`sources` turn the chart's objects back into sources that
    point at the values and templates a person edits. :attr:`problems` are the renders' problems
    (a template error, a schema violation), reported whatever kustomize made of the answer;
    :attr:`refused` says a render failed, so that kustomize's own failure is not reported on top.
    """

    def __init__(self, paths: DisplayPaths, tree: KustomizationTree, environment: str,
                 within: LintedRoot | None = None, versions: Callable[[str | None], Sequence[str]] | None = None,
                 crds: Sequence[Mapping[str, Any]] = (), helm: Mapping[str, Any] | None = None) -> None:
        self.paths = paths
        self.environment = environment
        self.within = within or UNCONFINED
        self.entries = [entry for kustomization in tree.kustomizations for entry in chart_entries(kustomization)]
        self.targets: list[str] = list(versions(environment)) if versions is not None else []
        self._crds = crds
        self._helm = helm
        self.problems: list[RenderProblem] = []
        self.refused = False
        #: Set when a chart rendered differently for some targets: the overlay is then built per target.
        self.split = False
        #: The target of the build being served (None: the first one).
        self.target: str | None = None
        self._renders: dict[tuple[Any, ...], _Render] = {}
        self._served: list[_Served] = []
        self._uses: dict[int, int] = {}
        self._documents: dict[int, list[ParsedDocument]] = {}
        self._marker_root = Path()
        self._callback: HelmCallback | None = None
        self._values = CallValues(self.within, paths.show)

    # Before kustomize runs.

    def check(self) -> list[RenderProblem]:
        """What would make kustomize fail at a ``helmCharts`` entry, or read outside the tree, said at the entry."""
        problems: list[RenderProblem] = []
        for entry in self.entries:
            found = entry_problem(entry, self.within, self.paths.show)
            if found is not None:
                pointer, message = found
                kustomization = entry.kustomization
                position = kustomization.position(pointer)
                root = self.paths.show(self.paths.real_root)
                base = "" if kustomization.directory == self.paths.real_root else \
                    f", in its base {self.paths.show(kustomization.directory)}"
                problems.append(RenderProblem(self.paths.show(kustomization.file), position.line, position.column,
                                              f"{message}; kustomize cannot build {root}{base}", self.environment))
        if not problems and self.entries and (os.name == "nt" or not hasattr(socket, "AF_UNIX")):
            entry = self.entries[0]
            position = entry.kustomization.position(entry.pointer)
            problems.append(RenderProblem(self.paths.show(entry.kustomization.file), position.line, position.column,
                                          f"{entry.label}: lintops inflates helmCharts through a Unix socket, which "
                                          f"this platform lacks; render the overlay yourself: `kustomize build "
                                          f"--enable-helm {self.paths.show(self.paths.real_root)} | lintops check -`",
                                          self.environment))
        return problems

    # While kustomize runs.

    def start(self, scratch: Path, env: dict[str, str]) -> list[str]:
        """Listen for the helm command's calls; the flags that make kustomize use it (``env`` gets its socket).

        ``scratch`` is the caller's temporary directory (removed by it): the socket, the command's
        wrapper script, kustomize's own temporary files and the markers' names live there.
        """
        self._marker_root = scratch / "lintops-helm"
        self._callback = HelmCallback(scratch, env)
        self._values.scratch = self._callback.scratch
        return self._callback.flags

    def run(self, argv: list[str], cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
        """Run kustomize (as ``subprocess.run`` would) and answer its helm calls until it ends
        (:meth:`.helm_callback.HelmCallback.run`: on this thread, where every other render happens)."""
        assert self._callback is not None
        return self._callback.run(argv, cwd, env, timeout, self._answer)

    def stop(self) -> None:
        """Stop listening."""
        if self._callback is not None:
            self._callback.stop()

    def _answer(self, args: list[str]) -> tuple[int, str, str]:
        if args[:1] == ["version"]:
            return 0, VERSION, ""
        if args[:1] != ["template"]:
            return 1, "", (f"lintops does not run `helm {args[0] if args else ''}`: it renders vendored charts "
                           f"and never pulls one\n")
        call = parse_template(args[1:])
        if call is None:
            return 1, "", f"lintops cannot read the helm template call {' '.join(map(shlex.quote, args))}\n"
        entry = self._entry_for(call)
        if entry is None:  # a chart of a kustomization outside the overlay's tree (a transformer's)
            top = self.entries[0].kustomization if self.entries else None
            return self._refuse(None, f"kustomize asked for the chart {self.paths.show(Path(call.chart))}, which "
                                      f"no helmCharts entry of {self.paths.show(self.paths.real_root)} or its "
                                      f"bases names", top)
        render, problem = self._render(entry, call)
        if render is None:
            return self._refuse(entry, f"{entry.label}: {problem}")
        if not render.result.sources and render.result.problems:  # reported already, at the template
            self.refused = True
            return 1, "", render.result.problems[0].message + "\n"
        return 0, self._output(render, call), ""

    def _refuse(self, entry: ChartEntry | None, message: str, kustomization: Any = None) -> tuple[int, str, str]:
        """A call lintops does not answer: a problem at the entry (else the kustomization), and kustomize stops."""
        self.refused = True
        kustomization = entry.kustomization if entry is not None else kustomization
        if kustomization is not None:
            position = kustomization.position(entry.pointer) if entry is not None else kustomization.position("")
            self.problems.append(RenderProblem(self.paths.show(kustomization.file), position.line, position.column,
                                               message, self.environment))
        else:
            self.problems.append(RenderProblem(self.paths.show(self.paths.real_root), 1, 1, message,
                                               self.environment))
        return 1, "", message + "\n"

    def _entry_for(self, call: HelmCall) -> ChartEntry | None:
        """The entry kustomize is inflating: the one whose chart, release, namespace, values files and values
        (as kustomize merged them) match the call; of equal ones, the one served least."""
        chart = os.path.realpath(call.chart)
        candidates = [entry for entry in self.entries if entry.name and
                      os.path.realpath(entry.chart_directory) == chart]
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        merged = self._values.data(call.values_files[0]) if call.values_files else None

        def score(entry: ChartEntry) -> tuple[int, ...]:
            additional = [os.path.realpath(path) for _, _, path in entry.additional_values_files()]
            return (int((entry.text("releaseName") or None) == call.release),
                    int((entry.text("namespace") or None) == call.namespace),
                    int(additional == [os.path.realpath(p) for p in call.values_files[1:]]),
                    int(merged is not None and self._values.expected(entry) == merged),
                    -self._uses.get(id(entry), 0))

        best = max(candidates, key=score)
        self._uses[id(best)] = self._uses.get(id(best), 0) + 1
        return best

    def _render(self, entry: ChartEntry, call: HelmCall) -> tuple[_Render | None, str | None]:
        """The chart rendered with the call's values (once per entry and values, for every build of the overlay)."""
        user: dict[str, Any] = {}
        contents: list[bytes] = []
        for path in call.values_files:
            raw = self._values.read(path)
            if not isinstance(raw, bytes):
                return None, f"the values file {self._values.shown(path)} {raw.detail}"
            contents.append(raw)
            data = self._values.data(path)
            if data is None:
                return None, f"{self._values.shown(path)} is not a mapping of values"
            user = helm_merge(user, data)
        key = (id(entry), call.release, call.namespace, call.kube_version, tuple(call.api_versions),
               call.include_crds, tuple(contents))
        if key in self._renders:
            return self._renders[key], None
        from ..helm import render_chart  # the Helm path loads with the first chart only
        from ..helm.environments import ChartEnvironment

        versions = self._versions(call)
        release = call.release or Path(call.chart).name.split(".", 1)[0] or "chart"
        result = render_chart(entry.chart_directory, display=self.paths.show, config=self._helm,
                              environments=[ChartEnvironment(self.environment, ())], extra_values=user or None,
                              extra_values_origin=values_origin(entry, self.within, self.paths.show),
                              release_name=release, namespace=call.namespace or "default", within=self.within,
                              versions=versions,
                              api_versions=self._api_versions(call))
        self.problems.extend(result.problems)
        render = self._renders[key] = _Render(entry, result, self._crd_documents(entry) if call.include_crds else [])
        return render, None

    def _versions(self, call: HelmCall) -> Callable[[str | None], Sequence[str]] | None:
        if call.kube_version:
            minor = kube_minor(call.kube_version)
            if minor is not None:
                return lambda environment: (minor,)
        if self.targets:
            targets = tuple(self.targets)
            return lambda environment: targets
        return None

    def _api_versions(self, call: HelmCall) -> tuple[str, ...]:
        if not self._crds and not call.api_versions:
            return ()
        from ..helm.capabilities import crd_api_versions

        return tuple(sorted({*crd_api_versions(self._crds), *call.api_versions}))

    # The answer kustomize reads as helm's output.

    def _output(self, render: _Render, call: HelmCall) -> str:
        sources = render.result.sources
        versions = {source.source.kubernetes_version for source in sources} - {None}
        if versions and not self.split:
            self.split = True
        target = self.target or (self.targets[0] if self.split and self.targets else None)
        chosen = [source for source in sources if source.source.kubernetes_version in (None, target)]
        number = len(self._served)
        self._served.append(_Served(render, chosen))
        documents = list(render.crds)
        for index, source in enumerate(chosen):
            position = 0
            for text, root, width in template_documents(source.text):
                position += width
                if root is None:
                    documents.append(text)
                    continue
                events = hook_events(root)
                if (call.no_hooks and events is not None) or (call.skip_tests and TEST_HOOKS & (events or set())):
                    continue
                marker = self._marker_root / str(number) / str(index) / str(position - 1)
                documents.append(with_origin(text, root, marker))
        return "".join(f"---\n{text}\n" for text in documents)

    def _crd_documents(self, entry: ChartEntry) -> list[str]:
        """The documents of the chart's ``crds/`` files (Helm's ``--include-crds``), each naming its file."""
        documents: list[str] = []
        for path in crd_files(entry.chart_directory):
            try:
                text = self.within.read_text(path)
            except (OSError, UnicodeDecodeError):
                continue  # the chart's scan refused it already, or Helm reports it
            real = Path(os.path.realpath(path))
            for piece, root, _ in documents_of(text):
                documents.append(with_origin(piece, root, real) if root is not None else piece)
        return documents

    # After kustomize ran.

    def owns(self, origin: Path) -> bool:
        """Whether a rendered object's origin is one of this inflation's markers."""
        return origin.is_relative_to(self._marker_root)

    def allowed(self, origin: Path) -> bool:
        """Whether an origin kustomize printed may be taken: a marker, or a file of the tree. A template can
        write an origin annotation of its own (kustomize keeps it); one naming a file outside is ignored."""
        return self.owns(origin) or self.within.check_file(origin) is None

    def sources(self, objects: list[RenderedObject], context: LocatorContext) -> list[RenderedSource]:
        """The objects that came from charts, one source per template, each node pointing back."""
        groups: dict[str, list[tuple[RenderedObject, RenderedSource, ParsedDocument, int | None]]] = {}
        for obj in objects:
            assert obj.origin is not None
            try:
                parts = [int(part) for part in obj.origin.relative_to(self._marker_root).parts]
                number, index, position, *item = parts
                served = self._served[number]
                source = served.sources[index]
                document = self._helm_documents(source)[position]
            except (ValueError, IndexError):  # not one of lintops' markers (it cannot be guessed): left out
                continue
            groups.setdefault(source.source.path, []).append((obj, source, document, item[0] if item else None))
        return [RenderedSource(text="---\n".join(member[0].text for member in members),
                               source=Source(path=path, origin="kustomize", environment=self.environment),
                               locators=self._factory(context, members))
                for path, members in groups.items()]

    def _helm_documents(self, source: RenderedSource) -> list[ParsedDocument]:
        found = self._documents.get(id(source))
        if found is None:
            found = self._documents[id(source)] = parse_text(source.text, source.source.path, split=HELM).documents
        return found

    def _factory(self, context: LocatorContext,
                 members: list[tuple[RenderedObject, RenderedSource, ParsedDocument, int | None]]
                 ) -> Callable[[ParsedDocument], Locator]:
        def make(document: ParsedDocument) -> Locator:
            if document.index >= len(members):
                path = members[0][1].source.path
                return lambda pointer, at_key: Located(Location(path, 1, 1), context.related)
            return chart_locator(context, members[document.index][0], document, *members[document.index][1:])

        return make
