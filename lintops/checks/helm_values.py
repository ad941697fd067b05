"""Checks for Helm values-only files: the values layout most charts share, read at any depth.

A values-only file (``production/values.yaml`` with no chart beside it; typically the values an ArgoCD
Application gives a chart from a Helm repository) cannot be rendered here, but nearly every chart
follows the layout ``helm create`` writes, and sub-charts repeat it under their own key
(``redis.master.image.tag``). These checks read that layout wherever it occurs:

- an **image** is a key ``image`` whose value is a mapping with ``repository`` / ``tag`` (and
  optionally ``registry``, ``digest``), or a string ``repo:tag``;
- a **workload block** is a mapping with such an ``image`` key: its ``resources``,
  ``livenessProbe``, ``readinessProbe`` are the container's. A block with ``enabled: false`` (a
  component switched off) is skipped with everything below it;
- a **secret-looking key** is a key whose name says it holds a credential (``password``, ``secret``,
  ``token``, ``apiKey``, ...), the same names the ``plaintext-secret`` check uses for environment
  variables, plus ``name``/``value`` pairs (``extraEnv``) whose ``name`` is one.

The subject is a ``lintops.io/v1`` ``HelmValues`` resource whose body is the values document; rules
bind these checks with ``targets: [helm-values]``. Pointers are JSON pointers into the values file,
so findings land on the key to change. Messages never contain a value of a secret-looking key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from ..image_reference import InvalidImageReference, parse_image_reference
from ..model import Violation, join_pointer
from .base import Check, Subject
from .plaintext_secret import (
    DEFAULT_IGNORE_NAME_PATTERN,
    SecretNameCheck,
    compile_pattern,
    credential_format,
    is_named_literal,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import RunContext

Tokens = tuple[str, ...]

#: Settings *about* a credential in values files: names of existing Secrets and of keys inside them.
DEFAULT_VALUES_IGNORE_NAME_PATTERN = (
    DEFAULT_IGNORE_NAME_PATTERN
    + r"|^existing|(?:passw(?:or)?d|token|secret)s?[-_.]?(?:key|keys|ref|refs)?[-_.]?(?:name|ref|selector)$"
    + r"|(?:passw(?:or)?d|token)[-_.]?key$|^(?:use|create|generate|auto)(?:[-_.]|(?-i:[A-Z]))"
)
#: Blocks that are not long-running containers (helm tests, hooks, jobs, init steps): no probe needed.
DEFAULT_PROBE_IGNORE_BLOCK_PATTERN = (
    r"(?:^|[-_.])(?:tests?|hooks?|jobs?|cron[-_.]?jobs?|init\w*|migrat\w*|kubectl|chown\w*|setup|upgrade\w*|"
    r"backup\w*|cleanup\w*|pre[-_.]?install\w*|post[-_.]?install\w*)$|^(?:init|test|job|hook)[A-Z]"
)


def _mappings(value: Any, tokens: Tokens = ()) -> Iterator[tuple[Tokens, dict[str, Any]]]:
    """Every mapping of the document with its tokens, skipping blocks switched off (``enabled: false``)."""
    if isinstance(value, dict):
        if value.get("enabled") is False:
            return
        yield tokens, value
        for key, child in value.items():
            yield from _mappings(child, (*tokens, str(key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _mappings(child, (*tokens, str(index)))


def _is_image(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip()) and "{{" not in value
    return isinstance(value, dict) and any(k in value for k in ("repository", "tag", "name", "digest"))


def _is_workload(block: dict[str, Any]) -> bool:
    return _is_image(block.get("image"))


def _dotted(tokens: Tokens) -> str:
    return ".".join(tokens) if tokens else "the file's top level"


def _block_label(tokens: Tokens) -> str:
    return f"the block '{_dotted(tokens)}'" if tokens else "the top-level block"


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
                              "uniqueItems": True},
        },
        "additionalProperties": False,
    }

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(params)
        self.floating = frozenset(t.lower() for t in self.params.get("floating_tags", ["latest"]))

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        violations = []
        for tokens, block in _mappings(subject.value):
            image = block.get("image")
            if not _is_image(image):
                continue
            where = _dotted((*tokens, "image"))
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


class HelmValuesResourcesCheck(Check):
    """``resources`` sets ``limits`` with every quantity of ``require`` (default ``cpu`` and ``memory``).

    Fires at a ``resources`` key whose value is empty, null or has no ``limits`` (the block), at
    ``resources.limits`` when a required quantity is missing or zero, and (``missing_block``,
    default true) at a workload block that has an image but no ``resources`` key at all. A
    ``resources`` of a volume claim (beside ``accessModes``/``storageClassName``, or asking for
    ``storage``) is not a container's and is skipped.
    """

    name = "helm-values-resources"
    description = "Workload blocks of Helm values set resources.limits (cpu and memory)."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "require": {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True},
            "missing_block": {"type": "boolean"},
        },
        "additionalProperties": False,
    }

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(params)
        self.require = list(self.params.get("require", ["cpu", "memory"]))
        self.missing_block = bool(self.params.get("missing_block", True))

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        violations = []
        for tokens, block in _mappings(subject.value):
            if "resources" not in block:
                if self.missing_block and _is_workload(block):
                    violations.append(Violation(
                        subject.at(*tokens), f"{_block_label(tokens)} sets an image but no resources, so the "
                                             "chart's default applies (in most charts: no limits); set "
                                             "resources.limits"))
                continue
            resources = block["resources"]
            if _is_volume_claim(block, resources):
                continue
            where = _dotted((*tokens, "resources"))
            limits = resources.get("limits") if isinstance(resources, dict) else None
            if not isinstance(limits, dict) or not limits:
                violations.append(Violation(subject.at(*tokens, "resources"),
                                            f"'{where}' sets no limits: set "
                                            f"{' and '.join(f'limits.{r}' for r in self.require) or 'limits'}"))
                continue
            missing = [r for r in self.require if _is_zero_or_absent(limits.get(r))]
            if missing:
                violations.append(Violation(subject.at(*tokens, "resources", "limits"),
                                            f"'{where}.limits' sets no {' and no '.join(missing)} limit"))
        return violations


def _is_volume_claim(block: dict[str, Any], resources: Any) -> bool:
    if "accessModes" in block or "storageClassName" in block:
        return True
    requests = resources.get("requests") if isinstance(resources, dict) else None
    return isinstance(requests, dict) and "storage" in requests


def _is_zero_or_absent(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return True
    text = str(value).strip()
    return not text or re.fullmatch(r"[+-]?0*\.?0*(?:[eE][+-]?[0-9]+|[a-zA-Z]*)", text) is not None


class HelmValuesProbeCheck(Check):
    """Every workload block has a probe: one of ``keys`` (dotted, relative to the block) is set.

    Fires at the workload block (a mapping with an ``image``) when none of ``keys`` is present with a
    value, or at the probe when it is null or switched off (``enabled: false``). Blocks whose key
    matches ``ignore_block_pattern`` (helm tests, hooks, jobs, init steps) are not long-running and
    are skipped.
    """

    name = "helm-values-probe"
    description = "Workload blocks of Helm values configure a probe (livenessProbe by default)."
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "keys": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
            "ignore_block_pattern": {"type": "string"},
        },
        "additionalProperties": False,
    }

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        super().__init__(params)
        self.keys = [tuple(k.split(".")) for k in self.params.get("keys", ["livenessProbe"])]
        self.ignore = compile_pattern(self.params, "ignore_block_pattern", DEFAULT_PROBE_IGNORE_BLOCK_PATTERN)

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        violations = []
        wanted = " or ".join(".".join(k) for k in self.keys)
        for tokens, block in _mappings(subject.value):
            if not _is_workload(block):
                continue
            name = next((t for t in reversed(tokens) if not t.isdigit()), "")
            if name and self.ignore.pattern and self.ignore.search(name):
                continue
            present = [(key, _lookup(block, key)) for key in self.keys]
            set_probes = [(key, value) for key, (found, value) in present if found]
            if not set_probes:
                violations.append(Violation(subject.at(*tokens), f"{_block_label(tokens)} sets an image but no "
                                                                 f"{wanted}"))
                continue
            if all(value is None or (isinstance(value, dict) and value.get("enabled") is False)
                   for _, value in set_probes):
                key = set_probes[0][0]
                violations.append(Violation(subject.at(*tokens, *key),
                                            f"'{_dotted((*tokens, *key))}' switches the probe off"))
        return violations


def _lookup(block: dict[str, Any], key: Tokens) -> tuple[bool, Any]:
    value: Any = block
    for token in key:
        if not isinstance(value, dict) or token not in value:
            return False, None
        value = value[token]
    return True, value


class HelmValuesSecretCheck(SecretNameCheck):
    """No credential is written in a values file: secret-looking keys with literal values, known formats.

    Fires at a key whose name matches ``name_pattern`` and not ``ignore_name_pattern`` (both searched
    case-insensitively) when its value is a literal (not empty, not a reference such as ``${VAR}``
    or ``{{ ... }}``, not a boolean, short number, path, mask or placeholder); at an
    ``{name: ..., value: ...}`` pair (``extraEnv``) whose name looks like a credential and whose value
    is a literal; and at any string that contains a well-known credential format (a private key, an
    AWS access key ID, GitHub / GitLab / Slack tokens, a JSON Web Token, a URL with a password).
    Values under blocks switched off are still reported: they are committed all the same.
    """

    name = "helm-values-secret"
    description = "Helm values files contain no literal credentials."
    default_ignore_name_pattern = DEFAULT_VALUES_IGNORE_NAME_PATTERN

    def check(self, subject: Subject, ctx: RunContext) -> Iterable[Violation]:
        return list(self._walk(subject.value, ()))

    def _walk(self, value: Any, tokens: Tokens) -> Iterator[Violation]:
        if isinstance(value, dict):
            name, pair_value = value.get("name"), value.get("value")
            if isinstance(name, str) and isinstance(pair_value, str) and self.looks_secret(name) \
                    and is_named_literal(name, pair_value) and not credential_format(pair_value):
                yield Violation(join_pointer("", *tokens, "value"),
                                f"'{_dotted(tokens)}' sets '{name}' to a literal value, and its name says it is a "
                                "credential; reference a Secret (valueFrom.secretKeyRef, existingSecret)")
            for key, child in value.items():
                key = str(key)
                child_tokens = (*tokens, key)
                if isinstance(child, (dict, list)):
                    yield from self._walk(child, child_tokens)
                    continue
                text = _scalar(child)
                if text is None:
                    continue
                what = credential_format(text)
                if what:
                    yield Violation(join_pointer("", *child_tokens),
                                    f"'{_dotted(child_tokens)}' contains what looks like {what}; move it to a "
                                    "Secret (SealedSecret, ExternalSecret) and reference it")
                elif self.looks_secret(key) and "\n" not in text.strip() and is_named_literal(key, text):
                    yield Violation(join_pointer("", *child_tokens),
                                    f"'{_dotted(child_tokens)}' is set to a literal value, and its name says it is a "
                                    "credential; reference an existing Secret instead (existingSecret, a "
                                    "SealedSecret, an ExternalSecret)")
        elif isinstance(value, list):
            for index, child in enumerate(value):
                child_tokens = (*tokens, str(index))
                if isinstance(child, (dict, list)):
                    yield from self._walk(child, child_tokens)
                    continue
                text = _scalar(child)
                what = credential_format(text) if text is not None else None
                if what:
                    yield Violation(join_pointer("", *child_tokens),
                                    f"'{_dotted(child_tokens)}' contains what looks like {what}; move it to a "
                                    "Secret (SealedSecret, ExternalSecret) and reference it")


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    return value if isinstance(value, str) else None
