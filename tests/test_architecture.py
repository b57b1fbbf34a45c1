"""The shape of the code base, read with `ast`: no import cycles in codegen/ or app/.

Every import counts: module-level ones, the ones inside functions (run late, still a cycle) and
those under `if TYPE_CHECKING:` (an annotation-only cycle still ties the modules together). One
exemption: codegen/engines/__init__.py, the Engine protocol, names under TYPE_CHECKING the stage
classes its hooks receive (SchemaState, Analyzer, ...) while those stages name the protocol; the
protocol module imports no stage when it runs.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("codegen", "app")
PROTOCOL = "codegen.engines"


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """ids of the import nodes inside `if TYPE_CHECKING:` blocks."""
    guarded: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for stmt in node.body:
                guarded.update(id(n) for n in ast.walk(stmt) if isinstance(n, (ast.Import, ast.ImportFrom)))
    return guarded


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of codegen/ and app/ that `name` imports, anywhere in its text."""
    tree = ast.parse(path.read_text(), str(path))
    is_package = path.name == "__init__.py"
    skipped = _type_checking_nodes(tree) if name == PROTOCOL else set()
    targets: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            candidates = [f"{stem}.{alias.name}" for alias in node.names] + [stem]
        else:
            continue
        for candidate in candidates:
            # `from pkg import mod` imports the module pkg.mod; `from mod import name` imports mod.
            while candidate and candidate not in modules:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name:
                targets.add(candidate)
                break
    return targets


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def test_the_import_graph_is_read() -> None:
    """The walk sees the imports it must (a broken walk would find no cycle anywhere)."""
    graph = import_graph()
    assert "codegen.catalog.build" in graph["codegen.pipeline"]
    assert "codegen.engines.registry" in graph["codegen.pipeline"]
    assert "codegen.analyze.statements" in graph["codegen.analyze.query"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _cycles_in(package: str) -> list[list[str]]:
    graph = import_graph()
    return [c for c in _cycles(graph) if any(m == package or m.startswith(package + ".") for m in c)]


def _report(cycles: list[list[str]]) -> str:
    return "import cycles (each line: modules that import each other):\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_no_import_cycles_in_codegen() -> None:
    cycles = _cycles_in("codegen")
    assert not cycles, _report(cycles)


def test_no_import_cycles_in_app() -> None:
    cycles = _cycles_in("app")
    assert not cycles, _report(cycles)
