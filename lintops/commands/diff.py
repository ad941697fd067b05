"""``lintops diff [PATHS] --base REF``: what a merge request changes in every environment, and what it introduces.

Exit codes as ``check``'s: 1 when the change introduces a finding at or above ``--fail-on`` (findings
the base has too never fail it), 2 for a usage or configuration error or a base that cannot be read,
3 for an internal error of either run.

Formats: ``text``, ``markdown`` and ``json`` describe the change (:mod:`lintops.diff`); every other
format (``junit``, ``codequality``, ``sarif``, ``github``, ``editor``, a plugin's) reports the findings the
change introduces, through the same reporters as ``check``. Each ``--report`` file is published only
once the run is complete.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from ..cli_common import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    check_options,
    color_option,
    open_reporters,
    parse_report,
    usage_error,
    use_color,
)

#: The formats that describe the change; the others are the findings reporters'.
DIFF_FORMATS = ("text", "markdown", "json")
#: GitLab refuses a merge-request note longer than this many characters.
GITLAB_NOTE_LIMIT = 1_000_000


@click.command("diff")
@click.argument("paths", nargs=-1)
@check_options
@click.option("--base", "base_ref", metavar="REF", default=None,
              help="Compare with the merge base of REF and HEAD (default: $CI_MERGE_REQUEST_DIFF_BASE_SHA in a "
                   "GitLab merge-request pipeline, else the current branch's upstream).")
@click.option("-f", "--format", "output_format", type=click.Choice(DIFF_FORMATS), default="text", show_default=True,
              help="What standard output shows.")
@click.option("--report", "reports", multiple=True, metavar="FORMAT=PATH",
              help="Also write FORMAT to PATH (repeatable): text, markdown or json describe the change; any other "
                   "format (junit, codequality, sarif, ...) reports the findings the change introduces.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None,
              help="Lowest severity of an introduced finding that makes the run fail with exit 1 (default: error).")
@click.option("--max-note-chars", type=click.IntRange(min=1000), default=GITLAB_NOTE_LIMIT, show_default=True,
              help="Largest Markdown report, in characters (GitLab's note limit); what does not fit is counted.")
@click.option("-v", "--verbose", is_flag=True, help="Also list the findings the base has too.")
@color_option
def diff(paths: tuple[str, ...], base_ref: str | None, output_format: str, reports: tuple[str, ...],
         fail_on: str | None, max_note_chars: int, verbose: bool, color: str, **flags: Any) -> None:
    """Render every environment at the merge base and in the working tree, and show, per environment, the
    objects added, removed and changed (field by field), and the findings introduced and resolved."""
    from ..diff.compare import default_base, diff_trees
    from ..runner import Settings, prepare

    if "-" in paths:
        usage_error("lintops diff compares trees: it cannot take standard input (-)")
    settings = Settings(paths=paths or (".",), fail_on=fail_on, **{**flags, "jobs": 1})
    head_run = prepare(settings)  # the configuration and the formats are checked before the base is linted
    targets = [parse_report(spec) for spec in reports]
    known = sorted({*DIFF_FORMATS, *head_run.catalog.reporters})
    for name, _ in targets:
        if name not in known:
            usage_error(f"unknown format '{name}' (available: {', '.join(known)})")
    ref = base_ref or default_base(Path(settings.paths[0]) if Path(settings.paths[0]).is_dir() else Path.cwd())
    findings_outputs = open_reporters(head_run, [t for t in targets if t[0] not in DIFF_FORMATS], verbose)
    try:
        result, head = diff_trees(settings, ref, head_run, on_report=lambda report: findings_outputs.file_done(
            replace(report, findings=[f for f in report.findings if f.introduced is not False])))
        findings_outputs.finish(head.summary)
    finally:
        findings_outputs.discard()
    options = {"verbose": verbose, "max_note_chars": max_note_chars}
    for name, path in targets:
        if name in DIFF_FORMATS:
            _write_file(path, render(name, result, color=False, **options))
    painted = output_format == "text" and use_color(color, sys.stdout)
    # color=: click.echo would strip the colour off a stream that is no terminal (a CI log, --color always)
    click.echo(render(output_format, result, color=painted, **options), nl=False, color=painted)
    if head.internal_errors:
        sys.exit(EXIT_INTERNAL)
    sys.exit(EXIT_FINDINGS if result.failed else EXIT_CLEAN)


def render(name: str, result: Any, *, color: bool, verbose: bool, max_note_chars: int) -> str:
    """The diff in one of :data:`DIFF_FORMATS`."""
    if name == "markdown":
        from ..diff.markdown import format_markdown

        return format_markdown(result, limit=max_note_chars)
    if name == "json":
        import io

        from ..diff.json_contract import write_json

        stream = io.StringIO()
        write_json(result, stream)
        return stream.getvalue()
    from ..diff.text import format_text

    return format_text(result, color=color, verbose=verbose)


def _write_file(path: str, text: str) -> None:
    from ..report_output import write_text_atomically

    write_text_atomically(Path(path), text)
