"""Fault tests on the real 26.9.6 stack: a daemon is stopped and started again in the middle of an
event stream, a terminal and calls (``stack/service.sh``). Every test starts again what it stopped.

Asserted each time: typed errors inside the call's deadline while the daemon is down, recovery
after it is back, every session created during the test seen on the stream that was open across
the restart, and no connection, task or file descriptor left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pathlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

import backendai_async as bai

from .conftest import CURRENT
from .test_foundation import RESOURCES, new_session_name, reap

SERVICE = pathlib.Path(__file__).parent / "stack" / "service.sh"
EVENT_WAIT = 90.0  # seconds for a session's events to arrive (a reconnect after the restart included)
CALL_TIMEOUT = 5.0  # the deadline of a plain call while the daemon is down
WEBSERVER_WAIT = 120.0  # seconds for the webserver to pass calls on after a restart


async def service(action: str, daemon: str) -> None:
    """``service.sh 26.09 <action> <daemon>``; raises with its output if it fails."""
    process = await asyncio.create_subprocess_exec(
        "bash", str(SERVICE), CURRENT, action, daemon, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"service.sh {action} {daemon} failed ({process.returncode}): {output.decode()[-2000:]}")


@contextlib.asynccontextmanager
async def stopped(daemon: str, current: dict[str, Any]) -> AsyncIterator[None]:
    """``daemon`` is down inside the block, and running again after it (also on failure), with
    the webserver passing calls on to the manager again."""
    await service("stop", daemon)
    try:
        yield
    finally:
        await service("start", daemon)
        await webserver_serves(current["webserver"])


async def webserver_serves(webserver: str) -> None:
    """Poll until the webserver passes ``GET /func/`` to the manager: after a manager restart it
    answers 503 "no healthy endpoint" until its health check sees the manager again."""
    start = time.monotonic()
    async with aiohttp.ClientSession() as http:
        while True:
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"{webserver}/func/") as resp:
                    if resp.status == 200:
                        print(f"the webserver serves again after {time.monotonic() - start:.1f} s")
                        return
            if time.monotonic() - start > WEBSERVER_WAIT:
                raise AssertionError(f"the webserver did not pass calls on within {WEBSERVER_WAIT} s")
            await asyncio.sleep(0.5)


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@contextlib.asynccontextmanager
async def nothing_leaks() -> AsyncIterator[None]:
    """No task and no file descriptor more after the block than before it."""
    tasks, fds = asyncio.all_tasks(), open_fds()
    yield
    assert asyncio.all_tasks() == tasks
    assert open_fds() <= fds


def in_use(client: bai.Client) -> int:
    """Connections the client's pool has handed out and not got back."""
    connector = client.http_session.connector
    assert connector is not None
    return len(connector._acquired)


@pytest.fixture
async def sessions() -> AsyncIterator[Callable[[bai.ClientConfig], str]]:
    """``sessions(config)``: a new session name, force-destroyed after the test."""
    made: list[tuple[bai.ClientConfig, str]] = []

    def new(config: bai.ClientConfig) -> str:
        made.append((config, new_session_name()))
        return made[-1][1]

    yield new
    for config, name in made:
        await reap(config, name)


class Watcher:
    """Reads a session event stream in a task of its own and records, per session name, the
    event names seen; ``wait_for(name, event)`` returns once that event arrived."""

    def __init__(self, events: bai.EventStream) -> None:
        self.seen: dict[str, list[str]] = {}
        self._changed = asyncio.Event()
        self._task = asyncio.ensure_future(self._read(events))

    async def _read(self, events: bai.EventStream) -> None:
        async for event in events:
            name = event.json().get("sessionName")
            self.seen.setdefault(str(name), []).append(event.event)
            self._changed.set()

    async def wait_for(self, name: str, event: str) -> None:
        async def arrived() -> None:
            while event not in self.seen.get(name, []):
                if self._task.done():
                    self._task.result()  # the stream ended: raise why
                    raise AssertionError(f"the stream ended before {event} of {name}")
                self._changed.clear()
                changed = asyncio.ensure_future(self._changed.wait())
                try:
                    await asyncio.wait([self._task, changed], return_when=asyncio.FIRST_COMPLETED)
                finally:
                    changed.cancel()
                    await asyncio.wait([changed])

        await asyncio.wait_for(arrived(), EVENT_WAIT)

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def fails_typed_in_time(call: Callable[[], Any]) -> bai.BackendAIError:
    """Run ``call()`` (it must fail while the daemon is down) and return its typed error, checking
    that it came inside the call's deadline (CALL_TIMEOUT, plus slack for a loaded machine)."""
    start = time.monotonic()
    with pytest.raises(bai.BackendAIError) as info:
        await asyncio.wait_for(call(), CALL_TIMEOUT + 10)
    elapsed = time.monotonic() - start
    print(f"failed in {elapsed:.2f} s: {info.value!r}")
    assert elapsed < CALL_TIMEOUT + 2, "the error came after the call's deadline"
    return info.value


async def test_session_events_survive_a_manager_restart(
    user_config: bai.ClientConfig, current: dict[str, Any], sessions: Callable[[bai.ClientConfig], str]
) -> None:
    before, after = sessions(user_config), sessions(user_config)
    reconnections: list[bai.Reconnection] = []
    reconnected = asyncio.Event()

    def on_reconnect(info: bai.Reconnection) -> None:
        reconnections.append(info)
        reconnected.set()

    async with nothing_leaks(), bai.Client(user_config, agent_signature="tests-faults") as client:
        async with client.session_events(on_reconnect=on_reconnect) as events:  # the default policy
            watcher = Watcher(events)
            try:
                await client.create_if_not_exists(current["image"], before, resources=RESOURCES, timeout=60)
                await watcher.wait_for(before, "session_started")

                async with client.pty(before, timeout=30) as term:  # the dummy kernel never answers
                    reading = asyncio.ensure_future(term.read())
                    async with stopped("manager", current):
                        with pytest.raises(bai.StreamDroppedError, match=f"terminal of session '{before}'") as drop:
                            await asyncio.wait_for(reading, 30)  # not b"": a restart is no normal end
                        print(f"the terminal: {drop.value}")
                        error = await fails_typed_in_time(lambda: client.get_info(before, timeout=CALL_TIMEOUT))
                        assert isinstance(error, bai.RequestError), repr(error)  # refused: nothing was sent
                        assert not watcher._task.done()  # the stream keeps trying

                assert (await client.get_info(before, timeout=30))["status"] == "RUNNING"  # calls recover
                # what the manager sends before the stream is back is not replayed (on_reconnect is where
                # an app resyncs): the session below is created once the stream has reconnected
                await asyncio.wait_for(reconnected.wait(), EVENT_WAIT)
                await client.create_if_not_exists(current["image"], after, resources=RESOURCES, timeout=90)
                await watcher.wait_for(after, "session_started")  # created after the restart: seen
                await client.destroy(before)
                await watcher.wait_for(before, "session_terminated")  # a session from before: followed on
            finally:
                await watcher.stop()
        assert reconnections, "the stream never reported a reconnection"
        assert reconnections[0].downtime > 0
        assert in_use(client) == 0
    print(f"reconnections: {reconnections}")


async def test_plain_calls_fail_typed_while_the_manager_is_down_and_recover(
    user_config: bai.ClientConfig, session_config: Callable[..., bai.ClientConfig], current: dict[str, Any]
) -> None:
    async with (
        nothing_leaks(),
        bai.Client(user_config, agent_signature="tests-faults") as client,
        bai.Client(session_config(host="127.0.0.1"), agent_signature="tests-faults") as web,
    ):
        version = await client.get_manager_version()
        assert await web.login()
        try:
            async with stopped("manager", current):
                for call in (
                    lambda: client.compute_session.list(["id"], timeout=CALL_TIMEOUT),  # a GraphQL POST
                    lambda: client.request("GET", "/", timeout=CALL_TIMEOUT),
                    lambda: client.create_if_not_exists("never", new_session_name(), timeout=CALL_TIMEOUT),
                ):
                    error = await fails_typed_in_time(call)
                    assert isinstance(error, bai.RequestError), repr(error)  # refused: nothing was sent
                # through the webserver: its answer for a manager it cannot reach
                error = await fails_typed_in_time(lambda: web.compute_session.list(["id"], timeout=CALL_TIMEOUT))
                assert isinstance(error, (bai.InternalServerError, bai.RequestTimeoutError)), repr(error)
                assert in_use(client) == in_use(web) == 0
            assert await client.get_manager_version() == version
            await client.compute_session.list(["id"], timeout=30)
            await web.compute_session.list(["id"], timeout=30)
        finally:
            await web.logout()
        assert in_use(client) == in_use(web) == 0


async def test_webserver_restart_keeps_the_login_and_the_stream(
    session_config: Callable[..., bai.ClientConfig],
    user_config: bai.ClientConfig,
    current: dict[str, Any],
    sessions: Callable[[bai.ClientConfig], str],
) -> None:
    config = session_config(host="127.0.0.1")
    name = sessions(user_config)  # the same user; reaped through the manager
    await webserver_serves(current["webserver"])
    async with nothing_leaks(), bai.Client(config, agent_signature="tests-faults") as client:
        assert await client.login()
        try:
            async with client.session_events() as events:
                watcher = Watcher(events)
                try:
                    async with stopped("webserver", current):
                        error = await fails_typed_in_time(lambda: client.check_login(timeout=CALL_TIMEOUT))
                        assert isinstance(error, bai.RequestError), repr(error)
                    assert await client.check_login(timeout=30)  # still logged in after the restart
                    await client.create_if_not_exists(current["image"], name, resources=RESOURCES, timeout=90)
                    await watcher.wait_for(name, "session_started")
                finally:
                    await watcher.stop()
        finally:
            await client.logout()
        assert in_use(client) == 0
