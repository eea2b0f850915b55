"""The FakeManager itself, driven by raw aiohttp requests signed with ``Signer`` (not our Client)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

import aiohttp
import pytest
from multidict import CIMultiDictProxy
from yarl import URL

from backendai_async.signing import Signer
from backendai_async.testing import GENERATIONS, FakeManager, Fault, Keypair

AK, SK = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
USER_AK, USER_SK = "AKIANABBDUSEREXAMPLE", "C8qnIo29EZvXkPK_MXcuAakYTy4NYrxwmCEyNPlf"
ADMIN = Signer(AK, SK)
USER = Signer(USER_AK, USER_SK)
PROBS = "https://api.backend.ai/probs/"
ADVERTISED = object()  # send the generation's advertised version

Start = Callable[..., Awaitable[FakeManager]]


class Reply(NamedTuple):
    status: int
    headers: CIMultiDictProxy[str]
    body: Any


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def start() -> AsyncIterator[Start]:
    """``await start(generation, **kwargs)``: a started FakeManager, closed after the test."""
    managers: list[FakeManager] = []

    async def start_one(generation: str = "26.9", **kwargs: Any) -> FakeManager:
        manager = FakeManager(generation, **kwargs)
        await manager.start()
        managers.append(manager)
        return manager

    yield start_one
    for manager in managers:
        await manager.close()


async def send(
    http: aiohttp.ClientSession,
    fm: FakeManager,
    method: str,
    path: str,
    *,
    body: Any = None,
    signer: Signer | None = ADMIN,
    version: object = ADVERTISED,
    date: str | None = None,
    host: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    """One request to ``path`` (with its query, sent as is), signed unless ``signer`` is None."""
    data = json.dumps(body).encode() if body is not None else None
    hdrs = {"Host": host or fm.url.raw_authority, **(headers or {})}
    if data is not None:
        hdrs.setdefault("Content-Type", "application/json")
    api_version = fm.generation.advertised if version is ADVERTISED else version
    if isinstance(api_version, str):
        hdrs["X-BackendAI-Version"] = api_version
    if signer is not None:
        assert isinstance(api_version, str)
        hdrs.setdefault("Date", date or datetime.now(timezone.utc).isoformat())
        signature = signer.signature(
            method, path, hdrs["Date"], hdrs["Host"], hdrs.get("Content-Type"), api_version, data
        )
        hdrs.setdefault("Authorization", signer.authorization(signature))
    url = URL(str(fm.url) + path, encoded=True)
    async with http.request(method, url, data=data, headers=hdrs) as resp:
        raw = await resp.read()
        parsed = json.loads(raw) if "json" in resp.content_type else raw.decode()
        return Reply(resp.status, resp.headers, parsed)


def problem(reply: Reply, status: int, slug: str, msg: str | None = None) -> None:
    assert reply.status == status, reply
    assert reply.headers["Content-Type"].startswith("application/problem+json")
    assert reply.body["type"] == PROBS + slug
    if msg is not None:
        assert reply.body["msg"] == msg


# -- generations -------------------------------------------------------------------------


def test_generation_table_follows_the_contract() -> None:
    g = GENERATIONS
    assert {"v1.20160915", "v2.20170315", "v3.20170615"} <= g["19.09"].accepted
    assert "v3.20170615" not in g["20.03"].accepted
    assert g["20.03"].accepted == {"v4.20181215", "v4.20190115", "v4.20190315", "v4.20190615", "v5.20191215"}
    assert "v6.20210815" in g["25.12"].accepted and "v6.20221201" not in g["25.12"].accepted
    assert g["26.3"].accepted == g["25.12"].accepted - {"v6.20210815"} | {"v6.20221201"}
    assert [g[k].advertised for k in ("18.12", "20.09", "21.09", "26.9")] == [
        "v4.20181215",
        "v6.20200815",
        "v6.20210815",
        "v9.20250722",
    ]
    assert (g["19.09"].session_prefix, g["20.03"].session_prefix) == ("/kernel", "/session")
    assert (g["23.03"].reuse_status, g["23.09"].reuse_status) == (200, 201)
    assert [k for k, gen in g.items() if gen.error_code] == ["25.12", "26.3", "26.9"]
    assert [k for k, gen in g.items() if gen.auth_before_version] == ["26.3", "26.9"]
    assert not g["25.12"].auth_before_version and g["25.12"].date_check_first
    assert g["26.3"].date_check_first is g["26.3"].rejects_unknown_keys is False


@pytest.mark.parametrize("key", list(GENERATIONS))
async def test_root_reports_the_generation(key: str, start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start(key)
    gen = fm.generation
    reply = await send(http, fm, "GET", "/", signer=None, version=None)
    assert reply.status == 200
    assert reply.headers["Server"] == "BackendAI"
    assert reply.headers["X-RateLimit-Limit"] == "1000"
    expected = {"version": gen.advertised} | ({"manager": gen.manager_version} if key != "18.12" else {})
    assert reply.body == expected
    assert gen.advertised in gen.accepted
    assert (await send(http, fm, "GET", "/", signer=None)).status == 200  # its own version is accepted


@pytest.mark.parametrize(
    ("key", "version", "status"),
    [
        ("25.12", "v6.20221201", 400),
        ("26.9", "v6.20221201", 200),
        ("25.12", "v6.20210815", 200),
        ("26.3", "v6.20210815", 400),
        ("22.09", "v6.20230315", 400),
        ("26.9", "v9.20250723", 400),
        ("26.9", "garbage", 400),
    ],
)
async def test_version_header_checked_even_on_root(
    key: str, version: str, status: int, start: Start, http: aiohttp.ClientSession
) -> None:
    fm = await start(key)
    reply = await send(http, fm, "GET", "/", signer=None, version=version)
    assert reply.status == status
    if status == 400:
        problem(reply, 400, "generic-bad-request", "Unsupported API version.")
        assert reply.body["title"] == "Bad request."


async def test_error_code_only_from_25_8(start: Start, http: aiohttp.ClientSession) -> None:
    old, new = await start("24.09"), await start("25.12")
    old_reply = await send(http, old, "GET", "/nowhere", signer=None)
    new_reply = await send(http, new, "GET", "/nowhere", signer=None)
    problem(old_reply, 404, "url-not-found")
    assert old_reply.body == {"type": PROBS + "url-not-found", "title": "Unknown URL path.", "data": "/nowhere"}
    problem(new_reply, 404, "url-not-found")
    assert "error_code" in new_reply.body


async def test_wrong_method_is_405_with_allow(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start()
    reply = await send(http, fm, "PUT", "/session/abcd")
    problem(reply, 405, "method-not-allowed")
    assert reply.headers["Allow"] == "DELETE,GET,PATCH,POST"


# -- HMAC authentication -------------------------------------------------------------------

# server-contract §2.4: (method, raw path, date, host, content type, version, signature)
VECTORS = [
    (
        "GET",
        "/session/mysess?owner_access_key=AKIAIOSFODNN7EXAMPLE",
        "2024-09-01T12:34:56.789012+00:00",
        "127.0.0.1:8081",
        "application/json",
        "v8.20240915",
        "d727cc87d5e96a4923db0a379b570ccd982d16a8cfa17cbef36e0f1f35a95b3c",
    ),
    (
        "GET",
        "/auth/test?echo=hi",
        "Sun, 01 Sep 2024 12:34:56 GMT",
        "localhost:8081",
        None,
        "v9.20250722",
        "b55ca896b26cdd9feff8685ba46c91d1889edae9123707fc1f2c15f4d9ee40b1",
    ),
]


@pytest.mark.parametrize(("method", "path", "date", "host", "ctype", "version", "signature"), VECTORS)
async def test_contract_vectors_authenticate(
    method: str,
    path: str,
    date: str,
    host: str,
    ctype: str | None,
    version: str,
    signature: str,
    start: Start,
    http: aiohttp.ClientSession,
) -> None:
    """Hard-coded signatures replayed under a fixed clock: the fake's verifier, not our signer."""
    fm = await start("25.12", clock=lambda: datetime(2024, 9, 1, 12, 40, tzinfo=timezone.utc))
    headers = {
        "Date": date,
        "Authorization": f"BackendAI signMethod=HMAC-SHA256, credential={AK}:{signature}",
        **({"Content-Type": ctype} if ctype else {}),
    }
    reply = await send(http, fm, method, path, signer=None, version=version, host=host, headers=headers)
    assert reply.status in (200, 404)  # authenticated: the echo, or "No such session."
    assert reply.body.get("echo", "hi") == "hi"
    assert reply.body.get("title", "No such session.") == "No such session."
    tampered = {**headers, "Authorization": headers["Authorization"][:-1] + "0"}
    reply = await send(http, fm, method, path, signer=None, version=version, host=host, headers=tampered)
    problem(reply, 401, "auth-failed", "Signature mismatch")


@pytest.mark.parametrize(
    "date",
    [
        "2024-09-02T01:00:00+09:00",  # key date in the header's own offset: 20240902
        "2024-09-01T16:00:00Z",
        "2024-09-01T16:00:00",  # naive = UTC
        "20240901T160000Z",
        "Sun, 01 Sep 2024 16:00:00 GMT",
    ],
)
async def test_date_formats(date: str, start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start("26.9", clock=lambda: datetime(2024, 9, 1, 16, 5, tzinfo=timezone.utc))
    reply = await send(http, fm, "POST", "/auth/test", body={"echo": "x"}, date=date)
    assert reply.status == 200, reply
    assert reply.body == {"authorized": "yes", "echo": "x"}


@pytest.mark.parametrize(("skew", "status"), [(14, 200), (-14, 200), (16, 400), (-16, 400)])
async def test_date_window(skew: int, status: int, start: Start, http: aiohttp.ClientSession) -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=timezone.utc)
    fm = await start(clock=lambda: now)
    date = (now + timedelta(minutes=skew)).isoformat()
    reply = await send(http, fm, "POST", "/auth/test", body={"echo": "x"}, date=date)
    assert reply.status == status
    if status == 400:
        problem(reply, 400, "invalid-auth-params", "Date/time sync error")


async def test_date_header_wins_over_x_backendai_date(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start()
    now = datetime.now(timezone.utc).isoformat()
    both = {"X-BackendAI-Date": "garbage"}
    assert (await send(http, fm, "POST", "/auth", body={"echo": ""}, date=now, headers=both)).status == 200
    # only X-BackendAI-Date: the server signs that one
    fm2 = await start()
    body = {"echo": "x"}
    data = json.dumps(body).encode()
    host = fm2.url.raw_authority
    sig = ADMIN.signature("POST", "/auth", now, host, "application/json", "v9.20250722", data)
    headers = {"X-BackendAI-Date": now, "Authorization": ADMIN.authorization(sig)}
    reply = await send(http, fm2, "POST", "/auth", body=body, signer=None, headers=headers)
    assert reply.status == 200


def _auth(value: str) -> dict[str, str]:
    return {"Authorization": value}


@pytest.mark.parametrize(
    ("headers", "status", "slug", "msg"),
    [
        (_auth("BackendAI"), 400, "invalid-auth-params", "Malformed authorization header"),
        (_auth("Bearer signMethod=HMAC-SHA256, credential=A:B"), 400, "invalid-auth-params", None),
        (_auth("BackendAI signMethod=HMAC-SHA256"), 400, "invalid-auth-params", None),
        (_auth("BackendAI signMethod=HMAC-SHA256, credential=nocolon"), 400, "invalid-auth-params", None),
        (_auth(f"BackendAI signMethod=HMAC-NOPE, credential={AK}:x"), 400, "invalid-auth-params", None),
        (_auth(f"BackendAI signMethod=HMAC-SHA3-256, credential={AK}:x"), 401, "auth-failed", None),
        (_auth("BackendAI signMethod=HMAC-SHA256, credential=AKUNKNOWN:x"), 401, "auth-failed", None),
        (_auth(f"BackendAI signMethod=HMAC-SHA256, credential={AK}:00"), 401, "auth-failed", "Signature mismatch"),
    ],
)
async def test_bad_credentials(
    headers: dict[str, str], status: int, slug: str, msg: str | None, start: Start, http: aiohttp.ClientSession
) -> None:
    fm = await start()
    reply = await send(http, fm, "POST", "/auth/test", body={"echo": "x"}, headers=headers)
    problem(reply, status, slug, msg)
    assert reply.body["title"] in ("Credential/signature mismatch.", "Missing or invalid authorization parameters.")


async def test_unknown_access_key(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start()
    stranger = Signer("AKNOBODY", "secret")
    problem(await send(http, fm, "GET", "/session/x", signer=stranger), 401, "auth-failed", "Access key not found")


async def test_other_hashes_and_the_sorna_scheme(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start()
    sha1 = Signer(AK, SK, "sha1")
    assert (await send(http, fm, "POST", "/auth", body={"echo": "1"}, signer=sha1)).status == 200
    now = datetime.now(timezone.utc).isoformat()
    data = json.dumps({"echo": "1"}).encode()
    sig = ADMIN.signature("POST", "/auth", now, fm.url.raw_authority, "application/json", "v9.20250722", data)
    sorna = {"Authorization": f"Sorna signMethod=HMAC-SHA256, credential={AK}:{sig}", "Date": now}
    assert (await send(http, fm, "POST", "/auth", body={"echo": "1"}, signer=None, headers=sorna)).status == 200


async def test_signature_covers_host_path_query_and_content_type(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start("25.12")
    now = datetime.now(timezone.utc).isoformat()
    good = ADMIN.signature("GET", "/auth/test?echo=a%20b", now, fm.url.raw_authority, None, "v9.20250722")
    headers = {"Date": now, "Authorization": ADMIN.authorization(good)}
    reply = await send(http, fm, "GET", "/auth/test?echo=a%20b", signer=None, headers=headers)
    assert reply.body == {"authorized": "yes", "echo": "a b"}
    for path, extra in [
        ("/auth/test?echo=a+b", {}),
        ("/auth/test?echo=a%20b", {"Content-Type": "text/plain"}),
        ("/auth/test?echo=a%20b", {"Host": "localhost"}),
    ]:
        reply = await send(http, fm, "GET", path, signer=None, headers={**headers, **extra})
        problem(reply, 401, "auth-failed", "Signature mismatch")


async def test_content_type_signed_as_lowercase_media_type(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start()
    now = datetime.now(timezone.utc).isoformat()
    data = json.dumps({"echo": "x"}).encode()
    sig = ADMIN.signature("POST", "/auth", now, fm.url.raw_authority, "application/json", "v9.20250722", data)
    headers = {
        "Date": now,
        "Authorization": ADMIN.authorization(sig),
        "Content-Type": "Application/JSON; charset=utf-8",
    }
    reply = await send(http, fm, "POST", "/auth", body={"echo": "x"}, signer=None, headers=headers)
    assert reply.status == 200


async def test_body_is_signed_only_below_v4_20181215(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start("19.09")
    host = fm.url.raw_authority
    for version, tampered_status in [("v3.20170615", 401), ("v4.20181215", 200)]:
        now = datetime.now(timezone.utc).isoformat()
        signed_body = json.dumps({"echo": "signed"}).encode()
        sig = ADMIN.signature("POST", "/auth/test", now, host, "application/json", version, signed_body)
        headers = {"Date": now, "Authorization": ADMIN.authorization(sig)}
        args: dict[str, Any] = {"signer": None, "version": version, "headers": headers}
        assert (await send(http, fm, "POST", "/auth/test", body={"echo": "signed"}, **args)).status == 200
        reply = await send(http, fm, "POST", "/auth/test", body={"echo": "other"}, **args)
        assert reply.status == tampered_status


async def test_signed_call_without_version_header(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start()
    now = datetime.now(timezone.utc).isoformat()
    sig = ADMIN.signature("GET", "/session/x", now, fm.url.raw_authority, None, "v9.20250722")
    headers = {"Date": now, "Authorization": ADMIN.authorization(sig)}
    reply = await send(http, fm, "GET", "/session/x", signer=None, version=None, headers=headers)
    problem(reply, 400, "invalid-auth-params", "API version missing in request headers")


@pytest.mark.parametrize(
    ("key", "headers", "status", "slug"),
    [
        ("25.12", {}, 400, "invalid-auth-params"),  # ≤ 25.x: the date first, even unsigned
        ("25.12", {"Date": "now"}, 400, "invalid-auth-params"),
        ("26.9", {}, 401, "auth-failed"),
    ],
)
async def test_unsigned_call_to_protected_route(
    key: str, headers: dict[str, str], status: int, slug: str, start: Start, http: aiohttp.ClientSession
) -> None:
    fm = await start(key)
    problem(await send(http, fm, "GET", "/session/x", signer=None, headers=headers), status, slug)
    fresh = {"Date": datetime.now(timezone.utc).isoformat()}
    reply = await send(http, fm, "GET", "/session/x", signer=None, headers=fresh)
    problem(reply, 401, "auth-failed", "Unauthorized access")


@pytest.mark.parametrize(("key", "status"), [("25.12", 400), ("26.9", 401)])
async def test_version_and_auth_order(key: str, status: int, start: Start, http: aiohttp.ClientSession) -> None:
    """Both wrong: ≤ 26.2 checks the version first, 26.3+ authenticates first."""
    fm = await start(key)
    bad_sig = {"Authorization": f"BackendAI signMethod=HMAC-SHA256, credential={AK}:00"}
    reply = await send(http, fm, "GET", "/session/x", version="v1.20160915", headers=bad_sig)
    assert reply.status == status


async def test_auth_test_echo_per_generation(start: Start, http: aiohttp.ClientSession) -> None:
    old, new = await start("25.12"), await start("26.9")
    assert (await send(http, old, "GET", "/auth/test?echo=hi")).body == {"authorized": "yes", "echo": "hi"}
    problem(await send(http, old, "GET", "/auth/test"), 400, "invalid-api-params")
    problem(await send(http, old, "GET", "/auth/test?echo=1&x=2"), 400, "invalid-api-params")
    assert (await send(http, new, "GET", "/auth/test?echo=hi")).body == {"authorized": "yes", "echo": ""}
    assert (await send(http, new, "POST", "/auth", body={"echo": "hi"})).body["echo"] == "hi"
    problem(await send(http, new, "POST", "/auth", body={}), 400, "generic-bad-request")


async def test_rate_limit_headers_and_429(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start(keypairs=[Keypair(AK, SK, "superadmin", rate_limit=2)])
    first = await send(http, fm, "POST", "/auth", body={"echo": ""})
    assert (first.headers["X-RateLimit-Limit"], first.headers["X-RateLimit-Remaining"]) == ("2", "1")
    assert first.headers["X-RateLimit-Window"] == "900"
    assert (await send(http, fm, "POST", "/auth", body={"echo": ""})).headers["X-RateLimit-Remaining"] == "0"
    reply = await send(http, fm, "POST", "/auth", body={"echo": ""})
    problem(reply, 429, "rate-limit-exceeded")
    assert "X-RateLimit-Limit" not in reply.headers


# -- GraphQL -------------------------------------------------------------------------------


async def test_graphql_endpoints(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start()
    query = {"query": "query { keypair { access_key is_active } }", "variables": None}
    expected = {"keypair": {"access_key": USER_AK, "is_active": True}}
    gql = await send(http, fm, "POST", "/admin/gql", body=query, signer=USER)
    assert gql.body == {"data": expected, "errors": None}  # 26.9.6 sends errors: null
    assert (await send(http, fm, "POST", "/admin/graphql", body=query, signer=USER)).body == expected
    fm.graphql_handler = lambda q, variables, access_key: {"echo": [q, variables, access_key]}
    reply = await send(http, fm, "POST", "/admin/gql", body={"query": "{ x }", "variables": {"a": 1}})
    assert reply.body == {"data": {"echo": ["{ x }", {"a": 1}, AK]}, "errors": None}


async def test_gql_endpoint_exists_from_21_09(start: Start, http: aiohttp.ClientSession) -> None:
    query = {"query": "{ keypair { access_key } }"}
    for key, status in [("20.09", 404), ("21.09", 200), ("26.3", 200)]:
        fm = await start(key)
        assert (await send(http, fm, "POST", "/admin/gql", body=query)).status == status
        assert (await send(http, fm, "POST", "/admin/graphql", body=query)).status == 200
    problem(await send(http, fm, "POST", "/admin/gql", body={"nope": 1}), 400, "generic-bad-request")


# -- compute sessions ----------------------------------------------------------------------


async def test_session_lifecycle(start: Start, http: aiohttp.ClientSession) -> None:
    """26.9.6 as measured: slot maps in the manager's text, TERMINATING right after destroy,
    ``entity-not-found`` once TERMINATED (``termination_delay = 0``: at once)."""
    fm = await start()
    fm.termination_delay = 0
    spec = {"name": "my-session", "image": "python:3.9-ubuntu20.04", "config": {"resources": {"cpu": 1}}}
    created = await send(http, fm, "POST", "/session", body=spec)
    assert created.status == 201
    session_id = created.body["sessionId"]
    assert created.body == {
        "sessionId": session_id,
        "sessionName": "my-session",
        "status": "RUNNING",
        "servicePorts": [],
        "created": True,
    }
    assert list(fm.sessions) == [session_id] and fm.sessions[session_id].owner == AK
    reused = await send(http, fm, "POST", "/session/_/create", body=spec)
    assert (reused.status, reused.body["created"], reused.body["sessionId"]) == (201, False, session_id)
    assert reused.body["service_ports"] == []  # the reuse answer has both spellings
    for ref in ("my-session", session_id):
        info = await send(http, fm, "GET", f"/session/{ref}")
        assert info.status == 200
        assert info.body["image"] == spec["image"] and info.body["status"] == "RUNNING"
        assert info.body["domainName"] == "default" and info.body["occupiedSlots"] == "{'cpu': Decimal('1.000000')}"
        assert (info.body["statusInfo"], info.body["tag"], info.body["containerId"]) == ("None", "", None)
    assert (await send(http, fm, "DELETE", "/session/my-session?forced=true")).body == {
        "stats": {"status": "terminated"}
    }
    assert fm.sessions == {} and fm.terminated[session_id].status == "TERMINATED"
    gone = await send(http, fm, "GET", "/session/my-session")
    problem(gone, 404, "entity-not-found", "No SessionRow matches the given key")
    assert gone.body["title"] == "Entity not found."
    problem(await send(http, fm, "DELETE", "/session/my-session"), 404, "entity-not-found")


async def test_destroyed_session_is_terminating_then_terminated(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start()
    fm.termination_delay = 0.01
    events = fm.session_api.events._subscribe()
    created = await send(http, fm, "POST", "/session", body={"name": "dying", "image": "i"})
    session_id = created.body["sessionId"]

    await send(http, fm, "DELETE", "/session/dying")
    info = await send(http, fm, "GET", "/session/dying")

    async def terminated() -> None:
        while (await events.get() or ("", {}))[0] != "session_terminated":
            pass

    await asyncio.wait_for(terminated(), 10)
    after = await send(http, fm, "GET", "/session/dying")
    recreated = await send(http, fm, "POST", "/session", body={"name": "dying", "image": "i"})

    assert (info.status, info.body["status"], info.body["statusInfo"]) == (200, "TERMINATING", "user-requested")
    problem(after, 404, "entity-not-found")
    assert fm.terminated[session_id].status == "TERMINATED"
    assert recreated.body["created"] is True and recreated.body["sessionId"] != session_id


async def test_older_generations_keep_their_shapes(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start("22.09")
    fm.termination_delay = 0
    await send(
        http, fm, "POST", "/session", body={"name": "old-one", "image": "i", "config": {"resources": {"cpu": 1}}}
    )
    info = await send(http, fm, "GET", "/session/old-one")
    assert json.loads(info.body["occupiedSlots"]) == {"cpu": "1"} and "idleChecks" not in info.body
    assert (await send(http, fm, "DELETE", "/session/old-one")).body == {"stats": None}
    gone = await send(http, fm, "GET", "/session/old-one")
    problem(gone, 404, "object-not-found")
    assert gone.body["title"] == "No such session."


async def test_create_conflicts_and_options(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start()
    base = {"name": "sess1", "image": "img:1"}
    session_id = (await send(http, fm, "POST", "/session", body=base)).body["sessionId"]
    for body in ({**base, "image": "img:2"}, {**base, "reuseIfExists": False}):
        reply = await send(http, fm, "POST", "/session", body=body)
        problem(reply, 400, "session-already-exists")
        assert reply.body["data"] == {"existingSessionId": session_id}
    queued = await send(http, fm, "POST", "/session", body={"name": "sess2", "image": "i", "enqueueOnly": True})
    assert queued.body["status"] == "PENDING"
    missing = await send(http, fm, "POST", "/session", body={"name": "sess3", "image": "unknown-image"})
    problem(missing, 404, "object-not-found", "Unknown image reference: unknown-image (x86_64)")
    fm.unknown_images.add("gone:1")
    problem(await send(http, fm, "POST", "/session", body={"name": "s4s4", "image": "gone:1"}), 404, "object-not-found")
    # the same name under another owner is another session
    theirs = await send(http, fm, "POST", "/session", body=base, signer=USER)
    assert theirs.body["created"] is True and theirs.body["sessionId"] != session_id
    problem(await send(http, fm, "POST", "/session", body={"image": "i"}), 400, "generic-bad-request")
    batch = {"name": "batch1", "image": "i", "type": "batch"}
    problem(await send(http, fm, "POST", "/session", body=batch), 400, "generic-bad-request")


async def test_owner_access_key(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start()
    body = {"name": "for-user", "image": "i", "owner_access_key": USER_AK}
    assert (await send(http, fm, "POST", "/session", body=body)).status == 201
    assert (await send(http, fm, "GET", "/session/for-user", signer=USER)).status == 200
    problem(await send(http, fm, "GET", "/session/for-user"), 404, "entity-not-found")  # not the admin's
    steal = {"name": "nope", "image": "i", "owner_access_key": AK}
    problem(await send(http, fm, "POST", "/session", body=steal, signer=USER), 403, "generic-forbidden")
    as_admin = f"/session/for-user?owner_access_key={AK}"
    problem(await send(http, fm, "DELETE", as_admin, signer=USER), 403, "generic-forbidden")
    assert (await send(http, fm, "DELETE", f"/session/for-user?owner_access_key={USER_AK}")).status == 200


async def test_old_generations_reject_unknown_keys(start: Start, http: aiohttp.ClientSession) -> None:
    old, new = await start("25.12"), await start("26.9")
    body = {"name": "sess1", "image": "i", "bogus": 1}
    reply = await send(http, old, "POST", "/session", body=body)
    problem(reply, 400, "invalid-api-params")
    assert reply.body["data"] == {"bogus": "bogus is not allowed key"}
    assert (await send(http, new, "POST", "/session", body=body)).status == 201
    problem(await send(http, old, "POST", "/session", body={"image": "i"}), 400, "invalid-api-params")
    problem(await send(http, old, "POST", "/session", body={"name": "a b", "image": "i"}), 400, "invalid-api-params")
    problem(await send(http, old, "DELETE", "/session/sess1?bogus=1"), 400, "invalid-api-params")
    # keys a release does not know yet
    fm22 = await start("22.09")
    priority = {"name": "s1s1", "image": "i", "priority": 5}
    problem(await send(http, fm22, "POST", "/session", body=priority), 400, "invalid-api-params")
    fm24 = await start("24.09")
    net = {"name": "s1s1", "image": "i", "config": {"attach_network": "x"}}
    reply = await send(http, fm24, "POST", "/session", body=net)
    assert reply.body["data"] == {"config": {"attach_network": "attach_network is not allowed key"}}
    assert (await send(http, old, "POST", "/session", body=net)).status == 201


async def test_reuse_status_200_up_to_23_03(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start("23.03")
    body = {"name": "sess1", "image": "i"}
    assert (await send(http, fm, "POST", "/session", body=body)).status == 201
    assert (await send(http, fm, "POST", "/session", body=body)).status == 200


async def test_kernel_prefix_generation(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start("19.09")
    body = {"clientSessionToken": "sess1", "lang": "python:3.6"}
    created = await send(http, fm, "POST", "/kernel/create", body=body)
    assert (created.status, created.body["kernelId"], created.body["created"]) == (201, "sess1", True)
    assert "sessionId" not in created.body
    assert (await send(http, fm, "GET", "/kernel/sess1")).status == 200
    problem(await send(http, fm, "GET", "/session/sess1"), 404, "url-not-found")
    problem(await send(http, fm, "POST", "/kernel", body={"name": "sess2", "image": "i"}), 400, "invalid-api-params")
    assert (await send(http, fm, "DELETE", "/kernel/sess1")).status == 200


# -- webserver (session mode) --------------------------------------------------------------


async def login(http: aiohttp.ClientSession, fm: FakeManager, user: str, password: str) -> Reply:
    body = {"username": user, "password": password}
    return await send(http, fm, "POST", "/server/login", body=body, signer=None, version=None)


async def test_login_and_func_proxy_with_session_header(start: Start) -> None:
    fm = await start()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        reply = await login(http, fm, "user@lablup.com", "C8qnIo29")
        assert reply.status == 200
        data = {"access_key": USER_AK, "role": "user", "status": "active"}
        assert reply.body == {"authenticated": True, "data": data}
        session_id = reply.headers["X-BackendAI-SessionID"]
        assert f"AIOHTTP_SESSION={session_id}" in reply.headers["Set-Cookie"]
        assert "HttpOnly" in reply.headers["Set-Cookie"] and "Path=/" in reply.headers["Set-Cookie"]
        header = {"X-BackendAI-SessionID": session_id}

        def func(method: str, path: str, **kwargs: Any) -> Awaitable[Reply]:
            return send(http, fm, method, path, signer=None, version=None, headers=header, **kwargs)

        check = await func("POST", "/server/login-check")
        assert check.body == {"authenticated": True, "data": reply.body["data"], "session_id": session_id}
        created = await func("POST", "/func/session", body={"name": "websess", "image": "i"})
        assert created.status == 201 and fm.sessions[created.body["sessionId"]].owner == USER_AK
        assert "Authorization" not in fm.requests[-1].headers
        assert fm.requests[-1].raw_path == "/func/session"
        assert (await func("GET", "/func/session/websess")).body["status"] == "RUNNING"
        problem(await func("GET", "/func/session/nope"), 404, "entity-not-found")
        again = await login(http, fm, "user@lablup.com", "C8qnIo29")
        assert again.status == 200  # no session presented
        relog = await send(http, fm, "POST", "/server/login", body={}, signer=None, version=None, headers=header)
        assert relog.status == 400 and relog.body["title"] == "You have already logged in."
        logout = await func("POST", "/server/logout")
        assert (logout.status, logout.body) == (200, "")  # 26.9.6: an empty body
        assert "AIOHTTP_SESSION=" in logout.headers["Set-Cookie"]
        assert (await func("POST", "/server/login-check")).body == {
            "authenticated": False,
            "data": None,
            "session_id": None,
        }
        denied = await func("GET", "/func/session/websess")
        assert denied.status == 401
        assert denied.body == {"type": PROBS + "auth-failed", "title": "Unauthorized access"}


async def test_func_with_cookie_and_anonymous_root(start: Start) -> None:
    fm = await start("24.09")
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        root = await send(http, fm, "GET", "/func/", signer=None, version=None)
        assert root.body == {"version": "v8.20240915", "manager": "24.09.0"}
        assert (await login(http, fm, "admin@lablup.com", "wJalrXUt")).body["data"]["role"] == "superadmin"
        reply = await send(http, fm, "GET", "/func/auth/test?echo=cookie", signer=None, version=None)
        assert reply.body == {"authorized": "yes", "echo": "cookie"}
        bad = await send(http, fm, "GET", "/func/auth/test?echo=x", signer=None, version="v9.20250722")
        problem(bad, 400, "generic-bad-request", "Unsupported API version.")


async def test_login_failures_and_block(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start()
    refused = await login(http, fm, "user@lablup.com", "wrong")
    assert refused.status == 401
    assert refused.body == {
        "authenticated": False,
        "data": {
            "type": PROBS + "auth-failed",
            "title": "Credential/signature mismatch.",
            "details": "User credential mismatch.",
        },
    }
    fm.login_failure_status = 200
    assert (await login(http, fm, "nobody@lablup.com", "x")).status == 200
    for _ in range(9):
        await login(http, fm, "user@lablup.com", "wrong")
    blocked = await login(http, fm, "user@lablup.com", "C8qnIo29")
    assert blocked.status == 429 and blocked.body["type"] == PROBS + "too-many-requests"
    assert (await login(http, fm, "admin@lablup.com", "wJalrXUt")).status == 200  # per username


async def test_login_block_expires(start: Start, http: aiohttp.ClientSession) -> None:
    now = [datetime(2025, 1, 1, tzinfo=timezone.utc)]
    fm = await start(clock=lambda: now[0])
    for _ in range(10):
        await login(http, fm, "user@lablup.com", "wrong")
    assert (await login(http, fm, "user@lablup.com", "C8qnIo29")).status == 429
    now[0] += timedelta(minutes=21)
    assert (await login(http, fm, "user@lablup.com", "C8qnIo29")).status == 200


async def test_token_login(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start()
    fm.sso_tokens["tok"] = "admin@lablup.com"
    ok = await send(http, fm, "POST", "/server/token-login", body={"sToken": "tok"}, signer=None, version=None)
    assert ok.body["authenticated"] is True and ok.headers["X-BackendAI-SessionID"] in fm.web_sessions
    bad = await send(http, fm, "POST", "/server/token-login", body={"sToken": "x"}, signer=None, version=None)
    assert (bad.status, bad.body["authenticated"]) == (401, False)


# -- faults --------------------------------------------------------------------------------


def test_fault_matching_rules() -> None:
    assert Fault().matches("GET", "/anything")
    exact = Fault(method="post", path="/session")
    assert exact.matches("POST", "/session")
    assert not exact.matches("GET", "/session") and not exact.matches("POST", "/session/x")
    prefix = Fault(path="/session/*")
    assert prefix.matches("GET", "/session/x/y") and not prefix.matches("GET", "/session")
    assert Fault(path="*").matches("DELETE", "/")


async def test_status_fault_with_retry_after_is_used_up(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start()
    fm.inject(Fault(path="/auth", status=429, headers={"Retry-After": "2"}))
    reply = await send(http, fm, "POST", "/auth", body={"echo": "x"})
    assert (reply.status, reply.headers["Retry-After"], reply.body) == (429, "2", "")
    assert reply.headers["Server"] == "BackendAI"
    assert fm.faults == []
    assert (await send(http, fm, "POST", "/auth", body={"echo": "x"})).status == 200
    assert [r.json for r in fm.requests] == [{"echo": "x"}, {"echo": "x"}]


async def test_fault_times_method_and_order(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start()
    fm.inject(Fault(method="GET", path="/session/*", status=503, times=2))
    fm.inject(Fault(path="/session/*", status=502, times=None))
    statuses = [(await send(http, fm, "GET", "/session/x")).status for _ in range(3)]
    assert statuses == [503, 503, 502]
    assert (await send(http, fm, "DELETE", "/session/x")).status == 502
    assert len(fm.faults) == 1
    fm.clear_faults()
    assert (await send(http, fm, "DELETE", "/session/x")).status == 404


async def test_garbage_body_and_extra_headers(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start()
    fm.inject(Fault(path="/", status=200, body=b"{not json", content_type="application/json"))
    async with http.get(fm.url) as resp:
        assert (resp.status, resp.content_type, await resp.read()) == (200, "application/json", b"{not json")
    fm.inject(Fault(path="/", headers={"X-Extra": "1"}))  # no status or body: the normal answer
    reply = await send(http, fm, "GET", "/", signer=None, version=None)
    assert reply.body["version"] == "v9.20250722" and reply.headers["X-Extra"] == "1"


async def test_disconnect_fault(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start()
    fm.inject(Fault(path="/auth", disconnect=True))
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await send(http, fm, "POST", "/auth", body={"echo": "x"})
    assert len(fm.requests) == 1
    assert (await send(http, fm, "POST", "/auth", body={"echo": "x"})).status == 200


async def test_truncated_body_fault(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start()
    fm.inject(Fault(path="/auth", body_delay=0.01, disconnect=True))
    with pytest.raises(aiohttp.ClientPayloadError):
        await send(http, fm, "POST", "/auth", body={"echo": "x"})


async def test_slow_body_arrives_whole(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start()
    fm.inject(Fault(path="/", body_delay=0.01))
    reply = await send(http, fm, "GET", "/", signer=None, version=None)
    assert reply.body == {"version": "v9.20250722", "manager": "26.9.6"}


async def test_delay_fault_and_close_with_request_in_flight(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start()
    fm.inject(Fault(path="/", delay=30, times=None))
    with pytest.raises(asyncio.TimeoutError):
        async with http.get(fm.url, timeout=aiohttp.ClientTimeout(total=0.05)):
            pass
    pending = asyncio.ensure_future(http.post(fm.url))
    await fm.wait_for_requests(2)  # the server holds the request
    await asyncio.wait_for(fm.close(), timeout=2)
    with pytest.raises(aiohttp.ClientError):
        await pending


async def test_requests_are_recorded_raw(start: Start, http: aiohttp.ClientSession) -> None:
    fm = await start()
    await send(http, fm, "POST", "/session/_/create?x=a%20b&x=c", body={"name": "sess1", "image": "i"})
    await send(http, fm, "PUT", "/folders/%ED%95%9C", signer=None, version=None, headers={"Content-Type": "text/plain"})
    first, second = fm.requests
    assert (first.method, first.raw_path, first.path) == ("POST", "/session/_/create?x=a%20b&x=c", "/session/_/create")
    assert first.query.getall("x") == ["a b", "c"]
    assert first.headers["content-type"] == "application/json" and first.json == {"name": "sess1", "image": "i"}
    assert json.loads(first.body) == first.json
    assert (second.path, second.body, second.json) == ("/folders/한", b"", None)


async def test_custom_generation_and_keypairs(start: Start, http: aiohttp.ClientSession) -> None:
    custom = replace(GENERATIONS["26.9"], key="custom", reuse_status=200)
    fm = FakeManager(custom, keypairs=[Keypair("AK1", "SK1")], users={})
    async with fm:
        assert repr(fm).startswith("FakeManager(generation='custom', http://127.0.0.1:")
        body = {"name": "sess1", "image": "i"}
        signer = Signer("AK1", "SK1")
        assert (await send(http, fm, "POST", "/session", body=body, signer=signer)).status == 201
        assert (await send(http, fm, "POST", "/session", body=body, signer=signer)).status == 200
        problem(await send(http, fm, "POST", "/auth", body={"echo": ""}), 401, "auth-failed")
    assert "SK1" not in repr(Keypair("AK1", "SK1"))
    with pytest.raises(RuntimeError):
        FakeManager().url  # noqa: B018


async def test_pytest_plugin_fixture(fake_manager: FakeManager, http: aiohttp.ClientSession) -> None:
    assert fake_manager.generation.key == "26.9"
    reply = await send(http, fake_manager, "GET", "/", signer=None, version=None)
    assert reply.body["manager"] == "26.9.6"
