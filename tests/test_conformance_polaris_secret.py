"""Polaris' sensitiveContainerEnvVar and sensitiveConfigmapContent against no-plaintext-secret.

Polaris (pkg/config/checks/sensitive*.yaml) flags a literal env value or a ConfigMap key whose name is
``AWS_SECRET_ACCESS_KEY``, ``GOOGLE_APPLICATION_CREDENTIALS``, ``AZURE_*KEY``, ``OCI_CLI_KEY_CONTENT`` or
contains password, token, bearer or secret, and a value matching ``-BEGIN ... PRIVATE KEY-``. The cases
below follow its test cases (our own values); where lintops differs, the case says so and why.
"""

from __future__ import annotations

import json

import pytest

from tests.test_rule_no_plaintext_secret import config_map, env_var, lint

PEM_3_DASHES = "---BEGIN OPENSSH " + "PRIVATE KEY---\nxxxxx\n---END  OPENSSH PRIVATE KEY---\n"

#: (name, value, Polaris fires, lintops fires)
CASES = [
    ("AWS_SECRET_ACCESS_KEY", "xxxxx", True, True),
    ("AZURE_BATCH_KEY", "xxxxx", True, True),
    ("AZURE_STORAGE_ACCOUNT_KEY", "xxxxx", True, True),
    ("OCI_CLI_KEY_CONTENT", "xxxxx", True, True),
    ("db_password", "abc123", True, True),
    ("my_password", "abc123", True, True),
    ("GITHUB_TOKEN", "abc123", True, True),
    ("BEARER", "abc123", True, True),
    ("the_good_stuff", PEM_3_DASHES, True, True),
    ("GOOGLE_APPLICATION_CREDENTIALS", '{"type": "service_' + 'account", "private_key_id": "x"}', True, True),
    ("message", "This is a test", False, False),
    ("db_user", "postgres", False, False),
    ("greeting", "hello", False, False),
    # Differences, documented in the rule: a path, a reference or a setting about a credential is none.
    ("GOOGLE_APPLICATION_CREDENTIALS", "/var/secrets/google/key.json", True, False),
    ("DB_PASSWORD_FILE", "/run/secrets/db", True, False),
    ("API_TOKEN", "$(TOKEN_FROM_SECRET)", True, False),
    ("TOKEN_TTL", "3600", True, False),
    # Names and formats Polaris does not know.
    ("NPM_AUTH", "npm_" + "FAKE" * 9, False, True),
    ("MINIO_ACCESS_KEY", "minio-admin", False, True),
    ("RABBITMQ_ERLANG_COOKIE", "abc123def", False, True),
    ("DATABASE_URL", "postgres://app:" + "FAKEpw@db/app", False, True),
]


@pytest.mark.parametrize(("name", "value", "polaris", "lintops"), CASES)
def test_env_verdicts(name, value, polaris, lintops):
    assert bool(lint(env_var(name, value))) is lintops


@pytest.mark.parametrize(("name", "value", "polaris", "lintops"), CASES)
def test_config_map_verdicts(name, value, polaris, lintops):
    found = lint(config_map({name: value}))
    assert bool(found) is lintops
    assert all(value.strip() not in json.dumps(f.message) for f in found if len(value) > 3)


def test_agreement_counts():
    agree = sum(polaris is lintops for _, _, polaris, lintops in CASES)
    assert (agree, len(CASES) - agree) == (13, 8)
