"""``lintops lsp``: a real language-server client (pytest-lsp) drives the server in a subprocess.

Every test starts ``python -m lintops lsp``, opens documents of a throw-away repository, and checks
the published diagnostics (exact ranges in UTF-16 code units, codes, severities, code descriptions),
the quick fix and its effect, and configuration errors.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")

from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

from builders import deployment, write  # noqa: E402

SERVER = [sys.executable, "-m", "lintops", "lsp"]
PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS
TIMEOUT = 60

# A Deployment that passes every default rule but one: the misspelled imagePulPolicy (line 16, column 11).
DEPLOYMENT = deployment(layout="block", annotations='{team: "zürich"}', pod_spec="""\
    containers:
      - name: web
        image: nginx:1.25.3@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31
        imagePulPolicy: Always
        resources:
          requests: {cpu: 100m, memory: 64Mi}
          limits: {cpu: 500m, memory: 128Mi}
        livenessProbe: {httpGet: {path: /healthz, port: 8080}}
        readinessProbe: {httpGet: {path: /ready, port: 8080}}
        securityContext: {runAsNonRoot: true, readOnlyRootFilesystem: true}
    """)
FIXED = DEPLOYMENT.replace("imagePulPolicy", "imagePullPolicy")
BROKEN_YAML = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  key: value: more
"""


def rng(line: int, start: int, end: int) -> types.Range:
    return types.Range(start=types.Position(line=line, character=start), end=types.Position(line=line, character=end))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "gitops"
    (root / ".git").mkdir(parents=True)
    (root / "apps").mkdir()
    return root


async def start(capabilities: types.ClientCapabilities | None = None, *args: str) -> LanguageClient:
    client = await ClientServerConfig(server_command=[*SERVER, *args]).start()
    await client.initialize_session(types.InitializeParams(
        capabilities=capabilities or client_capabilities("visual-studio-code")))
    return client


async def stop(client: LanguageClient) -> None:
    await client.shutdown_session()
    await client.stop()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient):
    result = await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code")))
    assert result.server_info.name == "lintops"
    yield
    await lsp_client.shutdown_session()


async def published(client: LanguageClient, send, uri: str) -> list[types.Diagnostic]:
    """Send a notification and return the diagnostics the server publishes for ``uri`` in answer."""
    waiting = client.protocol.wait_for_notification_async(PUBLISH)  # registered before anything is sent
    send()
    params = await asyncio.wait_for(waiting, TIMEOUT)
    assert params.uri == uri
    return list(params.diagnostics)


async def until(condition) -> None:
    for _ in range(TIMEOUT * 20):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the server did not publish in time")


async def open_document(client: LanguageClient, path: Path, text: str, version: int = 1) -> list[types.Diagnostic]:
    uri = path.as_uri()
    return await published(client, lambda: client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="yaml", version=version, text=text))), uri)


async def change_document(client: LanguageClient, path: Path, text: str, version: int) -> list[types.Diagnostic]:
    uri = path.as_uri()
    return await published(client, lambda: client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)])), uri)


async def quick_fix(client: LanguageClient, path: Path, at: types.Range,
                    diagnostic: types.Diagnostic) -> types.TextEdit:
    """The one edit of the first code action the server offers for ``diagnostic`` at ``at``."""
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=path.as_uri()), range=at,
        context=types.CodeActionContext(diagnostics=[diagnostic])))
    [edit] = actions[0].edit.changes[path.as_uri()]
    return edit



async def save_document(client: LanguageClient, path: Path) -> list[types.Diagnostic]:
    uri = path.as_uri()
    return await published(client, lambda: client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri))), uri)


@pytest.mark.asyncio
async def test_diagnostics_on_open_have_exact_ranges_codes_and_documentation(client: LanguageClient, repo: Path):
    deployment = write(repo / "apps" / "web.yaml", DEPLOYMENT)
    broken = write(repo / "apps" / "settings.yaml", BROKEN_YAML)

    diagnostics = await open_document(client, deployment, DEPLOYMENT)
    assert [(d.code, d.range) for d in diagnostics] == [("schema", rng(15, 10, 24))]  # the key imagePulPolicy
    schema = diagnostics[0]
    assert schema.severity == types.DiagnosticSeverity.Error
    assert schema.source == "lintops"
    assert schema.message.startswith("unknown field 'imagePulPolicy' (Deployment/web)\n")
    assert "kubectl explain" in schema.message  # the rule's remediation, on the next line
    assert schema.code_description is None  # no rule_docs_url: no link (lintops.rule_links)
    assert schema.data["rule"] == "schema"
    assert schema.data["pointer"] == "/spec/template/spec/containers/0/imagePulPolicy"

    diagnostics = await open_document(client, broken, BROKEN_YAML)
    assert [(d.code, d.range, d.severity) for d in diagnostics] == [
        ("yaml-syntax", rng(5, 12, 13), types.DiagnosticSeverity.Error)  # the second ':' of "key: value: more"
    ]
    assert "mapping values are not allowed" in diagnostics[0].message

    # With a documentation base configured, the code links to the rule's page there.
    write(repo / ".lintops.yaml", "rule_docs_url: https://docs.example.com/lintops/rules\n")  # read on the next lint
    [linked] = await change_document(client, deployment, DEPLOYMENT + "\n", version=2)
    assert linked.code_description.href == "https://docs.example.com/lintops/rules/schema.md"


@pytest.mark.asyncio
async def test_the_buffer_is_linted_not_the_file_and_close_clears(client: LanguageClient, repo: Path):
    deployment = write(repo / "apps" / "web.yaml", DEPLOYMENT)  # the error stays on disk throughout
    assert [d.code for d in await open_document(client, deployment, DEPLOYMENT)] == ["schema"]

    assert await change_document(client, deployment, FIXED, version=2) == []
    assert await save_document(client, deployment) == []  # still the buffer: the file on disk is unchanged

    broken_again = FIXED.replace("  name: web\n", "  name: web\n  nmae: typo\n", 1)
    diagnostics = await change_document(client, deployment, broken_again, version=3)
    assert [(d.code, d.range) for d in diagnostics] == [("schema", rng(4, 2, 6))]

    uri = deployment.as_uri()
    assert await published(client, lambda: client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri))), uri) == []


@pytest.mark.asyncio
async def test_rapid_changes_leave_the_newest_versions_diagnostics(client: LanguageClient, repo: Path):
    """Changes faster than the debounce delay are linted once, as the last of them; nothing older lands later."""
    deployment = write(repo / "apps" / "web.yaml", DEPLOYMENT)
    await open_document(client, deployment, DEPLOYMENT)
    uri = deployment.as_uri()
    last = FIXED.replace("  name: web\n", "  name: web\n  nmae: typo\n", 1)
    texts = [DEPLOYMENT if version % 2 else FIXED for version in range(2, 30)] + [last]
    for version, text in enumerate(texts, start=2):
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))

    def final() -> bool:
        return [(d.code, d.range) for d in client.diagnostics.get(uri, [])] == [("schema", rng(4, 2, 6))]

    await until(final)
    await asyncio.sleep(1.0)  # a stale result published now would replace them
    assert final()


@pytest.mark.asyncio
async def test_a_multi_byte_character_before_the_column_counts_in_utf16_units(client: LanguageClient, repo: Path):
    # Two characters outside the Basic Multilingual Plane (2 UTF-16 units each) and one inside (1 unit).
    line = 'metadata: {name: web, annotations: {note: "😀é😀"}, bogus: 1}'
    text = f"apiVersion: v1\nkind: ConfigMap\n{line}\n"
    path = write(repo / "apps" / "emoji.yaml", text)
    assert line.index("bogus") == 50  # in code points (the engine's column 51)
    diagnostics = await open_document(client, path, text)
    assert [(d.code, d.range) for d in diagnostics] == [("schema", rng(2, 52, 57))]  # in UTF-16 code units


@pytest.mark.asyncio
async def test_the_position_encoding_the_client_prefers_is_used(repo: Path):
    line = 'metadata: {name: web, annotations: {note: "😀é"}, bogus: 1}'
    text = f"apiVersion: v1\nkind: ConfigMap\n{line}\n"
    path = write(repo / "apps" / "emoji.yaml", text)
    capabilities = client_capabilities("visual-studio-code")
    capabilities.general.position_encodings = [types.PositionEncodingKind.Utf8]
    client = await start(capabilities)
    try:
        diagnostics = await open_document(client, path, text)
    finally:
        await stop(client)
    start_byte = len(line[: line.index("bogus")].encode())  # 😀 is 4 bytes, é 2
    assert [d.range for d in diagnostics] == [rng(2, start_byte, start_byte + 5)]


@pytest.mark.asyncio
async def test_the_quick_fix_inserts_an_exemption_with_a_reason_placeholder(client: LanguageClient, repo: Path):
    deployment = write(repo / "apps" / "web.yaml", DEPLOYMENT)
    [schema] = await open_document(client, deployment, DEPLOYMENT)

    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=deployment.as_uri()),
        range=rng(15, 12, 12),
        context=types.CodeActionContext(diagnostics=[schema]),
    ))
    assert [(a.title, a.kind) for a in actions] == [
        ("Exempt from schema (with a reason)", types.CodeActionKind.QuickFix)]
    [edit] = actions[0].edit.changes[deployment.as_uri()]
    assert edit.range == rng(15, 0, 0)
    assert edit.new_text == "          # lintops: ignore[schema] REASON\n"
    assert actions[0].diagnostics[0].code == "schema"

    # Applied, the comment exempts the finding, and the placeholder shows as an exemption-reason finding on
    # the word REASON itself until it is replaced; with a reason written there, nothing is left.
    lines = DEPLOYMENT.splitlines(keepends=True)
    placeholder = "".join([*lines[:15], edit.new_text, *lines[15:]])
    [reason] = await change_document(client, deployment, placeholder, version=2)
    assert (reason.code, reason.range) == ("exemption-reason", rng(15, 36, 42))
    assert "placeholder 'REASON'" in reason.message
    exempted = placeholder.replace("REASON", "the field is read by the legacy controller")
    assert await change_document(client, deployment, exempted, version=3) == []

    # No action away from the diagnostics.
    none = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=deployment.as_uri()),
        range=rng(2, 0, 0), context=types.CodeActionContext(diagnostics=[])))
    assert list(none or []) == []

    # A finding at a sequence item: the comment takes the indentation of the `- name:` line.
    no_probe = exempted.replace("          readinessProbe: {httpGet: {path: /ready, port: 8080}}\n", "")
    [readiness] = await change_document(client, deployment, no_probe, version=4)
    assert (readiness.code, readiness.range, readiness.severity) == (
        "readiness-probe", rng(13, 10, 14), types.DiagnosticSeverity.Warning)  # the container's `name` key
    edit = await quick_fix(client, deployment, rng(13, 0, 20), readiness)
    assert (edit.range, edit.new_text) == (rng(13, 0, 0), "        # lintops: ignore[readiness-probe] REASON\n")


@pytest.mark.asyncio
async def test_existing_exemption_comment_above_gets_the_rule_added(client: LanguageClient, repo: Path):
    text = DEPLOYMENT.replace(
        "          imagePulPolicy: Always\n",
        "          # lintops: ignore[floating-image-tag] pinned by digest\n          imagePulPolicy: Always\n")
    deployment = write(repo / "apps" / "web.yaml", text)
    [schema] = await open_document(client, deployment, text)
    assert schema.range == rng(16, 10, 24)
    edit = await quick_fix(client, deployment, schema.range, schema)
    assert (edit.range, edit.new_text) == (rng(15, 28, 46), "floating-image-tag,schema")


@pytest.mark.parametrize("above", [
    "          # lintops: ignore-file[floating-image-tag] pinned by digest\n",  # the whole file's, not the next line's
    '          # note: "# lintops: ignore[floating-image-tag] pinned"\n',  # quoted: no exemption
])
@pytest.mark.asyncio
async def test_a_comment_the_engine_does_not_read_as_a_line_exemption_gets_one_of_its_own(
        client: LanguageClient, repo: Path, above: str):
    # The quick fix reads the line above as the parse stage reads it: only a `# lintops: ignore[...]`
    # alone on its line covers the next one, so anything else gets a new comment, which the engine honours.
    text = DEPLOYMENT.replace("          imagePulPolicy: Always\n", f"{above}          imagePulPolicy: Always\n")
    deployment = write(repo / "apps" / "web.yaml", text)
    [schema] = await open_document(client, deployment, text)
    assert schema.range == rng(16, 10, 24)
    edit = await quick_fix(client, deployment, schema.range, schema)
    assert (edit.range, edit.new_text) == (rng(16, 0, 0), "          # lintops: ignore[schema] REASON\n")
    lines = text.splitlines(keepends=True)
    inserted = edit.new_text.replace("REASON", "set by the mesh")
    assert await change_document(client, deployment, "".join([*lines[:16], inserted, *lines[16:]]), 2) == []


@pytest.mark.asyncio
async def test_configuration_per_path_exemptions_and_excludes_apply(client: LanguageClient, repo: Path):
    write(repo / ".lintops.yaml", 'exclude: ["vendor/**"]\n'
                                  'exemptions:\n  - rule: schema\n    path: "apps/legacy/**"\n    reason: old\n')
    legacy = write(repo / "apps" / "legacy" / "web.yaml", DEPLOYMENT)
    current = write(repo / "apps" / "web.yaml", DEPLOYMENT)
    vendored = write(repo / "vendor" / "web.yaml", DEPLOYMENT)
    assert await open_document(client, legacy, DEPLOYMENT) == []  # suppressed findings are not published
    assert [d.code for d in await open_document(client, current, DEPLOYMENT)] == ["schema"]
    assert await open_document(client, vendored, DEPLOYMENT) == []


@pytest.mark.asyncio
async def test_a_file_of_a_chart_is_the_charts_and_a_chart_above_the_repository_does_not_count(
        client: LanguageClient, repo: Path):
    # The command line renders a chart rather than linting its files as manifests, and so does the server:
    # the template's diagnostics are those of the render, at the template's line; a Chart.yaml above the
    # repository root is no chart of the repository's (discovery looks no higher).
    write(repo / "charts" / "web" / "Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n")
    template = write(repo / "charts" / "web" / "templates" / "deployment.yaml", DEPLOYMENT)
    [schema] = await open_document(client, template, DEPLOYMENT)
    assert (schema.code, schema.range) == ("schema", rng(15, 10, 24))
    write(repo.parent / "Chart.yaml", "apiVersion: v2\nname: outside\nversion: 0.1.0\n")
    deployment = write(repo / "apps" / "web.yaml", DEPLOYMENT)
    assert [d.code for d in await open_document(client, deployment, DEPLOYMENT)] == ["schema"]


@pytest.mark.asyncio
async def test_a_bad_configuration_is_one_diagnostic_and_saving_the_fix_relints(client: LanguageClient, repo: Path):
    config = write(repo / ".lintops.yaml", 'kubernetes_version: "1.18"\nstrikt: true\n')
    deployment = write(repo / "apps" / "web.yaml", DEPLOYMENT)
    diagnostics = await open_document(client, deployment, DEPLOYMENT)
    assert len(diagnostics) == 1
    [problem] = diagnostics
    assert (problem.code, problem.severity, problem.source) == ("configuration", types.DiagnosticSeverity.Error,
                                                                "lintops")
    assert problem.range == rng(0, 0, len("apiVersion: apps/v1"))
    assert "unknown key 'strikt'; did you mean 'strict'?" in problem.message
    assert problem.related_information[0].location.uri == config.resolve().as_uri()
    assert problem.related_information[0].location.range.start == types.Position(line=1, character=0)

    # The configuration file itself shows the error where it is.
    config_text = config.read_text()
    diagnostics = await open_document(client, config, config_text)
    # An error names its place, not its node's extent: one character there.
    assert [(d.code, d.range) for d in diagnostics] == [("configuration", rng(1, 0, 1))]

    write(config, 'kubernetes_version: "1.18"\nstrict: true\n')
    os.utime(config, (1_700_000_000, 1_700_000_000))  # a different modification time, however fast the file system
    client.diagnostics.clear()
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=config.as_uri())))
    await until(lambda: {deployment.as_uri(), config.as_uri()} <= set(client.diagnostics))  # every open document
    assert [d.code for d in client.diagnostics[deployment.as_uri()]] == ["schema"]
    assert list(client.diagnostics[config.as_uri()]) == []


@pytest.mark.parametrize(("config_text", "says", "line", "character"), [
    ("rules:\n  schema: warning\n  no-such-rule: false\n", "unknown rule 'no-such-rule'", 2, 2),  # at the key
    ("strict: true\nbaseline: missing.json\n", "cannot read baseline missing.json", 1, 10),  # at the file it names
])
@pytest.mark.asyncio
async def test_an_unknown_rule_or_a_missing_baseline_is_shown_where_the_configuration_names_it(
        client: LanguageClient, repo: Path, config_text: str, says: str, line: int, character: int):
    config = write(repo / ".lintops.yaml", config_text)
    deployment = write(repo / "apps" / "web.yaml", DEPLOYMENT)
    [problem] = await open_document(client, deployment, DEPLOYMENT)
    assert problem.code == "configuration" and says in problem.message
    assert problem.message.startswith(f"lintops cannot lint with this configuration: {config.resolve()}:{line + 1}:"
                                      f"{character + 1}: ")  # the command line's one line
    [related] = problem.related_information
    assert related.location.uri == config.resolve().as_uri()
    assert related.location.range == rng(line, character, character + 1)
    assert [(d.code, d.range) for d in await open_document(client, config, config_text)] == [
        ("configuration", rng(line, character, character + 1))]


@pytest.mark.asyncio
async def test_config_flag_applies_to_every_document(repo: Path, tmp_path: Path):
    config = write(tmp_path / "elsewhere" / "lintops.yaml", "rules:\n  schema: false\n")
    deployment = write(repo / "apps" / "web.yaml", DEPLOYMENT)
    client = await start(None, "-c", str(config))
    try:
        assert await open_document(client, deployment, DEPLOYMENT) == []
    finally:
        await stop(client)


@pytest.mark.asyncio
async def test_bad_buffers_never_stop_the_server(client: LanguageClient, repo: Path):
    notes = repo / "notes.txt"  # not YAML: nothing is published for it
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=notes.as_uri(), language_id="plaintext", version=1, text="kind: nothing to see\n")))
    binary = repo / "apps" / "binary.yaml"
    diagnostics = await open_document(client, binary, "\x00\x01binary\n")  # the next publish is this one's
    assert [(d.code, d.range) for d in diagnostics] == [("yaml-syntax", rng(0, 0, 1))]  # about no node: its place
    deep = repo / "apps" / "deep.yaml"
    assert [d.code for d in await open_document(client, deep, "[" * 3000 + "\n")] == ["yaml-limit"]
    assert await change_document(client, deep, "", version=2) == []

    untitled = "untitled:Untitled-1"  # a buffer without a file: linted like standard input
    diagnostics = await published(client, lambda: client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=untitled, language_id="yaml", version=1, text=DEPLOYMENT))), untitled)
    assert [(d.code, d.range) for d in diagnostics] == [("schema", rng(15, 10, 24))]


@pytest.mark.asyncio
async def test_windows_line_endings_keep_ranges_and_the_quick_fix_uses_them(client: LanguageClient, repo: Path):
    text = DEPLOYMENT.replace("\n", "\r\n")
    deployment = repo / "apps" / "web.yaml"
    [schema] = await open_document(client, deployment, text)
    assert schema.range == rng(15, 10, 24)
    edit = await quick_fix(client, deployment, schema.range, schema)
    assert edit.new_text == "          # lintops: ignore[schema] REASON\r\n"


def test_buffer_outside_a_git_repository_uses_its_configuration(tmp_path, monkeypatch):
    """Per-path settings apply relative to the document's own directory tree, whatever the server's cwd."""
    from lintops.lsp import BufferLinter

    (tmp_path / "project" / "legacy").mkdir(parents=True)
    (tmp_path / "project" / ".lintops.yaml").write_text(
        "overrides:\n  - paths: ['legacy/**']\n    rules: {schema: warning}\n")
    document = tmp_path / "project" / "legacy" / "cm.yaml"
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nbogus: 1\n"
    monkeypatch.chdir(tmp_path)
    outcome = BufferLinter().lint(text, document)
    assert [(f.rule_id, f.severity.value) for f in outcome.findings] == [("schema", "warning")]


@pytest.mark.asyncio
async def test_a_finding_on_a_multi_line_scalar_underlines_all_of_it(client: LanguageClient, repo: Path):
    # The range is the node's, as the parse stage read it: a folded scalar from its indicator to its end.
    text = DEPLOYMENT.replace(
        "          image: nginx:1.25.3@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31\n",
        "          image: >-\n            nginx:latest\n")
    deployment = write(repo / "apps" / "web.yaml", text)
    diagnostics = {d.code: d for d in await open_document(client, deployment, text)}
    assert diagnostics["pinned-image-tag"].range == types.Range(
        start=types.Position(line=14, character=17), end=types.Position(line=16, character=0))
    assert diagnostics["schema"].range == rng(16, 10, 24)  # the key imagePulPolicy, one line lower
