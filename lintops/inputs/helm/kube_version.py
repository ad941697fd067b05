"""A chart's ``kubeVersion`` against a target: whether Helm would install the chart there at all.

``Chart.yaml`` may say which clusters a chart supports (``kubeVersion: ">=1.25.0-0"``). Helm checks
it before it renders anything (``action.renderResources``): on a cluster outside it, ``helm install``,
``helm upgrade`` and ``helm template --kube-version`` stop with "chart requires kubeVersion: ... which
is incompatible with Kubernetes v1.18.0", and so does an Argo CD sync. A constraint that does not
parse admits no cluster (``chartutil.IsCompatibleRange`` answers false). Only the top chart's
``kubeVersion`` counts, as in Helm; a sub-chart's is not checked. Constraints are evaluated with
Helm's own semantics (:mod:`.semver`), against ``v1.N.0`` as the chart's templates see the target
(:mod:`.capabilities`).

Such a chart is **not rendered** for that target: the refusal is a problem at the ``kubeVersion``
line, and it is the only one. Nothing of the chart reaches that cluster, so findings about its
objects would be about objects the cluster never receives (the false findings rendering for the
target exists to end), and they would bury the one finding that matters. The helm binary refuses the
render anyway; the SDK would render, and both backends must give the same verdict. The targets the
constraint admits (another environment's cluster, the other version of a ``-k 1.24 -k 1.25`` run) are
rendered and linted as usual, so the chart is still checked where it can be installed. This is what
lintops does for a chart whose dependency is not vendored when ``helm template`` renders it.
"""

from __future__ import annotations

from .chart import _Chart
from .semver import ConstraintError, parse_constraint, parse_version

__all__ = ["refusal"]


def refusal(chart: _Chart, version: str) -> str | None:
    """Why Helm refuses to install ``chart`` on Kubernetes ``version`` (``"1.18"``), or None when it would not."""
    written = chart.kube_version
    if written is None:
        return None
    if not isinstance(written, str):
        return (f"kubeVersion must be a string of version constraints such as \">=1.25.0-0\"; it is "
                f"{_type_name(written)} here, which Helm does not accept: quote it")
    target = f"v{version}.0"
    try:
        constraint = parse_constraint(written)
    except ConstraintError as exc:
        return (f"kubeVersion {_quoted(written)} is not a valid version constraint ({exc}): Helm refuses to "
                f"install the chart on any cluster")
    if constraint.admits(parse_version(target)):
        return None
    return (f"chart requires kubeVersion {_quoted(written)}, which excludes Kubernetes {version} ({target}): "
            f"Helm refuses to install the chart there, so it is not rendered for {version}")


def _quoted(text: str) -> str:
    text = " ".join(text.split())
    return f'"{text}"' if len(text) <= 80 else f'"{text[:77]}..."'


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "not a string"
