"""Compare two revisions of lintops by the instructions a run executes, not by the clock.

Usage: ``python bench/instructions.py BASELINE [CANDIDATE] [--objects 10000] [--skip-large]``

BASELINE and CANDIDATE are git revisions of this repository (CANDIDATE defaults to the work tree),
each exported to a temporary directory and run with the same interpreter and dependencies, so only
lintops' own code differs. Every case runs under ``valgrind --tool=callgrind`` (worker processes
counted too) and prints the instructions of both sides and their ratio:

* one small file (a ConfigMap and a Deployment), ``--format json`` and the text format, and one
  ConfigMap alone: the pre-commit and editor case, start-up included;
* ``--objects`` objects of bench/run.py's corpus with ``-j 1`` and with the default workers.

Why instructions: on a machine shared with other work, CPU times of the same command vary by 10 to
25 %, more than the differences worth finding; an instruction count varies by well under 1 % between
runs (``PYTHONHASHSEED`` is fixed, bytecode is compiled first). What it does not show is a change in
cache misses or in waiting (I/O, a child process); a wall-time benchmark (bench/run.py) remains the
judge of those. Needs valgrind; the large cases take several minutes under it.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as corpus  # bench/run.py: the generator of the benchmark corpus

REPOSITORY = Path(__file__).resolve().parent.parent
ONE_FILE = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: a}
data: {k: v}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: 'nginx:1.25.3'}
"""
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n"


def export(revision: str | None, into: Path) -> Path:
    """The lintops package of ``revision`` (None: the work tree) under ``into``, its bytecode compiled."""
    into.mkdir(parents=True)
    if revision is None:
        source = REPOSITORY
    else:
        archive = subprocess.run(["git", "-C", str(REPOSITORY), "archive", revision, "lintops", "rules", "schemas"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
        source = into
    if source is REPOSITORY:
        for name in ("lintops", "rules", "schemas"):
            subprocess.run(["cp", "-r", str(REPOSITORY / name), str(into / name)], check=True)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(into / "lintops")], check=True,
                   stdout=subprocess.DEVNULL, env=_environment(into))
    return into


def _environment(tree: Path) -> dict[str, str]:
    environment = dict(os.environ, PYTHONPATH=str(tree), PYTHONHASHSEED="0")
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def instructions(tree: Path, arguments: list[str], cwd: Path) -> int:
    """Instructions of ``python -m lintops ARGUMENTS`` with ``tree`` first on the path, children included.

    Each run gets an empty result cache of its own (``LINTOPS_CACHE_DIR``; revisions before the cache ignore
    it): a run answered from an earlier run's entries would measure the cache, not the revision."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="lintops-bench-cache-") as cache:
        result = subprocess.run(
            ["valgrind", "--tool=callgrind", "--trace-children=yes", "--callgrind-out-file=/dev/null",
             sys.executable, "-m", "lintops", *arguments],
            cwd=cwd, env={**_environment(tree), "LINTOPS_CACHE_DIR": str(Path(cache) / "cache")},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    counts = [int(value.replace(",", "")) for value in re.findall(r"I\s+refs:\s+([\d,]+)", result.stderr)]
    if not counts:
        raise SystemExit(f"valgrind printed no instruction count:\n{result.stderr[-2000:]}")
    return sum(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline", help="git revision to compare against")
    parser.add_argument("candidate", nargs="?", help="git revision to measure (default: the work tree)")
    parser.add_argument("--objects", type=int, default=10000)
    parser.add_argument("--skip-large", action="store_true", help="only the one-file cases")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lintops-instructions-") as scratch:
        root = Path(scratch)
        trees = {"baseline": export(args.baseline, root / "baseline"),
                 "candidate": export(args.candidate, root / "candidate")}
        inputs = root / "inputs"
        inputs.mkdir()
        (inputs / "one.yaml").write_text(ONE_FILE)
        (inputs / "configmap.yaml").write_text(CONFIGMAP)
        cases = [("one file, json", ["check", "one.yaml", "--format", "json"]),
                 ("one file, text", ["check", "one.yaml"]),
                 ("one ConfigMap, json", ["check", "configmap.yaml", "--format", "json"])]
        if not args.skip_large:
            corpus.generate(inputs / "corpus", args.objects)
            cases += [(f"{args.objects} objects, -j 1", ["check", "corpus", "--format", "json", "-j", "1"]),
                      (f"{args.objects} objects, default workers", ["check", "corpus", "--format", "json"])]
        print(f"{'case':34} {'baseline':>16} {'candidate':>16} {'ratio':>7}")
        for label, arguments in cases:
            before = instructions(trees["baseline"], arguments, inputs)
            after = instructions(trees["candidate"], arguments, inputs)
            print(f"{label:34} {before:16,} {after:16,} {after / before:7.3f}", flush=True)


if __name__ == "__main__":
    main()
