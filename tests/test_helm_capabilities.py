"""Charts render for the target cluster: ``.Capabilities`` of the target, and a ``kubeVersion`` Helm would refuse.

Both backends: helm-python-sdk in the render worker, and a ``helm`` binary. No helm binary is installed
here, so the binary tests put a ``helm`` on PATH that records the arguments lintops gives it and renders
them with Helm itself (the SDK's native render, given the ``--kube-version`` and ``--api-versions`` it
was passed), printing ``helm template``'s output format: what lintops reads back is a real Helm render
of exactly what it asked for.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import pytest

from builders import chart, crd
from conftest import run_lintops, write
from lintops.inputs import helm
from lintops.inputs.helm.capabilities import Capabilities, crd_api_versions, target_api_versions
from lintops.inputs.helm.semver import ConstraintError, admits, parse_constraint, parse_version

needs_sdk = pytest.mark.skipif(importlib.util.find_spec("helm_python") is None, reason="needs helm-python-sdk")

PDB = """\
{{- if semverCompare ">=1.21-0" .Capabilities.KubeVersion.Version }}
apiVersion: policy/v1
{{- else }}
apiVersion: policy/v1beta1
{{- end }}
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app: web
"""

INGRESS = """\
{{- if .Capabilities.APIVersions.Has "networking.k8s.io/v1/Ingress" }}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
    - host: web.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
{{- else }}
apiVersion: networking.k8s.io/v1beta1
kind: Ingress
metadata:
  name: web
spec:
  rules:
    - host: web.example.com
      http:
        paths:
          - path: /
            backend:
              serviceName: web
              servicePort: 80
{{- end }}
"""

#: What the templates are told, as data: the version, and what some APIVersions.Has questions answer.
ASKED = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: asked
data:
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
  minor: {{ .Capabilities.KubeVersion.Minor | quote }}
  policy-v1beta1: {{ .Capabilities.APIVersions.Has "policy/v1beta1" | quote }}
  policy-v1: {{ .Capabilities.APIVersions.Has "policy/v1" | quote }}
  policy-v1beta1-pdb: {{ .Capabilities.APIVersions.Has "policy/v1beta1/PodDisruptionBudget" | quote }}
  policy-v1-pdb: {{ .Capabilities.APIVersions.Has "policy/v1/PodDisruptionBudget" | quote }}
  widget: {{ .Capabilities.APIVersions.Has "example.com/v1/Widget" | quote }}
  widget-version: {{ .Capabilities.APIVersions.Has "example.com/v1" | quote }}
  gadget: {{ .Capabilities.APIVersions.Has "parts.example.com/v2/Gadget" | quote }}
"""

PLAIN_WITH_FINDING = """\
apiVersion: v1
kind: Service
metadata:
  name: plain
spec:
  selector: {app: plain}
  ports: [{port: 80}]
  typo: true
"""


def _web_chart(repo: Path, chart_yaml_extra: str = "") -> Path:
    return chart(repo / "charts" / "web", {"pdb.yaml": PDB, "ingress.yaml": INGRESS, "asked.yaml": ASKED},
                 values="replicas: 1\n", chart_yaml=chart_yaml_extra)


def _documents(output: str) -> dict[str, list[str]]:
    """``lintops render`` output: header -> the apiVersion and data lines of its document."""
    found: dict[str, list[str]] = {}
    header = None
    for line in output.splitlines():
        if line.startswith("# Source: "):
            header = line
            found[header] = []
        elif header is not None and line.strip() and line != "---":
            found[header].append(line.strip())
    return found


def _asked(output: str, version: str | None = None) -> dict[str, str]:
    """The ``asked`` ConfigMap's data from ``lintops render`` output (of ``version`` when several)."""
    for header, lines in _documents(output).items():
        if "asked.yaml" in header and (version is None or f"Kubernetes {version})" in header):
            return {k.strip(): v.strip().strip('"') for k, _, v in (line.partition(":") for line in lines)
                    if k in ("kube", "minor") or "-" in k or k in ("widget", "gadget")}
    raise AssertionError(f"no asked.yaml for {version} in:\n{output}")


def _api_versions(output: str, template: str, version: str | None = None) -> list[str]:
    return [line for header, lines in _documents(output).items()
            if template in header and (version is None or f"Kubernetes {version})" in header)
            for line in lines if line.startswith("apiVersion:")]


def _fake_helm(directory: Path, record: Path) -> Path:
    """A ``helm`` that records its arguments and renders them with Helm itself (see the module docstring)."""
    script = f"""#!{sys.executable}
import json, sys
args = sys.argv[1:]
with open({str(record)!r}, "a") as out:
    out.write(json.dumps(args) + "\\n")
assert args[0] == "template", args
release, chart = args[1], args[2]
options = {{"name": release, "is_install": True}}
values = {{}}
rest = args[3:]
while rest:
    flag, value, rest = rest[0], rest[1], rest[2:]
    if flag == "--namespace":
        options["namespace"] = value
    elif flag == "--values":
        values = json.load(open(value))
    elif flag == "--kube-version":
        options["kube_version"] = value
    elif flag == "--api-versions":
        options.setdefault("api_versions", []).extend(value.split(","))
    else:
        sys.exit("unknown flag " + flag)
import helm_python
from helm_python import _native
loaded = helm_python.Chart.load(chart)
try:
    manifests = json.loads(_native.call_string("helm_render", loaded._raw(), json.dumps(values), json.dumps(options)))
except helm_python.HelmError as exc:
    sys.exit("Error: " + str(exc))
for key in sorted(manifests):
    if not key.endswith("NOTES.txt"):
        sys.stdout.write("---\\n# Source: " + key + "\\n" + manifests[key] + "\\n")
"""
    helm_binary = write(directory / "helm", script)
    helm_binary.chmod(0o755)
    return helm_binary


def _backend_env(backend: str, tmp_path: Path) -> tuple[dict[str, str] | None, Path]:
    """The environment that makes lintops render with ``backend``, and where the fake binary records."""
    record = tmp_path / "helm-calls.jsonl"
    if backend == "sdk":
        return None, record
    fake = _fake_helm(tmp_path / "bin", record)
    return {**os.environ, "PATH": f"{fake.parent}{os.pathsep}{os.environ.get('PATH', '')}"}, record


def _calls(record: Path) -> list[list[str]]:
    return [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []


def _check(repo: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict]:
    done = run_lintops("check", ".", "--format", "json", "-j", "1", *args, cwd=repo, env=env)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


# -- Helm's constraint semantics (Masterminds/semver v3) -------------------------------------------------


@pytest.mark.parametrize(("constraint", "version", "expected"), [
    (">=1.25.0-0", "1.25.0", True),
    (">=1.25.0-0", "1.37.0", True),
    (">=1.25.0-0", "1.25.3-eks-1", True),     # the -0 lets a cluster's pre-release build in
    (">=1.25.0-0", "1.24.17", False),
    (">=1.25.0-0", "v1.18.0", False),
    (">=1.25", "1.25.0", True),
    (">=1.25", "1.25.3-eks-1", False),        # without a pre-release in the constraint, none is admitted
    (">=1.21.0-0", "1.21.0", True),
    (">= 1.19.0-0 < 1.30.0-0", "1.29.0", True),  # AND by space
    (">= 1.19.0-0 < 1.30.0-0", "1.30.0", False),
    (">=1.20, <1.22", "1.21.4", True),           # AND by comma
    (">=1.20, <1.22", "1.22.0", False),
    ("<1.25 || >=1.30", "1.27.0", False),
    ("<1.25 || >=1.30", "1.31.0", True),
    ("1.20 - 1.24", "1.24.9", True),             # a hyphen range: <= 1.24 is every 1.24 patch
    ("1.20 - 1.24", "1.25.0", False),
    ("~1.25", "1.25.9", True),
    ("~1.25", "1.26.0", False),
    ("^1.20", "1.37.0", True),
    ("^1.20", "2.0.0", False),
    ("1.25.x", "1.25.4", True),
    ("!=1.22.x", "1.22.1", False),
    ("!=1.22.x", "1.23.0", True),
    ("*", "1.18.0", True),
    (">1.24", "1.24.5", False),                  # >1.24 is above every 1.24 patch, as semver reads it
    (">1.24", "1.25.0", True),
    ("<=1.24", "1.24.5", True),
])
def test_kube_version_constraints_follow_helms_semver(constraint, version, expected):
    assert parse_constraint(constraint).admits(parse_version(version)) is expected
    assert admits(constraint, version) is expected


@pytest.mark.parametrize("constraint", ["1.2.3.4", ">= bar", "", "garbage", ">=1.25 ||", "=> =>1.2", "1.x.y"])
def test_a_constraint_helm_cannot_parse_admits_nothing(constraint):
    with pytest.raises(ConstraintError):
        parse_constraint(constraint)
    assert admits(constraint, "1.25.0") is False


def test_constraints_from_the_tree_are_parsed_in_linear_time():
    for hostile in ("1 " * 2040 + "!", ">=1.2" * 819, "1" + " " * 4000 + "!", "|| " * 1365):
        started = time.perf_counter()
        with pytest.raises(ConstraintError):
            parse_constraint(hostile)
        assert time.perf_counter() - started < 0.5
    with pytest.raises(ConstraintError, match="longer than"):
        parse_constraint(">=1.2 " * 1000)


# -- what a target serves, as .Capabilities.APIVersions ---------------------------------------------------


def test_target_api_versions_are_what_discovery_of_that_version_answers():
    at_118, at_125 = set(target_api_versions("1.18")), set(target_api_versions("1.25"))
    assert {"policy/v1beta1", "policy/v1beta1/PodDisruptionBudget", "networking.k8s.io/v1beta1/Ingress",
            "networking.k8s.io/v1", "networking.k8s.io/v1/NetworkPolicy", "apps/v1/Deployment", "v1/Service",
            "extensions/v1beta1/Ingress", "batch/v1beta1/CronJob"} <= at_118
    assert not {"policy/v1", "policy/v1/PodDisruptionBudget", "networking.k8s.io/v1/Ingress",
                "batch/v1/CronJob", "apps/v1beta1/Deployment"} & at_118
    assert {"policy/v1", "policy/v1/PodDisruptionBudget", "networking.k8s.io/v1/Ingress",
            "batch/v1/CronJob", "autoscaling/v2/HorizontalPodAutoscaler"} <= at_125
    assert not {"policy/v1beta1", "policy/v1beta1/PodDisruptionBudget", "batch/v1beta1/CronJob",
                "extensions/v1beta1/Ingress"} & at_125
    for entries in (at_118, at_125):  # resources only, as discovery lists them; alpha APIs are off
        assert not [e for e in entries if e.endswith(("List", "/DeleteOptions", "/WatchEvent", "/Status"))]
        assert not [e for e in entries if "alpha" in e]


def test_crds_add_each_served_version_as_group_version_and_kind():
    v1 = {"apiVersion": "apiextensions.k8s.io/v1", "spec": {"group": "example.com", "names": {"kind": "Widget"},
                                                             "versions": [{"name": "v1", "served": True},
                                                                          {"name": "v2", "served": False}]}}
    v1beta1 = {"spec": {"group": "parts.example.com", "version": "v1beta1", "names": {"kind": "Gadget"}}}
    hostile = {"spec": {"group": "a.com,evil", "version": "v1", "names": {"kind": "X"}}}
    broken = {"spec": {"group": "b.example.com", "names": "nope", "versions": "v1"}}
    assert crd_api_versions([v1, v1beta1, hostile, broken, "junk"]) == (
        "example.com/v1", "example.com/v1/Widget", "parts.example.com/v1beta1", "parts.example.com/v1beta1/Gadget")
    capabilities = Capabilities.for_target("1.18", ("example.com/v1",))
    assert capabilities.kube_version == "v1.18.0" and "example.com/v1" in capabilities.api_versions
    assert capabilities.binary_arguments()[:2] == ["--kube-version", "v1.18.0"]
    assert capabilities.sdk_options()["api_versions"] == list(capabilities.api_versions)


# -- both backends: the chart picks the target's APIs -------------------------------------------------------


@needs_sdk
@pytest.mark.parametrize("backend", ["sdk", "binary"])
def test_a_chart_renders_the_apis_of_the_target_version(tmp_path, backend):
    repo = tmp_path / "repo"
    _web_chart(repo)
    env, record = _backend_env(backend, tmp_path)
    old = run_lintops("render", "-k", "1.18", ".", cwd=repo, env=env)
    new = run_lintops("render", "-k", "1.25", ".", cwd=repo, env=env)
    assert old.returncode == new.returncode == 0, old.stderr + new.stderr
    assert _api_versions(old.stdout, "pdb.yaml") == ["apiVersion: policy/v1beta1"]
    assert _api_versions(new.stdout, "pdb.yaml") == ["apiVersion: policy/v1"]
    assert _api_versions(old.stdout, "ingress.yaml") == ["apiVersion: networking.k8s.io/v1beta1"]
    assert _api_versions(new.stdout, "ingress.yaml") == ["apiVersion: networking.k8s.io/v1"]
    assert "(environment: default, Kubernetes 1.18)" in old.stdout
    assert _asked(old.stdout)["kube"] == "v1.18.0" and _asked(new.stdout)["minor"] == "25"
    if backend == "binary":
        calls = _calls(record)
        assert [call[call.index("--kube-version") + 1] for call in calls] == ["v1.18.0", "v1.25.0"]
        given = [{call[i + 1] for i, flag in enumerate(call) if flag == "--api-versions"} for call in calls]
        assert "policy/v1beta1/PodDisruptionBudget" in given[0] and "policy/v1/PodDisruptionBudget" not in given[0]
        assert "networking.k8s.io/v1/Ingress" in given[1] and "policy/v1beta1" not in given[1]
    # checked against the version it was rendered for, the chart has no API the target does not serve
    for version in ("1.18", "1.25"):
        _, report = _check(repo, "-k", version, env=env)
        assert not [f for f in report["findings"] if f["rule"].startswith("api-")], report["findings"]
        assert report["summary"]["objects"] == 3


@needs_sdk
@pytest.mark.parametrize("backend", ["sdk", "binary"])
def test_group_versions_in_helms_built_in_set_answer_true_whatever_the_target(tmp_path, backend):
    """Helm adds the target's entries to its built-in group/versions, as ``helm template --api-versions``
    does: ``Has "policy/v1beta1"`` is true at 1.25 (which removed it), ``Has "policy/v1"`` at 1.18 (before
    it); only the group/version/Kind form follows the target."""
    repo = tmp_path / "repo"
    _web_chart(repo)
    env, _ = _backend_env(backend, tmp_path)
    new = _asked(run_lintops("render", "-k", "1.25", ".", cwd=repo, env=env).stdout)
    old = _asked(run_lintops("render", "-k", "1.18", ".", cwd=repo, env=env).stdout)
    assert new["policy-v1beta1"] == "true" and new["policy-v1beta1-pdb"] == "false" and new["policy-v1-pdb"] == "true"
    assert old["policy-v1"] == "true" and old["policy-v1-pdb"] == "false" and old["policy-v1beta1-pdb"] == "true"


@needs_sdk
@pytest.mark.parametrize("backend", ["sdk", "binary"])
def test_the_run_s_crds_are_in_the_capabilities(tmp_path, backend):
    """A CRD among the plain inputs, and one in a vendored sub-chart's crds/, are served APIs to the chart."""
    repo = tmp_path / "repo"
    web = _web_chart(repo)
    write(repo / "crds" / "widget.yaml", crd("Widget", "example.com"))
    chart(web / "charts" / "parts", files={"crds/gadget.yaml": crd("Gadget", "parts.example.com", version="v2")})
    env, _ = _backend_env(backend, tmp_path)
    whole = _asked(run_lintops("render", "-k", "1.25", ".", cwd=repo, env=env).stdout)
    assert whole["widget"] == whole["widget-version"] == whole["gadget"] == "true"
    alone = _asked(run_lintops("render", "-k", "1.25", "charts/web", cwd=repo, env=env).stdout)
    assert alone["widget"] == "false" and alone["gadget"] == "true"  # the plain CRD is not an input of this run
    _, report = _check(repo, "-k", "1.25", "--disable", "schema-missing", env=env)
    assert not [f for f in report["findings"] if f["rule"] == "render-failed"]


# -- kubeVersion: a chart Helm refuses to install on the target ----------------------------------------------


@needs_sdk
@pytest.mark.parametrize("backend", ["sdk", "binary"])
def test_a_kube_version_that_excludes_the_target_is_a_finding_at_its_line(tmp_path, backend):
    repo = tmp_path / "repo"
    _web_chart(repo, "# the clusters this chart supports\nkubeVersion: \">=1.25.0-0\"\n")
    write(repo / "plain.yaml", PLAIN_WITH_FINDING)
    env, record = _backend_env(backend, tmp_path)
    code, report = _check(repo, "-k", "1.18", env=env)
    assert code == 1
    (refused,) = [f for f in report["findings"] if f["rule"] == "render-failed"]
    assert (refused["path"], refused["line"], refused["column"]) == ("charts/web/Chart.yaml", 5, 14)
    assert '">=1.25.0-0"' in refused["message"] and "excludes Kubernetes 1.18" in refused["message"]
    assert [f["path"] for f in report["findings"] if f["rule"] == "schema"] == ["plain.yaml"]  # still linted
    assert report["summary"]["objects"] == 1  # nothing of the chart: Helm would not install it
    assert _calls(record) == []  # not rendered at all
    code, report = _check(repo, "-k", "1.25", env=env)
    assert not [f for f in report["findings"] if f["rule"] == "render-failed"]
    assert report["summary"]["objects"] == 4
    shown = run_lintops("render", "-k", "1.18", ".", cwd=repo, env=env)
    assert shown.returncode == 1 and "charts/web/Chart.yaml:5:14: error: chart requires kubeVersion" in shown.stderr


@needs_sdk
def test_a_kube_version_is_checked_for_each_target_of_the_run(tmp_path):
    repo = tmp_path / "repo"
    _web_chart(repo, "kubeVersion: \">=1.25.0-0\"\n")
    _, report = _check(repo, "-k", "1.24", "-k", "1.25")
    (refused,) = [f for f in report["findings"] if f["rule"] == "render-failed"]
    assert "excludes Kubernetes 1.24" in refused["message"] and refused["line"] == 4
    assert report["summary"]["objects"] == 3  # rendered and checked for 1.25


@needs_sdk
@pytest.mark.parametrize(("written", "expected"), [
    ('">= bar"', "is not a valid version constraint"),
    ("1.25", "must be a string of version constraints"),
])
def test_a_kube_version_helm_cannot_use_is_a_finding_at_its_line(tmp_path, written, expected):
    repo = tmp_path / "repo"
    _web_chart(repo, f"kubeVersion: {written}\n")
    code, report = _check(repo, "-k", "1.30")
    (refused,) = [f for f in report["findings"] if f["rule"] == "render-failed"]
    assert expected in refused["message"] and (refused["line"], refused["column"]) == (4, 14)
    assert code == 1


# -- rendering per environment ---------------------------------------------------------------------------------


@needs_sdk
def test_each_environment_renders_for_its_own_versions(tmp_path):
    """The version is a parameter of each environment's render: staging on 1.25, production on 1.18 and 1.25."""
    chart = _web_chart(tmp_path / "repo")
    write(chart / "values-staging.yaml", "replicas: 2\n")
    write(chart / "values-production.yaml", "replicas: 3\n")
    targets = {"staging": ("1.25",), "production": ("1.18", "1.25")}
    result = helm.render_chart(chart, display=lambda p: p.relative_to(chart).as_posix(),
                               versions=lambda environment: targets[environment])
    assert result.problems == []
    seen = {(s.source.environment, s.source.path, s.source.kubernetes_version,
             next(line for line in s.text.splitlines() if line.startswith("apiVersion")))
            for s in result.sources if s.source.path == "templates/pdb.yaml"}
    assert seen == {("staging", "templates/pdb.yaml", None, "apiVersion: policy/v1"),
                    ("production", "templates/pdb.yaml", "1.18", "apiVersion: policy/v1beta1"),
                    ("production", "templates/pdb.yaml", "1.25", "apiVersion: policy/v1")}
    # a template that renders alike for both of production's targets is handed on once, for both
    assert [(s.source.environment, s.source.kubernetes_version) for s in result.sources
            if s.source.path == "templates/ingress.yaml" and s.source.environment == "staging"] == [("staging", None)]


@needs_sdk
def test_a_finding_points_at_its_values_key_through_a_render_for_the_same_target(tmp_path):
    """The marked renders that find a values key are told the same target: a Deployment that only an old
    cluster gets is still traced back to the values line that sets its image."""
    chart(tmp_path / "repo" / "charts" / "legacy", values="replicas: 1\nimage: nginx:latest\n", templates={
        "deployment.yaml": """\
{{- if semverCompare "<1.19-0" .Capabilities.KubeVersion.Version }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: legacy
spec:
  selector:
    matchLabels: {app: legacy}
  template:
    metadata:
      labels: {app: legacy}
    spec:
      containers:
        - name: app
          image: {{ .Values.image }}
{{- end }}
"""})
    code, report = _check(tmp_path / "repo", "-k", "1.18")
    assert code == 1
    tags = [f for f in report["findings"] if f["rule"] in ("floating-image-tag", "pinned-image-tag")]
    assert tags and {(f["path"], f["line"]) for f in tags} == {("charts/legacy/values.yaml", 2)}
    _, report = _check(tmp_path / "repo", "-k", "1.25")
    assert report["summary"]["objects"] == 0


@needs_sdk
def test_the_configuration_s_environment_versions_decide_each_environment_s_render(tmp_path):
    """staging on 1.25, production on 1.18: each gets the PodDisruptionBudget its cluster serves, in
    ``lintops render`` and in the check, which finds no API either cluster would refuse."""
    repo = tmp_path / "repo"
    chart = _web_chart(repo)
    write(chart / "values-staging.yaml", "replicas: 2\n")
    write(chart / "values-production.yaml", "replicas: 3\n")
    write(repo / ".lintops.yaml", 'kubernetes_version: "1.18"\nenvironment_versions:\n  staging: "1.25"\n')
    shown = run_lintops("render", ".", cwd=repo)
    assert shown.returncode == 0, shown.stderr
    pdbs = {header: lines[0] for header, lines in _documents(shown.stdout).items() if "pdb.yaml" in header}
    assert pdbs == {"# Source: charts/web/templates/pdb.yaml (environment: production, Kubernetes 1.18)":
                    "apiVersion: policy/v1beta1",
                    "# Source: charts/web/templates/pdb.yaml (environment: staging, Kubernetes 1.25)":
                    "apiVersion: policy/v1"}
    _, report = _check(repo)
    assert not [f for f in report["findings"] if f["rule"].startswith("api-")], report["findings"]
    assert report["summary"]["objects"] == 6
