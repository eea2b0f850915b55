"""Shared helpers: a FakeManager per test and clients pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager

AK, SK = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
USER_AK, USER_SK = "AKIANABBDUSEREXAMPLE", "C8qnIo29EZvXkPK_MXcuAakYTy4NYrxwmCEyNPlf"

ClientFactory = Callable[..., bai.Client]


def ticking_clock() -> Callable[[], datetime]:
    """A wall clock that moves one second at every reading: each signed attempt gets a Date of its
    own (the Date has whole seconds, so attempts within one real second would share it)."""
    now = datetime.now(timezone.utc)

    def read() -> datetime:
        nonlocal now
        now += timedelta(seconds=1)
        return now

    return read


@pytest.fixture
async def fm() -> AsyncIterator[FakeManager]:
    async with FakeManager() as manager:
        yield manager


@pytest.fixture
async def make_client() -> AsyncIterator[ClientFactory]:
    """``make_client(fm, **config)``: an API-mode client on the FakeManager, closed after the test."""
    clients: list[bai.Client] = []

    def make(
        manager: FakeManager, *, http_session: Any = None, clock: Callable[[], datetime] | None = None, **config: Any
    ) -> bai.Client:
        config.setdefault("max_retries", 0)
        settings = bai.ClientConfig(AK, SK, str(manager.url), **config)
        client = bai.Client(settings, http_session=http_session, clock=clock)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()
