"""The application's files import each other without cycles, and each app stays on its floor: the
library knows nothing of drafting, no app imports the demo data, and the access package builds
upwards from the memberships. Read from the source (every import, including those inside functions),
so a cycle hidden in a function body counts too."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "coalition"


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        modules[name] = path
    return modules


def import_graph() -> dict[str, set[str]]:
    """Module -> the coalition modules it imports. `from package import submodule` counts as an
    import of the submodule only; `from module import name` as one of the module."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, base] if base else parts)
                submodules = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in modules]
                targets = submodules if len(submodules) == len(node.names) else [base, *submodules]
            graph[name] |= {target for target in targets if target in modules and target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _imports_of(prefix: str, graph: dict[str, set[str]]) -> dict[str, set[str]]:
    return {m: targets for m, targets in graph.items() if m == prefix or m.startswith(prefix + ".")}


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_between_the_applications_files() -> None:
    assert cycles(import_graph()) == []


def test_the_library_does_not_know_drafting_exists() -> None:
    graph = import_graph()
    higher = ("coalition.drafting", "coalition.notifications", "coalition.demo")
    wrong = {
        module: sorted(t for t in targets if t.startswith(higher))
        for module, targets in _imports_of("coalition.library", graph).items()
    }
    assert {m: t for m, t in wrong.items() if t} == {}


def test_no_app_imports_the_demo_data() -> None:
    graph = import_graph()
    wrong = {
        module: sorted(t for t in targets if t.startswith("coalition.demo"))
        for module, targets in graph.items()
        if not module.startswith("coalition.demo")
    }
    assert {m: t for m, t in wrong.items() if t} == {}


def test_access_builds_upwards_from_the_memberships() -> None:
    graph = import_graph()
    floors = ["coalition.access.memberships", "coalition.access.documents", "coalition.access.drafting"]
    for position, module in enumerate(floors):
        above = {"coalition.access", "coalition.access.policy", *floors[position + 1 :]}
        assert not graph[module] & above, f"{module} imports {sorted(graph[module] & above)}"
