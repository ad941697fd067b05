"""Fuzz: mutated real manifests never take lintops down.

The seeds are the YAML and JSON files of ``examples/`` and ``tests/fixtures/`` (real manifests, values
files, Applications, kustomizations). Each example mutates one seed a few times, at the byte level
(lines deleted, duplicated or swapped, bytes inserted: control characters, invalid UTF-8, document
markers, anchors) and at the structure level (explicit core tags, odd scalars, huge numbers, deep
nesting, aliases, a known field given another type), then lints it with every built-in rule, as
``lintops check`` does, and renders every report format.

The properties are the project's promise for hostile input: no internal error (exit 3 is reserved
for lintops' own bugs), every finding at a real place of the file, and a JSON report that parses.
Loading a mutated ``.lintops.yaml``, rule file or baseline is a clear configuration error or works.

The budget is fixed and the search derandomised, so CI is bounded and reproducible; raise it with
``LINTOPS_FUZZ_EXAMPLES=5000 python -m pytest tests/test_fuzz.py`` to search longer.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
import yaml

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from lintops.baseline import BaselineError  # noqa: E402
from lintops.config.settings import ConfigError  # noqa: E402
from lintops.plugins import PluginError, load_class  # noqa: E402
from lintops.reporters import BUILTIN_REPORTERS, RunInfo  # noqa: E402
from lintops.rules import RuleError  # noqa: E402
from lintops.runner import Settings, VersionError, prepare  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SEED_ROOTS = (REPO / "examples", REPO / "tests" / "fixtures")
#: Examples of the manifest test (the configuration test runs half as many): about 15 s together on
#: two cores, so the suite stays bounded in CI.
EXAMPLES = int(os.environ.get("LINTOPS_FUZZ_EXAMPLES", "200"))

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same inputs on every run: a CI failure reproduces locally
    database=None,
    deadline=timedelta(seconds=10),  # far above the ~50 ms an example takes: only a runaway trips it
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)


@cache
def seeds() -> list[tuple[str, bytes]]:
    found = []
    for root in SEED_ROOTS:
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink() and path.suffix in (".yaml", ".yml", ".json"):
                found.append((path.name, path.read_bytes()))
    assert len(found) > 50, "the seeds are the repository's own manifests"
    return found


# -- mutations ----------------------------------------------------------------------------------------

TAGS = ["!!int", "!!float", "!!bool", "!!null", "!!str", "!!binary", "!!timestamp", "!!map", "!!seq", "!!set",
        "!!omap", "!!pairs", "!!merge", "!!value", "!!python/object", "!custom", "!", "!<tag:x>"]
ODD_SCALARS = [
    "~", '""', "''", ".nan", "-.inf", ".inf", "0x_", "0b", "0o", "1e400", "-0", "0777", "1_000", "1:20:30",
    "9" * 5000, "-" + "9" * 4301, "0x" + "f" * 4000, "0b" + "1" * 20000, "99999999999999999999", "-1", "1.5",
    "2001-13-45", "2001-12-14t21:59:43.10-05:00", "yes", "Off", "y", "n", "null", "true", "[]", "{}", "[[]]",
    "{a: [b, {c: d}]}", '"\\e[2K\\rall good"', '"\\0"', '"\\u202e"', '"https://[git.example/repo.git"',
    '"http://[::1"', '"git@host:org/repo"', '"a\\u0000b"', '"%zz"', "'{{ .Values.x }}'", "'*'", "'?'",
    "'(a+)+$'", "'" + "a" * 10000 + "'", "|\n  text", ">-\n  folded", "&anchor x", "*alias", "? complex",
]
BYTE_PIECES = [
    b"\x00", b"\xff", b"\xfe\xff", b"\xc3", b"\xed\xa0\x80", b"\x1b[2K\r", b"\r", b"\t", b"\x85", b"\xe2\x80\xa8",
    b"\x0b", b"\x7f", b"{{", b"}}", b"- ", b": ", b"---\n", b"--- !x\n", b"...\n", b"&a ", b"*a", b"*undefined",
    b"<<: *a\n", b"<<: [1]\n", b"? ", b"!", b"%YAML 1.1\n", b"%TAG ! tag:x,2000:\n", b"'", b'"', b"#", b"|",
    b">", b"[", b"{", b"\n  - ", b"\xef\xbb\xbf",
]
DEPTHS = [20, 300, 999, 1001, 3000]
KNOWN_FIELDS = ["apiVersion", "kind", "metadata", "name", "namespace", "labels", "annotations", "spec", "template",
                "containers", "image", "env", "ports", "resources", "limits", "replicas", "selector", "matchLabels",
                "data", "stringData", "items", "source", "sources", "repoURL", "path", "syncPolicy", "automated",
                "selfHeal", "destination", "generators", "elements", "securityContext", "volumes", "hostPath",
                "tag", "repository", "valueFiles", "helm", "values", "patches", "resources", "jobTemplate"]
ODD_VALUES = [None, True, 0, -1, 1.5, float("inf"), float("nan"), 10**30, 10**4000, -(2**64), "", "x", "latest",
              "\x1b[2Kall good\r\n", "https://[git.example/repo.git", "a" * 5000, [], {}, [None], [1, "a", {}],
              {"a": {"b": [1, 2]}}, {"": None}, {"1": 2}, [[[]]]]


def nested(depth: int, flow_map: bool) -> str:
    return "{a: " * depth + "1" + "}" * depth if flow_map else "[" * depth + "]" * depth


def nested_data(depth: int) -> object:
    value: object = "leaf"
    for _ in range(depth):
        value = [value]
    return value


def _value_start(line: bytes) -> int | None:
    """Where the value of ``key: value`` or ``- value`` begins on a line, if it has one."""
    colon = line.find(b": ")
    if colon >= 0:
        return colon + 2
    dash = line.lstrip().startswith(b"- ")
    return len(line) - len(line.lstrip()) + 2 if dash else None


def _apply(raw: bytes, mutation: tuple[str, int, int, int]) -> bytes:
    """The seed with one mutation: of its bytes, of its lines, of one value written on a line, or of its data."""
    kind, a, b, c = mutation
    if kind in ("truncate", "insert-bytes", "flip-byte"):
        return _mutate_bytes(raw, kind, a, c)
    if kind == "data":
        return _mutate_data(raw, a, b, c)
    lines = raw.split(b"\n")
    i, j = a % len(lines), b % len(lines)
    if kind == "delete-line":
        del lines[i]
    elif kind == "duplicate-line":
        lines.insert(i, lines[i])
    elif kind == "swap-lines":
        lines[i], lines[j] = lines[j], lines[i]
    elif kind in ("tag", "odd-scalar", "deep-nesting", "alias"):
        if _value_start(lines[i]) is None:
            return raw
        _mutate_value(lines, kind, i, j, b, c)
    elif kind == "field-type":
        _mutate_field_type(lines, a, b, c)
    return b"\n".join(lines)


def _mutate_bytes(raw: bytes, kind: str, a: int, c: int) -> bytes:
    """Cut the file short, insert a hostile byte sequence, or flip one bit."""
    if kind == "truncate":
        return raw[: a % (len(raw) + 1)]
    if kind == "insert-bytes":
        at = a % (len(raw) + 1)
        return raw[:at] + BYTE_PIECES[c % len(BYTE_PIECES)] + raw[at:]
    if not raw:
        return raw
    at = a % len(raw)
    return raw[:at] + bytes([raw[at] ^ (1 << (c % 8))]) + raw[at + 1:]


def _mutate_value(lines: list[bytes], kind: str, i: int, j: int, b: int, c: int) -> None:
    """Give the value on line ``i`` a tag, an odd scalar, deep nesting, or an anchor aliased at line ``j``."""
    start = _value_start(lines[i])
    assert start is not None
    if kind == "tag":
        lines[i] = lines[i][:start] + TAGS[c % len(TAGS)].encode() + b" " + lines[i][start:]
    elif kind == "odd-scalar":
        lines[i] = lines[i][:start] + ODD_SCALARS[c % len(ODD_SCALARS)].encode()
    elif kind == "deep-nesting":
        lines[i] = lines[i][:start] + nested(DEPTHS[c % len(DEPTHS)], bool(b % 2)).encode()
    else:  # an anchor here, its alias at another value
        lines[i] = lines[i][:start] + b"&fz " + lines[i][start:]
        other = _value_start(lines[j])
        if other is not None and j != i:
            lines[j] = lines[j][:other] + b"*fz"


def _mutate_field_type(lines: list[bytes], a: int, b: int, c: int) -> None:
    """Write an odd scalar as the value of one of the fields the checks read."""
    key = KNOWN_FIELDS[c % len(KNOWN_FIELDS)].encode() + b":"
    hits = [n for n, line in enumerate(lines) if line.lstrip(b" -").startswith(key)]
    if hits:
        n = hits[a % len(hits)]
        start = lines[n].index(key) + len(key)
        lines[n] = lines[n][:start] + b" " + ODD_SCALARS[b % len(ODD_SCALARS)].encode()


def _mutate_data(raw: bytes, a: int, b: int, c: int) -> bytes:
    """Replace one node of the parsed documents (a field flipped to another type, a huge number, deep
    nesting) and write the documents again, so that the mutation reaches the checks, not the parser."""
    try:
        documents = list(yaml.safe_load_all(raw))
    except Exception:  # the seed is already broken by an earlier mutation: nothing to walk
        return raw
    places: list[tuple[object, object]] = []

    def walk(node: object, depth: int) -> None:
        if depth > 40:
            return
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in list(items):
            places.append((node, key))
            walk(value, depth + 1)

    for document in documents:
        walk(document, 0)
    if not places:
        return raw
    parent, key = places[a % len(places)]
    choice = b % (len(ODD_VALUES) + 3)
    if choice == len(ODD_VALUES) + 2:
        del parent[key]  # type: ignore[attr-defined]  # a required field gone
    elif choice == len(ODD_VALUES) + 1:
        old = parent[key]  # type: ignore[index]
        parent[key] = [old] if isinstance(old, dict) else {"x": old}  # type: ignore[index]  # wrapped in another type
    else:
        # a value of another type, a huge number, or lists as deep as the parser allows
        parent[key] = ODD_VALUES[choice] if choice < len(ODD_VALUES) else nested_data(DEPTHS[c % 3])  # type: ignore[index]
    try:
        return yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=bool(c % 2)).encode("utf-8", "replace")
    except Exception:  # a value safe_dump cannot write (recursion): keep the text as it was
        return raw


MUTATIONS = st.tuples(
    st.sampled_from(["delete-line", "duplicate-line", "swap-lines", "truncate", "insert-bytes", "flip-byte", "tag",
                     "odd-scalar", "deep-nesting", "alias", "field-type", "data", "data", "data"]),
    st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**6),
)


def mutate(seed: bytes, mutations: list[tuple[str, int, int, int]]) -> bytes:
    for mutation in mutations:
        seed = _apply(seed, mutation)
    return seed


# -- the properties ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """One prepared run (configuration, plugins, the rule catalog) for every example, from a directory whose
    own .lintops.yaml stops the search for a configuration above it."""
    home = tmp_path_factory.mktemp("fuzz")
    (home / ".lintops.yaml").write_text("strict: true\n")
    return home, prepare(Settings(paths=(str(home),), config_path=str(home / ".lintops.yaml"), jobs=1,
                                  base_dir=home))


def _file_name(name: str) -> str:
    # A Chart.yaml or kustomization.yaml alone would make a chart or an overlay to render: the fuzz
    # test is about the parse and check stages, so those are linted as plain files under another name.
    return f"fuzz-{name}" if name in ("Chart.yaml", "kustomization.yaml", "kustomization.yml") else name


def lint_bytes(prepared, name: str, raw: bytes) -> None:
    """Lint ``raw`` as the file ``name`` with every built-in rule and check the promises."""
    home, run = prepared
    with tempfile.TemporaryDirectory(dir=home) as directory:
        path = Path(directory) / _file_name(name)
        path.write_bytes(raw)
        engine = run.engine()
        reports = list(engine.lint(run.discover([directory])))
        assert not engine.internal_errors, engine.internal_errors
        lines = len(raw.decode("utf-8", "replace").splitlines()) + 1
        for report in reports:
            for finding in report.findings:
                where = finding.location
                assert where.path.endswith(path.name), where
                assert 1 <= where.line <= lines and where.column >= 1, (finding.rule_id, where, finding.message)
                assert isinstance(finding.message, str) and finding.message
        info = RunInfo("0", run.options.kubernetes_version, run.options.strict, verbose=True)
        for format_name, spec in BUILTIN_REPORTERS.items():
            stream = io.StringIO()
            reporter = load_class("reporter", format_name, spec)(stream, info)
            for report in reports:
                reporter.file_done(report)
            reporter.finish(engine.summary)
            if format_name == "json":
                document = json.loads(stream.getvalue())
                assert document["summary"]["findings"] == sum(len(r.findings) for r in reports)


SEED_INDEX = st.integers(0, 10**6)


@FUZZ_SETTINGS
@given(seed=SEED_INDEX, mutations=st.lists(MUTATIONS, min_size=1, max_size=4))
def test_mutated_manifests_never_crash(prepared, seed: int, mutations: list) -> None:
    name, raw = seeds()[seed % len(seeds())]
    lint_bytes(prepared, name, mutate(raw, mutations))


@cache
def _config_seeds() -> list[tuple[str, bytes]]:
    """Configuration, rule and baseline files as written in this repository."""
    found = [("config", (REPO / "examples" / ".lintops.yaml").read_bytes())] if (
        REPO / "examples" / ".lintops.yaml").is_file() else []
    found.append(("config", b"kubernetes_version: '1.18'\nstrict: true\nfail_on: error\nexclude: ['vendor/**']\n"
                            b"severity: {resource-limits: warning}\ndisable: [liveness-probe]\n"))
    found += [("rule", path.read_bytes()) for path in sorted((REPO / "rules").glob("*.yaml"))]
    found.append(("baseline", json.dumps({"version": 1, "findings": [
        {"fingerprint": "0f6c2d", "rule": "schema", "path": "a.yaml", "message": "unknown field 'x'"}]},
        indent=2).encode()))
    return found


@settings(FUZZ_SETTINGS, max_examples=max(1, EXAMPLES // 2))
@given(seed=SEED_INDEX, mutations=st.lists(MUTATIONS, min_size=1, max_size=3))
def test_mutated_configuration_rules_and_baselines_are_clear_errors(prepared, seed: int, mutations: list) -> None:
    """What ``lintops check`` does first (configuration, repository rules, baseline): a usage error that
    names the file (exit 2), or a run that can start; never an exception of another kind (exit 3)."""
    kind, raw = _config_seeds()[seed % len(_config_seeds())]
    home, _ = prepared
    with tempfile.TemporaryDirectory(dir=home) as directory:
        root = Path(directory)
        config = root / ".lintops.yaml"
        config.write_text("strict: true\n")
        path = {"config": config, "rule": root / ".lintops" / "rules" / "fuzz.yaml",
                "baseline": root / "baseline.json"}[kind]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(mutate(raw, mutations))
        settings = Settings(paths=(directory,), config_path=str(config), jobs=1, base_dir=root,
                            baseline=str(path) if kind == "baseline" else None)
        try:
            prepare(settings)
        except (ConfigError, RuleError, BaselineError) as exc:
            assert path.name in str(exc), exc
        except (PluginError, VersionError):
            pass  # a plugin that is not installed, a Kubernetes version that is not bundled: usage errors too
