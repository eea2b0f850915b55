"""Compute sessions on the real stack: 26.9.6 with the dummy agent; listing and event streams on
22.09 and 19.09 (manager only). Never a batch session here: batch sessions hang the dummy agent.

Measured answers of the dummy agent: execute always ends in a 500 (its result has no ``runId``);
logs, list_files and interrupt answer 500 (the agent's KeyError on the kernel) for a short while
after the session is RUNNING, then work: the test retries those for a few seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

import backendai_async as bai

from .test_foundation import ALL_GENERATIONS, RESOURCES, new_session_name, reap

EVENT_WAIT = 60.0  # seconds for a lifecycle event to arrive
AGENT_WAIT = 15.0  # seconds for the dummy agent to know a new kernel


async def once_the_agent_knows(call: Callable[[], Awaitable[Any]]) -> Any:
    """``call()``, repeated while the dummy agent answers 500 for a kernel it does not know yet."""
    deadline = time.monotonic() + AGENT_WAIT
    while True:
        try:
            return await call()
        except bai.InternalServerError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1.0)


@pytest.fixture
async def cleanup() -> AsyncIterator[Callable[[bai.ClientConfig, str], None]]:
    """``cleanup(config, name)``: force-destroy that session after the test if it still exists."""
    names: list[tuple[bai.ClientConfig, str]] = []
    yield lambda config, name: names.append((config, name))
    for config, name in names:
        await reap(config, name)


async def own_events(events: bai.EventStream, session_id: str, until: str) -> list[str]:
    """The names of ``session_id``'s events, up to and including ``until``."""
    names: list[str] = []
    async for event in events:
        if event.json().get("sessionId") == session_id:
            names.append(event.event)
            if event.event == until:
                return names
    return names


async def test_session_surface_on_the_dummy_agent(
    user_config: bai.ClientConfig, current: dict[str, Any], cleanup: Any
) -> None:
    name = new_session_name()
    renamed = name + "-r"
    cleanup(user_config, name)
    cleanup(user_config, renamed)
    async with bai.Client(user_config, agent_signature="tests-sessions") as client:
        # 26.9 refuses a subscription to a name it cannot resolve yet: all of this user's sessions
        async with client.session_events() as events:
            first = await client.create_if_not_exists(current["image"], name, resources=RESOURCES)
            second = await client.create_if_not_exists(current["image"], name, resources=RESOURCES)
            assert (first["created"], second["created"]) == (True, False)
            session_id = first["sessionId"]
            assert second["sessionId"] == session_id
            info = await client.get_info(name)
            assert info["status"] == "RUNNING"

            logs = await once_the_agent_knows(lambda: client.get_logs(name))
            assert isinstance(logs["result"]["logs"], str)
            listing = await once_the_agent_knows(lambda: client.list_files(name))
            assert isinstance(listing["files"], list)
            assert await once_the_agent_knows(lambda: client.interrupt(name)) is None
            with pytest.raises(bai.ServerError) as failed_execute:
                await client.execute(name, None, "query", "print(1)")
            assert failed_execute.value.status == 500
            with pytest.raises(bai.UnsupportedOperationError) as restart:
                await client.restart(name)
            assert (restart.value.status, restart.value.type) == (501, bai.ErrorType.ERR_SERVER)

            await client.upload(name, {"hello.txt": b"hello"})
            assert await client.get_direct_access_info(name) == {}
            assert {"PENDING", "RUNNING"} <= set(await client.get_status_history(name))
            assert (await client.get_dependency_graph(name))["session_id"] == session_id
            assert "status" in await client.compute_session.get_commit_session_status(name)

            await client.rename(name, renamed)
            assert (await client.get_info(renamed))["status"] == "RUNNING"
            with pytest.raises(bai.NotFoundError):
                await client.get_info(name)
            await client.destroy(renamed)
            seen = await asyncio.wait_for(own_events(events, session_id, "session_terminated"), EVENT_WAIT)
    enqueued = next(i for i, n in enumerate(seen) if n in ("session_enqueued", "session_pending"))
    assert enqueued < seen.index("session_started") < seen.index("session_terminated"), seen


async def test_terminal_upgrade_is_signed_and_accepted(
    user_config: bai.ClientConfig, current: dict[str, Any], cleanup: Any
) -> None:
    """The pty websocket opens (101) with the signed upgrade; the dummy kernel never answers, so
    nothing is read. (Its streamed execute may stall for a minute, until the manager's stale-kernel
    sweep ends the session: not exercised here.)"""
    name = new_session_name()
    cleanup(user_config, name)
    async with bai.Client(user_config, agent_signature="tests-sessions") as client:
        await client.create_if_not_exists(current["image"], name, resources=RESOURCES)
        async with client.pty(name, timeout=30) as term:
            await term.write("ls\n")
            assert not term.closed
        assert term.closed
        await client.destroy(name)


@pytest.mark.parametrize("generation", ALL_GENERATIONS)
async def test_listing_pages_through_everything(api_config: Any, generation: str) -> None:
    async with bai.Client(api_config("superadmin", on=generation)) as client:
        total = await client.compute_session.total_count(status="TERMINATED,CANCELLED")
        page = await client.compute_session.list(["id", "name", "status"], status="TERMINATED,CANCELLED", limit=3)
        listed = page["compute_session_list"]
        assert len(listed["items"]) == min(3, total)
        ids = [s["id"] async for s in client.compute_session.list_all(["id"], "TERMINATED,CANCELLED", page_size=3)]
        assert len(ids) == len(set(ids)) >= total  # others may end sessions meanwhile, none is repeated


@pytest.mark.parametrize("generation", ALL_GENERATIONS)
async def test_session_event_stream_opens(api_config: Any, generation: str) -> None:
    async with bai.Client(api_config("user", on=generation)) as client:
        async with client.session_events() as events:
            assert "closed=False" in repr(events)
        assert "closed=True" in repr(events)


async def test_unknown_session_name_is_refused(user_config: bai.ClientConfig) -> None:
    async with bai.Client(user_config) as client:
        with pytest.raises(bai.NotFoundError):
            async with client.session_events(new_session_name()):
                pass


async def test_session_event_stream_through_the_webserver(session_config: Any) -> None:
    async with bai.Client(session_config(host="127.0.0.1")) as client:
        assert await client.login()
        try:
            async with client.session_events() as events:
                assert "closed=False" in repr(events)
        finally:
            await client.logout()
