"""Every ErrorType produced by a real fault on a loopback socket; connections always released."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager, Fault

from .conftest import AK, SK, ClientFactory

PATH = "/auth/test"
ECHO = {"echo": "x"}


def acquired(session: aiohttp.ClientSession) -> int:
    connector = session.connector
    assert connector is not None
    return len(connector._acquired)  # no public counter in aiohttp


async def test_err_server_keeps_problem_fields(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    with pytest.raises(bai.NotFoundError) as info:
        await client.get_info("no-such-session")
    err = info.value
    assert err.type is bai.ErrorType.ERR_SERVER == bai.Client.ERR_SERVER
    assert (err.status, err.title) == (404, "Entity not found.")
    assert err.problem_type == "https://api.backend.ai/probs/entity-not-found"
    assert err.error_code  # the 26.x generation sends error_code
    assert err.request_method == "GET" and err.request_url and "/session/no-such-session" in err.request_url


@pytest.mark.parametrize(
    ("status", "body", "content_type", "cls", "text"),
    [
        (502, b"<html><body><h1>502 Bad Gateway</h1>nginx</body></html>", "text/html", bai.InternalServerError, "502"),
        (500, b"", None, bai.InternalServerError, "Internal Server Error"),
        (503, b"{broken", "application/json", bai.InternalServerError, "{broken"),
        (429, b"", None, bai.RateLimitError, "Too Many Requests"),
        (409, b"", None, bai.ConflictError, "Conflict"),
        (403, b"", None, bai.PermissionDeniedError, "Forbidden"),
        (418, b"teapot", "text/plain", bai.ServerError, "teapot"),
    ],
)
async def test_non_json_error_bodies_keep_their_status(
    fm: FakeManager,
    make_client: ClientFactory,
    status: int,
    body: bytes,
    content_type: str | None,
    cls: type[bai.ServerError],
    text: str,
) -> None:
    client = make_client(fm, api_version="v9.20250722")
    fm.inject(Fault(path=PATH, status=status, body=body, content_type=content_type))
    with pytest.raises(cls) as info:
        await client.request("GET", PATH, params=ECHO)
    assert info.value.status == status
    assert type(info.value) is cls
    assert text in str(info.value)


async def test_err_response_garbage_body(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, api_version="v9.20250722")
    fm.inject(Fault(path=PATH, status=200, body=b"{not json", content_type="application/json"))
    with pytest.raises(bai.ResponseError) as info:
        await client.request("GET", PATH, params=ECHO)
    assert info.value.type is bai.ErrorType.ERR_RESPONSE
    assert info.value.status == 200


async def test_err_response_connection_cut_mid_body(fm: FakeManager) -> None:
    async with (
        aiohttp.ClientSession() as session,
        bai.Client(
            bai.ClientConfig(AK, SK, str(fm.url), api_version="v9.20250722", max_retries=0), http_session=session
        ) as client,
    ):
        fm.inject(Fault(path=PATH, body_delay=0.05, disconnect=True))
        with pytest.raises(bai.ResponseError) as info:
            await client.request("GET", PATH, params=ECHO)
        assert info.value.status == 200
        assert acquired(session) == 0


async def test_err_request_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        async with bai.Client(bai.ClientConfig(AK, SK, f"http://127.0.0.1:{port}", max_retries=0)) as client:
            with pytest.raises(bai.RequestError) as info:
                await client.get_manager_version()
    assert info.value.type is bai.ErrorType.ERR_REQUEST
    assert info.value.status is None
    assert isinstance(info.value.__cause__, aiohttp.ClientConnectorError)


async def test_err_request_server_drops_the_connection(fm: FakeManager, make_client: ClientFactory) -> None:
    # a POST: aiohttp itself re-sends an idempotent request once after such a drop
    client = make_client(fm, api_version="v9.20250722")
    fm.inject(Fault(path=PATH, disconnect=True))
    with pytest.raises(bai.RequestError):
        await client.request("POST", PATH, json=ECHO)


async def test_err_timeout_before_headers_releases_the_connection(fm: FakeManager) -> None:
    async with aiohttp.ClientSession() as session:
        config = bai.ClientConfig(AK, SK, str(fm.url), api_version="v9.20250722", max_retries=0)
        async with bai.Client(config, http_session=session) as client:
            fm.inject(Fault(path=PATH, delay=5))
            with pytest.raises(bai.RequestTimeoutError) as info:
                await client.request("GET", PATH, params=ECHO, timeout=0.2)
            assert info.value.type is bai.ErrorType.ERR_TIMEOUT == bai.Client.ERR_TIMEOUT
            assert isinstance(info.value, TimeoutError)
            assert acquired(session) == 0


async def test_err_timeout_covers_the_body(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, api_version="v9.20250722")
    fm.inject(Fault(path=PATH, body_delay=5))
    with pytest.raises(bai.RequestTimeoutError) as info:
        await client.request("GET", PATH, params=ECHO, timeout=0.3)
    assert info.value.status == 200  # the headers had arrived


async def test_default_timeout_comes_from_the_config(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, api_version="v9.20250722", timeout=0.2)
    fm.inject(Fault(path=PATH, delay=5))
    with pytest.raises(bai.RequestTimeoutError):
        await client.request("GET", PATH, params=ECHO)


async def test_err_abort_through_the_signal_releases_the_connection(fm: FakeManager) -> None:
    async with aiohttp.ClientSession() as session:
        config = bai.ClientConfig(AK, SK, str(fm.url), api_version="v9.20250722", max_retries=0)
        async with bai.Client(config, http_session=session) as client:
            fm.inject(Fault(path=PATH, delay=5))
            controller = bai.AbortController()
            call = asyncio.ensure_future(client.request("GET", PATH, params=ECHO, signal=controller.signal))
            await fm.wait_for_requests()  # the request has reached the server
            controller.abort("user pressed stop")
            with pytest.raises(bai.AbortError, match="user pressed stop") as info:
                await call
            assert info.value.type is bai.ErrorType.ERR_ABORT
            assert acquired(session) == 0
            assert not call.cancelled()


async def test_already_aborted_signal_sends_nothing(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, api_version="v9.20250722")
    controller = bai.AbortController()
    controller.abort()
    with pytest.raises(bai.AbortError):
        await client.request("GET", PATH, params=ECHO, signal=controller.signal)
    assert fm.requests == []


async def test_close_aborts_calls_in_flight(fm: FakeManager) -> None:
    async with aiohttp.ClientSession() as session:
        config = bai.ClientConfig(AK, SK, str(fm.url), api_version="v9.20250722", max_retries=0)
        client = bai.Client(config, http_session=session)
        fm.inject(Fault(path=PATH, delay=5))
        call = asyncio.ensure_future(client.request("GET", PATH, params=ECHO))
        await fm.wait_for_requests()  # the request has reached the server
        await client.close()
        with pytest.raises(bai.AbortError, match="closed"):
            await call
        assert acquired(session) == 0
        assert not session.closed  # borrowed: never closed by the client
        with pytest.raises(bai.AbortError):
            await client.request("GET", PATH, params=ECHO)


async def test_cancellation_propagates_untouched_and_releases(fm: FakeManager) -> None:
    async with aiohttp.ClientSession() as session:
        config = bai.ClientConfig(AK, SK, str(fm.url), api_version="v9.20250722", max_retries=0)
        async with bai.Client(config, http_session=session) as client:
            fm.inject(Fault(path=PATH, delay=5))
            call = asyncio.ensure_future(client.request("GET", PATH, params=ECHO))
            await fm.wait_for_requests()  # the request has reached the server
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call
            assert acquired(session) == 0


async def test_outer_asyncio_timeout_is_a_cancellation_not_ours(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, api_version="v9.20250722")
    fm.inject(Fault(path=PATH, delay=5))
    with pytest.raises(asyncio.TimeoutError) as info:  # the builtin from 3.11
        await asyncio.wait_for(client.request("GET", PATH, params=ECHO), 0.2)
    assert not isinstance(info.value, bai.BackendAIError)


class BrokenAuthenticator(bai.HMACAuthenticator):
    """A user-written authenticator with a bug."""

    async def authenticate(self, request: bai.PreparedRequest) -> None:
        raise KeyError("oops")


async def test_err_unknown_wraps_anything_else(fm: FakeManager) -> None:
    config = bai.ClientConfig(AK, SK, str(fm.url), api_version="v9.20250722")
    async with bai.Client(config, authenticator=BrokenAuthenticator(AK, SK)) as client:
        with pytest.raises(bai.UnknownError) as info:
            await client.request("GET", PATH, params=ECHO)
    assert info.value.type is bai.ErrorType.ERR_UNKNOWN
    assert isinstance(info.value.__cause__, KeyError)
