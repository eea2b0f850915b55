"""The README's "Testing your code" example passes when copied into an empty project: its own
pytest.ini (pytest-asyncio in its default strict mode, warnings as errors), nothing of this repo's
configuration, run by the current interpreter in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"

# No asyncio setting at all; warnings are errors (an unclosed session fails), except pytest-asyncio's
# own nag about its unset loop-scope option, which a fresh project gets whatever it tests.
INI = """\
[pytest]
filterwarnings =
    error
    ignore:The configuration option "asyncio_default_fixture_loop_scope" is unset:pytest.PytestDeprecationWarning
"""

ANYIO_TEST = """\
import pytest

import backendai_async as bai


@pytest.mark.anyio
async def test_under_anyio(fake_manager):
    config = bai.ClientConfig("AKIANABBDUSEREXAMPLE", "C8qnIo29EZvXkPK_MXcuAakYTy4NYrxwmCEyNPlf", str(fake_manager.url))
    async with bai.Client(config) as client:
        assert [k["access_key"] async for k in client.keypair.list(fields=("access_key",))] == [
            "AKIANABBDUSEREXAMPLE"
        ]
    await fake_manager.wait_for_requests(2)


@pytest.mark.asyncio
async def test_session_mode_login(fake_manager):
    config = bai.ClientConfig(
        user_id="user@lablup.com", password="C8qnIo29", endpoint=str(fake_manager.url), connection_mode="SESSION"
    )
    async with bai.Client(config) as client:
        assert await client.login()
        assert await client.check_login()
"""


def readme_example() -> str:
    """The first Python block of the "Testing your code" section."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Testing your code") :]
    section = section[: section.index("\n## ", 1)]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, "no python example in the section"
    return match.group(1)


def run_pytest(project: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_readme_example_passes_in_an_empty_project(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text(INI, encoding="utf-8")
    (tmp_path / "test_readme.py").write_text(readme_example(), encoding="utf-8")
    (tmp_path / "test_other_runners.py").write_text(ANYIO_TEST, encoding="utf-8")

    result = run_pytest(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b3 passed\b", result.stdout), result.stdout
    assert "PASSED test_readme.py::test_my_code" in result.stdout
    assert "PASSED test_other_runners.py::test_under_anyio[asyncio]" in result.stdout


def test_an_unmarked_async_test_is_reported_not_passed(tmp_path: Path) -> None:
    """The check above can fail: the same project with the marker removed fails in strict mode."""
    (tmp_path / "pytest.ini").write_text(INI, encoding="utf-8")
    example = readme_example()
    unmarked = "\n".join(line for line in example.splitlines() if not line.startswith("@pytest.mark.asyncio"))
    assert unmarked != example
    (tmp_path / "test_readme.py").write_text(unmarked, encoding="utf-8")

    result = run_pytest(tmp_path)

    assert result.returncode != 0
    assert "async def functions are not natively supported" in result.stdout + result.stderr
