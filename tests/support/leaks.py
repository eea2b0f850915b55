"""Leak accounting for fault tests: file descriptors, asyncio tasks and the connector's connections."""

from __future__ import annotations

import asyncio
import os

import aiohttp

__all__ = ["Resources", "held_connections"]

_SETTLE_ROUNDS = 100  # loop iterations allowed for close callbacks already scheduled to run


def open_fds() -> int:
    """File descriptors open in this process."""
    return len(os.listdir("/proc/self/fd"))


def held_connections(session: aiohttp.ClientSession) -> int:
    """Connections the session's connector has handed out and not got back."""
    connector = session.connector
    assert connector is not None
    return len(connector._acquired)


class Resources:
    """What the process holds now; ``assert_back()`` checks that it holds no more later."""

    def __init__(self) -> None:
        self.fds = open_fds()
        self.tasks = set(asyncio.all_tasks())

    def _extra(self) -> tuple[int, set[asyncio.Task[object]]]:
        current = asyncio.current_task()
        tasks = {t for t in asyncio.all_tasks() if t not in self.tasks and t is not current and not t.done()}
        return open_fds() - self.fds, tasks

    async def assert_back(self) -> None:
        """Let already scheduled close callbacks run (a bounded number of loop iterations, no
        waiting on time), then assert no extra file descriptor or task."""
        for _ in range(_SETTLE_ROUNDS):
            fds, tasks = self._extra()
            if fds <= 0 and not tasks:
                return
            await asyncio.sleep(0)
        assert (fds, tasks) == (0, set()), "leaked file descriptors or tasks"
