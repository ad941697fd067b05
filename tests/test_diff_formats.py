"""The three formats of ``lintops diff`` (text, Markdown note, JSON contract), on results built by hand.

The comparison itself (real git repositories, two commits) is tested with the command; here every
shape a result can take is built directly, hostile names and values included, and each format is read
back: text line by line, Markdown by what a renderer would make of it, JSON through ``json.loads``.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from pathlib import Path

import pytest

from lintops.diff import json_contract
from lintops.diff.json_contract import to_json, write_json
from lintops.diff.markdown import MARKER, MIN_NOTE_CHARS, format_markdown
from lintops.diff.model import (
    ADDED,
    CHANGED,
    REMOVED,
    DiffResult,
    EnvironmentChanges,
    FieldChange,
    FindingChanges,
    ObjectChange,
    ObjectKey,
    Redacted,
)
from lintops.diff.text import MAX_VALUE_CHARS, format_text
from lintops.model import Finding, Location, ObjectRef, RunSummary, Severity
from lintops.reporters import RunInfo
from lintops.reporters.json import JsonReporter, finding_to_dict

SECRET = "hunter2-s3cr3t-value"
DIGEST = "1a2b3c4d"
ESC = "\x1b"


def key(name: str = "web", kind: str = "Deployment", namespace: str | None = "shop", group: str = "apps",
        environment: str | None = "production", occurrence: int = 0) -> ObjectKey:
    return ObjectKey(environment, None, group, kind, namespace, name, occurrence)


def changed_object(name: str = "web", fields: list[FieldChange] | None = None, **changes) -> ObjectChange:
    values = {"key": key(name), "status": CHANGED, "api_version": "apps/v1", "old_api_version": "apps/v1",
              "location": Location("charts/web/templates/deployment.yaml", 3, 1)}
    values.update(changes)
    return ObjectChange(fields=fields if fields is not None else [image_change()], **values)


def image_change(old="nginx:1.1", new="nginx:abc123", path="spec.template.spec.containers[name=app].image"):
    return FieldChange(path, "/spec/template/spec/containers/0/image", CHANGED, old, new,
                       location=Location("values-production.yaml", 12, 8))


def finding(rule="pinned-image-tag", message="container 'app' uses image 'nginx:latest'", line=9,
            severity=Severity.ERROR, **changes) -> Finding:
    return Finding(rule, severity, message, Location("charts/web/values-production.yaml", line, 8),
                   pointer="/spec/template/spec/containers/0/image",
                   object=ObjectRef("apps/v1", "Deployment", "shop", "web"), environment=("production",), **changes)


def result(environments: list[EnvironmentChanges] | None = None, findings: FindingChanges | None = None,
           failed: bool = False, **changes) -> DiffResult:
    if environments is None:
        environments = [sample_production(), EnvironmentChanges("staging", unchanged=12)]
    values = {"base_ref": "origin/main", "base_commit": "0123456789abcdef0123456789abcdef01234567",
              "environments": environments, "findings": findings or FindingChanges(), "fail_on": Severity.ERROR,
              "failed": failed, "head_summary": RunSummary(files=4, objects=24),
              "base_summary": RunSummary(files=4, objects=23)}
    values.update(changes)
    return DiffResult(**values)


def sample_production() -> EnvironmentChanges:
    secret_field = FieldChange("data.password", "/data/password", CHANGED, Redacted("9f8e7d6c"), Redacted(DIGEST),
                               redacted=True, location=Location("secrets/db.yaml", 7, 13))
    return EnvironmentChanges(
        "production",
        added=[ObjectChange(key("web", "Service", group=""), ADDED, "v1",
                            location=Location("charts/web/templates/service.yaml", 1, 1))],
        removed=[ObjectChange(key("old", "ConfigMap", group=""), REMOVED, "v1", "v1",
                              location=Location("manifests/old.yaml", 1, 1))],
        changed=[
            changed_object(fields=[
                image_change(),
                FieldChange("spec.replicas", "/spec/replicas", ADDED, new=3, location=Location("values.yaml", 4, 11)),
                FieldChange("metadata.labels.tier", "/metadata/labels/tier", REMOVED, old="1"),
            ], omitted_fields=4),
            changed_object("db", fields=[secret_field], key=key("db", "Secret", group=""), api_version="v1",
                           old_api_version="v1"),
        ],
        unchanged=10,
    )


def sample() -> DiffResult:
    return result(findings=FindingChanges(
        introduced=[finding()],
        resolved=[finding("liveness-probe", "container 'app' has no livenessProbe", line=3)],
        unchanged=[finding("resource-requests", "container 'app' sets no requests", 5, Severity.WARNING)] * 3,
    ), failed=True)


def all_formats(diff: DiffResult) -> dict[str, str]:
    stream = io.StringIO()
    write_json(diff, stream)
    return {"text": format_text(diff, color=False, verbose=True), "color": format_text(diff, color=True),
            "markdown": format_markdown(diff), "json": stream.getvalue()}


# Text


def test_text_lists_objects_fields_findings_and_the_verdict():
    lines = format_text(sample(), color=False).splitlines()
    assert lines[0] == "Changes since origin/main (0123456789ab)"
    assert "production: 1 added, 1 removed, 2 changed, 10 unchanged" in lines
    start = lines.index("production: 1 added, 1 removed, 2 changed, 10 unchanged")
    assert lines[start + 1:start + 4] == [
        "+ Service/shop/web  charts/web/templates/service.yaml:1:1",
        "- ConfigMap/shop/old  manifests/old.yaml:1:1",
        "~ Secret/shop/db  charts/web/templates/deployment.yaml:3:1",
    ]
    web = lines.index("~ Deployment/shop/web  charts/web/templates/deployment.yaml:3:1")
    assert lines[web + 1:web + 5] == [
        '  spec.template.spec.containers[name=app].image: "nginx:1.1" -> "nginx:abc123"  (values-production.yaml:12:8)',
        "  spec.replicas: added 3  (values.yaml:4:11)",
        '  metadata.labels.tier: removed "1"',
        "  ... and 4 more fields",
    ]
    assert "unchanged: staging (12 objects)" in lines
    introduced = lines.index("Findings introduced by this change (1):")
    assert lines[introduced + 1] == (
        "charts/web/values-production.yaml:9:8: error [pinned-image-tag] container 'app' uses image 'nginx:latest' "
        "(Deployment/shop/web) [env: production]")
    assert "Findings resolved by this change (1):" in lines
    assert "Findings unchanged (3): the base has them too" in lines
    assert not any("resource-requests" in line for line in lines)  # a count only, unless verbose
    assert lines[-2:] == ["1 object added, 1 removed, 2 changed in 1 of 2 environments; "
                          "1 finding introduced, 1 resolved, 3 unchanged",
                          "FAILED: 1 introduced finding at or above error"]


def test_text_verbose_lists_the_unchanged_findings_and_a_passing_run_has_no_failed_line():
    diff = sample()
    diff.failed = False
    text = format_text(diff, color=False, verbose=True)
    assert text.count("[resource-requests]") == 3
    assert "FAILED" not in text


def test_text_scalars_are_shown_json_style_so_types_differ_visibly():
    diff = result([EnvironmentChanges("production", changed=[changed_object(fields=[
        FieldChange("a", "/a", CHANGED, "1", 1), FieldChange("b", "/b", CHANGED, None, True),
        FieldChange("c", "/c", CHANGED, {"k": [1, "x"]}, []), FieldChange("d", "/d", CHANGED, 1.5, float("inf")),
        FieldChange("e", "/e", CHANGED, "line one\nline two", "ü")])])])
    text = format_text(diff, color=False)
    assert '  a: "1" -> 1' in text
    assert "  b: null -> true" in text
    assert '  c: {"k": [1, "x"]} -> []' in text
    assert "  d: 1.5 -> .inf" in text
    assert '  e: "line one\\nline two" -> "ü"' in text


def test_text_cuts_long_values():
    diff = result([EnvironmentChanges("production", changed=[changed_object(fields=[
        image_change("x" * 500, "y")])])])
    line = next(line for line in format_text(diff, color=False).splitlines() if ".image:" in line)
    shown = '"' + "x" * (MAX_VALUE_CHARS - 1)
    assert f"{shown}… (382 more characters) -> \"y\"" in line


def test_text_colour_only_when_asked():
    plain, colored = format_text(sample(), color=False), format_text(sample(), color=True)
    assert ESC not in plain
    assert "\x1b[32m+\x1b[0m Service/shop/web" in colored
    assert "\x1b[31m-\x1b[0m ConfigMap/shop/old" in colored
    assert "\x1b[33m~\x1b[0m Deployment/shop/web" in colored
    assert "\x1b[1mproduction: 1 added" in colored
    assert re.sub("\x1b\\[[0-9;]*m", "", colored) == plain


def test_text_shows_an_api_version_change_and_a_run_without_changes():
    diff = result([EnvironmentChanges("production", changed=[changed_object(old_api_version="apps/v1beta2")])])
    assert "~ Deployment/shop/web  charts/web/templates/deployment.yaml:3:1  (apps/v1beta2 -> apps/v1)" in \
        format_text(diff, color=False)
    quiet = format_text(result([EnvironmentChanges(None, unchanged=3)]), color=False)
    assert "unchanged: plain manifests (3 objects)" in quiet
    assert quiet.splitlines()[-1] == ("no object changed in 1 environment; "
                                      "0 findings introduced, 0 resolved, 0 unchanged")


# Markdown

FENCE = re.compile(r"^(`{3,})diff$")
CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.*?)(?<!`)\1(?!`)")
HTML_CODE = re.compile(r"<code>([^<>]*)</code>")


def outside_fences(note: str) -> list[str]:
    """The note's lines outside fenced blocks (as CommonMark closes them), asserting every fence closes."""
    lines, fence = [], None
    for line in note.splitlines():
        if fence:
            if line.startswith("`") and line.strip("`") == "" and len(line) >= len(fence):
                fence = None
            continue
        opened = FENCE.match(line)
        if opened:
            fence = opened.group(1)
            continue
        lines.append(line)
    assert fence is None, "a fenced block is left open"
    return lines


def prose(note: str) -> list[str]:
    """The lines outside fenced blocks with inline code spans and <code> elements taken out: the text
    GitLab renders as Markdown and scans for mentions, links and references."""
    return [HTML_CODE.sub("<code></code>", CODE_SPAN.sub("CODE", line)) for line in outside_fences(note)]


def test_markdown_note_has_the_marker_table_sections_and_findings():
    note = format_markdown(sample())
    lines = note.splitlines()
    assert lines[0] == MARKER == "<!-- lintops diff -->"
    assert lines[1] == "### lintops diff"
    assert "**Failed**: 1 introduced finding at or above error." in note
    assert "| `production` | 1 | 1 | 2 | 10 |" in lines
    assert "| `staging` | 0 | 0 | 0 | 12 |" in lines
    assert ("<details open><summary><code>production</code>: 1 added, 1 removed, 2 changed, 10 unchanged</summary>"
            in lines)
    assert lines.count("</details>") == 1  # the unchanged environment has no section
    assert "**+ added** `Service/shop/web` at `charts/web/templates/service.yaml:1:1`" in lines
    assert "**- removed** `ConfigMap/shop/old` at `manifests/old.yaml:1:1`" in lines
    block = note[note.index("**~ changed** `Deployment/shop/web`"):]
    assert block.split("\n\n")[1].splitlines() == [
        "```diff",
        '- spec.template.spec.containers[name=app].image: "nginx:1.1"',
        '+ spec.template.spec.containers[name=app].image: "nginx:abc123"  (values-production.yaml:12:8)',
        "+ spec.replicas: 3  (values.yaml:4:11)",
        '- metadata.labels.tier: "1"',
        "  … and 4 more fields",
        "```",
    ]
    assert "#### Findings introduced by this change (1)" in lines
    assert ("- `charts/web/values-production.yaml:9:8` **error** `pinned-image-tag`: `container 'app' uses image "
            "'nginx:latest' (Deployment/shop/web) [env: production]`") in lines
    assert "#### Findings resolved by this change (1)" in lines
    assert "3 findings unchanged (the base has them too)." in lines
    assert "Left out" not in note
    prose(note)


def test_markdown_sections_collapse_beyond_three_changed_environments():
    def environments(count):
        return [EnvironmentChanges(f"env-{n}", changed=[changed_object()]) for n in range(count)]
    assert format_markdown(result(environments(3))).count("<details open>") == 3
    many = format_markdown(result(environments(4)))
    assert "<details open>" not in many
    assert many.count("<details><summary>") == 4


HOSTILE = "@all ![x](http://127.0.0.1/t.png) </details><img src=x> a|b ``` #1 \x1b[2K\u202e"
HOSTILE_VALUE = "```\n# Approved\n/approve\n@all ![x](http://127.0.0.1/t.png)"


def hostile_result() -> DiffResult:
    hostile_key = ObjectKey(HOSTILE, None, "apps", "Deployment", HOSTILE, HOSTILE)
    field = FieldChange(f"metadata.labels[{HOSTILE}]", "/metadata/labels/x", CHANGED, HOSTILE_VALUE,
                        {HOSTILE: [HOSTILE_VALUE]}, location=Location(f"{HOSTILE}.yaml", 1, 1))
    objects = [ObjectChange(hostile_key, CHANGED, "apps/v1", "apps/v1", Location(f"{HOSTILE}/x.yaml", 2, 3), [field]),
               ObjectChange(hostile_key, ADDED, HOSTILE, location=Location(HOSTILE, 1, 1))]
    bad = Finding(HOSTILE, Severity.ERROR, HOSTILE_VALUE, Location(HOSTILE, 1, 1),
                  object=ObjectRef("v1", HOSTILE, HOSTILE, HOSTILE), environment=(HOSTILE,))
    return result([EnvironmentChanges(HOSTILE, changed=objects[:1], added=objects[1:]),
                   EnvironmentChanges(f"quiet {HOSTILE}", unchanged=1)],
                  FindingChanges(introduced=[bad], resolved=[bad], unchanged=[bad]), failed=True, base_ref=HOSTILE)


OUR_LINE = re.compile("|".join([
    re.escape(MARKER), "### lintops diff", "Compared with .*", r"\*\*(Failed|Passed)\*\*: .*", "",
    r"\| .* \|", r"\|---\|.*", r"<details( open)?><summary><code>.*</code>: [0-9a-z, ]+</summary>", "</details>",
    r"\*\*[-+~] (added|removed|changed)\*\* .*", "`{3,}(diff)?", r"[-+] .*", "  … and .*", r"- `.*",
    r"#### Findings (introduced|resolved) by this change \([0-9]+\)", r"[0-9]+ findings? unchanged .*", "_Left out .*",
]))


def test_markdown_text_from_the_tree_cannot_become_markup():
    note = format_markdown(hostile_result())
    assert ESC not in note and "\u202e" not in note
    for line in note.splitlines():  # nothing from the tree starts a line: no heading, list, HTML block or /command
        assert OUR_LINE.fullmatch(line), line
    assert not [line for line in outside_fences(note) if "@all" in line]  # not even inside code spans
    text = "\n".join(prose(note))
    for forbidden in ("![", "](", "<img", "#1", "/approve", "# Approved"):
        assert forbidden not in text, forbidden
    ours = re.sub("<details( open)?><summary>|</summary>|</details>|<code></code>", "", text.replace(MARKER, ""))
    assert "<" not in ours and ">" not in ours  # every tag is ours: the tree's are text inside code
    assert text.count("</details>") == 1
    row = next(line for line in note.splitlines() if line.startswith(("| `", "| ``")) and "quiet" not in line)
    assert len(re.findall(r"(?<!\\)\|", row)) == 6  # the name's `|` does not open a cell
    summary = next(line for line in note.splitlines() if line.startswith("<details"))
    assert "&lt;/details&gt;&lt;img src=x&gt;" in summary


def test_markdown_fences_are_longer_than_any_backtick_run_inside():
    tick_field = FieldChange("data.script", "/data/script", CHANGED, "````` x", "`" * 9)
    note = format_markdown(result([EnvironmentChanges("p", changed=[changed_object(fields=[tick_field])])]))
    fences = [line for line in note.splitlines() if re.fullmatch("`{3,}(diff)?", line)]
    assert fences == ["`" * 10 + "diff", "`" * 10]
    assert "`` `@\u200dall` ``" in format_markdown(result([EnvironmentChanges("`@all`", unchanged=1)]))


def big_result(objects: int, findings: int) -> DiffResult:
    environments = [EnvironmentChanges(f"env-{n}", changed=[
        changed_object(f"web-{n}-{i}", [image_change(new=f"nginx:{i}"), image_change(path=f"spec.x{i}")])
        for i in range(objects // 5)], unchanged=n) for n in range(5)]
    return result(environments, FindingChanges(introduced=[finding(line=n) for n in range(findings)],
                                               resolved=[finding(line=n) for n in range(findings)]), failed=True)


@pytest.mark.parametrize("limit", [MIN_NOTE_CHARS, 5_000, 60_000])
def test_markdown_is_cut_to_the_limit_and_counts_what_it_left_out(limit):
    diff = big_result(2_000, 300)
    full = format_markdown(diff, limit=10**9)
    assert len(full) > 10 * 60_000 and "Left out" not in full
    note = format_markdown(diff, limit=limit)
    assert len(note) <= limit
    shown_objects = note.count("**~ changed**")
    shown_sections = note.count("<details><summary>")
    shown_findings = len(re.findall("^- `", note, re.MULTILINE))
    closing = note.splitlines()[-1]
    expected = f"{2_000 - shown_objects} of 2000 objects"
    if shown_sections < 5:
        expected += f" ({5 - shown_sections} of 5 changed environments entirely)"
    if shown_findings < 600:
        expected += f", {600 - shown_findings} of 600 listed findings"
    assert closing == (f"_Left out to stay under the note size limit: {expected}. "
                       "The full report is in the job's JSON and text artifacts._")
    assert note.startswith(MARKER + "\n") and "**Failed**" in note
    prose(note)  # every fence that was opened is closed
    assert note.count("<details") == note.count("</details>")


def test_markdown_default_limit_is_gitlabs():
    diff = big_result(10_000, 0)
    assert len(format_markdown(diff, limit=10**9)) > 1_000_000
    note = format_markdown(diff)
    assert 990_000 < len(note) <= 1_000_000
    assert note.count("**~ changed**") < 10_000
    with pytest.raises(ValueError):
        format_markdown(diff, limit=MIN_NOTE_CHARS - 1)


def test_markdown_table_rows_are_cut_too():
    diff = result([EnvironmentChanges(f"environment-{'x' * 40}-{n}", unchanged=1) for n in range(100)],
                  base_ref="r" * 500)
    note = format_markdown(diff, limit=MIN_NOTE_CHARS)
    assert len(note) <= MIN_NOTE_CHARS
    rows = note.count("| `environment-")
    assert note.splitlines()[-1].startswith(f"_Left out to stay under the note size limit: {100 - rows} rows of")


# Text, hostile


def test_text_escapes_controls_from_the_tree():
    for colored in (False, True):
        text = format_text(hostile_result(), color=colored, verbose=True)
        assert "\u202e" not in text and "\x1b[2K" not in text
        assert "\\x1b[2K\\u202e" in text
        assert not re.findall("\x1b(?!\\[[0-9;]*m)", text)  # every escape left is one of our colours
        starts = [line for line in text.splitlines() if line.startswith(("# Approved", "/approve"))]
        assert starts == []


def test_text_escapes_lone_surrogates_so_any_stream_can_write_them():
    diff = result([EnvironmentChanges("production\ud800", changed=[changed_object(fields=[
        image_change("a\udfffb", "c")])])])
    text = format_text(diff, color=False)
    text.encode("utf-8")
    assert "production\\ud800" in text and '"a\\udfffb"' in text
    format_markdown(diff).encode("utf-8")


# Secrets


def secret_result() -> DiffResult:
    """A Secret whose value changed, and a container env var holding a redacted value, as the comparison
    gives them: the value is never in the result, only its hash."""
    env_value = [{"name": "DB_PASSWORD", "value": Redacted(DIGEST)}, {"name": "MODE", "value": "fast"}]
    fields = [
        FieldChange("data.password", "/data/password", CHANGED, Redacted("9f8e7d6c"), Redacted(DIGEST), redacted=True),
        FieldChange("spec.template.spec.containers[name=app].env", "/spec/template/spec/containers/0/env", ADDED,
                    new=env_value, redacted=True, location=Location("values.yaml", 3, 5)),
    ]
    return result([EnvironmentChanges("production", changed=[changed_object("db", fields)])])


def test_redacted_values_show_their_hash_in_every_format_and_never_the_value():
    outputs = all_formats(secret_result())
    for name, output in outputs.items():
        assert SECRET not in output, name
        assert DIGEST in output and "9f8e7d6c" in output, name
    assert f"data.password: <secret 9f8e7d6c> -> <secret {DIGEST}>" in outputs["text"]
    assert f'[{{"name": "DB_PASSWORD", "value": <secret {DIGEST}>}}' in outputs["text"]
    assert f"+ data.password: <secret {DIGEST}>" in outputs["markdown"]
    fields = json.loads(outputs["json"])["environments"][0]["changed"][0]["fields"]
    assert fields[0]["old"] == {"redacted": "9f8e7d6c"} and fields[0]["new"] == {"redacted": DIGEST}
    assert fields[1]["new"][0] == {"name": "DB_PASSWORD", "value": {"redacted": DIGEST}}
    assert fields[1]["redacted"] is True and "old" not in fields[1]


# JSON


def test_json_contract_keys_and_values():
    diff = sample()
    document = to_json(diff)
    assert list(document) == ["format", "version", "base_ref", "base_commit", "failed", "fail_on", "environments",
                              "findings", "summary"]
    assert document["format"] == "lintops-diff/1"
    assert (document["base_ref"], document["failed"], document["fail_on"]) == ("origin/main", True, "error")
    production, staging = document["environments"]
    assert staging == {"environment": "staging", "kubernetes_version": None, "added": [], "removed": [],
                       "changed": [], "unchanged": 12}
    assert list(production) == ["environment", "kubernetes_version", "added", "removed", "changed", "unchanged"]
    assert production["added"][0] == {
        "apiVersion": "v1", "oldApiVersion": None, "group": "", "kind": "Service", "namespace": "shop", "name": "web",
        "occurrence": 0, "location": {"path": "charts/web/templates/service.yaml", "line": 1, "column": 1},
        "fields": [], "omitted_fields": 0}
    web = production["changed"][1]
    assert (web["kind"], web["omitted_fields"]) == ("Deployment", 4)
    assert web["fields"] == [
        {"path": "spec.template.spec.containers[name=app].image", "pointer": "/spec/template/spec/containers/0/image",
         "change": "changed", "old": "nginx:1.1", "new": "nginx:abc123", "redacted": False,
         "location": {"path": "values-production.yaml", "line": 12, "column": 8}},
        {"path": "spec.replicas", "pointer": "/spec/replicas", "change": "added", "new": 3, "redacted": False,
         "location": {"path": "values.yaml", "line": 4, "column": 11}},
        {"path": "metadata.labels.tier", "pointer": "/metadata/labels/tier", "change": "removed", "old": "1",
         "redacted": False, "location": None},
    ]
    introduced = diff.findings.introduced[0]
    assert document["findings"]["introduced"] == [finding_to_dict(introduced)]
    assert len(document["findings"]["unchanged"]) == 3
    assert document["summary"]["head"]["objects"] == 24 and document["summary"]["base"]["objects"] == 23


def test_json_summaries_have_the_keys_of_the_json_report():
    stream = io.StringIO()
    JsonReporter(stream, RunInfo("0.1.0", "1.18", True)).finish(RunSummary())
    assert list(to_json(sample())["summary"]["head"]) == list(json.loads(stream.getvalue())["summary"])


def test_json_round_trips_and_writes_yaml_values_json_cannot_hold():
    values = {2: "two", True: [float("nan")], None: float("-inf"), "big": 2**70, "when": datetime.date(2024, 1, 2)}
    diff = result([EnvironmentChanges("p", changed=[changed_object(fields=[
        FieldChange("data", "/data", CHANGED, float("inf"), values)])])])
    stream = io.StringIO()
    write_json(diff, stream)
    assert stream.getvalue().endswith("}\n")
    document = json.loads(stream.getvalue())
    assert document == json.loads(json.dumps(to_json(diff)))
    field = document["environments"][0]["changed"][0]["fields"][0]
    assert field["old"] == ".inf"
    assert field["new"] == {"2": "two", "true": [".nan"], "null": "-.inf", "big": 2**70, "when": "2024-01-02"}


def test_every_format_is_deterministic_whatever_order_the_result_lists_things_in():
    first = sample()
    shuffled = sample()
    shuffled.environments.reverse()
    production = next(e for e in shuffled.environments if e.name == "production")
    production.changed.reverse()
    shuffled.findings.unchanged = [finding("resource-requests", "a", 5, Severity.WARNING),
                                   finding("resource-requests", "b", 4, Severity.WARNING)]
    first.findings.unchanged = list(reversed(shuffled.findings.unchanged))
    assert all_formats(first) == all_formats(sample_copy(first)) == all_formats(shuffled)
    names = [e["environment"] for e in json.loads(all_formats(first)["json"])["environments"]]
    assert names == ["production", "staging"]


def sample_copy(diff: DiffResult) -> DiffResult:
    return DiffResult(**{name: getattr(diff, name) for name in diff.__dataclass_fields__})


def test_objects_of_no_namespace_or_name_sort_before_named_ones():
    rbac = "rbac.authorization.k8s.io"
    environment = EnvironmentChanges("p", added=[
        ObjectChange(key(name, "ClusterRole", namespace, rbac), ADDED, f"{rbac}/v1")
        for name, namespace in (("b", None), ("a", "x"), (None, None))])
    ordered = [(c.key.namespace, c.key.name) for c in json_contract.ordered_objects(environment.added)]
    assert ordered == [(None, None), (None, "b"), ("x", "a")]


def test_every_key_of_the_contract_is_documented_in_the_module_and_the_readme():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("What a merge request changes: `lintops diff`"):]
    section = section[:section.index("\n### ")]
    document = to_json(sample())
    keys: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            for name, item in value.items():
                keys.add(name)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk({name: value for name, value in document.items() if name not in ("findings", "summary")})
    keys |= set(document["findings"]) | set(document["summary"])
    for name in sorted(keys):
        assert f"`{name}`" in section or f'"{name}"' in section, f"README does not document {name}"
        assert name in json_contract.__doc__, f"the module docstring does not document {name}"
