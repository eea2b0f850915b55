"""Retries: only what is safe, re-signed per attempt, Retry-After under a cap and the deadline."""

from __future__ import annotations

import time

import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager, Fault

from .conftest import ClientFactory, ticking_clock

PATH = "/auth/test"


async def test_idempotent_call_is_retried_and_re_signed(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, api_version="v9.20250722", max_retries=2, clock=ticking_clock())
    fm.inject(Fault(path=PATH, status=503, times=2))
    answer = await client.request("GET", PATH, params={"echo": "x"})
    assert answer["authorized"] == "yes"
    attempts = [r for r in fm.requests if r.path == PATH]
    assert len(attempts) == 3
    assert len({r.headers["Date"] for r in attempts}) == 3
    assert len({r.headers["Authorization"] for r in attempts}) == 3


async def test_retries_stop_at_max_retries(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, api_version="v9.20250722", max_retries=1)
    fm.inject(Fault(path=PATH, status=502, times=None))
    with pytest.raises(bai.InternalServerError):
        await client.request("GET", PATH, params={"echo": "x"})
    assert len([r for r in fm.requests if r.path == PATH]) == 2


async def test_post_is_not_retried(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, api_version="v9.20250722", max_retries=2)
    fm.inject(Fault(path=PATH, status=503))
    with pytest.raises(bai.InternalServerError):
        await client.request("POST", PATH, json={"echo": "x"})
    assert len(fm.requests) == 1


@pytest.mark.parametrize("status", [400, 401, 404, 500])
async def test_other_statuses_are_not_retried(status: int, fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, api_version="v9.20250722", max_retries=2)
    fm.inject(Fault(path=PATH, status=status))
    with pytest.raises(bai.ServerError):
        await client.request("GET", PATH, params={"echo": "x"})
    assert len(fm.requests) == 1


async def test_short_retry_after_is_honoured(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, api_version="v9.20250722", max_retries=1)
    fm.inject(Fault(path=PATH, status=429, headers={"Retry-After": "0.3"}))
    started = time.monotonic()
    await client.request("GET", PATH, params={"echo": "x"})
    assert time.monotonic() - started >= 0.3
    assert len(fm.requests) == 2


async def test_long_retry_after_is_raised_at_once(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, api_version="v9.20250722", max_retries=2)
    fm.inject(Fault(path=PATH, status=429, headers={"Retry-After": "60"}))
    with pytest.raises(bai.RateLimitError) as info:
        await client.request("GET", PATH, params={"echo": "x"})
    assert info.value.retry_after == 60
    assert len(fm.requests) == 1


async def test_retry_after_beyond_the_deadline_is_raised_at_once(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, api_version="v9.20250722", max_retries=2)
    fm.inject(Fault(path=PATH, status=503, headers={"Retry-After": "2"}))
    with pytest.raises(bai.InternalServerError) as info:
        await client.request("GET", PATH, params={"echo": "x"}, timeout=1.0)
    assert info.value.retry_after == 2
    assert len(fm.requests) == 1


async def test_http_date_retry_after_is_parsed(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, api_version="v9.20250722", max_retries=0)
    fm.inject(Fault(path=PATH, status=503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}))
    with pytest.raises(bai.InternalServerError) as info:
        await client.request("GET", PATH, params={"echo": "x"})
    assert info.value.retry_after == 0.0  # a date in the past


async def test_marked_safe_create_is_retried(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, max_retries=1)
    fm.inject(Fault(method="POST", path="/session", status=502))
    result = await client.create_if_not_exists("python", "retry-me")
    assert result["created"] is True
    assert [r.path for r in fm.requests if r.method == "POST"] == ["/session", "/session"]
