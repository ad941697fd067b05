"""Output formats, one module each. Reporters are looked up by name (lintops.plugins.Registry); plugins add more."""

from __future__ import annotations

from .base import Reporter, RunInfo

BUILTIN_REPORTERS: dict[str, str] = {
    # name -> "module:Class", imported only when chosen so unused formats cost no start-up time
    "text": "lintops.reporters.text:TextReporter",
    "json": "lintops.reporters.json:JsonReporter",
    "editor": "lintops.reporters.editor:EditorReporter",
    "junit": "lintops.reporters.junit:JunitReporter",
    "codequality": "lintops.reporters.codequality:CodeQualityReporter",
    "sarif": "lintops.reporters.sarif:SarifReporter",
    "github": "lintops.reporters.github:GithubReporter",
}


__all__ = ["BUILTIN_REPORTERS", "Reporter", "RunInfo"]
