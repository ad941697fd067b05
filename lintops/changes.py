"""``--changed-since REF``: the files a branch changed, for the merge-request stage.

The comparison is against the merge base of ``REF`` and ``HEAD`` (what a merge request shows), and
includes uncommitted changes, so the same command works in CI and on a laptop. Deleted files are
left out; renamed files count under their new name. The changed files are then linted like files
named on the command line, so they bring their context: a changed values file or template renders
its chart, a changed base renders the overlays that use it, a changed Application is checked
against the Applications around it.

CI clones are often shallow (GitLab fetches 20 commits by default, GitHub's checkout one), and then the
merge base is not in the clone: :func:`merge_base` deepens the history from the repository's configured
remote itself (the missing target branch first, then more commits in growing steps, bounded, then the
whole history), and without a remote fails with one line naming ``GIT_DEPTH`` / ``fetch-depth`` and the
``git fetch`` to run. Only git runs, only against a remote git's own configuration names, with hooks off.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .errors import LintopsError
from .lazy_pattern import lazy
from .redact import mask_url_credentials

#: Commits fetched per step while the merge base is not in a shallow clone; after the last, the whole history.
DEEPEN_STEPS = (50, 200, 1000, 5000)
#: No hook of the repository runs, no maintenance is started, no submodule is fetched.
_QUIET_GIT = ("-c", "core.hooksPath=/dev/null", "-c", "gc.auto=0", "-c", "maintenance.auto=false",
              "-c", "fetch.recurseSubmodules=false")
_FETCH_TIMEOUT = 600
_COMMIT_ID = lazy(r"[0-9a-fA-F]{7,64}")


class ChangesError(LintopsError):
    """git could not say what changed (not a repository, unknown ref, history not in a shallow clone)."""


def git(root: Path, *args: str) -> str:
    """``git ARGS`` in ``root``: its standard output, or a ChangesError with the command and git's words."""
    result = run_git(root, args)
    if result.returncode != 0:
        raise ChangesError(f"git {' '.join(args)}: {_first_line(result.stderr) or 'failed'}")
    return result.stdout


#: Every git command lintops runs: no hook, no automatic gc or maintenance after it.
_QUIET = ("-c", "core.hooksPath=/dev/null", "-c", "gc.auto=0", "-c", "maintenance.auto=false")


def run_git(root: Path, args: tuple[str, ...], timeout: int = 60) -> subprocess.CompletedProcess:
    """``git ARGS`` in ``root``, finished: never a prompt (a fetch never waits for a password), no hook, no
    optional lock, no automatic maintenance, output decoded with bad bytes replaced; a ChangesError when git
    is missing, cannot start or does not answer within ``timeout`` seconds."""
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0")
    try:
        return subprocess.run(["git", *_QUIET, *args], cwd=root, capture_output=True, text=True, errors="replace",
                              check=False, timeout=timeout, stdin=subprocess.DEVNULL, env=env)
    except FileNotFoundError:
        raise ChangesError("git is not on PATH (--changed-since, --new-since and lintops diff need it)") from None
    except subprocess.TimeoutExpired:
        raise ChangesError(f"git {' '.join(args)}: no answer within {timeout} s") from None
    except OSError as error:
        raise ChangesError(f"git {' '.join(args)}: {error.strerror or error}") from None


def _first_line(text: str) -> str:
    """git's first line of complaint, with any credentials in a URL masked (a CI remote carries a token)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return mask_url_credentials(lines[0]) if lines else ""


def changed_files(ref: str, root: Path, within: list[Path] | None = None) -> list[Path]:
    """Files changed since the merge base of ``ref`` and HEAD that still exist, below ``within``."""
    try:
        top = Path(git(root, "rev-parse", "--show-toplevel").strip())
        base = merge_base(top, ref)
        names = git(top, "diff", "--name-only", "--diff-filter=ACMRT", "-z", base).split("\0")
        names += git(top, "ls-files", "--others", "--exclude-standard", "-z").split("\0")  # new, not yet added
    except ChangesError as exc:
        raise ChangesError(f"--changed-since {ref}: {exc}") from None
    scopes = [p.resolve() for p in within or []]
    files = []
    for name in sorted(set(filter(None, names))):
        path = (top / name).resolve()
        if not path.is_file():
            continue
        if scopes and not any(path == s or s in path.parents for s in scopes):
            continue
        files.append(path)
    return files


def merge_base(top: Path, ref: str) -> str:
    """The merge base of ``ref`` and HEAD in the repository at ``top``, deepening a shallow clone from its
    remote until the base is there; a ChangesError saying what to do when it cannot be found."""
    found = _try_merge_base(top, ref)
    if found:
        return found
    shallow = is_shallow(top)
    remote, branch = remote_of(top, ref)
    if shallow and remote is not None:
        found = _deepen(top, ref, remote, branch)
        if found:
            return found
        shallow = is_shallow(top)
    raise ChangesError(_explain(top, ref, shallow, remote, branch))


def _try_merge_base(top: Path, ref: str) -> str | None:
    if not _resolves(top, ref):
        return None
    result = run_git(top, ("merge-base", "--end-of-options", ref, "HEAD"))
    return result.stdout.strip() if result.returncode == 0 and result.stdout.strip() else None


def _resolves(top: Path, ref: str) -> bool:
    return run_git(top, ("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")).returncode == 0


def is_shallow(top: Path) -> bool:
    """Whether the clone at ``top`` holds only part of its history (``git clone --depth``)."""
    return run_git(top, ("rev-parse", "--is-shallow-repository")).stdout.strip() == "true"


def remote_of(top: Path, ref: str) -> tuple[str | None, str | None]:
    """The configured remote to fetch history from, and the branch ``ref`` tracks there when it is a
    remote-tracking ref (``origin/main``, ``refs/remotes/origin/main``) of a configured remote.

    Only remotes git's configuration already names are used: nothing in ``ref`` or the tree picks a URL."""
    remotes = [name for name in run_git(top, ("remote",)).stdout.split() if name]
    name = ref.removeprefix("refs/remotes/")
    for remote in sorted(remotes, key=len, reverse=True):  # "origin/x" before "o/x" when both are remotes
        branch = name.removeprefix(f"{remote}/")
        if branch != name and _valid_branch(top, branch):
            return remote, branch
    if "origin" in remotes:
        return "origin", None
    return (remotes[0], None) if len(remotes) == 1 else (None, None)


def _valid_branch(top: Path, branch: str) -> bool:
    """A branch name git accepts (no option, no refspec syntax such as ``:`` or ``*``)."""
    return not branch.startswith("-") and run_git(top, ("check-ref-format", f"refs/heads/{branch}")).returncode == 0


def _refspec(remote: str, branch: str) -> str:
    return f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}"


def _deepen(top: Path, ref: str, remote: str, branch: str | None) -> str | None:
    """Fetch the missing branch of ``ref``, then more history in growing steps, then all of it, until the
    merge base of ``ref`` and HEAD is in the clone; its commit, or None if it never appears."""
    refspecs = (_refspec(remote, branch),) if branch else ()
    missing = not _resolves(top, ref)
    if missing and not branch and not _COMMIT_ID.fullmatch(ref):
        return None  # a name that is not there: more history brings no branch or tag (a commit id it may)
    if branch and missing:
        _fetch(top, ref, remote, f"fetching {branch} from {remote}", f"--depth={DEEPEN_STEPS[0]}", *refspecs)
        found = _try_merge_base(top, ref)
        if found:
            return found
    for step in DEEPEN_STEPS:
        if not is_shallow(top):
            return _try_merge_base(top, ref)
        _fetch(top, ref, remote, f"fetching {step} more commits from {remote}", f"--deepen={step}", *refspecs)
        found = _try_merge_base(top, ref)
        if found:
            return found
    if is_shallow(top):
        _fetch(top, ref, remote, f"fetching the whole history from {remote}", "--unshallow", *refspecs)
    return _try_merge_base(top, ref)


def _fetch(top: Path, ref: str, remote: str, doing: str, depth: str, *refspecs: str) -> None:
    print(f"lintops: the clone is shallow and the merge base of {ref} and HEAD is not in it: {doing}",
          file=sys.stderr, flush=True)
    args = (*_QUIET_GIT, "fetch", "--quiet", "--no-tags", "--no-recurse-submodules", depth, "--end-of-options",
            remote, *refspecs)
    result = run_git(top, args, timeout=_FETCH_TIMEOUT)
    if result.returncode != 0:
        raise ChangesError(f"this clone is shallow and fetching more history from {remote} failed "
                           f"({_first_line(result.stderr) or 'git fetch failed'}); {_how_to_fetch(remote, ref, True)}")


def _fetch_command(remote: str | None, ref: str, shallow: bool) -> str:
    remote_name, branch = (remote or "origin"), None
    name = ref.removeprefix("refs/remotes/")
    if remote is not None and name.startswith(f"{remote}/"):
        branch = name[len(remote) + 1:]
    elif remote is None and "/" in name and not name.startswith("-"):
        remote_name, _, branch = name.partition("/")
    unshallow = "--unshallow " if shallow else ""
    target = f" {_refspec(remote_name, branch)}" if branch else ""
    return f"git fetch {unshallow}{remote_name}{target}"


def _how_to_fetch(remote: str | None, ref: str, shallow: bool) -> str:
    what = "fetch the history" if shallow else "fetch it"
    return (f"{what} first (`{_fetch_command(remote, ref, shallow)}`), or have CI clone the whole history "
            f"(GitLab: `GIT_DEPTH: 0` in the job's variables; GitHub Actions: `fetch-depth: 0` for actions/checkout)")


def _explain(top: Path, ref: str, shallow: bool, remote: str | None, branch: str | None) -> str:
    """One line: why there is no merge base of ``ref`` and HEAD, and what to run."""
    if not _resolves(top, "HEAD"):
        return "HEAD has no commit yet (nothing to compare with)"
    present = _resolves(top, ref)
    if shallow:
        where = "" if remote is not None else ", and it has no remote to fetch more from"
        missing = f"{ref} is not in this shallow clone" if not present else \
            f"this clone is shallow and its history does not reach the merge base of {ref} and HEAD"
        return f"{missing}{where}; {_how_to_fetch(remote, ref, True)}"
    if not present:
        if branch is not None or (remote is None and "/" in ref):
            return f"no branch {ref} in this clone; {_how_to_fetch(remote, ref, False)}"
        return f"no branch, tag or commit {ref} in this repository"
    return f"{ref} and HEAD have no common history (no merge base)"
