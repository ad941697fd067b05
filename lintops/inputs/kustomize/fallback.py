"""What is left to lint when a root does not render: its local manifest files, each on its own.

A root fails to render for reasons that have nothing to do with most of its files: a remote base
lintops never fetches, a missing binary, a typo in one patch. Dropping the whole root would hide a
``:latest`` image in a local ``deployment.yaml`` behind one ``render-failed`` finding (and a team that
lowers ``render-failed`` for bases vendored elsewhere would lose those objects without a trace). So
every file the root, its local bases and its components list under ``resources`` is linted alone
(:class:`~lintops.inputs.rendered.StandaloneFile`), and everything else it names that can only be
applied by the build is listed as not linted (:class:`~lintops.inputs.rendered.NotLinted`): remote
and refused entries, missing files, patches, generators, Helm charts, transformers and replacements.
Both lists are sorted as the kustomizations list them, so the message is the same on every run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ...model import join_pointer
from ..files import LintedRoot
from ..rendered import NotLinted, StandaloneFile
from .paths import DisplayPaths
from .references import RESOURCE_FIELDS, KustomizationTree, kustomization_file
from .remote import remote_form

#: Fields whose entries only the build applies, and how the message says so.
_BUILD_ONLY = (
    ("patches", "a patch: only the build applies it"),
    ("patchesStrategicMerge", "a patch: only the build applies it"),
    ("patchesJson6902", "a patch: only the build applies it"),
    ("configMapGenerator", "generated only by the build"),
    ("secretGenerator", "generated only by the build"),
    ("helmCharts", "a Helm chart: only the build inflates it"),
    ("generators", "generated only by the build"),
    ("transformers", "applied only by the build"),
    ("replacements", "applied only by the build"),
)


@dataclass
class Fallback:
    """The files of a failed root that are linted alone, and the inputs that are not linted at all."""

    alone: list[StandaloneFile] = field(default_factory=list)
    not_linted: list[NotLinted] = field(default_factory=list)

    def summary(self) -> str:
        """The clause a ``render-failed`` message ends with: what was linted instead, what was not."""
        alone = ", ".join(f.display for f in self.alone) or "nothing"
        text = f"linted on their own instead: {alone}"
        if self.not_linted:
            text += f"; not linted: {', '.join(item.what for item in self.not_linted)}"
        return text


def fallback(tree: KustomizationTree, paths: DisplayPaths, root: str, within: LintedRoot | None) -> Fallback:
    """What of ``tree`` (a root named ``root`` in messages) can be linted without rendering it."""
    result = Fallback()
    refused = {(id(u.kustomization), u.pointer) for u in tree.unsafe}
    remote = {(id(r.kustomization), r.pointer) for r in tree.remote}
    seen: set[Path] = set()
    for kustomization in tree.kustomizations:
        where = "" if kustomization is tree.kustomizations[0] else f"{paths.show(kustomization.file)} "
        if kustomization.refused is not None:
            result.not_linted.append(NotLinted(root, f"{paths.show(kustomization.file)} (refused)"))
            continue

        def skip(what: str, why: str, where: str = where) -> None:
            result.not_linted.append(NotLinted(root, f"{where}{what} ({why})"))

        for key in RESOURCE_FIELDS:
            for index, entry in kustomization.items(key):
                if not isinstance(entry, str):
                    continue
                pointer = join_pointer(f"/{key}", index)
                target = kustomization.directory / entry
                label = f"{key} '{entry}'"
                if (id(kustomization), pointer) in remote or remote_form(entry, kustomization.directory):
                    skip(label, "remote")
                elif (id(kustomization), pointer) in refused:
                    skip(label, "refused")
                elif target.is_dir():
                    if kustomization_file(target) is None:
                        skip(label, "no kustomization in it")
                    # else: a local base or component, itself one of tree.kustomizations
                elif not os.path.lexists(target):
                    skip(label, "missing")
                else:
                    real = Path(os.path.realpath(target))
                    if real not in seen:
                        seen.add(real)
                        result.alone.append(StandaloneFile(paths.show(real), real, root, within))
        for key, why in _BUILD_ONLY:
            for index, entry in kustomization.items(key):
                skip(f"{key}[{index}]{_named(entry)}", why)
    return result


def _named(entry: object) -> str:
    """`` 'patch.yaml'`` or `` 'settings'``: what a person recognises an entry by, if it says."""
    if isinstance(entry, str) and "\n" not in entry:
        return f" '{entry}'"
    if isinstance(entry, dict):
        for key in ("path", "name"):
            value = entry.get(key)
            if isinstance(value, str) and value and "\n" not in value:
                return f" '{value}'"
    return ""
