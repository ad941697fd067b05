"""Which ``repoURL`` is the linted repository, and which of its revision names are tags or branches.

An ArgoCD Application names its sources by URL. lintops can check a source's ``path`` and values files
only when that URL is the repository being linted: the URLs of the repository's git remotes (what CI
writes into ``.git/config`` when it clones) and the aliases of the configuration
(``argocd: {repositories: [...]}``, for a mirror or a URL the remotes do not spell). URLs are compared
normalised (:func:`normalise_repo_url`, by which ``argocd-self-heal-staging`` compares sources too: no
scheme, user, port, trailing ``/`` or ``.git``; the host without case), so ``git@github.com:org/repo.git``
and ``https://github.com/org/repo`` are the same repository.

git is asked as lintops already asks it (:mod:`lintops.changes`): only reading commands (``config``,
``for-each-ref``, ``rev-parse``), with hooks off and no terminal prompt. ``.git/config`` is written by
whoever cloned, not committed by the tree's author, but it is still data: a remote URL may carry a
token, so remote URLs never leave this module except normalised (user-info dropped), and nothing here
is ever printed. Without git, or outside a repository, there are no remotes: only the aliases match.

Paths in an Application are relative to the repository's top; the run's base directory may be below
it (a mono-repository linted from a sub-directory): :attr:`RepositoryInfo.prefix` says where.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: Bounds on what git's answer may hold (a repository with more tags is answered by these many).
_MAX_REFS = 200_000
_TIMEOUT = 20


def normalise_repo_url(url: Any) -> str:
    """A repository URL reduced to ``host/path``: scheme, user, port, trailing ``/`` and ``.git`` dropped.

    ``https://GitHub.com/org/repo.git/``, ``ssh://git@github.com:22/org/repo`` and
    ``git@github.com:org/repo.git`` all become ``github.com/org/repo``. The host is compared
    case-insensitively, the path as written.
    """
    if not isinstance(url, str):
        return ""
    text = url.strip()
    if "://" in text:
        try:
            parts = urlsplit(text)
            host = (parts.hostname or "").lower()
        except ValueError:  # "https://[git.example/repo": not a URL, compared as written
            return text
        path = parts.path
    else:
        scp = re.match(r"^(?:[^@/]+@)?([^:/]+):(?!\d+/)(.*)$", text)  # git@host:org/repo
        if scp:
            host, path = scp.group(1).lower(), scp.group(2)
        else:  # host/path without a scheme (OCI registries)
            host, _, path = text.partition("/")
            host = host.rsplit("@", 1)[-1].split(":", 1)[0].lower()
    path = path.strip("/")
    while path.endswith(".git") or path.endswith("/"):
        path = path.removesuffix(".git").rstrip("/")
    return f"{host}/{path}" if path else host


@dataclass(frozen=True)
class RepositoryInfo:
    """The linted repository as Applications name it."""

    #: Normalised URLs that mean this repository (remotes and configured aliases).
    urls: frozenset[str]
    #: The base directory relative to the repository's top (``""``: the same directory); None: unknown.
    prefix: str | None
    tags: frozenset[str] = frozenset()
    branches: frozenset[str] = frozenset()
    #: Whether git answered at all (a tree that is not a git repository cannot tell a tag from a branch).
    is_git: bool = False

    def is_this(self, repo_url: object) -> bool:
        """Whether ``repo_url`` (as written in an Application) is this repository."""
        normalised = normalise_repo_url(repo_url)
        return bool(normalised) and normalised in self.urls

    def below_base(self, repository_path: str) -> str | None:
        """A path relative to the repository's top, made relative to the run's base directory; None when it
        lies outside the base (not part of what is linted)."""
        prefix = self.prefix or ""
        if not prefix:
            return repository_path
        if repository_path == prefix:
            return ""
        if repository_path.startswith(prefix + "/"):
            return repository_path[len(prefix) + 1:]
        return None


def repository_info(base_dir: Path, aliases: Iterable[str] = ()) -> RepositoryInfo:
    """What the repository at ``base_dir`` is called by Applications, with the configured ``aliases``."""
    return _info(str(base_dir), tuple(str(alias) for alias in aliases if isinstance(alias, str)))


@lru_cache(maxsize=8)
def _info(base_dir: str, aliases: tuple[str, ...]) -> RepositoryInfo:
    urls = {normalise_repo_url(alias) for alias in aliases} - {""}
    top = _git(base_dir, "rev-parse", "--show-toplevel")
    if top is None:
        return RepositoryInfo(frozenset(urls), "")
    top_path = Path(top.strip())
    try:
        prefix = Path(base_dir).resolve().relative_to(top_path.resolve()).as_posix()
    except ValueError:
        prefix = None
    prefix = "" if prefix == "." else prefix
    remotes = _git(base_dir, "config", "--null", "--get-regexp", r"^remote\..*\.url$") or ""
    for entry in remotes.split("\0")[:_MAX_REFS]:
        _, _, url = entry.partition("\n")  # --null: "key\nvalue\0"
        if url:
            urls.add(normalise_repo_url(url))
    refs = (_git(base_dir, "for-each-ref", "--format=%(refname)", "refs/tags", "refs/heads", "refs/remotes")
            or "").splitlines()[:_MAX_REFS]
    tags = {ref.removeprefix("refs/tags/") for ref in refs if ref.startswith("refs/tags/")}
    branches = {ref.removeprefix("refs/heads/") for ref in refs if ref.startswith("refs/heads/")}
    branches |= {ref.removeprefix("refs/remotes/").partition("/")[2] for ref in refs
                 if ref.startswith("refs/remotes/")} - {"", "HEAD"}
    return RepositoryInfo(frozenset(urls - {""}), prefix, frozenset(tags), frozenset(branches), is_git=True)


def _git(cwd: str, *args: str) -> str | None:
    """git's standard output (lintops.changes.run_git: no hook, no prompt), or None when git is missing,
    refuses or does not answer in time."""
    from .changes import ChangesError, run_git

    try:
        result = run_git(Path(cwd), args, timeout=_TIMEOUT)
    except ChangesError:
        return None
    return result.stdout if result.returncode == 0 else None
