"""Check ``argocd-application-source``: Application sources in this repository that point nowhere.

ArgoCD says "app path does not exist" or "values file not found" only after the merge, when it first
syncs. For a source whose ``repoURL`` is the linted repository (:mod:`lintops.argocd_repository`), the
tree is what ArgoCD will check out, so the ``path``, the Helm ``valueFiles`` (also those reached
through another source's ``ref`` as ``$ref/...``) and the ``project`` can be checked now: each missing
one is a finding at its own line. Paths and value files are decided per object (:meth:`check`); the
project needs every ``AppProject`` of the run and is decided at the end (:meth:`finish`), holding only
the Application's identity and the place of its ``project`` (:func:`lintops.held_back.detached`).

Everything is looked up through :class:`~lintops.inputs.files.LintedRoot`: a path that leaves the tree,
or a link inside it that leads out, is reported as such and never followed. The exact semantics are in
``rules/argocd-application-source.yaml``.
"""

from __future__ import annotations

import posixpath
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..argocd_apps import application_sources, is_application, repository_of, shown_url
from ..model import Resource, Violation, join_pointer
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..argocd_repository import RepositoryInfo
    from ..inputs.files import LintedRoot
    from ..run_context import RunContext

#: The project ArgoCD creates itself; an Application without ``project`` (or with ``""``) is in it.
DEFAULT_PROJECT = "default"
_GLOB = frozenset("*?[")


class ArgoCDApplicationSource(Check):
    name = "argocd-application-source"
    description = ("Reports ArgoCD Application sources in the linted repository whose path or Helm values "
                   "files do not exist, and projects no AppProject of the run defines.")
    cross_object_kinds = frozenset({"Application", "AppProject"})

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(params)
        self._projects: set[str] = set()
        self._held: list[tuple[Resource, str]] = []
        self._root: tuple[Path, LintedRoot] | None = None

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        resource = subject.resource
        if is_application(resource, "AppProject"):
            if isinstance(resource.name, str):
                self._projects.add(resource.name)
            return ()
        if not is_application(resource):
            return ()
        spec = resource.body.get("spec")
        if not isinstance(spec, dict):
            return ()
        project = spec.get("project")
        if isinstance(project, str) and project not in ("", DEFAULT_PROJECT) and "{{" not in project:
            from ..held_back import detached

            self._held.append((detached(resource, ("/spec/project",)), project))
        return list(self._source_violations(spec, repository_of(ctx), ctx))

    def finish(self, ctx: RunContext) -> Iterator[tuple[Resource, Violation]]:
        held, self._held = self._held, []
        projects, self._projects = self._projects, set()
        if not projects:
            return  # the run defines no AppProject: projects are managed elsewhere (see the rule)
        for resource, project in held:
            if project not in projects:
                known = ", ".join(f"'{name}'" for name in sorted(projects)[:10])
                yield resource, Violation("/spec/project", (
                    f"Application '{resource.name or '<unnamed>'}' is in project '{project}', which no AppProject "
                    f"of this run defines (defined: {known}, and ArgoCD's own '{DEFAULT_PROJECT}')"))

    def _source_violations(self, spec: dict[str, Any], info: RepositoryInfo, ctx: RunContext) -> Iterator[Violation]:
        sources = application_sources(spec)
        refs = {s["ref"]: s for _, s in sources if isinstance(s.get("ref"), str) and s["ref"]}
        for pointer, source in sources:
            # another repository, or a Helm repository's chart: only its "$ref/..." values files are in this tree
            here = info.is_this(source.get("repoURL")) and not source.get("chart")
            if not here and not info.is_this(source.get("repoURL")):
                yield _not_checked(pointer, source, info)
            path = source.get("path")
            directory = ""
            if here and isinstance(path, str) and "{{" not in path:
                directory, problem = self._look(path, info, ctx, want_directory=True)
                if problem:
                    yield Violation(join_pointer(pointer, "path"), f"source path '{_cut(path)}' {problem}")
                    continue
            yield from self._value_files(pointer, source, directory if here else None, refs, info, ctx)

    def _value_files(self, pointer: str, source: dict[str, Any], directory: str | None, refs: dict[str, Any],
                     info: RepositoryInfo, ctx: RunContext) -> Iterator[Violation]:
        """The values files of ``source`` that are missing; ``directory`` None: the source is not in this tree,
        so only entries naming another source's ``ref`` are looked at."""
        helm = source.get("helm")
        files = helm.get("valueFiles") if isinstance(helm, dict) else None
        if not isinstance(files, list):
            return
        ignore_missing = helm.get("ignoreMissingValueFiles") is True
        for index, entry in enumerate(files):
            if not isinstance(entry, str) or "://" in entry or "{{" in entry or _GLOB & set(entry):
                continue  # a URL, a template, a glob: not a file of this tree to look for
            at = join_pointer(pointer, "helm", "valueFiles", index)
            if entry.startswith("$"):
                name, _, rest = entry[1:].partition("/")
                target = refs.get(name)
                if target is None:
                    yield Violation(at, f"values file '{_cut(entry)}' names the source ref '{_cut(name)}', but no "
                                        "source of this Application has that ref")
                    continue
                if not info.is_this(target.get("repoURL")):
                    continue
                relative = "/" + rest
            elif directory is None:
                continue
            else:
                relative = entry if entry.startswith("/") else posixpath.join("/" + directory, entry)
            _, problem = self._look(relative, info, ctx, want_directory=False)
            if problem and not (ignore_missing and problem == "does not exist"):
                yield Violation(at, f"values file '{_cut(entry)}' {problem}")

    def _look(self, path: str, info: RepositoryInfo, ctx: RunContext, *,
              want_directory: bool) -> tuple[str, str | None]:
        """``path`` (relative to the repository's top, as ArgoCD reads it) normalised, and what is wrong with
        it in the tree: None when it is there, or when it lies outside what this run lints."""
        parts: list[str] = []
        for part in path.replace("\\", "/").split("/"):
            if part == "..":
                if not parts:
                    return "", "leads outside the repository"
                parts.pop()
            elif part not in ("", "."):
                parts.append(part)
        relative = "/".join(parts)
        below = info.below_base(relative) if relative else ("" if not info.prefix else None)
        if below is None:
            return relative, None  # outside the directory this run lints: not checked
        base, root = self._linted_root(ctx)
        resolved = root.resolve(base / below if below else base)
        if not isinstance(resolved, tuple):
            if resolved.reason == "missing":
                return relative, "does not exist"
            return relative, f"cannot be checked: it {resolved.detail}"
        is_directory = stat.S_ISDIR(resolved[1].st_mode)
        if want_directory and not is_directory:
            return relative, "is not a directory"
        if not want_directory and not stat.S_ISREG(resolved[1].st_mode):
            return relative, "is not a file"
        return relative, None

    def _linted_root(self, ctx: RunContext) -> tuple[Path, LintedRoot]:
        if self._root is None:
            from ..inputs.files import LintedRoot

            base = Path(ctx.options.base_dir or Path.cwd()).absolute()
            self._root = (base, LintedRoot(base))
        return self._root


def _not_checked(pointer: str, source: dict[str, Any], info: RepositoryInfo) -> Violation:
    """The note (shown with ``--verbose``) that a source of another repository was not looked at."""
    url = source.get("repoURL")
    at = join_pointer(pointer, "repoURL") if "repoURL" in source else pointer
    why = ("it is not the linted repository" if info.urls else
           "the linted repository's URL is unknown (no git remote, no argocd.repositories in .lintops.yaml)")
    what = f"repoURL '{shown_url(url)}'" if isinstance(url, str) and url else "a source without repoURL"
    return Violation(at, f"{what}: the source's path and values files are not checked, as {why}",
                     unchecked="not checked: a source in another repository")


def _cut(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
