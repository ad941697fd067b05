"""The linted tree cannot make lintops read outside it, block on a special file, or read a huge file.

Every test builds a real tree (a git work tree, as CI checks one out) next to a directory "outside"
holding a marker, plants real symbolic links, named pipes, devices and sparse files, and runs the
real command line (``python -m lintops``) in a subprocess with a timeout, so that a hang fails the
test instead of stopping the suite. Each asserts the finding at ``path:line:col``, the exit code
(1 for findings, 2 for a refused configuration file; never 3), that the other files were still
linted, and that the marker appears in no output. Where reading itself is the attack (``/dev/zero``,
a 200 MB file) the bytes the process read (``rchar`` in ``/proc/self/io``) show it was not read.
"""

from __future__ import annotations

import json
import os
import pickle
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from builders import kustomization, write
from lintops.inputs.files import DEFAULT_MAX_BYTES, LintedRoot, Refusal, _read_capped, resolve
from lintops.inputs.scan import scan_directory

MARKER = "leaked-7f3a9c"
#: A manifest whose findings would print the marker (object name, image) if it were ever read.
SECRET_MANIFEST = textwrap.dedent(f"""\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {{name: {MARKER}}}
    spec:
      selector: {{matchLabels: {{app: {MARKER}}}}}
      template:
        metadata: {{labels: {{app: {MARKER}}}}}
        spec:
          containers:
          - name: {MARKER}
            image: registry.example.com/{MARKER}:latest
    """)
#: Another file of the tree with a known finding: proof that it was still linted.
OTHER = textwrap.dedent("""\
    apiVersion: v1
    kind: Pod
    metadata: {name: other}
    spec:
      containers:
      - name: app
        image: nginx:latest
    """)

#: Runs ``python -m lintops`` and writes the bytes the process read (rchar) to $LINTOPS_TEST_IO at exit.
_MEASURED = (
    "import atexit, os, runpy, sys\n"
    "def _io():\n"
    "    with open('/proc/self/io') as f, open(os.environ['LINTOPS_TEST_IO'], 'w') as out:\n"
    "        out.write(f.read())\n"
    "atexit.register(_io)\n"
    "sys.argv = ['lintops', *sys.argv[1:]]\n"
    "runpy.run_module('lintops', run_name='__main__', alter_sys=True)\n"
)

needs_proc_io = pytest.mark.skipif(not os.path.exists("/proc/self/io"), reason="needs /proc/self/io (Linux)")


class Result:
    def __init__(self, completed: subprocess.CompletedProcess[str], read_bytes: int | None) -> None:
        self.code = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.read_bytes = read_bytes

    @property
    def report(self) -> dict:
        return json.loads(self.stdout)

    def findings(self, rule: str | None = None) -> list[tuple[str, int, int, str]]:
        return [(f["path"], f["line"], f["column"], f["rule"]) for f in self.report["findings"]
                if rule is None or f["rule"] == rule]

    def message(self, path: str, rule: str) -> str:
        return next(f["message"] for f in self.report["findings"] if f["path"] == path and f["rule"] == rule)


def lintops(cwd: Path, *args: str, timeout: float = 60) -> Result:
    """``python -m lintops ARGS`` in ``cwd``; a hang is a failed test (TimeoutExpired), never a stuck suite."""
    io_file = cwd.parent / "io.txt"
    env = {**os.environ, "LINTOPS_TEST_IO": str(io_file)}
    completed = subprocess.run([sys.executable, "-c", _MEASURED, *args], cwd=cwd, capture_output=True, text=True,
                               timeout=timeout, env=env)
    read_bytes = None
    if io_file.exists():
        fields = dict(line.split(": ") for line in io_file.read_text().splitlines() if ": " in line)
        read_bytes = int(fields.get("rchar", 0))
        io_file.unlink()
    result = Result(completed, read_bytes)
    assert result.code != 3, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert MARKER not in result.stdout and MARKER not in result.stderr, "content from outside the tree was printed"
    return result


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory beside the tree, holding what the tree must not reach (each file carries the marker)."""
    directory = tmp_path / "outside"
    write(directory / "secret.yaml", SECRET_MANIFEST)
    write(directory / "dir" / f"{MARKER}.yaml", SECRET_MANIFEST)
    write(directory / "kbase" / "kustomization.yaml", "resources: [deployment.yaml]\n")
    write(directory / "kbase" / "deployment.yaml", SECRET_MANIFEST)
    return directory


@pytest.fixture
def repo(tmp_path: Path, outside: Path) -> Path:
    """The linted tree: a git work tree with one ordinary file that has a finding."""
    directory = tmp_path / "repo"
    directory.mkdir()
    subprocess.run(["git", "init", "-q", str(directory)], check=True)
    write(directory / "apps" / "other.yaml", OTHER)
    return directory


def other_was_linted(result: Result) -> bool:
    return ("apps/other.yaml", 7, 12, "pinned-image-tag") in result.findings("pinned-image-tag")


def link(path: Path, target: Path | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(os.path.relpath(target, path.parent) if isinstance(target, Path) else target, path)
    return path


# -- manifests and walked directories ----------------------------------------------------------------


def test_a_file_link_out_of_the_tree_is_a_finding_and_never_read(repo, outside):
    link(repo / "deploy" / "leak.yaml", outside / "secret.yaml")
    result = lintops(repo, "check", ".", "--format", "json")
    assert result.code == 1
    assert ("deploy/leak.yaml", 1, 1, "unsafe-path") in result.findings()
    assert result.message("deploy/leak.yaml", "unsafe-path") == (
        "file is a symbolic link that leads outside the linted root; not read")
    assert other_was_linted(result)


def test_a_link_beside_files_already_read_is_refused_though_their_folder_is_resolved_once(repo, outside):
    """The reader resolves a folder once (LintedRoot._resolve_below); each file in it is still looked at."""
    root = LintedRoot(repo)
    assert isinstance(root.read(repo / "apps" / "other.yaml"), bytes)
    link(repo / "apps" / "leak.yaml", outside / "secret.yaml")
    link(repo / "apps" / "up", outside)
    for path in (repo / "apps" / "leak.yaml", repo / "apps" / "up" / "secret.yaml",
                 repo / "apps" / ".." / ".." / "outside" / "secret.yaml"):
        refused = root.read(path)
        assert isinstance(refused, Refusal) and refused.reason == "outside-root", path
    copy = pickle.loads(pickle.dumps(root))  # to a worker process: what was resolved here does not travel
    assert copy == root and copy._directories == {}


def test_an_absolute_link_out_of_the_tree_is_refused_too(repo, outside):
    link(repo / "deploy" / "leak.yaml", str(outside / "secret.yaml"))
    result = lintops(repo, "check", ".", "--format", "json")
    assert result.code == 1
    assert ("deploy/leak.yaml", 1, 1, "unsafe-path") in result.findings()
    assert other_was_linted(result)


def test_a_directory_link_out_of_the_tree_is_a_finding_and_never_walked(repo, outside):
    link(repo / "deploy" / "vendor", outside / "dir")
    result = lintops(repo, "check", ".", "--format", "json", "--verbose")
    assert result.code == 1
    assert ("deploy/vendor", 1, 1, "unsafe-path") in result.findings()
    assert other_was_linted(result)  # the file below the link carries the marker in its name: not listed


def test_a_directory_link_named_on_the_command_line_is_not_walked(repo, outside):
    link(repo / "vendor", outside / "dir")
    result = lintops(repo, "check", "vendor", "apps", "--format", "json")
    assert result.code == 1
    assert ("vendor", 1, 1, "unsafe-path") in result.findings()
    assert other_was_linted(result)


def test_a_link_named_by_pre_commit_is_refused(repo, outside):
    """pre-commit and --changed-since name changed files one by one: the same check applies."""
    link(repo / "deploy" / "leak.yaml", outside / "secret.yaml")
    result = lintops(repo, "check", "deploy/leak.yaml", "apps/other.yaml", "--format", "json")
    assert result.code == 1
    assert result.findings("unsafe-path") == [("deploy/leak.yaml", 1, 1, "unsafe-path")]
    assert other_was_linted(result)


def test_a_link_through_a_directory_link_out_of_the_tree_is_refused(repo, outside):
    """Every link on the way counts, not only the last one: ``deploy/d`` leads out, ``deploy/d/x`` with it."""
    link(repo / "deploy" / "d", outside)
    link(repo / "deploy" / "x.yaml", "d/secret.yaml")
    result = lintops(repo, "check", ".", "--format", "json")
    assert ("deploy/x.yaml", 1, 1, "unsafe-path") in result.findings()
    assert ("deploy/d", 1, 1, "unsafe-path") in result.findings()
    assert other_was_linted(result)


def test_links_inside_the_tree_stay_allowed(repo):
    write(repo / "base" / "real.yaml", OTHER.replace("name: other", "name: real"))
    link(repo / "deploy" / "alias.yaml", repo / "base" / "real.yaml")
    link(repo / "deploy" / "absolute.yaml", str(repo / "base" / "real.yaml"))
    link(repo / "deploy" / "shared", repo / "base")  # a directory link inside the tree: not walked, no finding
    result = lintops(repo, "check", ".", "--format", "json")
    assert result.code == 1
    assert result.findings("unsafe-path") == []
    tags = result.findings("pinned-image-tag")
    assert ("deploy/alias.yaml", 7, 12, "pinned-image-tag") in tags
    assert ("deploy/absolute.yaml", 7, 12, "pinned-image-tag") in tags
    assert ("base/real.yaml", 7, 12, "pinned-image-tag") in tags
    assert other_was_linted(result)


def test_a_loop_of_links_is_a_finding_not_a_crash(repo):
    link(repo / "deploy" / "a.yaml", "b.yaml")
    link(repo / "deploy" / "b.yaml", "a.yaml")
    write(repo / "kustomization.yaml", "resources: [apps/other.yaml]\n")  # discovery resolves paths here too
    result = lintops(repo, "check", ".", "deploy/a.yaml", "--format", "json")
    assert result.code == 1
    assert ("deploy/a.yaml", 1, 1, "unsafe-path") in result.findings()
    assert "loop of symbolic links" in result.message("deploy/a.yaml", "unsafe-path")


def test_a_fifo_manifest_is_a_finding_and_never_opened(repo):
    os.mkfifo(repo / "pipe.yaml")
    result = lintops(repo, "check", ".", "--format", "json", timeout=30)
    assert result.code == 1
    assert ("pipe.yaml", 1, 1, "unsafe-path") in result.findings()
    assert result.message("pipe.yaml", "unsafe-path") == "file is a named pipe (FIFO), not a regular file; not read"
    assert other_was_linted(result)


def test_a_fifo_named_explicitly_and_in_text_output(repo):
    os.mkfifo(repo / "pipe.yaml")
    result = lintops(repo, "check", "pipe.yaml", "apps/other.yaml", timeout=30)
    assert result.code == 1
    assert "pipe.yaml:1:1: error [unsafe-path] file is a named pipe (FIFO)" in result.stdout
    assert "apps/other.yaml:7:12: error [pinned-image-tag]" in result.stdout


@needs_proc_io
def test_a_link_to_dev_zero_is_refused_without_reading(repo):
    link(repo / "z.yaml", "/dev/zero")
    result = lintops(repo, "check", ".", "--format", "json", timeout=30)
    assert result.code == 1
    assert ("z.yaml", 1, 1, "unsafe-path") in result.findings()
    assert other_was_linted(result)
    assert result.read_bytes is not None and result.read_bytes < DEFAULT_MAX_BYTES  # the old reader read 7.6 GB


@pytest.mark.skipif(os.geteuid() != 0, reason="creating a device node needs root")
def test_a_device_node_inside_the_tree_is_never_opened(repo):
    os.mknod(repo / "zero.yaml", stat.S_IFCHR | 0o666, os.makedev(1, 5))  # what /dev/zero is
    result = lintops(repo, "check", ".", "--format", "json", timeout=30)
    assert result.code == 1
    assert ("zero.yaml", 1, 1, "unsafe-path") in result.findings()
    assert "a character device" in result.message("zero.yaml", "unsafe-path")
    assert other_was_linted(result)


@needs_proc_io
def test_a_sparse_200_mb_file_is_refused_before_reading(repo):
    with open(repo / "big.yaml", "wb") as big:
        big.truncate(200 * 1024 * 1024)
    result = lintops(repo, "check", ".", "--format", "json", timeout=30)
    assert result.code == 1
    assert ("big.yaml", 1, 1, "yaml-limit") in result.findings()
    assert result.message("big.yaml", "yaml-limit") == (
        "file is 209,715,200 bytes, over the 33,554,432-byte limit; not read")
    assert other_was_linted(result)
    assert result.read_bytes is not None and result.read_bytes < DEFAULT_MAX_BYTES  # not even the cap was read


def test_worker_processes_refuse_the_same_files(repo, outside):
    """A large run lints in worker processes: they read through the same reader."""
    for index in range(320):
        write(repo / "many" / f"cm-{index}.yaml", f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{index}}}\n")
    os.mkfifo(repo / "many" / "pipe.yaml")
    link(repo / "many" / "leak.yaml", outside / "secret.yaml")
    result = lintops(repo, "check", ".", "--format", "json", "-j", "2", timeout=120)
    assert result.code == 1
    assert {("many/pipe.yaml", 1, 1, "unsafe-path"), ("many/leak.yaml", 1, 1, "unsafe-path")} <= set(
        result.findings())
    assert other_was_linted(result)
    assert result.report["summary"]["objects"] == 321


# -- the baseline, rule files, the configuration ----------------------------------------------------------


def test_a_fifo_baseline_is_a_configuration_error_not_a_hang(repo):
    os.mkfifo(repo / "baseline.json")
    result = lintops(repo, "check", ".", "--baseline", "baseline.json", timeout=30)
    assert result.code == 2
    assert "baseline.json:1:1: baseline is a named pipe (FIFO), not a regular file; not read" in result.stderr


def test_a_fifo_baseline_named_by_the_configuration(repo):
    os.mkfifo(repo / "baseline.json")
    write(repo / ".lintops.yaml", "baseline: baseline.json\n")
    result = lintops(repo, "check", ".", timeout=30)
    assert result.code == 2
    assert "baseline.json:1:1: baseline is a named pipe (FIFO)" in result.stderr


def test_a_fifo_rule_file_is_a_configuration_error_not_a_hang(repo):
    os.mkfifo(write(repo / ".lintops" / "rules" / "keep.yaml", "").parent / "pipe.yaml")
    (repo / ".lintops" / "rules" / "keep.yaml").unlink()
    result = lintops(repo, "check", ".", timeout=30)
    assert result.code == 2
    assert ".lintops/rules/pipe.yaml:1:1: rule file is a named pipe (FIFO), not a regular file; not read" in (
        result.stderr)


def test_a_rule_file_linked_out_of_the_tree_is_never_read(repo, outside):
    write(outside / "rule.yaml", f"id: {MARKER}\nseverity: error\nsummary: {MARKER}\ncheck: json-schema\n"
                                 f"params: {{schema: {{}}}}\n")
    link(repo / ".lintops" / "rules" / "x.yaml", outside / "rule.yaml")
    result = lintops(repo, "check", ".", timeout=30)
    assert result.code == 2
    assert ".lintops/rules/x.yaml:1:1: rule file is a symbolic link that leads outside the linted root" in (
        result.stderr)


def test_a_rules_directory_linked_out_of_the_tree_is_never_read(repo, outside):
    """``.lintops`` itself a link out: its rule files lead outside with it (an unknown key would be printed)."""
    write(outside / "lintops" / "rules" / "x.yaml", f"id: x\nseverity: error\nsummary: s\ncheck: parser\n"
                                                      f"{MARKER}: 1\n")
    link(repo / ".lintops", outside / "lintops")
    result = lintops(repo, "check", ".", timeout=30)
    assert result.code == 2
    assert ".lintops/rules/x.yaml:1:1: rule file is a symbolic link that leads outside the linted root" in (
        result.stderr)


def test_a_loop_of_links_as_the_rules_directory_is_no_crash(repo):
    link(repo / ".lintops", ".lintops")
    write(repo / ".lintops.yaml", "exclude: []\n")
    link(repo / "deploy" / "a.yaml", "b.yaml")
    link(repo / "deploy" / "b.yaml", "a.yaml")
    result = lintops(repo, "check", ".", "--format", "json", timeout=30)
    assert result.code == 1
    assert ("deploy/a.yaml", 1, 1, "unsafe-path") in result.findings()
    assert other_was_linted(result)


def test_a_fifo_configuration_is_refused_not_a_hang(repo):
    os.mkfifo(repo / "ci.yaml")
    result = lintops(repo, "check", ".", "-c", "ci.yaml", timeout=30)
    assert result.code == 2
    assert "ci.yaml: cannot read configuration: is a named pipe (FIFO), not a regular file" in result.stderr


# -- kustomize --------------------------------------------------------------------------------------------


def test_a_fifo_a_kustomization_references_is_reported_at_its_entry(repo):
    kustomization(repo / "overlay", ["cm.yaml", "pipe.yaml"])
    write(repo / "overlay" / "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n")
    os.mkfifo(repo / "overlay" / "pipe.yaml")
    result = lintops(repo, "check", ".", "--format", "json", timeout=30)
    assert result.code == 1
    assert result.findings("render-failed") == [("overlay/kustomization.yaml", 3, 5, "render-failed")]
    assert result.message("overlay/kustomization.yaml", "render-failed") == (
        "resources entry 'pipe.yaml' is a named pipe (FIFO), not a regular file; kustomize would read it, so the "
        "overlay is not rendered; linted on their own instead: overlay/cm.yaml; not linted: resources 'pipe.yaml' "
        "(refused)")
    assert result.findings("unsafe-path") == []  # reported once, at the entry that names it
    assert other_was_linted(result)


def test_kustomize_never_reads_a_base_or_file_that_leads_out_of_the_tree(repo, outside):
    write(repo / "overlay" / "kustomization.yaml", textwrap.dedent("""\
        resources:
          - base
          - ../../outside/kbase
        configMapGenerator:
          - name: settings
            files:
              - token=token.txt
            envs:
              - pipe.env
        patches:
          - path: patch.yaml
        """))
    link(repo / "overlay" / "base", outside / "kbase")
    link(repo / "overlay" / "token.txt", outside / "secret.yaml")
    os.mkfifo(repo / "overlay" / "pipe.env")
    link(repo / "overlay" / "patch.yaml", "/dev/zero")
    result = lintops(repo, "check", ".", "--format", "json", timeout=60)
    assert result.code == 1
    assert result.findings("render-failed") == [
        ("overlay/kustomization.yaml", 2, 5, "render-failed"),
        ("overlay/kustomization.yaml", 3, 5, "render-failed"),
        ("overlay/kustomization.yaml", 7, 9, "render-failed"),
        ("overlay/kustomization.yaml", 9, 9, "render-failed"),
        ("overlay/kustomization.yaml", 11, 11, "render-failed"),
    ]
    messages = [f["message"] for f in result.report["findings"] if f["rule"] == "render-failed"]
    assert messages[0] == ("resources entry 'base' is a symbolic link that leads outside the linted root; "
                           "kustomize would read it, so the overlay is not rendered; linted on their own instead: "
                           "nothing; not linted: resources 'base' (refused), resources '../../outside/kbase' "
                           "(refused), patches[0] 'patch.yaml' (a patch: only the build applies it), "
                           "configMapGenerator[0] 'settings' (generated only by the build)")
    assert messages[1].startswith("resources entry '../../outside/kbase' lies outside the linted root")
    assert messages[2].startswith("configMapGenerator entry 'token.txt' is a symbolic link that leads outside")
    assert messages[3].startswith("configMapGenerator entry 'pipe.env' is a named pipe (FIFO)")
    assert messages[4].startswith("patches entry 'patch.yaml' is a symbolic link that leads outside")
    assert other_was_linted(result)


def test_a_kustomization_file_that_is_a_fifo_is_reported_not_skipped(repo):
    os.mkfifo(write(repo / "overlay" / "x", "").parent / "kustomization.yaml")
    result = lintops(repo, "check", ".", "--format", "json", timeout=30)
    assert result.code == 1
    assert ("overlay/kustomization.yaml", 1, 1, "render-failed") in result.findings()
    assert result.message("overlay/kustomization.yaml", "render-failed").startswith(
        "kustomization file is a named pipe (FIFO), not a regular file")
    assert other_was_linted(result)


def test_kustomize_links_inside_the_tree_stay_allowed(repo):
    from lintops.inputs.kustomize.build import _command

    if _command() is None:
        pytest.skip("needs kustomize or kubectl")
    write(repo / "base" / "kustomization.yaml", "resources: [cm.yaml]\n")
    write(repo / "base" / "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: '1'}\n")
    write(repo / "overlay" / "kustomization.yaml", "resources: [base]\n")
    link(repo / "overlay" / "base", repo / "base")
    result = lintops(repo, "check", ".", "--format", "json", timeout=120)
    assert result.findings("render-failed") == []
    assert result.findings("unsafe-path") == []
    assert other_was_linted(result)


# -- Helm -------------------------------------------------------------------------------------------------

CHART = "apiVersion: v2\nname: demo\nversion: 0.1.0\n"
#: The attack of the issue: a chart file read with .Files.Get and paged into image values.
LEAKING_TEMPLATE = textwrap.dedent("""\
    apiVersion: v1
    kind: Pod
    metadata: {name: demo}
    spec:
      containers:
      {{- range $i, $line := splitList "\\n" (.Files.Get "env.txt") }}
      - name: c{{ $i }}
        image: {{ $line | quote }}
      {{- end }}
    """)


def test_a_chart_file_linked_out_of_the_tree_stops_the_chart_before_helm_loads_it(repo, outside):
    write(repo / "chart" / "Chart.yaml", CHART)
    write(repo / "chart" / "templates" / "pod.yaml", LEAKING_TEMPLATE)
    link(repo / "chart" / "env.txt", outside / "secret.yaml")  # /proc/self/environ in the issue
    result = lintops(repo, "check", ".", "--format", "json", timeout=120)
    assert result.code == 1
    assert result.findings("render-failed") == [("chart/env.txt", 1, 1, "render-failed")]
    assert result.message("chart/env.txt", "render-failed") == (
        "env.txt is a symbolic link that leads outside the linted root; Helm would load it, so the chart is not "
        "rendered")
    assert other_was_linted(result)
    rendered = lintops(repo, "render", ".", timeout=120)
    assert rendered.code == 1
    assert "chart/env.txt:1:1: error: env.txt is a symbolic link that leads outside the linted root" in rendered.stderr


def test_a_fifo_and_a_directory_link_in_a_chart(repo, outside):
    write(repo / "chart" / "Chart.yaml", CHART)
    write(repo / "chart" / "templates" / "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n")
    os.mkfifo(repo / "chart" / "templates" / "pipe.yaml")
    link(repo / "chart" / "files", outside / "dir")
    link(repo / "chart" / "templates" / "again", repo / "chart")  # Helm would walk this loop
    result = lintops(repo, "check", ".", "--format", "json", timeout=120)
    assert result.code == 1
    assert result.findings("render-failed") == [
        ("chart/files", 1, 1, "render-failed"),
        ("chart/templates/again", 1, 1, "render-failed"),
        ("chart/templates/pipe.yaml", 1, 1, "render-failed"),
    ]
    assert "a directory it lies in" in result.message("chart/templates/again", "render-failed")
    assert result.message("chart/templates/pipe.yaml", "render-failed").startswith(
        "templates/pipe.yaml is a named pipe (FIFO), not a regular file")
    assert other_was_linted(result)


def test_a_values_file_an_application_names_is_checked_like_any_file(repo, outside):
    write(repo / "chart" / "Chart.yaml", CHART)
    write(repo / "chart" / "templates" / "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n")
    link(repo / "envs" / "prod.yaml", outside / "secret.yaml")
    write(repo / "apps" / "demo.yaml", textwrap.dedent("""\
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata: {name: demo, namespace: argocd}
        spec:
          project: default
          source:
            repoURL: https://git.example/repo.git
            path: chart
            helm:
              valueFiles: [../envs/prod.yaml, ../../outside/secret.yaml]
          destination: {server: https://kubernetes.default.svc, namespace: demo}
        """))
    result = lintops(repo, "check", ".", "--format", "json", timeout=120)
    assert result.code == 1
    assert ("envs/prod.yaml", 1, 1, "render-failed") in result.findings()
    assert result.message("envs/prod.yaml", "render-failed") == (
        "prod.yaml is a symbolic link that leads outside the linted root; not read")
    assert ("envs/prod.yaml", 1, 1, "unsafe-path") in result.findings()  # linted as a file of its own too
    assert other_was_linted(result)


def test_chart_links_inside_the_tree_stay_allowed(repo):
    from lintops.inputs.helm.backends import available_backend

    if available_backend() is None:
        pytest.skip("needs helm-python-sdk or the helm binary")
    write(repo / "chart" / "Chart.yaml", CHART)
    write(repo / "shared" / "settings.txt", "inside-the-tree")
    link(repo / "chart" / "settings.txt", repo / "shared" / "settings.txt")
    write(repo / "chart" / "templates" / "cm.yaml", 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n'
                                                   'data:\n  settings: {{ .Files.Get "settings.txt" | quote }}\n')
    result = lintops(repo, "render", ".", timeout=120)
    assert result.code == 0, result.stderr
    assert 'settings: "inside-the-tree"' in result.stdout


# -- the reader itself ------------------------------------------------------------------------------------


def test_the_reader_refuses_before_opening(tmp_path, outside):
    root = LintedRoot(tmp_path / "repo")
    write(tmp_path / "repo" / "ok.yaml", "a: 1\n")
    link(tmp_path / "repo" / "out.yaml", outside / "secret.yaml")
    os.mkfifo(tmp_path / "repo" / "pipe.yaml")
    assert root.read(tmp_path / "repo" / "ok.yaml") == b"a: 1\n"
    assert root.read(tmp_path / "repo" / "out.yaml").reason == "outside-root"
    assert root.read(tmp_path / "repo" / "pipe.yaml").reason == "not-regular"
    assert root.read(tmp_path / "repo" / "missing.yaml").reason == "missing"
    assert root.read(tmp_path / "repo" / "ok.yaml", max_bytes=3).reason == "too-large"
    assert root.read(tmp_path / "repo" / ".." / "outside" / "secret.yaml").reason == "outside-root"
    assert isinstance(LintedRoot().read(tmp_path / "repo" / "out.yaml"), bytes)  # unconfined: links are fine
    assert LintedRoot().read(tmp_path / "repo" / "pipe.yaml").reason == "not-regular"  # pipes never are


def test_links_above_the_root_are_the_way_to_it(tmp_path):
    """A root reached through a link (``/tmp`` is one on macOS) confines to where it leads."""
    write(tmp_path / "real" / "a.yaml", "a: 1\n")
    link(tmp_path / "via", tmp_path / "real")
    root = LintedRoot(tmp_path / "via")
    assert root.read(tmp_path / "via" / "a.yaml") == b"a: 1\n"
    assert root.read(tmp_path / "real" / "a.yaml") == b"a: 1\n"
    assert isinstance(resolve(tmp_path / "via" / "a.yaml", os.path.realpath(tmp_path / "real")), tuple)


def test_a_link_whose_target_passes_outside_is_refused_even_if_it_comes_back(tmp_path, outside):
    write(tmp_path / "repo" / "a.yaml", "a: 1\n")
    link(outside / "back", tmp_path / "repo")
    link(tmp_path / "repo" / "d", outside)  # repo/d/back/a.yaml leads out, then back in
    refusal = LintedRoot(tmp_path / "repo").read(tmp_path / "repo" / "d" / "back" / "a.yaml")
    assert isinstance(refusal, Refusal) and refusal.reason == "outside-root"


def test_a_file_that_grows_while_read_cannot_exceed_the_cap():
    reader, writer = os.pipe()  # stands for a file whose size said 10 bytes, and that has grown since
    try:
        os.write(writer, b"x" * 100)
        os.close(writer)
        refusal = _read_capped(reader, 10, 50)
    finally:
        os.close(reader)
    assert isinstance(refusal, Refusal) and refusal.reason == "too-large"


def test_the_scan_reports_what_a_loader_following_links_may_not_read(tmp_path, outside):
    chart = tmp_path / "repo" / "chart"
    write(chart / "Chart.yaml", CHART)
    write(tmp_path / "repo" / "shared" / "ok.txt", "ok")
    link(chart / "ok.txt", tmp_path / "repo" / "shared" / "ok.txt")
    link(chart / "inside", tmp_path / "repo" / "shared")
    link(chart / "out", outside)
    with open(chart / "big.bin", "wb") as big:
        big.truncate(DEFAULT_MAX_BYTES + 1)
    found = {path.relative_to(chart).as_posix(): refusal.reason
             for path, refusal in scan_directory(LintedRoot(tmp_path / "repo"), chart)}
    assert found == {"out": "outside-root", "big.bin": "too-large"}
