"""Conformance of ``pinned-image-tag`` and ``no-plaintext-secret`` with kube-linter and kube-score.

Two parts:

1. The peers' own fixtures (copied byte for byte into tests/fixtures/, see SOURCES-image-secret.md):
   the verdict per object must equal the peer's expected verdict, transcribed from the peer's tests
   (kube-linter ``e2etests/bats-tests.sh``; kube-score ``score/score_test.go`` and
   ``score/apps_test.go``). Every disagreement is listed in ``FIXTURE_DIFFERENCES`` with its reason.
2. Cases beyond the fixtures, judged by a transcription of the peer's documented rule (the ``PEERS``
   oracles below). Agreement is asserted except for the cases listed in ``SEMANTIC_DIFFERENCES``,
   which are the documented differences of the rule files.

Agreement (part 1): kube-linter 8 of 8 objects (latest-tag 4/4, env-var-secret 4/4);
kube-score 3 of 4 expectations (the fourth is the ``kube-score/ignore`` annotation, listed).
Part 2 (cases chosen to probe the edges): images 10/13 with kube-linter, 8/13 with kube-score;
environment variables 4/9 with kube-linter; every other case is a listed, documented difference.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from pathlib import Path

import pytest
import yaml

from lintops.catalog import available_checks
from lintops.data import data_dir
from lintops.engine import Engine
from lintops.rules import bind, load_rule_file
from lintops.run_context import Options
from lintops.workloads import WORKLOAD_POD_SPECS

FIXTURES = Path(__file__).parent / "fixtures"
SHA = "sha256:" + "0123456789abcdef" * 4


def rule(rule_id):
    return load_rule_file(data_dir("rules") / f"{rule_id}.yaml", "built-in")


def run(text, path, rule_id):
    """Findings of one rule; DeploymentConfig (OpenShift) is a workload kind, as kube-linter treats it."""
    options = Options(workloads={**WORKLOAD_POD_SPECS, "DeploymentConfig": "/spec/template/spec"})
    engine = Engine(bind([rule(rule_id)], available_checks()), options)
    findings = [f for report in engine.lint_text(text, path) for f in report.findings]
    assert not engine.internal_errors
    return findings


def objects_of(text):
    return [(doc["kind"], doc["metadata"]["name"]) for doc in yaml.safe_load_all(text) if doc]


def fired_objects(path, rule_id):
    text = path.read_text(encoding="utf-8")
    findings = run(text, str(path.relative_to(FIXTURES)), rule_id)
    fired = {(f.object.kind, f.object.name) for f in findings}
    return {obj: obj in fired for obj in objects_of(text)}, findings


# -- part 1: the peers' fixtures ----------------------------------------------------------------------

#: kube-linter: ``kube-linter lint --include <check> --do-not-auto-add-defaults <fixture>`` reports, in
#: order (expected.json of the bats test), and the per-object verdicts they imply under the fixtures'
#: convention that objects named ``dont-fire`` must not fire.
KUBE_LINTER = {
    "latest-tag": {
        "fixture": "kube-linter/tests/checks/latest-tag.yml",
        "ours": "pinned-image-tag",
        "reports": [
            'Deployment: The container "app" is using an invalid container image, "app:latest". ...',
            'DeploymentConfig: The container "app" is using an invalid container image, "app:latest". ...',
        ],
        "verdicts": {("Deployment", "dont-fire"): False, ("DeploymentConfig", "dont-fire"): False,
                     ("Deployment", "app"): True, ("DeploymentConfig", "app"): True},
        "facts": ["container 'app'", "'app:latest'"],
    },
    "env-var-secret": {
        "fixture": "kube-linter/tests/checks/env-var-secret.yml",
        "ours": "no-plaintext-secret",
        "reports": [
            'Deployment: environment variable SECRET_BLAH in container "app" found',
            'DeploymentConfig: environment variable SECRET_BLAH in container "app" found',
        ],
        "verdicts": {("Deployment", "dont-fire"): False, ("DeploymentConfig", "dont-fire"): False,
                     ("Deployment", "app"): True, ("DeploymentConfig", "app"): True},
        "facts": ["container 'app'", "'SECRET_BLAH'"],
    },
}

#: kube-score "Container Image Tag": (test function, fixture, run configuration, expected, fires?).
KUBE_SCORE = [
    ("TestPodContainerTagFixed", "pod-image-tag-fixed.yaml", "default", "OK (10)", False),
    ("TestPodContainerTagLatest", "pod-image-tag-latest.yaml", "default", "CRITICAL (1)", True),
    # The check runs; the image is aquasec/trivy:latest, which the check grades CRITICAL.
    ("TestStatefulsetTemplateIgnoresNotIgnoredWhenFlagDisabled", "statefulset-nested-ignores.yaml",
     "UseIgnoreChecksAnnotation: false", "NOT skipped", True),
    ("TestStatefulsetTemplateIgnores", "statefulset-nested-ignores.yaml",
     "UseIgnoreChecksAnnotation: true", "skipped", False),
]

#: Where our verdict differs from the peer's on its own fixtures: (why, rule that documents it, phrase).
FIXTURE_DIFFERENCES = {
    ("kube-score", "TestStatefulsetTemplateIgnores"): (
        "kube-score honours its pod-template annotation `kube-score/ignore: container-image-tag`; lintops "
        "does not read another tool's annotations. The same exemption in lintops is the annotation "
        "`lintops.io/ignore-pinned-image-tag: <reason>`, applied by the engine's filter stage, not by the check.",
        "pinned-image-tag", "`kube-score/ignore` annotation is not honoured",
    ),
}


@pytest.mark.parametrize("check", sorted(KUBE_LINTER))
def test_kube_linter_fixtures(check):
    case = KUBE_LINTER[check]
    verdicts, findings = fired_objects(FIXTURES / case["fixture"], case["ours"])
    assert verdicts == case["verdicts"]
    # the peer's reports name the same kinds in the same order
    assert [kind for (kind, _), fired in verdicts.items() if fired] == [r.split(":")[0] for r in case["reports"]]
    # and our messages carry the facts the peer's messages carry
    assert len(findings) == len(case["reports"])
    for finding in findings:
        for fact in case["facts"]:
            assert fact in finding.message


def test_kube_linter_findings_are_positioned():
    _, findings = fired_objects(FIXTURES / KUBE_LINTER["latest-tag"]["fixture"], "pinned-image-tag")
    assert [(f.location.line, f.location.column) for f in findings] == [(33, 16), (44, 16)]
    _, findings = fired_objects(FIXTURES / KUBE_LINTER["env-var-secret"]["fixture"], "no-plaintext-secret")
    assert [(f.location.line, f.location.column) for f in findings] == [(39, 18), (52, 18)]


@pytest.mark.parametrize(("test_function", "fixture", "config", "expected", "peer_fires"), KUBE_SCORE,
                         ids=[c[0] for c in KUBE_SCORE])
def test_kube_score_fixtures(test_function, fixture, config, expected, peer_fires):
    verdicts, _ = fired_objects(FIXTURES / "kube-score/score/testdata" / fixture, "pinned-image-tag")
    ours = any(verdicts.values())
    difference = FIXTURE_DIFFERENCES.get(("kube-score", test_function))
    if difference is None:
        assert ours == peer_fires, f"{test_function} ({config}): kube-score says {expected}"
    else:
        assert ours != peer_fires and difference


def test_agreement_counts():
    kube_linter = [ok for case in KUBE_LINTER.values()
                   for ok in [fired_objects(FIXTURES / case["fixture"], case["ours"])[0] == case["verdicts"]]]
    objects = sum(len(case["verdicts"]) for case in KUBE_LINTER.values())
    assert all(kube_linter) and objects == 8
    agreeing = sum(1 for case in KUBE_SCORE if ("kube-score", case[0]) not in FIXTURE_DIFFERENCES)
    assert (agreeing, len(KUBE_SCORE)) == (3, 4)


def test_fixtures_are_the_listed_byte_for_byte_copies():
    """Every fixture used here is listed, with its sha256, in SOURCES-image-secret.md next to it."""
    listed = {}
    for folder in ("kube-linter", "kube-score"):
        note = (FIXTURES / folder / "SOURCES-image-secret.md").read_text(encoding="utf-8")
        for path, digest in re.findall(r"^\| (\S+\.ya?ml) \| ([0-9a-f]{64}) \|$", note, re.MULTILINE):
            listed[f"{folder}/{path}"] = digest
    used = {case["fixture"] for case in KUBE_LINTER.values()}
    used |= {f"kube-score/score/testdata/{case[1]}" for case in KUBE_SCORE}
    assert sorted(listed) == sorted(used)
    for fixture, digest in listed.items():
        assert hashlib.sha256((FIXTURES / fixture).read_bytes()).hexdigest() == digest, fixture


# -- part 2: the peers' rules beyond their fixtures ---------------------------------------------------------

#: kube-linter latest-tag, BlockList of the fixture commit (quoted in its expected message).
_KL_BLOCK = [re.compile(p) for p in (r".*:(latest)$", r"^[^:]*$", r"(.*/[^:]+)$")]


def kube_linter_latest_tag(image: str) -> bool:
    return any(p.search(image) for p in _KL_BLOCK)


def kube_score_image_tag(image: str) -> bool:
    """kube-score score/container/container.go: the tag is the text after the last ':'."""
    parts = image.split(":")
    tag = parts[-1] if len(parts) > 1 else ""
    return tag in ("", "latest")


def kube_linter_env_var_secret(name: str, value: str) -> bool:
    """kube-linter env-var-secret: template env-var with name ``(?i).*secret.*`` and value ``.+``."""
    return bool(re.search(r"(?i).*secret.*", name)) and bool(re.search(r".+", value))


PEERS = {"kube-linter": kube_linter_latest_tag, "kube-score": kube_score_image_tag}

IMAGE_CASES = ["nginx:1.25", "nginx", "nginx:latest", "registry:5000/app", "registry:5000/app:latest",
               "localhost:5000/app", "nginx:LATEST", f"nginx@{SHA}", f"nginx:latest@{SHA}", "Nginx:1.0",
               "nginx:1.0 ", "ghcr.io/org/app:main", "team/app:v2"]

ENV_CASES = [("SECRET_BLAH", "x"), ("BLAH", "x"), ("DB_PASSWORD", "hunter2"), ("CLIENT_SECRET", ""),
             ("SECRET_FILE", "/run/secrets/x"), ("CLIENT_SECRET", "$(FROM_SECRET)"), ("SECRET_NAME", "api-db"),
             ("GITHUB_PAT", "ghp_" + "a1B2c3D4e5F6g7H8i9J0" * 2), ("WEBHOOK_SECRET", "9f8e7d6c")]

#: (peer, case): (why our verdict differs, rule whose documentation states it, phrase it states it with).
SEMANTIC_DIFFERENCES = {
    ("kube-score", "registry:5000/app"): (
        "kube-score reads the text after the last ':' as the tag, so a registry port looks like a tag; by the "
        "reference grammar the image has no tag and the runtime pulls latest",
        "pinned-image-tag", "passes `registry:5000/app` (a port read as a tag)"),
    ("kube-score", "localhost:5000/app"): (
        "same as registry:5000/app: a port is not a tag", "pinned-image-tag", "a port read as a tag"),
    ("kube-linter", "nginx:LATEST"): (
        "lintops compares latest without regard to case", "pinned-image-tag", "kube-linter passes `app:LATEST`"),
    ("kube-score", "nginx:LATEST"): (
        "lintops compares latest without regard to case", "pinned-image-tag", "compares `latest` case-sensitively"),
    ("kube-linter", "Nginx:1.0"): (
        "invalid reference (uppercase repository): kube-linter does not parse references",
        "pinned-image-tag", "kube-linter passes `app:v1 ` or `App:v1`"),
    ("kube-score", "Nginx:1.0"): (
        "invalid reference (uppercase repository): kube-score does not parse references",
        "pinned-image-tag", "does not validate references"),
    ("kube-linter", "nginx:1.0 "): (
        "invalid reference (whitespace): kube-linter does not parse references",
        "pinned-image-tag", "kube-linter passes `app:v1 ` or `App:v1`"),
    ("kube-score", "nginx:1.0 "): (
        "invalid reference (whitespace): kube-score does not parse references",
        "pinned-image-tag", "does not validate references"),
    ("kube-linter", "DB_PASSWORD"): (
        "lintops' name list is wider than kube-linter's `secret` substring",
        "no-plaintext-secret", "so `DB_PASSWORD` fires, which kube-linter passes"),
    ("kube-linter", "SECRET_FILE"): (
        "a file path is not a credential, and *_FILE names are ignored",
        "no-plaintext-secret", "`SECRET_FILE=/run/secrets/x` passes"),
    ("kube-linter", "CLIENT_SECRET=$(FROM_SECRET)"): (
        "a $(VAR) reference is not a literal credential", "no-plaintext-secret", "exempts references"),
    ("kube-linter", "SECRET_NAME"): (
        "*_NAME variables name a Secret object; they do not hold its value",
        "no-plaintext-secret", "names ending in `_FILE`, `_NAME`"),
    ("kube-linter", "GITHUB_PAT"): (
        "well-known credential formats fire whatever the variable's name",
        "no-plaintext-secret", "well-known credential format (then whatever the name)"),
}


def image_pod(image):
    return textwrap.dedent(f"""\
        apiVersion: v1
        kind: Pod
        metadata: {{name: p}}
        spec:
          containers:
            - name: c
              image: {image!r}
        """).replace("'", '"')


@pytest.mark.parametrize("image", IMAGE_CASES)
@pytest.mark.parametrize("peer", sorted(PEERS))
def test_image_semantics(peer, image):
    ours = bool(run(image_pod(image), "x.yaml", "pinned-image-tag"))
    theirs = PEERS[peer](image)
    if (peer, image) in SEMANTIC_DIFFERENCES:
        assert ours != theirs, f"listed as a difference but {peer} and lintops agree on {image!r}"
    else:
        assert ours == theirs, f"{peer} says {theirs} for {image!r}, lintops {ours}: list it with a reason"


def _env_key(name, value):
    return name if sum(1 for n, _ in ENV_CASES if n == name) == 1 else f"{name}={value}"


@pytest.mark.parametrize(("name", "value"), ENV_CASES)
def test_env_semantics(name, value):
    text = textwrap.dedent(f"""\
        apiVersion: v1
        kind: Pod
        metadata: {{name: p}}
        spec:
          containers:
            - name: c
              image: app:1.0
              env: [{{name: {name}, value: "{value}"}}]
        """)
    ours = bool(run(text, "x.yaml", "no-plaintext-secret"))
    theirs = kube_linter_env_var_secret(name, value)
    if ("kube-linter", _env_key(name, value)) in SEMANTIC_DIFFERENCES:
        assert ours != theirs
    else:
        assert ours == theirs, f"kube-linter says {theirs} for {name}={value!r}, lintops {ours}"


def test_every_listed_difference_is_a_case_and_documented():
    keys = {("kube-linter", i) for i in IMAGE_CASES} | {("kube-score", i) for i in IMAGE_CASES}
    keys |= {("kube-linter", _env_key(n, v)) for n, v in ENV_CASES}
    assert set(SEMANTIC_DIFFERENCES) <= keys
    documented = [*SEMANTIC_DIFFERENCES.values(), *FIXTURE_DIFFERENCES.values()]
    for reason, rule_id, phrase in documented:
        assert reason
        assert phrase in " ".join(rule(rule_id).documentation.split()), f"{rule_id} must document: {reason}"
