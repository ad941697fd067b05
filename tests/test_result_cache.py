"""The result cache (lintops.result_cache): a warm run reports exactly what a cold one does, an edit or a new
configuration is linted again, and nothing the cache directory holds is trusted."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import run_lintops, write
from lintops.result_cache.store import ENTRY_CAP, EntryStore

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web{n}
  annotations:
    lintops.io/ignore-pinned-image-tag: "pinned by the release job"
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
        - name: app
          image: nginx:latest  # lintops: ignore[resource-limits] sized by the VPA
"""

CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec: {type: object, properties: {size: {type: integer}}}
"""

WIDGET = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: big}\n"


def _tree(root: Path, files: int = 4) -> Path:
    for n in range(files):
        write(root / f"apps/web{n}.yaml", DEPLOYMENT.format(n=n))
    write(root / "crds/widget.yaml", CRD)
    write(root / "apps/widget.yaml", WIDGET)  # held back by the schema checks: never cached
    write(root / "apps/broken.yaml", "a: [1\n")
    return root


def _check(root: Path, cache: Path, *extra: str) -> tuple[int, str, str]:
    result = run_lintops("check", "--format", "json", "-j", "1", "--cache-dir", str(cache), *extra, "apps", "crds",
                         cwd=root)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, result.stdout, result.stderr


def _entries(cache: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in cache.glob("*.json")}


def test_warm_run_reports_what_the_cold_one_did(tmp_path):
    root = _tree(tmp_path / "repo")
    cache = tmp_path / "cache"
    cold = _check(root, cache)
    entries = _entries(cache)
    assert len(entries) == 5  # four Deployments and the syntax error; the CRD and the Widget are not cached
    assert oct(cache.stat().st_mode & 0o777) == "0o700"
    warm = _check(root, cache)
    assert warm[:2] == cold[:2]
    report = json.loads(warm[1])
    assert any(f["rule"] == "schema" and f["path"] == "apps/widget.yaml" for f in report["findings"])
    assert any(f["suppressed"] for f in report["findings"])
    assert _check(root, cache, "--no-cache")[:2] == cold[:2]


def test_baseline_new_findings_and_held_back_checks_are_applied_to_hits(tmp_path):
    root = _tree(tmp_path / "repo")
    cache = tmp_path / "cache"
    recorded = run_lintops("baseline", "--cache-dir", str(cache), "-o", str(tmp_path / "b.json"), "apps", "crds",
                           cwd=root)
    assert recorded.returncode == 0, recorded.stderr
    cold = _check(root, tmp_path / "other", "--baseline", str(tmp_path / "b.json"))
    warm = _check(root, cache, "--baseline", str(tmp_path / "b.json"))
    assert warm[:2] == cold[:2] and cold[0] == 0  # every finding is recorded debt, hit or not


def test_an_edit_relints_that_file_and_a_configuration_change_every_file(tmp_path):
    root = _tree(tmp_path / "repo")
    cache = tmp_path / "cache"
    _check(root, cache)
    before = _entries(cache)
    (root / "apps/web0.yaml").write_text(DEPLOYMENT.format(n=0).replace("latest", "1.25"))
    edited = _check(root, cache)
    after = _entries(cache)
    assert len(set(after) - set(before)) == 1  # one new entry: the edited file's
    assert edited == _check(root, tmp_path / "fresh")
    write(root / ".lintops.yaml", "rules:\n  resource-requests: {severity: error}\n")
    configured = _check(root, cache)
    assert len(set(_entries(cache)) - set(after)) == 5  # every cached file under the new configuration
    assert configured == _check(root, tmp_path / "fresh2")


@pytest.mark.parametrize("spoil", ["garbage", "foreign", "schema", "symlink", "fifo", "huge"])
def test_a_corrupt_or_planted_entry_is_ignored_and_replaced(tmp_path, spoil):
    root = _tree(tmp_path / "repo")
    cache = tmp_path / "cache"
    cold = _check(root, cache)
    victim = tmp_path / "victim.json"
    victim.write_text("keep")
    for entry in cache.glob("*.json"):
        key = entry.stem
        entry.unlink()
        if spoil == "garbage":
            entry.write_bytes(b"\x00{not json")
        elif spoil == "foreign":  # a well-formed entry saying there is nothing to report, under another key
            entry.write_text(json.dumps({"schema": 1, "key": "0" * 64, "payload": {"path": "x", "findings": []}}))
        elif spoil == "schema":
            entry.write_text(json.dumps({"schema": 99, "key": key, "payload": {}}))
        elif spoil == "symlink":
            entry.symlink_to(victim)
        elif spoil == "fifo":
            os.mkfifo(entry)
        else:
            entry.write_text(json.dumps({"schema": 1, "key": key, "payload": {"pad": "x" * ENTRY_CAP}}))
    assert _check(root, cache)[:2] == cold[:2]
    assert victim.read_text() == "keep"
    assert all(p.is_file() and not p.is_symlink() for p in cache.glob("*.json"))
    assert _check(root, cache)[:2] == cold[:2]


def test_an_unwritable_cache_directory_leaves_the_run_uncached(tmp_path):
    root = _tree(tmp_path / "repo")
    cold = _check(root, tmp_path / "cache")
    blocked = tmp_path / "file"
    blocked.write_text("")
    for where in (blocked / "cache", Path("/proc/self")):  # cannot be created; exists but cannot be written
        code, out, err = _check(root, where, "--verbose")
        assert (code, out) == cold[:2]
        assert err.count("result cache") == 1, err
        assert "result cache" not in _check(root, where)[2]


def test_no_cache_writes_nothing_and_the_tree_cannot_name_the_directory(tmp_path):
    root = _tree(tmp_path / "repo")
    cache = tmp_path / "cache"
    _check(root, cache, "--no-cache")
    assert not cache.exists()
    inside = root / ".cache"
    env = {**os.environ, "LINTOPS_CACHE_DIR": str(inside)}
    result = run_lintops("check", "-v", "-j", "1", "apps", cwd=root, env=env)
    assert "inside the linted tree" in result.stderr
    assert not inside.exists()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "."], check=True)
    subprocess.run(["git", "-C", str(root), "-c", "user.email=a@example.com", "-c", "user.name=a", "commit",
                    "-qm", "x"],
                   check=True)
    (root / "apps/web0.yaml").write_text(DEPLOYMENT.format(n=0).replace("latest", "1.25"))
    for flag in ("--changed-since", "--new-since"):  # CI runs: no cache
        result = run_lintops("check", "-j", "1", flag, "HEAD", "--cache-dir", str(cache), "apps", cwd=root)
        assert result.returncode in (0, 1) and "web0.yaml" in result.stdout, result.stderr
        assert not cache.exists()


def test_the_directory_is_bounded_least_recently_used_first(tmp_path):
    store = EntryStore(tmp_path, max_bytes=1 << 30)
    for n in range(60):
        store.store(f"{n:064x}", {"pad": "x" * 2000})
        os.utime(store.path_of(f"{n:064x}"), ns=(n * 10**9, n * 10**9))
    assert store.load(f"{3:064x}") is not None  # a hit makes it recent
    store.max_bytes = 40_000
    store.prune()
    left = {p.stem for p in tmp_path.glob("*.json")}
    assert sum(p.stat().st_size for p in tmp_path.glob("*.json")) <= 40_000
    assert f"{3:064x}" in left and f"{59:064x}" in left and f"{0:064x}" not in left


def test_every_built_in_check_that_holds_objects_says_how_much():
    """A check with its own ``finish`` that cannot say what it holds would switch the cache off for every run."""
    from lintops.catalog import load_rules
    from lintops.checks.base import Check

    silent = [rule.id for rule in load_rules() if rule.check is not None
              and type(rule.check).finish is not Check.finish and rule.check.holding() is None]
    assert silent == []
