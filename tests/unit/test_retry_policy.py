"""The retry policy's pure functions, without a server."""

from __future__ import annotations

import aiohttp
import pytest

import backendai_async as bai
from backendai_async.backoff import backoff
from backendai_async.transport.retry import BACKOFF_BASE, BACKOFF_CAP, MAX_RETRY_AFTER, retry_delay


def decide(exc: bai.BackendAIError, attempt: int = 0, **overrides: object) -> float | None:
    kwargs: dict[str, object] = {
        "max_retries": 2,
        "retry_safe": True,
        "replayable": True,
        "deadline": None,
        "now": 100.0,
        "jitter": 0.5,
    }
    kwargs.update(overrides)
    return retry_delay(exc, attempt, **kwargs)  # type: ignore[arg-type]


def unsent() -> bai.RequestError:
    key = aiohttp.client_reqrep.ConnectionKey("h", 1, False, True, None, None, None)
    try:
        raise bai.RequestError("refused") from aiohttp.ClientConnectorError(key, OSError(111, "refused"))
    except bai.RequestError as exc:
        return exc


def test_backoff_doubles_up_to_the_cap_within_the_jitter_band() -> None:
    assert backoff(0, 0.0, 0.5, 8) == 0.25
    assert backoff(0, 1.0, 0.5, 8) == 0.5
    assert backoff(1, 1.0, 0.5, 8) == 1.0
    assert backoff(30, 1.0, 0.5, 8) == 8
    assert backoff(30, 0.0, 0.5, 8) == 4
    assert backoff(10_000, 0.0, 0.5, 8) == 4  # no overflow, however long an outage lasts


def test_calls_back_off_from_half_a_second_up_to_eight() -> None:
    assert (BACKOFF_BASE, BACKOFF_CAP) == (0.5, 8.0)
    assert decide(bai.ServerError("x", status=503), attempt=0, jitter=0.0) == 0.25
    assert decide(bai.ServerError("x", status=503), attempt=1, jitter=0.0) == 0.5


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_retryable_statuses_wait_the_backoff(status: int) -> None:
    assert decide(bai.ServerError("x", status=status), attempt=1) == backoff(1, 0.5, BACKOFF_BASE, BACKOFF_CAP)


@pytest.mark.parametrize("status", [400, 401, 404, 409, 500])
def test_other_statuses_are_raised(status: int) -> None:
    assert decide(bai.ServerError("x", status=status)) is None


def test_no_retry_beyond_max_retries() -> None:
    assert decide(bai.ServerError("x", status=503), attempt=2) is None
    assert decide(bai.ServerError("x", status=503), attempt=0, max_retries=0) is None


def test_unsafe_calls_retry_only_what_never_reached_the_server() -> None:
    assert decide(bai.ServerError("x", status=503), retry_safe=False) is None
    assert decide(bai.RequestError("reset"), retry_safe=False) is None
    assert decide(unsent(), retry_safe=False) == backoff(0, 0.5, BACKOFF_BASE, BACKOFF_CAP)
    assert decide(unsent(), retry_safe=False, replayable=False) is None


def test_retry_after_is_honoured_under_the_cap_only() -> None:
    assert decide(bai.RateLimitError("x", status=429, retry_after=1.5)) == 1.5
    assert decide(bai.RateLimitError("x", status=429, retry_after=MAX_RETRY_AFTER + 1)) is None


def test_no_wait_reaches_the_deadline() -> None:
    exc = bai.ServerError("x", status=503, retry_after=2.0)
    assert decide(exc, deadline=102.5) == 2.0
    assert decide(exc, deadline=102.0) is None
    assert decide(bai.ServerError("x", status=503), deadline=100.1) is None


@pytest.mark.parametrize("exc", [bai.AbortError("aborted"), bai.RequestTimeoutError("late"), bai.ResponseError("bad")])
def test_aborts_timeouts_and_bad_bodies_are_raised(exc: bai.BackendAIError) -> None:
    assert decide(exc) is None
