"""What a chart's templates see as ``.Capabilities``: the target cluster, not Helm's default one.

Charts branch on the cluster: ``semverCompare ">=1.21-0" .Capabilities.KubeVersion.Version`` picks
``policy/v1`` or ``policy/v1beta1``, ``.Capabilities.APIVersions.Has "networking.k8s.io/v1/Ingress"``
picks the Ingress API. Rendered without a cluster, Helm answers for its own default (Kubernetes
1.36 for the SDK lintops uses), so the objects lintops would check are not the ones the target
receives. A chart is therefore rendered for each target version, with

- ``KubeVersion`` ``v1.N.0`` (a target is a minor release; ``.0`` is the earliest patch, so a
  ``semverCompare`` on a patch level never admits what an early cluster of that minor lacks);
- ``APIVersions``: what API discovery of that version answers, as ``helm install`` sees it on a real
  cluster (and Argo CD passes to ``helm template``): every group/version that serves a resource
  (``policy/v1beta1``) and every group/version/Kind (``policy/v1beta1/PodDisruptionBudget``), from the
  bundled schemas and the removal table (:meth:`lintops.schema.kube.served.ServedIndex.apis`) without
  the kinds that are no resources (``*List``, ``DeleteOptions``, ``WatchEvent``, ``Status``) and without
  alpha versions, which a cluster serves only when they are switched on; plus the APIs of the run's
  CustomResourceDefinitions (the plain inputs' and the chart's own ``crds/``, which Helm installs before
  the templates: :func:`crd_api_versions`), each served version as group/version and
  group/version/Kind.

Both backends take the same: ``helm template --kube-version v1.N.0 --api-versions ...`` and the SDK's
native ``helm_render`` options ``kube_version`` and ``api_versions`` (see :mod:`.worker`).

One consequence to know: Helm *adds* ``api_versions`` to its built-in set, as ``helm template
--api-versions`` does. That set holds group/versions only (no Kinds), the same whatever the target:
``policy/v1beta1``, ``policy/v1``, ``extensions/v1beta1``, ``batch/v1beta1`` and about fifty more. So
``.Capabilities.APIVersions.Has "policy/v1beta1"`` is true at 1.25, which removed it, and ``Has
"policy/v1"`` is true at 1.18, which does not serve it yet; a chart that asks that way renders as
``helm template`` (and Argo CD) would render it, not as a live cluster would. The group/version/Kind
form (``Has "policy/v1/PodDisruptionBudget"``) and ``KubeVersion`` follow the target exactly, and an
object of an API the target does not serve is reported by lintops' API check either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ...lazy_pattern import lazy

__all__ = ["Capabilities", "crd_api_versions", "target_api_versions"]

#: Kinds the schemas describe that API discovery does not list as resources.
_NOT_RESOURCES = frozenset({
    "APIGroup", "APIResourceList", "APIVersions", "CreateOptions", "DeleteOptions", "ExportOptions",
    "GetOptions", "ListOptions", "PatchOptions", "Status", "UpdateOptions", "WatchEvent",
})


#: What a CRD's group, version and kind may be (the API server refuses other CRDs); anything else is left
#: out rather than handed to Helm (a comma would split one ``--api-versions`` entry in two).
_GROUP = lazy(r"[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?")
_VERSION = lazy(r"[a-z0-9]{1,63}")
_KIND = lazy(r"[A-Za-z][A-Za-z0-9]{0,62}")


def _is_alpha(api_version: str) -> bool:
    return "alpha" in api_version.rpartition("/")[2]


@lru_cache(maxsize=64)
def target_api_versions(version: str) -> tuple[str, ...]:
    """Discovery of Kubernetes ``version`` (``"1.18"``) as ``.Capabilities.APIVersions`` entries, sorted."""
    from ...schema.kube.served import served_index

    entries: set[str] = set()
    for api_version, kind in served_index().apis(version):
        if kind in _NOT_RESOURCES or kind.endswith("List") or _is_alpha(api_version):
            continue
        entries.add(api_version)
        entries.add(f"{api_version}/{kind}")
    return tuple(sorted(entries))


def crd_api_versions(bodies: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """The group/version and group/version/Kind entries of CustomResourceDefinitions, sorted.

    Both CRD forms: ``apiextensions.k8s.io/v1`` (``spec.versions[].name``, those with ``served``
    not false) and ``v1beta1`` (also ``spec.version``). A body without a group or kind adds nothing:
    the CRD's own schema findings say what is wrong with it.
    """
    entries: set[str] = set()
    for body in bodies:
        spec = body.get("spec") if isinstance(body, Mapping) else None
        if not isinstance(spec, Mapping):
            continue
        group, names = spec.get("group"), spec.get("names")
        kind = names.get("kind") if isinstance(names, Mapping) else None
        if not isinstance(group, str) or not _GROUP.fullmatch(group) or not isinstance(kind, str) \
                or not _KIND.fullmatch(kind):
            continue
        versions: list[str] = []
        if isinstance(spec.get("version"), str):
            versions.append(spec["version"])
        for entry in spec.get("versions") or ():
            if isinstance(entry, Mapping) and isinstance(entry.get("name"), str) and entry.get("served") is not False:
                versions.append(entry["name"])
        for name in versions:
            if _VERSION.fullmatch(name):
                entries.update((f"{group}/{name}", f"{group}/{name}/{kind}"))
    return tuple(sorted(entries))


@dataclass(frozen=True)
class Capabilities:
    """What one render is told about its cluster: the target's minor version and the API entries."""

    #: The target, ``"1.18"``.
    version: str
    #: ``.Capabilities.APIVersions`` entries beyond Helm's built-in set, sorted.
    api_versions: tuple[str, ...] = ()

    @classmethod
    def for_target(cls, version: str, custom: Sequence[str] = ()) -> Capabilities:
        """The target's discovery plus ``custom`` entries (the run's CRDs)."""
        return cls(version, tuple(sorted({*target_api_versions(version), *custom})))

    @property
    def kube_version(self) -> str:
        """``.Capabilities.KubeVersion`` as Helm is told it: ``v1.18.0``."""
        return f"v{self.version}.0"

    def sdk_options(self) -> dict[str, Any]:
        """The keys of helm-python-sdk's native render options (added to name, namespace, is_install)."""
        return {"kube_version": self.kube_version, "api_versions": list(self.api_versions)}

    def binary_arguments(self) -> list[str]:
        """The ``helm template`` arguments: ``--kube-version`` and one ``--api-versions`` per entry."""
        arguments = ["--kube-version", self.kube_version]
        for entry in self.api_versions:
            arguments += ["--api-versions", entry]
        return arguments
