"""Transport.stream: a call whose body is read as it arrives, under the same pipeline."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager, Fault
from backendai_async.transport import StreamResponse

from .conftest import AK, SK

PATH = "/stream/test"
BODY = b"0123456789" * 100


def acquired(session: aiohttp.ClientSession) -> int:
    assert session.connector is not None
    return len(session.connector._acquired)


@pytest.fixture
async def client(fm: FakeManager) -> bai.Client:
    async with aiohttp.ClientSession() as http:
        config = bai.ClientConfig(AK, SK, str(fm.url), api_version="v9.20250722", max_retries=0)
        async with bai.Client(config, http_session=http) as client:
            yield client


async def test_body_is_read_after_the_deadline_and_released(fm: FakeManager, client: bai.Client) -> None:
    fm.inject(Fault(path=PATH, status=200, body=BODY, content_type="text/plain", body_delay=0.4))
    async with client._pipeline.stream("GET", PATH, timeout=0.2) as resp:
        assert acquired(client.http_session) == 1
        assert await resp.read() == BODY  # the deadline bounds opening only
    assert acquired(client.http_session) == 0
    assert "Authorization" in fm.requests[-1].headers


async def test_error_status_raises_before_the_block(fm: FakeManager, client: bai.Client) -> None:
    fm.inject(Fault(path=PATH, status=404, body=b'{"type": "x/object-not-found", "title": "No such thing."}',
                    content_type="application/problem+json"))  # fmt: skip
    with pytest.raises(bai.NotFoundError, match="No such thing"):
        async with client._pipeline.stream("GET", PATH):
            pytest.fail("the block must not run")
    assert acquired(client.http_session) == 0


async def test_read_timeout_bounds_each_wait(fm: FakeManager, client: bai.Client) -> None:
    fm.inject(Fault(path=PATH, status=200, body=BODY, body_delay=5))
    async with client._pipeline.stream("GET", PATH, read_timeout=0.2) as resp:
        with pytest.raises(bai.RequestTimeoutError):
            await resp.read()
    assert acquired(client.http_session) == 0


async def test_abort_while_reading(fm: FakeManager, client: bai.Client) -> None:
    fm.inject(Fault(path=PATH, status=200, body=BODY, body_delay=5))
    controller = bai.AbortController()

    async def consume() -> None:
        async with client._pipeline.stream("GET", PATH, signal=controller.signal) as resp:
            await resp.readany()
            controller.abort("enough")
            await resp.read()

    with pytest.raises(bai.AbortError, match="enough"):
        await consume()
    assert acquired(client.http_session) == 0


async def test_cut_connection_is_a_response_error(fm: FakeManager, client: bai.Client) -> None:
    fm.inject(Fault(path=PATH, status=200, body=BODY, body_delay=0.05, disconnect=True))
    async with client._pipeline.stream("GET", PATH) as resp:
        with pytest.raises(bai.ResponseError):
            await resp.read()


async def test_cancelled_consumer_releases(fm: FakeManager, client: bai.Client) -> None:
    fm.inject(Fault(path=PATH, status=200, body=BODY, body_delay=5))

    async def consume() -> None:
        async with client._pipeline.stream("GET", PATH) as resp:
            await resp.read()

    task = asyncio.ensure_future(consume())
    await fm.wait_for_requests()
    await asyncio.sleep(0)  # let the consumer start reading
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert acquired(client.http_session) == 0


async def test_close_from_inside_a_stream_block_does_not_deadlock(fm: FakeManager) -> None:
    fm.inject(Fault(path=PATH, status=200, body=BODY, body_delay=5))
    client = bai.Client(bai.ClientConfig(AK, SK, str(fm.url), api_version="v9.20250722"))
    async with client._pipeline.stream("GET", PATH) as resp:
        await client.close()
        with pytest.raises(bai.ResponseError):  # the session is closed under the stream
            await resp.read()
    assert client.http_session.closed


async def test_close_waits_for_other_tasks_streams_to_unwind(fm: FakeManager) -> None:
    fm.inject(Fault(path=PATH, status=200, body=BODY, body_delay=5))
    client = bai.Client(bai.ClientConfig(AK, SK, str(fm.url), api_version="v9.20250722"))
    opened = asyncio.Event()

    async def consume() -> None:
        async with client._pipeline.stream("GET", PATH) as resp:
            opened.set()
            await resp.read()

    task = asyncio.ensure_future(consume())
    await opened.wait()
    await client.close()
    assert task.done()
    with pytest.raises(bai.AbortError, match="closed"):
        await task


async def drain(resp: StreamResponse, read: str) -> None:
    """Read the whole body with ``read``: one ``read()``, ``readany()`` to the end, or ``iter_chunked``."""
    if read == "iter_chunked":
        async for _ in resp.iter_chunked(4):
            pass
    else:
        while await getattr(resp, read)():
            pass


@pytest.mark.parametrize("read", ["read", "readany", "iter_chunked"])
async def test_every_read_of_a_cut_body_raises_response_error(read: str, fm: FakeManager, client: bai.Client) -> None:
    fm.inject(Fault(path=PATH, status=200, body=BODY, body_delay=0.05, disconnect=True))
    async with client._pipeline.stream("GET", PATH) as resp:
        with pytest.raises(bai.ResponseError) as info:
            await drain(resp, read)
    assert not isinstance(info.value, aiohttp.ClientError)
    assert isinstance(info.value.__cause__, aiohttp.ClientError)
    assert (info.value.status, info.value.request_method) == (200, "GET")


@pytest.mark.parametrize("read", ["read", "readany", "iter_chunked"])
async def test_every_read_past_the_read_timeout_raises_request_timeout(
    read: str, fm: FakeManager, client: bai.Client
) -> None:
    fm.inject(Fault(path=PATH, status=200, body=BODY, body_delay=5))
    async with client._pipeline.stream("GET", PATH, read_timeout=0.1) as resp:
        with pytest.raises(bai.RequestTimeoutError) as info:  # the first half arrives, the rest is late
            await drain(resp, read)
    assert info.value.type is bai.ErrorType.ERR_TIMEOUT
    assert not isinstance(info.value, aiohttp.ClientError)


async def test_chunks_add_up_to_the_body(fm: FakeManager, client: bai.Client) -> None:
    fm.inject(Fault(path=PATH, status=200, body=BODY, content_type="application/octet-stream"))
    async with client._pipeline.stream("GET", PATH) as resp:
        assert (resp.status, resp.content_type, resp.content_length) == (200, "application/octet-stream", len(BODY))
        chunks = [chunk async for chunk in resp.iter_chunked(64)]
    assert b"".join(chunks) == BODY
    assert max(map(len, chunks)) <= 64


async def test_a_body_that_is_not_multipart_has_no_parts(fm: FakeManager, client: bai.Client) -> None:
    fm.inject(Fault(path=PATH, status=200, body=BODY, content_type="text/plain"))
    async with client._pipeline.stream("GET", PATH) as resp:
        with pytest.raises(bai.ResponseError, match="multipart"):
            await anext(resp.parts())
