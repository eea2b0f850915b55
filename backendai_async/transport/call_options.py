"""A call's arguments (``CallArgs``) checked in one place, before any I/O; its options turned
into a signal and a deadline."""

from __future__ import annotations

import asyncio
import math

from ..abort import AbortSignal
from ..errors import InvalidArgumentTypeError, UsageError
from ..options import CallOptions
from .request import CallArgs

__all__ = ["CALL_ARGS", "OPTIONS", "deadline", "read_options", "seconds_or_none"]

CALL_ARGS = CallArgs.__optional_keys__
OPTIONS = CallOptions.__optional_keys__
_OPTION_NAMES = ", ".join(sorted(OPTIONS))


def read_options(
    call: CallOptions, default: float | None, known: frozenset[str] = CALL_ARGS
) -> tuple[AbortSignal | None, float | None]:
    """The call's abort signal and time limit in seconds (None: none).

    ``call`` may hold only the keys in ``known`` (those of ``CallArgs``, or of ``CallOptions``);
    its ``timeout`` is checked by ``seconds_or_none`` (None or absent takes ``default``, already in
    seconds, None for no limit) and its ``signal`` must be None or an ``AbortSignal``.
    """
    if not call.keys() <= known:
        unknown = ", ".join(sorted(call.keys() - known))
        raise InvalidArgumentTypeError(f"unknown call option(s): {unknown} (known: {_OPTION_NAMES})")
    timeout = call.get("timeout")
    signal = call.get("signal")
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
