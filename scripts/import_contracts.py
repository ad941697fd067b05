"""An import-linter contract that no module of a package takes part in an import cycle.

import-linter's own ``acyclic_siblings`` contract looks for cycles between the children of a
package, each child package counted with everything below it; that also flags a subpackage and a
module that import different modules of each other without any module importing itself back. What
lintops keeps out is a cycle between modules: a chain of imports that leads from a module back to
itself. This contract finds exactly those, over every module of the package, with no list of
modules to maintain: a new module is covered the day it is added. Every import counts, as grimp sees
it: top-level, inside functions (lazy) and under ``if TYPE_CHECKING``.

Used by ``lint-imports`` (``[tool.importlinter]`` in pyproject.toml, run in ``.ci/run``).
"""

from __future__ import annotations

import sys

from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class AcyclicModulesContract(Contract):
    """``containers``: the packages whose modules must form no import cycle among themselves."""

    type_name = "acyclic_modules"

    containers = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose: bool) -> ContractCheck:
        cycles = []
        for container in self.containers:  # type: ignore[attr-defined]
            modules = {container, *graph.find_descendants(container)}
            edges = {module: sorted(graph.find_modules_directly_imported_by(module) & modules) for module in modules}
            cycles += [sorted(component) for component in _strongly_connected(edges) if len(component) > 1]
        return ContractCheck(kept=not cycles, metadata={"cycles": sorted(cycles), "edges": edges if cycles else {}})

    def render_broken_contract(self, check: ContractCheck) -> None:
        edges = check.metadata["edges"]
        for cycle in check.metadata["cycles"]:
            members = set(cycle)
            output.print_error(f"Import cycle of {len(cycle)} modules:")
            for module in cycle:
                inside = [target for target in edges.get(module, ()) if target in members]
                output.print_error(f"- {module} -> {', '.join(inside)}")
            output.new_line()


def _strongly_connected(edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (a deep import chain must not hit the recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(edges[successor])))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use it through lint-imports (pyproject.toml [tool.importlinter])")
