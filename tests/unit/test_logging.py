"""Observability: one DEBUG line per attempt, INFO lines for retries, aiohttp trace configs; no secret
in any of it."""

from __future__ import annotations

import logging
import re
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager, Fault
from backendai_async.transport import log, pipeline

from .conftest import AK, SK

PASSWORD = "C8qnIo29"  # the FakeManager's user@lablup.com
ATTEMPT = re.compile(r"^(\w+) (\S+) -> (.+) in \d+\.\d{3}s \(attempt (\d+), api (\S+)\)$")


def attempts(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str, str, int, str]]:
    """(method, url, outcome, attempt number, api version) of every DEBUG attempt line."""
    found = []
    for record in caplog.records:
        m = ATTEMPT.match(record.getMessage())
        if record.levelno == logging.DEBUG and m:
            found.append((m[1], m[2], m[3], int(m[4]), m[5]))
    return found


async def test_a_debug_log_shows_every_attempt_and_no_secret(fm: FakeManager, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="backendai_async")
    config = bai.ClientConfig(AK, SK, str(fm.url), max_retries=2)
    async with bai.Client(config) as client:
        fm.inject(Fault(method="GET", path="/session/*", status=503, times=1))
        await client.create_if_not_exists("python:3.9-ubuntu20.04", "logged", resources={"cpu": 1})
        await client.get_info("logged")  # one 503, then 200
        await client.destroy("logged")
        await client.vfolder.create("box")
        await client.vfolder.upload("f.bin", b"x" * 1000, "box")  # tus, by token on the storage proxy
    session = bai.ClientConfig(
        user_id="user@lablup.com", password=PASSWORD, endpoint=str(fm.url), connection_mode="SESSION"
    )
    async with bai.Client(session) as client:
        assert await client.login()
        await client.request("POST", "/auth/test", json={"echo": "x"})

    lines = attempts(caplog)
    assert len([a for a in lines if not a[1].startswith(str(fm.vfolders.storage_url))]) == len(fm.requests)
    assert len(lines) == len(fm.requests) + len(fm.vfolders.storage_requests)
    info = [a for a in lines if "/session/logged" in a[1] and a[0] == "GET"]
    assert [(a[2], a[3], a[4]) for a in info] == [
        ("503 InternalServerError", 1, "v9.20250722"),
        ("200", 2, "v9.20250722"),
    ]
    assert re.search(r"INFO .*retrying GET /session/logged in \d\.\d\ds after 503 \(attempt 2 of 3\)", caplog.text)
    assert any("token=%2A%2A%2A" in a[1] or "token=***" in a[1] for a in lines)  # masked storage tokens

    tokens = {r.query["token"] for r in fm.vfolders.storage_requests if "token" in r.query}
    sessions = {r.headers["X-BackendAI-SessionID"] for r in fm.requests if "X-BackendAI-SessionID" in r.headers}
    cookies = {c.split("=", 1)[1] for r in fm.requests for c in r.headers.get("Cookie", "").split("; ") if "=" in c}
    signatures = {r.headers["Authorization"].rsplit(":", 1)[1] for r in fm.requests if "Authorization" in r.headers}
    secrets = {SK, PASSWORD, *tokens, *sessions, *cookies, *signatures}
    assert tokens and sessions and cookies and signatures
    text = caplog.text
    for secret in secrets:
        assert secret not in text


async def test_no_attempt_line_is_built_when_debug_is_off(
    fm: FakeManager, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO, logger="backendai_async")
    calls: list[Any] = []
    monkeypatch.setattr(pipeline, "log_attempt", lambda *args: calls.append(args))
    async with bai.Client(bai.ClientConfig(AK, SK, str(fm.url))) as client:
        await client.request("GET", "/auth/test", params={"echo": "x"})
    assert calls == []
    assert len(fm.requests) == 2  # GET / and the call: they happened


async def test_trace_configs_reach_the_clients_sessions(fm: FakeManager) -> None:
    seen: list[tuple[str, str]] = []

    async def on_end(session: aiohttp.ClientSession, context: SimpleNamespace, params: Any) -> None:
        seen.append((params.method, params.url.path))

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_end)
    async with bai.Client(bai.ClientConfig(AK, SK, str(fm.url)), trace_configs=[trace]) as client:
        await client.request("GET", "/auth/test", params={"echo": "x"})
        await client.vfolder.create("box")
        await client.vfolder.upload("f.bin", b"abc", "box")
    assert seen[:2] == [("GET", "/"), ("GET", "/auth/test")]
    assert ("PATCH", "/upload") in seen  # the storage proxy's session traces too


async def test_trace_configs_with_a_borrowed_session_are_refused(fm: FakeManager) -> None:
    async with aiohttp.ClientSession() as http:
        with pytest.raises(bai.ConfigError, match="trace_configs"):
            bai.Client(bai.ClientConfig(AK, SK, str(fm.url)), http_session=http, trace_configs=[aiohttp.TraceConfig()])


def test_failovers_are_logged_at_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="backendai_async")
    log.log_failover("http://a:8081", "http://b:8081", bai.InternalServerError("down", status=503))
    log.log_failover("http://b:8081", "http://c:8081", bai.RequestError("could not send the request: refused"))
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.INFO, "failing over from http://a:8081 to http://b:8081 after 503 InternalServerError"),
        (logging.INFO, "failing over from http://b:8081 to http://c:8081 after could not send the request: refused"),
    ]
