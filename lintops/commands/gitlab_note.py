"""``lintops gitlab-note FILE``: post the Markdown report of ``lintops diff`` on the pipeline's merge request.

The logic is :mod:`lintops.diff.gitlab_note`; this module is the command line's view of it, imported only
when a run names the command (or ``--help`` lists it), so it imports nothing at module level but click.
"""

from __future__ import annotations

import click


@click.command("gitlab-note")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--token-variable", default="LINTOPS_GITLAB_TOKEN", show_default=True, metavar="NAME",
              help="The environment variable that holds the GitLab token (a project or group access token "
                   "with api scope). Unset or empty: nothing is posted, and the command succeeds.")
@click.option("--dry-run", is_flag=True,
              help="Look the earlier note up, then print the request that would post or update it, "
                   "without sending it.")
def gitlab_note(file: str, token_variable: str, dry_run: bool) -> None:
    """Post FILE (a report of `lintops diff --format markdown`) as a note on the GitLab merge request of the
    pipeline, or update the note an earlier pipeline posted. Reads only the CI variables CI_API_V4_URL,
    CI_PROJECT_ID, CI_MERGE_REQUEST_IID and the token variable."""
    from ..cli_common import usage_error
    from ..diff.gitlab_note import post
    from ..errors import LintopsError
    from ..escape import escape_controls

    try:
        outcome = post(file, token_variable=token_variable, dry_run=dry_run)
    except LintopsError as exc:
        usage_error(str(exc))
    click.echo(escape_controls(outcome.line))
