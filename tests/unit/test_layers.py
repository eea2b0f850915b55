"""Imports flow one way: client → resources → transport → auth, versions, streaming → the rest."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import backendai_async

PACKAGE = Path(backendai_async.__file__).parent

# module → the package modules it must not import, directly or inside functions (upward imports)
FORBIDDEN = {
    "transport": ("client", "resources", "testing"),
    "problems": ("client", "resources", "transport", "auth", "versions", "streaming"),
    "auth": ("client", "resources", "transport"),
    "versions": ("client", "resources", "transport"),
    "streaming": ("client", "resources", "transport"),
    "signing": ("client", "resources", "transport", "auth"),
    "errors": ("client", "resources", "transport", "auth", "versions", "streaming", "signing", "config"),
    "config": ("client", "resources", "transport", "auth", "versions", "streaming"),
    "abort": ("client", "resources", "transport", "auth", "versions", "streaming"),
    "reconnect": ("client", "resources", "transport", "auth", "versions", "streaming", "config"),
    "backoff": ("client", "resources", "transport", "auth", "versions", "streaming", "config", "errors", "reconnect"),
}


def imported(path: Path) -> set[str]:
    """The package modules ``path`` imports, as dotted names under the package."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    package = parts if path.name == "__init__.py" else parts[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1] if node.level > 1 else package
            found.add(".".join([*base, *([node.module] if node.module else [])]))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("backendai_async."):
            found.add(node.module.removeprefix("backendai_async."))
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_upward_import(layer: str) -> None:
    files = sorted((PACKAGE / layer).rglob("*.py")) if (PACKAGE / layer).is_dir() else [PACKAGE / f"{layer}.py"]
    for path in files:
        for name in imported(path):
            top = name.split(".")[0]
            assert top not in FORBIDDEN[layer], f"{path.relative_to(PACKAGE)} imports {name}"
