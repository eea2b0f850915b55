"""pytest plugin (entry point ``backendai_async``): the ``fake_manager`` fixture.

The fixture is synchronous: the fake runs on an event loop of its own in a background thread
(``background.in_background``), so it works in pytest-asyncio's strict and auto modes, under
anyio's plugin, and in plain synchronous tests alike; tests talk to it over loopback. Cheap to
import: aiohttp and the server are imported when the fixture first runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .fake_manager import FakeManager


@pytest.fixture
def fake_manager() -> Iterator[FakeManager]:
    """A started ``FakeManager`` of the newest generation, closed after the test.

    For another generation or other keypairs, start ``FakeManager(generation=...)`` yourself
    (``async with``), or use ``backendai_async.testing.background.in_background``.
    """
    from .background import in_background
    from .fake_manager import FakeManager

    with in_background(FakeManager()) as manager:
        yield manager
