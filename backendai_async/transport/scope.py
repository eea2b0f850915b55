"""The scope of one call: abort and client close become ``AbortError``; cancellation passes untouched."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

from ..abort import AbortSignal
from ..errors import AbortError, BackendAIError, RequestTimeoutError, UnknownError

__all__ = ["CallScope", "Calls", "unexpected_errors"]


class Calls:
    """The calls in flight, so that the client's ``closing`` signal aborts them and ``close()``
    can wait for them to unwind."""

    __slots__ = ("_closer", "closing", "idle", "scopes")

    def __init__(self, closing: AbortSignal) -> None:
        self.closing = closing
        self.scopes: set[CallScope] = set()
        self._closer: asyncio.Task[Any] | None = None
        #: set while ``close()`` waits: every call leaving then checks whether it may wake it
        self.idle: asyncio.Event | None = None
        closing.add_callback(self._abort_all)

    def _abort_all(self) -> None:
        for scope in list(self.scopes):
            scope.abort_on_close()

    def _busy(self) -> bool:
        return any(scope.task is not self._closer for scope in self.scopes)

    async def wait_idle(self) -> None:
        """Wait until no task but the current one has a call in flight."""
        self._closer = asyncio.current_task()
        if self._busy():
            self.idle = asyncio.Event()
            await self.idle.wait()

    def check_idle(self) -> None:
        """After a call left: wake ``wait_idle`` when no other task has a call in flight."""
        if self.idle is not None and not self._busy():
            self.idle.set()


class CallScope:
    """One call in flight, entered in ``calls``: an abort of its signal or of the client's closing
    signal becomes ``AbortError``; any other cancellation passes untouched. With ``method``,
    anything else that is not already a ``BackendAIError`` becomes ``UnknownError``."""

    __slots__ = ("_calls", "_fired", "_method", "_remove", "_signal", "task")

    def __init__(self, calls: Calls, signal: AbortSignal | None, method: str | None = None) -> None:
        self._calls = calls
        self._signal = signal
        self._method = method
        self._fired = False

    def __enter__(self) -> None:
        signal = self._signal
        calls = self._calls
        if calls.closing.aborted or (signal is not None and signal.aborted):
            raise AbortError(_abort_message(signal if signal is not None and signal.aborted else calls.closing))
        self.task = asyncio.current_task()
        if signal is not None:
            self._remove = signal.add_callback(self._fire)
        calls.scopes.add(self)

    def _fire(self) -> None:
        if not self._fired and self.task is not None:
            self._fired = True
            self.task.cancel()

    def abort_on_close(self) -> None:
        if self.task is not asyncio.current_task():  # close() from inside a call must not cancel itself
            self._fire()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._signal is not None:
            self._remove()
        calls = self._calls
        calls.scopes.discard(self)
        if calls.idle is not None:
            calls.check_idle()
        if exc is None:
            return
        if self._fired and exc_type is asyncio.CancelledError:
            uncancel = getattr(self.task, "uncancel", None)  # Python 3.11+
            if uncancel is not None and uncancel() > 0:
                return  # somebody else cancelled the task too: let it propagate
            signal = self._signal
            aborted = signal if signal is not None and signal.aborted else self._calls.closing
            raise AbortError(_abort_message(aborted)) from exc
        if self._method is not None:
            _raise_unexpected(exc, self._method)


def _abort_message(signal: AbortSignal) -> str:
    return f"aborted: {signal.reason}" if signal.reason is not None else "aborted"


def _raise_unexpected(exc: BaseException, method: str) -> None:
    """Raise ``exc`` as ``UnknownError`` (or ``RequestTimeoutError``) unless it is already one of
    ours, a cancellation, or not an ``Exception``."""
    if isinstance(exc, (BackendAIError, asyncio.CancelledError)) or not isinstance(exc, Exception):
        return
    if isinstance(exc, asyncio.TimeoutError):
        raise RequestTimeoutError("the call's deadline passed", request_method=method) from exc
    raise UnknownError(f"{type(exc).__name__}: {exc}", request_method=method) from exc


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
        if exc is not None:
            _raise_unexpected(exc, self._method)
