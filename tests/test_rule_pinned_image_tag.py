"""Rules ``pinned-image-tag`` (error) and ``floating-image-tag`` (warning), both on check ``image-reference``."""

from __future__ import annotations

import textwrap

import pytest

from builders import bare_workload, cronjob, deployment
from lintops.catalog import available_checks
from lintops.data import data_dir
from lintops.engine import Engine
from lintops.model import Severity
from lintops.rules import RuleError, bind, load_rule_file
from lintops.run_context import Options

SHA = "sha256:" + "0123456789abcdef" * 4


def spec(rule_id):
    return load_rule_file(data_dir("rules") / f"{rule_id}.yaml", "built-in")


def lint(text, rule_ids=("pinned-image-tag", "floating-image-tag"), options=None, specs=None):
    rules = bind(specs or [spec(r) for r in rule_ids], available_checks())
    engine = Engine(rules, options)
    findings = [f for report in engine.lint_text(textwrap.dedent(text), "x.yaml") for f in report.findings]
    assert not engine.internal_errors
    return findings


def pod(*images, key="containers"):
    lines = ["apiVersion: v1", "kind: Pod", "metadata: {name: p}", "spec:", f"  {key}:"]
    for index, image in enumerate(images):
        lines.append(f"    - name: c{index}")
        if image is not None:
            lines.append(f"      image: {image}")
    if key != "containers":
        lines += ["  containers:", "    - {name: main, image: 'nginx:1.25.3'}"]
    return "\n".join(lines) + "\n"


def verdicts(image, rule_id):
    return [f for f in lint(pod(image)) if f.rule_id == rule_id]


@pytest.mark.parametrize("image", [
    "nginx",
    "nginx:latest",
    "nginx:LATEST",
    "docker.io/library/nginx",
    "registry:5000/app",  # a port, not a tag
    "localhost/app",
    "localhost:5000/team/app:latest",
    "'Nginx:1.25'",  # invalid: uppercase repository
    "'nginx 1.25'",  # invalid: whitespace
    "'nginx:'",
    "'nginx@sha256:abc'",
    "''",
])
def test_pinned_fires(image):
    found = verdicts(image, "pinned-image-tag")
    assert len(found) == 1, found
    assert found[0].severity is Severity.ERROR
    assert found[0].pointer == "/spec/containers/0/image"


@pytest.mark.parametrize("image", [
    "nginx:1.25.3",
    "registry:5000/app:1.0",
    "registry:5000/app:5000",
    f"nginx@{SHA}",
    f"nginx:latest@{SHA}",  # the digest pins it
    "ghcr.io/org/app:main",  # floating: the warning rule's business
    "ghcr.io/org/app:v1.2.3-rc.1",
    "app:1.4-stable",
    None,  # missing image: left to schema validation
    "null",
    "42",  # not a string: left to schema validation
])
def test_pinned_does_not_fire(image):
    assert verdicts(image, "pinned-image-tag") == []


@pytest.mark.parametrize("image", ["app:main", "app:master", "app:stable", "app:edge", "app:dev",
                                   "app:develop", "app:nightly", "app:Nightly", "registry:5000/app:main"])
def test_floating_fires_at_warning(image):
    found = verdicts(image, "floating-image-tag")
    assert len(found) == 1, found
    assert found[0].severity is Severity.WARNING
    assert "floating tag" in found[0].message
    assert verdicts(image, "pinned-image-tag") == []


@pytest.mark.parametrize("image", ["app:1.4-stable", "app:main-3f2a1c9", "app:latest", "app", f"app:main@{SHA}",
                                   "'App:main'", "app:1.0"])
def test_floating_does_not_fire(image):
    assert verdicts(image, "floating-image-tag") == []


def test_floating_tags_parameter_replaces_the_list():
    custom = spec("floating-image-tag").with_overrides(params={"report": "floating", "floating_tags": ["canary"]})
    found = lint(pod("app:canary", "app:main"), specs=[custom])
    assert [f.pointer for f in found] == ["/spec/containers/0/image"]


def test_init_and_ephemeral_containers_are_checked():
    found = lint(pod("busybox", key="initContainers"))
    assert [(f.rule_id, f.pointer) for f in found] == [("pinned-image-tag", "/spec/initContainers/0/image")]
    assert "init container 'c0'" in found[0].message
    found = lint(pod("busybox:latest", key="ephemeralContainers"))
    assert [f.pointer for f in found] == ["/spec/ephemeralContainers/0/image"]
    assert "ephemeral container 'c0'" in found[0].message


def test_exact_positions_and_messages():
    text = deployment(pod_spec="""\
        initContainers:
          - name: migrate
            image: registry.example.com:5000/team/migrate
        containers:
          - name: web
            image: "nginx:latest"
          - image: ghcr.io/example/tools:nightly
            name: tools
          - {name: bad, image: "Nginx:1.0"}
        """)
    found = lint(text)
    summary = [(f.rule_id, f.location.line, f.location.column, f.pointer) for f in found]
    assert summary == [
        ("pinned-image-tag", 11, 18, "/spec/template/spec/initContainers/0/image"),
        ("pinned-image-tag", 14, 18, "/spec/template/spec/containers/0/image"),
        ("floating-image-tag", 15, 18, "/spec/template/spec/containers/1/image"),
        ("pinned-image-tag", 17, 30, "/spec/template/spec/containers/2/image"),
    ]
    messages = [f.message for f in found]
    assert messages[0] == ("init container 'migrate' uses image 'registry.example.com:5000/team/migrate' without a "
                           "tag or digest, so the runtime pulls 'latest'; pin a version tag or a digest")
    assert "container 'web' uses image 'nginx:latest' with the tag 'latest'" in messages[1]
    assert "container 'tools'" in messages[2] and "'nightly'" in messages[2]
    assert messages[3].startswith("container 'bad' has an invalid image reference 'Nginx:1.0': ")
    assert "lowercase" in messages[3]


def test_every_workload_kind_and_configured_kinds():
    nightly = cronjob("nightly", "containers: [{name: job, image: backup}]", api_version="batch/v1beta1",
                      restart_policy="Never")
    assert [f.pointer for f in lint(nightly)] == ["/spec/jobTemplate/spec/template/spec/containers/0/image"]
    rollout = bare_workload("Rollout", 'containers: [{name: web, image: "nginx:latest"}]',
                            api_version="argoproj.io/v1alpha1")
    assert [f.pointer for f in lint(rollout)] == ["/spec/template/spec/containers/0/image"]  # a workload by default
    cloneset = rollout.replace("argoproj.io/v1alpha1", "apps.kruise.io/v1alpha1").replace("Rollout", "CloneSet")
    assert lint(cloneset) == []  # not a workload kind unless configured
    options = Options()
    options.workloads["CloneSet"] = "/spec/template/spec"
    assert [f.pointer for f in lint(cloneset, options=options)] == ["/spec/template/spec/containers/0/image"]


def test_non_workloads_are_not_checked():
    text = """\
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: c}
        data: {image: "nginx:latest"}
        """
    assert lint(text) == []


def test_params_are_validated_when_the_rule_is_bound():
    with pytest.raises(RuleError, match="report"):
        bind([spec("pinned-image-tag").with_overrides(params={})], available_checks())
    with pytest.raises(RuleError):
        bind([spec("pinned-image-tag").with_overrides(params={"report": "everything"})], available_checks())
    with pytest.raises(RuleError):
        bind([spec("floating-image-tag").with_overrides(params={"report": "floating", "tags": ["x"]})],
             available_checks())


def test_messages_never_quote_credentials():
    found = lint(pod("'deploy:hunter2@registry.example.com/app:1.0'"))
    assert len(found) == 1 and "hunter2" not in found[0].message
    assert "'<redacted>@registry.example.com/app:1.0'" in found[0].message
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0" * 2
    found = lint(pod(f"'registry.example.com/{token}/app'"))
    assert len(found) == 1 and token not in found[0].message
    assert "(not shown)" in found[0].message and "looks like a credential" in found[0].message
