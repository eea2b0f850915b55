"""The test kit is layered like the library: no import circle, services never import ``FakeManager``,
no class of several hundred lines."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import backendai_async.testing
from backendai_async.testing import GENERATIONS

PACKAGE = Path(backendai_async.testing.__file__).parent


def _imports() -> dict[str, set[str]]:
    """module name -> the ``backendai_async.testing`` modules it imports (type-checking imports too)."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.glob("*.py"):
        name = path.stem
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    targets.add(node.module.split(".")[0])
                else:
                    targets.update(alias.name for alias in node.names)
        graph[name] = targets - {name}
    return graph


def test_no_import_circle_in_testing() -> None:
    graph = _imports()
    done: set[str] = set()

    def visit(name: str, stack: tuple[str, ...]) -> None:
        assert name not in stack, " -> ".join((*stack, name))
        if name in done:
            return
        for target in graph.get(name, ()):
            visit(target, (*stack, name))
        done.add(name)

    for module in graph:
        visit(module, ())


def test_only_the_assembly_imports_fake_manager() -> None:
    importers = {name for name, targets in _imports().items() if "fake_manager" in targets}
    assert importers <= {"__init__", "__main__", "pytest_plugin"}


def test_no_huge_class() -> None:
    sizes = {
        f"{path.stem}.{node.name}": (node.end_lineno or node.lineno) - node.lineno
        for path in PACKAGE.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
    }
    assert max(sizes.values()) < 500, sorted(sizes.items(), key=lambda item: -item[1])[:3]


def test_graphql_core_is_loaded_only_when_the_fake_answers_graphql() -> None:
    code = (
        "import sys, backendai_async, backendai_async.testing\n"
        "assert 'graphql' not in sys.modules, 'imported too early'\n"
        "backendai_async.testing.FakeManager().graphql\n"
        "assert 'graphql' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_the_schemas_ship_in_the_package() -> None:
    names = {path.stem for path in (PACKAGE / "schemas").glob("*.graphql")}
    assert {gen.schema for gen in GENERATIONS.values()} <= names
    assert len(names) == 8


def _package_imports() -> dict[str, set[str]]:
    """Every module of ``backendai_async`` -> the package's modules it imports (type-checking too)."""
    root = PACKAGE.parent
    modules = {
        ".".join(path.relative_to(root.parent).with_suffix("").parts).removesuffix(".__init__"): path
        for path in root.rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, *([node.module] if node.module else [])])
                else:
                    base = node.module or ""
                submodules = {f"{base}.{alias.name}" for alias in node.names} & modules.keys()
                targets |= submodules or ({base} & modules.keys())
            elif isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names} & modules.keys()
        graph[name] = targets - {name}
    return graph


def test_no_import_circle_in_the_package() -> None:
    graph = _package_imports()
    assert "backendai_async.client" in graph and "backendai_async.testing.fake_manager" in graph
    done: set[str] = set()

    def visit(name: str, stack: tuple[str, ...]) -> None:
        assert name not in stack, " -> ".join((*stack, name))
        if name in done:
            return
        for target in sorted(graph[name]):
            visit(target, (*stack, name))
        done.add(name)

    for module in sorted(graph):
        visit(module, ())
