"""Semantic version constraints as Helm evaluates a chart's ``kubeVersion``: Masterminds/semver v3.

Helm refuses to install (and ``helm template`` to render) a chart whose ``Chart.yaml`` says
``kubeVersion: ">=1.25.0-0"`` on a cluster outside it (``chartutil.IsCompatibleRange``: the
constraint is parsed with ``semver.NewConstraint``, the cluster's version with ``semver.NewVersion``,
and a constraint that does not parse makes the chart compatible with nothing). This module is a
port of what those two functions do in github.com/Masterminds/semver/v3 (v3.4.0, the release
Helm 3.18+ and Helm 4 build with; earlier v3 releases differ only for pre-release *versions*, and
the version lintops checks is always a release, ``v1.N.0``), so that lintops says what Helm would:

- a constraint is OR groups split by ``||``; in a group, AND constraints separated by spaces or
  commas; ``1.2 - 1.4.5`` is a hyphen range (``>= 1.2, <= 1.4.5``);
- operators ``=`` (or none), ``!=``, ``>``, ``<``, ``>=``/``=>``, ``<=``/``=<``, ``~``/``~>`` (patch
  range), ``^`` (minor range); ``x``, ``X`` and ``*`` are wildcards, and a missing minor or patch
  is one (``>=1.25`` is ``>=1.25.x``);
- pre-releases: a version with a pre-release (``1.25.0-beta.1``) satisfies an AND group only if one
  of the group's constraints carries a pre-release itself. That is why charts write ``-0``
  (``>=1.25.0-0``): clusters report versions like ``v1.25.3-eks-1``, and ``0`` is the lowest
  pre-release, so ``>=1.25.0-0`` admits every 1.25 build and every release after it.

The regular expressions are semver's own, compiled with RE2 (``google-re2``), the engine Go's
``regexp`` package implements: the constraint text comes from the linted tree, and RE2 matches in
linear time and with Go's leftmost-first semantics, so the parse is Helm's, also for the odd inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = ["Constraint", "ConstraintError", "Version", "admits", "parse_constraint", "parse_version"]

_OPS = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^"
_CV = (r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?"
       r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
       r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?")
_LOOSE_VERSION = (r"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?"
                  r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
                  r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$")
_NUM = frozenset("0123456789")
_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789")
_UINT64 = 1 << 64
#: Longer constraint texts are refused before any matching (a real one is a few dozen characters).
MAX_CONSTRAINT = 4096


class ConstraintError(ValueError):
    """A constraint or version semver cannot parse; the message says why, as semver would."""


def _shown(text: str) -> str:
    """A part of a constraint as a message quotes it: stripped, and shortened past 60 characters."""
    text = text.strip()
    return repr(text if len(text) <= 60 else text[:57] + "...")


@lru_cache(maxsize=1)
def _patterns() -> dict[str, Any]:
    import re2  # only charts with a kubeVersion need it

    return {
        "constraint": re2.compile(rf"^\s*({_OPS})\s*({_CV})\s*$"),
        "range": re2.compile(rf"\s*({_CV})\s+-\s+({_CV})\s*"),
        "find": re2.compile(rf"({_OPS})\s*({_CV})"),
        "valid": re2.compile(rf"^(\s*({_OPS})\s*({_CV})\s*)((?:\s+|,\s*)({_OPS})\s*({_CV})\s*)*$"),
        "version": re2.compile(_LOOSE_VERSION),
    }


@dataclass(frozen=True)
class Version:
    """A version as ``semver.NewVersion`` reads it (loosely: ``v`` prefix, missing minor or patch, leading zeros)."""

    major: int
    minor: int
    patch: int
    pre: str = ""
    metadata: str = ""

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        text += f"-{self.pre}" if self.pre else ""
        return text + (f"+{self.metadata}" if self.metadata else "")

    def compare(self, other: Version) -> int:
        """-1, 0 or 1, as ``Version.Compare``: metadata is ignored, a release is above its pre-releases."""
        for mine, theirs in ((self.major, other.major), (self.minor, other.minor), (self.patch, other.patch)):
            if mine != theirs:
                return -1 if mine < theirs else 1
        if self.pre == other.pre:
            return 0
        if not self.pre:
            return 1
        if not other.pre:
            return -1
        return _compare_prerelease(self.pre, other.pre)


def _compare_prerelease(mine: str, theirs: str) -> int:
    left, right = mine.split("."), theirs.split(".")
    for index in range(max(len(left), len(right))):
        result = _compare_part(left[index] if index < len(left) else "", right[index] if index < len(right) else "")
        if result:
            return result
    return 0


def _compare_part(mine: str, theirs: str) -> int:
    """One dot-separated pre-release identifier against another (``comparePrePart``)."""
    if mine == theirs:
        return 0
    if not mine:
        return -1
    if not theirs:
        return 1
    mine_number, theirs_number = _uint(mine), _uint(theirs)
    if mine_number is None and theirs_number is None:
        return 1 if mine > theirs else -1
    if theirs_number is None:  # a number sorts below an identifier with letters
        return -1
    if mine_number is None:
        return 1
    return 1 if mine_number > theirs_number else -1 if mine_number < theirs_number else 0


def _uint(text: str) -> int | None:
    """``strconv.ParseUint(text, 10, 64)``, None when it fails."""
    if not text or not set(text) <= _NUM:
        return None
    value = int(text)
    return value if value < _UINT64 else None


def parse_version(text: str) -> Version:
    """``semver.NewVersion`` (with ``CoerceNewVersion``, its default): ``ConstraintError`` when it fails."""
    match = _patterns()["version"].search(text)
    if match is None:
        raise ConstraintError(f"{_shown(text)} is not a semantic version")
    numbers = [_uint(part.lstrip(".")) if part else 0 for part in match.group(1, 2, 3)]
    if any(number is None for number in numbers):
        raise ConstraintError(f"{_shown(text)}: a version segment is out of range")
    pre, metadata = match.group(5) or "", match.group(8) or ""
    for part in pre.split(".") if pre else ():
        if not part or (set(part) <= _NUM and len(part) > 1 and part[0] == "0") or not set(part) <= _ALLOWED:
            raise ConstraintError(f"{_shown(text)}: invalid pre-release")
    for part in metadata.split(".") if metadata else ():
        if not part or not set(part) <= _ALLOWED:
            raise ConstraintError(f"{_shown(text)}: invalid build metadata")
    major, minor, patch = (int(n) for n in numbers)  # type: ignore[arg-type]
    return Version(major, minor, patch, pre, metadata)


def _is_x(text: str) -> bool:
    return text in ("x", "X", "*")


@dataclass(frozen=True)
class _Single:
    """One comparison: its operator, its version, and which parts were wildcards."""

    op: str
    version: Version
    dirty: bool = False
    minor_dirty: bool = False
    patch_dirty: bool = False

    def check(self, v: Version, include_pre: bool) -> bool:
        if v.pre and not include_pre:
            return False
        return _CHECKS[self.op](self, v)


def _parse_single(text: str) -> _Single:
    if not text:  # an empty constraint is ">= 0.0.0": anything
        return _Single("", Version(0, 0, 0), dirty=True)
    match = _patterns()["constraint"].search(text)
    if match is None:
        raise ConstraintError(f"improper constraint {_shown(text)}")
    op, written, major, minor, patch, pre = match.group(1, 2, 3, 4, 5, 6)
    minor, patch, pre = minor or "", patch or "", pre or ""
    dirty = minor_dirty = patch_dirty = False
    if _is_x(major) or not major:
        version, dirty = f"0.0.0{pre}", True
    elif _is_x(minor.removeprefix(".")) or not minor:
        version, dirty, minor_dirty = f"{major}.0.0{pre}", True, True
    elif _is_x(patch.removeprefix(".")) or not patch:
        version, dirty, patch_dirty = f"{major}{minor}.0{pre}", True, True
    else:
        version = written
    try:
        parsed = parse_version(version)
    except ConstraintError:
        raise ConstraintError(f"improper constraint {_shown(text)}") from None
    return _Single(op, parsed, dirty, minor_dirty, patch_dirty)


def _not_equal(c: _Single, v: Version) -> bool:
    if c.dirty:
        if c.version.major != v.major:
            return True
        if c.version.minor != v.minor and not c.minor_dirty:
            return True
        if c.minor_dirty:
            return False
        if c.version.patch != v.patch and not c.patch_dirty:
            return True
        if c.patch_dirty:
            if v.pre or c.version.pre:
                return _compare_prerelease(v.pre, c.version.pre) != 0
            return False
    return v.compare(c.version) != 0


def _greater(c: _Single, v: Version) -> bool:
    if not c.dirty:
        return v.compare(c.version) == 1
    if v.major != c.version.major:
        return v.major > c.version.major
    if c.minor_dirty:  # >11 needs 12 or higher
        return False
    if c.patch_dirty:  # >11.1 needs 11.2 or higher
        return v.minor > c.version.minor
    return v.compare(c.version) == 1


def _less_equal(c: _Single, v: Version) -> bool:
    if not c.dirty:
        return v.compare(c.version) <= 0
    if v.major > c.version.major:
        return False
    return not (v.major == c.version.major and v.minor > c.version.minor and not c.minor_dirty)


def _tilde(c: _Single, v: Version) -> bool:
    if v.compare(c.version) < 0:
        return False
    if (c.version.major, c.version.minor, c.version.patch) == (0, 0, 0) and not c.minor_dirty \
            and not c.patch_dirty:
        return True
    if v.major != c.version.major:
        return False
    return not (v.minor != c.version.minor and not c.minor_dirty)


def _tilde_or_equal(c: _Single, v: Version) -> bool:
    return _tilde(c, v) if c.dirty else v.compare(c.version) == 0


def _caret(c: _Single, v: Version) -> bool:
    if v.compare(c.version) < 0:
        return False
    if c.version.major > 0 or c.minor_dirty:
        return v.major == c.version.major
    if v.major > 0:
        return False
    if c.version.minor > 0 or c.patch_dirty:
        return v.minor == c.version.minor
    if v.minor > 0:
        return False
    return v.patch == c.version.patch


_CHECKS = {
    "": _tilde_or_equal, "=": _tilde_or_equal, "!=": _not_equal,
    ">": _greater, "<": lambda c, v: v.compare(c.version) < 0,
    ">=": lambda c, v: v.compare(c.version) >= 0, "=>": lambda c, v: v.compare(c.version) >= 0,
    "<=": _less_equal, "=<": _less_equal,
    "~": _tilde, "~>": _tilde, "^": _caret,
}


@dataclass(frozen=True)
class Constraint:
    """A parsed constraint: OR groups of AND comparisons (``semver.Constraints``)."""

    text: str
    groups: tuple[tuple[_Single, ...], ...]

    def admits(self, version: Version | str) -> bool:
        """``Constraints.Check``: whether ``version`` satisfies one of the OR groups."""
        v = parse_version(version) if isinstance(version, str) else version
        for group in self.groups:
            include_pre = any(single.version.pre for single in group)
            if all(single.check(v, include_pre) for single in group):
                return True
        return False


def _rewrite_ranges(text: str) -> str:
    """``1.2 - 1.4.5`` -> ``>= 1.2, <= 1.4.5`` (``rewriteRange``: each match replaced once, in order)."""
    result = text
    for match in _patterns()["range"].finditer(text):
        result = result.replace(match.group(0), f">= {match.group(1)}, <= {match.group(11)} ", 1)
    return result


def parse_constraint(text: str) -> Constraint:
    """``semver.NewConstraint``: :class:`ConstraintError` naming the part that does not parse."""
    if len(text) > MAX_CONSTRAINT:
        raise ConstraintError(f"improper constraint: longer than {MAX_CONSTRAINT} characters")
    patterns = _patterns()
    groups = []
    for part in _rewrite_ranges(text).split("||"):
        if patterns["valid"].search(part) is None:
            raise ConstraintError(f"improper constraint {_shown(part)}")
        found = [match.group(0) for match in patterns["find"].finditer(part)] or [part]
        groups.append(tuple(_parse_single(single) for single in found))
    return Constraint(text, tuple(groups))


def admits(constraint: str, version: str) -> bool:
    """Helm's ``chartutil.IsCompatibleRange``: False also when either does not parse."""
    try:
        return parse_constraint(constraint).admits(parse_version(version))
    except ConstraintError:
        return False
