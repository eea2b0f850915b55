"""Streams: the server-sent-events parser, a reconnecting event stream, and the websocket
terminal and execution streams.

Nothing here builds requests: a stream receives a ``connect`` function from a resource (which goes
through the pipeline, so each reconnection is dated and signed afresh) and only reads.
Every stream is an async context manager whose ``close()`` is idempotent and safe from another task.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp

from .abort import AbortController, AbortSignal
from .errors import (
    AbortError,
    BackendAIError,
    ResponseError,
    ServerError,
    StreamDroppedError,
    StreamGaveUpError,
    UnsupportedOperationError,
    UsageError,
)
from .reconnect import Reconnection, ReconnectPolicy, is_transient

__all__ = [
    "EventStream",
    "ExecutionStream",
    "SSEParser",
    "ServerSentEvent",
    "Terminal",
]

#: ``connect(last_event_id, signal)`` -> a context manager giving ``read()``, which returns the
#: next chunk of the body and ``b""`` at its end
Connect = Callable[[str | None, AbortSignal], AbstractAsyncContextManager[Callable[[], Awaitable[bytes]]]]
#: ``on_reconnect(reconnection)``: a function or a coroutine function
ReconnectCallback = Callable[[Reconnection], "Awaitable[None] | None"]

log = logging.getLogger("backendai_async")


@dataclass(frozen=True)
class ServerSentEvent:
    """One dispatched event: ``event`` (``"message"`` when unnamed), ``data`` (lines joined by
    ``\\n``) and the last ``id`` seen."""

    event: str
    data: str
    id: str | None = None

    def json(self) -> Any:
        """``data`` decoded as JSON (``ValueError`` if it is not)."""
        return json.loads(self.data)


class SSEParser:
    """Incremental ``text/event-stream`` parser (the WHATWG rules): CR, LF or CRLF line ends,
    comments, multi-line ``data``, ``id``, and ``retry`` (kept in ``retry`` as seconds)."""

    def __init__(self) -> None:
        self._buffer = b""
        self._started = False
        self._event = ""
        self._data: list[str] = []
        self.last_event_id: str | None = None
        self.retry: float | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """The events completed by ``chunk`` (an empty chunk: none)."""
        self._buffer += chunk
        events: list[ServerSentEvent] = []
        while True:
            line = self._next_line()
            if line is None:
                return events
            event = self._line(line)
            if event is not None:
                events.append(event)

    def _next_line(self) -> str | None:
        buf = self._buffer
        cr, lf = buf.find(b"\r"), buf.find(b"\n")
        if cr < 0 and lf < 0:
            return None
        if cr >= 0 and (lf < 0 or cr < lf):
            if cr == len(buf) - 1:
                return None  # a CR at the end may be the first half of a CRLF
            end, skip = cr, 2 if buf[cr + 1 : cr + 2] == b"\n" else 1
        else:
            end, skip = lf, 1
        raw, self._buffer = buf[:end], buf[end + skip :]
        text = raw.decode("utf-8", "replace")
        if not self._started:
            self._started = True
            text = text.removeprefix("\ufeff")
        return text

    def _line(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self.last_event_id = value
        elif name == "retry" and value.isdigit():
            self.retry = int(value) / 1000
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        event, data = self._event or "message", self._data
        self._event, self._data = "", []
        if not data:
            return None
        return ServerSentEvent(event, "\n".join(data), self.last_event_id)


class EventStream:
    """``async for event in stream``: server-sent events that outlive restarts.

    When the connection ends or breaks, the stream connects again (with ``Last-Event-ID``) after
    the ``reconnect`` policy's backoff, until ``close()``, the ``signal``, the client's ``closing``,
    one of ``final_events`` (yielded, then the stream ends), a refusal (401, 403, 404, … raised from
    the iteration) or the policy's ``give_up_after`` (``StreamGaveUpError``). The first connection
    is not retried by the stream: its failure is raised by ``async with`` / the first ``__anext__``.

    Each reconnection is logged (INFO, logger ``backendai_async``) and handed to ``on_reconnect``
    (a function or coroutine function taking a ``Reconnection``), which runs in the iterating task
    after the events received before the loss and before any received after it: the place to resync
    what may have been missed. ``accept`` filters events on the client side. A task of its own
    holds the connection, so any task may iterate or close.
    """

    def __init__(
        self,
        connect: Connect,
        *,
        accept: Callable[[ServerSentEvent], bool] | None = None,
        final_events: Collection[str] = (),
        reconnect: ReconnectPolicy | None = None,
        on_reconnect: ReconnectCallback | None = None,
        signal: AbortSignal | None = None,
        closing: AbortSignal | None = None,
        name: str = "event stream",
    ) -> None:
        self._connect = connect
        self._accept = accept
        self._final = frozenset(final_events)
        self._policy = reconnect or ReconnectPolicy()
        self._on_reconnect = on_reconnect
        self._signals = tuple(s for s in (signal, closing) if s is not None)
        self._name = name
        self._aborter = AbortController()
        self._parser = SSEParser()
        self._events: asyncio.Queue[ServerSentEvent | Reconnection | None] = asyncio.Queue()
        self._wake = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None
        self._opened: asyncio.Future[None] | None = None
        self._remove_hooks: list[Callable[[], None]] = []
        self._error: BaseException | None = None
        self._ended = False
        self._closed = False

    def __repr__(self) -> str:
        return f"EventStream({self._name!r}, started={self._pump is not None}, closed={self._closed})"

    async def __aenter__(self) -> EventStream:
        await self._start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __aiter__(self) -> AsyncIterator[ServerSentEvent]:
        return self

    async def __anext__(self) -> ServerSentEvent:
        if self._closed and self._pump is None:
            raise StopAsyncIteration
        while not self._ended:
            await self._start()
            item = await self._events.get()
            if isinstance(item, ServerSentEvent):
                return item
            if item is None:
                self._ended = True
            elif self._on_reconnect is not None:
                result = self._on_reconnect(item)
                if inspect.isawaitable(result):
                    await result
        if self._error is not None and not self._closed:
            raise self._error
        raise StopAsyncIteration

    async def _start(self) -> None:
        """Connect (once) in the stream's own task; raise what connecting raised."""
        if self._pump is None:
            if self._closed:
                raise AbortError("the stream is closed")
            self._opened = asyncio.get_running_loop().create_future()
            self._remove_hooks = [s.add_callback(self._on_abort) for s in self._signals]
            self._pump = asyncio.ensure_future(self._run())
        assert self._opened is not None
        await asyncio.wait([self._opened])
        if not self._closed and self._opened.exception() is not None:
            await self.close()  # nothing to iterate: release the signal hooks, then raise
            self._opened.result()

    async def _run(self) -> None:
        assert self._opened is not None
        try:
            await self._follow()
        except Exception as exc:
            self._error = exc
            if not self._opened.done():
                self._opened.set_exception(exc)
        finally:
            if not self._opened.done():
                self._opened.set_result(None)
            self._events.put_nowait(None)

    async def _follow(self) -> None:
        """Connect, pass the events on, and reconnect after every loss until the stream ends."""
        assert self._opened is not None
        policy = self._policy
        failed = 0  # attempts that failed since the connection was lost
        lost_at: float | None = None
        error: BackendAIError | None = None
        while not self._closed:
            self._check_signals()
            try:
                async with self._connect(self._parser.last_event_id, self._aborter.signal) as read:
                    if not self._opened.done():
                        self._opened.set_result(None)
                    elif lost_at is not None:
                        self._reconnected(Reconnection(failed + 1, error, policy.clock() - lost_at))
                    failed, lost_at, error = 0, None, None
                    if await self._pass_on(read):
                        return
            except BackendAIError as exc:
                if not self._opened.done() or not is_transient(exc):
                    raise
                if lost_at is not None:
                    failed += 1
                error = exc
            if lost_at is None:
                lost_at = policy.clock()
            await self._back_off(failed, lost_at, error)

    async def _back_off(self, failed: int, lost_at: float, error: BackendAIError | None) -> None:
        """Wait before the next attempt, or raise ``StreamGaveUpError`` when the policy says so."""
        policy = self._policy
        delay = policy.delay(failed + 1, self._parser.retry)
        if error is not None and error.retry_after is not None:
            delay = max(delay, error.retry_after)
        if policy.give_up_after is not None:
            left = lost_at + policy.give_up_after - policy.clock()
            if left <= 0:
                raise StreamGaveUpError(
                    f"the {self._name} stayed disconnected for {policy.give_up_after:g} s "
                    f"({failed} failed attempts); last error: {error}",
                    attempts=failed,
                ) from error
            delay = min(delay, left)
        why = error or "the server ended the stream"
        log.debug("%s: disconnected (%s); attempt %d in %.3f s", self._name, why, failed + 1, delay)
        await self._pause(delay)

    def _reconnected(self, info: Reconnection) -> None:
        log.info(
            "%s reconnected after %.1f s (%d attempts); last error: %s",
            self._name,
            info.downtime,
            info.attempts,
            info.error or "the server ended the stream",
        )
        self._events.put_nowait(info)

    async def _pass_on(self, read: Callable[[], Awaitable[bytes]]) -> bool:
        """Queue the events of one connection; True after a final event, False at its end."""
        while chunk := await read():
            for event in self._parser.feed(chunk):
                if self._accept is None or self._accept(event):
                    self._events.put_nowait(event)
                if event.event in self._final:
                    return True
        return False

    async def _pause(self, seconds: float) -> None:
        """Sleep, woken at once by an abort (``close()`` cancels the task instead)."""
        self._wake.clear()
        self._check_signals()
        timer = asyncio.get_running_loop().call_later(seconds, self._wake.set)
        try:
            await self._wake.wait()  # (not wait_for: on 3.11 it may lose a cancellation)
        finally:
            timer.cancel()
        self._check_signals()

    def _check_signals(self) -> None:
        for signal in self._signals:
            if signal.aborted:
                raise AbortError(f"aborted: {signal.reason}" if signal.reason is not None else "aborted")

    def _on_abort(self) -> None:
        reason = next((s.reason for s in self._signals if s.aborted), None)
        self._aborter.abort(reason)
        self._wake.set()

    async def close(self) -> None:
        """End the stream: a waiting ``async for`` stops quietly; the connection is released."""
        if self._closed:
            return
        self._closed = True
        for remove in self._remove_hooks:
            remove()
        pump = self._pump
        if pump is not None and not pump.done():
            pump.cancel()
            await asyncio.wait([pump])


class _WebSocketStream:
    """Shared shape of the websocket streams: enter opens, ``close()`` closes (any task).

    A websocket that ends without the server's normal close (a dropped connection, an abnormal
    close code, a server going away) raises ``StreamDroppedError`` naming ``name``."""

    def __init__(
        self,
        connect: Callable[[], AbstractAsyncContextManager[aiohttp.ClientWebSocketResponse]],
        name: str,
    ) -> None:
        self._connect = connect
        self._name = name
        self._stack = AsyncExitStack()
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._closed_here = False  # close() was called: the end is ours, not a drop
        self._ended = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._name!r}, closed={self.closed})"

    @property
    def closed(self) -> bool:
        """Whether the websocket is closed (or not opened yet)."""
        return self._ws is None or self._ws.closed

    async def _enter(self) -> None:
        self._ws = await self._stack.enter_async_context(self._connect())

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
        await self._stack.__aexit__(exc_type, exc, tb)  # an abort's cancellation becomes AbortError

    async def close(self) -> None:
        """Close the websocket; a pending read returns its end-of-stream value."""
        self._closed_here = True
        if self._ws is not None:
            await self._ws.close()

    def _socket(self) -> aiohttp.ClientWebSocketResponse:
        if self._ws is None:
            raise UsageError("use the stream as `async with`")
        return self._ws

    def _dropped(self, how: str) -> StreamDroppedError:
        return StreamDroppedError(f"the {self._name} dropped: {how}")

    async def _send(self, text: str) -> None:
        ws = self._socket()
        if self._closed_here:
            raise UsageError(f"the {self._name} is closed")
        if self._ended or ws.closed:
            raise self._dropped("the websocket is closed")
        try:
            await ws.send_str(text)
        except (ConnectionError, aiohttp.ClientError) as exc:
            raise self._dropped(f"sending failed ({exc})") from exc

    async def _receive_json(self) -> dict[str, Any] | None:
        """The next JSON object from the server; None once the server closed normally (1000) or
        ``close()`` was called; ``StreamDroppedError`` for any other end."""
        ws = self._socket()
        while not self._ended:
            message = await ws.receive()
            if message.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                try:
                    decoded = json.loads(message.data)
                except ValueError as exc:
                    raise ResponseError(f"a websocket message is not JSON: {exc}") from exc
                if isinstance(decoded, dict):
                    return decoded
                continue
            self._ended = True
            if self._closed_here:
                break
            if message.type == aiohttp.WSMsgType.CLOSE:
                if message.data == aiohttp.WSCloseCode.OK:
                    break
                reason = f" ({message.extra})" if message.extra else ""
                raise self._dropped(f"the server closed the websocket with code {message.data}{reason}")
            cause = ws.exception()
            raise self._dropped(
                f"the connection was lost (close code {ws.close_code})" + (f": {cause}" if cause else "")
            ) from cause
        return None


class Terminal(_WebSocketStream):
    """The session's terminal (``/stream/session/{id}/pty``): ``write``, ``resize``, ``read``.
    ``read()`` returns ``b""`` once the server closed the terminal or ``close()`` was called; a
    dropped connection raises ``StreamDroppedError``."""

    async def __aenter__(self) -> Terminal:
        await self._enter()
        return self

    async def write(self, data: str | bytes) -> None:
        """Type ``data`` into the terminal."""
        raw = data.encode() if isinstance(data, str) else data
        await self._send(json.dumps({"type": "stdin", "chars": base64.b64encode(raw).decode()}))

    async def resize(self, rows: int, cols: int) -> None:
        """Tell the terminal its new size."""
        await self._send(json.dumps({"type": "resize", "rows": rows, "cols": cols}))

    async def read(self) -> bytes:
        """The next output of the terminal; ``b""`` once it is closed."""
        while True:
            message = await self._receive_json()
            if message is None:
                return b""
            if message.get("type") == "out":
                return base64.b64decode(str(message.get("data", "")))


class ExecutionStream(_WebSocketStream):
    """Streaming execute (``/stream/session/{id}/execute``): ``async for result in stream``
    yields result objects until a finished one; answer ``waiting-input`` with ``send_input``.
    An ``error`` or ``server-restarting`` message raises ``ServerError``, a kernel's
    ``not-implemented`` (the dummy agent's answer) ``UnsupportedOperationError``, and a websocket
    that ends before a final result ``StreamDroppedError``."""

    def __init__(
        self,
        connect: Callable[[], AbstractAsyncContextManager[aiohttp.ClientWebSocketResponse]],
        name: str,
        first_message: dict[str, Any],
    ) -> None:
        super().__init__(connect, name)
        self._first = first_message
        self._done = False

    async def __aenter__(self) -> ExecutionStream:
        await self._enter()
        await self._send(json.dumps(self._first))
        return self

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self

    async def __anext__(self) -> dict[str, Any]:
        if self._done:
            raise StopAsyncIteration
        result = await self._receive_json()
        if result is None:
            self._done = True
            if self._closed_here:
                raise StopAsyncIteration
            raise self._dropped("the server closed the websocket before a final result")
        status = result.get("status")
        if status in ("error", "server-restarting", "not-implemented"):
            self._done = True
            message = str(result.get("msg") or status)
            if status == "not-implemented":
                raise UnsupportedOperationError(message, title=str(status), data=result)
            raise ServerError(message, title=str(status), data=result)
        if (isinstance(status, str) and status.endswith("finished")) or status == "exec-timeout":
            self._done = True
        return result

    async def send_input(self, text: str) -> None:
        """Answer a ``waiting-input`` result."""
        await self._send(text)
