"""The command line: ``lintops [check] PATHS...`` and friends.

Exit codes separate "findings" from "the tool failed", which the peers conflate:
0 clean (or only findings below ``--fail-on``), 1 findings at or above ``--fail-on``,
2 usage or configuration error (or a report that cannot be written), 3 internal error;
130 and 143 when SIGINT or SIGTERM stopped the run. Every error a user causes is a
:class:`lintops.errors.LintopsError`, turned into one line and exit 2 in one place
(:meth:`DefaultCommandGroup.invoke`), whichever command and stage raised it.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from . import __version__
from .cli_common import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    check_options,
    color_option,
    open_reporters,
    parse_report,
    prepare,
    usage_error,
)


class DefaultCommandGroup(click.Group):
    """A group whose first argument may be omitted: ``lintops deploy/`` means ``lintops check deploy/``."""

    default_command = "check"
    #: Commands defined in modules of their own, imported only when named (or listed by ``--help``).
    lazy_commands = {"diff": "lintops.commands.diff:diff",
                     "gitlab-note": "lintops.commands.gitlab_note:gitlab_note"}

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        known = (*self.commands, *self.lazy_commands, "--help", "-h", "--version")
        if not args or args[0] not in known:
            _refuse_misspelt_command(args[0] if args else "", [*self.commands, *self.lazy_commands])
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = self.lazy_commands.get(name)
        if target is None:
            return super().get_command(ctx, name)
        from importlib import import_module

        module, _, attribute = target.partition(":")
        return getattr(import_module(module), attribute)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a :class:`~lintops.errors.LintopsError` from any stage is one line and exit 2."""
        from .errors import LintopsError

        try:
            return super().invoke(ctx)
        except LintopsError as exc:
            usage_error(str(exc))


@click.group(cls=DefaultCommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lintops")
def main() -> None:
    """lintops: lint a GitOps repository before it reaches the cluster."""


def _refuse_misspelt_command(first: str, commands: list[str]) -> None:
    """``lintops chek deploy/`` is no path to lint: a first argument that is not an option, not an existing
    path, looks like a word (no ``/``, no ``.``: ``rules.yaml`` stays a missing file) and is close to a
    command's name is a usage error that names the command (exit 2)."""
    if not first or first.startswith("-") or first in commands or "/" in first or "." in first:
        return
    if os.path.lexists(first):
        return
    from .suggest import did_you_mean

    hint = did_you_mean(first, commands)
    if hint:
        usage_error(f"unknown command '{first}'{hint} (`lintops --help` lists the commands)")


@main.command()
@click.argument("paths", nargs=-1)
@check_options
@color_option
@click.option("-f", "--format", "output_format", default=None,
              help="Output format on standard output: text (default; github under GitHub Actions), editor, "
                   "json, junit, codequality, sarif, github, or a plugin's (`lintops rules --formats` lists them).")
@click.option("--report", "reports", multiple=True, metavar="FORMAT=PATH",
              help="Also write a report in FORMAT to PATH, in the same run (repeatable).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None,
              help="Lowest severity that makes the run fail with exit 1 (default: error).")
@click.option("-v", "--verbose", is_flag=True, help="Also list skipped files and suppressed findings.")
@click.option("--baseline", type=click.Path(dir_okay=False), default=None,
              help="Suppress the findings recorded in this baseline (see `lintops baseline`); fail on new ones.")
@click.option("--changed-since", metavar="REF", default=None,
              help="Lint only what changed since the merge base of REF and HEAD (with the context it needs).")
@click.option("--new-since", metavar="REF", default=None,
              help="Fail only for findings the merge base of REF and HEAD does not have (the others are "
                   "reported as not introduced).")
@click.option("-q", "--quiet", is_flag=True, help="No progress line on standard error.")
@click.option("--progress", "force_progress", is_flag=True,
              help="Show the progress line on standard error even when it is not a terminal.")
def check(paths: tuple[str, ...], output_format: str | None, reports: tuple[str, ...], fail_on: str | None,
          verbose: bool, changed_since: str | None, new_since: str | None, quiet: bool, force_progress: bool,
          color: str, **flags: Any) -> None:
    """Lint PATHS (files, directories, or - for standard input; default: the current directory)."""
    if changed_since is not None or new_since is not None:
        flags["no_cache"] = True  # CI runs: a fresh container gains nothing from a result cache
    run = prepare(paths, fail_on=fail_on, cache_verbose=verbose, **flags)
    if new_since is not None:
        if "-" in paths:
            usage_error("--new-since compares trees: it cannot take standard input (-)")
        from .new_since import base_findings
        from .runner import Settings

        run.options.preexisting = base_findings(Settings(paths=paths or (".",), fail_on=fail_on, **flags), new_since)
    if changed_since is not None:
        paths = _changed_paths(changed_since, paths)
    if output_format is None:
        output_format = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    targets = [(output_format, None), *(parse_report(spec) for spec in reports)]
    for name, _ in targets:
        if name not in run.catalog.reporters:
            usage_error(f"unknown format '{name}' (available: {', '.join(sorted(run.catalog.reporters))})")
    engine = run.engine()
    outputs = open_reporters(run, targets, verbose, color)
    try:  # report files are published only once complete; a failed or interrupted run leaves them as they were
        inputs = run.discover(paths) if paths or changed_since is None else iter(())
        if not quiet and (force_progress or sys.stderr.isatty()):  # counted as reports come back, workers' too
            from .progress import reports_with_progress

            reports = reports_with_progress(list(inputs), engine.lint, shares_terminal=_same_terminal())
        else:
            reports = engine.lint(inputs)
        for report in reports:
            outputs.file_done(report)
        outputs.finish(engine.summary)  # a full disk, a closed pipe: ReportWriteError, one line, exit 2
    finally:
        outputs.discard()
    if engine.internal_errors:
        sys.exit(EXIT_INTERNAL)
    sys.exit(EXIT_FINDINGS if engine.failed else EXIT_CLEAN)


def _same_terminal() -> bool:
    """Whether standard output is the terminal standard error is (findings then never share the progress line)."""
    try:
        return sys.stdout.isatty() and os.path.samestat(os.fstat(sys.stdout.fileno()), os.fstat(sys.stderr.fileno()))
    except (OSError, ValueError, AttributeError):
        return False


def _changed_paths(ref: str, paths: tuple[str, ...]) -> tuple[str, ...]:
    from pathlib import Path

    from .changes import changed_files
    from .inputs.tree import MANIFEST_SUFFIXES

    files = changed_files(ref, Path.cwd(), [Path(p) for p in paths if p != "-"] or None)
    # .tpl: a changed Helm helper renders its chart again
    return tuple(str(f) for f in files if f.name.endswith((*MANIFEST_SUFFIXES, ".tpl")) or f.name == "Kustomization")


@main.command("baseline")
@click.argument("paths", nargs=-1)
@check_options
@click.option("-o", "--output", default=".lintops-baseline.json", show_default=True,
              type=click.Path(dir_okay=False), help="Where to write the baseline.")
def record_baseline(paths: tuple[str, ...], output: str, **flags: Any) -> None:
    """Record the current findings of PATHS, so that `check --baseline` fails only on new ones."""
    from pathlib import Path

    from .baseline import write_baseline

    run = prepare(paths, **flags)
    run.baseline_path = None  # record everything, including what an older baseline suppressed
    engine = run.engine()
    findings = [finding for report in engine.lint(run.discover(paths)) for finding in report.findings]
    count = write_baseline(Path(output), findings)
    click.echo(f"wrote {output}: {count} finding{'s' if count != 1 else ''} recorded")
    sys.exit(EXIT_INTERNAL if engine.internal_errors else EXIT_CLEAN)


@main.command()
@click.argument("paths", nargs=-1)
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False), help="Configuration file.")
@click.option("-k", "--kubernetes-version", "kubernetes_versions", multiple=True, metavar="VERSION",
              help="Render for this Kubernetes version (.Capabilities.KubeVersion and .APIVersions), written 1.N, "
                   "1.N.P or v1.N.P (default: the configuration's kubernetes_version and environment_versions, "
                   "else 1.18). Repeatable: each chart is rendered for each version.")
def render(paths: tuple[str, ...], config_path: str | None, kubernetes_versions: tuple[str, ...]) -> None:
    """Print what lintops lints for the charts and Kustomize overlays in PATHS: the rendered YAML,
    each document headed by the file it came from, its environment and, for a chart, the Kubernetes
    versions it was rendered for (a chart renders for each target: what each cluster would receive)."""
    from .escape import escape_controls
    from .inputs.discover import InputFile
    from .inputs.render import crd_bodies, render_input, target_versions
    from .stage_rules import RENDER_FAILED

    run = prepare(paths, config_path=config_path, kubernetes_version=kubernetes_versions or None)
    failed = False
    inputs = list(run.discover(paths))
    items = [item for item in inputs if not isinstance(item, InputFile)]  # charts, roots, files a renderer claims
    if not items:
        usage_error("no Helm chart or Kustomize root below " + ", ".join(paths or (".",)))
    crds = crd_bodies([item for item in inputs if isinstance(item, InputFile)], run.options)
    versions_for = target_versions(run.options)
    for item in items:
        result = render_input(item, run.options, crds)
        for problem in result.problems:
            # a notice (kustomize-unused: how a kustomization no root uses was linted) is no failure
            notice = getattr(problem, "rule_id", RENDER_FAILED) != RENDER_FAILED
            failed = failed or not notice
            where = f" [env: {problem.environment}]" if problem.environment else ""
            click.echo(escape_controls(f"{problem.path}:{problem.line}:{problem.column}: "
                                       f"{'info' if notice else 'error'}: {problem.message}{where}"), err=True)
        for source in result.sources:
            environment = source.source.environment
            target = ""
            # what a chart renders depends on the target; an overlay's only through its helmCharts (then it says so)
            if source.source.origin == "helm" or source.source.kubernetes_version:
                rendered_for = source.source.kubernetes_version
                versions = (rendered_for,) if rendered_for else tuple(versions_for(environment))
                target = ", Kubernetes " + (", ".join(versions[:-1]) + " and " + versions[-1] if len(versions) > 1
                                            else "".join(versions))
            for document in _documents(source.text, source.source.origin):
                header = escape_controls(f"# Source: {source.source.path} (environment: {environment or 'default'}"
                                         f"{target})")
                click.echo(f"---\n{header}\n{document}")
    sys.exit(EXIT_FINDINGS if failed else EXIT_CLEAN)


def _documents(text: str, origin: str | None) -> list[str]:
    """The documents of a rendered text that hold something, cut as ``check`` cuts them (lintops.parse.splitters),
    one per object ``check`` lints: a list of objects (``kind: List``, which Helm and kubectl apply item by
    item and ``check`` lints item by item) is shown as its items (:func:`_list_items`)."""
    import re

    from .parse.splitters import split_helm, split_kubectl
    from .parse.stream import HELM, split_of

    pieces = split_helm(text) if split_of(origin) == HELM else split_kubectl(text)[0]
    documents: list[str] = []
    for piece in pieces:
        if all(line.lstrip().startswith("#") or not line.strip() for line in piece.text.splitlines()):
            continue
        document = piece.text.strip("\n")
        # only a document with a top-level kind ending in "List" is parsed here: the others print as they are
        is_list = re.search(r"^kind:[ \t]*[\"']?[A-Za-z0-9]*List[\"']?[ \t]*(?:#.*)?$", document, re.MULTILINE)
        documents.extend(_list_items(document) if is_list else [document])
    return documents


def _list_items(document: str) -> list[str]:
    """The items of a list of objects, each a document headed by its place in the list (none for an empty
    list: nothing of it reaches the cluster); ``[document]`` when it is no list of objects."""
    import yaml

    from .inputs.manifests import is_object_list
    from .parse.stream import parse_text

    parsed = parse_text(document, "<rendered>")
    body = parsed.documents[0].data if len(parsed.documents) == 1 and not parsed.problems else None
    if not isinstance(body, dict) or not is_object_list(body):
        return [document]
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    name = f" {metadata['name']}" if isinstance(metadata.get("name"), str) else ""
    items = []
    for index, item in enumerate(body["items"]):
        try:
            text = yaml.safe_dump(item, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1 << 16)
        except yaml.YAMLError:  # pragma: no cover - parse_text builds plain data only
            return [document]
        items.append(f"# item {index + 1} of {len(body['items'])} of the {body['kind']}{name}\n"
                     f"{text.removesuffix(chr(10) + '...' + chr(10)).rstrip()}")
    return items


@main.command("rules")
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False), help="Configuration file.")
@click.option("--formats", is_flag=True, help="List the output formats (built-in and plugins') instead.")
@click.argument("path", required=False, default=".")
def list_rules(config_path: str | None, formats: bool, path: str) -> None:
    """List every rule: id, severity, whether it is on, where it comes from, what it checks."""
    from .explain import format_listing, rule_listing

    run = prepare((path,), config_path=config_path)
    _echo_lines("\n".join(format_listing(run.catalog) if formats else rule_listing(run.catalog.specs)))


@main.command()
@click.argument("rule_id")
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False), help="Configuration file.")
def explain(rule_id: str, config_path: str | None) -> None:
    """Print a rule's rationale, exact semantics, remediation, parameters and examples."""
    run = prepare((".",), config_path=config_path)
    spec = run.catalog.spec(rule_id)
    if spec is None:
        from .suggest import did_you_mean

        usage_error(f"unknown rule '{rule_id}'{did_you_mean(rule_id, (s.id for s in run.catalog.specs))} "
                    "(see `lintops rules`)")
    from .explain import explanation

    for block in explanation(spec, run.catalog.checks):
        _echo_lines(block)


def _echo_lines(text: str) -> None:
    """Print text that may come from a repository's rule file: its lines as they are, with every
    control character inside a line escaped (lintops.escape), so a rule cannot rewrite the terminal."""
    from .escape import escape_controls

    click.echo("\n".join(escape_controls(line) for line in text.split("\n")))


@main.command()
@click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False),
              help="Configuration file (default: the nearest .lintops.yaml above each document).")
def lsp(config_path: str | None) -> None:
    """Start the language server on standard input and output (needs the extra lintops[lsp])."""
    try:
        from .lsp import serve
    except ImportError as exc:
        usage_error(f"the language server needs pygls: pip install 'lintops[lsp]' ({exc})")
    serve(config_path)


@main.command()
@click.option("--path", "target", default=".lintops.yaml", show_default=True, type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(target: str, force: bool) -> None:
    """Write a commented starter configuration."""
    from pathlib import Path

    from .config.settings import STARTER_CONFIG

    path = Path(target)
    if path.exists() and not force:
        usage_error(f"{path} exists; use --force to overwrite it")
    path.write_text(STARTER_CONFIG)
    click.echo(f"wrote {path}")


def run() -> None:
    """Console-script entry point: any unexpected exception is exit code 3, not a traceback.

    SIGINT and SIGTERM end the run with one line and exit 130 or 143 (:mod:`lintops.interrupts`),
    after every ``finally`` on the way has run: report files are left as they were, workers stopped.
    """
    from .escape import escape_controls
    from .interrupts import Interrupted, install

    install()
    try:
        main(standalone_mode=True)
        return
    except SystemExit:
        raise
    except Interrupted as exc:
        code, line = exc.exit_code, f"lintops: interrupted by {exc.signal_name}"
    except Exception as exc:
        if "--debug" in sys.argv:
            raise
        code = EXIT_INTERNAL
        line = escape_controls(f"lintops: internal error: {type(exc).__name__}: {exc} "
                               f"(rerun with --debug for details)")
    # Out of the except block, the traceback is gone: the frames it held are unwound and their
    # generators closed (the worker pool terminated) before the line is printed.
    click.echo(line, err=True)
    sys.exit(code)
