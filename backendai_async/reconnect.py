"""How long-lived event streams reconnect: the policy (its wait is ``backoff.py``'s) and what
each reconnection reports."""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable

from .backoff import backoff
from .errors import (
    BackendAIError,
    ConfigError,
    InsecureConnectionError,
    InternalServerError,
    RateLimitError,
    RequestError,
    RequestTimeoutError,
    ResponseError,
)

__all__ = ["ReconnectPolicy", "Reconnection", "is_transient"]


@dataclasses.dataclass(frozen=True)
class ReconnectPolicy:
    """When an event stream reconnects after its connection ended or broke.

    The wait before attempt *n* (1-based) of one outage is ``min(max_delay, base * 2**(n-1))``
    scaled by a random factor in [0.5, 1), where ``base`` is ``initial_delay``, or the server's SSE
    ``retry`` when that is longer. With ``give_up_after`` (seconds) the stream raises
    ``StreamGaveUpError`` once it has been disconnected that long; None (the default) keeps trying,
    as a browser's ``EventSource`` does. ``jitter`` (returning a float in [0, 1)) and ``clock``
    (monotonic seconds) exist for tests.
    """

    initial_delay: float = 1.0
    max_delay: float = 15.0
    give_up_after: float | None = None
    jitter: Callable[[], float] = dataclasses.field(default=random.random, repr=False, compare=False)
    clock: Callable[[], float] = dataclasses.field(default=time.monotonic, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("initial_delay", "max_delay", "give_up_after"):
            value = getattr(self, name)
            if value is None and name == "give_up_after":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ConfigError(f"ReconnectPolicy.{name} must be a positive number of seconds, not {value!r}")
        if self.max_delay < self.initial_delay:
            raise ConfigError("ReconnectPolicy.max_delay must not be shorter than initial_delay")

    def delay(self, attempt: int, server_retry: float | None = None) -> float:
        """Seconds to wait before connection attempt ``attempt`` (1-based) of one outage."""
        return backoff(attempt - 1, self.jitter(), max(self.initial_delay, server_retry or 0.0), self.max_delay)


@dataclasses.dataclass(frozen=True)
class Reconnection:
    """What an event stream reports each time it is connected again.

    ``attempts``: connection attempts this reconnection took (1 when the first one worked);
    ``error``: the last failure (what broke the connection, or the last attempt that failed), None
    when the server ended the stream cleanly and the first attempt worked; ``downtime``: seconds
    from the loss of the connection to the new one. Events sent meanwhile may have been missed.
    """

    attempts: int
    error: BackendAIError | None
    downtime: float


def is_transient(exc: BackendAIError) -> bool:
    """Whether a stream should reconnect after ``exc``: a connection that could not be made or
    broke, a deadline, 429 and 5xx. Refusals (401, 403, 404, a certificate, …) and aborts end the stream."""
    if isinstance(exc, InsecureConnectionError):
        return False
    return isinstance(exc, (RequestError, ResponseError, RequestTimeoutError, InternalServerError, RateLimitError))
