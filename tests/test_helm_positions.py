"""Findings on rendered Helm objects land on the template text that wrote the node (lintops.inputs.helm.trace).

The chart of tests/fixtures/helm-positions is rendered for real (helm-python-sdk). Its role.yaml writes
one Role per namespace (``range``) and one rules entry per ``{{ if has ... }}`` block closed by
``{{ end -}}``, with entries dropped by the values: an entry is found by the text that wrote it, not by
its index among the written entries (which put the fourteenth entry of kube-state-metrics' role on
another entry's line). Entries of flow and block lists are placed at the entry, not at the key.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lintops.inputs.helm import backends, render_chart
from lintops.inputs.helm.trace import Trace, text_nodes
from lintops.inputs.manifests import resources_from
from lintops.model import Location
from lintops.parse.stream import parse_text

pytest.importorskip("helm_python", reason="Helm rendering tests need helm-python-sdk (pip install -e '.[helm]')")

ROOT = Path(__file__).parent / "fixtures" / "helm-positions"
ROLE = "collectors/templates/role.yaml"
READER = "collectors/templates/reader.yaml"


@pytest.fixture(autouse=True)
def sdk_only(monkeypatch):
    monkeypatch.setattr(backends.shutil, "which", lambda name: None)


@pytest.fixture(scope="module")
def sources():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(backends.shutil, "which", lambda name: None)
        result = render_chart(ROOT / "collectors", display=lambda p: Path(p).relative_to(ROOT).as_posix())
    assert result.problems == []
    return {source.source.path: source for source in result.sources}


def located(source, pointer: str, kind: str | None = None, ordinal: int = 0, at_key: bool = False):
    parsed = parse_text(source.text, source.source.path)
    resources = [r for r in resources_from(parsed, source.source, source.locators).resources
                 if kind is None or r.kind == kind]
    return resources[ordinal].locate(pointer, at_key)


def at(path: str, line: int, column: int) -> Location:
    return Location(path, line, column)


@pytest.mark.parametrize("ordinal", [0, 1])  # the Role of each namespace the range writes
def test_an_entry_of_a_trimmed_if_block_is_placed_at_its_own_line(sources, ordinal):
    role = sources[ROLE]
    # rendered entries: configmaps, pods, secrets (nodes and services are dropped), then extraRules
    assert located(role, "/rules/2/resources/0", ordinal=ordinal).location == at(ROLE, 41, 5)
    assert located(role, "/rules/1", ordinal=ordinal).location == at(ROLE, 27, 3)
    assert located(role, "/rules/1/resources/0", ordinal=ordinal).location == at(ROLE, 29, 5)
    assert located(role, "/rules/2/verbs/1", ordinal=ordinal).location == at(ROLE, 42, 19)


def test_values_printed_by_actions_point_at_the_action_or_the_values_key(sources):
    role = sources[ROLE]
    assert located(role, "/metadata/namespace").location == at(ROLE, 7, 14)  # {{ . }} of the range
    assert located(role, "").location == at(ROLE, 3, 1)
    # toYaml of a with block: the values key, the template's nearest written parent as related place
    team = located(role, "/metadata/labels/team")
    assert (team.location, team.related) == (at("collectors/values.yaml", 11, 3), (at(ROLE, 8, 3),))
    extra = located(role, "/rules/3/verbs/0")
    assert (extra.location, extra.related) == (at("collectors/values.yaml", 9, 13), (at(ROLE, 13, 1),))


def test_entries_of_flow_lists_in_a_second_document(sources):
    reader = sources[READER]
    assert located(reader, "/rules/0/resources/1", "ClusterRole").location == at(READER, 15, 31)
    assert located(reader, "/rules/0/verbs/0", "ClusterRole").location == at(READER, 16, 13)
    assert located(reader, "/rules/0/verbs/1", "ClusterRole").location == at(READER, 16, 20)  # {{ "list" | quote }}
    # an include's output is another file's text: its nearest parent written here
    assert located(reader, "/metadata/labels/app.kubernetes.io~1name", "ClusterRole").location == at(READER, 11, 3)
    assert located(reader, "/metadata/name", "ServiceAccount").location == at(READER, 5, 9)
    assert located(reader, "/metadata/name", "ClusterRole").location == at(READER, 10, 9)


def test_the_cli_reports_the_secrets_entry_of_a_flow_list_at_the_entry(tmp_path):
    env = {"PATH": str(tmp_path), "HOME": str(tmp_path)}  # no helm binary: the SDK renders
    process = subprocess.run([sys.executable, "-m", "lintops", "check", "--no-cache", "--format", "json",
                              "collectors"], cwd=ROOT, capture_output=True, text=True, env=env, check=False)
    assert process.returncode in (0, 1), process.stderr
    found = [(f["path"], f["line"], f["column"], f["pointer"]) for f in json.loads(process.stdout)["findings"]
             if f["rule"] == "rbac-secrets-read"]
    assert [(Path(path).as_posix().endswith(READER), *rest) for path, *rest in found] == [
        (True, 15, 31, "/rules/0/resources/1")]


def test_text_nodes_apply_trim_markers_and_skip_comments_and_strings():
    nodes, regions = text_nodes('a: 1\n{{- if x }}\nb: {{ "}}" }}\n{{ end -}}\n  {{/* }} */}}c: 2\n')
    # "a: 1" has no line break left after the trim: alone it tells no line, so it is no node; the "}}"
    # in a string and in a comment close nothing, and the "-}}" trims the break and spaces after it
    assert [(node.start, node.lines, node.action) for node in nodes] == [(16, ("", "b: "), 20),
                                                                         (56, ("c: 2", ""), None)]
    assert regions == []
    _, loops = text_nodes("{{ range .x }}\n- a\n{{ end }}\n")
    assert len(loops) == 1


def test_a_line_two_places_could_have_written_is_not_answered():
    template = "{{ if .a }}\nx: 1\n{{ end }}\n{{ if .b }}\nx: 1\n{{ end }}\n"
    trace = Trace(template, "\nx: 1\n\n")
    assert trace.locate(1, 0) is None
    assert Trace(template.replace("x: 1\n{{ end }}\n{{ if .b }}", "y: 2\n{{ end }}\n{{ if .b }}", 1),
                 "\ny: 2\n\n").locate(1, 0) is not None
