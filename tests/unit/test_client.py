"""Client lifecycle, the escape hatch, headers, pluggable authenticators, secrets."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager, Fault

from .conftest import AK, SK, ClientFactory


async def test_owned_session_is_created_lazily_and_closed(fm: FakeManager) -> None:
    client = bai.Client(bai.ClientConfig(AK, SK, str(fm.url)))
    async with client:
        await client.get_manager_version()
        http = client.http_session
        assert not http.closed
    assert http.closed
    await client.close()  # idempotent


async def test_borrowed_session_is_never_closed(fm: FakeManager) -> None:
    async with aiohttp.ClientSession() as http:
        async with bai.Client(bai.ClientConfig(AK, SK, str(fm.url)), http_session=http) as client:
            await client.get_manager_version()
            assert client.http_session is http
        assert not http.closed


async def test_user_agent_and_headers(fm: FakeManager) -> None:
    async with bai.Client(bai.ClientConfig(AK, SK, str(fm.url)), agent_signature="my-app") as client:
        await client.request("GET", "/auth/test", params={"echo": "x"}, headers={"X-Extra": "1"})
    request = fm.requests[-1]
    assert request.headers["User-Agent"].startswith(f"backendai-async/{bai.__version__}")
    assert request.headers["User-Agent"].endswith("; my-app")
    assert request.headers["X-Extra"] == "1"
    assert request.headers["Host"] == f"127.0.0.1:{fm.url.port}"


async def test_content_type_only_with_a_body_and_both_signed(fm: FakeManager) -> None:
    # without a body no Content-Type is sent: the server then signs application/octet-stream, as we do
    async with bai.Client(bai.ClientConfig(AK, SK, str(fm.url))) as client:
        assert (await client.request("GET", "/auth/test", params={"echo": "x"}))["authorized"] == "yes"
        assert (await client.request("POST", "/auth/test", json={"echo": "y"}))["echo"] == "y"
    get, post = fm.requests[-2:]
    assert "Content-Type" not in get.headers
    assert post.headers["Content-Type"] == "application/json"


async def test_escape_hatch_parses_by_content_type(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, api_version="v9.20250722")
    assert (await client.request("get", "/auth/test", params={"echo": "x"}))["authorized"] == "yes"
    fm.inject(Fault(path="/plain", status=200, body=b"hello", content_type="text/plain"))
    assert await client.request("GET", "/plain") == "hello"
    fm.inject(Fault(path="/raw", status=200, body=b"\x00\x01", content_type="application/octet-stream"))
    assert await client.request("GET", "/raw") == b"\x00\x01"
    fm.inject(Fault(path="/empty", status=204))
    assert await client.request("DELETE", "/empty") is None


async def test_signed_path_is_the_wire_path(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, api_version="v9.20250722")
    fm.inject(Fault(path="/folders/한글 이름/files", status=200, body=b"{}", content_type="application/json"))
    await client.request("GET", "/folders/한글 이름/files", params=[("path", "a b"), ("path", "ü&x"), ("all", True)])
    request = fm.requests[-1]
    assert request.raw_path == (
        "/folders/%ED%95%9C%EA%B8%80%20%EC%9D%B4%EB%A6%84/files?path=a+b&path=%C3%BC%26x&all=true"
    )
    assert request.query.getall("path") == ["a b", "ü&x"]


async def test_redirects_are_not_followed(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, api_version="v9.20250722")
    fm.inject(Fault(path="/moved", status=302, headers={"Location": "https://elsewhere.example/x?token=1"}))
    with pytest.raises(bai.ResponseError, match=r"redirect to https://elsewhere\.example/x;") as info:
        await client.request("GET", "/moved")
    assert info.value.status == 302
    assert [r.path for r in fm.requests] == ["/moved"]


class SkewedAuthenticator(bai.HMACAuthenticator):
    """A user-written authenticator: signs as if the clock were 20 minutes behind."""

    async def authenticate(self, request: bai.PreparedRequest) -> None:
        request.date = "2001-01-01T00:00:00+00:00"
        request.day = "20010101"
        request.headers["Date"] = request.date
        await super().authenticate(request)


async def test_custom_authenticator_plugs_in(fm: FakeManager) -> None:
    config = bai.ClientConfig(AK, SK, str(fm.url))
    async with bai.Client(config, authenticator=SkewedAuthenticator(AK, SK)) as client:
        with pytest.raises(bai.BadRequestError) as info:
            await client.request("GET", "/auth/test", params={"echo": "x"})
    assert info.value.problem_type == "https://api.backend.ai/probs/invalid-auth-params"
    assert isinstance(client.authenticator, SkewedAuthenticator)


async def test_wrong_secret_is_an_authentication_error(fm: FakeManager) -> None:
    async with bai.Client(bai.ClientConfig(AK, "not-the-secret", str(fm.url))) as client:
        with pytest.raises(bai.AuthenticationError) as info:
            await client.request("GET", "/auth/test", params={"echo": "x"})
    assert info.value.status == 401
    assert "not-the-secret" not in str(info.value) + repr(info.value)


async def test_secrets_stay_out_of_repr_errors_and_logs(
    fm: FakeManager, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="backendai_async")
    client = make_client(fm, max_retries=1)
    fm.inject(Fault(path="/auth/test", status=503, times=None))
    with pytest.raises(bai.InternalServerError) as info:
        await client.request("GET", "/auth/test", params={"echo": "x"})
    texts: list[Any] = [repr(client), repr(client.config), repr(client.authenticator), str(info.value), caplog.text]
    assert "retrying GET /auth/test" in caplog.text
    for text in texts:
        assert SK not in text


async def test_config_from_env_by_default(fm: FakeManager, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKEND_ACCESS_KEY", AK)
    monkeypatch.setenv("BACKEND_SECRET_KEY", SK)
    monkeypatch.setenv("BACKEND_ENDPOINT", str(fm.url))
    async with bai.Client() as client:
        assert await client.get_manager_version() == "26.9.6"
