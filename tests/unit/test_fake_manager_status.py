"""GET /manager/status and the container-registry routes of the 26.9 fake (shapes measured on
26.9.6 by tests/conformance): superadmin only, answered from the fake's state."""

from __future__ import annotations

import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager

from .conftest import ClientFactory

USER_KEYS = ("AKIANABBDUSEREXAMPLE", "C8qnIo29EZvXkPK_MXcuAakYTy4NYrxwmCEyNPlf")


async def test_manager_status_counts_live_sessions(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    assert (await client.request("GET", "/manager/status"))["active_sessions"] == 0
    await client.create_if_not_exists("python:3.9-ubuntu20.04", "s1")
    status = await client.request("GET", "/manager/status")
    assert status["status"] == "running"
    assert status["active_sessions"] == 1
    assert status["nodes"][0]["api_version"] == [9, "20250722"]
    assert status["nodes"][0]["version"] == "26.9.6"


@pytest.mark.parametrize("path", ["/resource/container-registries", "/config/docker-registries"])
async def test_container_registries_of_the_runnable_images(
    fm: FakeManager, make_client: ClientFactory, path: str
) -> None:
    client = make_client(fm)
    assert await client.request("GET", path) == {"stable/cr.backend.ai": "https://cr.backend.ai"}
    fm.directory.add_image("registry.example.com/team/app:1.0")
    assert (await client.request("GET", path))["team/registry.example.com"] == "https://registry.example.com"


@pytest.mark.parametrize("path", ["/manager/status", "/resource/container-registries"])
async def test_refused_to_a_user(fm: FakeManager, make_client: ClientFactory, path: str) -> None:
    async with bai.Client(bai.ClientConfig(*USER_KEYS, str(fm.url), max_retries=0)) as client:
        with pytest.raises(bai.PermissionDeniedError):
            await client.request("GET", path)
