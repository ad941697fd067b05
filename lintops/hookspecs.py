"""The plugin contract (pluggy). The built-in checks, rules, reporters, renderers and workload kinds register
through these same hooks (lintops.builtin_plugin).

A plugin is a module or object with functions named like the specifications below, decorated with
``lintops.hookimpl``; it is found through the ``lintops`` entry-point group of an installed package
(a configuration's ``plugins:`` only names the plugins a repository needs; it never imports code).
Every hook is collected from every plugin, so plugins add to what is there and never replace it: two
plugins registering one name differently is an error. Checks, reporters and renderers are classes,
each given as the class or as ``"module:Class"`` (imported only when its name is first looked up, so
an unused one costs no start-up time); the class's ``name`` is the name it is registered under.
:mod:`lintops.plugins` resolves them all the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    from .checks.base import Check
    from .inputs.files import LintedRoot
    from .inputs.rendered import RenderResult
    from .reporters.base import Reporter
    from .run_context import Options

hookspec = pluggy.HookspecMarker("lintops")
hookimpl = pluggy.HookimplMarker("lintops")


class Renderer:
    """The renderer contract: what the render stage asks a class registered through ``lintops_renderers``.

    - ``claims``: file-name patterns (``fnmatch``) of files discovery lists that are this renderer's
      input rather than manifests; each such file reaches :meth:`render` as a
      :class:`lintops.inputs.renderers.ClaimedInput` naming this renderer;
    - :meth:`takes`: whether this renderer renders a discovered input (the built-ins take charts and
      Kustomize roots; by default, the files it claimed);
    - :meth:`render`: the input to a :class:`lintops.inputs.rendered.RenderResult`, YAML texts that say
      where each node came from (a finding lands on the file a person edits), with every problem as a
      render problem at its place, never an exception for a bad input: the input is the repository's.

    It lives here, with the hooks, because every run asks the registered renderers what they claim:
    defining one must import nothing a run does not already load. A renderer reads only inside
    :meth:`within` and never knows about rules.
    """

    name: ClassVar[str]
    description: ClassVar[str] = ""
    claims: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def takes(cls, item: Any) -> bool:
        return getattr(item, "renderer", None) == cls.name

    def render(self, item: Any, options: Options, crds: Sequence[Mapping[str, Any]]) -> RenderResult:
        raise NotImplementedError

    @staticmethod
    def within(item: Any, options: Options) -> LintedRoot:
        """What the renderer may read for ``item`` (its root, else the repository), at the run's size cap."""
        from .inputs.renderers import confinement

        return confinement(item, options)


@hookspec
def lintops_checks() -> Sequence[type[Check]] | Mapping[str, str]:
    """Check classes this plugin provides (subclasses of ``lintops.checks.base.Check``), or a mapping of
    check name to ``"module:Class"``.

    Called once when the rule catalog is built. A check's ``name`` must be unique across plugins;
    rules name it in their ``check:`` key. A check given by its import path is imported only when a
    rule binds it, so one whose rules are all off costs no start-up time (the built-ins register so).
    """


@hookspec
def lintops_rule_dirs() -> Sequence[Path]:
    """Directories of rule files (``*.yaml``, the format of ``rules/``) this plugin ships: a rule pack.

    Called once when the rule catalog is built. Rule ids must be unique across all packs. A rule file may
    name the packs it belongs to (``packs: [...]``, its own or a built-in one such as ``pss-restricted``), which
    a configuration's ``packs:`` or ``--pack NAME`` turns on (lintops.catalog.configure).
    """


@hookspec
def lintops_reporters() -> Sequence[type[Reporter]] | Mapping[str, str]:
    """Output formats: reporter classes (subclasses of ``lintops.reporters.base.Reporter``), or a mapping of
    format name to ``"module:Class"``.

    Called once when the rule catalog is built; ``--format NAME`` and ``--report NAME=PATH`` choose
    them, ``lintops rules --formats`` lists them with their ``description``. Given as import paths, a
    format costs no start-up time unless it is chosen (the built-ins register so).
    """


@hookspec
def lintops_workload_kinds() -> Mapping[str, str]:
    """Custom workload kinds and the JSON pointer of their pod spec, e.g. ``{"Rollout": "/spec/template/spec"}``.

    Container and pod-spec rules then apply to those kinds too.
    """


@hookspec
def lintops_renderers() -> Sequence[type[Renderer]] | Mapping[str, str]:
    """Input renderers (the built-in Helm and Kustomize ones, a plugin's own): subclasses of :class:`Renderer`,
    or a mapping of name to ``"module:Class"``.

    Called once when the rule catalog is built. Every run asks each renderer which files it
    ``claims``; the render stage gives each chart, Kustomize root and claimed file to the first
    renderer that :meth:`~Renderer.takes` it, calls ``render(item, options, crds)`` and lints the
    :class:`~lintops.inputs.rendered.RenderResult` it returns like any file.
    """
