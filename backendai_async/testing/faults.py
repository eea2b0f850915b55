"""Injected faults: what a ``Fault`` matches, and how the armed ones are played around a response."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aiohttp import web

from ._http import drop

__all__ = ["Fault", "FaultPlayer"]

#: makes the normal response of the request being served
Responder = Callable[[], web.StreamResponse]


@dataclass(frozen=True, kw_only=True)
class Fault:
    """A misbehaviour played instead of (or around) the normal answer.

    Matching: ``method`` (None = any, case-insensitive) and ``path`` against the request's
    decoded path on the wire, without the query (``/func/...`` included): None matches every path,
    a value ending in ``*`` matches every path starting with what precedes the ``*``, anything
    else matches that exact path. The first armed fault that matches, in injection order, is
    used; after ``times`` uses it is disarmed (None = never).

    Effects, in order: wait ``delay`` seconds; with ``disconnect`` and no ``body_delay``, close
    the connection without a response. Otherwise answer: with ``status`` or ``body`` set, that
    response (status 200 and an empty body by default) replaces the normal one; ``headers``
    are added to whichever response is sent. With ``body_delay``, send the headers and the
    first half of the body, wait, then send the rest, or close the connection if ``disconnect``.
    """

    method: str | None = None
    path: str | None = None
    status: int | None = None
    headers: Mapping[str, str] | None = None
    body: bytes | None = None
    content_type: str | None = None
    delay: float = 0.0
    body_delay: float = 0.0
    disconnect: bool = False
    times: int | None = 1

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to a request."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.path is None:
            return True
        if self.path.endswith("*"):
            return path.startswith(self.path[:-1])
        return path == self.path

    @property
    def replaces_response(self) -> bool:
        return self.status is not None or self.body is not None

    def response(self) -> web.Response:
        """The response this fault answers with instead of the normal one."""
        return web.Response(status=self.status or 200, body=self.body or b"", content_type=self.content_type)


@dataclass
class _ArmedFault:
    fault: Fault
    remaining: int | None


class FaultPlayer:
    """The armed faults of one server, played in injection order; ``closing`` ends their waits."""

    def __init__(self) -> None:
        self._armed: list[_ArmedFault] = []
        self.closing = asyncio.Event()

    def inject(self, fault: Fault) -> None:
        """Arm a fault (see ``Fault`` for matching and effects)."""
        self._armed.append(_ArmedFault(fault, fault.times))

    @property
    def armed(self) -> list[Fault]:
        """The faults still armed, in matching order."""
        return [armed.fault for armed in self._armed]

    def clear(self) -> None:
        self._armed.clear()

    def take(self, method: str, path: str) -> Fault | None:
        for armed in self._armed:
            if armed.fault.matches(method, path):
                if armed.remaining is not None:
                    armed.remaining -= 1
                    if armed.remaining <= 0:
                        self._armed.remove(armed)
                return armed.fault
        return None

    async def play(self, request: web.Request, fault: Fault, respond: Responder) -> web.StreamResponse:
        if fault.delay and not await self.pause(fault.delay):
            return drop(request)
        if fault.disconnect and not fault.body_delay:
            return drop(request)
        response = fault.response() if fault.replaces_response else respond()
        if fault.headers:
            response.headers.update(fault.headers)
        if not fault.body_delay:
            return response
        return await self._send_slowly(request, response, fault.body_delay, cut=fault.disconnect)

    async def pause(self, seconds: float) -> bool:
        """Wait ``seconds``; False when the server started closing meanwhile."""
        try:
            await asyncio.wait_for(self.closing.wait(), seconds)
        except asyncio.TimeoutError:
            return True
        return False

    async def _send_slowly(
        self, request: web.Request, response: web.StreamResponse, pause: float, *, cut: bool
    ) -> web.StreamResponse:
        """Send the headers and half the body, wait, then the rest (or close the connection)."""
        body = response.body if isinstance(response, web.Response) else None
        payload = bytes(body) if isinstance(body, (bytes, bytearray)) else b""
        stream = web.StreamResponse(status=response.status, reason=response.reason, headers=response.headers)
        stream.cookies.update(response.cookies)
        stream.content_length = len(payload)
        await stream.prepare(request)
        await stream.write(payload[: len(payload) // 2])
        if not await self.pause(pause) or cut:
            drop(request)
            return stream
        await stream.write(payload[len(payload) // 2 :])
        await stream.write_eof()
        return stream
