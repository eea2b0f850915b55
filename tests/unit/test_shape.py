"""The shape of the SDK: sub-objects as typed properties, the JS top-level names as aliases, one
resource model, imports that flow one way."""

from __future__ import annotations

import ast
import inspect
import pydoc
import re
import subprocess
import sys
from pathlib import Path

import pytest

import backendai_async as bai
from backendai_async.resources.base import Resource
from backendai_async.testing import FakeManager

from .conftest import ClientFactory

PACKAGE = Path(bai.__file__).parent
SUB_OBJECTS = [name for name, value in vars(bai.Client).items() if isinstance(value, property)]
ALIASES = {name: value for name, value in vars(bai.Client).items() if type(value).__name__ == "_Alias"}


def test_every_sub_object_is_a_documented_property_returning_a_resource(
    fm: FakeManager, make_client: ClientFactory
) -> None:
    client = make_client(fm)
    assert {"compute_session", "vfolder", "keypair", "account", "graphql", "resources"} <= set(SUB_OBJECTS)
    for name in SUB_OBJECTS:
        prop = vars(bai.Client)[name]
        assert prop.__doc__, name
        part = getattr(client, name)
        assert isinstance(part, Resource), name
        assert getattr(client, name) is part  # built once
        assert inspect.get_annotations(prop.fget)["return"] == type(part).__name__


def test_sub_objects_are_built_on_first_use_and_their_modules_imported_then() -> None:
    code = (
        "import sys, backendai_async as bai\n"
        "client = bai.Client(bai.ClientConfig('AK', 'SK', 'http://127.0.0.1:1'))\n"
        "print('backendai_async.resources.keypairs' in sys.modules, client._parts == {})\n"
        "assert 'backendai_async.resources.vfolders' not in sys.modules  # bai.VFolder loads on first use\n"
        "client.keypair\n"
        "print('backendai_async.resources.keypairs' in sys.modules, len(client._parts))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True", "True", "1"]


def test_help_shows_the_sub_objects_and_the_aliases_with_their_docs() -> None:
    text = pydoc.render_doc(bai.Client, renderer=pydoc.plaintext)
    signatures = re.sub(r"\(\s+", "(", re.sub(r"\n \|\s+", " ", text))  # Python 3.13 wraps long signatures
    assert "_SubObject" not in text
    assert "compute_session\n |      Compute sessions:" in text
    assert "get_info(self, name: 'str', owner_key: 'str | None' = None, **options" in signatures
    assert bai.Client.get_info.__doc__ is not None
    assert bai.Client.get_info.__doc__.strip() in text


@pytest.mark.parametrize("name", sorted(ALIASES))
def test_each_js_top_level_name_is_the_sub_objects_bound_method(
    name: str, fm: FakeManager, make_client: ClientFactory
) -> None:
    client = make_client(fm)
    method = getattr(client, name)
    part = getattr(client, ALIASES[name]._sub_object)
    assert method.__self__ is part
    assert method.__func__ is getattr(bai.Client, name)
    assert method.__doc__


def test_the_legacy_js_names_keep_working() -> None:
    assert bai.Client.create_kernel is bai.Client.create_if_not_exists
    assert bai.Client.destroy_kernel is bai.Client.destroy
    assert bai.Client.refresh_kernel is bai.Client.restart


def test_resources_never_import_the_client() -> None:
    for path in (PACKAGE / "resources").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert node.module not in ("client", "backendai_async.client"), path.name
                assert not (node.level == 2 and node.module is None and any(a.name == "client" for a in node.names))


def test_no_class_is_over_300_lines() -> None:
    for path in PACKAGE.rglob("*.py"):
        if "testing" in path.parts:  # the test kit has its own limits (test_testkit_layers.py)
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                assert node.end_lineno is not None
                assert node.end_lineno - node.lineno < 300, f"{path.name}: {node.name}"


def _error_class(annotation: str) -> type | None:
    """The class an annotation like ``ConfigError`` or ``type[ServerError]`` names, if the SDK has it."""
    name = annotation.removeprefix("type[").removesuffix("]")
    value = getattr(bai, name, None)
    return value if isinstance(value, type) else None


def test_every_exception_raised_on_purpose_is_a_backendai_error() -> None:
    """``raise X(...)`` anywhere in the library: X is in the error tree, or a function of the
    package annotated to return one (``_bad() -> ConfigError``, ``server_error_class() ->
    type[ServerError]``). A local file that changes under an upload is an ``OSError``, like the
    errors of ``open()`` itself; the package's ``__getattr__`` raises ``AttributeError``, as Python asks."""
    paths = [path for path in PACKAGE.rglob("*.py") if "testing" not in path.parts]
    trees = {path: ast.parse(path.read_text()) for path in paths}
    builders = {
        node.name
        for tree in trees.values()
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and node.returns is not None
        and (cls := _error_class(ast.unparse(node.returns))) is not None
        and issubclass(cls, bai.BackendAIError)
    }
    assert {"_bad", "server_error", "read_error", "server_error_class", "graphql_error"} <= builders
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            func = node.exc.func
            if isinstance(func, ast.Call):  # server_error_class(status)(...)
                func = func.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            protocol = path.name == "__init__.py" and name == "AttributeError"  # the module's __getattr__
            if name in builders or protocol or (path.name == "transfer.py" and name == "OSError"):
                continue
            cls = _error_class(name)
            assert cls is not None and issubclass(cls, bai.BackendAIError), f"{path.name}:{node.lineno} {name}"
