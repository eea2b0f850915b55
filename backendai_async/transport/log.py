"""The pipeline's log lines, on the ``backendai_async`` logger: one DEBUG line per attempt, INFO
lines for failovers and clock corrections (retries: the attempt loop; stream reconnects:
``streaming``). URLs are masked (``safe_url``)."""

from __future__ import annotations

import logging

from ..errors import BackendAIError
from .request import Request, safe_url

__all__ = ["log", "log_attempt", "log_clock_correction", "log_failover"]

log = logging.getLogger("backendai_async")


def log_attempt(request: Request, attempt: int, elapsed: float, outcome: object) -> None:
    """DEBUG: attempt number ``attempt`` got its answer (headers) after ``elapsed`` seconds:
    ``outcome`` (a response, a websocket or an error). Callers check ``log.isEnabledFor(logging.DEBUG)`` first,
    so that this costs nothing when off."""
    log.debug(
        "%s %s -> %s in %.3fs (attempt %d, api %s)",
        request.method, safe_url(request.url), _describe(outcome), elapsed, attempt, request.version or "-",
    )  # fmt: skip


def log_failover(failed: str, to: str, error: BackendAIError) -> None:
    """INFO: the endpoint ``failed`` is left for ``to`` (both as safe to show)."""
    log.info("failing over from %s to %s after %s", failed, to, _describe(error))


def log_clock_correction(offset: float, previous: float) -> None:
    """INFO: the server refused a skewed date; dates are now signed ``offset`` seconds off the local clock."""
    log.info("clock skew: the server refused the date; now signing %+.1fs off the local clock (was %+.1fs)",
             offset, previous)  # fmt: skip


def _describe(outcome: object) -> str:
    """A response's status (101: an open websocket); an error's status and class, or its message
    (our errors' messages hold no secret) when it has no status."""
    status = getattr(outcome, "status", None)
    if not isinstance(outcome, BaseException):
        return str(status or 101)
    if status:
        return f"{status} {type(outcome).__name__}"
    return outcome.message if isinstance(outcome, BackendAIError) else type(outcome).__name__
