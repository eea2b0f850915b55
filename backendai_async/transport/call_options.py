"""``CallOptions`` checked in one place, before any I/O, and turned into a signal and a deadline."""

from __future__ import annotations

import asyncio
import math
from typing import TYPE_CHECKING

from ..abort import AbortSignal
from ..errors import InvalidArgumentTypeError, UsageError

if TYPE_CHECKING:
    from ..options import CallOptions

__all__ = ["deadline", "read_options", "seconds_or_none"]

_KNOWN = frozenset({"timeout", "signal"})


def read_options(options: CallOptions, default: float | None) -> tuple[AbortSignal | None, float | None]:
    """The call's abort signal and time limit in seconds (None: none).

    ``options`` may hold only ``timeout`` (checked by ``seconds_or_none``; None or absent takes
    ``default``, already in seconds, None for no limit) and ``signal`` (None or an ``AbortSignal``).
    """
    timeout = signal = None
    if options:
        if not options.keys() <= _KNOWN:
            unknown = ", ".join(sorted(options.keys() - _KNOWN))
            raise InvalidArgumentTypeError(f"unknown call option(s): {unknown} (known: timeout, signal)")
        timeout = options.get("timeout")
        signal = options.get("signal")
        if signal is not None and not isinstance(signal, AbortSignal):
            raise InvalidArgumentTypeError(f"signal must be an AbortSignal, not {type(signal).__name__}")
    return signal, default if timeout is None else seconds_or_none(timeout, "timeout")


def deadline(seconds: float | None) -> float | None:
    """The absolute loop time ``seconds`` from now (None: no deadline)."""
    return None if seconds is None else asyncio.get_running_loop().time() + seconds


def seconds_or_none(value: object, name: str) -> float | None:
    """``value`` checked as a number of seconds: a real number above zero; None for ``inf`` (no limit)."""
    kind = type(value)
    if kind is not float and kind is not int and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise InvalidArgumentTypeError(f"{name} must be a number of seconds, not {kind.__name__}")
    seconds = float(value)  # type: ignore[arg-type]
    if not seconds > 0:  # also refuses nan
        raise UsageError(f"{name} must be a positive number of seconds, not {value!r}")
    return None if seconds == math.inf else seconds
