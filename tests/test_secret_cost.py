"""The credential checks' fast paths give the verdicts of the plain implementation they replaced.

``lintops.credential_formats`` skips a format whose buckets and gates a value lacks (the plain
implementation searches every format of the catalogue, in order), ``lintops.literals`` tries each literal pattern only
where it can match, remembers name verdicts, and skips reading an embedded file whose text holds none of
the default ``name_pattern``'s words. The implementation before those shortcuts is kept here, copied
(``old_*``), and both run over generated names and values (case, separators, the ignored suffixes, URLs
with and without passwords, every credential format and near misses); every answer must be the same.
"""

from __future__ import annotations

import base64
import itertools
import random
import re

import pytest

from lintops.checks.base import Subject
from lintops.checks.helm_values_secret import DEFAULT_VALUES_IGNORE_NAME_PATTERN, HelmValuesSecretCheck
from lintops.checks.plaintext_secret import PlaintextSecret
from lintops.credential_formats import FORMATS, format_at
from lintops.credentials import (
    _IGNORED_SUFFIXES,
    DEFAULT_IGNORE_NAME_PATTERN,
    DEFAULT_NAME_PATTERN,
    NAME_WORDS,
    SecretNameCheck,
    credential_format,
    is_literal,
    is_named_literal,
)
from lintops.helm_values_layout import dotted
from lintops.model import Resource, Source, join_pointer
from lintops.pattern_params import pattern_param
from tests.credential_samples import SAMPLES

# -- the implementation before the fast paths, copied -------------------------------------------------

_REFERENCE = re.compile(r"\$\([^()\s]+\)|\$\{[^{}\s]+\}|\{\{.*?\}\}")
_BOOLEAN_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "enabled", "disabled",
                            "none", "null", "nil", "~"})
_SHORT_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:ms|s|m|h|d|w)?", re.ASCII)
_PATH = re.compile(r"(?:/|\./|\.\./|~/|file://)\S*")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S*")
_MASK = re.compile(r"\*+")
_PLACEHOLDER = re.compile(r"<[^<>\n]+>|(?:INSERT|REPLACE|YOUR)_[A-Z0-9_]+")
_UPPER_IDENTIFIER = re.compile(r"[A-Z][A-Z0-9_]*")
_URL_PASSWORD = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]{0,30}://[^/\s:@]{0,256}:([^/\s@]{1,256})@")
_ASSIGNMENT = re.compile(r"""\s*(?:export\s+)?["']?([A-Za-z0-9_.-]{1,64})["']?\s*[:=]""")


def old_credential_format(value):
    """Every format of the catalogue searched, in order, with no bucket or gate consulted."""
    for index in range(len(FORMATS)):
        what = format_at(value, index)
        if what:
            return what
    return None


def old_is_literal(value):
    text = value.strip().strip("\"'").strip()
    if not text:
        return False
    without_references = _REFERENCE.sub("", text)
    if without_references != text and not any(c.isalnum() for c in without_references):
        return False
    if text.lower() in _BOOLEAN_WORDS or _MASK.fullmatch(text) or _PLACEHOLDER.fullmatch(text):
        return False
    if len(text) <= 6 and _SHORT_NUMBER.fullmatch(text):
        return False
    if _PATH.fullmatch(text):
        return False
    if _URL.fullmatch(text):
        return any(old_is_literal(match.group(1)) for match in _URL_PASSWORD.finditer(text))
    return True


def old_is_named_literal(name, value):
    text = value.strip()
    if _UPPER_IDENTIFIER.fullmatch(text) and name.upper() in text:
        return False
    return old_is_literal(value)


def old_looks_secret(params, default_ignore):
    """The old ``SecretNameCheck.looks_secret``: both patterns searched for every name."""
    name_re = pattern_param(params, "name_pattern", DEFAULT_NAME_PATTERN)
    ignore_re = pattern_param(params, "ignore_name_pattern", default_ignore)
    return lambda name: bool(name_re.search(name)) and not (ignore_re.pattern and ignore_re.search(name))


def old_config_value_reason(looks, key, value, binary):
    if binary:
        value = base64.b64decode(value, validate=False).decode("utf-8", "replace")
    what = old_credential_format(value)
    if what:
        return f"contains what looks like {what}"
    if "\n" not in value.strip() and looks(key) and (binary or old_is_named_literal(key, value)):
        return "holds a literal value, and its name says it is a credential"
    names = []
    for line in value.splitlines():
        match = _ASSIGNMENT.match(line)
        if match and match.group(1) not in names and looks(match.group(1)):
            text = line[match.end():].strip().rstrip(",").rstrip().strip()
            if text and text[0] not in "{[|>&*#" and old_is_literal(text):
                names.append(match.group(1))
    if not names:
        return None
    shown = ", ".join(f"'{n}'" for n in names[:3])
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return f"embeds a configuration that sets {shown}{more} to a literal credential"


def old_helm_walk(looks, value, tokens=()):
    """(pointer, message start) of each violation, in the order the old generator yielded them."""
    if isinstance(value, dict):
        name, pair = value.get("name"), value.get("value")
        if isinstance(name, str) and isinstance(pair, str) and looks(name) and old_is_named_literal(name, pair) \
                and not old_credential_format(pair):
            yield join_pointer("", *tokens, "value"), f"'{dotted(tokens)}' sets '{name}'"
        for key, child in value.items():
            key, child_tokens = str(key), (*tokens, str(key))
            if isinstance(child, (dict, list)):
                yield from old_helm_walk(looks, child, child_tokens)
                continue
            text = _old_scalar(child)
            if text is None:
                continue
            what = old_credential_format(text)
            if what:
                yield join_pointer("", *child_tokens), f"'{dotted(child_tokens)}' contains what looks like {what};"
            elif looks(key) and "\n" not in text.strip() and old_is_named_literal(key, text):
                yield join_pointer("", *child_tokens), f"'{dotted(child_tokens)}' is set to a literal value"
    elif isinstance(value, list):
        for index, child in enumerate(value):
            child_tokens = (*tokens, str(index))
            if isinstance(child, (dict, list)):
                yield from old_helm_walk(looks, child, child_tokens)
                continue
            text = _old_scalar(child)
            what = old_credential_format(text) if text is not None else None
            if what:
                yield join_pointer("", *child_tokens), f"'{dotted(child_tokens)}' contains what looks like {what};"


def _old_scalar(value):
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    return value if isinstance(value, str) else None


# -- generated names and values -----------------------------------------------------------------------

ALNUM = "AbCdEfGh0123456789IjKlMnOpQrStUvWxYz"
FORMAT_VALUES = [
    "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----",
    "-----BEGIN PGP PRIVATE KEY BLOCK-----", "-----BEGIN PUBLIC KEY-----", "-----BEGIN rsa PRIVATE KEY-----",
    "-----BEGIN OPENSSH PRIVATE KEY", "----BEGIN PRIVATE KEY-----",
    "AKIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPL", "xAKIAIOSFODNN7EXAMPLE",
    "akiaiosfodnn7example", "AKIAIOSFODNN7EXAMPLEX", "key=AKIAIOSFODNN7EXAMPLE;", "AKIA" + "é" * 16,
    *(f"gh{c}_" + ALNUM for c in "pousrx"), "ghp_" + ALNUM[:35], "xghp_" + ALNUM, "ghp_" + ALNUM + "_",
    "ghp_" + "é" * 36, "github_pat_" + "a_b" * 8, "github_pat_" + "a" * 21, "GITHUB_PAT_" + "a" * 30,
    "glpat-" + "x-_" * 7, "glpat-" + "x" * 19, "GLPAT-" + "x" * 20, "_glpat-" + "x" * 20,
    *(f"xox{c}-" + "1234-abcd-5" for c in "baprsz"), "xoxb-123", "XOXB-1234567890",
    "eyJhbGciOiJI.eyJzdWIiOiIx.SflKxwRJSMeKKF2Q", "eyJhbGci.eyJzdWIiOiIx.SflKxwRJ", "eyJ.eyJ.x",
    "Bearer eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.abcdefgh_-", "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0",
    *(value for _, value, _ in SAMPLES), *(near_miss for _, _, near_miss in SAMPLES),
]
URL_VALUES = [
    "postgres://user:hunter2@db:5432/app", "postgres://user:${DB_PASS}@db/app", "postgres://user:$(P)@db",
    "https://example.com/path", "https://user@example.com", "redis://:s3cr3t@redis:6379", "http://u:****@h",
    "http://u:<password>@h", "http://u:{{ .Values.p }}@h", "s3://bucket/key", "file:///etc/x", "://x:y@z",
    "DATABASE_URL=mysql://root:root@mysql/db", "amqp://guest:guest@rabbit", "http://u:p@h http://v:true@i",
    "git+ssh://git:x@host/repo", "HTTP://U:P@H", "1http://u:p@h", "http://u:/p@h", "http://a:b:c@d",
    "https://u:30s@h", "https://u:~@h", "x" * 31 + "://u:p@h", "x" * 30 + "://u:p@h",
]
LITERAL_VALUES = [
    "", " ", "''", '""', "' x '", '"hunter2"', "$(VAR)", "${VAR}", "{{ .Values.x }}", "$(USER):$(PASS)",
    "$x", "{{", "}}", "${A}-${B}", "${A}x", "$(A B)", "true", "TRUE", "Yes", "off", "~", "nil", "NONE",
    "3600", "30s", "1.5h", "1234567", "12ms", "123456", "1.5", "1.", "٣٦٠٠", "/run/secrets/db", "./x",
    "../x", "~/x", "~x", "file://x", "file:x", "****", "*", "* *", "<your-key>", "<a\nb>", "<>", "<<x>>",
    "INSERT_KEY", "REPLACE_ME", "YOUR_TOKEN", "YOURS", "YOUR_", "Your_key", "changeme", "hunter2", "f",
    ".", "/", "I", "Y_", "R", "<", "DB_PASSWORD_VAL", "MY_DB_PASSWORD", "db_password_val", "PASSWORD",
    "Pa55w0rd!", "pässwörd", "\tsecret\n", "line one\nline two", "x" * 300,
]
FRAGMENTS = ["pass", "PASS", "word", "wd", "pw", "Pwd", "secret", "Secret", "token", "Tokenizer", "is",
             "api", "key", "Key", "private", "ssh", "client", "credential", "s", "_", "-", ".", "db", "DB",
             "name", "Name", "file", "FILE", "url", "Url", "existing", "use", "create", "ref", "Ref", "\u017f",
             "\u212a", "x", "by", "com", "phrase", "master", "auth", "keys", "selector", "generate", " "]


def names(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    fixed = ["DB_PASSWORD", "password", "passwd", "PASSWORD_FILE", "secretName", "SECRET_NAME", "token",
             "tokenizer", "TOKENIS", "api_key", "apikey", "API.KEY", "ssh-key", "bypass", "compass", "pass",
             "my.pw", "pw_", "_pwd", "pa\u017f\u017fword", "KEY", "existingSecret", "useToken", "createSecret",
             "passwordKey", "tokenSecretRef", "GOOGLE_API_KEY", "LOG_LEVEL", "", "x" * 300 + "password"]
    words = [*FRAGMENTS, *_IGNORED_SUFFIXES, *(s.capitalize() for s in _IGNORED_SUFFIXES),
             *(s.upper() for s in _IGNORED_SUFFIXES)]
    generated = ["".join(rng.choice(words) for _ in range(rng.randint(1, 4))) for _ in range(count)]
    return fixed + generated


def values(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pieces = [*FORMAT_VALUES, *URL_VALUES, *LITERAL_VALUES, ":", "@", "://", "\n", " ", "$", "{{", "=", "é"]
    fixed = FORMAT_VALUES + URL_VALUES + LITERAL_VALUES
    return fixed + ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 3))) for _ in range(count)]


NAMES = names(3000, 15)
VALUES = values(3000, 15)


def test_credential_formats_and_literals_are_judged_as_before():
    for value in VALUES:
        assert credential_format(value) == old_credential_format(value), repr(value)
        assert is_literal(value) == old_is_literal(value), repr(value)
    pairs = [*itertools.product(NAMES[:40], VALUES[:200]), *zip(NAMES, VALUES, strict=False),
             ("DB_PASSWORD", "DB_PASSWORD_VAL"), ("key", "MY_KEY"), ("db", "DB")]
    for name, value in pairs:
        assert is_named_literal(name, value) == old_is_named_literal(name, value), (name, value)


@pytest.mark.parametrize(("check_class", "params", "default_ignore"), [
    (SecretNameCheck, {}, DEFAULT_IGNORE_NAME_PATTERN),
    (HelmValuesSecretCheck, {}, DEFAULT_VALUES_IGNORE_NAME_PATTERN),
    (SecretNameCheck, {"name_pattern": "db|pass(word)?", "ignore_name_pattern": ""}, ""),
    (SecretNameCheck, {"name_pattern": "PW$", "ignore_name_pattern": "^x"}, ""),
])
def test_name_verdicts_are_those_of_the_patterns_asked_every_time(check_class, params, default_ignore):
    check, old = check_class(params), old_looks_secret(params, default_ignore)
    for name in NAMES + NAMES:  # the second time from what the check remembers
        assert check.looks_secret(name) == old(name), name
    assert len(check._verdicts) <= 4096


def test_what_a_check_remembers_stays_bounded_and_long_names_are_not_kept():
    check = SecretNameCheck()
    for index in range(10_000):
        check.looks_secret(f"name{index}")
    check.looks_secret("password" * 100)
    assert 0 < len(check._verdicts) <= 4096 and "password" * 100 not in check._verdicts
    assert check.looks_secret("password" * 100) and not check.looks_secret("name9999")


def test_a_text_without_the_default_patterns_words_holds_no_credential_like_ascii_name():
    check, custom = SecretNameCheck(), SecretNameCheck({"name_pattern": "zz"})
    name_re = re.compile(DEFAULT_NAME_PATTERN, re.IGNORECASE)
    for name in NAMES:
        if name.isascii() and name_re.search(name):
            assert check.may_name_secret(f"a: b\n  {name} = x\n"), name
            assert any(word in name.lower() for word in NAME_WORDS), name
    for word in NAME_WORDS:
        assert check.may_name_secret(word.upper())
    assert not check.may_name_secret("server:\n  port: 8080\n") and custom.may_name_secret("zz")


def embedded_files(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    shapes = ["{n}: {v}", "{n} = {v}", '"{n}": "{v}",', "export {n}={v}", "  {n}:", "{n}: |", "# {n}: {v}",
              "'{n}' : {v}", "{n}:{v}", "{v}"]
    ascii_names = [n for n in NAMES if n.isascii() and n][:500]
    files = []
    for _ in range(count):
        lines = [rng.choice(shapes).format(n=rng.choice(ascii_names), v=rng.choice(VALUES).split("\n")[0])
                 for _ in range(rng.randint(1, 6))]
        files.append(rng.choice(["\n", "\r\n", "\n\n"]).join(lines))
    return files


@pytest.mark.parametrize("params", [{}, {"name_pattern": "db|token", "ignore_name_pattern": "name$"}])
def test_config_map_values_are_judged_as_before(params):
    check, old = PlaintextSecret(params), old_looks_secret(params, DEFAULT_IGNORE_NAME_PATTERN)
    cases = [*zip(NAMES, VALUES, strict=False),
             *zip(itertools.cycle(NAMES[:50]), embedded_files(1500, 15), strict=False)]
    for key, value in cases:
        for binary in (False, True):
            shown = base64.b64encode(value.encode()).decode() if binary else value
            assert check._config_value_reason(key, shown, binary) == \
                old_config_value_reason(old, key, shown, binary), (key, value, binary)


def _resource(kind: str, body: dict) -> Resource:
    return Resource(api_version="v1", kind=kind, namespace=None, name="x", body=body, source=Source(path="x.yaml"))


def test_containers_are_judged_as_before():
    check, old = PlaintextSecret(), old_looks_secret({}, DEFAULT_IGNORE_NAME_PATTERN)
    env = [{"name": name, "value": value} for name, value in zip(NAMES, VALUES, strict=False)]
    env += [{"name": "A", "valueFrom": {}}, {"name": 3, "value": "x"}, "x", {"name": "TOKEN", "value": 7}]
    container = {"name": "app", "env": env}
    subject = Subject(_resource("Deployment", {}), "/spec/template/spec/containers/0", container)
    got = [(v.pointer, v.message) for v in check.check(subject, None)]
    expected = []
    for index, item in enumerate(env):
        name, value = (item.get("name"), item.get("value")) if isinstance(item, dict) else (None, None)
        if not isinstance(name, str) or not isinstance(value, str) or not value.strip():
            continue
        what = old_credential_format(value)
        if what:
            expected.append((f"{subject.pointer}/env/{index}/value", f"container 'app' sets environment variable "
                             f"'{name}' to what looks like {what}; take it from a Secret with "
                             "valueFrom.secretKeyRef"))
        elif old(name) and old_is_named_literal(name, value):
            expected.append((f"{subject.pointer}/env/{index}/value", f"container 'app' sets environment variable "
                             f"'{name}' to a literal value, and its name says it is a credential; take it from "
                             "a Secret with valueFrom.secretKeyRef"))
    assert got == expected and got


def helm_values(seed: int) -> dict:
    rng = random.Random(seed)
    leaves = [*VALUES[:400], 12345678, 3.5, True, None, 0]

    def build(depth: int):
        if depth > 3 or rng.random() < 0.3:
            return rng.choice(leaves)
        if rng.random() < 0.3:
            return [build(depth + 1) for _ in range(rng.randint(0, 3))]
        node = {rng.choice(NAMES[:400]): build(depth + 1) for _ in range(rng.randint(0, 5))}
        if rng.random() < 0.3:
            node.update(name=rng.choice(NAMES[:400]), value=rng.choice(VALUES[:400]))
        return node
    return {f"k{index}": build(0) for index in range(300)}


def test_helm_values_are_judged_as_before():
    check = HelmValuesSecretCheck()
    document = helm_values(15)
    got = [(v.pointer, v.message) for v in check.check(Subject(_resource("Values", {}), "", document), None)]
    expected = list(old_helm_walk(old_looks_secret({}, DEFAULT_VALUES_IGNORE_NAME_PATTERN), document))
    assert [pointer for pointer, _ in got] == [pointer for pointer, _ in expected] and got
    assert all(message.startswith(start) for (_, message), (_, start) in zip(got, expected, strict=True))
