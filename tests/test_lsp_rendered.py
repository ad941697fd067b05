"""``lintops lsp`` on the files ``check`` renders: a chart's values files and templates, values-only files,
Kustomize bases through their overlays; debounced re-rendering; a render that fails.

A real language-server client (pytest-lsp) drives ``python -m lintops lsp`` over stdio, on a copy of the
repository's examples (the worker chart with its two Applications, the guestbook Kustomize base with a
production and a staging overlay), so that every diagnostic is compared with what ``check`` reports there.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import pytest

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")

from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

from builders import write  # noqa: E402
from test_lsp import SERVER, TIMEOUT, change_document, open_document, rng  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "gitops"
    (root / ".git").mkdir(parents=True)
    for part in ("apps", "charts", "kustomize", "values"):
        shutil.copytree(EXAMPLES / part, root / "examples" / part)
    return root


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=client_capabilities("visual-studio-code")))
    yield
    await lsp_client.shutdown_session()


def renders(client: LanguageClient) -> list[str]:
    """The server's log lines that say it rendered something."""
    return [m.message for m in client.log_messages if m.message.startswith("lintops: rendered ")]


async def settled(client: LanguageClient, condition) -> None:
    for _ in range(TIMEOUT * 20):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the server did not publish in time")


@pytest.mark.asyncio
async def test_a_values_file_gets_the_render_finding_at_its_key_naming_the_environment_and_clears(
        client: LanguageClient, repo: Path):
    values = repo / "examples" / "charts" / "worker" / "values-production.yaml"
    text = values.read_text()
    started = time.monotonic()
    [tag] = await open_document(client, values, text)
    opened = time.monotonic() - started
    assert (tag.code, tag.range) == ("pinned-image-tag", rng(2, 2, 5))  # the key `tag`, as check's 3:3
    assert "[env: production]" in tag.message and "worker:latest" in tag.message
    assert renders(client) == [f"lintops: rendered examples/charts/worker for {values.as_uri()} (version 1)"]

    started = time.monotonic()
    assert await change_document(client, values, text.replace("tag: latest", 'tag: "1.4.3"'), 2) == []
    changed = time.monotonic() - started
    print(f"values-production.yaml diagnostics: {opened:.2f} s after didOpen, {changed:.2f} s after didChange "
          f"(200 ms debounce included)")
    # The buffer, not the disk: the file still says latest.
    assert "tag: latest" in values.read_text()


@pytest.mark.asyncio
async def test_a_template_gets_its_diagnostics_and_the_values_file_it_reaches_too(client: LanguageClient, repo: Path):
    chart = repo / "examples" / "charts" / "worker"
    template = chart / "templates" / "deployment.yaml"
    assert await open_document(client, template, template.read_text()) == []  # nothing lands in the template
    production = (chart / "values-production.yaml").as_uri()
    await settled(client, lambda: production in client.diagnostics)
    [tag] = client.diagnostics[production]
    assert (tag.code, tag.range) == ("pinned-image-tag", rng(2, 2, 5))

    # A template that breaks the render: one render-failed diagnostic, and the server still answers.
    helpers = chart / "templates" / "_helpers.tpl"
    broken = helpers.read_text() + '\n{{- define "worker.broken" -}}\n{{ .Values.image.tag \n'
    diagnostics = await open_document(client, helpers, broken)
    assert [d.code for d in diagnostics] == ["render-failed"]
    assert diagnostics[0].range.start.line >= 0
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=helpers.as_uri()), range=rng(0, 0, 0),
        context=types.CodeActionContext(diagnostics=[])))
    assert actions is not None
    assert await change_document(client, helpers, helpers.read_text(), 2) == []


@pytest.mark.asyncio
async def test_a_values_only_file_is_linted_as_check_lints_it(client: LanguageClient, repo: Path):
    # A values file with no chart beside it: check lints it as a HelmValues resource (no render).
    values = write(repo / "envs" / "production" / "values.yaml", "image:\n  repository: nginx\n  tag: latest\n")
    diagnostics = {d.code: d for d in await open_document(client, values, values.read_text())}
    assert set(diagnostics) == {"helm-values-pinned-image-tag", "helm-values-liveness-probe",
                                "helm-values-resource-limits"}
    assert diagnostics["helm-values-pinned-image-tag"].range == rng(2, 7, 13)  # check's 3:8, the value latest
    assert not renders(client)


@pytest.mark.asyncio
async def test_a_kustomize_base_is_linted_through_both_overlays_in_one_diagnostic(client: LanguageClient, repo: Path):
    base = repo / "examples" / "kustomize" / "base" / "cleanup-cronjob.yaml"
    [limits] = await open_document(client, base, base.read_text())
    assert (limits.code, limits.range) == ("resource-limits", rng(19, 14, 23))
    assert "[env: production, staging]" in limits.message
    [log] = renders(client)
    assert "examples/kustomize/overlays/production, examples/kustomize/overlays/staging" in log


@pytest.mark.asyncio
async def test_a_burst_of_changes_is_one_render_of_the_last_version(client: LanguageClient, repo: Path):
    values = repo / "examples" / "charts" / "worker" / "values-production.yaml"
    text = values.read_text()
    await open_document(client, values, text)
    waiting = client.protocol.wait_for_notification_async(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    for version in range(2, 12):
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=values.as_uri(), version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(
                text=text.replace("latest", f'"1.4.{version}"' if version < 11 else "latest"))]))
        await asyncio.sleep(0.02)
    params = await asyncio.wait_for(waiting, TIMEOUT)
    assert params.version == 11 and [d.code for d in params.diagnostics] == ["pinned-image-tag"]
    await asyncio.sleep(1)
    assert [m.rsplit("(", 1)[1] for m in renders(client)] == ["version 1)", "version 11)"]


APPLICATION = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: worker-qa
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://git.example.com/platform/gitops.git
    targetRevision: main
    path: examples/charts/worker
    helm:
      valueFiles:
        - ../../../envs/qa.yaml
  destination:
    server: https://qa.k8s.example.com
    namespace: worker-qa
"""


@pytest.mark.asyncio
async def test_a_values_file_an_application_names_outside_the_chart_is_rendered_with_it(
        client: LanguageClient, repo: Path):
    write(repo / "apps" / "worker-qa.yaml", APPLICATION)
    values = write(repo / "envs" / "qa.yaml", "image:\n  tag: latest\n")
    [tag] = await open_document(client, values, values.read_text())
    assert (tag.code, tag.range) == ("pinned-image-tag", rng(1, 2, 5))
    assert "[env: worker-qa]" in tag.message


@pytest.mark.asyncio
async def test_the_other_unsaved_buffers_are_rendered_too(client: LanguageClient, repo: Path):
    chart = repo / "examples" / "charts" / "worker"
    defaults = chart / "values.yaml"
    await open_document(client, defaults, defaults.read_text())
    edited = defaults.read_text().replace("registry.example.com/guestbook/worker", "mirror.example.com/worker")
    production = chart / "values-production.yaml"
    # A render publishes to every file its findings land in, in no fixed order: wait for the production file's
    # diagnostics that name the unsaved image, whichever render (the change's or the open's) publishes them.
    client.text_document_did_change(types.DidChangeTextDocumentParams(  # not saved
        text_document=types.VersionedTextDocumentIdentifier(uri=defaults.as_uri(), version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)]))
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=production.as_uri(), language_id="yaml", version=1, text=production.read_text())))

    def tag_names_the_mirror() -> bool:
        return any("'mirror.example.com/worker:latest'" in d.message
                   for d in client.diagnostics.get(production.as_uri(), ()))

    await settled(client, tag_names_the_mirror)
    [tag] = client.diagnostics[production.as_uri()]
    assert tag.code == "pinned-image-tag"


@pytest.mark.asyncio
async def test_a_link_out_of_the_repository_is_refused_in_the_render_as_check_refuses_it(
        client: LanguageClient, repo: Path, tmp_path: Path):
    secret = write(tmp_path / "outside" / "values.yaml", "image:\n  tag: do-not-read-me\n")
    chart = repo / "examples" / "charts" / "worker"
    (chart / "values-dev.yaml").symlink_to(secret)
    production = chart / "values-production.yaml"
    assert await open_document(client, production, production.read_text()) == []  # the chart is not rendered
    link = (chart / "values-dev.yaml").as_uri()
    await settled(client, lambda: link in client.diagnostics)
    [refused] = client.diagnostics[link]
    assert refused.code == "render-failed" and "leads outside the linted root" in refused.message
    assert not any("do-not-read-me" in d.message for ds in client.diagnostics.values() for d in ds)


@pytest.mark.parametrize("language_id", ["helm", "gotmpl"])
@pytest.mark.asyncio
async def test_a_template_opened_as_helm_is_linted_through_its_chart(client: LanguageClient, repo: Path,
                                                                    language_id: str):
    from test_lsp import published

    helpers = repo / "examples" / "charts" / "worker" / "templates" / "_helpers.tpl"
    uri = helpers.as_uri()
    assert await published(client, lambda: client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id=language_id, version=1,
                                             text=helpers.read_text()))), uri) == []
    assert renders(client) == [f"lintops: rendered examples/charts/worker for {uri} (version 1)"]
