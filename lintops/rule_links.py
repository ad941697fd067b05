"""Where a rule's documentation is: the one URL scheme every report and the language server link with.

A built-in rule's page is ``<base>/<rule-id>.md``: ``docs/rules/<rule-id>.md`` in lintops' repository,
generated from the rule file by ``scripts/generate_docs.py``, so a base such as
``https://github.com/ORG/lintops/blob/<revision>/docs/rules`` links each rule to the page of the
revision that is installed. The base comes from, first to last:

1. ``LINTOPS_RULE_DOCS_URL`` in the environment (set by the CI job, trusted like a flag);
2. ``rule_docs_url`` in the configuration: under ``--policy`` the policy's only (a different value in
   the linted tree's ``.lintops.yaml`` is not applied and is a ``policy-violation`` finding, so a merge
   request cannot point its reviewers' links at a site of its choosing); without a policy, the
   ``.lintops.yaml`` the run found.

There is no default base: lintops has no published site whose address it could promise, and a
``file://`` path into an installation means nothing on the machine that shows the report. Without a
base a built-in rule has no URL: SARIF leaves out ``helpUri`` (its ``help.markdown``, always present,
carries the rule's documentation itself and says how to configure links), the language server leaves
out ``codeDescription``, and JUnit and Code Quality carry no link.

A plugin's rule file may name its own page (``help_url``); a repository's rule file
(``.lintops/rules/``) too, which is used only when no policy is in force. Every URL is ``https`` with
a host and no user name or password (a report is a CI artifact: no credential may be in it); a base
has no query or fragment, since the rule's page is appended to it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from .errors import LintopsError


class LinkedRule(Protocol):
    """What a link is made of (a :class:`lintops.rules.RuleSpec`, which imports this module to check URLs)."""

    id: str
    origin: str
    help_url: str | None

ENV_VAR = "LINTOPS_RULE_DOCS_URL"
CONFIG_KEY = "rule_docs_url"
#: The origin of the rule files a repository under review writes (lintops.catalog).
REPOSITORY_ORIGIN = "repository"
#: Characters a URL never carries unescaped, which would end a Markdown link, an XML attribute or a code span.
_NOT_IN_URL = frozenset('<>"\'\\`')
#: Longest URL accepted (a link is shown in reports and editors; browsers handle far longer ones).
MAX_URL = 2048


def url_problem(value: object, base: bool = False) -> str | None:
    """Why ``value`` cannot be a documentation link (None: it can). ``base``: a base, to which a page is
    appended (no query, no fragment)."""
    from urllib.parse import urlsplit

    if not isinstance(value, str) or not value:
        return "must be an https URL"
    if len(value) > MAX_URL:
        return f"is longer than {MAX_URL} characters"
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F or ch in _NOT_IN_URL for ch in value):
        return "must be an https URL without spaces, control characters, quotes, backslashes or angle brackets"
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return "is not a valid URL"
    if parts.scheme != "https" or not parts.hostname or not port_ok:
        return "must be an https URL with a host (https://...)"
    if parts.username is not None or parts.password is not None:
        return "must not carry a user name or password (reports are CI artifacts)"
    if base and (parts.query or parts.fragment or value.endswith(("?", "#"))):
        return "is a base the rule's page is appended to: no query or fragment"
    return None


def page_url(base: str, rule_id: str) -> str:
    """``<base>/<rule-id>.md`` (one slash between them, whether or not ``base`` ends with one)."""
    return f"{base.rstrip('/')}/{rule_id}.md"


@dataclass(frozen=True)
class RuleLinks:
    """How a run links its rules: the base of the built-in pages, and whether a repository's own rule
    files may name their pages (not under a policy)."""

    base: str | None = None
    repository_links: bool = True

    def url(self, spec: LinkedRule) -> str | None:
        """The rule's documentation URL, or None when the run has none for it."""
        declared = spec.help_url
        if declared and (spec.origin != REPOSITORY_ORIGIN or self.repository_links):
            return declared
        if spec.origin == "built-in" and self.base:
            return page_url(self.base, spec.id)
        return None


def resolve(configured: str | None, *, under_policy: bool, environ: Mapping[str, str] | None = None) -> RuleLinks:
    """The run's links from the configuration's ``rule_docs_url`` (already validated and, under a policy,
    the policy's) and the environment. A malformed ``LINTOPS_RULE_DOCS_URL`` is a usage error (exit 2)."""
    environ = os.environ if environ is None else environ
    from_env = environ.get(ENV_VAR, "")
    base = configured
    if from_env:
        problem = url_problem(from_env, base=True)
        if problem is not None:
            raise LintopsError(f"{ENV_VAR} {problem}")
        base = from_env
    return RuleLinks(base=base.rstrip("/") if base else None, repository_links=not under_policy)
