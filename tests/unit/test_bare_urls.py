"""Absolute URLs off the endpoint (a storage proxy): sent bare, streamed bodies, same error rules."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from yarl import URL

import backendai_async as bai
from backendai_async.testing import FakeManager

from .conftest import ClientFactory


class Other:
    """A second server on loopback that records what reaches it."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, str], bytes]] = []
        self.status = 200

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.seen.append((request.method, dict(request.headers), await request.read()))
        if self.status >= 400:
            return web.json_response({"title": "nope"}, status=self.status, content_type="application/problem+json")
        return web.json_response({"ok": True})


@pytest.fixture
async def other() -> AsyncIterator[tuple[Other, URL]]:
    server = Other()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield server, URL.build(scheme="http", host=host, port=port)
    await runner.cleanup()


async def test_no_credentials_version_or_cookie_reach_another_server(other: tuple[Other, URL], fm: FakeManager) -> None:
    server, base = other
    config = bai.ClientConfig(
        user_id="user@lablup.com", password="C8qnIo29", endpoint=str(fm.url), connection_mode="SESSION"
    )
    async with bai.Client(config) as client:
        assert await client.login()
        body = await client._pipeline.send("GET", base / "download", params={"token": "t0k"})
    assert body == {"ok": True}
    method, headers, _ = server.seen[0]
    assert method == "GET"
    lowered = {k.lower() for k in headers}
    assert not lowered & {"authorization", "x-backendai-version", "x-backendai-sessionid", "cookie", "date"}
    assert "content-type" not in lowered  # no body, no type
    assert headers["Host"] == base.raw_authority
    assert not any(r.path == "/" for r in fm.requests[1:])  # the login probe only; no negotiation for the bare call


async def test_streamed_body_arrives_whole_and_is_never_retried(
    other: tuple[Other, URL], fm: FakeManager, make_client: ClientFactory
) -> None:
    server, base = other
    server.status = 503
    client = make_client(fm, max_retries=2)

    async def pieces() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield b"x" * 1000

    with pytest.raises(bai.ServerError) as info:
        await client._pipeline.send("PUT", base / "upload", params={"token": "secret-token"}, data=pieces())
    assert info.value.status == 503
    assert len(server.seen) == 1  # PUT is idempotent, but a consumed iterable cannot be replayed
    assert server.seen[0][2] == b"x" * 3000
    assert "secret-token" not in str(info.value) and "token=***" in (info.value.request_url or "")


async def test_relative_url_is_refused(fm: FakeManager, make_client: ClientFactory) -> None:
    with pytest.raises(ValueError, match="absolute"):
        await make_client(fm)._pipeline.send("GET", URL("/download"))
