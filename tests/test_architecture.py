"""The shape of the code base, read with `ast`: no import cycles in codegen/ or app/.

Every import counts: module-level ones, the ones inside functions (run late, still a cycle) and
those under `if TYPE_CHECKING:` (an annotation-only cycle still ties the modules together), with
no exemption. The engine interface is split so that none is needed (codegen/engines/__init__.py).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("codegen", "app")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of codegen/ and app/ that `name` imports, anywhere in its text."""
    tree = ast.parse(path.read_text(), str(path))
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in ast.walk(tree):
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
    # An import under `if TYPE_CHECKING:` counts (lint/rolling.py names AnalysisEngine so).
    assert "codegen.analyze.statements" in graph["codegen.lint.rolling"]
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


# -- engine names ------------------------------------------------------------------------------
# Engine-specific behaviour lives in codegen/engines/<engine>/ and is asked of the Engine object;
# a stage that compared the configuration's name would grow a branch per engine.
ENGINE_NAMES = {"sqlite", "postgresql", "postgres", "codegensqlite"}
ENGINE_PACKAGES = ("codegen.engines.sqlite", "codegen.engines.postgresql")
# Configuration parsing reads the names users write ([tool.codegen] engine = "...", sqlc's
# `engine:`, whose default is postgresql) and checks them against the registry's names.
NAME_EXEMPT = {"codegen.config", "codegen.sqlc_config"}


def _is_name(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.lower() in ENGINE_NAMES


def _names_in(node: ast.AST) -> bool:
    return _is_name(node) or (isinstance(node, (ast.Tuple, ast.List, ast.Set)) and any(_is_name(e) for e in node.elts))


def engine_name_uses(name: str, path: Path, modules: dict[str, Path]) -> list[str]:
    """Where a module outside codegen/engines/ asks an engine's name or imports an engine's package."""
    tree = ast.parse(path.read_text(), str(path))
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Compare) and any(_names_in(n) for n in [node.left, *node.comparators]):
            found.append(f"{shown}:{line}: compares an engine name")
        elif isinstance(node, ast.Dict) and any(_is_name(k) for k in node.keys):
            found.append(f"{shown}:{line}: an engine name as a key")
        elif isinstance(node, ast.Subscript) and _is_name(node.slice):
            found.append(f"{shown}:{line}: looks up an engine name")
        elif isinstance(node, ast.keyword) and node.arg == "dialect" and isinstance(node.value, ast.Constant):
            found.append(f"{shown}:{line}: a dialect named in place of the engine's")
        elif isinstance(node, ast.Call) and ast.unparse(node.func).endswith("import_module") \
                and "engines" in ast.unparse(node):
            found.append(f"{shown}:{line}: imports an engine's module by computed name")
    for target in _imports(name, path, modules):
        if target.startswith(ENGINE_PACKAGES):
            found.append(f"{shown}: imports {target}")
    return found


def test_no_engine_names_outside_the_engines() -> None:
    modules = _modules()
    found = [use for name, path in modules.items()
             if name.startswith("codegen.") and not name.startswith("codegen.engines") and name not in NAME_EXEMPT
             for use in engine_name_uses(name, path, modules)]
    assert not found, "ask the engine (codegen/engines/__init__.py) instead:\n" + "\n".join(found)


def test_the_engine_name_check_sees_what_it_must(tmp_path: Path) -> None:
    """Each form the check forbids is found in a module written for the purpose."""
    source = tmp_path / "m.py"
    source.write_text('if engine == "sqlite": pass\nx = {"postgresql": 1}\ny = t["sqlite"]\n'
                      'n.sql(dialect="sqlite")\nz = engine in ("sqlite", "mysql")\n'
                      'importlib.import_module(f"codegen.engines.{engine}.x")\nfrom codegen.engines.sqlite import types\n')
    modules = {"codegen.m": source, "codegen.engines.sqlite": source}
    uses = engine_name_uses("codegen.m", source, modules)
    assert len(uses) == 7, uses


def test_templates_get_ready_values() -> None:
    """Templates never test the engine: the engine's values reach them ready (marker, connection
    type, direct_execute), its own runtime code is its template folder's."""
    import re

    found = [f"{path.relative_to(ROOT)}:{i}" for path in sorted((ROOT / "codegen").rglob("*.j2"))
             for i, line in enumerate(path.read_text().splitlines(), 1)
             if re.search(r"\{[%{][^%}]*\bengine\b", line)]
    assert not found, "templates that test the engine:\n" + "\n".join(found)


# -- types ---------------------------------------------------------------------------------------


def test_codegen_and_app_pass_mypy_strict(tmp_path: Path) -> None:
    """The generator and the service are held to what they generate: `mypy --strict`."""
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"),
                             "codegen", "app"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
