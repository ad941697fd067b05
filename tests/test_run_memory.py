"""What a run keeps per file, and what importing the parser compiles.

Peak memory at 100,000 objects is a tracked target (bench/run.py), and it grew with what a run held per
file: discovery listed every file as an InputFile with its Path before the first was linted, and the run
kept an entry of exemption comments for every file it linted. These tests hold the compact listing
(lintops.inputs.listed) and the table of comments (lintops.pipeline.documents) to the same answers as
before, and PyYAML's patterns (lintops.parse.pyyaml) to the same behaviour, compiled only when used.
"""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from pathlib import Path

from builders import write
from lintops.inputs.discover import InputFile, discover
from lintops.pipeline.rendered import record_directives

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"


def _tree(root: Path, files: int) -> Path:
    for index in range(files):
        write(root / f"team-{index % 4}" / f"app-{index}.yaml", CONFIGMAP)
    return root


def test_discovery_hands_out_input_files_equal_to_those_listed(tmp_path):
    root = _tree(tmp_path / "repo", 12)
    write(root / "named.yaml", "a: 1\n")
    found = [item for item in discover([str(root / "team-1"), str(root / "named.yaml"), str(root)], base=root)]
    assert all(type(item) is InputFile for item in found)
    listed = {team: sorted(f"team-{team}/app-{i}.yaml" for i in range(team, 12, 4)) for team in range(4)}
    assert [item.display for item in found] == [*listed[1], "named.yaml", *listed[0], *listed[2], *listed[3]]
    for item in found:
        assert item.path == root / item.display and str(item.path) == str(root / item.display)
        assert item.root is not None and not item.context and item.parsed is None


def test_discovery_keeps_little_per_file_until_the_first_is_linted(tmp_path):
    """Until the first file is handed out every file is listed (the Kustomize and ArgoCD passes need them):
    about 820 bytes a file as InputFile objects with their Paths, under 400 as lintops.inputs.listed keeps them."""
    files = 2000
    root = _tree(tmp_path / "repo", files)
    tracemalloc.start()
    try:
        first = next(iter(discover([str(root)], base=root)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert first.display == "team-0/app-0.yaml"
    assert peak / files < 550, peak / files


def _state(cli_root: Path):
    from lintops.runner import Settings, prepare

    run = prepare(Settings(paths=(str(cli_root),), base_dir=cli_root))
    engine = run.engine()
    reports = list(engine.lint(run.discover([str(cli_root)])))
    return engine.state, reports


def test_the_run_keeps_comments_only_of_files_that_may_have_some(tmp_path):
    root = tmp_path / "repo"
    plain = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n"
    write(root / "a.yaml", plain)
    write(root / "b.yaml", "# lintops: ignore-file[configmap-name] generated\n" + plain)
    write(root / "c.yaml", plain.replace("k: v", "k: 'ünïcode'"))
    (root / "d.yaml").write_bytes(("\ufeff" + plain).encode("utf-16"))
    (root / "e.yaml").write_bytes(b"# lintops: ignore-file[x] \xff\n" + plain.encode())  # not UTF-8
    write(root / "f.yaml", "")
    state, _ = _state(root)
    assert "a.yaml" not in state.directives  # ASCII without `lintops:`: read again it has none either
    assert [d.rules for d in state.directives["b.yaml"]] == [("configmap-name",)]
    assert state.directives["c.yaml"] == [] and state.directives["d.yaml"] == []
    assert state.directives["e.yaml"] == [] and state.directives["f.yaml"] == []
    for path in ("a.yaml", "b.yaml", "c.yaml", "d.yaml", "e.yaml", "f.yaml"):  # as a render's finding asks
        before = state.directives.get(path)
        record_directives(state, path)
        assert state.directives[path] == (before if before is not None else [])


_PYYAML = """
import sys
if sys.argv[1] == "lazy":
    import lintops.parse
import yaml
assert (type(yaml.reader.Reader.NON_PRINTABLE).__name__ == "LazyPattern") == (sys.argv[1] == "lazy")
text = "a: yes\\nb: 0x1F\\nc: 017\\nd: 2001-12-14t21:59:43.10-05:00\\ne: ~\\nf: .inf\\ng: 1_000\\nh: 12:30\\n"
print(repr(yaml.load(text, Loader=yaml.SafeLoader)), repr(yaml.load(text, Loader=yaml.CSafeLoader)))
print(yaml.safe_dump({"k": ["yes", "0x1F", "1e3", "12:30", "\\u0007bell"]}))
try:
    yaml.load("a: \\u0007", Loader=yaml.SafeLoader)
except yaml.YAMLError as exc:
    print(type(exc).__name__, exc)
"""


def test_pyyaml_behaves_the_same_with_its_patterns_compiled_when_first_used():
    answers = [subprocess.run([sys.executable, "-c", _PYYAML, mode], capture_output=True, text=True, check=True).stdout
               for mode in ("eager", "lazy")]
    assert answers[0] == answers[1]
    assert "ReaderError" in answers[0] and "0x1F" in answers[0]
