"""What a person at a terminal (or reading a CI log) sees: colour, progress, the per-rule summary, schema
messages that name the field, distinct fingerprints, suggestions for misspelt names, the quoting hint.

Behaviour that depends on a terminal is tested on a real pseudo-terminal (the ``pty`` module), through the
real console entry point in a subprocess.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from builders import deployment
from conftest import run_lintops, write

ESC = "\x1b["
DEPLOYMENT = deployment("web", image="nginx:latest")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without the variables that decide colour and the GitHub default format."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS")}
    return {**env, **extra}


def run_on_terminal(args: list[str], cwd: Path, *, stdout_tty: bool = False, stderr_tty: bool = False,
                    env: dict[str, str] | None = None) -> tuple[int, bytes, bytes]:
    """Run lintops with standard output and/or standard error on a pseudo-terminal (the other a pipe);
    returns (exit code, stdout bytes, stderr bytes), whatever reached the terminal included."""
    ptys = {name: pty.openpty() for name, wanted in (("out", stdout_tty), ("err", stderr_tty)) if wanted}
    process = subprocess.Popen([sys.executable, "-m", "lintops", *args], cwd=cwd, env=env or clean_env(),
                               stdin=subprocess.DEVNULL,
                               stdout=ptys["out"][1] if "out" in ptys else subprocess.PIPE,
                               stderr=ptys["err"][1] if "err" in ptys else subprocess.PIPE)
    for _, follower in ptys.values():
        os.close(follower)
    readers = {ptys[name][0]: name for name in ptys}
    if process.stdout is not None:
        readers[process.stdout.fileno()] = "out"
    if process.stderr is not None:
        readers[process.stderr.fileno()] = "err"
    received: dict[str, bytearray] = {"out": bytearray(), "err": bytearray()}
    while readers:
        ready, _, _ = select.select(list(readers), [], [], 120)
        assert ready, "lintops did not finish"
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the terminal's last writer has gone
                data = b""
            if data:
                received[readers[fd]].extend(data)
            else:
                del readers[fd]
    code = process.wait(timeout=120)
    for leader, _ in ptys.values():
        os.close(leader)
    # a terminal turns \n into \r\n: give back what the program wrote
    return code, bytes(received["out"]).replace(b"\r\n", b"\n"), bytes(received["err"]).replace(b"\r\n", b"\n")


# -- 1. colour -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("flag", "env", "tty", "coloured"), [
    ((), {}, True, True),                                       # auto: a terminal
    ((), {}, False, False),                                     # auto: a pipe
    ((), {"NO_COLOR": "1"}, True, False),                       # NO_COLOR, any non-empty value
    ((), {"NO_COLOR": ""}, True, True),                         # ... an empty one is not set
    ((), {"FORCE_COLOR": "1"}, False, True),                    # FORCE_COLOR off a terminal (a CI log)
    ((), {"FORCE_COLOR": "0"}, False, False),                   # ... "0" is not forcing
    ((), {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, False),  # NO_COLOR wins in auto
    (("--color", "always"), {}, False, True),                   # explicit wins over everything
    (("--color", "always"), {"NO_COLOR": "1"}, False, True),
    (("--color", "never"), {"FORCE_COLOR": "1"}, True, False),
])
def test_color_follows_the_flag_then_no_color_then_force_color_then_the_terminal(tmp_path, flag, env, tty, coloured):
    write(tmp_path / "web.yaml", DEPLOYMENT)
    code, out, err = run_on_terminal(["check", "web.yaml", "-q", *flag], tmp_path, stdout_tty=tty,
                                     env=clean_env(**env))
    assert code == 1, err
    assert (ESC.encode() in out) is coloured, out[:300]
    assert b"web.yaml:" in out


def test_report_files_are_never_coloured(tmp_path):
    write(tmp_path / "web.yaml", DEPLOYMENT)
    result = run_lintops("check", "web.yaml", "--color", "always", "--report", "text=out.txt", cwd=tmp_path,
                         env=clean_env())
    assert ESC in result.stdout
    assert ESC not in (tmp_path / "out.txt").read_text()


def test_diff_takes_the_same_color_option(tmp_path):
    git_env = clean_env(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
                        GIT_COMMITTER_EMAIL="t@example.com", GIT_CONFIG_GLOBAL="/dev/null")

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True, env=git_env)

    write(tmp_path / "web.yaml", deployment("web", image="nginx:1.25.3"))
    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    write(tmp_path / "web.yaml", DEPLOYMENT)
    coloured = run_lintops("diff", "--base", "main", "--color", "always", cwd=tmp_path, env=git_env)
    plain = run_lintops("diff", "--base", "main", cwd=tmp_path, env=git_env)
    forced = run_lintops("diff", "--base", "main", cwd=tmp_path, env={**git_env, "FORCE_COLOR": "1"})
    assert coloured.returncode == plain.returncode == 1, coloured.stderr
    assert ESC in coloured.stdout and ESC in forced.stdout and ESC not in plain.stdout
    assert "pinned-image-tag" in plain.stdout
    never = run_on_terminal(["diff", "--base", "main", "--color", "never"], tmp_path, stdout_tty=True, env=git_env)
    assert ESC.encode() not in never[1] and b"pinned-image-tag" in never[1]


# -- 2. progress with worker processes ----------------------------------------------------------------------


def test_progress_counts_reports_from_worker_processes_on_stderr_only(tmp_path):
    from lintops.parallel import MIN_FILES

    count = 400
    assert count >= MIN_FILES  # a run large enough to go to worker processes
    for index in range(count):
        write(tmp_path / "apps" / f"app{index:03}.yaml",
              "---\n".join(deployment(f"web{index}-{n}", image="nginx:1.25.3") for n in range(3)))
    args = ["check", "apps", "-j", "2", "--color", "never"]
    code, out, err = run_on_terminal(args, tmp_path, stderr_tty=True)
    assert code in (0, 1), err
    text = err.decode()
    lines = [piece for piece in text.split("\r") if piece.strip()]
    assert lines, "no progress line on the terminal"
    assert all(line.startswith("[") and f"/{count} " in line for line in lines), lines[:3]
    done = [int(line.split("]")[1].split("/")[0]) for line in lines]
    assert done == sorted(done) and 0 < done[-1] <= count
    assert text.endswith("\r" + " " * 100 + "\r")  # erased at the end
    assert "\n" not in text
    # standard output is exactly what a run without a terminal writes
    piped = run_lintops(*args, cwd=tmp_path, env=clean_env())
    assert out.decode() == piped.stdout and piped.stderr == ""
    assert "apps/app000.yaml" in piped.stdout and "\r" not in piped.stdout


def test_quiet_silences_progress_and_progress_forces_it_off_a_terminal(tmp_path):
    for index in range(3):
        write(tmp_path / f"a{index}.yaml", DEPLOYMENT)
    _, _, err = run_on_terminal(["check", ".", "-q"], tmp_path, stderr_tty=True)
    assert err == b""
    forced = run_lintops("check", ".", "--progress", cwd=tmp_path, env=clean_env())
    assert forced.stderr == ""  # a run this short never draws it (half a second first)


def test_progress_line_escapes_paths_and_is_cleared_before_findings():
    import io

    from lintops.progress import reports_with_progress
    from lintops.run_context import FileReport

    class Item:
        def __init__(self, display: str) -> None:
            self.display = display

    stream = io.StringIO()
    items = [Item("chart"), Item("evil\x1b[2K.yaml")]
    reports = [FileReport("chart/values.yaml", [], 0), FileReport("evil\x1b[2K.yaml", ["finding"], 0)]
    seen = []
    for report in reports_with_progress(items, lambda _: iter(reports), shares_terminal=True, stream=stream,
                                        delay=0):
        seen.append((report.path, stream.getvalue()))
    assert [path for path, _ in seen] == ["chart/values.yaml", "evil\x1b[2K.yaml"]
    assert "1/2 chart/values.yaml" in seen[1][1]  # a file of a chart marks the chart done
    assert seen[1][1].endswith("\r" + " " * 100 + "\r")  # erased before the findings are written
    assert "\x1b" not in stream.getvalue()


# -- 3. counts per rule -------------------------------------------------------------------------------------


def test_the_summary_counts_findings_per_rule_largest_first(tmp_path):
    write(tmp_path / "a.yaml", DEPLOYMENT)
    write(tmp_path / "b.yaml", deployment("api", image="nginx:latest"))
    write(tmp_path / "c.yaml", 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: 1}\n')
    write(tmp_path / ".lintops.yaml", "exemptions:\n  - {rule: liveness-probe, path: b.yaml, reason: batch job}\n")
    result = run_lintops("check", ".", cwd=tmp_path, env=clean_env())
    lines = result.stdout.rstrip("\n").splitlines()
    assert "3 objects checked" in lines[-1]  # the closing line stays the last
    by_rule = next(line for line in lines if line.startswith("by rule: "))
    counts = [item.split(" ", 1) for item in by_rule.removeprefix("by rule: ").split(", ")]
    assert ["2", "pinned-image-tag"] in counts and ["1", "schema"] in counts and ["1", "liveness-probe"] in counts
    assert [int(n) for n, _ in counts] == sorted((int(n) for n, _ in counts), reverse=True)
    assert "suppressed by rule: 1 liveness-probe" in lines
    findings = json.loads(run_lintops("check", ".", "-f", "json", cwd=tmp_path, env=clean_env()).stdout)
    assert sum(int(n) for n, _ in counts) == findings["summary"]["errors"] + findings["summary"]["warnings"] + \
        findings["summary"]["info"]


def test_no_rule_counts_for_findings_of_one_rule():
    from collections import Counter

    from lintops.reporters.text import rule_counts_lines

    assert rule_counts_lines(Counter({"schema": 3}), Counter()) == []
    assert rule_counts_lines(Counter({"b": 2, "a": 2, "c": 5}), Counter()) == ["by rule: 5 c, 2 a, 2 b"]


# -- 4. schema messages name the field ----------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["jsonschema-rs", "jsonschema"])
def test_schema_messages_name_the_field_path_with_either_backend(tmp_path, backend):
    text = deployment("web", image="nginx:1.25.3").replace("image: nginx:1.25.3", "image: true")
    text = text.replace("metadata: {name: web}", 'metadata: {name: web, labels: {"app.kubernetes.io/name": 1}}')
    assert "app.kubernetes.io/name" in text and "image: true" in text
    write(tmp_path / "web.yaml", text)
    result = run_lintops("check", "web.yaml", "-f", "json", "--schema-backend", backend, cwd=tmp_path,
                         env=clean_env())
    messages = {f["pointer"]: f["message"] for f in json.loads(result.stdout)["findings"] if f["rule"] == "schema"}
    assert messages["/spec/template/spec/containers/0/image"] == \
        "spec.template.spec.containers[0].image: expected string, got boolean"
    assert messages["/metadata/labels/app.kubernetes.io~1name"] == \
        'metadata.labels["app.kubernetes.io/name"]: expected string, got integer'


def test_field_path_tells_a_list_index_from_a_key_named_like_one():
    from lintops.schema.kube.validate import field_path

    body = {"data": {"0": 1}, "spec": {"ports": [{"port": "x"}]}}
    assert field_path("/data/0", body) == 'data["0"]'
    assert field_path("/spec/ports/0/port", body) == "spec.ports[0].port"


# -- 5. distinct fingerprints -------------------------------------------------------------------------------

TWO_TABS = "a:\n\tb: 1\n---\nc:\n\td: 1\n"


def _fingerprints(root: Path, name: str, fmt: str) -> list[str]:
    result = run_lintops("check", name, "-f", fmt, cwd=root, env=clean_env())
    data = json.loads(result.stdout)
    if fmt == "codequality":
        return [issue["fingerprint"] for issue in data]
    return [r["partialFingerprints"]["lintopsFingerprint/v1"] for r in data["runs"][0]["results"]]


def test_identical_syntax_errors_at_two_places_have_distinct_fingerprints_stable_across_edits(tmp_path):
    write(tmp_path / "two.yaml", TWO_TABS)
    codequality = _fingerprints(tmp_path, "two.yaml", "codequality")
    assert len(codequality) == len(set(codequality)) == 2
    sarif = _fingerprints(tmp_path, "two.yaml", "sarif")
    assert len(set(sarif)) == 2
    # an unrelated edit above moves both without renaming either
    write(tmp_path / "two.yaml", "# a comment\n\n" + TWO_TABS)
    assert _fingerprints(tmp_path, "two.yaml", "codequality") == codequality


DUPLICATE_KEYS = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  x: '1'\n  x: '2'\n  y: '1'\n  y: '2'\n"


def test_findings_told_apart_by_a_message_naming_a_line_keep_their_fingerprints_when_lines_move(tmp_path):
    write(tmp_path / "dup.yaml", DUPLICATE_KEYS)
    before = _fingerprints(tmp_path, "dup.yaml", "codequality")
    write(tmp_path / "dup.yaml", "# moved down\n" + DUPLICATE_KEYS)
    assert _fingerprints(tmp_path, "dup.yaml", "codequality") == before and len(set(before)) == 2


@pytest.mark.parametrize(("name", "text"), [("two.yaml", TWO_TABS), ("dup.yaml", DUPLICATE_KEYS)])
def test_a_baseline_of_the_older_recipe_still_suppresses_what_it_recorded(tmp_path, name, text):
    write(tmp_path / name, text)
    older = _older_fingerprints(tmp_path, name)
    if name == "two.yaml":
        assert older[0] == older[1]  # the older recipe gave both identical errors one fingerprint
    else:  # ... and hashed the line a message names: neither is today's fingerprint
        assert set(older).isdisjoint(_fingerprints(tmp_path, name, "codequality"))
    entries = [{"fingerprint": value, "rule": "x", "path": name, "message": ""} for value in dict.fromkeys(older)]
    (tmp_path / "old.json").write_text(json.dumps({"version": 1, "findings": entries}))
    old = run_lintops("check", name, "--baseline", "old.json", "-f", "json", cwd=tmp_path, env=clean_env())
    assert old.returncode == 0, old.stdout
    report = json.loads(old.stdout)
    assert len(report["findings"]) == 2 and all(f["suppressed"] for f in report["findings"])
    assert not [f for f in report["findings"] if f["rule"] == "baseline-stale"]


def test_a_new_baseline_records_each_occurrence_and_a_further_one_is_new(tmp_path):
    write(tmp_path / "two.yaml", TWO_TABS)
    assert run_lintops("baseline", "two.yaml", cwd=tmp_path, env=clean_env()).returncode == 0
    recorded = json.loads((tmp_path / ".lintops-baseline.json").read_text())["findings"]
    assert len({entry["fingerprint"] for entry in recorded}) == 2
    checked = run_lintops("check", "two.yaml", "--baseline", ".lintops-baseline.json", cwd=tmp_path, env=clean_env())
    assert checked.returncode == 0, checked.stdout
    write(tmp_path / "two.yaml", TWO_TABS + "---\ne:\n\tf: 1\n")
    third = run_lintops("check", "two.yaml", "--baseline", ".lintops-baseline.json", cwd=tmp_path, env=clean_env())
    assert third.returncode == 1 and "two.yaml:8:1: error [yaml-syntax]" in third.stdout, third.stdout


def _older_fingerprints(root: Path, name: str) -> list[str]:
    """The fingerprints the recipe of before occurrences were counted gave the findings of ``name``."""
    from lintops.fingerprint import baseline_keys
    from lintops.runner import Settings, prepare

    cwd = Path.cwd()
    os.chdir(root)
    try:
        run = prepare(Settings(paths=(name,)))
        engine = run.engine()
        findings = [f for report in engine.lint(run.discover((name,))) for f in report.findings]
    finally:
        os.chdir(cwd)
    assert len(findings) == 2
    return [older for _, _, older in baseline_keys(findings)]


# -- 6. suggestions -----------------------------------------------------------------------------------------


def test_a_misspelt_command_is_a_usage_error_with_a_suggestion(tmp_path):
    write(tmp_path / "deploy" / "web.yaml", DEPLOYMENT)
    result = run_lintops("chek", "deploy/", cwd=tmp_path, env=clean_env())
    assert result.returncode == 2 and result.stdout == ""
    assert "unknown command 'chek'; did you mean 'check'?" in result.stderr
    # an existing path of that name is linted, and a word close to no command is taken for a path
    write(tmp_path / "chek", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    assert run_lintops("chek", cwd=tmp_path, env=clean_env()).returncode == 0
    for word in ("zzzzzz", "rules.yaml", "rulez/"):
        far = run_lintops(word, cwd=tmp_path, env=clean_env())
        assert far.returncode == 2 and "did you mean" not in far.stderr and "no such file" in far.stderr


@pytest.mark.parametrize("args", [("--disable", "liveness-prob"), ("--enable", "livenes-probe")])
def test_a_misspelt_rule_in_a_flag_gets_a_suggestion(tmp_path, args):
    write(tmp_path / "web.yaml", DEPLOYMENT)
    result = run_lintops("check", "web.yaml", *args, cwd=tmp_path, env=clean_env())
    assert result.returncode == 2
    assert f"unknown rule '{args[1]}'; did you mean 'liveness-probe'?" in result.stderr


def test_a_misspelt_rule_in_the_configuration_gets_a_suggestion_at_its_key(tmp_path):
    write(tmp_path / "web.yaml", DEPLOYMENT)
    write(tmp_path / ".lintops.yaml", "strict: true\nrules:\n  readiness-prob: {enabled: false}\n")
    result = run_lintops("check", "web.yaml", cwd=tmp_path, env=clean_env())
    assert result.returncode == 2
    assert ".lintops.yaml:3:3: unknown rule 'readiness-prob'; did you mean 'readiness-probe'?" in result.stderr
    (tmp_path / ".lintops.yaml").unlink()
    explain = run_lintops("explain", "pinned-tag", cwd=tmp_path, env=clean_env())
    assert explain.returncode == 2 and "did you mean 'pinned-image-tag'?" in explain.stderr


# -- 7. unquoted versions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("config", "where", "message"), [
    ("kubernetes_version: 1.18\n", ":1:1: ", 'kubernetes_version: unquoted, 1.18 is a number, not a version; '
                                             'write it in quotes: kubernetes_version: "1.18"'),
    ("strict: true\nkubernetes_version: 1.20 # the cluster\n", ":2:1: ",
     'unquoted, 1.20 is a number (YAML reads it as 1.2), not a version; write it in quotes: kubernetes_version: '
     '"1.20"'),
    ('environment_versions:\n  production: 1.30\n', ":2:3: ", 'write it in quotes: production: "1.30"'),
    ('environment_versions:\n  production: ["1.29", 1.30]\n', ":2:24: ",
     'environment_versions.production[1]: unquoted, 1.30 is a number (YAML reads it as 1.3)'),
])
def test_an_unquoted_version_says_to_quote_it_at_its_place(tmp_path, config, where, message):
    write(tmp_path / "web.yaml", DEPLOYMENT)
    write(tmp_path / ".lintops.yaml", config)
    result = run_lintops("check", "web.yaml", cwd=tmp_path, env=clean_env())
    assert result.returncode == 2 and result.stdout == ""
    assert f".lintops.yaml{where}" in result.stderr and message in result.stderr, result.stderr
