"""Per-call options are checked in one place, before any I/O, into typed usage errors."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager

from .conftest import ClientFactory

PATH = "/auth/test"

BAD_TIMEOUTS: list[tuple[Any, type[bai.UsageError]]] = [
    ("abc", bai.InvalidArgumentTypeError),
    (True, bai.InvalidArgumentTypeError),
    (-1, bai.UsageError),
    (0, bai.UsageError),
    (math.nan, bai.UsageError),
    (-math.inf, bai.UsageError),
]

Call = Callable[[bai.Client, dict[str, Any]], Awaitable[object]]


async def _request(client: bai.Client, options: dict[str, Any]) -> object:
    return await client.request("GET", PATH, **options)


async def _get_info(client: bai.Client, options: dict[str, Any]) -> object:
    return await client.get_info("my-session", **options)


async def _version(client: bai.Client, options: dict[str, Any]) -> object:
    return await client.get_manager_version(**options)


async def _stream(client: bai.Client, options: dict[str, Any]) -> object:
    async with client._pipeline.stream("GET", PATH, **options):
        pytest.fail("the block must not run")
    return None


async def _websocket(client: bai.Client, options: dict[str, Any]) -> object:
    async with client._pipeline.websocket("/stream/session/s/pty", **options):
        pytest.fail("the block must not run")
    return None


async def _negotiate(client: bai.Client, options: dict[str, Any]) -> object:
    return await client._pipeline.negotiate(**options)


CALLS = [_request, _get_info, _version, _stream, _websocket, _negotiate]


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize(("timeout", "error"), BAD_TIMEOUTS)
async def test_bad_timeout_is_refused_before_any_io(
    call: Call, timeout: Any, error: type[bai.UsageError], fm: FakeManager, make_client: ClientFactory
) -> None:
    client = make_client(fm)  # not pinned: a call would negotiate first
    with pytest.raises(error, match="timeout") as info:
        await call(client, {"timeout": timeout})
    assert isinstance(info.value, bai.BackendAIError)
    assert isinstance(info.value, TypeError if error is bai.InvalidArgumentTypeError else ValueError)
    assert fm.requests == []


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("signal", [bai.AbortController(), "abort", object()])
async def test_a_signal_that_is_not_an_abort_signal_is_refused_before_any_io(
    call: Call, signal: object, fm: FakeManager, make_client: ClientFactory
) -> None:
    client = make_client(fm)
    with pytest.raises(bai.InvalidArgumentTypeError, match="AbortSignal"):
        await call(client, {"signal": signal})
    assert fm.requests == []


async def test_an_unknown_option_is_refused_before_any_io(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    with pytest.raises(bai.InvalidArgumentTypeError, match="retries"):
        await client._pipeline.send("GET", PATH, **{"retries": 3})  # type: ignore[call-arg]
    assert fm.requests == []


async def test_a_bad_read_timeout_is_refused_before_any_io(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    with pytest.raises(bai.UsageError, match="read_timeout"):
        async with client._pipeline.stream("GET", PATH, read_timeout=-1):
            pytest.fail("the block must not run")
    assert fm.requests == []


@pytest.mark.parametrize("timeout", [None, 5, 2.5, math.inf])
async def test_good_options_pass(timeout: float | None, fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    controller = bai.AbortController()
    answer = await client.request("GET", PATH, params={"echo": "x"}, timeout=timeout, signal=controller.signal)
    assert answer["authorized"] == "yes"
