"""``CallOptions`` checked in one place, before any I/O, and turned into a deadline."""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING

from ..abort import AbortSignal
from ..errors import InvalidArgumentTypeError, UsageError

if TYPE_CHECKING:
    from ..options import CallOptions

__all__ = ["call_signal", "deadline", "positive_seconds", "seconds_or_none"]

_KNOWN = frozenset({"timeout", "signal"})


def call_signal(options: CallOptions) -> AbortSignal | None:
    """The call's ``signal`` (None if not given), after checking that ``options`` has only known
    keys and a signal that is an ``AbortSignal``."""
    if len(options) > 2 or not _KNOWN.issuperset(options):
        unknown = ", ".join(sorted(options.keys() - _KNOWN))
        raise InvalidArgumentTypeError(f"unknown call option(s): {unknown} (known: timeout, signal)")
    signal = options.get("signal")
    if signal is not None and not isinstance(signal, AbortSignal):
        raise InvalidArgumentTypeError(f"signal must be an AbortSignal, not {type(signal).__name__}")
    return signal


def positive_seconds(value: object, name: str) -> float:
    """``value`` checked as a number of seconds: a real number above zero (``inf`` for no limit)."""
    kind = type(value)
    if kind is not float and kind is not int and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise InvalidArgumentTypeError(f"{name} must be a number of seconds, not {kind.__name__}")
    seconds = float(value)  # type: ignore[arg-type]
    if not seconds > 0:  # also refuses nan
        raise UsageError(f"{name} must be a positive number of seconds, not {value!r}")
    return seconds


def seconds_or_none(value: object, name: str) -> float | None:
    """``positive_seconds``, with None for ``inf`` (no limit)."""
    seconds = positive_seconds(value, name)
    return None if seconds == math.inf else seconds


def deadline(timeout: object, fallback: float) -> float | None:
    """Absolute loop time of a call's deadline: ``timeout`` if given, else ``fallback``
    (None: no deadline, for ``inf``)."""
    seconds = seconds_or_none(fallback if timeout is None else timeout, "timeout")
    return None if seconds is None else asyncio.get_running_loop().time() + seconds
