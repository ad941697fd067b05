"""One registration mechanism: checks, reporters, renderers and workload kinds of every plugin, the built-ins
included, collected by lintops.plugins the same way."""

from __future__ import annotations

from pathlib import Path

import pluggy
import pytest

from lintops import builtin_plugin, hookspecs
from lintops.catalog import build_catalog
from lintops.hookspecs import Renderer, hookimpl
from lintops.inputs.discover import ChartInput, KustomizeInput
from lintops.inputs.render import builtin_renderers, renderer_for
from lintops.inputs.renderers import ClaimedInput
from lintops.plugins import PluginError, plugin_manager
from lintops.reporters import BUILTIN_REPORTERS


def _manager(*plugins: object) -> pluggy.PluginManager:
    manager = pluggy.PluginManager("lintops")
    manager.add_hookspecs(hookspecs)
    manager.register(builtin_plugin, name="lintops.builtin")
    for index, plugin in enumerate(plugins):
        manager.register(plugin, name=f"third{index}")
    return manager


def test_the_built_ins_register_every_kind_through_the_hooks():
    catalog = build_catalog(plugin_manager())
    assert set(catalog.reporters) == set(BUILTIN_REPORTERS)
    assert {"helm", "kustomize"} <= set(catalog.renderers)
    assert catalog.reporters["sarif"].name == "sarif" and catalog.reporters["sarif"].description
    assert catalog.workloads["CronJob"] == "/spec/jobTemplate/spec/template/spec"


def test_the_render_stage_chooses_the_renderer_through_the_registry(tmp_path):
    renderers = builtin_renderers()
    assert renderer_for(ChartInput(tmp_path, "c"), renderers).name == "helm"
    assert renderer_for(KustomizeInput(tmp_path, "k"), renderers).name == "kustomize"
    with pytest.raises(LookupError):
        renderer_for(ClaimedInput("x.txt", tmp_path / "x.txt", "nobody"), renderers)


def test_a_third_party_renderer_takes_the_files_it_claims(tmp_path):
    class Mine(Renderer):
        name = "mine"
        claims = ("*.mine.yaml",)

    class Plugin:
        @hookimpl
        def lintops_renderers(self):
            return [Mine]

    catalog = build_catalog(_manager(Plugin()))
    from lintops.inputs.discover import InputFile

    inputs = [InputFile("a.mine.yaml", Path("a.mine.yaml")), InputFile("b.yaml", Path("b.yaml"))]
    claimed, plain = list(catalog.claim(inputs))
    assert claimed == ClaimedInput("a.mine.yaml", Path("a.mine.yaml"), "mine") and plain is inputs[1]
    assert renderer_for(claimed, catalog.renderers) is Mine


def test_without_a_claim_the_inputs_pass_as_they_are():
    catalog = build_catalog(plugin_manager())
    inputs = iter(["anything"])
    assert list(catalog.claim(inputs)) == ["anything"]


@pytest.mark.parametrize(("hook", "value", "message"), [
    ("lintops_reporters", {"json": "elsewhere:Json"}, "two plugins define the reporter 'json' (plugin third0 and "
                                                      "the built-ins)"),
    ("lintops_renderers", {"helm": "elsewhere:Helm"}, "two plugins define the renderer 'helm'"),
    ("lintops_workload_kinds", {"Pod": "/elsewhere"}, "two plugins define the workload kind 'Pod'"),
    ("lintops_checks", {"json-schema": "elsewhere:Schema"}, "two plugins define the check 'json-schema'"),
])
def test_one_name_registered_differently_by_two_plugins_is_one_error_for_every_kind(hook, value, message):
    plugin = type("Plugin", (), {hook: hookimpl(staticmethod(lambda: value))})()
    with pytest.raises(PluginError) as raised:
        build_catalog(_manager(plugin))
    assert str(raised.value).startswith(message)


def test_a_bad_reporter_reference_is_a_plugin_error_when_it_is_chosen():
    class Plugin:
        @hookimpl
        def lintops_reporters(self):
            return {"broken": "lintops.reporters.json:NoSuchReporter"}

    catalog = build_catalog(_manager(Plugin()))
    assert "broken" in catalog.reporters  # listed without importing anything
    with pytest.raises(PluginError) as raised:
        catalog.reporters["broken"]
    assert str(raised.value) == ("the reporter 'broken' is registered as 'lintops.reporters.json:NoSuchReporter', "
                                 "which names no class in lintops.reporters.json")
