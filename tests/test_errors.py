"""One error hierarchy: every problem a user causes is a ``LintopsError``, handled alike everywhere.

For each kind of such problem (a configuration key, a baseline that is missing or not a baseline, a
rule file, a Kubernetes version, a plugin, an unknown rule, a path, a report, a policy, a git ref),
the real command line (``python -m lintops``) exits 2 with exactly one line that names the file and,
where it is known, the line and column; the language server, driven by a real client (pytest-lsp),
publishes the same message as one ``configuration`` diagnostic, logs no failure, and lints the
document once the problem is fixed. A walk over every module of ``lintops`` checks that each public
exception class a user can cause derives from ``LintopsError``.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import os
import pkgutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import lintops
from conftest import run_lintops
from lintops.errors import LintopsError

CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  key: value\n"
PREFIX = "lintops: error: "


@dataclass(frozen=True)
class Case:
    """A repository with one problem the user fixes, and what the message must say."""

    files: dict[str, str]
    #: What the message says, after ``place`` ("{root}" is the repository's absolute path).
    says: str
    #: How the message starts: the file, and ``:line:col`` where the problem has a place in it.
    place: str
    args: tuple[str, ...] = ()
    #: The language server sees the same problem (it has no flags: only what the repository holds).
    in_editor: bool = True
    extra: dict[str, str] = field(default_factory=dict)


CASES = {
    "config-key": Case({".lintops.yaml": "strict: true\nstrikt: true\n"},
                       "unknown key 'strikt'; did you mean 'strict'?", "{root}/.lintops.yaml:2:1: "),
    # A baseline the configuration names but that is not there: at the value of `baseline:`.
    "baseline-missing": Case({".lintops.yaml": "strict: true\nbaseline: missing.json\n"},
                             "cannot read baseline missing.json: does not exist", "{root}/.lintops.yaml:2:11: "),
    "baseline-not-a-baseline": Case({".lintops.yaml": "baseline: old.json\n",
                                     "old.json": '{"version": 9, "findings": []}\n'},
                                    "unsupported baseline version 9 (expected 1)", "old.json:1:1: "),
    "rule-file": Case({".lintops.yaml": "strict: true\n", ".lintops/rules/team.yaml": "id: team\nseverity: error\n"},
                      "'summary' is required and must be a string", "{root}/.lintops/rules/team.yaml:1:1: "),
    "kubernetes-version": Case({".lintops.yaml": 'strict: true\nkubernetes_version: "1.99"\n'},
                               "kubernetes_version: Kubernetes 1.99 is not supported; supported versions: 1.17 to 1.37",
                               "{root}/.lintops.yaml:2:21: "),
    "plugin": Case({".lintops.yaml": "plugins: [no-such-plugin]\n"},
                   "plugin 'no-such-plugin' is not an installed lintops plugin", ""),
    # An unknown rule id under `rules:`: at its key.
    "unknown-rule": Case({".lintops.yaml": "rules:\n  schema: warning\n  no-such-rule: false\n"},
                         "unknown rule 'no-such-rule' (see `lintops rules`)", "{root}/.lintops.yaml:3:3: "),
    # Flags only the command line has.
    "kubernetes-version-flag": Case({}, "Kubernetes 1.99 is not supported", "", ("-k", "1.99"), in_editor=False),
    "baseline-flag-missing": Case({}, "cannot read baseline: does not exist", "gone.json: ",
                                  ("--baseline", "gone.json"), in_editor=False),
    "unknown-rule-flag": Case({}, "unknown rule 'no-such-rule' (see `lintops rules`)", "",
                              ("--disable", "no-such-rule"), in_editor=False),
    "missing-path": Case({}, "no such file or directory", "apps/gone.yaml: ", ("apps/gone.yaml",),
                         in_editor=False),
    "report-unwritable": Case({}, "cannot write report apps/settings.yaml/report.json", "",
                              ("--report", "json=apps/settings.yaml/report.json"), in_editor=False),
    "policy-missing": Case({}, "the policy file does not exist", "{root}/no-policy.yaml: ",
                           ("--policy", "{root}/no-policy.yaml"), in_editor=False),
    "changed-since-unknown-ref": Case({}, "no-such-ref", "", ("--changed-since", "no-such-ref"), in_editor=False),
}


def make_repo(root: Path, case: Case) -> Path:
    (root / ".git").mkdir(parents=True)
    for name, text in {"apps/settings.yaml": CONFIG_MAP, **case.files}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def expected_message(case: Case, root: Path) -> str:
    return case.place.format(root=root) + case.says


@pytest.mark.parametrize("name", CASES)
def test_the_command_line_exits_2_with_one_line_naming_the_place(name: str, tmp_path: Path):
    case = CASES[name]
    root = make_repo(tmp_path.resolve() / "gitops", case)
    if name == "changed-since-unknown-ref":  # a real repository, so that git itself answers
        import shutil
        import subprocess

        shutil.rmtree(root / ".git")
        subprocess.run(["git", "init", "-q", str(root)], check=True)
    args = [arg.format(root=root) for arg in case.args]
    paths = [] if any(arg.endswith(".yaml") and not arg.startswith(str(root)) for arg in args) else ["apps"]
    result = run_lintops("check", *args, *paths, cwd=root)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr  # one line, no traceback
    assert lines[0].startswith(PREFIX + case.place.format(root=root)), lines[0]
    assert case.says in lines[0]
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.stdout == ""


EDITOR_CASES = [name for name, case in CASES.items() if case.in_editor]


@pytest.mark.parametrize("name", EDITOR_CASES)
def test_the_error_carries_the_place_its_message_starts_with(name: str, tmp_path: Path):
    """The place is data on the error (what the language server reads), the message's prefix its text."""
    from lintops.errors import Place
    from lintops.runner import Settings, prepare

    case = CASES[name]
    root = make_repo(tmp_path.resolve() / "gitops", case)
    with pytest.raises(LintopsError) as raised:
        prepare(Settings(paths=(str(root / "apps"),), base_dir=root))
    error, place = raised.value, case.place.format(root=root)
    assert str(error).startswith(place) and case.says in str(error)
    where, _, position = place.removesuffix(": ").partition(":")
    if position:
        line, column = position.split(":")
        assert error.place == Place(where, int(line), int(column))
    else:
        assert error.place is None


@pytest.mark.parametrize("name", EDITOR_CASES)
def test_the_language_server_publishes_the_same_message_and_recovers(name: str, tmp_path: Path):
    pytest.importorskip("pygls")
    pytest.importorskip("pytest_lsp")
    case = CASES[name]
    root = make_repo(tmp_path.resolve() / "gitops", case)
    cli = run_lintops("check", "apps", cwd=root)
    assert cli.returncode == 2, cli.stderr
    message = cli.stderr.strip().removeprefix(PREFIX)
    assert message.startswith(expected_message(case, root).split(case.says)[0])
    asyncio.run(_editor_sees(root, message))


async def _editor_sees(root: Path, message: str) -> None:
    from lsprotocol import types
    from pytest_lsp import ClientServerConfig, client_capabilities

    client = await ClientServerConfig(server_command=[sys.executable, "-m", "lintops", "lsp"]).start()
    try:
        await client.initialize_session(types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code")))
        document = root / "apps" / "settings.yaml"
        uri = document.as_uri()
        waiting = client.protocol.wait_for_notification_async(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
            uri=uri, language_id="yaml", version=1, text=CONFIG_MAP)))
        params = await asyncio.wait_for(waiting, 60)
        [diagnostic] = params.diagnostics
        assert (diagnostic.code, diagnostic.severity) == ("configuration", types.DiagnosticSeverity.Error)
        assert diagnostic.message == f"lintops cannot lint with this configuration: {message}"
        assert not [m for m in client.log_messages if m.type == types.MessageType.Error]  # not a lintops bug

        # Fixed: the configuration and the repository's rules as they should be; the server lints again.
        (root / ".lintops.yaml").write_text("strict: true\n", encoding="utf-8")
        os.utime(root / ".lintops.yaml", (1_700_000_000, 1_700_000_000))
        rules = root / ".lintops" / "rules"
        if rules.is_dir():
            for rule in rules.iterdir():
                rule.unlink()
            os.utime(rules, (1_700_000_000, 1_700_000_000))
        waiting = client.protocol.wait_for_notification_async(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=CONFIG_MAP)]))
        params = await asyncio.wait_for(waiting, 60)
        assert [d.code for d in params.diagnostics] == []
        await client.shutdown_session()
    finally:
        await client.stop()


#: Public exception classes that never leave lintops: where they are raised, they become a finding (or a
#: LintopsError with the place that a caller knows), or they are lintops' own bug.
NEVER_ESCAPE = {
    "lintops.schema.kube.lifecycle.TableError":
        "the API lifecycle table ships with lintops: a broken one is a bug (exit 3)",
    "lintops.image_reference.InvalidImageReference": "an image reference a check reports as a finding",
    "lintops.inputs.files.RefusedFile": "a file the reader refuses (a link out, a pipe): a finding",
    "lintops.inputs.helm.semver.ConstraintError": "a chart's version constraint: a finding at its key",
    "lintops.parse.build.LimitExceeded": "a document past a parse limit: a yaml-limit finding at its node",
    "lintops.parse.scalars.BadScalar": "a scalar its tag cannot hold: a yaml-syntax finding at the node",
    "lintops.parse.scalars.TooLarge": "an integer too long to read as a number: a yaml-syntax finding at the node",
    "lintops.patterns.PatternError": "a pattern RE2 refuses: a finding, or a ConfigError/RuleError at its key",
    "lintops.schema.retrieval.ReferenceRefused": "a $ref that would leave the tree or the machine: a finding",
    "lintops.interrupts.Interrupted": "SIGINT or SIGTERM: exit 130 or 143, not an error",
}


def _exception_classes() -> dict[str, type]:
    classes = {}
    for module in pkgutil.walk_packages(lintops.__path__, "lintops."):
        if module.name.rsplit(".", 1)[-1] == "__main__":  # importing it runs the command line
            continue
        imported = importlib.import_module(module.name)
        for value in vars(imported).values():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == imported.__name__:
                classes[f"{value.__module__}.{value.__qualname__}"] = value
    return classes


def test_every_error_a_user_can_cause_is_a_lintops_error():
    classes = _exception_classes()
    # Private classes are control flow inside one module (caught where they are raised).
    public = {name: cls for name, cls in classes.items() if not cls.__name__.startswith("_")}
    not_lintops = sorted(name for name, cls in public.items() if not issubclass(cls, LintopsError))
    assert not_lintops == sorted(NEVER_ESCAPE), "a new exception class: derive it from LintopsError, or say here " \
                                                "why it never leaves lintops"
    for name in ("lintops.config.settings.ConfigError", "lintops.rules.RuleError", "lintops.plugins.PluginError",
                 "lintops.runner.VersionError", "lintops.baseline.BaselineError", "lintops.inputs.discover.InputError",
                 "lintops.report_output.ReportWriteError", "lintops.changes.ChangesError"):
        assert issubclass(classes[name], LintopsError), name


def test_the_errors_module_imports_nothing():
    """Every module that defines an error imports it, the one-file run's too: it must cost nothing."""
    import ast

    tree = ast.parse(Path(inspect.getfile(LintopsError)).read_text(encoding="utf-8"))
    assert not [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
