"""pytest plugin (entry point ``backendai_async``): the ``fake_manager`` fixture.

Cheap to import: aiohttp and the server are imported when the fixture first runs. The fixture
is a ``pytest_asyncio`` fixture when pytest-asyncio is installed, otherwise a plain async
fixture for another async plugin (e.g. anyio's) to run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .fake_manager import FakeManager

try:
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # pragma: no cover - depends on the environment
    _async_fixture = pytest.fixture  # type: ignore[assignment]


@_async_fixture
async def fake_manager() -> AsyncIterator[FakeManager]:
    """A started ``FakeManager`` of the newest generation, closed after the test.

    For another generation or other keypairs, start ``FakeManager(generation=...)`` yourself.
    """
    from .fake_manager import FakeManager

    async with FakeManager() as manager:
        yield manager
