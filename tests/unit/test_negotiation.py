"""Version negotiation against every server generation the FakeManager simulates."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

import backendai_async as bai
from backendai_async.testing import GENERATIONS, FakeManager, Fault

from .conftest import ClientFactory


@pytest.mark.parametrize("key", sorted(GENERATIONS))
async def test_each_generation_gets_its_own_advertised_version(key: str, make_client: ClientFactory) -> None:
    generation = GENERATIONS[key]
    async with FakeManager(key) as fm:
        client = make_client(fm)
        manager = await client.get_manager_version()
        assert client.api_version == generation.advertised
        assert client.api_version_major == int(generation.advertised[1 : generation.advertised.index(".")])
        assert manager == (generation.manager_version if generation.reports_manager else None)
        answer = await client.request("POST", "/auth/test", json={"echo": "hi"})
        assert answer["echo"] == "hi"
        probe, signed = fm.requests
        assert probe.method == "GET" and probe.path == "/"
        assert "X-BackendAI-Version" not in probe.headers  # old servers reject unknown versions even on /
        assert signed.headers["X-BackendAI-Version"] == generation.advertised


@pytest.mark.parametrize(
    ("advertised", "sent"),
    [("v9.20270101", "v9.20250722"), ("v6.20211001", "v6.20200815"), ("v6.20221201", "v6.20220615")],
)
async def test_unknown_advertised_version_sends_a_safe_older_one(
    advertised: str, sent: str, make_client: ClientFactory
) -> None:
    base = GENERATIONS["26.9"]
    generation = dataclasses.replace(base, advertised=advertised, accepted=base.accepted | {advertised})
    async with FakeManager(generation) as fm:
        client = make_client(fm)
        await client.request("GET", "/auth/test", params={"echo": "x"})
        assert client.api_version == sent
        assert fm.requests[-1].headers["X-BackendAI-Version"] == sent


async def test_pinned_version_skips_the_probe(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, api_version="v8.20240915")
    await client.request("GET", "/auth/test", params={"echo": "x"})
    assert [r.path for r in fm.requests] == ["/auth/test"]
    assert fm.requests[0].headers["X-BackendAI-Version"] == "v8.20240915"


async def test_pinned_version_the_server_rejects_is_a_bad_request(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, api_version="v9.20991231")
    with pytest.raises(bai.BadRequestError) as info:
        await client.request("GET", "/auth/test", params={"echo": "x"})
    assert info.value.status == 400
    assert info.value.problem_type == "https://api.backend.ai/probs/generic-bad-request"


async def test_concurrent_first_calls_probe_once(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    await asyncio.gather(*(client.request("GET", "/auth/test", params={"echo": str(i)}) for i in range(5)))
    assert [r.path for r in fm.requests].count("/") == 1


async def test_probe_failure_is_typed_and_not_cached(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    fm.inject(Fault(path="/", status=500, body=b"", times=1))
    with pytest.raises(bai.InternalServerError) as info:
        await client.request("GET", "/auth/test", params={"echo": "x"})
    assert info.value.status == 500
    assert client.api_version is None  # no guess was made
    fm.inject(Fault(path="/", status=200, body=b'{"nothing": 1}', content_type="application/json"))
    with pytest.raises(bai.ResponseError, match="did not return a version"):
        await client.get_manager_version()
    assert await client.get_manager_version() == GENERATIONS["26.9"].manager_version
    assert client.api_version == GENERATIONS["26.9"].advertised


async def test_too_old_server_is_refused(make_client: ClientFactory) -> None:
    base = GENERATIONS["18.12"]
    generation = dataclasses.replace(base, advertised="v2.20170315")
    async with FakeManager(generation) as fm:
        client = make_client(fm)
        with pytest.raises(bai.ResponseError, match=r"older than v3\.20170615"):
            await client.request("GET", "/auth/test", params={"echo": "x"})


async def test_version_queries(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    for check in (client.supports, client.is_api_version_compatible_with, client.is_manager_version_compatible_with):
        with pytest.raises(bai.NegotiationRequiredError, match="get_manager_version"):
            check("session-prefix" if check == client.supports else "1")
    assert await client.get_server_version() == {"version": "v9.20250722", "manager": "26.9.6"}
    await client.get_manager_version()
    assert client.supports("session-prefix") and client.supports("per-kernel-logs")
    assert client.is_api_version_compatible_with("v8.20240915")
    assert not client.is_api_version_compatible_with("v10.20300101")
    assert client.is_manager_version_compatible_with("26.9.6rc1")
    assert not client.is_manager_version_compatible_with("26.9.7")
    with pytest.raises(KeyError):
        client.supports("no-such-feature")
