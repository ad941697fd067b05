"""One module per check, named like the check; what checks share lives outside ``lintops/checks/``; a check is
imported only when a rule binds it."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import write
from lintops.catalog import available_checks
from lintops.checks import BUILTIN_CHECKS
from lintops.checks.base import Check
from lintops.plugins import PluginError, Registry, load_class

CHECKS_DIR = Path(__file__).resolve().parent.parent / "lintops" / "checks"
#: Modules of the package that are not a check: the package and the contract every check implements.
NOT_CHECKS = {"__init__", "base"}

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: "nginx:1.19.10"}
"""


def _check_modules() -> list[str]:
    return sorted(path.stem for path in CHECKS_DIR.glob("*.py") if path.stem not in NOT_CHECKS)


def _defined_checks(module_name: str) -> list[type[Check]]:
    import importlib

    module = importlib.import_module(f"lintops.checks.{module_name}")
    return [value for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, Check) and "name" in vars(value)
            and value.__module__ == module.__name__]


@pytest.mark.parametrize("module_name", _check_modules())
def test_each_module_defines_one_check_named_like_the_module(module_name):
    [check] = _defined_checks(module_name)
    assert check.name.replace("-", "_") == module_name
    assert BUILTIN_CHECKS[check.name] == f"lintops.checks.{module_name}:{check.__name__}"


def test_the_table_lists_every_check_module_and_nothing_else():
    assert sorted(name.replace("-", "_") for name in BUILTIN_CHECKS) == _check_modules()
    assert [(name, check.name) for name, check in available_checks().items()] == [(n, n) for n in BUILTIN_CHECKS]


@pytest.mark.parametrize("module_name", _check_modules())
def test_a_check_module_imports_no_other_check_module(module_name):
    """What two checks share is a module outside the package, not one check importing another."""
    tree = ast.parse((CHECKS_DIR / f"{module_name}.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:  # from .x import ... / from . import x
                imported.update([node.module] if node.module else [alias.name for alias in node.names])
            elif node.level == 0 and (node.module or "").startswith("lintops.checks."):
                imported.add(node.module.removeprefix("lintops.checks."))
        elif isinstance(node, ast.Import):
            imported.update(alias.name.removeprefix("lintops.checks.") for alias in node.names
                            if alias.name.startswith("lintops.checks."))
    assert imported <= {"base"}, f"{module_name} imports {sorted(imported - {'base'})}"


def _modules_of_a_run(tmp_path: Path, *args: str) -> set[str]:
    """The lintops modules a real one-file run (``python -m lintops check``, a fresh interpreter) imported."""
    target = write(tmp_path / "d.yaml", DEPLOYMENT)
    driver = ("import json, runpy, sys\n"
              f"sys.argv = ['lintops', 'check', {str(target)!r}, *{list(args)!r}]\n"
              "try:\n    runpy.run_module('lintops', run_name='__main__')\n"
              "except SystemExit:\n    pass\n"
              "print(json.dumps(sorted(m for m in sys.modules if m.startswith('lintops'))), file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", driver], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr, result.stderr
    return set(json.loads(result.stderr.strip().splitlines()[-1]))


def test_a_run_imports_the_checks_of_its_enabled_rules_only(tmp_path):
    helm_values = {"lintops.checks.helm_values_image", "lintops.checks.helm_values_probe",
                   "lintops.checks.helm_values_resources", "lintops.checks.helm_values_secret"}
    assert helm_values <= _modules_of_a_run(tmp_path)  # every built-in rule is on by default
    rules = ("helm-values-pinned-image-tag", "helm-values-liveness-probe", "helm-values-resource-limits",
             "helm-values-plaintext-secret")
    modules = _modules_of_a_run(tmp_path, *(arg for rule in rules for arg in ("--disable", rule)))
    assert not modules & (helm_values | {"lintops.helm_values_layout"})
    assert {"lintops.checks.kubernetes_schema", "lintops.checks.json_schema", "lintops.checks.plaintext_secret",
            "lintops.checks.image_reference"} <= modules
    modules = _modules_of_a_run(tmp_path, *(arg for rule in rules[1:] for arg in ("--disable", rule)))
    assert modules & helm_values == {"lintops.checks.helm_values_image"}


def test_a_registry_imports_an_entry_when_it_is_looked_up():
    table = Registry("check")
    table.add({"selector-match": BUILTIN_CHECKS["selector-match"]})
    assert list(table) == ["selector-match"] and len(table) == 1
    assert table["selector-match"] is load_class("check", "selector-match", BUILTIN_CHECKS["selector-match"])
    assert table.get("no-such-check") is None


def test_two_plugins_defining_one_check_is_a_plugin_error():
    table = Registry("check")
    table.add(BUILTIN_CHECKS, "the built-ins")
    table.add(BUILTIN_CHECKS, "plugin twin")  # the same registration twice is the same check

    class Imposter(Check):
        name = "json-schema"

    with pytest.raises(PluginError, match=r"two plugins define the check 'json-schema' \(the built-ins and plugin "
                                          r"imposter\)"):
        table.add([Imposter], "plugin imposter")


def test_an_entry_whose_class_has_another_name_is_a_plugin_error():
    table = Registry("check")
    table.add({"selector-mismatch": BUILTIN_CHECKS["selector-match"]})
    with pytest.raises(PluginError, match=r"the check 'selector-mismatch' is registered as "
                                          r"'lintops\.checks\.selector_match:SelectorMatch', whose name is "
                                          r"'selector-match'"):
        table["selector-mismatch"]


@pytest.mark.parametrize(("reference", "why"), [
    ("lintops.checks.selector_match", "which is not a 'module:Class' reference"),
    ("lintops.no_such_module:Check", "which cannot be imported: No module named 'lintops.no_such_module'"),
    ("lintops.checks.selector_match:NoSuchClass", "which names no class in lintops.checks.selector_match"),
    ("lintops.checks.selector_match:annotations", "which names no class in lintops.checks.selector_match"),
])
def test_a_bad_reference_is_one_plugin_error_for_every_kind(reference, why):
    for kind in ("check", "reporter", "renderer"):
        table = Registry(kind)
        table.add({"x": reference}, "plugin bad")
        with pytest.raises(PluginError) as raised:
            table["x"]
        assert str(raised.value) == f"the {kind} 'x' is registered as '{reference}', {why}"
