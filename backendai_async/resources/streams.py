"""Session events (SSE), background-task events, the terminal and streaming execute.

Event query keys are the spellings every server generation reads (server-contract §4.6); 26.3+
ignores ``sessionId`` when filtering, so the stream also filters on the client side.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import aiohttp

from ..abort import AbortSignal
from ..errors import ResponseError
from ..transport import Params
from ..versions import feature_enabled
from .pipeline import Pipeline, segment
from .sessions import SessionResource, session_prefix

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions
    from ..reconnect import ReconnectPolicy
    from ..streaming import EventStream, ExecutionStream, ReconnectCallback, ServerSentEvent, Terminal

__all__ = ["BACKGROUND_TASK_FINAL_EVENTS", "SessionStreams"]

BACKGROUND_TASK_FINAL_EVENTS = frozenset({"bgtask_done", "bgtask_cancelled", "bgtask_failed", "server_close"})


class SessionStreams(SessionResource):
    """Streams: ``session_events``, ``background_task_events`` (SSE), ``pty``, ``stream_execute`` (websockets)."""

    def session_events(
        self,
        session_name: str = "*",
        *,
        session_id: str | None = None,
        owner_access_key: str | None = None,
        group: str = "*",
        scope: Literal["*", "session", "kernel"] = "*",
        read_timeout: float | None = None,
        reconnect: ReconnectPolicy | None = None,
        on_reconnect: ReconnectCallback | None = None,
        **options: Unpack[CallOptions],
    ) -> EventStream:
        """Lifecycle events of the sessions you can see (``session_started``, ``kernel_pulling``, …;
        expect names you do not know). ``session_name``/``session_id`` narrow them down, checked on
        the client too. Use as ``async with client.session_events(...) as events: async for ev in
        events`` (entering subscribes at once); ``ev.json()`` is the data.

        The stream reconnects after restarts and network failures (``reconnect``, default the
        config's ``reconnect``); ``on_reconnect`` is called with a ``Reconnection`` each time, so
        that you can resync what may have been missed (see ``EventStream``)."""

        def route(version: str) -> tuple[str, Params]:
            if not feature_enabled("session-prefix", version, None):  # API v4: the kernel event stream
                return "/stream/kernel/_/events", {"sessionId": session_name}
            params: dict[str, str] = {"sessionName": session_name, "groupName": group, "scope": scope}
            if session_id is not None:
                params["sessionId"] = session_id
            if owner_access_key is not None:
                params["ownerAccessKey"] = owner_access_key
            return "/events/session", params

        from ..streaming import EventStream  # (loaded with the first stream)

        return EventStream(
            _sse_connect(self._pipeline, route, options.get("timeout"), read_timeout),
            accept=_session_filter(session_name, session_id),
            reconnect=reconnect or self._pipeline.config.reconnect,
            on_reconnect=on_reconnect,
            signal=options.get("signal"),
            closing=self._pipeline.closing,
            name="session event stream",
        )

    def background_task_events(
        self,
        task_id: str,
        *,
        read_timeout: float | None = None,
        reconnect: ReconnectPolicy | None = None,
        on_reconnect: ReconnectCallback | None = None,
        **options: Unpack[CallOptions],
    ) -> EventStream:
        """Progress of a background task: ``bgtask_updated`` events, then the final
        ``bgtask_done`` / ``bgtask_failed`` / ``bgtask_cancelled`` (or ``server_close``), after which
        the stream ends. Reconnects like ``session_events``; a task the restarted server no longer
        knows ends the stream with ``NotFoundError``."""
        from ..streaming import EventStream  # (loaded with the first stream)

        return EventStream(
            _sse_connect(
                self._pipeline,
                lambda version: ("/events/background-task", {"task_id": task_id}),
                options.get("timeout"),
                read_timeout,
            ),
            final_events=BACKGROUND_TASK_FINAL_EVENTS,
            reconnect=reconnect or self._pipeline.config.reconnect,
            on_reconnect=on_reconnect,
            signal=options.get("signal"),
            closing=self._pipeline.closing,
            name=f"background task {task_id} event stream",
        )

    def pty(
        self,
        session: str,
        *,
        heartbeat: float | None = 30.0,
        **options: Unpack[CallOptions],
    ) -> Terminal:
        """The session's terminal: ``async with client.pty(name) as term``, then ``write``,
        ``resize``, ``read``. Not reconnected: a dropped connection raises ``StreamDroppedError``."""
        from ..streaming import Terminal

        return Terminal(
            lambda: _websocket(self._pipeline, session, "pty", heartbeat=heartbeat, **options),
            f"terminal of session {session!r}",
        )

    def stream_execute(
        self,
        session: str,
        code: str,
        *,
        mode: Literal["query", "batch"] = "query",
        opts: Mapping[str, Any] | None = None,
        **options: Unpack[CallOptions],
    ) -> ExecutionStream:
        """Execute over a websocket: ``async with client.stream_execute(name, code) as run: async for
        result in run`` (``run.send_input(text)`` answers ``waiting-input``). Not reconnected: a
        websocket that ends before a final result raises ``StreamDroppedError``."""
        from ..streaming import ExecutionStream

        return ExecutionStream(
            lambda: _websocket(self._pipeline, session, "execute", heartbeat=None, **options),
            f"streaming execute of session {session!r}",
            {"mode": mode, "code": code, "options": dict(opts or {})},
        )


@contextlib.asynccontextmanager
async def _websocket(
    pipeline: Pipeline,
    session: str,
    kind: str,
    *,
    heartbeat: float | None,
    **options: Unpack[CallOptions],
) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    """``/stream/session/{id}/<kind>`` (``/stream/kernel/…`` on API v4)."""
    version = await pipeline.negotiate(**options)
    path = f"/stream{session_prefix(version)}/{segment(session)}/{kind}"
    async with pipeline.websocket(path, heartbeat=heartbeat, **options) as ws:
        yield ws


def _session_filter(session_name: str, session_id: str | None) -> Callable[[ServerSentEvent], bool] | None:
    if session_name == "*" and session_id is None:
        return None

    def accept(event: ServerSentEvent) -> bool:
        try:
            data = event.json()
        except ValueError:
            return False
        if not isinstance(data, dict):
            return False
        if session_id is not None and data.get("sessionId") != session_id:
            return False
        return session_name == "*" or data.get("sessionName") == session_name

    return accept


def _sse_connect(
    pipeline: Pipeline,
    route: Callable[[str], tuple[str, Params]],
    timeout: float | None,
    read_timeout: float | None,
) -> Callable[[str | None, AbortSignal], contextlib.AbstractAsyncContextManager[Callable[[], Awaitable[bytes]]]]:
    """The ``connect`` of an ``EventStream``: a signed GET per connection (``route(api_version)``
    gives the path and query), read chunk by chunk."""

    @contextlib.asynccontextmanager
    async def connect(last_event_id: str | None, signal: AbortSignal) -> AsyncIterator[Callable[[], Awaitable[bytes]]]:
        path, params = route(await pipeline.negotiate(timeout=timeout, signal=signal))
        headers = {"Accept": "text/event-stream"}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        async with pipeline.stream(
            "GET", path, params=params, headers=headers, timeout=timeout, read_timeout=read_timeout, signal=signal
        ) as resp:
            if resp.content_type != "text/event-stream":
                raise ResponseError(
                    f"expected text/event-stream, got {resp.content_type}", status=resp.status, request_method="GET"
                )

            yield resp.readany

    return connect
