"""The retry policy as pure functions: whether to try again, and after how long."""

from __future__ import annotations

import aiohttp

from ..backoff import backoff
from ..errors import BackendAIError, InsecureConnectionError, RequestError

__all__ = ["BACKOFF_BASE", "BACKOFF_CAP", "MAX_RETRY_AFTER", "retry_delay"]

RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_RETRY_AFTER = 10.0  # seconds; a longer Retry-After is raised at once with `retry_after` set
BACKOFF_BASE = 0.5  # seconds; the first retry waits 0.25-0.5 s (``backoff``)
BACKOFF_CAP = 8.0  # seconds; no retry waits longer


def retry_delay(
    exc: BackendAIError,
    attempt: int,
    *,
    max_retries: int,
    retry_safe: bool,
    replayable: bool,
    deadline: float | None,
    now: float,
    jitter: float,
) -> float | None:
    """Seconds to wait before trying again after ``exc`` on ``attempt`` (0-based), or None to
    raise ``exc`` now.

    Retried: a connection that could not be made (nothing was sent) when the body can be sent
    again, and, for calls safe to repeat, any failure to send and the statuses 429, 502, 503 and
    504; never a refused TLS certificate. ``Retry-After`` is honoured up to ``MAX_RETRY_AFTER``;
    no wait may reach the deadline.
    """
    if attempt >= max_retries:
        return None
    if isinstance(exc, RequestError):
        if isinstance(exc, InsecureConnectionError):
            return None  # refused again on every attempt
        unsent = replayable and isinstance(exc.__cause__, aiohttp.ClientConnectorError)
        if not (retry_safe or unsent):
            return None
    elif not (retry_safe and exc.status in RETRY_STATUSES):
        return None
    if exc.retry_after is not None:
        if exc.retry_after > MAX_RETRY_AFTER:
            return None
        delay = exc.retry_after
    else:
        delay = backoff(attempt, jitter, BACKOFF_BASE, BACKOFF_CAP)
    if deadline is not None and now + delay >= deadline:
        return None
    return delay
