"""The command line: ``lintops [check] PATHS...`` and friends.

Exit codes separate "findings" from "the tool failed", which the peers conflate:
0 clean (or only findings below ``--fail-on``), 1 findings at or above ``--fail-on``,
2 usage or configuration error, 3 internal error.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from . import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class DefaultCommandGroup(click.Group):
    """A group whose first argument may be omitted: ``lintops deploy/`` means ``lintops check deploy/``."""

    default_command = "check"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultCommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lintops")
def main() -> None:
    """lintops: lint a GitOps repository before it reaches the cluster."""


def _kubernetes_version(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    from .kube_schema import supported_versions

    normalized = value.lstrip("v")
    parts = normalized.split(".")
    normalized = ".".join(parts[:2])
    supported = supported_versions()
    if normalized not in supported:
        raise click.BadParameter(f"'{value}' is not a supported Kubernetes version (supported: {', '.join(supported)})")
    return normalized


@main.command()
@click.argument("paths", nargs=-1)
@click.option("-k", "--kubernetes-version", default="1.18", show_default=True, callback=_kubernetes_version,
              help="Kubernetes version whose API schemas and served apiVersions to check against.")
@click.option("--strict/--no-strict", default=True, show_default=True,
              help="Unknown fields are errors (strict) or allowed.")
@click.option("-f", "--format", "output_format", default="text", show_default=True,
              type=click.Choice(["text", "json"]), help="Output format on standard output.")
@click.option("--exclude", "excludes", multiple=True, metavar="GLOB",
              help="Skip files and directories matching GLOB (repeatable).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="error", show_default=True,
              help="Lowest severity that makes the run fail (exit 1).")
@click.option("-v", "--verbose", is_flag=True, help="Also list skipped files and suppressed findings.")
@click.option("--schema-backend", type=click.Choice(["auto", "jsonschema-rs", "jsonschema"]), default="auto",
              hidden=True, help="JSON Schema implementation (for testing both).")
@click.option("--debug", is_flag=True, help="Print tracebacks of internal errors.")
def check(paths: tuple[str, ...], kubernetes_version: str, strict: bool, output_format: str,
          excludes: tuple[str, ...], fail_on: str, verbose: bool, schema_backend: str, debug: bool) -> None:
    """Lint PATHS (files, directories, or - for standard input; default: the current directory)."""
    from .catalog import load_rules
    from .engine import Engine, Options
    from .inputs.discover import InputError, discover
    from .model import Severity
    from .reporters import BUILTIN_REPORTERS, RunInfo, load_reporter
    from .rules import RuleError

    options = Options(kubernetes_version=kubernetes_version, strict=strict, fail_on=Severity(fail_on),
                      schema_backend=None if schema_backend == "auto" else schema_backend, debug=debug)
    try:
        rules = load_rules()
    except RuleError as exc:
        _usage_error(str(exc))
    engine = Engine(rules, options)
    stream = click.get_text_stream("stdout")
    color = stream.isatty() and "NO_COLOR" not in os.environ
    run = RunInfo(__version__, kubernetes_version, strict, verbose=verbose, color=color)
    reporter = load_reporter(BUILTIN_REPORTERS[output_format])(stream, run)
    try:
        for report in engine.lint(discover(paths or (".",), excludes)):
            reporter.file_done(report)
    except InputError as exc:
        _usage_error(str(exc))
    reporter.finish(engine.summary)
    if engine.internal_errors:
        sys.exit(EXIT_INTERNAL)
    sys.exit(EXIT_FINDINGS if engine.failed else EXIT_CLEAN)


def _usage_error(message: str) -> Any:
    click.echo(f"lintops: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def run() -> None:
    """Console-script entry point: any unexpected exception is exit code 3, not a traceback."""
    try:
        main(standalone_mode=True)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if "--debug" in sys.argv:
            raise
        click.echo(f"lintops: internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)", err=True)
        sys.exit(EXIT_INTERNAL)
