"""Values-only files (``production/values.yaml`` with no chart beside it) checked by the helm-values rules.

A values-only file is a ``lintops.io/v1`` ``HelmValues`` resource whose body is the values document; the
rules with ``targets: [helm-values]`` see it as ``Subject(resource, "", body)``. Positions are those of the
values file, so each finding lands on the key to change.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lintops.catalog import available_checks, builtin_rule_specs
from lintops.checks.base import Subject
from lintops.checks.helm_values_image import HelmValuesImageCheck
from lintops.checks.helm_values_probe import HelmValuesProbeCheck
from lintops.checks.helm_values_resources import HelmValuesResourcesCheck
from lintops.checks.helm_values_secret import HelmValuesSecretCheck
from lintops.engine import Engine
from lintops.inputs.helm import render_chart
from lintops.inputs.manifests import HELM_VALUES_API_VERSION, HELM_VALUES_KIND, resources_from
from lintops.model import Location
from lintops.parse.stream import parse_text
from lintops.rules import bind
from lintops.run_context import Options, RunContext

HELM_VALUES_RULES = ("helm-values-pinned-image-tag", "helm-values-resource-limits", "helm-values-liveness-probe",
                     "helm-values-plaintext-secret")
SPECS = {spec.id: spec for spec in builtin_rule_specs()}
CONTEXT = RunContext(Options())


def values(text: str, path: str = "production/values.yaml"):
    """The ``HelmValues`` resource a values-only file becomes."""
    manifests = resources_from(parse_text(textwrap.dedent(text), path))
    assert manifests.resources == []
    [resource] = manifests.values
    return resource


def run(check, text: str, path: str = "production/values.yaml"):
    """(pointer, path:line:col, message) of every violation, as the engine would place it."""
    resource = values(text, path)
    return [(v.pointer, str(resource.location(v.pointer, v.at_key)), v.message)
            for v in check.check(Subject(resource, "", resource.body), CONTEXT)]


# -- the resource ------------------------------------------------------------------------------------


def test_a_values_only_file_is_a_helm_values_resource():
    resource = values("image:\n  tag: latest\n")
    assert (resource.api_version, resource.kind, resource.name) == (HELM_VALUES_API_VERSION, HELM_VALUES_KIND,
                                                                    "production/values.yaml")
    assert resource.body == {"image": {"tag": "latest"}}
    assert resource.location("/image/tag", at_key=True) == Location("production/values.yaml", 2, 3)


# -- image tags ------------------------------------------------------------------------------------------


def test_image_tag_latest_fires_at_the_tag():
    found = run(HelmValuesImageCheck(), """\
        image:
          repository: ghcr.io/example/api
          tag: latest
        worker:
          image:
            repository: ghcr.io/example/worker
            tag: LATEST
        """)
    assert [(p, where) for p, where, _ in found] == [
        ("/image/tag", "production/values.yaml:3:8"),
        ("/worker/image/tag", "production/values.yaml:7:10"),
    ]
    assert found[0][2] == "'image.tag' is 'latest', a tag that moves with every push; pin a version tag or set " \
                          "image.digest"


def test_image_strings_and_repositories_with_tags():
    found = run(HelmValuesImageCheck(), """\
        api:
          image: nginx
        web:
          image: "nginx:latest"
        db:
          image:
            repository: postgres:latest
        ok:
          image: nginx:1.25.3
        pinned:
          image: nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
        templated:
          image: "{{ .Values.global.image }}"
        """)
    assert [(p, where) for p, where, _ in found] == [
        ("/api/image", "production/values.yaml:2:10"),
        ("/web/image", "production/values.yaml:4:10"),
        ("/db/image/repository", "production/values.yaml:7:17"),
    ]
    assert "neither tag nor digest" in found[0][2]


def test_image_passes_with_a_version_a_digest_or_no_tag():
    assert run(HelmValuesImageCheck(), """\
        image: {repository: ghcr.io/example/api, tag: "2.3.1"}
        redis:
          image:
            repository: redis
            tag: latest
            digest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        chartDefault:
          image: {repository: ghcr.io/example/x, tag: ""}
        numeric:
          image: {repository: ghcr.io/example/y, tag: 3}
        off:
          enabled: false
          image: {repository: ghcr.io/example/z, tag: latest}
        """) == []


def test_floating_tags_are_a_parameter():
    found = run(HelmValuesImageCheck({"floating_tags": ["main", "stable"]}),
                "image: {repository: a, tag: main}\nother:\n  image: b:stable\nlast: {image: {tag: latest}}\n")
    assert [p for p, _, _ in found] == ["/image/tag", "/other/image"]


# -- resources -------------------------------------------------------------------------------------------


def test_resources_without_limits_fire_at_the_block():
    found = run(HelmValuesResourcesCheck(), """\
        image: {repository: ghcr.io/example/api, tag: "2.3.1"}
        resources:
          requests: {cpu: 100m, memory: 128Mi}
        worker:
          image: {repository: ghcr.io/example/worker, tag: "2.3.1"}
          resources:
            limits:
              cpu: 500m
        cron:
          image: {repository: ghcr.io/example/cron, tag: "2.3.1"}
          resources: {}
        sidecar:
          image: ghcr.io/example/sidecar:1.0.0
        zero:
          resources:
            limits: {cpu: "0", memory: 0Mi}
        """)
    assert [(p, where) for p, where, _ in found] == [
        ("/resources", "production/values.yaml:2:1"),
        ("/worker/resources/limits", "production/values.yaml:7:5"),
        ("/cron/resources", "production/values.yaml:11:14"),
        ("/sidecar", "production/values.yaml:12:1"),
        ("/zero/resources/limits", "production/values.yaml:16:13"),
    ]
    messages = dict((p, m) for p, _, m in found)
    assert messages["/resources"] == "'resources' sets no limits: set limits.cpu and limits.memory"
    assert messages["/worker/resources/limits"] == "'worker.resources.limits' sets no memory limit"
    assert messages["/zero/resources/limits"] == "'zero.resources.limits' sets no cpu and no memory limit"
    assert messages["/sidecar"].startswith("the block 'sidecar' sets an image but no resources")


def test_resources_pass_with_limits_and_skip_volume_claims():
    assert run(HelmValuesResourcesCheck(), """\
        image: {repository: ghcr.io/example/api, tag: "2.3.1"}
        resources:
          limits: {cpu: 500m, memory: 256Mi}
        persistence:
          accessModes: [ReadWriteOnce]
          resources:
            requests: {storage: 8Gi}
        volumeClaimTemplate:
          spec:
            resources:
              requests: {storage: 8Gi}
        metrics:
          enabled: false
          image: {repository: exporter, tag: "1.0"}
        """) == []
    assert run(HelmValuesResourcesCheck({"missing_block": False, "require": ["memory"]}), """\
        image: {repository: ghcr.io/example/api, tag: "2.3.1"}
        worker:
          resources:
            limits: {memory: 256Mi}
        """) == []


# -- probes ----------------------------------------------------------------------------------------------


def test_workload_blocks_without_liveness_probe():
    check = HelmValuesProbeCheck(dict(SPECS["helm-values-liveness-probe"].params))
    found = run(check, """\
        # production overrides
        image: {repository: ghcr.io/example/api, tag: "2.3.1"}
        livenessProbe:
          httpGet: {path: /healthz, port: http}
        worker:
          image: {repository: ghcr.io/example/worker, tag: "2.3.1"}
          readinessProbe:
            tcpSocket: {port: 9000}
        redis:
          master:
            image: {repository: redis, tag: "7.2"}
            livenessProbe:
              enabled: false
        exporter:
          image: {repository: exporter, tag: "1.0"}
          probes:
            liveness: {httpGet: {path: /, port: 9100}}
        tests:
          image: busybox:1.36
        initChownData:
          image: busybox:1.36
        migrations:
          job:
            image: ghcr.io/example/migrate:2.3.1
        """)
    assert found == [
        ("/worker", "production/values.yaml:5:1",
         "the block 'worker' sets an image but no livenessProbe or probes.liveness"),
        ("/redis/master/livenessProbe", "production/values.yaml:12:5",
         "'redis.master.livenessProbe' switches the probe off"),
    ]


def test_a_top_level_workload_without_probe_fires_at_the_first_key():
    found = run(HelmValuesProbeCheck(), "# comment\nimage:\n  repository: a\n  tag: '1'\nlivenessProbe: ~\n")
    assert found == [("/livenessProbe", "production/values.yaml:5:1",
                      "'livenessProbe' switches the probe off")]
    found = run(HelmValuesProbeCheck(), "# comment\nimage:\n  repository: a\n  tag: '1'\n")
    assert found == [("", "production/values.yaml:2:1", "the top-level block sets an image but no livenessProbe")]


# -- secrets ---------------------------------------------------------------------------------------------


SECRETS = """\
auth:
  password: correct-horse-battery
  rootPassword: ""
  existingSecret: api-db
  passwordKey: db-password
  token: "${API_TOKEN}"
  usePasswordFiles: true
api:
  apiKey: 8d3f0c2b7a61
  secretName: api-keys
extraEnv:
  - name: SMTP_PASSWORD
    value: mail-pass-2024
  - name: LOG_LEVEL
    value: debug
ssh:
  config: |
    -----BEGIN OPENSSH PRIVATE KEY-----
    b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
    -----END OPENSSH PRIVATE KEY-----
replicas: 3
"""


def test_literal_credentials_fire_at_their_key_and_never_show_the_value():
    found = run(HelmValuesSecretCheck(), SECRETS)
    assert [(p, where) for p, where, _ in found] == [
        ("/auth/password", "production/values.yaml:2:13"),
        ("/api/apiKey", "production/values.yaml:9:11"),
        ("/extraEnv/0/value", "production/values.yaml:13:12"),
        ("/ssh/config", "production/values.yaml:17:11"),
    ]
    messages = [m for _, _, m in found]
    assert messages[0].startswith("'auth.password' is set to a literal value, and its name says it is a credential")
    assert messages[2].startswith("'extraEnv.0' sets 'SMTP_PASSWORD' to a literal value")
    assert messages[3].startswith("'ssh.config' contains what looks like an OpenSSH private key")
    for secret in ("correct-horse", "8d3f0c2b7a61", "mail-pass", "b3BlbnNza"):
        assert not any(secret in message for message in messages)


def test_secret_name_patterns_are_parameters():
    found = run(HelmValuesSecretCheck({"name_pattern": "^dsn$"}), "dsn: abcdefgh-ijk\npassword: abcdefgh\n")
    assert [p for p, _, _ in found] == ["/dsn"]


# -- the rules -------------------------------------------------------------------------------------------


def test_helm_values_rules_are_ordinary_rules_targeting_helm_values():
    for rule_id in HELM_VALUES_RULES:
        spec = SPECS[rule_id]
        assert spec.targets == ("helm-values",), rule_id
        assert spec.rationale and spec.remediation and spec.documentation and spec.examples.get("pass")
    rules = bind([SPECS[r] for r in HELM_VALUES_RULES], available_checks())
    assert [r.check.name for r in rules] == ["helm-values-image", "helm-values-resources", "helm-values-probe",
                                             "helm-values-secret"]


@pytest.mark.parametrize("rule_id", HELM_VALUES_RULES)
def test_rule_examples_on_values_files(rule_id):
    [rule] = bind([SPECS[rule_id]], available_checks())
    for kind, expected in (("pass", False), ("fail", True)):
        resource = values(rule.spec.examples[kind], f"{rule_id}/values-{kind}.yaml")
        fired = list(rule.check.check(Subject(resource, "", resource.body), CONTEXT))
        assert bool(fired) is expected, (rule_id, kind, fired)


def test_rules_reach_values_resources_through_their_targets_only():
    rules = bind([SPECS[r] for r in (*HELM_VALUES_RULES, "pinned-image-tag", "no-plaintext-secret")],
                 available_checks())
    resource = values("image: {repository: a, tag: latest}\nauth: {password: abcdefgh1}\n")
    fired = {rule.id for rule in rules for subject in rule.subjects(resource)
             for _ in rule.check.check(subject, CONTEXT)}
    assert fired == set(HELM_VALUES_RULES)


def test_findings_on_a_values_only_file_through_the_engine():
    engine = Engine(bind([SPECS[r] for r in HELM_VALUES_RULES], available_checks()))
    text = "image:\n  repository: ghcr.io/example/api\n  tag: latest\nauth:\n  password: hunter2-longer\n"
    found = sorted((f.rule_id, str(f.location)) for report in engine.lint_text(text, "production/values.yaml")
                   for f in report.findings)
    assert found == [
        ("helm-values-liveness-probe", "production/values.yaml:1:1"),
        ("helm-values-pinned-image-tag", "production/values.yaml:3:8"),
        ("helm-values-plaintext-secret", "production/values.yaml:5:13"),
        ("helm-values-resource-limits", "production/values.yaml:1:1"),
    ]


def test_render_failed_example_renders_as_a_one_template_chart(tmp_path):
    pytest.importorskip("helm_python", reason="rendering needs helm-python-sdk (pip install -e '.[helm]')")
    spec = SPECS["render-failed"]
    assert (spec.check, spec.stage) == (None, "render")
    templates = {"pass": spec.examples["pass"],
                 "fail": spec.examples["pass"].replace('{{ .Values.mode | default "fast" | quote }}',
                                                       "{{ .Values.settings.mode.name }}")}
    outcomes = {}
    for kind, template in templates.items():
        chart = tmp_path / kind / "example"
        (chart / "templates").mkdir(parents=True)
        (chart / "Chart.yaml").write_text("apiVersion: v2\nname: example\nversion: 0.1.0\n")
        (chart / "templates" / "example.yaml").write_text(template)
        outcomes[kind] = render_chart(chart, display=lambda p, root=tmp_path / kind: Path(p).relative_to(root)
                                      .as_posix())
    assert outcomes["pass"].problems == [] and len(outcomes["pass"].sources) == 1
    assert [(p.path, p.line, p.column) for p in outcomes["fail"].problems] == [("example/templates/example.yaml",
                                                                                 6, 19)]
