"""Kustomize overlays: render each root and point every rendered node back at the file that set it.

Roots
    The roots are the kustomizations that no other kustomization of the linted tree refers to (the
    overlays); a base is linted only through the overlays that use it, in each overlay's form. A
    ``kind: Component`` is never a root (it only means something inside a kustomization); one that
    no overlay of the run uses is linted on its own, its patches never as manifests (:mod:`.unused`).
    Configured roots replace the detection. Kustomizations that only refer to each other in a cycle
    are roots too, so that kustomize reports the cycle instead of the files going unlinted.

How a root is rendered
    ``kustomize build`` when ``kustomize`` is on ``PATH``, else ``kubectl kustomize`` (kustomize is
    built into kubectl). Neither on ``PATH`` is a :class:`RenderProblem` (a ``render-failed``
    finding), never a silent pass.

    The origin of every object comes from kustomize itself: ``buildMetadata: [originAnnotations]``
    makes it annotate each object with ``config.kubernetes.io/origin`` (``path:`` of the file that
    defined it; ``configuredIn:`` and ``configuredBy:`` for generated objects). The user's
    kustomization is never modified: a wrapper kustomization is written into a new temporary
    directory (``tempfile``, outside the repository) and lists the root as its only resource. What was
    checked with kustomize v5.5 (``kubectl kustomize``):

    - An absolute path in the wrapper's ``resources:`` fails ("new root ... cannot be absolute"),
      with or without ``--load-restrictor LoadRestrictionsNone``. A relative path from the temporary
      directory to the root works, however far up it climbs (``../../home/me/repo/overlays/prod``).
    - The wrapper refers to a *directory*; kustomize always lets a kustomization load another
      kustomization directory, whatever the load restrictor. So no ``--load-restrictor`` flag is
      passed and the user's kustomizations keep the default restriction (a file outside a
      kustomization's root still fails, as it will for ``kustomize build`` in CI or in ArgoCD).
    - The origin ``path:`` is the lexical join of the references, relative to the wrapper's
      directory (``../../home/me/repo/base/deployment.yaml``); joined to the wrapper's real directory
      and normalised it is the file's real path. When no relative path exists (another drive on
      Windows) the wrapper uses a symbolic link named like the root, inside the temporary directory:
      kustomize follows it, and since the origin paths stay lexical (``prod/../../base/x.yaml``
      cleaned to ``../base/x.yaml``), they resolve against the root's real parent directory.
    - Nothing is written into the linted tree; kustomize writes nothing either, as long as plugins
      (``--enable-alpha-plugins``) stay off, which they do (a kustomization that needs them fails to
      render and is reported), and nothing is pulled into a chart home, which it never is: Helm
      inflation (``--enable-helm``) is on only for a tree with ``helmCharts``, and then the ``helm``
      kustomize runs is lintops itself (see "Helm charts" below).

    Rendering runs without network access: every remote address kustomize or git accepts, in every
    field kustomize loads from (a remote base ``github.com/org/repo//dir?ref=v1``, an ``https://``
    patch or generator file, ``git@host:org/repo``, the ``repo`` of a ``helmCharts`` entry whose chart is
    not vendored; :mod:`.remote`), is
    reported as a problem at its entry and the overlay is not rendered. The build itself runs in the
    environment of :mod:`lintops.inputs.offline`: no cluster, no git transport, a temporary home,
    proxies pointing at a port nothing listens on, none of the job's secrets.

    A root that does not render (a remote or refused entry, no binary, a build error) is not dropped:
    every local file it and its local bases list under ``resources`` is linted on its own
    (:mod:`.fallback`), and each problem of the root ends by saying which files were linted alone and
    which of its inputs were not linted at all (remote entries, patches, generators, Helm charts). A
    build error is said cause first, at the entry or file to edit, in the same words on every run
    (:mod:`.errors`).

Helm charts
    A ``helmCharts`` entry whose chart is vendored in the chart home (``<chartHome>/<name>``,
    :mod:`.helm_entries`) is inflated while kustomize builds: lintops runs kustomize with
    ``--enable-helm --helm-command`` naming its own command (:mod:`.helm_command`), which hands each
    ``helm template`` call back to lintops (:mod:`.helm_charts`). Kustomize keeps deciding which
    entry is inflated where, with which values (``valuesFile``, ``valuesInline`` merged as
    ``valuesMerge`` says, ``additionalValuesFiles``), and what happens to the objects (prefixes,
    labels, patches, components, namespace); lintops renders the chart with its own Helm backend
    (:func:`lintops.inputs.helm.render_chart`, helm-python-sdk, no helm binary) for the run's target
    versions, or the entry's ``kubeVersion``. Findings on those objects point at the overlay patch or
    field that set a value, else at the values key a person edits (``valuesInline`` in the
    kustomization, the values files, the chart's ``values.yaml``), else at the template line. An entry
    kustomize could not inflate offline (no chart there, a ``repo`` to pull from, a values file that
    is missing or outside the tree, a name that leaves the chart home) is a problem at its line before
    anything runs. A chart an overlay inflates is linted through the overlay only (as a base is),
    unless an ArgoCD Application deploys it too.

Mapping back
    One :class:`RenderedSource` per origin file: the rendered objects that came from that file, with
    the origin annotation removed from the text (and an ``annotations:`` left empty by that), so that
    rules never see it. A node of a rendered object is located, in this order: at the overlay patch
    that set it (a strategic-merge or JSON 6902 patch, in a file or inline in a kustomization, whose
    value is the rendered one); at the node in the origin file (lists are matched by their merge keys,
    ``name`` first, not by index, since patches may add items); at the kustomization field that set
    it (``images:``, ``replicas:``, ``namespace:``, ``labels``/``commonLabels``,
    ``commonAnnotations``); else at the nearest parent that exists in one of those files, or at the
    object's first line. The object in the origin file is matched by kind and by its original name:
    ``namePrefix``, ``nameSuffix`` and ``namespace`` change the rendered name, so the original name is
    the one contained in the rendered name. Every location carries the root's kustomization file as a
    related location, and the source's ``environment`` is the overlay (its directory name unless
    given).

Modules
    :mod:`.references` reads kustomization files (roots, referenced files) and :mod:`.remote` finds
    their remote addresses; :mod:`.layout` tells discovery the roots, the kustomizations no root uses
    and the files they own; :mod:`.build` runs kustomize on a root, :mod:`.errors` turns its
    failures into problems (:mod:`.error_chain` reads kustomize's chain of steps) and
    :mod:`.fallback` lists what a failed root leaves to lint;
    :mod:`.unused` lints a kustomization no root uses (a Component no overlay lists); :mod:`.sources` groups
    the output by origin file, :mod:`.objects` strips the origin annotation from each object, and
    :mod:`.locate` maps nodes back with :mod:`.translate` (origin files), :mod:`.patches` and
    :mod:`.transformers` (kustomization fields); :mod:`.helm_entries` reads ``helmCharts`` entries as
    kustomize does, :mod:`.helm_charts` inflates them while kustomize builds (through
    :mod:`.helm_command`, with :mod:`.helm_calls`, :mod:`.helm_documents`, :mod:`.helm_values`) and
    points their objects back (:mod:`.helm_locate`); :mod:`.nodes` and :mod:`.paths` are shared
    helpers.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .references import find_roots, kustomization_file, referenced_files

if TYPE_CHECKING:
    from .build import RENDER_TIMEOUT, image_override, render_kustomization
    from .build import _render as _render  # renders through a symbolic link on demand (the tests use it)
    from .objects import ORIGIN_ANNOTATION

__all__ = [
    "ORIGIN_ANNOTATION",
    "RENDER_TIMEOUT",
    "find_roots",
    "image_override",
    "kustomization_file",
    "referenced_files",
    "render_kustomization",
]

#: Names whose module loads on first use, and that module: discovery imports this package for the
#: roots and referenced files alone, and should not pay for the renderer (processes, temporary
#: files, the locators) when nothing is rendered.
_LOADED_ON_USE = {
    "RENDER_TIMEOUT": "build",
    "image_override": "build",
    "render_kustomization": "build",
    "_render": "build",
    "ORIGIN_ANNOTATION": "objects",
}


def __getattr__(name: str) -> Any:
    """A name of :data:`_LOADED_ON_USE`, from its module (imported now, once: the name is kept here)."""
    module = _LOADED_ON_USE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
