"""Rule ``no-plaintext-secret`` (check ``plaintext-secret``): what fires, what must not, and no value leaks."""

from __future__ import annotations

import base64
import io
import json
import textwrap

import pytest

import builders
from lintops.catalog import available_checks
from lintops.data import data_dir
from lintops.engine import Engine
from lintops.model import Severity
from lintops.reporters.base import RunInfo
from lintops.reporters.json import JsonReporter
from lintops.reporters.text import TextReporter
from lintops.rules import RuleError, bind, load_rule_file

RULE_ID = "no-plaintext-secret"
PLANTED = "s3cr3t-PLANTED-value"

# Credential-shaped test values, assembled so that this file does not itself look like it leaks one.
AWS_KEY_ID = "AKIA" + "IOSFODNN7EXAMPLE"
GITHUB_TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0" * 2
GITLAB_TOKEN = "glpat-" + "x1Y2z3W4v5U6t7S8r9Q0"
SLACK_TOKEN = "xoxb-" + "123456789012-abcdefABCDEF"
JWT = "eyJhbGciOiJIUzI1NiJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIn0" + ".dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
PEM = ("-----BEGIN RSA " + "PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n"
       "-----END RSA " + "PRIVATE KEY-----\n")


def spec(**params):
    loaded = load_rule_file(data_dir("rules") / f"{RULE_ID}.yaml", "built-in")
    return loaded.with_overrides(params=params) if params else loaded


def lint(text, rule_spec=None):
    engine = Engine(bind([rule_spec or spec()], available_checks()))
    findings = [f for report in engine.lint_text(textwrap.dedent(text), "x.yaml") for f in report.findings]
    assert not engine.internal_errors
    return findings


def deployment(env_yaml: str, key: str = "containers") -> str:
    """The Deployment ``api`` whose one container (in ``key``) ``app`` has ``env_yaml`` as its env list."""
    env = textwrap.indent(textwrap.dedent(env_yaml).strip("\n"), " " * 8)
    return builders.deployment("api", f"{key}:\n  - name: app\n    image: app:1.0\n    env:\n{env}\n")


def env_var(name: str, value: str) -> str:
    return deployment(f"- name: {name}\n  value: {json.dumps(value)}\n")


def config_map(data: dict, field: str = "data") -> str:
    return json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, field: data})


def secret(body: dict, api_version: str = "v1", kind: str = "Secret") -> str:
    return json.dumps({"apiVersion": api_version, "kind": kind, "metadata": {"name": "s"}, **body})


# -- Secrets ----------------------------------------------------------------------------------------


def test_secret_one_finding_per_key_with_a_value():
    text = secret({
        "type": "Opaque",
        "data": {"username": base64.b64encode(b"admin").decode(), "empty": "", "nothing": None},
        "stringData": {"password": "hunter2", "port": 5432},
    })
    found = lint(text)
    assert sorted(f.pointer for f in found) == ["/data/username", "/stringData/password", "/stringData/port"]
    assert all(f.severity is Severity.ERROR for f in found)
    by_pointer = {f.pointer: f.message for f in found}
    assert by_pointer["/data/username"].startswith("Secret key 'username' in 'data' is committed in plain text")
    assert "SealedSecret" in by_pointer["/stringData/password"]


@pytest.mark.parametrize("body", [
    {"type": "kubernetes.io/service-account-token"},
    {"type": "kubernetes.io/service-account-token", "data": {}},
    {"type": "Opaque", "data": {"password": "", "token": ""}},  # all values empty: decided to pass
    {"type": "Opaque", "stringData": {"password": None}},
    {"type": "Opaque"},
])
def test_secrets_without_values_pass(body):
    assert lint(secret(body)) == []


def test_only_core_secrets_and_config_maps():
    assert lint(secret({"data": {"a": "Yg=="}}, api_version="example.com/v1")) == []
    sealed = secret({"spec": {"encryptedData": {"password": "AgBy3i4OJSWK+PiTySYZZA=="}}},
                    api_version="bitnami.com/v1alpha1", kind="SealedSecret")
    assert lint(sealed) == []


# -- container environment ----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "value"), [
    ("DB_PASSWORD", "hunter2"),
    ("dbPassword", "hunter2"),
    ("MYSQL_ROOT_PASSWORD", "root"),
    ("PGPASSWD", "x1"),
    ("DB_PASS", "x1"),
    ("REDIS_PWD", "x1"),
    ("SECRET_BLAH", "secretsquirrels"),  # kube-linter's fixture
    ("CLIENT_SECRET", "abc"),
    ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("GITHUB_TOKEN", "abc123"),
    ("ACCESS_TOKEN", "abc123"),
    ("API_KEY", "abc123"),
    ("APIKEY", "abc123"),
    ("STRIPE_PRIVATE_KEY", "abc123"),
    ("ENCRYPTION_KEY", "abc123"),
    ("GOOGLE_CREDENTIALS", '{"type": "service_account"}'),
    ("SMTP_PASSPHRASE", "correct horse"),
    ("PASSWORD", "123456789"),  # long numbers are not exempt
    ("ADMIN_PASSWORD", "changeme"),  # a default is what runs when nobody replaces it
    ("ADMIN_PASSWORD", "ADMIN"),
    ("DB_PASSWORD", "$(DB_USER)-suffix"),  # a reference plus literal text
    # well-known formats fire whatever the name
    ("AWS_KEY", AWS_KEY_ID),
    ("GH", GITHUB_TOKEN),
    ("GL", GITLAB_TOKEN),
    ("SLACK_HOOK", SLACK_TOKEN),
    ("AUTHORIZATION", JWT),
    ("DATABASE_URL", "postgres://app:hunter2@db:5432/app"),
    ("DB_PASSWORD_DSN", "postgres://app:hunter2@db:5432/app"),
    ("TLS", PEM),
])
def test_env_fires(name, value):
    found = lint(env_var(name, value))
    assert [f.pointer for f in found] == ["/spec/template/spec/containers/0/env/0/value"], found
    assert f"environment variable '{name}'" in found[0].message
    assert "container 'app'" in found[0].message


@pytest.mark.parametrize(("name", "value"), [
    ("LOG_LEVEL", "debug"),
    ("BLAH", "secretsquirrels"),  # kube-linter's fixture
    ("DB_PASSWORD", ""),
    ("DB_PASSWORD", "$(DB_PASSWORD_FROM_SECRET)"),
    ("DB_PASSWORD", "${DB_PASSWORD}"),
    ("DB_PASSWORD", "$(USER):$(PASS)"),
    ("DB_PASSWORD", "/run/secrets/db/password"),
    ("DB_PASSWORD", "********"),
    ("DB_PASSWORD", "<your-password>"),
    ("ETCD_DISCOVERY_TOKEN", "INSERT_ETCD_DISCOVERY_TOKEN"),
    ("GOOGLE_API_KEY", "GOOGLE_API_KEY_VAL"),
    ("API_KEY", "REPLACE_ME"),
    ("DB_PASSWORD_FILE", "secrets/db"),
    ("SECRET_NAME", "api-db"),
    ("SECRET_REF", "api-db"),
    ("secretName", "api-db"),
    ("TOKEN_URL", "https://auth.example.com/token"),
    ("TOKEN_TTL", "3600"),
    ("TOKEN_TIMEOUT", "30s"),
    ("OAUTH_TOKEN_ENDPOINT", "https://auth/token"),
    ("PASSWORD_MIN_LENGTH", "12"),
    ("SECRETS_DIR", "/etc/secrets"),
    ("ENABLE_TOKEN_AUTH", "true"),
    ("PASSWORD_AUTH", "off"),
    ("TOKENIZER_MODEL", "bert-base"),
    ("BYPASS_CACHE", "yes-please"),
    ("PASSPORT_STRATEGY", "jwt"),
    ("COMPASS_URL", "http://compass"),
    ("API_TOKEN", "3600"),  # a short number is a setting, not a credential
    ("DATABASE_URL", "postgres://app@db:5432/app"),
    ("DATABASE_URL", "postgres://app:$(DB_PASSWORD)@db:5432/app"),
    ("DATABASE_URL", "postgres://db:5432/app"),
    ("DB_PASSWORD_DSN", "postgres://app:$(DB_PASSWORD)@db:5432/app"),
    ("CA_BUNDLE", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
    ("KEY_SERVER", "https://keys.example.com"),
])
def test_env_does_not_fire(name, value):
    assert lint(env_var(name, value)) == []


def test_value_from_never_fires():
    text = deployment("""\
        - name: DB_PASSWORD
          valueFrom:
            secretKeyRef: {name: db, key: password}
        - name: API_TOKEN
          valueFrom:
            configMapKeyRef: {name: c, key: token}
        - name: POD_SECRET
          valueFrom:
            fieldRef: {fieldPath: metadata.name}
        """)
    assert lint(text) == []


def test_init_containers_and_exact_position():
    found = lint(deployment("- {name: DB_PASSWORD, value: hunter2}\n", key="initContainers"))
    assert len(found) == 1
    finding = found[0]
    assert finding.pointer == "/spec/template/spec/initContainers/0/env/0/value"
    assert (finding.location.line, finding.location.column) == (13, 44)
    assert finding.message == ("init container 'app' sets environment variable 'DB_PASSWORD' to a literal value, "
                               "and its name says it is a credential; take it from a Secret with "
                               "valueFrom.secretKeyRef")


def test_exact_positions_in_a_multi_document_file():
    text = """\
        apiVersion: v1
        kind: Secret
        metadata: {name: db}
        data:
          username: YWRtaW4=
          password: aHVudGVyMg==
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings}
        data:
          mode: fast
          db_password: hunter2
          application.yaml: |
            server:
              port: 8080
            datasource:
              password: hunter2
        """
    found = lint(text)
    assert [(f.location.line, f.location.column, f.pointer) for f in found] == [
        (5, 13, "/data/username"),
        (6, 13, "/data/password"),
        (13, 16, "/data/db_password"),
        (14, 21, "/data/application.yaml"),
    ]
    assert found[2].message == ("ConfigMap key 'db_password' holds a literal value, and its name says it is a "
                                "credential; move it to a Secret and commit that as a SealedSecret")
    assert found[3].message.startswith("ConfigMap key 'application.yaml' embeds a configuration that sets "
                                       "'password' to a literal credential")


# -- ConfigMaps -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "what"), [
    ({"db_password": "hunter2"}, "its name says"),
    ({"API_KEY": "abc123"}, "its name says"),
    ({"tls.key": PEM}, "an RSA private key"),
    ({"settings.json": json.dumps({"aws": AWS_KEY_ID})}, "an AWS access key ID"),
    ({"ci": GITHUB_TOKEN}, "a GitHub personal access token"),
    ({"ci": GITLAB_TOKEN}, "a GitLab personal access token"),
    ({"slack": SLACK_TOKEN}, "a Slack token"),
    ({"auth": f"Bearer {JWT}"}, "a JSON Web Token"),
    ({"dsn": "mysql://root:hunter2@mysql:3306/app"}, "a URL with an embedded password"),
    ({"application.properties": "server.port=8080\nspring.datasource.password=hunter2\n"},
     "'spring.datasource.password'"),
    ({"config.toml": '[db]\nhost = "db"\npassword = "hunter2"\n'}, "'password'"),
    ({"config.json": '{\n  "apiKey": "abc123",\n  "port": 80\n}\n'}, "'apiKey'"),
    ({".env": "export DB_PASSWORD=hunter2\nLOG=debug\n"}, "'DB_PASSWORD'"),
])
def test_config_map_fires(data, what):
    found = lint(config_map(data))
    assert len(found) == 1, found
    assert found[0].pointer == f"/data/{next(iter(data))}"
    assert what in found[0].message


@pytest.mark.parametrize("data", [
    {"mode": "fast", "nginx.conf": "server {\n  listen 80;\n}\n"},
    {"db_password": ""},
    {"db_password_file": "/run/secrets/db"},
    {"secret_name": "api-db"},
    {"token_ttl": "3600"},
    {"application.yaml": "datasource:\n  password: ${DB_PASSWORD}\n  passwordFile: /run/secrets/db\n"},
    {"application.yaml": "auth:\n  token:\n    ttl: 3600\n  secretName: api-tls\n  tokenUrl: https://x/token\n"},
    {"application.properties": "spring.datasource.password=\nsecurity.enabled=true\n"},
    {"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"},
    {"values.yaml": "password: {{ .Values.password }}\nsecret: |\n  multi\n"},
    {"redis.conf": "# requirepass is set from the Secret\nmaxmemory 2mb\n"},
])
def test_config_map_does_not_fire(data):
    assert lint(config_map(data)) == []


def test_config_map_binary_data():
    found = lint(config_map({"id_rsa": base64.b64encode(PEM.encode()).decode()}, field="binaryData"))
    assert [f.pointer for f in found] == ["/binaryData/id_rsa"]
    assert "an RSA private key" in found[0].message
    found = lint(config_map({"secret.bin": base64.b64encode(b"\x00\x01").decode()}, field="binaryData"))
    assert [f.pointer for f in found] == ["/binaryData/secret.bin"]
    assert lint(config_map({"logo.png": base64.b64encode(b"\x89PNG").decode()}, field="binaryData")) == []


def test_embedded_names_are_capped():
    lines = "".join(f"password{i}: hunter{i}\n" for i in range(5))
    found = lint(config_map({"app.yaml": lines}))
    assert len(found) == 1
    assert "'password0', 'password1', 'password2' and 2 more" in found[0].message


# -- parameters -----------------------------------------------------------------------------------


def test_name_pattern_parameters():
    custom = spec(name_pattern=r"^LICENSE$", ignore_name_pattern="")
    assert [f.pointer for f in lint(env_var("LICENSE", "abc-123"), custom)] == [
        "/spec/template/spec/containers/0/env/0/value"]
    assert lint(env_var("DB_PASSWORD", "hunter2"), custom) == []
    assert lint(env_var("DB_PASSWORD_FILE", "abc"), spec(ignore_name_pattern="")) != []


def test_invalid_parameters_are_refused():
    with pytest.raises(RuleError, match="name_pattern"):
        bind([spec(name_pattern="(unclosed")], available_checks())
    # the default ignore pattern is compiled on first use; a supplied one is still refused when the rule loads
    with pytest.raises(RuleError, match="ignore_name_pattern"):
        bind([spec(ignore_name_pattern="(unclosed")], available_checks())
    with pytest.raises(RuleError):
        bind([spec(pattern="x")], available_checks())


# -- the value never reaches a report ---------------------------------------------------------------


def test_planted_secret_value_appears_in_no_report():
    encoded = base64.b64encode(PLANTED.encode()).decode()
    text = f"""\
        apiVersion: v1
        kind: Secret
        metadata: {{name: planted}}
        data:
          password: {encoded}
        stringData:
          token: {PLANTED}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {{name: planted}}
        data:
          db_password: {PLANTED}
          dsn: postgres://app:{PLANTED}@db/app
          app.properties: |
            db.password={PLANTED}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: planted}}
        spec:
          selector:
            matchLabels: {{app: planted}}
          template:
            metadata:
              labels: {{app: planted}}
            spec:
              initContainers:
                - name: init
                  image: busybox:1.36
                  env: [{{name: API_TOKEN, value: {PLANTED}}}]
              containers:
                - name: app
                  image: app:1.0
                  env:
                    - name: DB_PASSWORD
                      value: {PLANTED}
                    - name: DATABASE_URL
                      value: "mysql://root:{PLANTED}@db/app"
        """
    engine = Engine(bind([spec()], available_checks()))
    reports = list(engine.lint_text(textwrap.dedent(text), "planted.yaml"))
    findings = [f for report in reports for f in report.findings]
    assert len(findings) == 8, [f.pointer for f in findings]
    run = RunInfo(version="test", kubernetes_version="1.18", strict=True, verbose=True)
    outputs = []
    for reporter_class in (JsonReporter, TextReporter):
        stream = io.StringIO()
        reporter = reporter_class(stream, run)
        for report in reports:
            reporter.file_done(report)
        reporter.finish(engine.summary)
        outputs.append(stream.getvalue())
    assert len(json.loads(outputs[0])["findings"]) == 8
    assert "planted.yaml:" in outputs[1]
    for output in outputs:
        for needle in (PLANTED, PLANTED.lower(), encoded, "PLANTED"):
            assert needle not in output
    for finding in findings:
        assert "PLANTED" not in repr(finding)
