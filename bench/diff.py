"""Benchmark: ``lintops diff`` against one ``lintops check`` of the same tree, in one run, as a ratio.

Usage: ``python bench/diff.py [--objects 1000] [--repeat 3]``

The tree is a git repository of two commits: a Kustomize base of ``--objects / 3`` objects (the corpus
of bench/run.py: Deployments, Services, ConfigMaps, StatefulSets, CronJobs, Ingresses, a few per file)
and three overlays (``dev``, ``staging``, ``production``, each its own namespace), so each environment
renders every base object: ``--objects`` in all. The second commit is a merge request of the usual
size: one image bumped in the base (so one object changes in each overlay) and one ConfigMap value
changed in production. Measured, interleaved, best of ``--repeat``, whole processes:

* ``check``: ``python -m lintops check DIR --format json`` (one process: renders are not spread over
  worker processes);
* ``diff``: ``python -m lintops diff DIR --base main --format json`` (the base written out of git's
  objects and linted, then the working tree, then the comparison).

Target (README): ``diff / check <= 2.2``. The diff does two lint runs; the second costs less than the
first (schemas, compiled patterns and the rule catalog are loaded by then), and the base's checkout
and the comparison are what it adds.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from run import generate

ENVIRONMENTS = ("dev", "staging", "production")
TARGET = 2.2
GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "bench@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def build(root: Path, objects: int) -> None:
    """The two-commit repository: base and overlays on ``main``, the change on the checked-out branch."""
    base = root / "base"
    files = generate(base, max(1, objects // len(ENVIRONMENTS)))
    resources = "\n".join(f"  - {path.relative_to(base)}" for path in files)
    # bench/run.py's objects carry their team namespaces; the overlays put each environment in its own
    for path in files:
        path.write_text("\n".join(line for line in path.read_text().splitlines()
                                  if not line.startswith("  namespace: ")) + "\n")
    (base / "kustomization.yaml").write_text(f"resources:\n{resources}\n")
    for environment in ENVIRONMENTS:
        overlay = root / "overlays" / environment
        overlay.mkdir(parents=True)
        (overlay / "kustomization.yaml").write_text(f"resources: [../../base]\nnamespace: shop-{environment}\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "change")
    first = files[0]
    text = first.read_text()
    changed = text.replace(":1.25.3", ":1.25.4", 1)
    first.write_text(changed if changed != text else text.replace("image: ", "image: x", 1))
    production = root / "overlays" / "production" / "kustomization.yaml"
    production.write_text(production.read_text() + "commonAnnotations: {release: r2}\n")
    git(root, "commit", "-q", "-am", "change")


def timed(command: list[str], root: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    lintops = [sys.executable, "-m", "lintops"]
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory) / "repo"
        root.mkdir()
        build(root, options.objects)
        check = [*lintops, "check", ".", "--format", "json", "-j", "1"]
        diff = [*lintops, "diff", ".", "--base", "main", "--format", "json"]
        timed(check, root)  # bytecode and the kustomize binary's first start, for neither side
        checks, diffs = [], []
        for _ in range(options.repeat):
            checks.append(timed(check, root))
            diffs.append(timed(diff, root))
    ratio = min(diffs) / min(checks)
    verdict = "ok" if ratio <= TARGET else f"OVER the target {TARGET}"
    print(f"{options.objects} objects in {len(ENVIRONMENTS)} environments: check {min(checks):.2f} s, "
          f"diff {min(diffs):.2f} s, diff/check {ratio:.2f} (target <= {TARGET}: {verdict})")


if __name__ == "__main__":
    main()
