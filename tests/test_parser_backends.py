"""The parse stage's fast paths read what the general path reads.

The builder skips work for the common case (a plain string scalar, a key not yet in its mapping) and
the loader answers the composer's path-resolver calls with C-level callables; these tests pin the
cases those shortcuts must not change: a key written three times (each repetition names the place
before it), a key that is an alias of an earlier key, merge keys next to duplicates, tagged scalars
inside sequences, and the hostile inputs (an alias bomb, nesting past the depth limit, a huge scalar)
that must still cost only their document.
"""

from __future__ import annotations

import yaml

from lintops.model import Position
from lintops.parse.loader import Loader
from lintops.parse.stream import parse_text


def _problems(text: str) -> list[tuple[str, str, Position]]:
    return [(p.rule_id, p.message, p.position) for p in parse_text(text, "t.yaml").problems]


def test_a_key_written_three_times_names_the_place_before_each_repetition():
    assert _problems("a: 1\nb: 2\na: 3\na: 4\n") == [
        ("duplicate-key", "duplicate key 'a' (first defined at line 1)", Position(3, 1)),
        ("duplicate-key", "duplicate key 'a' (first defined at line 3)", Position(4, 1)),
    ]
    assert parse_text("a: 1\nb: 2\na: 3\na: 4\n", "t.yaml").documents[0].data == {"a": 4, "b": 2}


def test_a_key_that_is_an_alias_of_an_earlier_key_is_a_duplicate_at_that_key():
    assert _problems("&k x: 1\n*k : 2\n") == [
        ("duplicate-key", "duplicate key 'x' (first defined at line 1)", Position(1, 1)),
    ]


def test_merged_keys_are_no_duplicates_but_written_ones_are():
    text = "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  x: 3\n  x: 5\n"
    parsed = parse_text(text, "t.yaml")
    assert parsed.documents[0].data["m"] == {"x": 5, "y": 2}
    assert [(p.rule_id, p.position) for p in parsed.problems] == [("duplicate-key", Position(5, 3))]


def test_a_key_after_a_non_scalar_key_is_read():
    parsed = parse_text("? [l]\n: 3\nb: yes\n", "t.yaml")
    assert parsed.documents[0].data == {"b": True}
    assert [p.rule_id for p in parsed.problems] == ["yaml-syntax"]


def test_scalars_in_sequences_keep_their_tags_and_problems():
    parsed = parse_text("l: [a, '1', 1, 0x1F, ~, !!str 12, !!int true, yes]\n", "t.yaml")
    assert parsed.documents[0].data == {"l": ["a", "1", 1, 31, None, "12", "true", True]}
    assert parsed.documents[0].has_nulls
    assert [(p.rule_id, p.position) for p in parsed.problems] == [("yaml-syntax", Position(1, 35))]


def test_a_document_of_strings_only_has_no_nulls():
    assert not parse_text("a: b\nc: [d, 'e']\n", "t.yaml").documents[0].has_nulls


def test_the_loader_composes_the_same_nodes_as_pyyaml_safe_loader():
    text = "a: &x [1, {b: c}]\nd: *x\ne: !!str 3\nf: 2001-12-14\n"
    ours, theirs = yaml.compose(text, Loader=Loader), yaml.compose(text, Loader=yaml.SafeLoader)

    def shape(node: yaml.Node) -> object:
        marks = (node.start_mark.line, node.start_mark.column, node.end_mark.line, node.end_mark.column)
        if isinstance(node, yaml.ScalarNode):
            return node.value, marks
        if isinstance(node, yaml.SequenceNode):
            return [shape(n) for n in node.value], marks
        return [(shape(k), shape(v)) for k, v in node.value], marks

    assert shape(ours) == shape(theirs)
    # The one difference: an implicit timestamp is a string, as Kubernetes reads it.
    assert ours.value[3][1].tag == "tag:yaml.org,2002:str"


def test_hostile_inputs_cost_only_their_document():
    bomb = "a: &a [" + ",".join(["x"] * 10) + "]\n" + "".join(
        f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 10) + "]\n" for i in range(1, 9))
    deep = "x: " + "[" * 300 + "]" * 300 + "\n"
    huge = 'x: "' + "a" * 3_000_000 + '"\n'
    parsed = parse_text(bomb + "---\n" + deep + "---\n" + huge + "---\nok: 1\n", "t.yaml")
    assert [(p.rule_id, p.position) for p in parsed.problems] == [
        ("yaml-limit", Position(4, 4)), ("yaml-limit", Position(11, 203))]
    assert [d.data for d in parsed.documents][2:] == [{"x": "a" * 3_000_000}, {"ok": 1}]


def test_a_text_without_anchors_still_meets_the_depth_limit():
    deep = "x: " + "[" * 300 + "]" * 300 + "\n---\n" + "".join(f"{' ' * i}k{i}:\n" for i in range(250)) + "---\nok: 1\n"
    assert "&" not in deep
    parsed = parse_text(deep, "t.yaml")
    assert [(p.rule_id, p.message) for p in parsed.problems] == [
        ("yaml-limit", "nesting deeper than 200 levels; document not parsed")] * 2
    assert [d.data for d in parsed.documents] == [None, None, {"ok": 1}]


def test_an_ampersand_in_a_string_only_builds_the_same_data():
    text = "a: 'x&y'\nb: [{c: d}, {c: d}]\n"
    assert parse_text(text, "t.yaml").documents[0].data == {"a": "x&y", "b": [{"c": "d"}, {"c": "d"}]}
    assert parse_text(text.replace("&", "+"), "t.yaml").documents[0].data["b"] == [{"c": "d"}, {"c": "d"}]
