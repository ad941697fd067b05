"""One splitter per kind of text: Helm's for rendered charts, kubectl's for manifest files.

Helm cuts a release manifest with ``(?:^|\\s*\\n)---\\s*`` after trimming it (``releaseutil.SplitManifests``),
so ``---`` glued to the next line's text still separates documents (cert-manager's rbac.yaml, a
template whose ``{{- include ...}}`` eats the line break after ``---``); kubectl's YAML reader needs the
rest of a ``---`` line to be blank or a comment. ``lintops check`` and ``lintops render`` must agree.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from lintops.parse.splitters import Piece, SeparatorProblem, split_helm, split_kubectl
from lintops.parse.stream import HELM, parse_text

REPO = Path(__file__).resolve().parent.parent


# -- Helm -------------------------------------------------------------------------------------------

def test_helm_splits_dashes_glued_to_the_next_line():
    text = "apiVersion: v1\nkind: A\n---apiVersion: v1\nkind: B\n---apiVersion: v1\nkind: C\n"
    assert split_helm(text) == [Piece("apiVersion: v1\nkind: A", 0), Piece("apiVersion: v1\nkind: B", 2, 3),
                                Piece("apiVersion: v1\nkind: C", 4, 3)]


@pytest.mark.parametrize(("text", "expected"), [
    ("", []),
    ("  \n\n ", []),
    # empty documents: Helm's regexp consumes the break after the first ---, so the second is a piece of
    # its own ("---", an empty YAML document: no object), as releaseutil.SplitManifests leaves it
    ("---\n---\n---\n", [Piece("---", 1)]),
    ("a: 1\n---\n\n---\nb: 2", [Piece("a: 1", 0), Piece("---\nb: 2", 3)]),  # likewise
    ("\n\n  ---\na: 1\n", [Piece("a: 1", 3)]),                         # leading white space, trimmed first
    ("a: 1\n---\n\n\nb: 2\n", [Piece("a: 1", 0), Piece("b: 2", 4)]),
    ("a: 1\n--- # next\nb: 2", [Piece("a: 1", 0), Piece("# next\nb: 2", 1, 4)]),   # --- # comment
    ("a: 1\n--- trailing\nb: 2", [Piece("a: 1", 0), Piece("trailing\nb: 2", 1, 4)]),  # --- with text
    ("# Source: x\na: 1\n---\n# only a comment\n", [Piece("# Source: x\na: 1", 0), Piece("# only a comment", 3)]),
    ("a: |\n  x\n  ---\n  y\n", [Piece("a: |\n  x\n  ---\n  y", 0)]),  # an indented --- does not cut
    ("a: 1 ---\nb: 2", [Piece("a: 1 ---\nb: 2", 0)]),                # --- not at a line start
    ("a: 1\r\n---\r\nb: 2\r\n", [Piece("a: 1", 0), Piece("b: 2", 2)]),
])
def test_helm_edge_cases(text, expected):
    assert split_helm(text) == expected


def test_helm_pieces_parse_to_three_objects_without_syntax_or_duplicate_key_problems():
    text = textwrap.dedent("""\
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: cert-manager-cainjector
        rules: []
        ---apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata:
          name: cert-manager-cainjector
        ---apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata:
          name: cert-manager-cainjector:leaderelection
        """)
    parsed = parse_text(text, "rbac.yaml", split=HELM)
    assert parsed.problems == []
    assert [(d.data["kind"], d.position("/kind").line) for d in parsed.documents] == [
        ("ClusterRole", 2), ("ClusterRoleBinding", 7), ("Role", 11)]
    assert parse_text(text, "rbac.yaml").problems  # kubectl's way, the same text is not three objects


# -- kubectl ----------------------------------------------------------------------------------------

def test_kubectl_separators_are_blank_or_commented_dash_lines():
    text = "a: 1\n---\nb: 2\n---   \nc: 3\n--- # d\nd: 4\n"
    pieces, problems = split_kubectl(text)
    assert [(p.text, p.line) for p in pieces] == [("a: 1\n", 0), ("b: 2\n", 2), ("c: 3\n", 4), ("d: 4\n", 6)]
    assert problems == []


def test_kubectl_refuses_dash_lines_with_text_and_still_cuts_there():
    pieces, problems = split_kubectl("a: 1\n---b: 2\n--- c\nd: 4")
    assert [(p.text, p.line) for p in pieces] == [("a: 1\n", 0), ("d: 4", 3)]
    assert problems == [SeparatorProblem(1, "invalid Yaml document separator: b: 2"),
                        SeparatorProblem(2, "invalid Yaml document separator: c")]


def test_kubectl_keeps_line_numbers_across_other_line_breaks():
    pieces, _ = split_kubectl("a: 1\r\n---\r\nb: 2\rc: 3\n---\nd: 4")
    assert [(p.text, p.line) for p in pieces] == [("a: 1\r\n", 0), ("b: 2\rc: 3\n", 2), ("d: 4", 5)]


# -- check and render agree -------------------------------------------------------------------------

CHART = {
    "Chart.yaml": "apiVersion: v2\nname: glued\nversion: 1.0.0\n",
    "values.yaml": "names: [cainjector, controller]\n",
    "templates/_helpers.tpl": textwrap.dedent("""\
        {{- define "glued.role" -}}
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata:
          name: {{ . }}
          namespace: default
        rules: []
        {{- end }}
        """),
    "templates/rbac.yaml": textwrap.dedent("""\
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: glued
          namespace: default
        {{- range .Values.names }}
        ---
        {{- include "glued.role" . }}
        {{- end }}
        """),
}


def test_a_chart_with_glued_dashes_renders_and_checks_three_objects(tmp_path, cli, lint_json, monkeypatch):
    pytest.importorskip("helm_python")
    for name, text in CHART.items():
        (tmp_path / "glued" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "glued" / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _, report = lint_json("glued")
    rules = {f["rule"] for f in report["findings"]}
    assert not rules & {"yaml-syntax", "duplicate-key", "schema"}, report["findings"]
    assert report["summary"]["rendered"] == 3
    rendered = cli("render", "glued")
    assert rendered.stdout.count("# Source: ") == 3


def _roots() -> list[str]:
    overlays = sorted(str(p.relative_to(REPO)) for p in (REPO / "examples/kustomize/overlays").iterdir() if p.is_dir())
    charts = sorted(str(p.relative_to(REPO)) for p in (REPO / "examples/charts").iterdir() if p.is_dir())
    return charts + overlays


@pytest.mark.parametrize("root", _roots())
def test_render_and_check_agree_on_the_object_count(root, cli, monkeypatch):
    monkeypatch.chdir(REPO)
    checked = json.loads(cli("check", "--format", "json", root).stdout)["summary"]
    rendered = cli("render", root).stdout
    documents = len(re.findall(r"^# Source: ", rendered, flags=re.MULTILINE))
    assert documents > 0
    assert checked["rendered"] == documents
