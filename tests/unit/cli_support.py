"""Helpers of the CLI tests: the environment pointing at a FakeManager, and runs in a subprocess."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import backendai_async as bai
from backendai_async.testing import FakeManager

from .conftest import AK, SK

ADMIN_USER, ADMIN_PASSWORD = "admin@lablup.com", "wJalrXUt"
T = TypeVar("T")


def cli_env(fake: FakeManager, config_home: Path, *, keys: bool = True) -> dict[str, str]:
    """The environment of a CLI run: the fake's endpoint, its superadmin keypair (``keys``), and a
    config directory of the test's own (``XDG_CONFIG_HOME``)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("BACKEND_")}
    env.update(BACKEND_ENDPOINT=str(fake.url), XDG_CONFIG_HOME=str(config_home))
    if keys:
        env.update(BACKEND_ACCESS_KEY=AK, BACKEND_SECRET_KEY=SK)
    return env


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "backendai_async", *args]


def run_cli(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``python -m backendai_async ARGS`` to completion; stdout and stderr captured as text."""
    return subprocess.run(cli_command(*args), env=env, capture_output=True, text=True, timeout=timeout, check=False)


def with_client(fake: FakeManager, use: Callable[[bai.Client], Awaitable[T]]) -> T:
    """Arrange state through the SDK (cheaper than a CLI process): ``use(client)`` on its own loop."""

    async def run() -> T:
        async with bai.Client(bai.ClientConfig(AK, SK, str(fake.url))) as client:
            return await use(client)

    return asyncio.run(run())
