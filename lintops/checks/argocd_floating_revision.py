"""Check ``argocd-floating-revision``: Applications of the chosen environments must name a tag or a commit.

``targetRevision: HEAD`` (or a branch, or a version range) deploys whatever the branch holds when ArgoCD
next looks: a production Application then changes without a change to it. Teams that promote by
tagging want every production source pinned. Which revisions are pinned is decided offline: a full
commit id, a tag of the linted repository (its git tags, :mod:`lintops.argocd_repository`), an explicit
``refs/tags/...`` and a version-shaped name (``v1.2.3``, by convention a tag) are; ``HEAD``, a branch of
the repository, a version range and any other name are not. The environment is told exactly as
``argocd-self-heal-staging`` tells it (:mod:`lintops.config.environments`). The rule is off by default
(``rules/argocd-floating-revision.yaml`` says how to turn it on, and its exact semantics).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..argocd_apps import application_sources, environment_of, is_application, repository_of
from ..config.environments import PRODUCTION, patterns_from
from ..lazy_pattern import lazy
from ..model import Violation, join_pointer
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..argocd_repository import RepositoryInfo
    from ..run_context import RunContext

UNKNOWN = "unknown"
_COMMIT = lazy(r"[0-9a-f]{40}|[0-9a-f]{64}")
#: A single version: ``1.2.3``, ``v1.2``, ``1.2.3-rc.1+build.5`` (a Helm chart version, a release tag).
_VERSION = lazy(r"v?\d+(\.\d+){1,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?")
#: What makes a revision a semver range (ArgoCD resolves such a Git revision to the newest matching tag).
_RANGE_CHARACTERS = frozenset("*^~<>=|, ")
_WILDCARD_PART = lazy(r"(^|\.)[xX*](\.|$)")


def revision_verdict(revision: Any, *, chart: bool, info: RepositoryInfo | None) -> str | None:
    """Why ``revision`` floats (a clause for the message), or None when it is pinned.

    ``chart``: the source is a Helm repository's chart (its revision is a chart version); ``info``: the
    linted repository when the source is in it (its tags and branches are known), else None.
    """
    text = revision.strip() if isinstance(revision, str) else ""
    if not text:
        return ("has no targetRevision, which ArgoCD reads as the newest chart version" if chart
                else "has no targetRevision, which ArgoCD reads as HEAD (the default branch)")
    if len(text) > 255:
        return "is not a tag or a commit lintops can tell"
    if set(text) & _RANGE_CHARACTERS or _WILDCARD_PART.search(text) or " - " in text:
        return f"'{text}' is a version range: the newest matching version is deployed"
    if chart:
        return None if _VERSION.fullmatch(text) else f"'{text}' is not a chart version"
    if text == "HEAD":
        return "'HEAD' follows the default branch"
    if _COMMIT.fullmatch(text) or text.startswith("refs/tags/"):
        return None
    if text.startswith("refs/heads/"):
        return f"'{text}' is a branch"
    if info is not None and text in info.branches:
        return f"'{text}' is a branch of this repository"
    if (info is not None and text in info.tags) or _VERSION.fullmatch(text):
        return None
    return f"'{text}' is neither a full commit id nor a tag lintops knows, so it is taken as a branch"


class ArgoCDFloatingRevision(Check):
    name = "argocd-floating-revision"
    description = ("Reports ArgoCD Applications of the chosen environments (production by default) whose sources "
                   "follow a branch or a version range instead of naming a tag or a commit.")
    #: Not compared across files, but the verdict depends on the repository's git tags, which no file's bytes
    #: carry: Application files are linted in this process and never answered from the result cache.
    cross_object_kinds = frozenset({"Application"})
    params_schema = {
        "type": "object",
        "properties": {
            "environments": {
                "description": "The environments whose Applications must be pinned: production, staging, and "
                               "unknown (an Application whose environment cannot be told).",
                "type": "array",
                "items": {"enum": ["production", "staging", UNKNOWN]},
                "minItems": 1,
                "uniqueItems": True,
            },
        },
        "additionalProperties": False,
    }

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(params)
        self._environments = frozenset(self.params.get("environments") or (PRODUCTION,))

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        resource = subject.resource
        if not is_application(resource) or not isinstance(resource.body.get("spec"), dict):
            return ()
        decided = environment_of(resource, patterns_from(ctx.options.environments))
        environment = decided.environment if decided else UNKNOWN
        if environment not in self._environments:
            return ()
        where = f" ({decided.where} '{decided.value}')" if decided else " (its environment cannot be told)"
        info = None
        found = []
        for pointer, source in application_sources(resource.body["spec"]):
            if info is None:
                info = repository_of(ctx)
            here = info if info.is_this(source.get("repoURL")) else None
            why = revision_verdict(source.get("targetRevision"), chart=bool(source.get("chart")), info=here)
            if why is None:
                continue
            at = join_pointer(pointer, "targetRevision") if "targetRevision" in source else pointer
            found.append(Violation(at, f"Application '{resource.name or '<unnamed>'}' deploys to {environment}"
                                       f"{where} from a floating revision: {why}; name a tag or a commit"))
        return found
