"""Tests of the schema store (lintops.schema.kube) and the bundled schema data."""

from __future__ import annotations

import copy
import datetime
import json
import random
import time

import pytest
import yaml

from builders import crd
from lintops.data import data_dir
from lintops.schema import service
from lintops.schema.kube import build, compact
from lintops.schema.kube import crd as kube_crd
from lintops.schema.kube import store as kube_store
from lintops.schema.kube.store import SchemaStore
from lintops.schema.kube.validate import SchemaError
from lintops.schema.kube.versions import supported_versions

BACKENDS = [name for name in service.BACKENDS if __import__("importlib").util.find_spec(name.replace("-", "_"))]
SCHEMAS = data_dir("schemas")


def load(text: str) -> dict:
    return yaml.safe_load(text)


DEPLOYMENT = load("""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
  annotations: {example.com/owner: team-a}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}
  template:
    metadata:
      labels: {app: web}
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 1000}
      containers:
        - name: web
          image: registry.example.com/web:1.2.3
          args: ["--port", "8080"]
          ports: [{containerPort: 8080, name: http}]
          env:
            - {name: MODE, value: production}
            - name: PASSWORD
              valueFrom: {secretKeyRef: {name: web, key: password}}
          readinessProbe:
            httpGet: {path: /healthz, port: http}
          livenessProbe:
            tcpSocket: {port: 8080}
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {cpu: 0.5, memory: 134217728}
""")

# kubeconform's fixtures null_string.yaml / null_array.yaml, int_or_string.yaml, quantity.yaml, extra_property.yaml
# (all valid without -strict; extra_property is invalid with -strict), written out here
SERVICE_WITH_NULLS = load("""
apiVersion: v1
kind: Service
metadata:
  annotations: {kompose.service.type: LoadBalancer}
  creationTimestamp: null
  labels: {io.kompose.service: frontend}
  name: frontend
spec:
  ports: [{name: "80", port: 80, targetPort: 80}]
  selector: {io.kompose.service: frontend}
  type: LoadBalancer
status:
  loadBalancer: {}
""")
DEPLOYMENT_NULL_ARRAY = load("""
kind: Deployment
apiVersion: apps/v1
metadata: {name: dashboard, namespace: kube-system}
spec:
  replicas: 1
  selector: {matchLabels: {k8s-app: dashboard}}
  template:
    metadata: {labels: {k8s-app: dashboard}}
    spec:
      containers:
      - name: dashboard
        image: dashboard:v1.6.1
        ports: [{containerPort: 9090, protocol: TCP}]
        args:
        livenessProbe:
          httpGet: {path: /, port: 9090}
      tolerations:
      - {key: node-role.kubernetes.io/master, effect: NoSchedule}
""")
SERVICE_INT_OR_STRING = load("""
apiVersion: v1
kind: Service
metadata: {name: heapster, namespace: kube-system, labels: {kubernetes.io/cluster-service: 'true'}}
spec:
  ports: [{port: 80, targetPort: 8082}, {port: 81, targetPort: metrics}]
  selector: {k8s-app: heapster}
""")
LIMIT_RANGE_QUANTITY = load("""
apiVersion: v1
kind: LimitRange
metadata: {name: mem-limit-range}
spec:
  limits:
  - default: {memory: 512Mi}
    defaultRequest: {memory: 256000}
    type: Container
""")
DAEMONSET_EXTRA_PROPERTY = load("""
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: nginx-ds}
spec:
  replicas: 2
  selector: {matchLabels: {k8s-app: nginx-ds}}
  template:
    spec:
      containers: [{image: nginx, name: nginx}]
""")
REPLICATION_CONTROLLER_INVALID = load("""
apiVersion: v1
kind: ReplicationController
metadata: {name: bob}
spec:
  replicas: asd"
  selector: {app: nginx}
  templates:
    metadata: {name: nginx, labels: {app: nginx}}
    spec:
      containers: [{name: nginx, image: nginx, ports: [{containerPort: 80}]}]
""")

APPLICATION = load("""
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: guestbook
  namespace: argocd
  finalizers: [resources-finalizer.argocd.argoproj.io]
spec:
  project: default
  source:
    repoURL: https://github.com/argoproj/argocd-example-apps.git
    targetRevision: HEAD
    path: guestbook
    helm:
      valueFiles: [values-prod.yaml]
      parameters: [{name: image.tag, value: v1.2.3}]
  destination:
    server: https://kubernetes.default.svc
    namespace: guestbook
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true]
    retry:
      limit: 5
      backoff: {duration: 5s, factor: 2, maxDuration: 3m}
""")
APP_PROJECT = load("""
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: {name: team, namespace: argocd}
spec:
  description: Team project
  sourceRepos: ['*']
  destinations: [{namespace: team-*, server: https://kubernetes.default.svc}]
  clusterResourceWhitelist: [{group: '', kind: Namespace}]
""")
APPLICATION_SET = load("""
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: guestbook, namespace: argocd}
spec:
  generators:
  - list:
      elements:
      - {cluster: engineering-dev, url: https://1.2.3.4}
  template:
    metadata: {name: '{{cluster}}-guestbook'}
    spec:
      project: default
      source: {repoURL: https://github.com/argoproj/argo-cd.git, targetRevision: HEAD, path: guestbook}
      destination: {server: '{{url}}', namespace: guestbook}
""")
SEALED_SECRET = load("""
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: example
  namespace: default
spec:
  encryptedData:
    server1: AgA+dujiBo...
    database1: AgBtYQzl3T...
  template:
    metadata:
      creationTimestamp: null
      name: example
      namespace: default
    type: Opaque
    data:
      myconfig.json: '{"password": {{ toJson .server1 }}}'
""")

WIDGET_CRD = load(crd("Widget", schema="""\
    type: object
    properties:
      apiVersion: {type: string}
      kind: {type: string}
      metadata: {type: object}
      spec:
        type: object
        required: [size]
        properties:
          size: {type: integer, minimum: 1, maximum: 10}
          color: {type: string, enum: [red, green]}
          port:
            x-kubernetes-int-or-string: true
            anyOf: [{type: integer}, {type: string}]
          owner: {type: string, nullable: true, pattern: '^[a-z]+$'}
          note: {type: string}
          config:
            type: object
            x-kubernetes-preserve-unknown-fields: true
            properties:
              level: {type: integer}
          tags:
            type: array
            items: {type: string}
            maxItems: 2
      status:
        type: object
        x-kubernetes-preserve-unknown-fields: true
    """, more_versions="""\
    - name: v0
      served: false
      storage: false
      schema:
        openAPIV3Schema: {type: object}
    - name: v2
      served: true
      storage: false
    """))

GADGET_CRD_V1BETA1 = load("""
apiVersion: apiextensions.k8s.io/v1beta1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.org}
spec:
  group: example.org
  version: v1alpha1
  names: {kind: Gadget, plural: gadgets}
  scope: Namespaced
  validation:
    openAPIV3Schema:
      properties:
        spec:
          required: [mode]
          properties:
            mode: {type: string}
            replicas: {type: integer}
""")

VALID = [
    ("apps/v1", "Deployment", DEPLOYMENT),
    ("v1", "Service", SERVICE_WITH_NULLS),
    ("apps/v1", "Deployment", DEPLOYMENT_NULL_ARRAY),
    ("v1", "Service", SERVICE_INT_OR_STRING),
    ("v1", "LimitRange", LIMIT_RANGE_QUANTITY),
    ("argoproj.io/v1alpha1", "Application", APPLICATION),
    ("argoproj.io/v1alpha1", "AppProject", APP_PROJECT),
    ("argoproj.io/v1alpha1", "ApplicationSet", APPLICATION_SET),
    ("bitnami.com/v1alpha1", "SealedSecret", SEALED_SECRET),
]


def with_change(body: dict, pointer: str, value: object = None, delete: bool = False) -> dict:
    """A deep copy of ``body`` with the node at ``pointer`` set (or deleted)."""
    body = copy.deepcopy(body)
    *parents, last = [token.replace("~1", "/").replace("~0", "~") for token in pointer.split("/")[1:]]
    node = body
    for token in parents:
        node = node[int(token)] if isinstance(node, list) else node[token]
    key = int(last) if isinstance(node, list) else last
    if delete:
        del node[key]
    else:
        node[key] = value
    return body


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


# --------------------------------------------------------------------------------------------
# versions and the store


def test_supported_versions_include_bundled():
    versions = supported_versions()
    assert versions == [f"1.{minor}" for minor in range(17, 38)]  # every minor version 1.17 to 1.37


@pytest.mark.parametrize("spelling", ["1.18", "v1.18", "1.18.0", "v1.18.0", "1.18.6", "v1.18.20-gke.1", "1.18.3+k3s1"])
def test_version_spellings(spelling):
    assert SchemaStore(spelling).kubernetes_version == "1.18"


@pytest.mark.parametrize("bad", ["1.16", "1.38", "2", "latest", "", "1.18.0.1", "v1.x"])
def test_unknown_version_is_a_clear_value_error(bad):
    with pytest.raises(ValueError, match=r"supported versions: 1\.17 to 1\.37$"):
        SchemaStore(bad)


def test_unknown_backend_is_a_value_error():
    with pytest.raises(ValueError, match="jsonschema-rs, jsonschema"):
        SchemaStore("1.18", backend="fastjsonschema")


def test_default_backend_prefers_jsonschema_rs():
    expected = "jsonschema-rs" if "jsonschema-rs" in BACKENDS else "jsonschema"
    assert SchemaStore().backend == expected


def test_data_dir_finds_the_bundled_schemas():
    assert (SCHEMAS / "kubernetes" / "v1.18.json").is_file()
    assert (SCHEMAS / "kubernetes" / "definitions.jsonl").is_file()
    assert (SCHEMAS / "crds" / "index.json").is_file()


# --------------------------------------------------------------------------------------------
# validation of built-in kinds


@pytest.mark.parametrize("version", ["1.17", "1.18"])
def test_valid_deployment_passes(version, backend):
    assert SchemaStore(version, backend=backend).validate("apps/v1", "Deployment", DEPLOYMENT) == []


@pytest.mark.parametrize("api_version, kind, body", VALID, ids=[f"{v[1]}-{i}" for i, v in enumerate(VALID)])
def test_valid_objects_pass(api_version, kind, body, backend):
    assert SchemaStore("1.18", backend=backend).validate(api_version, kind, body) == []


def test_string_replicas_is_a_type_error(backend):
    body = with_change(DEPLOYMENT, "/spec/replicas", "asd")
    assert SchemaStore(backend=backend).validate("apps/v1", "Deployment", body) == [
        SchemaError("/spec/replicas", "expected integer, got string")
    ]


def test_misspelled_key_only_fails_in_strict_mode(backend):
    body = copy.deepcopy(DEPLOYMENT)
    body["spec"]["templates"] = body["spec"].pop("template")
    strict = SchemaStore(backend=backend).validate("apps/v1", "Deployment", body)
    assert strict == [
        SchemaError("/spec", "missing required field 'template'"),
        SchemaError("/spec/templates", "unknown field 'templates'"),
    ]
    lax = SchemaStore(strict=False, backend=backend).validate("apps/v1", "Deployment", body)
    assert lax == [SchemaError("/spec", "missing required field 'template'")]


def test_extra_property_of_kubeconform_fixture(backend):
    assert SchemaStore(strict=False, backend=backend).validate("apps/v1", "DaemonSet", DAEMONSET_EXTRA_PROPERTY) == []
    assert SchemaStore(backend=backend).validate("apps/v1", "DaemonSet", DAEMONSET_EXTRA_PROPERTY) == [
        SchemaError("/spec/replicas", "unknown field 'replicas'")
    ]


def test_missing_container_name(backend):
    body = with_change(DEPLOYMENT, "/spec/template/spec/containers/0/name", delete=True)
    errors = SchemaStore(backend=backend).validate("apps/v1", "Deployment", body)
    assert errors == [SchemaError("/spec/template/spec/containers/0", "missing required field 'name'")]


def test_every_error_is_reported_sorted(backend):
    errors = SchemaStore(backend=backend).validate("v1", "ReplicationController", REPLICATION_CONTROLLER_INVALID)
    assert errors == [
        SchemaError("/spec/replicas", "expected integer, got string"),
        SchemaError("/spec/templates", "unknown field 'templates'"),
    ]
    body = copy.deepcopy(DEPLOYMENT)
    body["spec"]["replicas"] = "two"
    body["spec"]["paused"] = "no"
    container = body["spec"]["template"]["spec"]["containers"][0]
    del container["name"]
    container["imagePullPolicey"] = "Always"
    container["ports"][0]["containerPort"] = "http"
    body["metadata"]["lables"] = {"a": "b"}
    errors = SchemaStore(backend=backend).validate("apps/v1", "Deployment", body)
    assert errors == sorted(errors) == [
        SchemaError("/metadata/lables", "unknown field 'lables'"),
        SchemaError("/spec/paused", "expected boolean, got string"),
        SchemaError("/spec/replicas", "expected integer, got string"),
        SchemaError("/spec/template/spec/containers/0", "missing required field 'name'"),
        SchemaError("/spec/template/spec/containers/0/imagePullPolicey", "unknown field 'imagePullPolicey'"),
        SchemaError("/spec/template/spec/containers/0/ports/0/containerPort", "expected integer, got string"),
    ]


def test_one_error_per_unknown_key_with_escaped_pointers(backend):
    body = copy.deepcopy(DEPLOYMENT)
    body["spec"]["a/b"] = 1
    body["spec"]["c~d"] = 2
    body["spec"]["e"] = 3
    errors = SchemaStore(backend=backend).validate("apps/v1", "Deployment", body)
    assert errors == [
        SchemaError("/spec/a~1b", "unknown field 'a/b'"),
        SchemaError("/spec/c~0d", "unknown field 'c~d'"),
        SchemaError("/spec/e", "unknown field 'e'"),
    ]


def test_int_or_string_and_quantity(backend):
    store = SchemaStore(backend=backend)
    for value in (8080, "http"):
        service = with_change(SERVICE_INT_OR_STRING, "/spec/ports/0/targetPort", value)
        assert store.validate("v1", "Service", service) == []
    errors = store.validate("v1", "Service", with_change(SERVICE_INT_OR_STRING, "/spec/ports/0/targetPort", True))
    assert errors == [
        SchemaError("/spec/ports/0/targetPort", "expected one of the allowed types (integer, string), got boolean")
    ]
    # the API server decodes a JSON number as a quantity (cpu: 0.5), unlike the published schema
    limits = "/spec/template/spec/containers/0/resources/limits"
    for value in ("500m", 1, 0.5):
        assert store.validate("apps/v1", "Deployment", with_change(DEPLOYMENT, limits + "/cpu", value)) == []
    errors = store.validate("apps/v1", "Deployment", with_change(DEPLOYMENT, limits + "/cpu", [1]))
    assert errors == [SchemaError(limits + "/cpu", "expected one of the allowed types (number, string), got array")]


def test_null_is_accepted_for_optional_fields_and_map_values_only(backend):
    store = SchemaStore(backend=backend)
    for pointer in ("/spec/replicas", "/spec/strategy", "/metadata/labels", "/metadata/annotations/example.com~1owner",
                    "/spec/template/spec/containers/0/args", "/spec/template/spec/securityContext/runAsUser"):
        assert store.validate("apps/v1", "Deployment", with_change(DEPLOYMENT, pointer, None)) == [], pointer
    assert store.validate("apps/v1", "Deployment", with_change(DEPLOYMENT, "/spec/selector", None)) == [
        SchemaError("/spec/selector", "expected object, got null")
    ]
    body = with_change(DEPLOYMENT, "/spec/template/spec/containers/0", None)
    assert store.validate("apps/v1", "Deployment", body) == [
        SchemaError("/spec/template/spec/containers/0", "expected object, got null")
    ]


def test_messages_never_contain_values(backend):
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s", "labels": {"l": ["hunter2-label"]}},
        "data": {"password": ["hunter2-data"]},
        "stringData": {"token": 424242},
        "type": {"hunter2": "type"},
    }
    errors = SchemaStore(backend=backend).validate("v1", "Secret", secret)
    assert [e.pointer for e in errors] == ["/data/password", "/metadata/labels/l", "/stringData/token", "/type"]
    text = json.dumps([e.message for e in errors])
    assert "hunter2" not in text and "424242" not in text


def test_yaml_specific_values_are_validated_as_kubernetes_sees_them(backend):
    body = copy.deepcopy(SERVICE_WITH_NULLS)
    body["metadata"]["creationTimestamp"] = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    body["metadata"]["labels"] = {1: "one", 2.5: "x", None: "y"}
    body["spec"]["ports"] = (dict(body["spec"]["ports"][0]),)
    assert SchemaStore(backend=backend).validate("v1", "Service", body) == []


def test_root_that_is_not_a_mapping(backend):
    assert SchemaStore(backend=backend).validate("v1", "ConfigMap", ["a"]) == [
        SchemaError("", "expected object, got array")
    ]


def test_unknown_kind_has_no_schema():
    store = SchemaStore()
    assert store.validate("example.com/v1", "Widget", {"spec": {}}) is None
    assert not store.has_schema("example.com/v1", "Widget")
    assert not store.has_schema("apps/v1", "Deploymnet")
    assert store.validate(None, "Deployment", {}) is None  # type: ignore[arg-type]


def test_has_schema_for_built_ins_and_bundled_crds():
    store = SchemaStore()
    assert store.has_schema("apps/v1", "Deployment")
    assert store.has_schema("v1", "Service")
    assert store.has_schema("batch/v1beta1", "CronJob")
    for kind in ("Application", "AppProject", "ApplicationSet"):
        assert store.has_schema("argoproj.io/v1alpha1", kind)
    assert store.has_schema("bitnami.com/v1alpha1", "SealedSecret")


def test_removed_apis_still_have_schemas_in_1_17():
    # 1.16 stopped serving extensions/v1beta1 workloads, the 1.17 schema set still has them;
    # whether the cluster serves an API is another module's business
    store = SchemaStore("1.17")
    assert store.has_schema("extensions/v1beta1", "Deployment")
    legacy = dict(DEPLOYMENT, apiVersion="extensions/v1beta1")
    assert store.validate("extensions/v1beta1", "Deployment", legacy) == []


# --------------------------------------------------------------------------------------------
# CRDs


def test_argocd_selfheal_typo_is_caught(backend):
    body = copy.deepcopy(APPLICATION)
    body["spec"]["syncPolicy"]["automated"] = {"prune": True, "selfheal": True}
    store = SchemaStore(backend=backend)
    assert store.validate("argoproj.io/v1alpha1", "Application", body) == [
        SchemaError("/spec/syncPolicy/automated/selfheal", "unknown field 'selfheal'")
    ]
    assert SchemaStore(strict=False, backend=backend).validate("argoproj.io/v1alpha1", "Application", body) == []


def test_custom_resource_metadata_is_object_meta(backend):
    store = SchemaStore(backend=backend)
    body = with_change(APPLICATION, "/metadata/lables", {"a": "b"})
    assert store.validate("argoproj.io/v1alpha1", "Application", body) == [
        SchemaError("/metadata/lables", "unknown field 'lables'")
    ]
    body = with_change(APPLICATION, "/metadata/labels", {"a": 1})
    assert store.validate("argoproj.io/v1alpha1", "Application", body) == [
        SchemaError("/metadata/labels/a", "expected string, got integer")
    ]


def test_sealed_secret_invalid(backend):
    store = SchemaStore(backend=backend)
    body = with_change(SEALED_SECRET, "/spec/encryptedData", delete=True)
    body = with_change(body, "/spec/template/typo", "x")
    assert store.validate("bitnami.com/v1alpha1", "SealedSecret", body) == [
        SchemaError("/spec", "missing required field 'encryptedData'"),
        SchemaError("/spec/template/typo", "unknown field 'typo'"),
    ]
    # template.metadata preserves unknown fields and is nullable, as the CRD says
    body = with_change(SEALED_SECRET, "/spec/template/metadata", {"anything": 1})
    assert store.validate("bitnami.com/v1alpha1", "SealedSecret", body) == []


def test_add_crd_validates_its_custom_resources(backend):
    store = SchemaStore(backend=backend)
    assert not store.has_schema("example.com/v1", "Widget")
    problems = store.add_crd(WIDGET_CRD)
    assert problems == ["CRD has no openAPIV3Schema for version v2"]
    assert store.has_schema("example.com/v1", "Widget")
    assert not store.has_schema("example.com/v0", "Widget")  # not served
    assert not store.has_schema("example.com/v2", "Widget")
    widget = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "labels": {"a": "b"}},
        "spec": {"size": 3, "color": "red", "port": "http", "owner": None, "config": {"level": 2, "free": True},
                 "tags": ["x"]},
        "status": {"anything": ["goes"]},
    }
    assert store.validate("example.com/v1", "Widget", widget) == []
    assert store.validate("example.com/v1", "Widget", with_change(widget, "/spec/port", 8080)) == []
    bad = copy.deepcopy(widget)
    bad["spec"] = {"size": 11, "color": "blue", "port": 1.5, "owner": "Bob1", "note": None, "colour": "red",
                   "config": {"level": "high"}, "tags": ["a", "b", "c"]}
    bad["metadata"]["nmae"] = "typo"
    assert store.validate("example.com/v1", "Widget", bad) == [
        SchemaError("/metadata/nmae", "unknown field 'nmae'"),
        SchemaError("/spec/color", 'value is not one of the allowed values: "red", "green"'),
        SchemaError("/spec/colour", "unknown field 'colour'"),
        SchemaError("/spec/config/level", "expected integer, got string"),
        SchemaError("/spec/note", "expected string, got null"),
        SchemaError("/spec/owner", 'value does not match the pattern "^[a-z]+$"'),
        SchemaError("/spec/port", "expected one of the allowed types (integer, string), got number"),
        SchemaError("/spec/size", "value must be at most 10"),
        SchemaError("/spec/tags", "list must have at most 2 items"),
    ]
    missing = with_change(widget, "/spec/size", delete=True)
    assert store.validate("example.com/v1", "Widget", missing) == [
        SchemaError("/spec", "missing required field 'size'")
    ]
    lax = SchemaStore(strict=False, backend=backend)
    lax.add_crd(WIDGET_CRD)
    assert lax.validate("example.com/v1", "Widget", with_change(widget, "/spec/colour", "red")) == []


def test_add_crd_v1beta1_shape(backend):
    store = SchemaStore("1.17", backend=backend)
    assert store.add_crd(GADGET_CRD_V1BETA1) == []
    gadget = {"apiVersion": "example.org/v1alpha1", "kind": "Gadget", "metadata": {"name": "g"},
              "spec": {"mode": "fast", "replicas": 2}}
    assert store.validate("example.org/v1alpha1", "Gadget", gadget) == []
    gadget["spec"] = {"replicas": "2", "extra": 1}
    assert store.validate("example.org/v1alpha1", "Gadget", gadget) == [
        SchemaError("/spec", "missing required field 'mode'"),
        SchemaError("/spec/extra", "unknown field 'extra'"),
        SchemaError("/spec/replicas", "expected integer, got string"),
    ]
    # spec.preserveUnknownFields: true keeps unknown fields everywhere
    preserving = copy.deepcopy(GADGET_CRD_V1BETA1)
    preserving["spec"]["preserveUnknownFields"] = True
    store.add_crd(preserving)
    assert store.validate("example.org/v1alpha1", "Gadget", gadget) == [
        SchemaError("/spec", "missing required field 'mode'"),
        SchemaError("/spec/replicas", "expected integer, got string"),
    ]


def test_junctor_branches_are_not_made_strict(backend):
    crd = copy.deepcopy(GADGET_CRD_V1BETA1)
    spec = crd["spec"]["validation"]["openAPIV3Schema"]["properties"]["spec"]
    spec["anyOf"] = [{"properties": {"mode": {"minLength": 3}}}, {"required": ["replicas"]}]
    store = SchemaStore(backend=backend)
    store.add_crd(crd)
    assert store.validate("example.org/v1alpha1", "Gadget", {"spec": {"mode": "fast", "replicas": 1}}) == []
    assert store.validate("example.org/v1alpha1", "Gadget", {"spec": {"mode": "x"}}) == [
        SchemaError("/spec", "value does not match any of the allowed schemas")
    ]


def test_add_crd_reports_and_skips_an_invalid_pattern(backend):
    crd = copy.deepcopy(GADGET_CRD_V1BETA1)
    properties = crd["spec"]["validation"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
    properties["mode"]["pattern"] = "(["
    properties["name"] = {"type": "string", "pattern": "^[a-z]+$"}
    store = SchemaStore(backend=backend)
    problems = store.add_crd(crd)
    assert problems == ['pattern "([" is not a regular expression RE2 (the API server\'s Go regexp) can compile: '
                        'missing ]: [ at position 1; Gadget objects are validated against the rest of the schema']
    assert problems[0].pointer == "/spec/validation/openAPIV3Schema/properties/spec/properties/mode/pattern"
    gadget = {"spec": {"mode": "fast", "name": "Gadget"}}
    assert store.validate("example.org/v1alpha1", "Gadget", gadget) == [
        SchemaError("/spec/name", 'value does not match the pattern "^[a-z]+$"')
    ]


def test_add_crd_overrides_a_bundled_schema():
    store = SchemaStore()
    crd = copy.deepcopy(WIDGET_CRD)
    crd["spec"]["group"] = "argoproj.io"
    crd["spec"]["names"]["kind"] = "Application"
    crd["spec"]["versions"] = crd["spec"]["versions"][:1]
    crd["spec"]["versions"][0]["name"] = "v1alpha1"
    assert store.add_crd(crd) == []
    errors = store.validate("argoproj.io/v1alpha1", "Application", APPLICATION)
    assert SchemaError("/spec", "missing required field 'size'") in errors
    assert SchemaStore().validate("argoproj.io/v1alpha1", "Application", APPLICATION) == []


@pytest.mark.parametrize("crd, problem", [
    ("not a mapping", "CRD is not a mapping"),
    ({"kind": "CustomResourceDefinition"}, "CRD has no spec"),
    ({"spec": {"names": {"kind": "X"}}}, "CRD has no spec.group"),
    ({"spec": {"group": "example.com"}}, "CRD has no spec.names.kind"),
    ({"spec": {"group": "example.com", "names": {"kind": "X"}}}, "CRD has no versions"),
    ({"spec": {"group": "example.com", "names": {"kind": "X"}, "versions": [{"name": "v1", "served": True}]}},
     "CRD has no openAPIV3Schema for version v1"),
])
def test_add_crd_reports_problems_instead_of_raising(crd, problem):
    assert SchemaStore().add_crd(crd) == [problem]


def test_bundled_crd_schemas_match_their_sources():
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    index = json.loads((SCHEMAS / "crds" / "index.json").read_text())["kinds"]
    expected = {}
    for path in sorted((SCHEMAS / "crds" / "src").glob("*.yaml")):
        for definition in yaml.load_all(path.read_text(encoding="utf-8"), Loader=loader):
            found, problems = kube_crd.crd_versions(definition)
            assert problems == []
            for api_version, kind, schema in found:
                expected[(api_version, kind)] = schema
    assert {(v, k) for v, kinds in index.items() for k in kinds} == set(expected)
    for (api_version, kind), schema in expected.items():
        stored = json.loads((SCHEMAS / "crds" / index[api_version][kind]).read_text())
        assert stored == {"$schema": build.DRAFT4, **schema}


# --------------------------------------------------------------------------------------------
# data and helpers


@pytest.mark.parametrize("version", ["1.17", "1.18", "1.24", "1.25", "1.37"])
def test_bundled_kubernetes_data(version):
    folder = SCHEMAS / "kubernetes"
    manifest = json.loads((folder / f"v{version}.json").read_text())
    pool = (folder / "definitions.jsonl").read_text(encoding="utf-8").splitlines()
    assert manifest["kubernetes"] == version
    index, lines = manifest["kinds"], manifest["definitions"]
    definitions = {name: json.loads(pool[line]) for name, line in lines.items()}
    assert index["apps/v1"]["Deployment"] == "io.k8s.api.apps.v1.Deployment"
    assert index["v1"]["Service"] == "io.k8s.api.core.v1.Service"
    assert all(name in definitions for kinds in index.values() for name in kinds.values())
    assert '"description":"' not in "".join(pool)  # texts dropped (fields stay)
    assert "$defs" not in "".join(pool) and '"null"' not in "".join(pool)  # one layout for every version
    schema = build.kind_schema(definitions, "io.k8s.api.apps.v1.Deployment", strict=True, optional_null=False)
    assert 90 <= len(schema["definitions"]) <= 130  # the closure, not all 600 to 860 definitions


def test_bundled_definitions_are_stored_once():
    folder = SCHEMAS / "kubernetes"
    pool = (folder / "definitions.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(set(pool)) == len(pool)  # content-addressed: each distinct definition once
    used = set()
    for path in folder.glob("v1.*.json"):
        used.update(json.loads(path.read_text())["definitions"].values())
    assert used == set(range(len(pool)))  # and nothing unused


def test_strictify_rule():
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "object", "properties": {"b": {"type": "string"}}},
            "m": {"type": "object", "additionalProperties": {"type": "string"}},
            "p": {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {"c": {}}},
            "l": {"type": "array", "items": {"properties": {"d": {}}}},
        },
    }
    assert build.strictify(schema) == {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "a": {"type": "object", "properties": {"b": {"type": "string"}}, "additionalProperties": False},
            "m": {"type": "object", "additionalProperties": {"type": "string"}},
            "p": {"type": "object", "properties": {"c": {}}},
            "l": {"type": "array", "items": {"properties": {"d": {}}, "additionalProperties": False}},
        },
    }


def test_compact_and_index_definitions():
    raw = {
        "io.k8s.api.core.v1.Thing": {
            "description": "A thing.",
            "type": "object",
            "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "Thing"}],
            "properties": {
                "description": {"type": "string", "description": "a field named description"},
                "size": {"oneOf": [{"type": "string"}, {"type": "integer"}], "format": "int-or-string"},
            },
        },
        "io.k8s.api.apps.v1.Other": {
            "type": "object",
            "x-kubernetes-group-version-kind": [{"group": "apps", "version": "v1", "kind": "Other"}],
        },
    }
    assert compact.compact_definitions(raw)["io.k8s.api.core.v1.Thing"] == {
        "type": "object",
        "properties": {"description": {"type": "string"}, "size": {"type": ["integer", "string"]}},
    }
    assert compact.index_definitions(raw) == {
        "v1": {"Thing": "io.k8s.api.core.v1.Thing"},
        "apps/v1": {"Other": "io.k8s.api.apps.v1.Other"},
    }


def test_versions_of_an_installed_kubernetes_validate(tmp_path, monkeypatch):
    """More in tests/test_versions.py (both layouts, a broken file)."""
    from lintops.schema.kube import bundle, versions

    package = tmp_path / "kubernetes_validate"
    folder = package / "kubernetes-json-schema" / "v1.40.0-local"
    folder.mkdir(parents=True)
    bundled = package / "kubernetes-json-schema" / "v1.21.0-local"  # a bundled version: the bundle wins
    bundled.mkdir()
    (bundled / "_definitions.json").write_text("not json")
    (package / "__init__.py").write_text("raise ImportError('must not be imported')\n")
    definitions = {
        "io.k8s.api.core.v1.ConfigMap": {
            "type": "object",
            "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "ConfigMap"}],
            "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                           "data": {"type": "object", "additionalProperties": {"type": "string"}}},
        }
    }
    (folder / "_definitions.json").write_text(json.dumps({"definitions": definitions}))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(versions, "_SOURCES", versions._Sources())
    monkeypatch.setattr(bundle, "_LOADED", {})
    monkeypatch.setattr(kube_store, "_SHARED", kube_store._Shared())
    assert supported_versions() == [*(f"1.{minor}" for minor in range(17, 38)), "1.40"]
    assert SchemaStore("1.21").has_schema("apps/v1", "Deployment")
    store = SchemaStore("v1.40.0")
    assert store.has_schema("v1", "ConfigMap") and not store.has_schema("apps/v1", "Deployment")
    assert store.validate("v1", "ConfigMap", {"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": 1}, "x": 1}) == [
        SchemaError("/data/a", "expected string, got integer"),
        SchemaError("/x", "unknown field 'x'"),
    ]


# --------------------------------------------------------------------------------------------
# both backends agree


def _mutations(body: dict, rng: random.Random, count: int) -> list[dict]:
    """Random damage to ``body``: wrong types, unknown keys, deleted keys, nulls."""
    pointers = []

    def walk(node, pointer):
        pointers.append(pointer)
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, pointer + "/" + key.replace("~", "~0").replace("/", "~1"))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{pointer}/{index}")

    walk(body, "")
    pointers = [p for p in pointers if p]
    replacements = [None, "text", 7, 2.5, True, [], ["x"], {}, {"unknownField": 1}]
    out = []
    for _ in range(count):
        mutated = copy.deepcopy(body)
        for _ in range(rng.randint(1, 4)):
            pointer = rng.choice(pointers)
            try:
                action = rng.random()
                if action < 0.2:
                    mutated = with_change(mutated, pointer, delete=True)
                elif action < 0.35:
                    mutated = with_change(mutated, pointer.rsplit("/", 1)[0] + "/typoField", 1)
                else:
                    mutated = with_change(mutated, pointer, rng.choice(replacements))
            except (KeyError, IndexError, TypeError, ValueError):
                continue
        out.append(mutated)
    return out


@pytest.mark.skipif(len(BACKENDS) < 2, reason="needs both jsonschema-rs and jsonschema")
@pytest.mark.parametrize("strict", [True, False])
def test_backends_report_identical_errors(strict):
    rust = SchemaStore("1.18", strict=strict, backend="jsonschema-rs")
    python = SchemaStore("1.18", strict=strict, backend="jsonschema")
    for store in (rust, python):
        store.add_crd(WIDGET_CRD)
        store.add_crd(GADGET_CRD_V1BETA1)
    rng = random.Random(1718)
    inputs = [
        *VALID,
        ("v1", "ReplicationController", REPLICATION_CONTROLLER_INVALID),
        ("apps/v1", "DaemonSet", DAEMONSET_EXTRA_PROPERTY),
        ("example.com/v1", "Widget", {"spec": {"size": 0, "color": 1, "port": [], "owner": "A", "tags": [1, 2, 3]}}),
        ("example.org/v1alpha1", "Gadget", {"spec": {"replicas": "x"}}),
    ]
    for api_version, kind, body in VALID:
        inputs.extend((api_version, kind, mutated) for mutated in _mutations(body, rng, 40))
    compared = errors = 0
    for api_version, kind, body in inputs:
        expected = python.validate(api_version, kind, body)
        assert rust.validate(api_version, kind, body) == expected, (api_version, kind, body)
        compared += 1
        errors += len(expected or [])
    assert compared > 300 and errors > 300


def test_validation_speed_is_reported(capsys):
    """Not an assertion on speed: prints the cost per object for the record."""
    store = SchemaStore("1.18")
    store.validate("apps/v1", "Deployment", DEPLOYMENT)
    count = 200
    start = time.perf_counter()
    for _ in range(count):
        store.validate("apps/v1", "Deployment", DEPLOYMENT)
    elapsed = (time.perf_counter() - start) / count
    with capsys.disabled():
        print(f"\n{store.backend}: {elapsed * 1e6:.1f} us per valid Deployment")
