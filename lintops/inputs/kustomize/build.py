"""Running kustomize on one root, through a temporary wrapper kustomization that asks for origins.

This is the only module that starts a process or writes a file (the wrapper, in a temporary
directory). Why a wrapper, and why it refers to the root by a relative path, is explained in the
package docstring.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..files import LintedRoot
from ..offline import offline_environment
from ..rendered import RenderedSource, RenderProblem, RenderResult, RenderRoot
from ..tree import KUSTOMIZATION_FILES
from .paths import DisplayPaths
from .references import Kustomization, KustomizationTree, walk_tree
from .sources import rendered_sources

if TYPE_CHECKING:  # pragma: no cover
    from .helm_charts import Inflation

#: The package's logger, as when the package was one module.
log = logging.getLogger(__package__)

#: Seconds one ``kustomize build`` may take before it is reported as failed.
RENDER_TIMEOUT = 300

#: Each build's ``(target version, output)``, and the last kustomize process.
_Builds = tuple[list[tuple[str | None, str]], subprocess.CompletedProcess[str]]


def _command() -> list[str] | None:
    kustomize = shutil.which("kustomize")
    if kustomize:
        return [kustomize, "build"]
    kubectl = shutil.which("kubectl")
    if kubectl:
        return [kubectl, "kustomize"]
    return None


def image_override(spec: str | dict[str, Any]) -> dict[str, Any]:
    """An ArgoCD ``kustomize.images`` entry (``[name=]image[:tag][@digest]``) as a kustomize ``images:`` entry."""
    if isinstance(spec, dict):
        return dict(spec)
    name, _, new = spec.rpartition("=") if "=" in spec else ("", "", spec)
    entry: dict[str, Any] = {}
    if "@" in new:
        new, entry["digest"] = new.split("@", 1)
    colon = new.rfind(":")
    if colon > new.rfind("/"):
        new, entry["newTag"] = new[:colon], new[colon + 1:]
    if not name:
        return {"name": new, **entry}
    return {"name": name, **({"newName": new} if new else {}), **entry}


def render_kustomization(root: Path, *, display: Callable[[Path], str], environment: str | None = None,
                         images: list | None = None, within: LintedRoot | None = None,
                         versions: Callable[[str | None], Sequence[str]] | None = None,
                         crds: Sequence[Mapping[str, Any]] = (), helm: Mapping[str, Any] | None = None) -> RenderResult:
    """Render the kustomization at ``root``; each object knows the file and node that defined it.

    ``display`` turns an absolute path into the path reports show; ``environment`` defaults to the
    root's directory name; ``images`` are overrides applied on top (ArgoCD's ``kustomize.images``,
    strings or kustomize ``images:`` entries). ``within`` is what every file the overlay names must
    stay inside (see :class:`.references.UnsafeEntry`); an overlay naming anything else is not rendered.
    ``versions``, ``crds`` and ``helm`` are for ``helmCharts`` (:mod:`.helm_charts`): the target
    versions of an environment, the run's CRDs and the ``helm:`` configuration, as for any chart.
    """
    return _render(root, display=display, environment=environment, images=images, symlink=False, within=within,
                   versions=versions, crds=crds, helm=helm)


def _render(root: Path, *, display: Callable[[Path], str], environment: str | None, images: list | None,
            symlink: bool, within: LintedRoot | None = None,
            versions: Callable[[str | None], Sequence[str]] | None = None,
            crds: Sequence[Mapping[str, Any]] = (), helm: Mapping[str, Any] | None = None) -> RenderResult:
    """:func:`render_kustomization`; ``symlink`` makes the wrapper refer to the root through a symbolic link."""
    paths = DisplayPaths(root, display)
    environment = environment or paths.logical_root.name
    cache: dict[Path, Kustomization | None] = {}
    tree = walk_tree(paths.real_root, cache, within)
    inflation = None
    if any(kustomization.items("helmCharts") for kustomization in tree.kustomizations):
        from .helm_charts import Inflation  # only overlays with Helm charts load the Helm path

        inflation = Inflation(paths, tree, environment, within, versions, crds, helm)
    result = _build(paths, tree, cache, environment, images, symlink, inflation)
    root_display = paths.show(paths.real_root)
    top = tree.kustomizations[0] if tree.kustomizations else None
    where = top.position("/resources", at_key=True) if top is not None and "resources" in top.data else None
    result.roots.append(RenderRoot(root_display, environment, paths.show(top.file) if top else root_display,
                                   where.line if where else 1, where.column if where else 1))
    if result.problems and not result.sources and tree.kustomizations:
        from .fallback import fallback  # loaded only when a root fails: most never do

        plan = fallback(tree, paths, root_display, within)
        result.standalone.extend(plan.alone)
        result.not_linted.extend(plan.not_linted)
        clause = plan.summary()
        result.problems[:] = [replace(problem, message=f"{problem.message}; {clause}") for problem in result.problems]
    return result


def _build(paths: DisplayPaths, tree: KustomizationTree, cache: dict[Path, Kustomization | None], environment: str,
           images: list | None, symlink: bool, inflation: Inflation | None = None) -> RenderResult:
    """Check the tree, then run kustomize on it: the rendered sources, or the problems that stopped it.

    With ``inflation`` (the tree has ``helmCharts``), kustomize inflates them through lintops' Helm
    backend; an overlay whose charts render differently per target version is built once per target.
    """
    result = RenderResult()
    result.problems.extend(_before_running(paths, tree, environment, inflation))
    if result.problems:
        return result
    top = tree.kustomizations[0]
    command = _command()
    if command is None:
        result.problems.append(_no_kustomize(paths, paths.show(top.file), environment))
        return result
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lintops-kustomize-") as temporary:
        wrapper_dir = Path(os.path.realpath(temporary))
        reference, origin_base = _write_wrapper(wrapper_dir, paths.real_root, top, images, symlink)
        outcome = _run_builds(command, wrapper_dir, inflation, paths.show(top.file), environment)
    if isinstance(outcome, RenderProblem):  # kustomize did not finish, or could not be started
        result.problems.append(outcome)
        return result
    log.debug("rendered %s in %.3f s", paths.show(paths.real_root), time.perf_counter() - started)
    builds, completed = outcome
    if inflation is not None:
        result.problems.extend(inflation.problems)  # a chart's own problems, whatever kustomize made of them
    if completed.returncode != 0:
        if inflation is not None and inflation.refused:  # kustomize stopped at a chart lintops could not render
            return result
        from .errors import build_problem  # loaded only when a build fails: most never do

        result.problems.append(build_problem(completed.stderr or completed.stdout, paths, tree, cache, environment,
                                             wrapper_dir, reference))
        return result
    built = [(target, rendered_sources(stdout, origin_base, paths, tree, cache, environment, inflation))
             for target, stdout in builds]
    result.sources.extend(_per_target(built))
    return result


def _before_running(paths: DisplayPaths, tree: KustomizationTree, environment: str,
                    inflation: Inflation | None) -> list[RenderProblem]:
    """What stops the build before kustomize runs: no kustomization file, an entry kustomize must not read
    or would fetch, clone or pull, a chart it could not inflate offline."""
    if not tree.kustomizations:
        return [RenderProblem(
            paths.show(paths.real_root), 1, 1,
            f"no kustomization file ({', '.join(KUSTOMIZATION_FILES)}) in {paths.show(paths.real_root)}",
            environment)]
    problems = [RenderProblem(paths.show(unsafe.kustomization.file), unsafe.position.line, unsafe.position.column,
                              unsafe.message, environment) for unsafe in tree.unsafe]
    problems.extend(RenderProblem(paths.show(remote.source_file), remote.position.line, remote.position.column,
                                  remote.message(paths.show(paths.real_root)), environment) for remote in tree.remote)
    if problems or inflation is None:
        return problems
    return list(inflation.check())


def _no_kustomize(paths: DisplayPaths, top_display: str, environment: str) -> RenderProblem:
    return RenderProblem(
        top_display, 1, 1,
        f"cannot render the Kustomize overlay {paths.show(paths.real_root)}: neither `kustomize` nor `kubectl` "
        f"is on PATH. Install kustomize (or kubectl, which includes it), or render it yourself and lint the "
        f"output: `kustomize build {paths.show(paths.real_root)} | lintops check -`",
        environment)


def _write_wrapper(wrapper_dir: Path, real_root: Path, top: Kustomization, images: list | None,
                   symlink: bool) -> tuple[str, Path]:
    """The kustomization of the temporary directory that lists the root (see the package's docstring); how
    it names the root, and the directory the origin paths are relative to."""
    reference, origin_base = _reference(wrapper_dir, real_root, symlink)
    wrapper: dict[str, Any] = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        # kustomize builds a Component root over an empty accumulator, as `kustomize build <dir>` does, only
        # when it is listed as a component: under resources it refuses it ("expected kind != 'Component'")
        "components" if top.is_component else "resources": [reference],
        "buildMetadata": ["originAnnotations"],
    }
    if images:
        wrapper["images"] = [image_override(spec) for spec in images]
    (wrapper_dir / "kustomization.yaml").write_text(yaml.safe_dump(wrapper, sort_keys=False))
    return reference, origin_base


def _run_builds(command: list[str], wrapper_dir: Path, inflation: Inflation | None, top_display: str,
                environment: str) -> _Builds | RenderProblem:
    """Run kustomize on the wrapper, once per target version when the charts it inflates need it: each
    build's ``(target version, output)`` and the last process (failed, or the last that succeeded), or
    the problem when kustomize did not finish or could not be started."""
    env = offline_environment(wrapper_dir)
    flags = inflation.start(wrapper_dir, env) if inflation is not None else []
    builds: list[tuple[str | None, str]] = []  # (target version when built per target, output)
    try:
        targets: list[str | None] = [None]
        while targets:
            target = targets.pop(0)
            if inflation is not None:
                inflation.target = target
            run = inflation.run if inflation is not None else _run  # the former answers kustomize's helm
            try:
                completed = run([*command, *flags, str(wrapper_dir)], wrapper_dir, env, RENDER_TIMEOUT)
            except subprocess.TimeoutExpired:
                return RenderProblem(top_display, 1, 1,
                                     f"`{Path(command[0]).name} {command[1]}` did not finish within {RENDER_TIMEOUT} s",
                                     environment)
            except OSError as exc:
                return RenderProblem(top_display, 1, 1, f"cannot run {command[0]}: {exc}", environment)
            if completed.returncode != 0:
                break
            builds.append((target, completed.stdout))
            if inflation is not None and inflation.split and target is None:  # the first build was the first
                builds[-1] = (inflation.targets[0], completed.stdout)        # target's; the others follow
                targets.extend(inflation.targets[1:])
    finally:
        if inflation is not None:
            inflation.stop()
    return builds, completed


def _per_target(built: list[tuple[str | None, list[RenderedSource]]]) -> list[RenderedSource]:
    """Built per target (a chart renders differently for some): what every build rendered alike is linted once,
    against each target, as for a chart's templates; the rest per target, each naming its version."""
    alike = set.intersection(*({(s.source.path, s.text) for s in sources} for _, sources in built))
    merged = [s for s in built[0][1] if len(built) == 1 or (s.source.path, s.text) in alike]
    for target, sources in built if len(built) > 1 else ():
        merged.extend(replace(s, source=replace(s.source, kubernetes_version=target)) for s in sources
                      if (s.source.path, s.text) not in alike)
    return merged


def _run(argv: list[str], cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env, timeout=timeout, check=False)


def _reference(wrapper_dir: Path, real_root: Path, symlink: bool) -> tuple[str, Path]:
    """How the wrapper names the root, and the directory the origin paths are relative to."""
    if not symlink:
        try:
            return Path(os.path.relpath(real_root, wrapper_dir)).as_posix(), wrapper_dir
        except ValueError:  # another drive on Windows
            pass
    link = wrapper_dir / (real_root.name or "root")
    link.symlink_to(real_root, target_is_directory=True)
    return link.name, real_root.parent
