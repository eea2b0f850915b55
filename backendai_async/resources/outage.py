"""Riding out a storage-proxy outage: how long a transfer keeps trying without progress, and how
it waits between attempts (capped exponential backoff with jitter, ended at once by an abort)."""

from __future__ import annotations

import asyncio
import logging
import random

from ..abort import AbortSignal
from ..backoff import backoff
from ..errors import AbortError, BackendAIError, UsageError
from ..transport.retry import BACKOFF_BASE, BACKOFF_CAP

__all__ = ["OUTAGE_WINDOW", "Outage", "checked_window"]

log = logging.getLogger("backendai_async")

OUTAGE_WINDOW = 120.0  #: seconds a transfer keeps trying while it makes no progress


class Outage:
    """The failures of one transfer since it last made progress.

    The first failure after progress is retried at once (a dropped connection); later ones
    after a backoff, until ``window`` seconds (``math.inf``: never) have passed since the first.
    """

    __slots__ = ("_label", "_mark", "_signal", "_since", "_waits", "_window")

    def __init__(self, window: float, signal: AbortSignal | None, label: str) -> None:
        self._window = checked_window(window)
        self._signal = signal
        self._label = label
        self._mark = 0
        self._since: float | None = None
        self._waits = 0

    def progress(self, position: int) -> None:
        """The transfer stands at ``position``: past the furthest point so far, the count restarts."""
        if position > self._mark:
            self._mark = position
            self._since = None
            self._waits = 0

    async def wait(self, exc: BackendAIError) -> bool:
        """Wait before the next attempt after ``exc`` (logged); False when the window has passed."""
        now = asyncio.get_running_loop().time()
        if self._since is None:
            self._since = now
            delay, left = 0.0, self._window
        else:
            left = self._window - (now - self._since)
            if left <= 0:
                return False
            delay = min(backoff(self._waits, random.random(), BACKOFF_BASE, BACKOFF_CAP), left)
            self._waits += 1
        log.info("transfer of %s: %s; again in %.2fs (%.0fs left without progress)", self._label, exc, delay, left)
        if delay:
            await pause(delay, self._signal)
        return True


def checked_window(window: object) -> float:
    """``outage_window`` checked: a number of seconds, 0 or more (``math.inf`` for no limit)."""
    if isinstance(window, bool) or not isinstance(window, (int, float)) or not window >= 0:
        raise UsageError(f"outage_window must be a number of seconds >= 0, not {window!r}")
    return float(window)


async def pause(seconds: float, signal: AbortSignal | None) -> None:
    """Sleep ``seconds``; an abort of ``signal`` ends it at once with ``AbortError``."""
    if signal is None:
        await asyncio.sleep(seconds)
        return
    woken = asyncio.Event()
    remove = signal.add_callback(woken.set)
    try:
        await asyncio.wait_for(woken.wait(), seconds)
    except asyncio.TimeoutError:
        pass
    finally:
        remove()
    if signal.aborted:
        raise AbortError("aborted" if signal.reason is None else f"aborted: {signal.reason}")
