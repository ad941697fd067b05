"""Check ``helm-values-image``: images in Helm values-only files are pinned to a version.

Images are found where :mod:`lintops.helm_values_layout` says the values layout keeps them (a key
``image`` at any depth, a mapping or a ``repo:tag`` string).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from ..helm_values_layout import dotted, is_image, mappings
from ..image_reference import InvalidImageReference, parse_image_reference
from ..model import Violation
from .base import Check, Subject

if TYPE_CHECKING:  # pragma: no cover
    from ..run_context import RunContext

#: The default of the parameter ``floating_tags``.
DEFAULT_VALUES_FLOATING_TAGS = ("latest",)


class HelmValuesImageCheck(Check):
    """``image.tag`` (or an ``image: repo:tag`` string) must pin a version: not ``latest``, not a floating tag.

    An image mapping with a non-empty ``digest`` passes. An image mapping without ``tag`` (or with
    an empty one) passes: the chart then uses its ``appVersion``, which the chart version pins. A
    string image without tag and digest fires (the runtime pulls ``latest``). ``floating_tags``
    (compared without regard to case) are the tags that move.
    """

    name = "helm-values-image"
    description = "Images in Helm values (image.tag, image: repo:tag) are pinned to a version."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "floating_tags": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1,
                              "uniqueItems": True, "default": list(DEFAULT_VALUES_FLOATING_TAGS),
                              "description": "Tags that move with every push, compared without regard to case: "
                                             "an image pinned to one of them fires."},
        },
        "additionalProperties": False,
    }

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(params)
        self.floating = frozenset(t.lower() for t in self.params.get("floating_tags", DEFAULT_VALUES_FLOATING_TAGS))

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        violations = []
        for tokens, block in mappings(subject.value):
            image = block.get("image")
            if not is_image(image):
                continue
            where = dotted((*tokens, "image"))
            if isinstance(image, str):
                violations.extend(self._reference(subject.at(*tokens, "image"), where, image))
                continue
            digest = image.get("digest")
            if isinstance(digest, str) and digest.strip():
                continue
            tag = image.get("tag")
            if isinstance(tag, (str, int, float)) and not isinstance(tag, bool) and str(tag).strip():
                text = str(tag).strip()
                if "@" in text or "{{" in text:
                    continue
                if text.lower() in self.floating:
                    violations.append(Violation(subject.at(*tokens, "image", "tag"),
                                                f"'{where}.tag' is '{text}', a tag that moves with every push; "
                                                "pin a version tag or set image.digest"))
                continue
            repository = image.get("repository")
            if isinstance(repository, str) and ":" in repository.rsplit("/", 1)[-1]:
                violations.extend(self._reference(subject.at(*tokens, "image", "repository"),
                                                  f"{where}.repository", repository, require_tag=False))
        return violations

    def _reference(self, pointer: str, where: str, text: str, require_tag: bool = True) -> list[Violation]:
        if "{{" in text:
            return []
        try:
            reference = parse_image_reference(text.strip())
        except InvalidImageReference as exc:
            return [Violation(pointer, f"'{where}' is not a valid image reference: {exc}")]
        if reference.digest is not None:
            return []
        if reference.tag is None:
            if not require_tag:
                return []
            return [Violation(pointer, f"'{where}' has neither tag nor digest, so the runtime pulls 'latest'; "
                                       "pin a version tag or a digest")]
        if reference.tag.lower() in self.floating:
            return [Violation(pointer, f"'{where}' uses the tag '{reference.tag}', which moves with every push; "
                                       "pin a version tag or a digest")]
        return []
