"""Clock skew: a refused date is corrected from the server's ``Date``, re-signed and retried once."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import aiohttp
import pytest

import backendai_async as bai
from backendai_async.signing import Signer
from backendai_async.testing import FakeManager
from backendai_async.transport import Clock

from .conftest import AK, SK

SKEW = timedelta(minutes=20)

#: the answers of the real managers to a date 20 minutes off (measured on 26.9.6, 22.09.23, 19.09.27)
REAL_REFUSALS = {
    "26.9": {
        "type": "https://api.backend.ai/probs/invalid-auth-params",
        "title": "Missing or invalid authorization parameters.",
        "error_code": "user_auth_invalid-parameters",
        "msg": "Date/time sync error",
    },
    "22.09": {
        "type": "https://api.backend.ai/probs/invalid-auth-params",
        "title": "Missing or invalid authorization parameters.",
        "msg": "Date/time sync error",
    },
    "19.09": {
        "type": "https://api.backend.ai/probs/invalid-auth-params",
        "title": "Missing or invalid authorization parameters.",
        "msg": "Date/time sync error",
    },
}


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@pytest.fixture
async def server_ahead() -> AsyncIterator[FakeManager]:
    """A FakeManager whose clock is 20 minutes ahead: the client's is 20 minutes behind."""
    async with FakeManager(clock=lambda: utc_now() + SKEW) as manager:
        yield manager


def client_for(fm: FakeManager, clock: Callable[[], datetime] | None = None, **config: object) -> bai.Client:
    return bai.Client(bai.ClientConfig(AK, SK, str(fm.url), max_retries=0, **config), clock=clock)  # type: ignore[arg-type]


def skew_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.INFO and "clock skew" in r.getMessage()]


@pytest.mark.parametrize("generation", sorted(REAL_REFUSALS))
async def test_the_fake_refuses_a_skewed_date_like_the_real_server(generation: str) -> None:
    async with FakeManager(generation, clock=lambda: utc_now() + SKEW) as fm, aiohttp.ClientSession() as http:
        version, host, date = fm.generation.advertised, fm.url.raw_authority, utc_now().isoformat()
        signer = Signer(AK, SK)
        signature = signer.signature("GET", "/auth/test?echo=x", date, host, "application/json", version, None)
        headers = {
            "Date": date,
            "Content-Type": "application/json",
            "X-BackendAI-Version": version,
            "Authorization": signer.authorization(signature),
        }
        async with http.get(fm.url / "auth/test" % {"echo": "x"}, headers=headers) as resp:
            assert (resp.status, resp.reason) == (400, "Bad Request")
            assert resp.headers["Content-Type"] == "application/problem+json; charset=utf-8"
            assert json.loads(await resp.read()) == REAL_REFUSALS[generation]
            server_date = parsedate_to_datetime(resp.headers["Date"])
    assert abs(server_date - (utc_now() + SKEW)) < timedelta(seconds=5)  # the fake's clock, not the host's


async def test_a_client_behind_is_corrected_once_and_keeps_the_offset(
    server_ahead: FakeManager, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="backendai_async")
    async with client_for(server_ahead, api_version="v9.20250722") as client:
        assert client.clock_offset == 0.0
        assert (await client.request("GET", "/auth/test", params={"echo": "x"}))["authorized"] == "yes"
        assert 1198 < client.clock_offset < 1202
        assert await client.request("POST", "/auth/test", json={"echo": "y"}) == {"authorized": "yes", "echo": "y"}
    assert [r.method for r in server_ahead.requests] == ["GET", "GET", "POST"]  # one retry, then signed right
    assert len(skew_lines(caplog)) == 1


async def test_concurrent_refusals_all_retry_and_correct_once(
    server_ahead: FakeManager, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="backendai_async")
    async with client_for(server_ahead, api_version="v9.20250722") as client:
        calls = [client.request("POST", "/auth/test", json={"echo": str(i)}) for i in range(5)]
        answers = await asyncio.gather(*calls)
    assert [a["echo"] for a in answers] == ["0", "1", "2", "3", "4"]
    assert len(server_ahead.requests) == 10
    assert len(skew_lines(caplog)) == 1


async def test_a_client_clock_behind_is_corrected_on_any_method(fm: FakeManager) -> None:
    async with client_for(fm, clock=lambda: utc_now() - SKEW, api_version="v9.20250722") as client:
        assert await client.request("POST", "/auth/test", json={"echo": "x"}) == {"authorized": "yes", "echo": "x"}
        assert 1198 < client.clock_offset < 1202
    assert [r.method for r in fm.requests] == ["POST", "POST"]
    first, second = (parse_iso(r.headers["Date"]) for r in fm.requests)
    assert abs(second - first - SKEW) < timedelta(seconds=5)  # re-dated, and signed again (the fake checked)


async def test_a_client_ahead_gets_a_negative_offset() -> None:
    async with FakeManager(clock=lambda: utc_now() - SKEW) as fm, client_for(fm, api_version="v9.20250722") as client:
        await client.request("GET", "/auth/test", params={"echo": "x"})
        assert -1202 < client.clock_offset < -1198


async def test_a_date_that_is_not_ours_is_refused_without_retry(
    fm: FakeManager, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="backendai_async")
    config = bai.ClientConfig(AK, SK, str(fm.url), api_version="v9.20250722")
    async with bai.Client(config, authenticator=OwnDateAuthenticator(AK, SK)) as client:
        with pytest.raises(bai.ClockSkewError) as info:
            await client.request("GET", "/auth/test", params={"echo": "x"})
        assert client.clock_offset == 0.0
    assert len(fm.requests) == 1
    assert isinstance(info.value, bai.BadRequestError)
    assert info.value.problem_type == "https://api.backend.ai/probs/invalid-auth-params"
    assert info.value.server_time is not None and abs(info.value.server_time - utc_now()) < timedelta(seconds=5)
    assert skew_lines(caplog) == []


async def test_the_correction_is_retried_once_only(fm: FakeManager) -> None:
    readings = iter(range(1, 100))  # a local clock that falls 20 more minutes behind at every reading

    def runaway() -> datetime:
        return utc_now() - next(readings) * SKEW

    async with client_for(fm, clock=runaway, api_version="v9.20250722") as client:
        with pytest.raises(bai.ClockSkewError):
            await client.request("GET", "/auth/test", params={"echo": "x"})
    assert len(fm.requests) == 2


def test_the_date_is_formatted_once_a_second_and_follows_the_clock() -> None:
    times = [datetime(2026, 12, 31, 23, 59, 58, 100, tzinfo=timezone.utc)]
    clock = Clock(lambda: times[-1])
    first = clock.stamp()
    assert first == ("2026-12-31T23:59:58+00:00", "20261231")
    times.append(times[-1].replace(microsecond=999999))
    assert clock.stamp() is first  # the same second: not formatted again
    times.append(times[-1] + timedelta(microseconds=1))
    assert clock.stamp() == ("2026-12-31T23:59:59+00:00", "20261231")
    times.append(times[-1] + timedelta(seconds=1))
    assert clock.stamp() == ("2027-01-01T00:00:00+00:00", "20270101")
    times.append(times[0])  # the wall clock stepped back
    assert clock.stamp() == first
    times.append(datetime(2026, 6, 1, 9, 0, 0, tzinfo=timezone(timedelta(hours=9))))
    assert clock.stamp() == ("2026-06-01T09:00:00+09:00", "20260601")  # the day in the date's own offset


def test_the_clock_dates_with_its_offset() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, 250000, tzinfo=timezone.utc)
    clock = Clock(lambda: now)
    assert clock.stamp() == ("2026-01-01T12:00:00+00:00", "20260101")  # whole seconds, like HTTP dates
    refusal = bai.ClockSkewError("Date/time sync error", status=400, server_time=now + SKEW)
    assert clock.correct(refusal, 0.0)
    assert clock.offset == 1200.5  # the server's time lies within the second its Date names
    assert clock.stamp()[0] == "2026-01-01T12:20:00+00:00"
    assert clock.correct(refusal, 0.0)  # a call signed before the correction: signing again helps
    assert clock.offset == 1200.5
    assert not clock.correct(refusal, 1200.5)  # signed with the right offset: not about our clock
    assert not clock.correct(bai.ClockSkewError("Date/time sync error", status=400), 0.0)  # no Date header


class OwnDateAuthenticator(bai.HMACAuthenticator):
    """A user's authenticator that writes its own (wrong) date: re-signing cannot help."""

    async def authenticate(self, request: bai.PreparedRequest) -> None:
        request.date = "2001-01-01T00:00:00+00:00"
        request.day = "20010101"
        request.headers["Date"] = request.date
        await super().authenticate(request)


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)
