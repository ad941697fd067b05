"""A file's documents flow through the stages one at a time (memory grows with the largest document).

The parse stage hands out documents as they are composed (lintops.parse.stream.DocumentStream); the
engine checks each before the next is composed and then releases its node tree, which a position asked
later (an object a check held back until the end of the run) composes again from the file's text.
These tests pin what must not change with that: the same documents, problems and positions as
parsing the whole file at once, recovery after a syntax error without a document twice, and findings
on held-back objects at their place.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builders import SIZED_SPEC, crd
from conftest import FIXTURES, REPO, run_lintops, write
from lintops.parse.stream import parse_text, stream_text


def _pointers(data: object, pointer: str = "") -> list[str]:
    found = [pointer]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _pointers(value, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}")
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _pointers(value, f"{pointer}/{index}")
    return found


SAMPLES = sorted([*FIXTURES.rglob("*.yaml"), *(REPO / "examples").rglob("*.yaml")])[:80]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: str(p.relative_to(REPO)))
def test_a_released_document_gives_every_position_it_gave_before(path: Path) -> None:
    text = path.read_text(errors="replace")
    for document in parse_text(text, path.name).documents:
        pointers = _pointers(document.data)[:400]
        before = [(document.position(p), document.position(p, at_key=True)) for p in pointers]
        document.release()
        assert document.root is None
        assert [(document.position(p), document.position(p, at_key=True)) for p in pointers] == before


def test_positions_of_released_documents_after_non_ascii_text_and_on_a_document_start_line() -> None:
    text = "a: é\n---\nb: ü  # ü\nc: [1, {d: 2}]\n--- &x {z: [1, 2]}\n...\n--- \n  e:\n    - f\n"
    documents = parse_text(text, "x.yaml").documents
    wanted = [("/a", (1, 4)), ("/c/1/d", (4, 12)), ("/z/1", (5, 16)), ("/e/0", (9, 7))]
    by_pointer = {p: d for d in documents for p, _ in wanted if d.data and p.split("/")[1] in d.data}
    for document in documents:
        document.release()
    assert [(p, tuple(by_pointer[p].position(p).__dict__.values())) for p, _ in wanted] == wanted


def _summary(parsed) -> tuple:
    return ([(d.data, d.position("")) for d in parsed.documents],
            sorted((p.rule_id, p.message, p.position.line, p.position.column) for p in parsed.problems))


@pytest.mark.parametrize(("text", "keys"), [
    ("a: 1\n---\nb: [\n---\nc: 3\n", ["a", "c"]),  # a broken document between two good ones
    ("a: 1\n- b\n---\nc: 3\n", ["c"]),  # a broken first document
    ("a: 1\n---\nb: 2\n---\nc: {\n", ["a", "b"]),  # the last document broken
    ("{a: 1}\n---\nb: 2\n c: 3\n---\nd: 4\n", ["a", "d"]),  # a flow document first
    ("a: 1\n---\nb: 2\n...\nc: 3\n---\nd: 4\n", ["a", "b", "d"]),  # content after an explicit end
    ("a: 1\r\n---\r\nb: [\r\n---\r\nc: 3\r\n", ["a", "c"]),  # CRLF
    ("a: 1\n---\nb: \"\x85\"\n---\nc: ]\n---\nd: 4\n", ["a", "b", "d"]),  # a NEL, which YAML counts as a break
], ids=["middle", "first", "last", "flow-first", "after-end", "crlf", "nel"])
def test_after_a_syntax_error_every_other_document_is_read_once(text: str, keys: list[str]) -> None:
    stream = stream_text(text, "x.yaml")
    documents = list(stream.documents)
    assert [key for d in documents for key in d.data] == keys
    assert any(p.rule_id == "yaml-syntax" for p in stream.problems)
    assert _summary(type("P", (), {"documents": documents, "problems": stream.problems})) == \
        _summary(parse_text(text, "x.yaml"))


def test_the_stream_gives_what_parsing_the_whole_text_gives() -> None:
    text = (FIXTURES / "kubeconform" / "multi_valid.yaml").read_text()
    broken = text.replace("kind:", "kind: [", 1)
    for sample in (text, broken):
        stream = stream_text(sample, "x.yaml")
        assert _summary(type("P", (), {"documents": list(stream.documents), "problems": stream.problems})) == \
            _summary(parse_text(sample, "x.yaml"))


WIDGET_CRD = crd("Widget", schema=SIZED_SPEC)


def test_an_object_held_back_for_a_later_crd_is_reported_at_its_place(tmp_path: Path) -> None:
    # The Widget waits for its CRD (in a later file); by then its document's nodes were released.
    write(tmp_path / "a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n"
                               "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n"
                               "spec:\n  size: big\n  colour: red\n")
    write(tmp_path / "z.yaml", WIDGET_CRD)
    result = run_lintops("check", "--format", "json", "-q", ".", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    found = {(f["path"], f["line"], f["column"], f["message"]) for f in json.loads(result.stdout)["findings"]}
    assert ("a.yaml", 10, 9, "spec.size: expected integer, got string") in found, found
    assert ("a.yaml", 11, 3, "unknown field 'colour'") in found, found
