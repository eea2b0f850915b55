"""Event streams that outlive a restart of the FakeManager (stopped, then started on the same port),
and websockets that drop."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import backendai_async as bai
from backendai_async.streaming import ServerSentEvent, Terminal
from backendai_async.testing import FakeManager, Fault

from .conftest import ClientFactory


class Backoffs:
    """A policy's ``jitter``: always 0 (each wait is half its step), counting the waits, with
    ``reached(n)`` set once the stream is waiting before attempt ``n`` of an outage."""

    def __init__(self) -> None:
        self.count = 0
        self._changed = asyncio.Event()

    def __call__(self) -> float:
        self.count += 1
        self._changed.set()
        return 0.0

    async def reached(self, count: int) -> None:
        while self.count < count:
            self._changed.clear()
            await self._changed.wait()


async def restart(fm: FakeManager) -> None:
    await fm.start(port=fm.url.port or 0)


def waits(caplog: pytest.LogCaptureFixture) -> list[float]:
    """The waits before each attempt, from the DEBUG lines."""
    found = (re.search(r"attempt \d+ in ([\d.]+) s", r.getMessage()) for r in caplog.records)
    return [float(m.group(1)) for m in found if m]


def leaked(client: bai.Client) -> int:
    connector = client.http_session.connector
    assert connector is not None
    return len(connector._acquired)


# ---- the policy -------------------------------------------------------------------------


def test_delays_grow_exponentially_up_to_the_cap_with_jitter() -> None:
    policy = bai.ReconnectPolicy(initial_delay=1, max_delay=8, jitter=lambda: 0.0)
    assert [policy.delay(n) for n in range(1, 7)] == [0.5, 1, 2, 4, 4, 4]
    upper = bai.ReconnectPolicy(initial_delay=1, max_delay=8, jitter=lambda: 0.999999)
    assert 7.99 < upper.delay(10) <= 8
    assert policy.delay(1, server_retry=3.0) == 1.5  # the server's `retry` may lengthen the base
    assert policy.delay(1, server_retry=0.005) == 0.5  # ... never shorten it
    assert policy.delay(10_000) == 4  # no overflow


def test_the_default_policy_waits_from_one_second_up_to_fifteen() -> None:
    policy = bai.ReconnectPolicy(jitter=lambda: 0.0)
    assert (policy.initial_delay, policy.max_delay) == (1.0, 15.0)
    assert [policy.delay(n) for n in (1, 2, 5, 50)] == [0.5, 1, 7.5, 7.5]


def test_importing_the_package_leaves_the_policy_and_the_streams_unloaded() -> None:
    code = (
        "import sys, backendai_async as bai\n"
        "print(sorted(m for m in ('backendai_async.reconnect', 'backendai_async.streaming') if m in sys.modules))\n"
        "bai.ReconnectPolicy\n"
        "print('backendai_async.reconnect' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["[]", "True"]


@pytest.mark.parametrize(
    "kwargs", [{"initial_delay": 0}, {"max_delay": -1}, {"give_up_after": 0}, {"initial_delay": 5, "max_delay": 1}]
)
def test_bad_policies_are_config_errors(kwargs: dict[str, float]) -> None:
    with pytest.raises(bai.ConfigError, match="ReconnectPolicy"):
        bai.ReconnectPolicy(**kwargs)


def test_the_client_default_policy_is_checked(fm: FakeManager) -> None:
    assert bai.ClientConfig("a", "b").reconnect is None  # streams then take ReconnectPolicy()'s defaults
    assert bai.ReconnectPolicy().give_up_after is None  # keeps trying, as EventSource does
    with pytest.raises(bai.ConfigError, match="reconnect"):
        bai.ClientConfig("a", "b", reconnect=30)  # type: ignore[arg-type]


# ---- through a restart ------------------------------------------------------------------


async def test_stream_survives_a_restart_and_delivers_later_events(
    fm: FakeManager, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "backendai_async")
    backoffs = Backoffs()
    policy = bai.ReconnectPolicy(initial_delay=0.02, max_delay=0.08, jitter=backoffs)
    client = make_client(fm)
    seen: list[str] = []  # events and reconnections, in the order the iteration saw them
    reconnections: list[bai.Reconnection] = []

    async def on_reconnect(info: bai.Reconnection) -> None:  # runs in the iterating task: resync here
        reconnections.append(info)
        seen.append("<reconnected>")
        await client.create_if_not_exists("python", "after")

    padding = b": padding\r\n" * 20  # the event goes out in the first half of the body, before the pause
    fm.inject(
        Fault(
            path="/events/session",
            status=200,
            content_type="text/event-stream",
            body=b'id: 41\r\nevent: session_pending\r\ndata: {"sessionName": "before"}\r\n\r\n' + padding * 2,
            body_delay=60,  # held open until the fake closes
        )
    )
    async with client.session_events(reconnect=policy, on_reconnect=on_reconnect) as events:
        first = await events.__anext__()
        seen.append(first.json()["sessionName"])
        await fm.close()
        await backoffs.reached(5)  # the loss, then four refused attempts
        await restart(fm)
        async for event in events:
            seen.append(event.json()["sessionName"])
            if event.event == "session_started":
                break
    assert seen[:3] == ["before", "<reconnected>", "after"]
    [info] = reconnections
    assert info.attempts >= 5  # the fifth may still have been refused on a slow machine
    assert isinstance(info.error, bai.RequestError)  # the last refused attempt
    assert info.downtime > 0
    assert waits(caplog)[:5] == [0.01, 0.02, 0.04, 0.04, 0.04]  # doubling from the base, capped
    assert any(r.levelno == logging.INFO and "reconnected" in r.getMessage() for r in caplog.records)
    subscriptions = [r for r in fm.requests if r.path == "/events/session"]
    assert subscriptions[-1].headers["Last-Event-ID"] == "41"
    assert leaked(client) == 0


async def test_first_connection_failure_is_raised(make_client: ClientFactory) -> None:
    async with FakeManager() as fm:
        client = make_client(fm, api_version="v9.20250722")
    with pytest.raises(bai.RequestError):  # not retried by the stream: a wrong endpoint is seen at once
        async with client.session_events():
            pass


async def test_a_callback_that_is_a_plain_function_runs_too(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    infos: list[bai.Reconnection] = []
    policy = bai.ReconnectPolicy(initial_delay=0.01)
    async with client.session_events(reconnect=policy, on_reconnect=infos.append) as events:
        fm.session_api.events.hang_up()  # the server ends the stream cleanly
        await fm.wait_for_requests(3)
        await client.create_if_not_exists("python", "later")
        await events.__anext__()
    assert [(i.attempts, i.error) for i in infos] == [(1, None)]


async def test_give_up_time_raises_a_typed_error(fm: FakeManager, make_client: ClientFactory) -> None:
    ticks = itertools.count(step=10.0)  # each reading of the clock: 10 s later
    policy = bai.ReconnectPolicy(initial_delay=0.01, give_up_after=25, clock=lambda: next(ticks))
    client = make_client(fm)
    events = client.session_events(reconnect=policy)
    async with events:
        await fm.close()
        with pytest.raises(bai.StreamGaveUpError, match="disconnected for 25 s") as info:
            await asyncio.wait_for(events.__anext__(), 10)
    assert isinstance(info.value, bai.StreamDroppedError)
    assert isinstance(info.value.__cause__, bai.RequestError)
    assert info.value.attempts >= 1
    assert leaked(client) == 0


async def test_a_refusal_after_the_restart_ends_the_stream(fm: FakeManager, make_client: ClientFactory) -> None:
    backoffs = Backoffs()
    client = make_client(fm)
    async with client.session_events(reconnect=bai.ReconnectPolicy(initial_delay=0.01, jitter=backoffs)) as events:
        await fm.close()
        await backoffs.reached(2)
        fm.keypairs.clear()  # the restarted server no longer knows the key
        await restart(fm)
        with pytest.raises(bai.AuthenticationError):
            await asyncio.wait_for(events.__anext__(), 10)


# ---- abort, close and the client's close during the backoff -----------------------------


async def in_backoff(fm: FakeManager, stream: bai.EventStream, backoffs: Backoffs) -> asyncio.Future[ServerSentEvent]:
    """Open ``stream``, stop the fake, and return the pending ``__anext__`` once the stream waits."""
    await stream.__aenter__()
    reading = asyncio.ensure_future(stream.__anext__())
    await fm.close()
    await backoffs.reached(1)
    return reading


SLOW = 600.0  # seconds a stream would wait before reconnecting


@pytest.mark.parametrize("how", ["signal", "close", "client"])
async def test_abort_during_the_backoff_ends_at_once(fm: FakeManager, make_client: ClientFactory, how: str) -> None:
    backoffs = Backoffs()
    policy = bai.ReconnectPolicy(initial_delay=SLOW, max_delay=SLOW, jitter=backoffs)
    controller = bai.AbortController()
    client = make_client(fm)
    stream = client.session_events(reconnect=policy, signal=controller.signal)
    reading = await in_backoff(fm, stream, backoffs)
    stop: dict[str, Callable[[], object]] = {
        "signal": lambda: controller.abort("enough"),
        "close": lambda: asyncio.ensure_future(stream.close()),
        "client": lambda: asyncio.ensure_future(client.close()),
    }
    stop[how]()
    if how == "close":
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(reading, 5)  # generous: the wait was SLOW
    else:
        with pytest.raises(bai.AbortError):
            await asyncio.wait_for(reading, 5)
    await stream.close()
    assert backoffs.count == 1  # no attempt after the abort
    assert stream._pump is not None and stream._pump.done()


async def test_cancelling_the_reader_is_not_swallowed(fm: FakeManager, make_client: ClientFactory) -> None:
    backoffs = Backoffs()
    policy = bai.ReconnectPolicy(initial_delay=SLOW, max_delay=SLOW, jitter=backoffs)
    client = make_client(fm)
    async with client.session_events(reconnect=policy) as stream:
        reading = await in_backoff(fm, stream, backoffs)
        reading.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reading
    assert stream._pump is not None and stream._pump.done()


async def test_nothing_is_left_running(make_client: ClientFactory) -> None:
    before = asyncio.all_tasks()
    async with FakeManager() as fm:
        client = make_client(fm)
        backoffs = Backoffs()
        async with client.session_events(reconnect=bai.ReconnectPolicy(initial_delay=0.01, jitter=backoffs)):
            await fm.close()
            await backoffs.reached(3)
            await restart(fm)
        await client.close()
    assert asyncio.all_tasks() == before


# ---- websockets -------------------------------------------------------------------------


async def test_a_dropped_terminal_is_a_typed_error(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    await client.create_if_not_exists("python", "tty-drop")
    async with client.pty("tty-drop") as term:
        await term.write("hi")
        assert await term.read() == b"hi"
        await fm.close()
        with pytest.raises(bai.StreamDroppedError, match="terminal of session 'tty-drop' dropped"):
            await term.read()
        with pytest.raises(bai.StreamDroppedError):
            await term.write("again")
    assert leaked(client) == 0


async def test_a_dropped_streaming_execute_is_a_typed_error(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    await client.create_if_not_exists("python", "exec-drop")
    statuses: list[str] = []

    async def run_until_dropped() -> None:
        async with client.stream_execute("exec-drop", "name = input()") as run:
            async for result in run:
                statuses.append(result["status"])
                if result["status"] == "waiting-input":
                    await fm.close()

    with pytest.raises(bai.StreamDroppedError, match="streaming execute of session 'exec-drop'"):
        await run_until_dropped()
    assert statuses == ["continued", "waiting-input"]


@pytest.mark.parametrize(("code", "dropped"), [(1000, False), (1001, True), (1011, True)])
async def test_a_server_close_is_an_end_only_with_code_1000(code: int, dropped: bool) -> None:
    async def closes(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "out", "data": "aGk="})
        await ws.close(code=code, message=b"bye")
        return ws

    app = web.Application()
    app.router.add_get("/pty", closes)
    async with TestServer(app) as server, aiohttp.ClientSession() as http:

        @contextlib.asynccontextmanager
        async def connect() -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
            async with http.ws_connect(server.make_url("/pty")) as ws:
                yield ws

        async with Terminal(connect, "terminal of session 'x'") as term:
            assert await term.read() == b"hi"
            if dropped:
                with pytest.raises(bai.StreamDroppedError, match=f"code {code} \\(bye\\)"):
                    await term.read()
            else:
                assert await term.read() == b""
                assert await term.read() == b""  # stays ended


async def test_background_task_events_reconnect_until_the_final_event(
    fm: FakeManager, make_client: ClientFactory
) -> None:
    client = make_client(fm)
    await client.create_if_not_exists("python", "bg-cut")
    task_id = (await client.compute_session.commit_session("bg-cut"))["task_id"]
    first = b'id: 1\r\nevent: bgtask_updated\r\ndata: {"current_progress": 1}\r\n\r\n'
    fm.inject(
        Fault(
            path="/events/background-task",
            status=200,
            content_type="text/event-stream",
            body=first + b": padding\r\n" * 10,
            body_delay=0.05,
            disconnect=True,  # cut after the first half
        )
    )
    infos: list[bai.Reconnection] = []
    policy = bai.ReconnectPolicy(initial_delay=0.01)
    async with client.background_task_events(task_id, reconnect=policy, on_reconnect=infos.append) as events:
        seen = [e.event async for e in events]
    assert seen == ["bgtask_updated", "bgtask_updated", "bgtask_updated", "bgtask_done"]
    assert [(i.attempts, type(i.error)) for i in infos] == [(1, bai.ResponseError)]
    assert fm.requests[-1].headers["Last-Event-ID"] == "1"
