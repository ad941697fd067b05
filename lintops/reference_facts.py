"""What objects say about each other, as cross-object facts (lintops.cross_refs) for the reference rules.

Recorders, each a function of one object:

- :data:`OBJECTS`: the objects others name (topic ``object``, key ``(kind, namespace, name)``, and again
  with the namespace ``*`` for references that give none). Objects that make a Secret count as that
  Secret: a SealedSecret (its ``spec.template.metadata.name``, else its own name), a cert-manager
  ``Certificate`` (``spec.secretName``), an ExternalSecret (``spec.target.name``, else its own name).
- :data:`POD_TEMPLATES`: the labels of every pod template (topic ``pods``, key ``("pod", namespace, kind,
  name)``, tagged with the workload's replicas: its ``spec.replicas``, 1 when unset for the kinds that
  default it, -1 for kinds whose pod count is not theirs to say: DaemonSets, Jobs, CronJobs).
- :data:`REFERENCES`: where an object names another: a Service's selector (``selector:service``), a
  PodDisruptionBudget's (``selector:pdb``, with its budget), an Ingress backend's Service
  (``ref:ingress``), an HPA's or KEDA ScaledObject's ``scaleTargetRef`` (``ref:scale``, with the fewest
  replicas it scales to), and a pod spec's ConfigMaps and Secrets
  (``ref:pod``: ``env[].valueFrom.configMapKeyRef``/``secretKeyRef``, ``envFrom[]``, ``volumes[]``
  ``configMap``/``secret``/``projected`` sources), each unless it is marked ``optional: true``.

Only strings are recorded (a name or label that is not a string is the schema rule's business), and
the number of references an object leaves is bounded (:data:`MAX_REFERENCES`), so a hostile object
cannot make the run keep more than a few hundred small records for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .cross_refs import Fact, Recorder, site
from .model import Resource, join_pointer

if TYPE_CHECKING:  # pragma: no cover
    from .run_context import RunContext

#: The kinds an HPA's ``scaleTargetRef`` is judged for (others, custom scalable kinds, are not).
SCALABLE_KINDS = frozenset({"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController", "Rollout",
                            "DeploymentConfig"})
#: Kinds whose ``spec.replicas`` defaults to 1.
REPLICATED_KINDS = SCALABLE_KINDS
NAMED_KINDS = frozenset({"Service", "ConfigMap", "Secret", "SealedSecret", "Certificate", "ExternalSecret",
                         *SCALABLE_KINDS})
MAX_REFERENCES = 256
#: Labels the controllers add to the pods they create: a selector may ask for them (not in any template).
CONTROLLER_LABELS = frozenset({"pod-template-hash", "controller-revision-hash", "statefulset.kubernetes.io/pod-name",
                               "apps.kubernetes.io/pod-index", "job-name", "batch.kubernetes.io/job-name",
                               "controller-uid", "batch.kubernetes.io/controller-uid",
                               "rollouts-pod-template-hash"})


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _objects(resource: Resource, ctx: RunContext) -> Iterator[Fact]:
    name = _str(resource.name)
    kind = resource.kind
    body = resource.body
    spec = _dict(body.get("spec"))
    group = resource.api_version.split("/", 1)[0] if "/" in resource.api_version else ""
    if kind == "SealedSecret":
        kind, name = "Secret", _str(_dict(_dict(spec.get("template")).get("metadata")).get("name")) or name
    elif kind == "Certificate":
        if not group.startswith("cert-manager"):
            return
        kind, name = "Secret", _str(spec.get("secretName"))
    elif kind == "ExternalSecret":
        kind, name = "Secret", _str(_dict(spec.get("target")).get("name")) or name
    if name is None:
        return
    yield Fact("object", (kind, resource.namespace, name))
    yield Fact("object", (kind, "*", name))


def _pod_templates(resource: Resource, ctx: RunContext) -> Iterator[Fact]:
    pointer = ctx.options.workloads.get(resource.kind)
    if pointer is None:
        return
    base = pointer[:-len("/spec")] if pointer.endswith("/spec") else pointer
    template: Any = resource.body
    for token in base.split("/")[1:]:
        template = _dict(template).get(token)
    if not isinstance(template, dict):
        return  # no pod template (a Rollout that names a Deployment has that Deployment's): no pods
    found = _dict(template.get("metadata")).get("labels")
    if found is not None and not isinstance(found, dict):
        return
    labels = {k: v for k, v in _dict(found).items() if isinstance(k, str) and isinstance(v, str)}
    tag = -1
    if resource.kind in REPLICATED_KINDS:
        replicas = _dict(resource.body.get("spec")).get("replicas", 1)
        tag = replicas if isinstance(replicas, int) and not isinstance(replicas, bool) and replicas >= 0 else -1
    elif resource.kind == "Pod":
        tag = 1
    yield Fact("pods", ("pod", resource.namespace, resource.kind, resource.name), labels, tag=tag)


def selector_data(selector: Any) -> dict[str, Any] | None:
    """A LabelSelector as plain data (``matchLabels``, ``matchExpressions`` as ``[key, operator, values]``),
    without requirements on the labels controllers add; None when it is not data the API accepts."""
    selector = _dict(selector)
    labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not isinstance(labels, dict) or not isinstance(expressions, list):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items()):
        return None
    found = []
    for item in expressions[:MAX_REFERENCES]:
        item = _dict(item)
        key, operator, values = item.get("key"), item.get("operator"), item.get("values") or []
        if not isinstance(key, str) or operator not in ("In", "NotIn", "Exists", "DoesNotExist") or not isinstance(
                values, list) or not all(isinstance(v, str) for v in values):
            return None  # a malformed expression: selector-mismatch and the schema rule say so
        if key not in CONTROLLER_LABELS:
            found.append([key, operator, values[:MAX_REFERENCES]])
    kept = {k: v for k, v in list(labels.items())[:MAX_REFERENCES] if k not in CONTROLLER_LABELS}
    return {"matchLabels": kept, "matchExpressions": found}


def _references(resource: Resource, ctx: RunContext) -> Iterator[Fact]:
    kind = resource.kind
    spec = _dict(resource.body.get("spec"))
    namespace = resource.namespace
    if kind == "Service" and resource.api_version == "v1":
        selector = spec.get("selector")
        if spec.get("type") != "ExternalName" and isinstance(selector, dict) and selector and all(
                isinstance(k, str) and isinstance(v, str) for k, v in selector.items()):
            kept = {k: v for k, v in list(selector.items())[:MAX_REFERENCES] if k not in CONTROLLER_LABELS}
            yield Fact("selector:service", (namespace,), {"matchLabels": kept, "matchExpressions": []},
                       site(resource, "/spec/selector", at_key=True))
    elif kind == "PodDisruptionBudget" and resource.api_version.startswith("policy/"):
        yield from _budget(resource, spec)
    elif kind == "Ingress":
        yield from _ingress(resource, spec)
    elif kind == "HorizontalPodAutoscaler" or (kind == "ScaledObject" and resource.api_version.startswith("keda.sh/")):
        yield from _scaler(resource, spec)
    pointer = ctx.options.workloads.get(kind)
    if pointer is not None:
        yield from _pod_references(resource, pointer)


def _scaler(resource: Resource, spec: dict[str, Any]) -> Iterator[Fact]:
    """An HPA's or a KEDA ScaledObject's target, with the fewest replicas it may scale it to."""
    target = _dict(spec.get("scaleTargetRef"))
    keda = resource.kind == "ScaledObject"
    name = _str(target.get("name"))
    target_kind = _str(target.get("kind")) or ("Deployment" if keda else None)
    if name is None or target_kind not in SCALABLE_KINDS:
        return
    least = spec.get("minReplicaCount" if keda else "minReplicas", 0 if keda else 1)
    if not isinstance(least, int) or isinstance(least, bool):
        least = 0 if keda else 1
    yield Fact("ref:scale", (target_kind, resource.namespace, name), {"minReplicas": least},
               site(resource, "/spec/scaleTargetRef/name"))


def _budget(resource: Resource, spec: dict[str, Any]) -> Iterator[Fact]:
    selector = spec.get("selector")
    data = selector_data(selector) if selector is not None else {"matchLabels": {}, "matchExpressions": []}
    if data is None:
        return
    data["empty"] = selector is None or not (data["matchLabels"] or data["matchExpressions"] or _dict(
        selector).get("matchLabels") or _dict(selector).get("matchExpressions"))
    data["version"] = resource.api_version
    where = "/spec/selector" if isinstance(selector, dict) else "/spec"
    yield Fact("selector:pdb", (resource.namespace,), data, site(resource, where, at_key=True))
    for field in ("minAvailable", "maxUnavailable"):
        value = spec.get(field)
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            yield Fact("budget", (resource.namespace, field), {**data, "value": value},
                       site(resource, f"/spec/{field}"))


def _ingress(resource: Resource, spec: dict[str, Any]) -> Iterator[Fact]:
    backends = [("/spec/defaultBackend", spec.get("defaultBackend")), ("/spec/backend", spec.get("backend"))]
    for index, rule in enumerate(_list(spec.get("rules"))[:MAX_REFERENCES]):
        for number, path in enumerate(_list(_dict(_dict(rule).get("http")).get("paths"))[:MAX_REFERENCES]):
            backends.append((f"/spec/rules/{index}/http/paths/{number}/backend", _dict(path).get("backend")))
    for pointer, backend in backends[:MAX_REFERENCES]:
        backend = _dict(backend)
        service = _dict(backend.get("service"))
        if _str(service.get("name")):
            name, at = service["name"], f"{pointer}/service/name"
        elif _str(backend.get("serviceName")):
            name, at = backend["serviceName"], f"{pointer}/serviceName"
        else:
            continue  # a resource backend, or nothing: not a Service
        yield Fact("ref:ingress", ("Service", resource.namespace, name), None, site(resource, at))


def _pod_references(resource: Resource, pointer: str) -> Iterator[Fact]:
    node: Any = resource.body
    for token in pointer.split("/")[1:]:
        node = _dict(node).get(token)
    pod = _dict(node)
    found: list[tuple[str, str, str]] = []  # kind, name, pointer of the name
    for group in ("initContainers", "containers", "ephemeralContainers"):
        for index, container in enumerate(_list(pod.get(group))[:MAX_REFERENCES]):
            at = join_pointer(pointer, group, index)
            container = _dict(container)
            for number, env in enumerate(_list(container.get("env"))[:MAX_REFERENCES]):
                source = _dict(_dict(env).get("valueFrom"))
                for key, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                    _named(found, source.get(key), kind, join_pointer(at, "env", number, "valueFrom", key), "name")
            for number, env in enumerate(_list(container.get("envFrom"))[:MAX_REFERENCES]):
                for key, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                    _named(found, _dict(env).get(key), kind, join_pointer(at, "envFrom", number, key), "name")
    for index, volume in enumerate(_list(pod.get("volumes"))[:MAX_REFERENCES]):
        at = join_pointer(pointer, "volumes", index)
        volume = _dict(volume)
        _named(found, volume.get("configMap"), "ConfigMap", join_pointer(at, "configMap"), "name")
        _named(found, volume.get("secret"), "Secret", join_pointer(at, "secret"), "secretName")
        sources = _list(_dict(volume.get("projected")).get("sources"))
        for number, item in enumerate(sources[:MAX_REFERENCES]):
            for key, kind in (("configMap", "ConfigMap"), ("secret", "Secret")):
                _named(found, _dict(item).get(key), kind, join_pointer(at, "projected", "sources", number, key), "name")
    for kind, name, at in found[:MAX_REFERENCES]:
        yield Fact("ref:pod", (kind, resource.namespace, name), None, site(resource, at))


def _named(found: list[tuple[str, str, str]], ref: Any, kind: str, pointer: str, field: str) -> None:
    ref = _dict(ref)
    name = _str(ref.get(field))
    if name is not None and ref.get("optional") is not True:
        found.append((kind, name, join_pointer(pointer, field)))


OBJECTS = Recorder("lintops.objects", NAMED_KINDS, _objects)
POD_TEMPLATES = Recorder("lintops.pod-templates", None, _pod_templates)
REFERENCES = Recorder("lintops.references", None, _references)
