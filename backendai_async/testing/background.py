"""Run a server (a ``FakeManager``) on an event loop of its own, in a background thread.

The test then talks to it over loopback from any event loop (pytest-asyncio in strict or auto
mode, anyio, trio) or from plain synchronous code, and the server never depends on how the test's
loop is set up. ``FakeManager.wait_for_requests()`` works from the test's loop too.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Iterator
from typing import Any, Protocol, TypeVar

__all__ = ["in_background"]


class _Server(Protocol):
    async def start(self) -> Any: ...

    async def close(self) -> Any: ...


S = TypeVar("S", bound=_Server)


@contextlib.contextmanager
def in_background(server: S, *, timeout: float = 30.0) -> Iterator[S]:
    """Start ``server`` on a new loop in a daemon thread; close it and stop the thread on exit."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name=f"{type(server).__name__}-loop", daemon=True)
    thread.start()

    def run(step: Awaitable[Any]) -> None:
        async def wrapped() -> None:
            await step

        asyncio.run_coroutine_threadsafe(wrapped(), loop).result(timeout)

    try:
        run(server.start())
        try:
            yield server
        finally:
            run(server.close())
    finally:
        with contextlib.suppress(RuntimeError):
            run(loop.shutdown_asyncgens())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        loop.close()
