"""Kustomizations no root of the run pulls in: a Component no overlay uses, linted on its own.

A ``kind: Component`` is never a root: it means something only inside the kustomization that lists
it under ``components:``, where it adds its resources and generators to that kustomization's objects
and patches and transforms them all. microservices-demo's ``kustomize/`` ships thirteen Components
and an overlay that lists them all commented out; its three test overlays use six, so a run over
that folder finds seven Components no overlay uses. Until something lists one, what is it?

What kustomize does with one on its own
    ``kustomize build <component>`` (and ``kubectl kustomize``) builds it: the root of a build may be
    a Component, accumulated over an empty set of objects, as kustomize's ``accumulateTarget`` says
    ("the ra of the parent if this KustTarget is a Component (or empty if the Component does not have
    a parent)"); kustomize refuses a Component only under ``resources:`` ("expected kind !=
    'Component'"), so lintops' wrapper lists such a root under ``components:`` (:mod:`.build`). Checked
    with ``kubectl kustomize`` (kustomize v5.5) on microservices-demo: ``network-policies`` (resources
    only) builds, 13 NetworkPolicies; ``without-loadgenerator`` (a ``$patch: delete`` file),
    ``shopping-assistant`` (a resource and a patch of the frontend) and every other Component that
    patches an overlay's objects fail with "no resource matches strategic merge patch", and a
    replacement whose source is the overlay's fails with "nothing selected by"; a Component of
    ``images:`` or of patches with a ``target:`` selector builds to nothing.

What a person expects (kubeconform, kube-linter)
    kubeconform validates every manifest file it is given, so it lints a Component's resources (real
    objects, deployed the day an overlay lists the Component) and also its patch files, as objects,
    which is wrong (``$patch`` is an "unknown field"). kube-linter builds a directory holding a
    kustomization with kustomize, so it lints what the build gives and fails where the build fails.
    So lintops lints what is an object and nothing that is not, and says what it did not lint:

    - A Component with resources or generators (``resources``, ``components``, ``configMapGenerator``,
      ``secretGenerator``, ``generators``, ``helmCharts``) is built as kustomize builds it on its
      own, and what the build gives is linted as any rendered object (its environment is the
      Component's directory name), its own patches and transformers applied to its own objects.
    - When that build fails because a patch or a replacement finds nothing to act on, which is what a
      Component that patches an overlay's objects does on its own, the failure is no defect: its
      resources files are linted on their own, as those of an overlay that does not render
      (:mod:`.fallback`; their findings say ``linted alone``), and its patches, generators and other
      build-only inputs are counted as inputs not linted. Any other failure (a missing file, a
      misspelt field) is a ``render-failed`` finding, as for an overlay, with the same fallback.
    - A Component with no resources or generators holds no object: its build could give nothing, so
      it is not built (a kustomize process saved per Component: six of microservices-demo's seven);
      its patches are counted as inputs not linted. A misspelt field in it is reported by the build
      of the overlay that lists it.
    - With configured roots (``kustomize.roots``), a kustomization none of them pulls in is not built
      (the configuration says what to build); its resources files are linted on their own and its
      build-only inputs counted as not linted, the same way.
    - What a kustomization that is not built names and may not be read (a link out of the tree, a
      named pipe) is still a finding at its entry (``unsafe-path``), as a build's pre-check makes it
      one and as it was one when the file was linted as a plain file; it is never read.

    Each such kustomization is one ``kustomize-unused`` notice (info) at its kustomization file (at
    the patch its build could not apply, when it was built), which says how it was linted and names,
    in one line, what was linted alone and what was not linted and why; the summary counts them
    (``linted_alone``, ``not_linted``). Files the run's roots pull
    in (a base a Component lists too) are linted through those roots, not a second time here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ...stage_rules import KUSTOMIZE_UNUSED
from ..files import LintedRoot
from ..rendered import RenderProblem, RenderResult, RenderRoot
from .build import render_kustomization
from .fallback import Fallback, fallback
from .paths import DisplayPaths
from .references import Kustomization, KustomizationTree, walk_tree

#: Fields through which a kustomization holds objects of its own: what a build of it starts from.
_OWN_OBJECTS = ("resources", "bases", "components", "configMapGenerator", "secretGenerator", "generators",
                "helmCharts")
#: How a failed build says that a patch or a replacement found nothing to act on: lintops' words for an
#: unmatched strategic-merge patch (:mod:`.errors`), kustomize's for a replacement's missing source.
_NOTHING_TO_ACT_ON = ("matches no object", "nothing selected by")


def render_unused(directory: Path, *, display: Callable[[Path], str], environment: str | None = None,
                  images: list | None = None, within: LintedRoot | None = None,
                  covered: frozenset[Path] = frozenset(),
                  versions: Callable[[str | None], Sequence[str]] | None = None,
                  crds: Sequence[Mapping[str, Any]] = (), helm: Mapping[str, Any] | None = None) -> RenderResult:
    """Lint the kustomization at ``directory``, which no root of the run pulls in (see the module docstring).

    ``covered`` are the real paths of the files the run's roots pull in: linted through them, not here.
    The other arguments are :func:`.build.render_kustomization`'s.
    """
    paths = DisplayPaths(directory, display)
    tree = walk_tree(paths.real_root, {}, within)
    top = tree.kustomizations[0] if tree.kustomizations else None
    build = {"display": display, "environment": environment, "images": images, "within": within,
             "versions": versions, "crds": crds, "helm": helm}
    if top is None or top.refused is not None:  # reported as for any root
        return render_kustomization(directory, **build)
    name = paths.show(paths.real_root)
    environment = environment or paths.logical_root.name
    if not top.is_component:
        return _not_built(tree, top, paths, name, environment, within, covered,
                          f"{name} is a kustomization that no root of this run pulls in (the configured "
                          f"kustomize.roots do not), so it is not rendered")
    if not any(top.items(key) for key in _OWN_OBJECTS):
        return _not_built(tree, top, paths, name, environment, within, covered,
                          f"{name} is a Component that no overlay of this run uses, and it holds no object of its "
                          f"own (no resources or generators): its patches and transformers act on the objects of "
                          f"the overlay that lists it, so it is not built on its own", alone=False)
    result = render_kustomization(directory, **build)
    shown = {paths.show(path) for path in covered}
    result.sources[:] = [source for source in result.sources if source.source.path not in shown]
    roots = [root for root in result.roots if root.name == name]
    environment = (roots[-1].environment or environment) if roots else environment
    plan = _plan(tree, paths, name, within, covered)
    if result.sources:
        result.problems.append(_notice(top, paths, (
            f"{name} is a Component that no overlay of this run uses: it was built on its own, as `kustomize "
            f"build {name}` builds it, and its objects are linted as that build gives them (in an overlay, "
            f"its patches and transformers act on the overlay's objects too)")))
        return result
    if not result.problems:  # built, to nothing the run's roots do not lint already
        result.not_linted.extend(plan.not_linted)
        result.problems.append(_notice(top, paths, (
            f"{name} is a Component that no overlay of this run uses: built on its own, it gives no object "
            f"that the run's overlays do not lint already; {_clause(plan, alone=False)}")))
        return result
    earlier = fallback(tree, paths, name, within).summary()  # the clause the build appended
    result.standalone[:] = plan.alone
    problems = [replace(p, message=f"{p.message.removesuffix(f'; {earlier}')}; {plan.summary()}")
                for p in result.problems]
    if tree.unsafe or tree.remote or not all(_nothing_to_act_on(p) for p in problems):
        result.problems[:] = problems  # a defect of the Component: render-failed, as for an overlay
        return result
    result.problems[:] = [replace(problem, rule_id=KUSTOMIZE_UNUSED, environment=None, message=(
        f"{name} is a Component that no overlay of this run uses, and kustomize cannot build it on its own: "
        f"{_cause(problem.message, earlier, name)} (the objects it patches come from the overlay that lists it); "
        f"{plan.summary()}")) for problem in result.problems]
    return result


def _not_built(tree: KustomizationTree, top: Kustomization, paths: DisplayPaths, name: str, environment: str,
               within: LintedRoot | None, covered: frozenset[Path], said: str, alone: bool = True) -> RenderResult:
    """What a kustomization that is not built leaves to lint: its resources files alone (``alone``), and
    every other input it names as not linted; one notice says so."""
    result = RenderResult()
    where = top.position("/resources", at_key=True) if "resources" in top.data else None
    result.roots.append(RenderRoot(name, environment, paths.show(top.file), where.line if where else 1,
                                   where.column if where else 1))
    plan = _plan(tree, paths, name, within, covered)
    if alone:
        result.standalone.extend(plan.alone)
    result.not_linted.extend(plan.not_linted)
    result.problems.append(_notice(top, paths, f"{said}; {_clause(plan, alone)}"))
    result.problems.extend(_refused(tree, paths))
    return result


def _refused(tree: KustomizationTree, paths: DisplayPaths) -> list[RenderProblem]:
    """What a kustomization that is not built names and may not be read (a link out of the root, a named
    pipe): a finding at its entry all the same (a build would refuse it; as a plain file it was one)."""
    problems = []
    for unsafe in tree.unsafe:
        what = "kustomization file" if unsafe.pointer is None else \
            f"{unsafe.pointer.split('/')[1]} entry {unsafe.entry!r}"
        position = unsafe.position
        problems.append(RenderProblem(paths.show(unsafe.kustomization.file), position.line, position.column,
                                      f"{what} {unsafe.refusal.detail}; not read", None, unsafe.refusal.rule_id))
    return problems


def _plan(tree: KustomizationTree, paths: DisplayPaths, name: str, within: LintedRoot | None,
          covered: frozenset[Path]) -> Fallback:
    """:func:`.fallback.fallback` without the files the run's roots pull in (linted through them)."""
    plan = fallback(tree, paths, name, within)
    plan.alone[:] = [file for file in plan.alone if file.path not in covered]
    return plan


def _clause(plan: Fallback, alone: bool) -> str:
    """What was linted alone and what was not, or, when nothing is linted alone, what was not."""
    if alone:
        return plan.summary()
    if plan.not_linted:
        return f"not linted: {', '.join(item.what for item in plan.not_linted)}"
    return "nothing of it is linted"


def _notice(top: Kustomization, paths: DisplayPaths, message: str) -> RenderProblem:
    """The ``kustomize-unused`` notice, at the kustomization's first field (its ``resources`` if any)."""
    fields = [key for key in top.data if key not in ("apiVersion", "kind", "metadata")]
    key = "resources" if "resources" in top.data else (fields[0] if fields else None)
    position = top.position(f"/{key}", at_key=True) if isinstance(key, str) else None
    return RenderProblem(paths.show(top.file), position.line if position else 1, position.column if position else 1,
                         # no environment: the notice is about the kustomization itself
                         message, None, KUSTOMIZE_UNUSED)


def _nothing_to_act_on(problem: RenderProblem) -> bool:
    return any(words in problem.message for words in _NOTHING_TO_ACT_ON)


def _cause(message: str, clause: str, name: str) -> str:
    """The failed build's cause alone: without the fallback clause and "kustomize cannot build <name>"."""
    cause = message.removesuffix(f"; {clause}")
    head, found, _ = cause.rpartition(f"; kustomize cannot build {name}")
    return head if found else cause
