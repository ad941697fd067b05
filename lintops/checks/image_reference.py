"""Check ``image-reference``: a container's image is a valid reference pinned to a version.

The subject is a container (rules target ``container``, ``init-container`` and
``ephemeral-container``). Parameter ``report`` chooses what a rule reports, so that one check serves
two rules of different severity (a violation carries no severity of its own):

- ``untagged-or-latest``: invalid references, references without tag and digest (the runtime pulls
  ``latest``), and the tag ``latest``;
- ``floating``: tags from ``floating_tags`` (branch names and channels such as ``main`` or
  ``stable``) that move like ``latest`` does.

A digest pins the image whatever the tag says. A missing or non-string ``image`` is left to schema
validation. Tags are compared without regard to case.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from ..credentials import credential_format
from ..image_reference import InvalidImageReference, parse_image_reference
from ..lazy_pattern import lazy
from ..model import Violation
from ..wording import container_label
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext

DEFAULT_FLOATING_TAGS = ("master", "main", "stable", "edge", "dev", "develop", "nightly")
_SHOWN_MAX = 120
_DIGEST_LIKE = lazy(r"[A-Za-z][A-Za-z0-9_+.-]*:[0-9a-fA-F]*")


class ImageReferenceCheck(Check):
    name = "image-reference"
    description = "Container images must be valid references pinned by a digest or a version tag."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "report": {"enum": ["untagged-or-latest", "floating"],
                       "description": "What the rule reports: `untagged-or-latest` (invalid references, references "
                                      "without tag and digest, the tag `latest`) or `floating` (tags of "
                                      "`floating_tags`, which move like `latest` does). A digest pins the image "
                                      "whatever its tag."},
            "floating_tags": {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True,
                              "default": list(DEFAULT_FLOATING_TAGS),
                              "description": "The tags `report: floating` fires for (branch names and channels), "
                                             "compared without regard to case."},
        },
        "required": ["report"],
        "additionalProperties": False,
    }

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(params)
        self.report = self.params["report"]
        self.floating_tags = frozenset(t.lower() for t in self.params.get("floating_tags", DEFAULT_FLOATING_TAGS))

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        container = subject.value
        if not isinstance(container, dict):
            return ()
        image = container.get("image")
        if not isinstance(image, str):
            return ()
        try:
            reference = _parse(image)
        except InvalidImageReference as exc:
            if self.report != "untagged-or-latest":
                return ()
            pointer, who = subject.at("image"), container_label(subject)
            if _redacted(image):  # the parser's message may quote the part that holds the credential
                return [Violation(pointer, f"{who} has an invalid image reference {_shown(image)}: it embeds "
                                           "what looks like a credential; remove it and rotate the credential")]
            return [Violation(pointer, f"{who} has an invalid image reference {_shown(image)}: {exc}")]
        if reference.digest is not None:
            return ()
        tag = reference.tag
        if self.report == "untagged-or-latest":
            if tag is None:
                return _unpinned(subject, image, "without a tag or digest, so the runtime pulls 'latest'")
            if tag.lower() == "latest":
                return _unpinned(subject, image, f"with the tag '{tag}', which moves with every push")
            return ()
        if tag is not None and tag.lower() in self.floating_tags:
            return _unpinned(subject, image, f"with the floating tag '{tag}', which moves like 'latest'")
        return ()


def _unpinned(subject: Subject, image: str, why: str) -> list[Violation]:
    return [Violation(subject.at("image"), f"{container_label(subject)} uses image {_shown(image)} {why}; "
                                           "pin a version tag or a digest")]


#: Repositories name the same images over and over; each distinct reference is parsed once.
_parse = functools.lru_cache(maxsize=4096)(parse_image_reference)


def _redacted(image: str) -> bool:
    """True when ``image`` holds something a message must not quote: a credential, or user information."""
    _, at, after = image.rpartition("@")
    return bool(credential_format(image)) or bool(at and not _DIGEST_LIKE.fullmatch(after))


def _shown(image: str) -> str:
    """The image as a message quotes it: shortened, and never with something that looks like a credential."""
    if credential_format(image):
        return "(not shown)"
    _, at, after = image.rpartition("@")
    if at and not _DIGEST_LIKE.fullmatch(after):  # 'user:password@host/...' is not a reference
        image = "<redacted>@" + after
    text = image if len(image) <= _SHOWN_MAX else image[:_SHOWN_MAX] + "..."
    return "'" + text.replace("\n", "\\n") + "'"
