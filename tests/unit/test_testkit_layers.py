"""The test kit is layered like the library: no import circle, services never import ``FakeManager``,
no class of several hundred lines."""

from __future__ import annotations

import ast
from pathlib import Path

import backendai_async.testing

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
