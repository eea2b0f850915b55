"""A TCP proxy on loopback, between a client and a server, that breaks connections on purpose.

Each new connection takes the next armed ``ProxyFault`` (or none): added latency on every chunk,
and/or an action at a point of the first response: ``stall`` (forward nothing more),
``reset`` (RST to the client) or ``half-close`` (FIN to the client, keep reading from it), taken
``before-response`` (nothing of the response forwarded), in the ``headers`` (half of the header
block forwarded) or in the ``body`` (headers and half of the body bytes received so far).

With no fault armed it is a plain relay that keeps what clients send (``received``): the TLS
tests use it to see what crosses the wire, or to see that nothing does.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass
from types import TracebackType
from typing import Literal

from yarl import URL

__all__ = ["FaultProxy", "ProxyFault"]

Action = Literal["stall", "reset", "half-close"]
Where = Literal["before-response", "headers", "body"]
_CHUNK = 65536
_HEADER_END = b"\r\n\r\n"
_UPSTREAM_CLOSE = 5.0  # seconds to wait for the server to close its side after ours


@dataclass(frozen=True)
class ProxyFault:
    """What the proxy does to one connection (see the module's docstring)."""

    action: Action | None = None
    where: Where = "headers"
    latency: float = 0.0
    times: int = 1


class FaultProxy:
    """``async with FaultProxy(target) as proxy``: clients talk to ``proxy.url``; ``inject()``
    arms faults for the next connections; ``idle()`` waits until every connection is closed on
    both sides. ``accepted`` counts the connections, ``received`` keeps the bytes clients sent."""

    def __init__(self, target: URL) -> None:
        self._target = (target.host or "127.0.0.1", target.port or 80)
        self._faults: list[ProxyFault] = []
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.StreamWriter] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self.accepted = 0
        self.received = bytearray()
        self.url = URL("http://127.0.0.1")

    async def __aenter__(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = URL(f"http://127.0.0.1:{port}")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._clients:  # connections still open: their relays end as the client side goes
            writer.transport.abort()
        await self._idle.wait()
        await self._server.wait_closed()

    def inject(self, fault: ProxyFault) -> None:
        """Arm ``fault`` for the next ``fault.times`` connections (after those armed before)."""
        self._faults.extend([fault] * fault.times)

    async def idle(self) -> None:
        """Return once no connection is open (the server has closed its side of each too)."""
        await self._idle.wait()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._clients.add(writer)
        self._idle.clear()
        self.accepted += 1
        fault = self._faults.pop(0) if self._faults else ProxyFault()
        try:
            await self._relay(reader, writer, fault)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            self._clients.discard(writer)
            if not self._clients:
                self._idle.set()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, fault: ProxyFault) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            return
        try:
            request = asyncio.create_task(_pump(reader, up_writer, fault.latency, self.received))
            response = asyncio.create_task(_respond(up_reader, writer, fault))
            try:
                # the client closing ends the connection; the server closing or a reset ends the response pump
                await asyncio.wait({request, response}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for pump in (request, response):
                    pump.cancel()
                await asyncio.gather(request, response, return_exceptions=True)
        finally:
            await _close_upstream(up_reader, up_writer)


async def _pump(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, latency: float, record: bytearray | None = None
) -> None:
    """Forward until EOF, each chunk ``latency`` seconds late (and kept in ``record``)."""
    while chunk := await reader.read(_CHUNK):
        if record is not None:
            record += chunk
        if latency:
            await asyncio.sleep(latency)
        writer.write(chunk)
        await writer.drain()


async def _respond(up_reader: asyncio.StreamReader, writer: asyncio.StreamWriter, fault: ProxyFault) -> None:
    """Forward the server's bytes to the client, playing ``fault`` at its point of the first response."""
    if fault.action is None:
        await _pump(up_reader, writer, fault.latency)
        return
    received = b""
    while chunk := await up_reader.read(_CHUNK):
        if fault.latency:
            await asyncio.sleep(fault.latency)
        received += chunk
        cut = _cut(received, fault.where)
        if cut is None:
            continue
        writer.write(received[:cut])
        await writer.drain()
        if fault.action == "reset":
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return
        if fault.action == "half-close":
            writer.write_eof()
        await asyncio.Event().wait()  # stalled, or half-closed: until the client closes


def _cut(received: bytes, where: Where) -> int | None:
    """How many of the response bytes received so far to forward before acting (None: wait for more)."""
    if where == "before-response":
        return 0
    end = received.find(_HEADER_END)
    if end < 0:
        return None
    end += len(_HEADER_END)
    if where == "headers":
        return end // 2
    body = len(received) - end
    return end + body // 2 if body >= 2 else None


async def _close_upstream(up_reader: asyncio.StreamReader, up_writer: asyncio.StreamWriter) -> None:
    """Half-close towards the server and wait (bounded) for it to close its side, so that its socket
    is gone too when the connection counts as closed."""
    with contextlib.suppress(OSError):
        if up_writer.can_write_eof() and not up_writer.transport.is_closing():
            up_writer.write_eof()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(_until_eof(up_reader), _UPSTREAM_CLOSE)
    up_writer.close()
    with contextlib.suppress(OSError):
        await up_writer.wait_closed()


async def _until_eof(reader: asyncio.StreamReader) -> None:
    while await reader.read(_CHUNK):
        pass
