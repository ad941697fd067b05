"""Builders of the inputs tests lint: workload manifests, CRDs, Helm charts, Kustomize roots and file trees.

A test says only what is particular to it (the container under test, the CRD's schema, the chart's
templates); the scaffold around it is built here, always in the same layout, so that it is written once
instead of pasted across test modules.

The layouts are part of the tests: a finding's ``line:column`` depends on the text, and many tests assert
it. Each builder's docstring shows the text it makes; change a layout only together with every position
asserted on it. Text arguments are dedented first, so a test may indent them with its code.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = ["ANY_OBJECT", "SIZED_SPEC", "bare_workload", "block", "chart", "crd", "cronjob", "deployment",
           "kustomization", "pod", "tree", "write"]


def write(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` as UTF-8, creating its folders; the path back."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def tree(root: Path, files: Mapping[str, str]) -> Path:
    """Write each ``{relative path: text}`` below ``root``; ``root`` back."""
    for name, text in files.items():
        write(root / name, text)
    return root


def block(text: str, indent: int) -> str:
    """``text`` dedented, then every non-blank line indented by ``indent`` spaces, ending in a newline."""
    text = textwrap.dedent(text)
    if text and not text.endswith("\n"):
        text += "\n"
    return textwrap.indent(text, " " * indent)


# -- workloads ---------------------------------------------------------------------------------------------


def deployment(name: str = "web", pod_spec: str | None = None, *, kind: str = "Deployment",
               api_version: str = "apps/v1", namespace: str | None = None, spec: str = "",
               image: str | None = None, pod_annotations: str | None = None, annotations: str | None = None,
               layout: str = "flow") -> str:
    """A workload with a selector and a pod template (Deployment, StatefulSet, DaemonSet, ReplicaSet)::

        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}                    # {name: web, namespace: NS} with a namespace
        spec:
          <spec, indented 2: replicas, serviceName, ...>
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}       # block form with pod_annotations (flow text)
            spec:
              <pod_spec, indented 6>

    ``layout="block"`` writes the mappings around the pod spec in block style instead::

        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: NS                          # with a namespace
          annotations: ANNOTATIONS               # with annotations (flow text)
        spec:
          <spec, indented 2>
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
              annotations: POD_ANNOTATIONS       # with pod_annotations (flow text)
            spec:
              <pod_spec, indented 6>

    The pod spec defaults to one container named like the workload::

              containers:
                - name: web
                  image: registry.example.com/web:1.4.2   # or image
    """
    if pod_spec is None:
        pod_spec = f"containers:\n  - name: {name}\n    image: {image or f'registry.example.com/{name}:1.4.2'}\n"
    if layout == "block":
        metadata = "".join(f"\n  {key}: {value}" for key, value in
                           (("name", name), ("namespace", namespace), ("annotations", annotations)) if value)
        selector = f"  selector:\n    matchLabels: {{app: {name}}}\n"
    elif layout == "flow" and annotations is None:
        metadata = f" {{name: {name}, namespace: {namespace}}}" if namespace else f" {{name: {name}}}"
        selector = f"  selector: {{matchLabels: {{app: {name}}}}}\n"
    else:
        raise ValueError(f"layout {layout!r} (with annotations {annotations!r}): 'flow' (no annotations) or 'block'")
    if pod_annotations is None and layout == "flow":
        template_metadata = f"    metadata: {{labels: {{app: {name}}}}}\n"
    else:
        template_metadata = f"    metadata:\n      labels: {{app: {name}}}\n" + (
            f"      annotations: {pod_annotations}\n" if pod_annotations is not None else "")
    return (f"apiVersion: {api_version}\nkind: {kind}\nmetadata:{metadata}\nspec:\n{block(spec, 2)}"
            f"{selector}  template:\n{template_metadata}    spec:\n{block(pod_spec, 6)}")


def bare_workload(kind: str = "Deployment", pod_spec: str = "", *, name: str = "web",
                  api_version: str = "apps/v1") -> str:
    """A workload with nothing but a pod template (no selector, no labels): all the pod rules look at::

        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          template:
            spec:
              <pod_spec, indented 6>
    """
    return (f"apiVersion: {api_version}\nkind: {kind}\nmetadata: {{name: {name}}}\nspec:\n  template:\n    spec:\n"
            f"{block(pod_spec, 6)}")


def pod(spec: str, kind: str = "Pod", *, name: str = "p") -> str:
    """``apiVersion: v1``, ``kind: Pod``, ``metadata: {name: p}``, then ``spec:`` and ``spec`` (stripped of blank
    lines around it) indented by 2: its first line is line 5."""
    return (f"apiVersion: v1\nkind: {kind}\nmetadata: {{name: {name}}}\nspec:\n"
            + textwrap.indent(textwrap.dedent(spec).strip("\n"), "  ") + "\n")


def cronjob(name: str = "report", pod_spec: str | None = None, *, api_version: str = "batch/v1",
            namespace: str | None = None, schedule: str = '"0 3 * * *"', restart_policy: str = "OnFailure") -> str:
    """A CronJob::

        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: report}                 # {name: report, namespace: NS} with a namespace
        spec:
          schedule: "0 3 * * *"
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: OnFailure
                  <pod_spec, indented 10>

    The pod spec defaults to ``containers: [{name: report, image: registry.example.com/report:1.4.2}]``.
    """
    metadata = f"{{name: {name}, namespace: {namespace}}}" if namespace else f"{{name: {name}}}"
    if pod_spec is None:
        pod_spec = f"containers: [{{name: {name}, image: registry.example.com/{name}:1.4.2}}]\n"
    return (f"apiVersion: {api_version}\nkind: CronJob\nmetadata: {metadata}\nspec:\n  schedule: {schedule}\n"
            f"  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: {restart_policy}\n"
            f"{block(pod_spec, 10)}")


# -- custom resource definitions ---------------------------------------------------------------------------

#: What ``crd`` puts in openAPIV3Schema unless told: any object.
ANY_OBJECT = "type: object\nx-kubernetes-preserve-unknown-fields: true\n"
#: A schema whose ``spec`` has one field, ``size``, an integer: enough for a custom resource to be valid or not.
SIZED_SPEC = "type: object\nproperties:\n  spec:\n    type: object\n    properties:\n      size: {type: integer}\n"


def crd(kind: str = "Widget", group: str = "example.com", schema: str = ANY_OBJECT, *, version: str = "v1",
        plural: str | None = None, scope: str = "Namespaced", more_versions: str = "") -> str:
    """An apiextensions.k8s.io/v1 CustomResourceDefinition serving one version::

        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: widgets.example.com}
        spec:
          group: example.com
          names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
          scope: Namespaced
          versions:
            - name: v1
              served: true
              storage: true
              schema:
                openAPIV3Schema:
                  <schema, indented 10>
              <more_versions, indented 4: further items of versions>

    Its own lines are 1 to 13, so a node of ``schema`` on its line n is on line 13 + n.
    """
    plural = plural or f"{kind.lower()}s"
    return (f"apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
            f"metadata: {{name: {plural}.{group}}}\nspec:\n  group: {group}\n"
            f"  names: {{kind: {kind}, plural: {plural}, singular: {kind.lower()}, listKind: {kind}List}}\n"
            f"  scope: {scope}\n  versions:\n    - name: {version}\n      served: true\n      storage: true\n"
            f"      schema:\n        openAPIV3Schema:\n{block(schema, 10)}{block(more_versions, 4)}")


# -- Helm and Kustomize -------------------------------------------------------------------------------------


def chart(directory: Path, templates: Mapping[str, str] | None = None, *, values: str | None = None,
          name: str | None = None, version: str = "0.1.0", chart_yaml: str = "",
          files: Mapping[str, str] | None = None) -> Path:
    """A Helm chart in ``directory`` (made if missing); ``directory`` back.

    ``Chart.yaml`` is ``apiVersion: v2``, ``name: <name, else the folder's name>``, ``version: <version>``,
    then ``chart_yaml`` (more fields, as text); ``values.yaml`` is written when ``values`` is given;
    ``templates`` maps a file name below ``templates/`` to its text, ``files`` any other relative path.
    """
    write(directory / "Chart.yaml", f"apiVersion: v2\nname: {name or directory.name}\nversion: {version}\n"
                                    f"{chart_yaml}")
    if values is not None:
        write(directory / "values.yaml", values)
    for file, text in (templates or {}).items():
        write(directory / "templates" / file, text)
    tree(directory, files or {})
    return directory


def kustomization(directory: Path, resources: Iterable[str] = (), more: str = "", *,
                  files: Mapping[str, str] | None = None) -> Path:
    """``directory/kustomization.yaml`` listing ``resources`` (one ``  - entry`` a line, entry 1 on line 2),
    then ``more`` (other fields, as text); ``files`` are written beside it. The kustomization file's path back.
    """
    entries = list(resources)
    listed = "resources:\n" + "".join(f"  - {entry}\n" for entry in entries) if entries else ""
    tree(directory, files or {})
    return write(directory / "kustomization.yaml", listed + textwrap.dedent(more))
