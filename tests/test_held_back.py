"""``held_back.detached``: what a cross-object check keeps of an object until the run ends."""

from __future__ import annotations

import textwrap

from lintops.exemptions import annotation_maps
from lintops.held_back import detached
from lintops.inputs.manifests import resources_from
from lintops.parse.stream import parse_text

TEXT = textwrap.dedent("""\
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      annotations: {lintops.io/ignore-liveness-probe: "batch worker, no port"}
    spec:
      selector: {matchLabels: {app: web}}
      template:
        metadata:
          labels: {app: web}
          annotations: {lintops.io/ignore-resource-limits: "sized by the VPA"}
        spec:
          containers:
            - name: app
              image: registry.example.com/web:1.2.3
              envFrom:
                - configMapRef: {name: web-settings}
    """)


def _resource():
    return resources_from(parse_text(TEXT, "web.yaml")).resources[0]


def test_places_of_the_named_pointers_survive_and_the_body_is_dropped():
    resource = _resource()
    pointer = "/spec/template/spec/containers/0/envFrom/0/configMapRef/name"
    copy = detached(resource, [pointer])
    assert copy.location(pointer) == resource.location(pointer)
    assert (copy.location(pointer).line, copy.location(pointer).column) == (17, 36)
    assert copy.location(pointer, at_key=True) == resource.location(pointer, at_key=True)
    assert copy.ref == resource.ref and copy.source == resource.source
    assert "spec" not in copy.body or "selector" not in copy.body["spec"]


def test_an_unnamed_pointer_resolves_to_the_object_itself():
    resource = _resource()
    copy = detached(resource)
    assert copy.location("/spec/replicas") == resource.location("")


def test_annotations_that_exempt_travel_with_the_copy():
    resource = _resource()
    assert annotation_maps(detached(resource)) == annotation_maps(resource)
