"""How to test your own code with the FakeManager fixture (``pytest examples/``).

The ``fake_manager`` fixture comes with the package (a pytest plugin); pytest-asyncio runs the
coroutines. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager, Fault

pytestmark = pytest.mark.asyncio  # not needed with asyncio_mode = "auto"

AK, SK = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


async def start_training(client: bai.Client, name: str) -> str:
    """The code under test: start a session, or report that the cluster is busy."""
    try:
        result = await client.create_if_not_exists("python:3.9-ubuntu20.04", name, {"cpu": 2, "mem": "4g"})
    except bai.InternalServerError as err:
        return f"busy ({err.status})"
    return "started" if result["created"] else "already running"


async def test_starts_then_reuses(fake_manager: FakeManager) -> None:
    async with bai.Client(bai.ClientConfig(AK, SK, str(fake_manager.url))) as client:
        assert await start_training(client, "train-01") == "started"
        assert await start_training(client, "train-01") == "already running"
    create = fake_manager.requests[-1]
    assert create.json["config"]["resources"] == {"cpu": 2, "mem": "4g"}


async def test_reports_a_busy_cluster(fake_manager: FakeManager) -> None:
    fake_manager.inject(Fault(method="POST", path="/session", status=503, times=None))
    config = bai.ClientConfig(AK, SK, str(fake_manager.url), max_retries=1)
    async with bai.Client(config) as client:
        assert await start_training(client, "train-02") == "busy (503)"
