"""Several endpoints: what moves when, stickiness, cool-down, per-endpoint versions, the login along."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import aiohttp
import pytest
from yarl import URL

import backendai_async as bai
from backendai_async.testing import FakeManager, Fault
from backendai_async.transport.endpoints import _carry_cookies

from .conftest import AK, SK

PATH = "/auth/test"
V9 = "v9.20250722"


def dead_endpoint() -> str:
    """A loopback URL nothing listens on: a port bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def unanswered() -> Iterator[str]:
    """A loopback URL whose TCP connects hang: a listener with a full backlog that never accepts."""
    with contextlib.ExitStack() as stack:
        listener = stack.enter_context(socket.socket())
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        for _ in range(3):
            filler = stack.enter_context(socket.socket())
            filler.setblocking(False)
            filler.connect_ex(listener.getsockname())
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture
async def fm2() -> AsyncIterator[FakeManager]:
    async with FakeManager() as manager:
        yield manager


@pytest.fixture
async def clients() -> AsyncIterator[Callable[..., bai.Client]]:
    made: list[bai.Client] = []

    def make(endpoints: Any, **config: Any) -> bai.Client:
        config.setdefault("max_retries", 0)
        made.append(bai.Client(bai.ClientConfig(AK, SK, endpoints, **config)))
        return made[-1]

    yield make
    for client in made:
        await client.close()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def calls_to(fm: FakeManager, path: str = PATH) -> int:
    return sum(r.path == path for r in fm.requests)


# ---- configuration ---------------------------------------------------------------------------


def test_endpoints_from_a_sequence_a_comma_string_and_the_environment() -> None:
    expected = ("http://a:8090", "https://b")
    assert bai.ClientConfig(AK, SK, ["http://a:8090/", "https://b:443"]).endpoints == expected
    config = bai.ClientConfig(AK, SK, " http://a:8090 , https://b ,")
    assert config.endpoints == expected
    assert config.endpoint == "http://a:8090,https://b"
    assert str(config.endpoint_url) == "http://a:8090"
    assert dataclasses.replace(config, timeout=3).endpoints == expected
    env = {"BACKEND_ACCESS_KEY": AK, "BACKEND_SECRET_KEY": SK, "BACKEND_ENDPOINT": "http://a:8090,https://b"}
    assert bai.ClientConfig.from_env(env).endpoints == expected
    assert bai.ClientConfig(AK, SK, "http://a:8090").endpoints == ("http://a:8090",)
    assert bai.ClientConfig(AK, SK).failover_cooldown == 30.0


@pytest.mark.parametrize(
    ("endpoint", "problem"),
    [("http://a,http://a/", "twice"), (",", "names no endpoint"), ("http://a,b", "scheme"), ([1], "sequence")],
)
def test_bad_endpoint_lists(endpoint: Any, problem: str) -> None:
    with pytest.raises(bai.ConfigError, match=problem):
        bai.ClientConfig(AK, SK, endpoint)


def test_bad_cooldown() -> None:
    with pytest.raises(bai.ConfigError, match="failover_cooldown"):
        bai.ClientConfig(AK, SK, "http://a", failover_cooldown=-1)


async def test_one_endpoint_builds_no_failover(fm: FakeManager, clients: Callable[..., bai.Client]) -> None:
    client = clients(str(fm.url))
    assert client._pipeline.endpoints is None
    assert client.endpoint == str(fm.url)


# ---- what moves when -------------------------------------------------------------------------


async def test_dead_first_endpoint_moves_any_method_and_sticks(
    fm: FakeManager, clients: Callable[..., bai.Client], caplog: pytest.LogCaptureFixture
) -> None:
    dead = dead_endpoint()
    client = clients([dead, str(fm.url)])
    assert client.endpoint == dead
    with caplog.at_level(logging.INFO, logger="backendai_async"):
        answer = await client.request("POST", PATH, json={"echo": "x"})  # not idempotent: nothing was sent
    assert answer["echo"] == "x"
    assert client.endpoint == str(fm.url)
    moves = [r.getMessage() for r in caplog.records if "failing over" in r.getMessage()]
    assert moves == [f"failing over from {dead} to {fm.url} after {moves[0].split(' after ')[1]}"]
    assert "could not send the request" in moves[0]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="backendai_async"):
        await client.request("POST", PATH, json={"echo": "y"})  # sticky: straight to the second
    assert not caplog.records
    assert calls_to(fm) == 2
    assert calls_to(fm, "/") == 1  # negotiated once, on the endpoint that answered


async def test_concurrent_calls_fail_over_once(
    fm: FakeManager, clients: Callable[..., bai.Client], caplog: pytest.LogCaptureFixture
) -> None:
    client = clients([dead_endpoint(), str(fm.url)], api_version=V9)
    with caplog.at_level(logging.INFO, logger="backendai_async"):
        answers = await asyncio.gather(*(client.request("POST", PATH, json={"echo": str(i)}) for i in range(20)))
    assert [a["echo"] for a in answers] == [str(i) for i in range(20)]
    assert sum("failing over" in r.getMessage() for r in caplog.records) == 1
    assert calls_to(fm) == 20


async def test_streamed_calls_move_too(fm: FakeManager, clients: Callable[..., bai.Client]) -> None:
    client = clients([dead_endpoint(), str(fm.url)], api_version=V9)
    async with client._pipeline.stream("POST", PATH, json={"echo": "streamed"}) as resp:
        assert b"streamed" in await resp.read()
    assert client.endpoint == str(fm.url)


async def test_a_connect_that_hangs_moves_before_the_deadline(
    unanswered: str, fm: FakeManager, clients: Callable[..., bai.Client]
) -> None:
    client = clients([unanswered, str(fm.url)], api_version=V9, timeout=30)
    assert client._pipeline._http.connect_timeout == 5.0
    client._pipeline._http.connect_timeout = 0.2
    answer = await client.request("POST", PATH, json={"echo": "x"})
    assert answer["echo"] == "x"
    assert client.endpoint == str(fm.url)


async def test_after_send_failure_moves_idempotent_calls_only(
    fm: FakeManager, fm2: FakeManager, clients: Callable[..., bai.Client]
) -> None:
    client = clients([str(fm.url), str(fm2.url)], api_version=V9, failover_cooldown=0)
    fm.inject(Fault(path=PATH, disconnect=True, times=None))  # reads the request, then resets
    with pytest.raises(bai.RequestError):
        await client.request("POST", PATH, json={"echo": "x"})
    assert (calls_to(fm), calls_to(fm2)) == (1, 0)
    assert client.endpoint == str(fm.url)
    answer = await client.request("GET", PATH, params={"echo": "y"})
    assert answer["authorized"] == "yes"
    assert calls_to(fm2) == 1  # (aiohttp itself may repeat an idempotent request once on fm)
    assert fm2.requests[-1].query == {"echo": "y"}  # the same call, moved
    assert client.endpoint == str(fm2.url)
    # a POST that a resource marks safe to repeat moves too, as the retry policy would repeat it
    fm.clear_faults()
    fm2.inject(Fault(path=PATH, disconnect=True))
    answer = await client._pipeline.send("POST", PATH, json={"echo": "z"}, retry_safe=True)
    assert answer["echo"] == "z"
    assert client.endpoint == str(fm.url)


async def test_gateway_statuses_move_safe_calls(
    fm: FakeManager, fm2: FakeManager, clients: Callable[..., bai.Client]
) -> None:
    client = clients([str(fm.url), str(fm2.url)], api_version=V9)
    fm.inject(Fault(path=PATH, status=503, times=None))
    with pytest.raises(bai.InternalServerError):
        await client.request("POST", PATH, json={"echo": "x"})
    assert await client.request("GET", PATH, params={"echo": "y"})
    assert client.endpoint == str(fm2.url)
    fm2.inject(Fault(path=PATH, status=404))
    with pytest.raises(bai.NotFoundError):  # an answer of the server: no move
        await client.request("GET", PATH, params={"echo": "z"})
    assert client.endpoint == str(fm2.url)


async def test_cool_down_with_an_injected_clock(
    fm: FakeManager, fm2: FakeManager, clients: Callable[..., bai.Client]
) -> None:
    first = fm.url
    client = clients([str(first), str(fm2.url)], api_version=V9, failover_cooldown=30)
    assert client._pipeline.endpoints is not None
    clock = client._pipeline.endpoints.clock = Clock()
    await fm.close()
    assert await client.request("GET", PATH, params={"echo": "a"})
    assert client.endpoint == str(fm2.url)
    await fm.start(port=first.port or 0)
    fm2.inject(Fault(path=PATH, status=503, times=None))
    clock.now += 29  # the first endpoint is still cooling down: the error is raised, nothing moves
    with pytest.raises(bai.InternalServerError):
        await client.request("GET", PATH, params={"echo": "b"})
    assert calls_to(fm) == 0
    clock.now += 1  # cooled down: tried again
    assert (await client.request("GET", PATH, params={"echo": "c"}))["authorized"] == "yes"
    assert calls_to(fm) == 1
    assert client.endpoint == str(first)


async def test_all_endpoints_down_raises_once_each_was_tried(clients: Callable[..., bai.Client]) -> None:
    dead = [dead_endpoint(), dead_endpoint()]
    client = clients(dead, api_version=V9)
    with pytest.raises(bai.RequestError):
        await client.request("GET", PATH)
    assert client.endpoint == dead[1]


# ---- versions --------------------------------------------------------------------------------


async def test_endpoints_at_different_api_versions_raise_a_clear_error(clients: Callable[..., bai.Client]) -> None:
    async with FakeManager("24.09") as old, FakeManager("26.9") as new:
        client = clients([str(old.url), str(new.url)])
        assert await client.request("GET", PATH, params={"echo": "x"})
        assert client.api_version == "v8.20240915"
        old.inject(Fault(path=PATH, disconnect=True, times=None))
        with pytest.raises(bai.EndpointMismatchError) as caught:
            await client.request("GET", PATH, params={"echo": "y"})
        message = str(caught.value)
        assert f"{new.url} (v9.20250722)" in message
        assert f"{old.url} (v8.20240915)" in message
        assert calls_to(new) == 0  # asked GET /, the call itself was not sent
        assert calls_to(new, "/") == 1


async def test_each_endpoint_is_asked_its_version_once(
    fm: FakeManager, fm2: FakeManager, clients: Callable[..., bai.Client]
) -> None:
    client = clients([str(fm.url), str(fm2.url)])
    assert await client.request("GET", PATH, params={"echo": "x"})
    fm.inject(Fault(path=PATH, disconnect=True, times=None))
    for _ in range(2):
        assert await client.request("GET", PATH, params={"echo": "y"})
    assert (calls_to(fm, "/"), calls_to(fm2, "/")) == (1, 1)
    assert calls_to(fm2) == 2


async def test_a_failed_version_probe_moves_any_method(
    fm: FakeManager, fm2: FakeManager, clients: Callable[..., bai.Client]
) -> None:
    async with FakeManager() as fm3:
        client = clients([str(fm.url), str(fm2.url), str(fm3.url)])
        assert await client.get_manager_version()
        await fm.close()
        fm2.inject(Fault(path="/", status=503, times=None))  # its GET / fails: the POST was not sent there
        answer = await client.request("POST", PATH, json={"echo": "x"})
        assert answer["echo"] == "x"
        assert (calls_to(fm2), calls_to(fm3)) == (0, 1)
        assert client.endpoint == str(fm3.url)


# ---- SESSION mode ----------------------------------------------------------------------------


async def test_session_login_moves_with_the_cookie(fm: FakeManager, fm2: FakeManager) -> None:
    fm2.web_sessions = fm.web_sessions  # one session store behind both webservers
    # different host names: a cookie jar keeps cookies per host (and ignores ports)
    first = f"http://localhost:{fm.url.port}"
    config = bai.ClientConfig(
        user_id="user@lablup.com",
        password="C8qnIo29",
        endpoint=[first, str(fm2.url)],
        connection_mode="SESSION",
        max_retries=0,
    )
    async with bai.Client(config) as client:
        assert await client.login()
        assert await client.check_login() is True
        assert "AIOHTTP_SESSION" in fm.requests[-1].headers.get("Cookie", "")
        await fm.close()
        assert await client.check_login() is True
        assert client.endpoint == str(fm2.url)
        cookie = fm2.requests[-1].headers.get("Cookie", "")
        assert "AIOHTTP_SESSION=" in cookie
        answer = await client.request("POST", "/auth/test", json={"echo": "moved"})
        assert answer["echo"] == "moved"


async def test_a_secure_cookie_is_carried_secure_only() -> None:
    jar = aiohttp.CookieJar()
    jar.update_cookies({"AIOHTTP_SESSION": "s3cr3t"}, URL("https://a.example/"))
    _carry_cookies(jar, URL("https://a.example"), URL("http://b.example"))
    _carry_cookies(jar, URL("https://a.example"), URL("https://c.example"))
    assert not jar.filter_cookies(URL("http://b.example/"))  # never in clear text
    assert jar.filter_cookies(URL("https://c.example/"))["AIOHTTP_SESSION"].value == "s3cr3t"
    assert not jar.filter_cookies(URL("https://elsewhere.example/"))
