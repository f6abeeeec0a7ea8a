"""`make lint`: import cycles between the modules of each package; none are allowed.

A cycle is a strongly connected group of modules that import one another, directly or through
others (imports under `if TYPE_CHECKING:` count too: grimp sees them). `--strict` (what `make lint`
runs) fails when there is any; without it the count is only printed.
"""

from __future__ import annotations

import sys

import grimp

from fieldbook_shared import service_table

# the kit, every package of the service table, accounting-sync's Sage simulator and comms' SMS simulator
PACKAGES = [
    "fieldbook_shared",
    *(s.package for s in service_table.SERVICES),
    "sage_simulator",
    "sms_simulator",
]


def cycles(graph: grimp.ImportGraph, package: str) -> list[list[str]]:
    """Groups of two or more modules of `package` that reach one another (Tarjan's algorithm)."""
    modules = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if not imported.startswith(package):
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for module in modules:
        if module not in index:
            visit(module)
    return groups


def main(argv: list[str]) -> int:
    graph = grimp.build_graph(*PACKAGES)
    total = 0
    for package in PACKAGES:
        found = cycles(graph, package)
        total += len(found)
        print(f"  {package}: {len(found)} import cycle(s)")
        for group in found:
            print(f"    {' <-> '.join(group)}")
    print(f"  total: {total} import cycle(s) (allowed: 0)")
    return 1 if total and "--strict" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
