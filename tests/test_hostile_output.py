"""Output under attack: secrets quoted by renderers, control characters from the tree, signals and full disks.

Everything here runs real components: ``kubectl kustomize`` and Helm render real trees, the CLI runs as a
real ``python -m lintops`` process, file names hold real line breaks, signals are real signals to a real
run with real worker processes, and a full disk is ``/dev/full`` or a real 64 KiB tmpfs.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ElementTree
from io import StringIO
from pathlib import Path

import pytest

from conftest import run_lintops, write
from lintops.escape import escape_controls
from lintops.redact import MASK, Redactor

SECRET = "hunter2secret"
FORMATS = ("text", "editor", "json", "junit", "sarif", "codequality", "github")
needs_kustomize = pytest.mark.skipif(not (shutil.which("kustomize") or shutil.which("kubectl")),
                                     reason="needs kustomize or kubectl on PATH")

PLAIN = """\
apiVersion: v1
kind: Pod
metadata:
  name: plain
spec:
  containers:
    - name: app
      image: nginx:latest
"""


def _all_reports(tmp_path: Path, target: str, stdout_format: str = "text") -> tuple[subprocess.CompletedProcess, dict]:
    """One run of ``check`` writing every built-in format (stdout and --report), and what each holds."""
    reports = tmp_path / "reports"
    args = ["check", target, "-f", stdout_format, "-q"]
    for name in FORMATS:
        args += ["--report", f"{name}={reports / name}"]
    result = run_lintops(*args, cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    texts = {name: (reports / name).read_text(encoding="utf-8") for name in FORMATS}
    texts["stdout"], texts["stderr"] = result.stdout, result.stderr
    return result, texts


# -- 7. secrets stay secret ----------------------------------------------------------------------------


def test_redactor_masks_every_form_of_a_literal_and_leaves_short_ones():
    redactor = Redactor([SECRET, "web"])
    redactor.add_values({"db": {"password": "line one of a key\nline two of a key", "port": 54321,
                                "enabled": True, "name": None}})
    assert redactor.redact(f"bad {SECRET}!") == f"bad {MASK}!"
    assert redactor.redact(f"x{SECRET}y") == f"x{MASK}y"  # glued to other text: still a secret
    assert redactor.redact("web/templates/a.yaml: True") == "web/templates/a.yaml: True"  # short, boolean
    assert redactor.redact("got line one of a key line two of a key") == f"got {MASK}"  # joined to one line
    assert redactor.redact('got "line one of a key\\nline two of a key"') == f'got "{MASK}"'  # %q / JSON
    assert redactor.redact("port 54321") == f"port {MASK}"
    assert redactor.redact("aHVudGVyMnNlY3JldA==") == MASK  # base64, as a Secret's data carries it
    overlapping = Redactor(["abcdefgh", "efghijkl"])
    assert overlapping.redact("--abcdefghijkl--") == f"--{MASK}--"  # no tail of either survives


@needs_kustomize
def test_a_secret_generator_literal_typed_with_a_colon_never_reaches_any_report_or_the_baseline(tmp_path):
    write(tmp_path / "overlay" / "kustomization.yaml",
          f'secretGenerator:\n  - name: db\n    literals: ["password:{SECRET}"]\n')
    write(tmp_path / "plain.yaml", PLAIN)
    (tmp_path / ".git").mkdir()
    result, texts = _all_reports(tmp_path, ".")
    assert result.returncode == 1, result.stderr
    for name, text in texts.items():
        assert SECRET not in text, name
    findings = json.loads(texts["json"])["findings"]
    failed = [f for f in findings if f["rule"] == "render-failed"]
    assert [(f["path"], f["line"], f["column"]) for f in failed] == [("overlay/kustomization.yaml", 1, 1)]
    assert f"invalid literal source {MASK}, expected key=value" in failed[0]["message"]
    assert any(f["path"] == "plain.yaml" and f["rule"] == "pinned-image-tag" for f in findings)  # still linted
    assert "overlay/kustomization.yaml:1:1: error [render-failed]" in texts["stdout"]
    for name in ("sarif", "codequality"):
        json.loads(texts[name])
    ElementTree.fromstring(texts["junit"])

    baseline = run_lintops("baseline", ".", "-o", "baseline.json", cwd=tmp_path)
    assert baseline.returncode == 0, baseline.stderr
    recorded = (tmp_path / "baseline.json").read_text()
    assert SECRET not in recorded and "render-failed" in recorded and SECRET not in baseline.stdout


@needs_kustomize
def test_generator_env_files_are_masked_even_when_kustomize_prints_them_as_bytes(tmp_path):
    from lintops.inputs.kustomize import render_kustomization

    root = tmp_path / "overlay"
    write(root / "kustomization.yaml", "secretGenerator:\n  - name: db\n    envs: [db.env]\n")
    (root / "db.env").write_bytes(b"\xff\xfeTOKEN=" + SECRET.encode() + b"\n")
    result = render_kustomization(root, display=lambda p: os.path.relpath(p, tmp_path))
    [problem] = result.problems
    assert "invalid utf8" in problem.message and MASK in problem.message
    decimal = " ".join(str(byte) for byte in SECRET.encode())
    assert SECRET not in problem.message and decimal not in problem.message


def test_credentials_in_an_address_are_masked_wherever_a_renderer_quotes_it(tmp_path):
    from lintops.redact import mask_url_credentials

    assert mask_url_credentials("https://deploy:glpat-x1@git.example/r.git?ref=v1&access_token=t0k3n") == (
        f"https://{MASK}@git.example/r.git?ref=v1&access_token={MASK}")
    assert mask_url_credentials("git@github.com:org/repo.git?ref=v1") == "git@github.com:org/repo.git?ref=v1"
    write(tmp_path / "overlay" / "kustomization.yaml",
          "resources:\n  - https://deploy:glpat-SECRETTOKEN1@gitlab.example.com/org/repo.git//base?ref=v1\n")
    write(tmp_path / "charts" / "shop" / "Chart.yaml",
          "apiVersion: v2\nname: shop\nversion: 0.1.0\ndependencies:\n  - name: db\n    version: 1.0.0\n"
          "    repository: https://robot:CHARTPASSWORD1@charts.example.com/stable\n")
    write(tmp_path / "charts" / "shop" / "templates" / "cm.yaml", "apiVersion: v1\nkind: ConfigMap\n"
          "metadata:\n  name: shop\n")
    (tmp_path / ".git").mkdir()
    _, texts = _all_reports(tmp_path, ".")
    for name, text in texts.items():
        assert "SECRETTOKEN1" not in text and "CHARTPASSWORD1" not in text, name
    failed = {f["path"]: f["message"] for f in json.loads(texts["json"])["findings"] if f["rule"] == "render-failed"}
    assert f"https://{MASK}@gitlab.example.com/org/repo.git" in failed["overlay/kustomization.yaml"]
    assert f"https://{MASK}@charts.example.com/stable" in failed["charts/shop/Chart.yaml"]


HELM_CHART = {
    "Chart.yaml": "apiVersion: v2\nname: vault\nversion: 0.1.0\n",
    "values.yaml": 'password: ""\ntoken: ""\n',
    "values-production.yaml": f'password: "{SECRET}"\n',
    "templates/secret.yaml": (
        '{{- if .Values.password }}{{ fail (printf "password %q is too weak" .Values.password) }}{{ end }}\n'
        '{{- required (printf "token %s is not allowed" .Values.token) nil }}\n'
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vault\n"),
}
HELM_APPLICATION = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: vault-staging
spec:
  source:
    repoURL: https://git.example.com/gitops.git
    path: charts/vault
    helm:
      values: |
        token: inline-token-value
      parameters:
        - name: password
          value: param-password-value
  destination: {namespace: vault, server: https://kubernetes.default.svc}
"""


def test_values_that_helm_quotes_in_fail_and_required_are_masked(tmp_path):
    from lintops.inputs.helm.backends import available_backend

    if available_backend() is None:
        pytest.skip("needs helm or helm-python-sdk")
    for name, text in HELM_CHART.items():
        write(tmp_path / "charts" / "vault" / name, text)
    (tmp_path / ".git").mkdir()
    result, texts = _all_reports(tmp_path, "charts")
    assert result.returncode == 1, result.stderr
    for name, text in texts.items():
        assert SECRET not in text, name
    [failed] = [f for f in json.loads(texts["json"])["findings"] if f["rule"] == "render-failed"]
    assert failed["path"] == "charts/vault/templates/secret.yaml" and failed["environment"] == ["production"]
    assert f'password "{MASK}" is too weak' in failed["message"]

    # An ArgoCD Application's inline values and parameters are masked the same way.
    write(tmp_path / "apps" / "vault.yaml", HELM_APPLICATION)
    result, texts = _all_reports(tmp_path, ".")
    for name, text in texts.items():
        assert "param-password-value" not in text and "inline-token-value" not in text, name
    failed = [f for f in json.loads(texts["json"])["findings"] if f["rule"] == "render-failed"]
    assert failed and all(MASK in f["message"] for f in failed)


# -- 8. safe output --------------------------------------------------------------------------------------

HOSTILE_NAME = "\x1b[2K\rall good"
HOSTILE = """\
apiVersion: v1
kind: Pod
metadata:
  name: "\\e[2K\\rall good"
spec:
  containers:
    - name: "app\\u009b31m"
      image: nginx:latest
"""


def test_escape_controls_writes_every_control_character_as_an_escape():
    assert escape_controls("plain text\twith a tab") == "plain text\twith a tab"
    assert escape_controls(HOSTILE_NAME) == "\\x1b[2K\\rall good"
    assert escape_controls("a\nb\x00c\x7fd\x9be\u2028f\u202eg") == "a\\nb\\x00c\\x7fd\\u009be\\u2028f\\u202eg"
    assert escape_controls("a\r\nb\x1b", keep_line_breaks=True) == "a\r\nb\\x1b"


def test_a_hostile_object_name_writes_no_raw_escape_in_text_editor_and_github(tmp_path):
    write(tmp_path / "pod.yaml", HOSTILE)
    (tmp_path / ".git").mkdir()
    result = run_lintops("check", "pod.yaml", "-f", "editor", "--report", "text=out.txt", "--report",
                         "github=out.github", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    outputs = {"editor": result.stdout, "text": (tmp_path / "out.txt").read_text(),
               "github": (tmp_path / "out.github").read_text()}
    for name, text in outputs.items():
        for char in ("\x1b", "\r", "\x9b"):
            assert char not in text, (name, char)
        assert "\\x1b[2K\\rall good" in text, name
        assert "app\\u009b31m" in text, name
    assert result.stdout and all(line.startswith("pod.yaml:") for line in result.stdout.splitlines())


def test_a_file_name_with_a_line_break_cannot_forge_an_editor_line(tmp_path):
    forged = "a.yaml\nforged.yaml:1:1: error: all is fine [schema]\nz.yaml"
    (tmp_path / forged).write_text(PLAIN)
    write(tmp_path / "other.yaml", PLAIN)
    (tmp_path / ".git").mkdir()
    result = run_lintops("check", ".", "-f", "editor", "--report", "json=out.json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert not any(line.startswith("forged.yaml") for line in lines)
    shown = "a.yaml\\nforged.yaml:1:1: error: all is fine [schema]\\nz.yaml"
    assert f"{shown}:8:14: error: " in result.stdout  # the real finding, at its real place
    assert all(line.startswith((f"{shown}:", "other.yaml:")) for line in lines)
    assert any(line.startswith("other.yaml:") for line in lines)  # the other file was still linted
    report = json.loads((tmp_path / "out.json").read_text())
    assert forged in {f["path"] for f in report["findings"]}  # JSON carries the real name, escaped by JSON


def test_structured_formats_stay_valid_with_control_characters(tmp_path):
    write(tmp_path / "pod.yaml", HOSTILE)
    (tmp_path / "b\x1bad\n.yaml").write_text(PLAIN)
    (tmp_path / ".git").mkdir()
    result, texts = _all_reports(tmp_path, ".")
    assert result.returncode == 1, result.stderr
    document = json.loads(texts["json"])
    assert HOSTILE_NAME in {(f["object"] or {}).get("name") for f in document["findings"]}
    assert "b\x1bad\n.yaml" in {f["path"] for f in document["findings"]}
    sarif = json.loads(texts["sarif"])
    assert sarif["runs"][0]["results"]
    assert json.loads(texts["codequality"])
    ElementTree.fromstring(texts["junit"])  # XML 1.0 cannot carry ESC: the reporter escapes it
    for name in ("text", "editor", "github", "stdout"):
        assert "\x1b" not in texts[name] and "\r" not in texts[name], name


def test_the_progress_line_and_the_error_lines_escape_paths(cli):
    from lintops.progress import Progress

    stream = StringIO()
    progress = Progress(2, stream, delay=0)
    progress.update(1, "dir/\x1b[2Kevil\n.yaml")
    assert "\x1b" not in stream.getvalue() and "\n" not in stream.getvalue()
    assert "\\x1b[2Kevil\\n.yaml" in stream.getvalue()
    result = cli("check", "missing\x1b[2K\rall good.yaml")
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\r" not in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "\\x1b[2K\\rall good" in result.stderr


# -- 9. signals and faults -------------------------------------------------------------------------------

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{i}-{j}
  namespace: apps
spec:
  replicas: 2
  selector:
    matchLabels: {{app: web-{i}-{j}}}
  template:
    metadata:
      labels: {{app: web-{i}-{j}}}
    spec:
      containers:
        - name: web
          image: nginx:latest
"""
PREVIOUS = '{"previous": "complete report"}\n'


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory) -> Path:
    """400 files of 12 Deployments: a run that spreads over worker processes and lasts a few seconds."""
    root = tmp_path_factory.mktemp("big") / "tree"
    root.mkdir()
    for i in range(400):
        (root / f"f{i:03}.yaml").write_text("---\n".join(DEPLOYMENT.format(i=i, j=j) for j in range(12)))
    return root


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers and /proc are Linux's")
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_ends_the_run_with_one_line_no_workers_and_the_previous_report(big_tree, tmp_path, signum, code):
    report = tmp_path / "out.json"
    report.write_text(PREVIOUS)
    process = subprocess.Popen(
        [sys.executable, "-m", "lintops", "check", str(big_tree), "-j", "2", "-q", "--report", f"json={report}"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
        workers |= _children(process.pid)
        time.sleep(0.02)
    assert len(workers) == 2, "the run should have started two workers"
    time.sleep(0.3)  # working
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == code
    assert stderr.splitlines() == [f"lintops: interrupted by {signal.Signals(signum).name}"]
    time.sleep(0.2)
    assert not [pid for pid in workers if _alive(pid)]
    assert report.read_text() == PREVIOUS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]  # no temporary file left


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_workers_die_with_a_parent_killed_outright(big_tree, tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "lintops", "check", str(big_tree), "-j", "2", "-q"],
                               cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
        workers |= _children(process.pid)
        time.sleep(0.02)
    assert len(workers) == 2
    process.kill()
    process.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if _alive(pid)]


def test_sigint_in_a_single_process_run_is_130_with_one_line(big_tree, tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "lintops", "check", str(big_tree), "-j", "1", "-q"],
                               cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stderr.splitlines() == ["lintops: interrupted by SIGINT"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_one_error_line_and_exit_2(tmp_path, cli):
    write(tmp_path / "plain.yaml", PLAIN)
    result = run_lintops("check", "plain.yaml", "-q", "--report", "json=/dev/full", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["lintops: error: cannot write report /dev/full: No space left on device"]
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "lintops", "check", "plain.yaml", "-f", "json"],
                                cwd=tmp_path, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["lintops: error: cannot write to standard output: No space left on device"]
    result = cli("baseline", str(tmp_path / "plain.yaml"), "-o", "/dev/full")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["lintops: error: cannot write report /dev/full: No space left on device"]


def _can_mount_tmpfs() -> bool:
    if not shutil.which("unshare") or not sys.platform.startswith("linux"):
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt || exit 1"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs unprivileged user and mount namespaces (unshare -rm)")
def test_a_real_full_filesystem_keeps_the_previous_report_whole(big_tree, tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    script = (f'mount -t tmpfs -o size=64k tmpfs "{disk}" && printf %s \'{PREVIOUS.strip()}\' > "{disk}/out.json" && '
              f'"{sys.executable}" -m lintops check "{big_tree / "f001.yaml"}" "{big_tree / "f002.yaml"}" -q '
              f'--report json="{disk}/out.json" >/dev/null; code=$?; echo "exit=$code"; '
              f'ls -A "{disk}"; cat "{disk}/out.json"')
    result = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=120)
    lines = result.stdout.splitlines()
    assert lines == ["exit=2", "out.json", PREVIOUS.strip()], (result.stdout, result.stderr)
    assert result.stderr.splitlines() == [
        f"lintops: error: cannot write report {disk}/out.json: No space left on device"]


def test_a_write_error_at_fsync_leaves_the_previous_report_and_no_temporary_file(tmp_path, monkeypatch, cli):
    write(tmp_path / "plain.yaml", PLAIN)
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    report.write_text(PREVIOUS)

    def full(descriptor):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    result = cli("check", str(tmp_path / "plain.yaml"), "-q", "--report", f"json={report}", "--report",
                 f"sarif={tmp_path / 'out' / 'new.sarif'}")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"lintops: error: cannot write report {report}: No space left on device"]
    assert report.read_text() == PREVIOUS
    assert sorted(p.name for p in report.parent.iterdir()) == ["report.json"]  # neither report was published


def test_reports_replace_their_target_atomically_keeping_its_mode_and_following_a_link(tmp_path, cli):
    write(tmp_path / "plain.yaml", PLAIN)
    real = tmp_path / "artifacts" / "report.json"
    real.parent.mkdir()
    real.write_text(PREVIOUS)
    real.chmod(0o640)
    link = tmp_path / "report.json"
    link.symlink_to(real)
    result = cli("check", str(tmp_path / "plain.yaml"), "-q", "--report", f"json={link}")
    assert result.exit_code == 1
    assert link.is_symlink() and json.loads(real.read_text())["findings"]
    assert real.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in real.parent.iterdir()) == ["report.json"]


def test_a_repository_address_quoted_by_a_rule_loses_its_credentials(tmp_path):
    """argocd-self-heal-staging quotes an Application's repoURL as written; a token in it must not."""
    app = textwrap.dedent("""\
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata: {name: web-production, namespace: argocd}
        spec:
          project: default
          source: {repoURL: "https://deploy:glpat-SECRETTOKEN123@git.example.com/apps.git", path: web/production}
          destination: {server: "https://kubernetes.default.svc", namespace: web-production}
          syncPolicy: {automated: {selfHeal: true}}
        """)
    (tmp_path / "app.yaml").write_text(app)
    result = subprocess.run([sys.executable, "-m", "lintops", "check", ".", "--format", "json"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "argocd-self-heal-staging" in result.stdout
    assert "SECRETTOKEN" not in result.stdout + result.stderr
