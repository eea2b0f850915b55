"""SESSION mode against the webserver routes: login, check_login, proxied calls, logout."""

from __future__ import annotations

import aiohttp
import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager

from .conftest import ClientFactory


def session_client(fm: FakeManager, password: str = "C8qnIo29", **kwargs: object) -> bai.Client:  # noqa: S107
    config = bai.ClientConfig(
        user_id="user@lablup.com", password=password, endpoint=str(fm.url), connection_mode="SESSION", max_retries=0
    )
    return bai.Client(config, **kwargs)  # type: ignore[arg-type]


async def test_login_life_cycle(fm: FakeManager) -> None:
    async with session_client(fm) as client:
        assert await client.check_login() is False
        result = await client.login()
        assert result
        assert result.data["access_key"] == "AKIANABBDUSEREXAMPLE"
        assert client.api_version == "v9.20250722"
        assert await client.check_login() is True
        answer = await client.request("POST", "/auth/test", json={"echo": "via webserver"})
        assert answer["echo"] == "via webserver"
        await client.logout()
        assert await client.check_login() is False
        with pytest.raises(bai.AuthenticationError):
            await client.request("POST", "/auth/test", json={"echo": "x"})
    paths = [r.path for r in fm.requests]
    assert "/func/auth/test" in paths
    assert "/server/login" in paths
    assert all("Authorization" not in r.headers for r in fm.requests)  # the webserver signs, not us


async def test_session_id_header_works_without_cookies(fm: FakeManager) -> None:
    # a jar that keeps no cookies at all: only the X-BackendAI-SessionID header carries the session
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        async with session_client(fm, http_session=http) as client:
            assert await client.login()
            assert await client.check_login() is True
            assert (await client.request("POST", "/auth/test", json={"echo": "e"}))["echo"] == "e"
    assert "Cookie" not in fm.requests[-1].headers
    assert fm.requests[-1].headers["X-BackendAI-SessionID"]


@pytest.mark.parametrize("status", [401, 200])
async def test_refused_credentials_are_a_falsy_result(status: int, fm: FakeManager) -> None:
    fm.login_failure_status = status
    async with session_client(fm, password="wrong") as client:
        result = await client.login()
        assert not result
        assert result.fail_reason == "User credential mismatch."
        assert "wrong" not in repr(result)
        assert await client.check_login() is False


async def test_too_many_failures_raise_rate_limit(fm: FakeManager) -> None:
    async with session_client(fm, password="wrong") as client:
        for _ in range(fm.login_allowed_fail_count):
            assert not await client.login()
        with pytest.raises(bai.RateLimitError) as info:
            await client.login()
        assert info.value.status == 429


async def test_token_login(fm: FakeManager) -> None:
    fm.sso_tokens["sso-token"] = "admin@lablup.com"
    async with session_client(fm) as client:
        assert not await client.token_login("bad-token")
        result = await client.token_login("sso-token")
        assert result
        assert result.data["role"] == "superadmin"
    logins = [r.json for r in fm.requests if r.path == "/server/token-login"]
    assert logins == [{"sToken": "bad-token"}, {"sToken": "sso-token"}]


async def test_session_methods_refuse_api_mode(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    for call in (client.login, client.check_login, client.logout, client.token_login):
        with pytest.raises(bai.ConfigError, match="SESSION"):
            await call()
    assert fm.requests == []


async def test_login_needs_credentials(fm: FakeManager) -> None:
    config = bai.ClientConfig(endpoint=str(fm.url), connection_mode="SESSION")
    async with bai.Client(config) as client:
        with pytest.raises(bai.ConfigError, match="BACKEND_USER_ID"):
            await client.login()
