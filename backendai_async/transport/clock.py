"""The clock that dates signed requests, corrected by the offset a server shows when it refuses
a skewed date (``ClockSkewError``: its ``Date`` header)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from ..errors import ClockSkewError
from .log import log_clock_correction

__all__ = ["Clock", "utc_now"]

#: offsets closer than this (seconds) agree: a refusal of a date signed with an offset that agrees
#: with the server's was not about our clock (an authenticator wrote its own). A real skew is ≥ 15 min.
_AGREEMENT = 60.0
_SECOND = timedelta(seconds=1)
_DATE_RESOLUTION = 0.5  # an HTTP Date has whole seconds: the server's time lies in [Date, Date + 1)


#: the local wall clock, aware (a partial: no Python frame on every signed attempt)
utc_now: Callable[[], datetime] = functools.partial(datetime.now, timezone.utc)


class Clock:
    """``now()`` (the local wall clock, aware) plus ``offset`` seconds learnt from the server."""

    __slots__ = ("_delta", "_from", "_stamp", "_until", "now", "offset")

    def __init__(self, now: Callable[[], datetime] = utc_now) -> None:
        self.now = now
        self.offset = 0.0
        self._delta: timedelta | None = None
        self._stamp = ("", "")
        self._from: datetime | None = None  # the second that ``_stamp`` names: [_from, _until)
        self._until: datetime | None = None

    def stamp(self) -> tuple[str, str]:
        """The ``Date`` header of a signed attempt (ISO 8601 in whole seconds, in the offset of
        ``now()``) and its ``YYYYMMDD``; formatted once a second."""
        now = self.now() if self._delta is None else self.now() + self._delta
        if self._from is not None and self._until is not None and self._from <= now < self._until:
            return self._stamp
        second = now.replace(microsecond=0)
        text = second.isoformat()
        self._stamp = (text, text[:10].replace("-", ""))
        self._from, self._until = second, second + _SECOND
        return self._stamp

    def correct(self, refusal: ClockSkewError, signed_with: float) -> bool:
        """After the refusal of a date signed with offset ``signed_with``: take the offset from the
        server's time (unless a concurrent call already did) and tell whether signing again can
        help. False without a ``Date``, or when ``signed_with`` already agreed with the server."""
        if refusal.server_time is None:
            return False
        offset = (refusal.server_time - self.now()).total_seconds() + _DATE_RESOLUTION
        if abs(offset - signed_with) < _AGREEMENT:
            return False
        if abs(offset - self.offset) >= _AGREEMENT:
            log_clock_correction(offset, self.offset)
            self.offset = offset
            self._delta = timedelta(seconds=offset)
            self._from = self._until = None
        return True
