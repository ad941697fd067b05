"""The rule catalog of a run: built-in rules plus those of plugins and the repository, bound to checks."""

from __future__ import annotations

from collections.abc import Iterable

from .checks import BUILTIN_CHECKS
from .checks.base import Check
from .data import data_dir
from .rules import Rule, RuleSpec, bind, load_rule_dir


def builtin_rule_specs() -> list[RuleSpec]:
    return load_rule_dir(data_dir("rules"), "built-in")


def available_checks() -> dict[str, type[Check]]:
    return {check.name: check for check in BUILTIN_CHECKS}


def load_rules(disabled: Iterable[str] = ()) -> list[Rule]:
    """Every enabled rule of the run, bound to a fresh check instance."""
    skip = set(disabled)
    specs = [spec for spec in builtin_rule_specs() if spec.enabled and spec.id not in skip]
    return bind(specs, available_checks())
