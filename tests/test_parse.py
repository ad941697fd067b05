"""The parse stage: data, positions, duplicate keys, hostile input."""

from __future__ import annotations

import time

import pytest

from lintops.model import Position
from lintops.parse.directives import directive_in_line, parse_directives
from lintops.parse.limits import Limits
from lintops.parse.stream import parse_bytes, parse_text

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: nginx:1.19
    ports: [{containerPort: 80}]
    resources:
      limits: {cpu: 100m}
"""


def test_builds_plain_data_like_kubernetes_yaml_to_json():
    parsed = parse_text("a: 0x1F\nb: 2020-01-01\nc: yes\nd: ~\ne: 1.5\n80: port\nf: !custom text\n", "f.yaml")
    assert parsed.problems == []
    assert parsed.documents[0].data == {"a": 31, "b": "2020-01-01", "c": True, "d": None, "e": 1.5, "80": "port",
                                        "f": "text"}


def test_positions_of_nested_nodes():
    document = parse_text(POD, "pod.yaml").documents[0]
    assert document.position("/spec/containers/0/image") == Position(8, 12)
    assert document.position("/spec/containers/0") == Position(7, 5)
    assert document.position("/spec/containers/0/ports/0/containerPort") == Position(9, 29)
    # a block collection is positioned at its key
    assert document.position("/spec/containers/0/resources") == Position(10, 5)
    assert document.position("/spec/containers") == Position(6, 3)


def test_missing_node_resolves_to_nearest_parent():
    document = parse_text(POD, "pod.yaml").documents[0]
    assert document.position("/spec/containers/0/livenessProbe") == Position(7, 5)
    assert document.position("/spec/containers/7/image") == Position(6, 3)


def test_multi_document_positions_are_per_file():
    parsed = parse_text("a: 1\n---\nb: 2\n---\nc:\n  d: 3\n", "m.yaml")
    assert [d.data for d in parsed.documents] == [{"a": 1}, {"b": 2}, {"c": {"d": 3}}]
    assert parsed.documents[2].position("/c/d") == Position(6, 6)


def test_duplicate_key_is_a_problem_at_the_second_key():
    parsed = parse_text("metadata:\n  name: a\n  name: b\n", "d.yaml")
    assert [(p.rule_id, p.position) for p in parsed.problems] == [("duplicate-key", Position(3, 3))]
    assert "first defined at line 2" in parsed.problems[0].message
    assert parsed.documents[0].data == {"metadata": {"name": "b"}}


def test_syntax_error_costs_only_its_document():
    parsed = parse_text("a: 1\n---\nb: [1, 2\nc: 3\n---\nd: 4\n", "s.yaml")
    assert [p.rule_id for p in parsed.problems] == ["yaml-syntax"]
    assert parsed.problems[0].position.line in (3, 4, 5)
    assert [d.data for d in parsed.documents] == [{"a": 1}, {"d": 4}]
    assert parsed.documents[1].position("/d") == Position(6, 4)


def test_merge_keys():
    parsed = parse_text("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n", "m.yaml")
    assert parsed.documents[0].data["d"] == {"x": 1, "y": 3}


def test_json_with_tabs_keeps_columns():
    parsed = parse_text('{\n\t"kind": "Pod",\n\t"spec": {"x": 1}\n}\n', "p.json", is_json=True)
    assert parsed.documents[0].data == {"kind": "Pod", "spec": {"x": 1}}
    assert parsed.documents[0].position("/spec/x") == Position(3, 16)


BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


@pytest.mark.parametrize(
    ("name", "raw", "rule_id"),
    [
        ("alias bomb", BOMB.encode(), "yaml-limit"),
        ("deep flow nesting", ("a: " + "[" * 10_000 + "]" * 10_000).encode(), "yaml-limit"),
        ("deep block nesting", "".join("  " * i + f"k{i}:\n" for i in range(2_000)).encode(), "yaml-limit"),
        ("binary", bytes(range(256)) * 10, "yaml-syntax"),
        ("latin-1", "name: caf\xe9\n".encode("latin-1"), "yaml-syntax"),
    ],
)
def test_hostile_input_is_a_finding_not_a_hang(name, raw, rule_id):
    started = time.perf_counter()
    parsed = parse_bytes(raw, "hostile.yaml")
    assert time.perf_counter() - started < 5, name
    assert [p.rule_id for p in parsed.problems] == [rule_id]


def test_non_utf8_position():
    parsed = parse_bytes(b"a: 1\nname: caf\xe9\n", "l.yaml")
    assert parsed.problems[0].position == Position(2, 10)


def test_file_over_the_size_limit():
    parsed = parse_bytes(b"a: 1\n" * 100, "big.yaml", limits=Limits(max_file_bytes=100))
    assert [p.rule_id for p in parsed.problems] == ["yaml-limit"]
    assert parsed.documents == []


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n", "\n\n"])
def test_empty_inputs_have_no_documents_with_data(text):
    parsed = parse_text(text, "e.yaml")
    assert parsed.problems == []
    assert all(d.data is None for d in parsed.documents)


def test_recursive_alias_is_refused():
    parsed = parse_text("a: &a\n  b: *a\n", "r.yaml")
    assert [p.rule_id for p in parsed.problems] in (["yaml-limit"], ["yaml-syntax"])


def test_directives_are_read_from_comments_only():
    text = ('# lintops: ignore-file[schema] generated\n'
            'a: 1  # lintops: ignore[rule-a, rule-b] a reason\n'
            '  # lintops: ignore[rule-c]\n'
            'b: "# lintops: ignore[rule-d] inside a string"\n')
    assert [(d.scope, d.rules, d.reason, d.line, d.column, d.whole_line) for d in parse_directives(text)] == [
        ("file", ("schema",), "generated", 1, 1, True),
        ("line", ("rule-a", "rule-b"), "a reason", 2, 7, False),
        ("line", ("rule-c",), "", 3, 3, True),
    ]


def test_a_directive_says_where_its_rule_list_is_written():
    line = "    # lintops: ignore[rule-a,rule-b] why"
    directive = directive_in_line(line, 7)
    assert directive is not None and directive.line == 7
    start, end = directive.rules_span
    assert line[start:end] == "rule-a,rule-b"
    assert directive_in_line("    # an ordinary comment", 1) is None
