"""Several endpoints against the real 26.9.6 manager and webserver: ``BACKEND_ENDPOINT`` with a
dead first endpoint works in API and SESSION mode, and a SESSION login moves to another endpoint
with its cookie alone. Run by tests/integration/run.sh; see conftest.py for the fixtures.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest

import backendai_async as bai

pytestmark = pytest.mark.integration


def dead_endpoint() -> str:
    """A loopback URL nothing listens on: a port bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class Proxy:
    """A TCP relay on 127.0.0.1 to ``port``; ``close()`` stops it and cuts its connections."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._relays: set[asyncio.Task[Any]] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._relays.add(task)
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._port)
        self._writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in self._writers:
                writer.close()
            await asyncio.gather(*self._relays, return_exceptions=True)
            await self._server.wait_closed()


@pytest.fixture
async def proxy(current: dict[str, Any]) -> AsyncIterator[tuple[Proxy, int]]:
    relay = Proxy(current["webserver_port"])
    port = await relay.start()
    yield relay, port
    await relay.close()


async def test_api_mode_with_a_dead_first_endpoint_in_backend_endpoint(
    current: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    user = current["users"]["user"]
    dead = dead_endpoint()
    env = {
        "BACKEND_ACCESS_KEY": user["access_key"],
        "BACKEND_SECRET_KEY": user["secret_key"],
        "BACKEND_ENDPOINT": f"{dead},{current['endpoint']}",
    }
    with caplog.at_level(logging.INFO, logger="backendai_async"):
        async with bai.Client(bai.ClientConfig.from_env(env)) as client:
            assert await client.get_manager_version() == "26.9.6"
            assert client.endpoint == current["endpoint"]
            answer = await client.request("POST", "/auth/test", json={"echo": "moved"})  # not idempotent
            assert answer["echo"] == "moved"
            keypair = await client.request("POST", "/admin/gql", json={"query": "{ keypair { access_key } }"})
            assert keypair["data"]["keypair"]["access_key"] == user["access_key"]
    moves = [r.getMessage() for r in caplog.records if "failing over" in r.getMessage()]
    assert len(moves) == 1
    assert moves[0].startswith(f"failing over from {dead} to {current['endpoint']} after ")
    assert user["secret_key"] not in caplog.text


async def test_session_mode_with_a_dead_first_endpoint_in_backend_endpoint(current: dict[str, Any]) -> None:
    user = current["users"]["user"]
    webserver = f"http://localhost:{current['webserver_port']}"
    env = {
        "BACKEND_ENDPOINT_TYPE": "session",
        "BACKEND_USER_ID": user["email"],
        "BACKEND_PASSWORD": user["password"],
        "BACKEND_ENDPOINT": f"{dead_endpoint()}, {webserver}",
    }
    async with bai.Client(bai.ClientConfig.from_env(env)) as client:
        assert await client.login()
        assert client.endpoint == webserver
        assert await client.check_login() is True
        answer = await client.request("POST", "/auth/test", json={"echo": "via webserver"})
        assert answer["echo"] == "via webserver"
        await client.logout()


async def test_session_login_moves_to_another_endpoint_with_its_cookie(
    current: dict[str, Any], session_config: Any, proxy: tuple[Proxy, int]
) -> None:
    relay, port = proxy
    # the same webserver (one session store) under two host names: the cookie jar keeps cookies per host
    endpoints = [f"http://localhost:{port}", f"http://127.0.0.1:{current['webserver_port']}"]
    async with bai.Client(session_config(endpoint=endpoints, max_retries=0)) as client:
        assert await client.login()
        assert await client.check_login() is True
        assert client.endpoint == endpoints[0]
        await relay.close()
        assert isinstance(client.authenticator, bai.SessionAuthenticator)
        client.authenticator.forget()  # only the cookie can carry the login now
        assert await client.check_login() is True
        assert client.endpoint == endpoints[1]
        answer = await client.request("POST", "/auth/test", json={"echo": "moved"})
        assert answer["echo"] == "moved"
        await client.logout()
