"""SSE parser, session and background-task events, the terminal and streaming execute."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

import backendai_async as bai
from backendai_async.streaming import ServerSentEvent, SSEParser
from backendai_async.testing import FakeManager, Fault

from .conftest import ClientFactory, ticking_clock

THREE = ("19.09", "22.09", "26.9")


@pytest.fixture(params=THREE)
async def gfm(request: pytest.FixtureRequest) -> AsyncIterator[FakeManager]:
    async with FakeManager(request.param) as manager:
        yield manager


# ---- the parser -------------------------------------------------------------------------


def test_parser_line_ends_comments_multiline_data_id_and_retry() -> None:
    parser = SSEParser()
    stream = (
        b"\xef\xbb\xbf: ping\r\nretry: 2500\r\nevent: a\r\ndata: one\r\ndata:two\r\nid: 7\r\n\r\ndata: x\n\ndata: y\r\r"
    )
    events = parser.feed(stream)
    assert events == [
        ServerSentEvent("a", "one\ntwo", "7"),
        ServerSentEvent("message", "x", "7"),
    ]
    assert parser.feed(b"\n") == [ServerSentEvent("message", "y", "7")]  # a lone CR, then a CRLF
    assert parser.retry == 2.5
    assert parser.last_event_id == "7"


def test_parser_across_chunk_boundaries() -> None:
    parser = SSEParser()
    stream = b'event: session_started\r\ndata: {"sessionName": "s"}\r\n\r\n: c\r\nevent: x\r\n\r\n'
    events: list[ServerSentEvent] = []
    for i in range(len(stream)):
        events += parser.feed(stream[i : i + 1])
    assert events == [ServerSentEvent("session_started", '{"sessionName": "s"}')]  # no data: nothing dispatched
    assert events[0].json() == {"sessionName": "s"}
    assert parser.feed(b"retry: soon\r\ndata: z\r") == []  # a CR may still become CRLF
    assert parser.feed(b"\n\r\n") == [ServerSentEvent("message", "z")]
    assert parser.retry is None


# ---- session events ---------------------------------------------------------------------


async def test_session_events_lifecycle_per_generation(gfm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(gfm)
    async with client.session_events() as events:
        request = gfm.requests[-1]
        if gfm.generation.session_prefix == "/kernel":
            assert request.raw_path == "/stream/kernel/_/events?sessionId=*"
        else:
            assert request.raw_path == "/events/session?sessionName=*&groupName=*&scope=*"
        assert request.headers["Accept"] == "text/event-stream"
        await client.create_if_not_exists("python", "other-sess")
        await client.create_if_not_exists("python", "ev-sess")
        await client.destroy("ev-sess")
        names = []
        async for event in events:
            if event.json()["sessionName"] == "ev-sess":
                names.append(event.event)
                if event.event == "session_terminated":
                    break
    if gfm.generation.at_least("26.0"):  # unknown names pass through
        expected = ["session_pending", "session_scheduled", "session_preparing", "kernel_started", "session_started"]
    else:
        expected = ["session_enqueued", "session_scheduled", "kernel_started", "session_started"]
    assert names == [*expected, "session_terminating", "session_terminated"]


async def test_session_name_is_sent_and_filtered(gfm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(gfm)
    await client.create_if_not_exists("python", "named-1")
    async with client.session_events("named-1") as events:
        key = "sessionId" if gfm.generation.session_prefix == "/kernel" else "sessionName"
        assert gfm.requests[-1].query[key] == "named-1"
        await client.create_if_not_exists("python", "named-2")
        await client.destroy("named-2")
        await client.destroy("named-1")
        first = await events.__anext__()
    assert (first.event, first.json()["sessionName"]) == ("session_terminating", "named-1")


async def test_unknown_session_name_is_refused_by_26(make_client: ClientFactory) -> None:
    async with FakeManager("26.9") as fm:
        with pytest.raises(bai.NotFoundError):
            async with make_client(fm).session_events("nobody-here"):
                pass


@pytest.mark.parametrize("key", ["22.09", "26.9"])
async def test_session_id_is_filtered_on_the_client(key: str, make_client: ClientFactory) -> None:
    """26.3+ accepts sessionId but does not filter by it: the client does."""
    async with FakeManager(key) as fm:
        client = make_client(fm)
        mine = await client.create_if_not_exists("python", "mine-1")
        async with client.session_events(session_id=mine["sessionId"]) as events:
            assert fm.requests[-1].query["sessionId"] == mine["sessionId"]
            await client.create_if_not_exists("python", "noise-1")
            await client.destroy("noise-1")
            await client.destroy("mine-1")
            first = await events.__anext__()
        assert (first.event, first.json()["sessionId"]) == ("session_terminating", mine["sessionId"])


async def test_reconnects_with_a_fresh_signature(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, clock=ticking_clock())
    async with client.session_events() as events:
        fm.session_api.events.hang_up()
        reading = asyncio.ensure_future(events.__anext__())
        await fm.wait_for_requests(3)  # probe, first subscription, the reconnection
        await client.create_if_not_exists("python", "after-1")
        event = await reading
        assert event.event == "session_pending"  # 26.x names
    first, second = [r for r in fm.requests if r.path == "/events/session"]
    assert first.raw_path == second.raw_path
    assert first.headers["Date"] != second.headers["Date"]
    assert first.headers["Authorization"] != second.headers["Authorization"]


async def test_close_from_another_task_ends_the_iteration(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    events = client.session_events()
    received: list[ServerSentEvent] = []

    async def consume() -> None:
        async for event in events:
            received.append(event)

    task = asyncio.ensure_future(consume())
    await fm.wait_for_requests(2)
    await events.close()
    await task
    await events.close()  # idempotent
    assert received == []


async def test_signal_and_client_close_abort_the_stream(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    controller = bai.AbortController()
    async with client.session_events(signal=controller.signal) as events:
        reading = asyncio.ensure_future(events.__anext__())
        await fm.wait_for_requests(2)
        controller.abort("enough")
        with pytest.raises(bai.AbortError, match="enough"):
            await reading
    other = make_client(fm)
    async with other.session_events() as events:
        reading = asyncio.ensure_future(events.__anext__())
        await fm.wait_for_requests(4)
        await other.close()
        with pytest.raises(bai.AbortError):
            await reading


async def test_refused_subscription_is_a_typed_error(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, api_version="v9.20250722")
    fm.keypairs.pop("AKIAIOSFODNN7EXAMPLE")
    with pytest.raises(bai.AuthenticationError):
        async with client.session_events():
            pass


# ---- background tasks -------------------------------------------------------------------


async def test_background_task_events_end_after_the_final_event(gfm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(gfm)
    await client.create_if_not_exists("python", "bg-1")
    if gfm.generation.key == "19.09":  # no background tasks, no commit: refused before sending
        with pytest.raises(bai.UnsupportedFeatureError):
            async with client.background_task_events("task-1"):
                pass
        return
    task = await client.compute_session.commit_session("bg-1")
    async with client.background_task_events(task["task_id"]) as events:
        seen = [(e.event, e.json().get("current_progress")) async for e in events]
    assert seen == [("bgtask_updated", 1), ("bgtask_updated", 2), ("bgtask_done", None)]
    assert gfm.requests[-1].raw_path == f"/events/background-task?task_id={task['task_id']}"
    with pytest.raises(bai.NotFoundError):
        async with client.background_task_events("no-such-task") as events:
            pass


# ---- websockets -------------------------------------------------------------------------


async def test_terminal_write_resize_read(gfm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(gfm)
    await client.create_if_not_exists("python", "tty-1")
    async with client.pty("tty-1") as term:
        upgrade = gfm.requests[-1]
        assert upgrade.raw_path == f"/stream{gfm.generation.session_prefix}/tty-1/pty"
        assert upgrade.headers["Upgrade"].lower() == "websocket"
        assert upgrade.headers["Authorization"].startswith("BackendAI signMethod=HMAC-SHA256")
        await term.write("ls\n")
        assert await term.read() == b"ls\n"
        await term.resize(24, 80)
        assert await term.read() == b"resized to 24x80\r\n"
        reading = asyncio.ensure_future(term.read())
        await asyncio.sleep(0)
        await term.close()  # from another task than the reader
        assert await reading == b""
        await term.close()
    assert term.closed


async def test_terminal_of_a_missing_session_is_refused(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    with pytest.raises(bai.NotFoundError) as info:
        async with client.pty("nobody"):
            pass
    assert info.value.status == 404


async def test_streaming_execute_with_input(gfm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(gfm)
    await client.create_if_not_exists("python", "stream-1")
    statuses = []
    async with client.stream_execute("stream-1", "name = input()") as run:
        async for result in run:
            statuses.append(result["status"])
            if result["status"] == "waiting-input":
                await run.send_input("Carol")
    assert statuses == ["continued", "waiting-input", "finished"]
    assert result["console"][-1] == ["stdout", "input: Carol\n"]


async def test_streaming_execute_runs_locally(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    await client.create_if_not_exists("python", "stream-2")
    fm.session_api.run_locally = True
    async with client.stream_execute("stream-2", "print('hi')") as run:
        results = [r async for r in run]
    assert [(r["status"], r["console"]) for r in results] == [("finished", [["stdout", "hi\n"]])]


async def read_after(term_cm: bai.Terminal, trigger: Any) -> None:
    """Enter the terminal, schedule ``trigger()``, and read (until the abort)."""
    async with term_cm as term:
        asyncio.get_running_loop().call_soon(trigger)
        await term.read()


async def test_terminal_honours_the_signal_and_client_close(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    await client.create_if_not_exists("python", "tty-2")
    controller = bai.AbortController()
    with pytest.raises(bai.AbortError, match="stop"):
        await read_after(client.pty("tty-2", signal=controller.signal), lambda: controller.abort("stop"))
    other = make_client(fm)
    with pytest.raises(bai.AbortError):
        await read_after(other.pty("tty-2"), lambda: asyncio.ensure_future(other.close()))


async def test_reconnection_sends_the_last_event_id(fm: FakeManager, make_client: ClientFactory) -> None:
    first = b'id: 41\r\nevent: session_pending\r\ndata: {"sessionName": "x"}\r\n\r\n'
    fm.inject(Fault(path="/events/session", status=200, body=first, content_type="text/event-stream"))
    client = make_client(fm)
    async with client.session_events() as events:
        assert (await events.__anext__()).id == "41"
        await fm.wait_for_requests(3)  # the stream ended: the client reconnected
    reconnection = fm.requests[2]
    assert (reconnection.path, reconnection.headers["Last-Event-ID"]) == ("/events/session", "41")


async def test_streams_in_session_mode_go_through_func(fm: FakeManager) -> None:
    config = bai.ClientConfig(
        user_id="user@lablup.com", password="C8qnIo29", endpoint=str(fm.url), connection_mode="SESSION"
    )
    async with bai.Client(config) as client:
        assert await client.login()
        await client.create_if_not_exists("python", "web-1")
        async with client.session_events() as events:
            assert fm.requests[-1].path == "/func/events/session"
            await client.destroy("web-1")
            assert (await events.__anext__()).event == "session_terminating"
        await client.create_if_not_exists("python", "web-2")
        async with client.pty("web-2") as term:
            assert fm.requests[-1].path == "/func/stream/session/web-2/pty"
            await term.write("hi")
            assert await term.read() == b"hi"


async def test_streaming_execute_errors_are_typed(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    await client.create_if_not_exists("python", "stream-3")
    with pytest.raises(bai.UnsupportedOperationError, match="not-implemented"):
        await first_result(client.stream_execute("stream-3", "", mode="batch"))
    with pytest.raises(bai.ServerError, match="Invalid execution mode"):
        await first_result(client.stream_execute("stream-3", "", mode="complete"))  # type: ignore[arg-type]


async def first_result(stream: bai.ExecutionStream) -> Any:
    async with stream as run:
        return await run.__anext__()
