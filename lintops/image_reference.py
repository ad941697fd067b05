"""Container image references, parsed by the grammar of the Docker distribution ``reference`` package.

The grammar (github.com/distribution/reference, ``reference.go`` and ``regexp.go``)::

    reference        := name [ ":" tag ] [ "@" digest ]
    name             := [domain "/"] path-component ["/" path-component]*
    domain           := host [":" port-number]
    host             := domain-name | "[" IPv6address "]"
    domain-name      := domain-component ["." domain-component]*
    domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
    port-number      := /[0-9]+/
    path-component   := alpha-numeric [separator alpha-numeric]*
    alpha-numeric    := /[a-z0-9]+/
    separator        := /[_.]|__|[-]+/
    tag              := /[\\w][\\w.-]{0,127}/
    digest           := algorithm ":" hex       (sha256: 64, sha384: 96, sha512: 128 lowercase hex digits)

Whether the first component of a name is a registry follows what Docker and the kubelet do
(``splitDockerDomain`` in ``normalize.go``): it is a registry when it contains ``.`` or ``:``, is
``localhost``, or contains an uppercase letter (repository paths are lowercase, so an uppercase first
component can only be a host name). Everything else belongs to the repository path, so
``registry:5000/app`` has a registry with a port and no tag, and ``library/nginx`` has no registry.

No normalisation happens here: ``nginx`` keeps ``registry=None`` and ``repository="nginx"``;
:attr:`ImageReference.normalized_registry` gives the registry the kubelet would pull from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lazy_pattern import lazy

__all__ = ["ImageReference", "InvalidImageReference", "parse_image_reference"]

#: Longest name (registry and path) the distribution package accepts.
NAME_TOTAL_LENGTH_MAX = 255

_ALPHANUMERIC = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = lazy(rf"{_ALPHANUMERIC}(?:{_SEPARATOR}{_ALPHANUMERIC})*", re.ASCII)
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = lazy(
    rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?", re.ASCII
)
_TAG = lazy(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", re.ASCII)
_DIGEST = lazy(r"([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*):([0-9a-fA-F]{32,})", re.ASCII)
_IDENTIFIER = lazy(r"[a-f0-9]{64}", re.ASCII)
#: Digest algorithms the registry and the container runtimes know, with their hex length.
_DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
#: Characters no part of a reference may hold.
_FORBIDDEN = lazy(r"[^A-Za-z0-9._\-:/@\[\]+]")

DEFAULT_REGISTRY = "docker.io"


class InvalidImageReference(ValueError):
    """The text is not an image reference; the message says which part is wrong."""


@dataclass(frozen=True)
class ImageReference:
    """A parsed image reference. ``registry`` includes the port; ``tag`` and ``digest`` may be None."""

    registry: str | None
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """Registry and repository as written (``registry:5000/team/app``)."""
        return f"{self.registry}/{self.repository}" if self.registry else self.repository

    @property
    def normalized_registry(self) -> str:
        """The registry the kubelet pulls from: ``docker.io`` when the reference names none."""
        return self.registry or DEFAULT_REGISTRY

    @property
    def digest_algorithm(self) -> str | None:
        return self.digest.split(":", 1)[0] if self.digest else None

    def __str__(self) -> str:
        text = self.name
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text


def parse_image_reference(text: str) -> ImageReference:
    """Parse ``text`` as an image reference, or raise :class:`InvalidImageReference` (a ValueError)."""
    if not isinstance(text, str):
        raise InvalidImageReference(f"an image reference is a string, not {type(text).__name__}")
    if text == "":
        raise InvalidImageReference("the image reference is empty")
    bad = _FORBIDDEN.search(text)
    if bad:
        char = bad.group()
        what = "whitespace" if char.isspace() else repr(char) if char.isprintable() else f"U+{ord(char):04X}"
        hint = " (an unrendered template?)" if char in "{}" or char.isspace() else ""
        raise InvalidImageReference(f"an image reference cannot contain {what}{hint}")
    if _IDENTIFIER.fullmatch(text):
        raise InvalidImageReference("a 64-character hex string is an image ID, not a reference")

    remainder, at, digest = text.partition("@")
    if at:
        _check_digest(digest)
    else:
        digest = None

    name, tag = remainder, None
    colon = remainder.rfind(":")
    if colon != -1 and "/" not in remainder[colon + 1:]:
        name, tag = remainder[:colon], remainder[colon + 1:]
        if not _TAG.fullmatch(tag):
            raise InvalidImageReference(
                f"invalid tag '{tag}': a tag is up to 128 letters, digits, '_', '.' and '-', "
                "and does not start with '.' or '-'" if tag else "the tag after ':' is empty"
            )
    if not name:
        raise InvalidImageReference("the repository name is missing")
    if len(name) > NAME_TOTAL_LENGTH_MAX:
        raise InvalidImageReference(f"the repository name is longer than {NAME_TOTAL_LENGTH_MAX} characters")

    registry, path = _split_registry(name)
    if registry is not None and not _DOMAIN.fullmatch(registry):
        raise InvalidImageReference(f"invalid registry '{registry}'")
    if path.lower() != path:
        raise InvalidImageReference(f"the repository name '{path}' must be lowercase")
    for component in path.split("/"):
        if not _PATH_COMPONENT.fullmatch(component):
            if component == "":
                raise InvalidImageReference("the repository path has an empty component ('//' or a trailing '/')")
            raise InvalidImageReference(
                f"invalid repository path component '{component}': lowercase letters and digits, "
                "separated by '.', '_', '__' or dashes"
            )
    return ImageReference(registry=registry, repository=path, tag=tag, digest=digest)


def _split_registry(name: str) -> tuple[str | None, str]:
    first, slash, rest = name.partition("/")
    if not slash:
        return None, name
    if first == "localhost" or "." in first or ":" in first or first.lower() != first:
        return first, rest
    return None, name


def _check_digest(digest: str) -> None:
    if "@" in digest:
        raise InvalidImageReference("an image reference has at most one '@digest'")
    match = _DIGEST.fullmatch(digest)
    if not match:
        raise InvalidImageReference(
            f"invalid digest '{digest}': expected '<algorithm>:<hex>', e.g. 'sha256:' and 64 hex digits"
        )
    algorithm, encoded = match.groups()
    length = _DIGEST_LENGTHS.get(algorithm)
    if length is None:
        raise InvalidImageReference(
            f"unsupported digest algorithm '{algorithm}' (known: {', '.join(_DIGEST_LENGTHS)})"
        )
    if len(encoded) != length or encoded.lower() != encoded:
        raise InvalidImageReference(f"invalid {algorithm} digest: expected {length} lowercase hex digits")
