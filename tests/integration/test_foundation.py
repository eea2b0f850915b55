"""The SDK's foundations against real Backend.AI servers: version negotiation, HMAC signing
(including the v3 body hash), the error kinds a real server produces, per-call deadlines and
aborts, SESSION mode through the real webserver, and a compute-session lifecycle on the
dummy agent.  Run by tests/integration/run.sh; see conftest.py for the fixtures.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
import pytest

import backendai_async as bai

pytestmark = pytest.mark.integration

ALL_GENERATIONS = ["26.09", "22.09", "19.09"]
ROLES = ["superadmin", "domain_admin", "user"]
# what each manager advertises at GET /, hence what the client must send
ADVERTISED = {"26.09": "v9.20250722", "22.09": "v6.20220615", "19.09": "v4.20190615"}
# /admin/gql (answers {"data": ...}) exists from v6.20210815 (21.09); before, /admin/graphql (bare data)
GQL_PATH = {"26.09": "/admin/gql", "22.09": "/admin/gql", "19.09": "/admin/graphql"}
KEYPAIR_QUERY = "{ keypair { access_key is_active } }"
RESOURCES = {"cpu": 1, "mem": "512m"}


async def keypair_of(client: bai.Client, generation: str) -> dict[str, Any]:
    """The caller's own keypair, through the generation's GraphQL endpoint."""
    path = GQL_PATH[generation]
    body = await client.request("POST", path, json={"query": KEYPAIR_QUERY})
    data = body["data"] if path == "/admin/gql" else body
    return data["keypair"]  # type: ignore[no-any-return]


def new_session_name() -> str:
    return f"it-{uuid.uuid4().hex[:10]}"


class Delegating:
    """An authenticator that wraps the built-in HMAC one (the pluggable-authenticator protocol)."""

    def __init__(self, config: bai.ClientConfig) -> None:
        assert config.access_key and config.secret_key
        self.inner = bai.HMACAuthenticator(config.access_key, config.secret_key)

    def route(self, path: str) -> str:
        return self.inner.route(path)

    async def authenticate(self, prepared: bai.PreparedRequest) -> None:
        await self.inner.authenticate(prepared)

    def on_response(self, headers: Any) -> None:
        self.inner.on_response(headers)


class DateInThePast(Delegating):
    """Dates (and signs) every request 20 minutes ago: outside the server's +-15 min window."""

    async def authenticate(self, prepared: bai.PreparedRequest) -> None:
        then = datetime.now(timezone.utc) - timedelta(minutes=20)
        prepared.headers["Date"] = prepared.date = then.isoformat()
        prepared.day = then.strftime("%Y%m%d")
        await self.inner.authenticate(prepared)


class SignsAnotherBody(Delegating):
    """Signs a body other than the one sent: only a server that hashes the body notices."""

    async def authenticate(self, prepared: bai.PreparedRequest) -> None:
        prepared.body = b'{"echo": "something else"}'
        await self.inner.authenticate(prepared)


@pytest.fixture
async def reap_sessions() -> AsyncIterator[Callable[[bai.ClientConfig, str], None]]:
    """``reap_sessions(config, name)``: after the test, force-destroy that session if it exists
    and wait until it has ended, so that every test starts with a free agent."""
    names: list[tuple[bai.ClientConfig, str]] = []
    yield lambda config, name: names.append((config, name))
    for config, name in names:
        await reap(config, name)


async def reap(config: bai.ClientConfig, name: str) -> None:
    async with bai.Client(config, agent_signature="tests-cleanup") as client:
        # (a call that timed out or was aborted client-side goes on on the server)
        if await poll(lambda: session_exists(client, name), within=2.0):
            with contextlib.suppress(bai.NotFoundError):  # gone meanwhile
                await client.destroy(name, forced=True)
            await poll(lambda: session_ended(client, name), within=30.0)


async def session_exists(client: bai.Client, name: str) -> bool:
    try:
        await client.get_info(name)
    except bai.NotFoundError:
        return False
    return True


async def session_gone(client: bai.Client, name: str) -> bool:
    return not await session_exists(client, name)


async def session_ended(client: bai.Client, name: str) -> bool:
    """Gone, or marked terminated.  (26.9.6 can leave a session that was cancelled while the
    scheduler allocated it in PREPARED for good, with a termination time and no slots.)"""
    try:
        info = await client.get_info(name)
    except bai.NotFoundError:
        return True
    return info.get("terminationTime") is not None


async def poll(check: Callable[[], Awaitable[bool]], *, within: float) -> bool:
    """Await ``check()`` every 0.5 s until it is true; False if that took longer than ``within``."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.5)
    return True


# ---------------------------------------------------------------- version negotiation


@pytest.mark.parametrize("generation", ALL_GENERATIONS)
async def test_negotiates_the_version_the_manager_advertises(
    api_config: Any, stack: dict[str, Any], generation: str
) -> None:
    config = api_config("superadmin", on=generation)
    async with bai.Client(config, agent_signature="tests") as client:
        manager = await client.get_manager_version()
        assert manager == stack["generations"][generation]["hello"]["manager"]
        assert client.manager_version == manager
        assert client.api_version == ADVERTISED[generation]
        # and a signed call with that version is accepted
        keypair = await keypair_of(client, generation)
    assert keypair == {"access_key": config.access_key, "is_active": True}


async def test_pinned_v3_signs_the_body_and_19_09_accepts_it(api_config: Any) -> None:
    config = api_config("superadmin", on="19.09", api_version="v3.20170615")
    async with bai.Client(config, agent_signature="tests") as client:
        # 19.09's auth middleware reads the whole body to hash it for v1-v3; its handlers then
        # see the body as consumed and read their parameters from the query string, hence
        # `echo` in both.  200 means the signature over the body hash matched.
        answer = await client.request("POST", "/auth/test", params={"echo": "v3"}, json={"echo": "v3"})
        assert client.api_version == "v3.20170615"
    assert answer == {"authorized": "yes", "echo": "v3"}


@pytest.mark.parametrize(("version", "body_is_signed"), [("v3.20170615", True), ("v4.20190615", False)])
async def test_the_body_is_in_the_signature_only_before_v4(api_config: Any, version: str, body_is_signed: bool) -> None:
    config = api_config("superadmin", on="19.09", api_version=version)
    async with bai.Client(config, authenticator=SignsAnotherBody(config)) as client:
        call = client.request("POST", "/auth/test", params={"echo": "x"}, json={"echo": "x"})
        if body_is_signed:
            with pytest.raises(bai.AuthenticationError) as caught:
                await call
            assert caught.value.status == 401
            assert str(caught.value.problem_type).endswith("/auth-failed")
        else:
            assert await call == {"authorized": "yes", "echo": "x"}


# ---------------------------------------------------------------- signed calls per role


@pytest.mark.parametrize("generation", ALL_GENERATIONS)
@pytest.mark.parametrize("role", ROLES)
async def test_signed_call_as(api_config: Any, role: str, generation: str) -> None:
    config = api_config(role, on=generation)
    async with bai.Client(config, agent_signature="tests") as client:
        keypair = await keypair_of(client, generation)
    assert keypair == {"access_key": config.access_key, "is_active": True}


async def test_role_fixtures_are_three_distinct_keypairs(
    superadmin_config: bai.ClientConfig, domain_admin_config: bai.ClientConfig, user_config: bai.ClientConfig
) -> None:
    seen = set()
    for config in (superadmin_config, domain_admin_config, user_config):
        async with bai.Client(config) as client:
            seen.add((await keypair_of(client, "26.09"))["access_key"])
    assert seen == {superadmin_config.access_key, domain_admin_config.access_key, user_config.access_key}


# ---------------------------------------------------------------- errors from the real server


@pytest.mark.parametrize("generation", ALL_GENERATIONS)
async def test_wrong_secret_is_401_auth_failed(api_config: Any, generation: str) -> None:
    config = api_config("user", on=generation, secret_key="not-the-secret-key")
    async with bai.Client(config) as client:
        with pytest.raises(bai.AuthenticationError) as caught:
            await keypair_of(client, generation)
    error = caught.value
    assert error.type == bai.ErrorType.ERR_SERVER
    assert error.status == 401
    assert str(error.problem_type).endswith("/auth-failed")
    assert "not-the-secret-key" not in str(error) + repr(error)


@pytest.mark.parametrize("generation", ALL_GENERATIONS)
async def test_unknown_api_version_is_400(api_config: Any, generation: str) -> None:
    config = api_config("user", on=generation, api_version="v9.20991231")  # well-formed, unknown
    async with bai.Client(config) as client:
        with pytest.raises(bai.BadRequestError) as caught:
            await keypair_of(client, generation)
    error = caught.value
    assert client.api_version == "v9.20991231"  # pinned: no negotiation
    assert error.status == 400
    assert str(error.problem_type).endswith("/generic-bad-request")
    assert "Unsupported API" in error.message


@pytest.mark.parametrize("generation", ALL_GENERATIONS)
async def test_a_date_20_minutes_off_is_400_invalid_auth_params(api_config: Any, generation: str) -> None:
    config = api_config("user", on=generation)
    async with bai.Client(config, authenticator=DateInThePast(config)) as client:
        with pytest.raises(bai.BadRequestError) as caught:
            await keypair_of(client, generation)
    assert caught.value.status == 400
    assert str(caught.value.problem_type).endswith("/invalid-auth-params")


@pytest.mark.parametrize("generation", ALL_GENERATIONS)
async def test_unknown_session_is_404(api_config: Any, generation: str) -> None:
    async with bai.Client(api_config("user", on=generation)) as client:
        with pytest.raises(bai.NotFoundError) as caught:
            await client.get_info(new_session_name())
    assert caught.value.status == 404
    assert caught.value.type == bai.ErrorType.ERR_SERVER
    # 26.09: entity-not-found; 22.09: object-not-found; 19.09: kernel-not-found
    assert str(caught.value.problem_type).endswith("-not-found")


async def test_a_call_past_its_timeout_raises_and_releases_its_connection(
    user_config: bai.ClientConfig, current: dict[str, Any], reap_sessions: Any
) -> None:
    name = new_session_name()
    reap_sessions(user_config, name)
    async with aiohttp.ClientSession() as http, bai.Client(user_config, http_session=http) as client:
        await client.get_manager_version()
        started = time.monotonic()
        # creation answers only once the scheduler has started the session (~10 s here)
        with pytest.raises(bai.RequestTimeoutError) as caught:
            await client.create_if_not_exists(current["image"], name, resources=RESOURCES, timeout=1.0)
        elapsed = time.monotonic() - started
        assert len(http.connector._acquired) == 0  # type: ignore[union-attr]
    assert caught.value.type == bai.ErrorType.ERR_TIMEOUT
    assert isinstance(caught.value, TimeoutError)
    assert 0.9 <= elapsed < 3.0


async def test_an_aborted_call_raises_and_releases_its_connection(
    user_config: bai.ClientConfig, current: dict[str, Any], reap_sessions: Any
) -> None:
    name = new_session_name()
    reap_sessions(user_config, name)
    async with aiohttp.ClientSession() as http, bai.Client(user_config, http_session=http) as client:
        await client.get_manager_version()
        controller = bai.AbortController()
        asyncio.get_running_loop().call_later(0.5, controller.abort)
        started = time.monotonic()
        with pytest.raises(bai.AbortError) as caught:
            await client.create_if_not_exists(current["image"], name, resources=RESOURCES, signal=controller.signal)
        elapsed = time.monotonic() - started
        assert len(http.connector._acquired) == 0  # type: ignore[union-attr]
    assert caught.value.type == bai.ErrorType.ERR_ABORT
    assert elapsed < 3.0


# ---------------------------------------------------------------- SESSION mode (webserver)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
async def test_session_mode_login_call_logout(session_config: Any, current: dict[str, Any], host: str) -> None:
    config = session_config(host)
    async with bai.Client(config, agent_signature="tests") as client:
        assert await client.check_login() is False
        result = await client.login()
        assert result, result.fail_reason
        assert await client.check_login() is True
        # calls proxied by the webserver (/func/...), signed there with the user's keypair
        assert await client.get_manager_version() == current["hello"]["manager"]
        assert client.api_version == ADVERTISED["26.09"]
        keypair = await keypair_of(client, "26.09")
        assert keypair == {"access_key": current["users"]["user"]["access_key"], "is_active": True}
        await client.logout()
        assert await client.check_login() is False


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
async def test_session_mode_wrong_password(session_config: Any, host: str) -> None:
    # (domain_admin: failed logins count per user name, and 10 of them block it for 20 minutes)
    config = session_config(host, role="domain_admin", password="not-the-password")
    async with bai.Client(config) as client:
        result = await client.login()
        assert not result
        assert isinstance(result.fail_reason, str)
        assert result.fail_reason.strip()
        assert not result.fail_reason.lstrip().startswith(("{", "<"))  # a message, not a raw body
        assert "not-the-password" not in result.fail_reason
        assert await client.check_login() is False


# ---------------------------------------------------------------- compute sessions (dummy agent)


async def test_session_lifecycle(user_config: bai.ClientConfig, current: dict[str, Any], reap_sessions: Any) -> None:
    name = new_session_name()
    reap_sessions(user_config, name)
    async with bai.Client(user_config, agent_signature="tests") as client:
        first = await client.create_if_not_exists(current["image"], name, resources=RESOURCES)
        assert first["created"] is True
        second = await client.create_if_not_exists(current["image"], name, resources=RESOURCES)
        assert second["created"] is False
        assert second["sessionId"] == first["sessionId"]
        info = await client.get_info(name)
        assert info["status"] == "RUNNING"
        assert info["image"] == current["image"]
        await client.destroy(name)
        assert await poll(lambda: session_gone(client, name), within=30.0)
