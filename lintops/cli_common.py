"""What the commands of the command line share: exit codes, the options of a lint run, its reporters.

``check``, ``baseline`` and ``diff`` take the same options (:func:`check_options`) and build a run the
same way (:func:`prepare`); ``check`` and ``diff`` write reports through the same reporters
(:func:`open_reporters`), coloured by the same rule (:func:`color_option`, :func:`use_color`). Every command
ends a user's error the same way (:func:`usage_error`).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from . import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def check_options(function):
    """Options shared by ``check``, ``baseline`` and ``diff``."""
    options = [
        click.option("-c", "--config", "config_path", type=click.Path(dir_okay=False),
                     help="Configuration file (default: the nearest .lintops.yaml above the first path)."),
        click.option("--policy", "policy_path", type=click.Path(dir_okay=False), default=None,
                     help="Trusted configuration from outside the linted tree (e.g. the target branch's "
                          ".lintops.yaml): the tree's own configuration, rules and comments may only do what it "
                          "grants; every attempt beyond is a policy-violation finding. See docs/security.md."),
        click.option("-k", "--kubernetes-version", multiple=True, metavar="VERSION",
                     help="Kubernetes version to check against, written 1.N, 1.N.P or v1.N.P: 1.17 to 1.37 are "
                          "bundled (default 1.18, or the configuration's kubernetes_version and "
                          "environment_versions). Repeatable: -k 1.29 -k 1.30 checks every object against each "
                          "and names the versions a finding applies to."),
        click.option("--strict/--no-strict", default=None, help="Unknown fields are errors (default) or allowed."),
        click.option("--exclude", "excludes", multiple=True, metavar="GLOB",
                     help="Skip files and directories matching GLOB (repeatable)."),
        click.option("--enable", multiple=True, metavar="RULE", help="Enable a rule that is off (repeatable)."),
        click.option("--disable", multiple=True, metavar="RULE", help="Disable a rule (repeatable)."),
        click.option("--pack", "packs", multiple=True, metavar="NAME",
                     help="Turn on every rule of a rule pack, e.g. pss-restricted (repeatable; `lintops rules` "
                          "lists each rule's packs)."),
        click.option("--schema-backend", type=click.Choice(["jsonschema-rs", "jsonschema"]), default=None,
                     hidden=True, help="JSON Schema implementation (for testing both)."),
        click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
                     help="Worker processes for large runs (default: the available cores; 1 = none)."),
        click.option("--debug", is_flag=True, help="Print tracebacks of internal errors."),
        click.option("--no-cache", is_flag=True,
                     help="Lint every file again instead of reusing the reports of unchanged files kept by "
                          "earlier runs (the result cache; never used with --changed-since or --new-since)."),
        click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
                     help="Where the result cache lives (default: $LINTOPS_CACHE_DIR, else "
                          "$XDG_CACHE_HOME/lintops or ~/.cache/lintops; only this option may name a directory "
                          "inside the linted tree)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def color_option(function):
    """``--color auto|always|never``, shared by ``check`` and ``diff`` (see :func:`use_color`)."""
    return click.option("--color", "color", type=click.Choice(["auto", "always", "never"]), default="auto",
                        show_default=True,
                        help="Colour the output on standard output: auto (on a terminal, unless NO_COLOR is set; "
                             "also off a terminal when FORCE_COLOR is), always (CI logs: GitLab and GitHub show "
                             "ANSI colour), never.")(function)


def use_color(mode: str, stream: Any) -> bool:
    """Whether to colour ``stream``, following the conventions of no-color.org and force-color.org: an explicit
    ``always`` or ``never`` wins; in ``auto`` a non-empty ``NO_COLOR`` turns colour off, else a non-empty
    ``FORCE_COLOR`` other than ``0`` turns it on, else the stream's being a terminal decides."""
    if mode != "auto":
        return mode == "always"
    if os.environ.get("NO_COLOR"):
        return False
    force = os.environ.get("FORCE_COLOR")
    if force and force != "0":
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


def parse_report(spec: str) -> tuple[str, str]:
    name, separator, path = spec.partition("=")
    if not separator or not name or not path:
        usage_error(f"--report expects FORMAT=PATH, got '{spec}'")
    return name, path


def open_reporters(run: Any, targets: list[tuple[str, str | None]], verbose: bool, color: str = "auto") -> Any:
    """The run's reporters and their outputs (:class:`lintops.report_output.Reports`); files written atomically.
    Only standard output is ever coloured (``color``: the ``--color`` mode); report files never are."""
    from .report_output import ReportOutput, Reports, open_report
    from .reporters import RunInfo

    rules = tuple(spec for spec in run.catalog.specs if spec.enabled)
    outputs = Reports()
    for name, path in targets:
        if path is None:
            output = ReportOutput.stdout()
        else:
            try:
                output = open_report(path)
            except OSError as exc:
                outputs.discard()
                usage_error(f"cannot write report {path}: {exc.strerror or exc}")
        painted = path is None and use_color(color, output.stream)
        info = RunInfo(__version__, run.options.kubernetes_version, run.options.strict, verbose=verbose, color=painted,
                       rules=rules, fail_on=run.options.fail_on, kubernetes_versions=run.options.kubernetes_versions)
        outputs.add(run.catalog.reporters[name](output.stream, info), output)
    return outputs


def prepare(paths: tuple[str, ...], **flags: Any):
    """The run's configuration, policy, catalog and options (a LintopsError is handled by the group).

    The cyclic garbage collector is paused meanwhile, and what start-up made is then frozen out of its
    reach (``gc.freeze``): the modules, the catalog and the compiled schemas live until the process
    ends and hold no garbage cycles, yet the collector, left on, scanned them some fifty times, about
    a fourteenth of a one-file run. The run itself pauses the collector too (lintops.engine)."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        from .runner import Settings, prepare

        return prepare(Settings(paths=paths or (".",), **flags))
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def usage_error(message: str) -> Any:
    from .escape import escape_controls  # messages quote paths and keys from the linted tree

    click.echo(f"lintops: error: {escape_controls(message)}", err=True)
    sys.exit(EXIT_USAGE)
