"""Every public name is documented: it has a docstring, and the API reference (``docs/reference/``)
renders it with a ``::: identifier`` directive of mkdocstrings. The tables the docs generate at build
time (``docs/hooks/generated.py``) follow the code."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import inspect
import re
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any, get_origin

import pytest

import backendai_async as bai
import backendai_async.testing as testing
from backendai_async import versions
from backendai_async.auth import Authenticator
from backendai_async.client import Client

from .conftest import AK, SK

DOCS = Path(__file__).resolve().parents[2] / "docs"
REFERENCE = DOCS / "reference"


def rendered() -> set[str]:
    """The identifiers the reference pages render."""
    directive = re.compile(r"^::: (\S+)\s*$", re.MULTILINE)
    return {m.group(1) for page in REFERENCE.glob("*.md") for m in directive.finditer(page.read_text("utf-8"))}


def is_class_or_function(obj: Any) -> bool:
    """A class or a function, not a type alias (``Callable[...]`` passes ``inspect.isclass`` on 3.10)."""
    return (inspect.isclass(obj) and get_origin(obj) is None) or inspect.isfunction(obj)


def identifiers(module: ModuleType, name: str, obj: Any) -> set[str]:
    """The ways a directive may name ``obj``: through the package, or where it is defined."""
    found = {f"{module.__name__}.{name}"}
    if is_class_or_function(obj):
        found.add(f"{obj.__module__}.{obj.__qualname__}")
    return found


def own_docstring(obj: Any) -> str | None:
    """The object's own docstring (``inspect.getdoc`` would take a base class's)."""
    doc = vars(obj).get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    return doc if isinstance(doc, str) and doc.strip() else None


def public_members(cls: type) -> dict[str, Any]:
    """The public methods and properties ``cls`` defines or inherits (``object``'s left out)."""
    members: dict[str, Any] = {}
    for klass in reversed(cls.__mro__[:-1]):
        for name, value in vars(klass).items():
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if not name.startswith("_") and (inspect.isfunction(value) or isinstance(value, property)):
                members[name] = value
    return members


PROTOCOL_METHODS = {name for name in vars(Authenticator) if not name.startswith("_")}


def sub_object_classes() -> dict[str, type]:
    """``Client``'s sub-objects (``client.compute_session``, …) and their classes."""

    async def build() -> dict[str, type]:
        async with bai.Client(
            bai.ClientConfig(AK, SK, "http://127.0.0.1:9")
        ) as client:  # building a sub-object sends nothing
            return {
                name: type(getattr(client, name))
                for name, attribute in vars(Client).items()
                if isinstance(attribute, property)
            }

    return asyncio.run(build())


@pytest.mark.parametrize("module", [bai, testing], ids=lambda m: m.__name__)
def test_every_public_name_is_in_the_reference(module: ModuleType) -> None:
    pages = rendered()
    missing = [name for name in module.__all__ if not identifiers(module, name, getattr(module, name)) & pages]
    assert not missing, f"add a `::: {module.__name__}.NAME` directive to docs/reference/ for: {missing}"


@pytest.mark.parametrize("module", [bai, testing], ids=lambda m: m.__name__)
def test_every_public_class_and_function_has_a_docstring(module: ModuleType) -> None:
    objects = {name: getattr(module, name) for name in module.__all__}
    missing = [name for name, obj in objects.items() if is_class_or_function(obj) and own_docstring(obj) is None]
    assert not missing


def test_the_public_classes_document_their_methods() -> None:
    """Methods that implement the ``Authenticator`` protocol are documented on the protocol."""
    missing = [
        f"{name}.{member}"
        for name in bai.__all__
        if is_class_or_function(cls := getattr(bai, name))
        and inspect.isclass(cls)
        and not issubclass(cls, BaseException)
        for member, value in public_members(cls).items()
        if own_docstring(value) is None and member not in PROTOCOL_METHODS
    ]
    assert not missing


def test_every_sub_object_is_in_the_reference_with_documented_methods() -> None:
    classes = sub_object_classes()
    assert {"compute_session", "vfolder", "keypair", "graphql", "account"} <= classes.keys()
    pages = rendered()
    unrendered = [name for name, cls in classes.items() if f"{cls.__module__}.{cls.__qualname__}" not in pages]
    assert not unrendered, f"add the class of client.NAME to docs/reference/sub-objects.md: {unrendered}"
    undocumented = [
        f"client.{name}.{member}"
        for name, cls in classes.items()
        for member, value in public_members(cls).items()
        if own_docstring(value) is None
    ]
    assert not undocumented


def test_the_reference_renders_only_what_exists() -> None:
    """A directive naming something that is gone fails here before it fails the docs build."""
    for identifier in rendered():
        module_name, _, attribute = identifier.rpartition(".")
        try:
            importlib.import_module(identifier)
            continue
        except ImportError:
            pass
        parent = importlib.import_module(module_name) if module_name else None
        assert parent is not None and hasattr(parent, attribute), identifier


def load_hook() -> Any:
    spec = importlib.util.spec_from_file_location("docs_generated_hook", DOCS / "hooks" / "generated.py")
    assert spec is not None and spec.loader is not None
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    return hook


def test_the_compatibility_table_follows_the_gates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(versions.FEATURES, "made-up", versions.Gate(manager="24.09"))
    monkeypatch.setattr(versions, "_ENABLED", {})  # feature_enabled's cache: leave no trace
    table = load_hook().features_table().splitlines()  # a <div>, a blank line, then the table
    generations = [cell.strip() for cell in table[2].strip("|").split("|")][1:-1]
    assert generations[:2] == ["18.12", "19.09"] and generations[-1] == "26.9"
    row = next(line for line in table if line.startswith("| `made-up` |"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[-1] == "manager ≥ 24.09"
    assert dict(zip(generations, cells[1:-1], strict=True)) == {
        g: "✓" if g in ("24.09", "25.12", "26.3", "26.9") else "—" for g in generations
    }
    assert len([line for line in table if line.startswith("| `")]) == len(versions.FEATURES)


def test_the_pages_get_their_tables() -> None:
    hook = load_hook()

    def page(uri: str) -> Any:
        return SimpleNamespace(file=SimpleNamespace(src_uri=uri))

    source = (DOCS / "compatibility.md").read_text("utf-8")
    rendered = hook.on_page_markdown(source, page=page("compatibility.md"))
    assert "<!--" not in rendered
    assert "| `POST /folders/purge` | REST | `vfolder-trash-bin` | 24.09 on |" in rendered
    aliases = hook.on_page_markdown((REFERENCE / "client.md").read_text("utf-8"), page=page("reference/client.md"))
    assert (
        "| `client.get_info` | [`client.compute_session.get_info`]"
        "[backendai_async.resources.compute_session.ComputeSession.get_info] |"
    ) in aliases
    assert hook.on_page_markdown("# no markers", page=page("index.md")) == "# no markers"
    with pytest.raises(ValueError, match="lost its marker"):
        hook.on_page_markdown("# no markers", page=page("compatibility.md"))
