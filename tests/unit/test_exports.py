"""The package's public names: ``__all__`` is complete, star imports and ``dir()`` give every name,
and the names that load on first use leave ``import backendai_async`` cheap. (Type checkers' view:
``tests/typing/public_names.py``, checked by ``nox -s typecheck``.)"""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import backendai_async as bai

LAZY_MODULES = [
    "backendai_async.results",
    "backendai_async.streaming",
    "backendai_async.reconnect",
    "backendai_async.resources.transfer",
    "backendai_async.resources.upload_session",
    "backendai_async.resources.vfolders",
]


def loaded_after(code: str) -> list[str]:
    """The modules of ``LAZY_MODULES`` that a fresh interpreter has loaded after ``code``."""
    script = f"import sys\n{code}\nprint(' '.join(m for m in {LAZY_MODULES!r} if m in sys.modules))"
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return run.stdout.split()


def test_import_and_misspelt_names_load_none_of_the_lazy_modules() -> None:
    code = (
        "import backendai_async as bai\n"
        "assert set(bai.__all__) <= set(dir(bai))\n"
        "assert not hasattr(bai, 'SessionInfos')\n"
        "try:\n"
        "    bai.Terminall\n"
        "except AttributeError as e:\n"
        "    assert str(e) == \"module 'backendai_async' has no attribute 'Terminall'\", e\n"
        "else:\n"
        "    raise AssertionError('no AttributeError')"
    )
    assert loaded_after(code) == []


@pytest.mark.parametrize(
    ("name", "module"),
    [("SessionInfo", "backendai_async.results"), ("EventStream", "backendai_async.streaming")],
)
def test_a_lazy_name_loads_its_module_and_not_the_vfolders(name: str, module: str) -> None:
    loaded = loaded_after(f"from backendai_async import {name}")
    assert module in loaded
    assert "backendai_async.resources.vfolders" not in loaded  # the heaviest: eight modules


def test_star_import_gives_every_public_name() -> None:
    namespace: dict[str, object] = {}
    exec("from backendai_async import *", namespace)  # noqa: S102
    del namespace["__builtins__"]
    assert len(set(bai.__all__)) == len(bai.__all__)
    assert sorted(namespace) == sorted(bai.__all__)
    assert all(namespace[name] is getattr(bai, name) for name in bai.__all__)
    assert set(bai.__all__) <= set(dir(bai))


def test_every_class_and_function_the_package_binds_is_in_all() -> None:
    """An import added to ``__init__.py`` without its ``__all__`` entry fails here."""
    bound = {
        name
        for name, value in vars(bai).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and value.__module__.startswith("backendai_async.")
    }
    assert bound - set(bai.__all__) == set()
