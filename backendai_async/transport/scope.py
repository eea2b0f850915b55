"""The scope of one call: abort and client close become ``AbortError``; cancellation passes untouched."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import TracebackType
from typing import Any

from ..abort import AbortSignal
from ..errors import AbortError, BackendAIError, RequestTimeoutError, UnknownError

__all__ = ["CallScope", "Calls", "unexpected_errors"]


class Calls:
    """The calls in flight, by task, so that ``close()`` can abort them and wait for them to unwind."""

    __slots__ = ("_closer", "_idle", "closing", "inflight")

    def __init__(self, closing: AbortSignal) -> None:
        self.closing = closing
        self.inflight: dict[asyncio.Task[Any] | None, int] = {}
        self._closer: asyncio.Task[Any] | None = None
        self._idle: asyncio.Event | None = None

    async def wait_idle(self) -> None:
        """Wait until no task but the current one has a call in flight."""
        self._closer = asyncio.current_task()
        if self.inflight.keys() - {self._closer}:
            self._idle = asyncio.Event()
            await self._idle.wait()

    def leave(self, task: asyncio.Task[Any] | None) -> None:
        count = self.inflight.pop(task)
        if count > 1:
            self.inflight[task] = count - 1
        if self._idle is not None and not self.inflight.keys() - {self._closer}:
            self._idle.set()


class CallScope:
    """One call in flight: counted in ``calls``; an abort of its signal or of the client's closing
    signal becomes ``AbortError``; any other cancellation passes untouched."""

    __slots__ = ("_calls", "_fired", "_removers", "_signal", "_task")

    def __init__(self, calls: Calls, signal: AbortSignal | None) -> None:
        self._calls = calls
        self._signal = signal
        self._fired = False
        self._removers: list[Callable[[], None]] = []
        self._task: asyncio.Task[Any] | None = None

    def __enter__(self) -> None:
        calls, signal = self._calls, self._signal
        for watched in (signal, calls.closing):
            if watched is not None and watched.aborted:
                raise AbortError(_abort_message(watched))
        self._task = task = asyncio.current_task()
        if signal is not None:
            self._removers.append(signal.add_callback(self._fire))
        self._removers.append(calls.closing.add_callback(self._fire_on_close))
        inflight = calls.inflight
        inflight[task] = inflight.get(task, 0) + 1

    def _fire(self) -> None:
        if not self._fired and self._task is not None:
            self._fired = True
            self._task.cancel()

    def _fire_on_close(self) -> None:
        if self._task is not asyncio.current_task():  # close() from inside a call must not cancel itself
            self._fire()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for remove in self._removers:
            remove()
        self._calls.leave(self._task)
        if not self._fired or exc_type is not asyncio.CancelledError:
            return
        uncancel = getattr(self._task, "uncancel", None)  # Python 3.11+
        if uncancel is not None and uncancel() > 0:
            return  # somebody else cancelled the task too: let it propagate
        aborted = self._signal if self._signal is not None and self._signal.aborted else self._calls.closing
        raise AbortError(_abort_message(aborted)) from exc


def _abort_message(signal: AbortSignal) -> str:
    return f"aborted: {signal.reason}" if signal.reason is not None else "aborted"


class unexpected_errors:
    """Anything that is not already one of ours (or a cancellation) becomes ``UnknownError``."""

    __slots__ = ("_method",)

    def __init__(self, method: str) -> None:
        self._method = method

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None or isinstance(exc, (BackendAIError, asyncio.CancelledError)) or not isinstance(exc, Exception):
            return
        if isinstance(exc, asyncio.TimeoutError):
            raise RequestTimeoutError("the call's deadline passed", request_method=self._method) from exc
        raise UnknownError(f"{type(exc).__name__}: {exc}", request_method=self._method) from exc
