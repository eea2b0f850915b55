"""The FastAPI example, tested end to end against the FakeManager (``pytest examples/``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager, Fault

from .fastapi_app import create_app

pytestmark = pytest.mark.asyncio  # not needed with asyncio_mode = "auto"

AK, SK = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.fixture
async def http(fake_manager: FakeManager) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(bai.ClientConfig(AK, SK, str(fake_manager.url), max_retries=0, timeout=0.5))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            yield client


async def test_session_round_trip(http: httpx.AsyncClient) -> None:
    assert (await http.get("/version")).json() == {"manager": "26.9.6", "api": "v9.20250722"}
    started = (await http.post("/sessions/web-01")).json()
    assert started["created"] is True
    assert (await http.get("/sessions/web-01")).json()["status"] == "RUNNING"
    assert (await http.delete("/sessions/web-01")).status_code == 204


async def test_backend_errors_become_http_answers(http: httpx.AsyncClient, fake_manager: FakeManager) -> None:
    missing = await http.get("/sessions/nobody")
    assert missing.status_code == 404
    assert missing.json()["error"] == "ERR_SERVER"
    fake_manager.inject(Fault(path="/session/slow-one", delay=10))
    slow = await http.get("/sessions/slow-one")
    assert slow.status_code == 504
    assert slow.json()["error"] == "ERR_TIMEOUT"
