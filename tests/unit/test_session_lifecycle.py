"""Session lifecycle beyond create/info/destroy: the exact request each generation receives."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable

import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager

from .conftest import ClientFactory

THREE = ("19.09", "22.09", "26.9")  # API v4 (/kernel), v6, v9


@pytest.fixture(params=THREE)
async def gfm(request: pytest.FixtureRequest) -> AsyncIterator[FakeManager]:
    async with FakeManager(request.param) as manager:
        yield manager


async def started(fm: FakeManager, make_client: ClientFactory, name: str = "sess-1") -> bai.Client:
    client = make_client(fm)
    await client.get_manager_version()
    await client.create_if_not_exists("python", name)
    return client


def last(fm: FakeManager) -> tuple[str, str, object]:
    r = fm.requests[-1]
    return r.method, r.raw_path, r.json


async def refused_without_sending(fm: FakeManager, call: Awaitable[object]) -> None:
    """``call`` raises ``UnsupportedFeatureError`` and nothing reaches the server (19.09 lacks the route)."""
    count = len(fm.requests)
    with pytest.raises(bai.UnsupportedFeatureError):
        await call
    assert len(fm.requests) == count


async def test_rename_sends_the_name_in_query_and_body(gfm: FakeManager, make_client: ClientFactory) -> None:
    client = await started(gfm, make_client)
    p = gfm.generation.session_prefix
    if gfm.generation.key == "19.09":
        return await refused_without_sending(gfm, client.rename("sess-1", "sess-2"))
    await client.rename("sess-1", "sess-2")
    assert last(gfm) == ("POST", f"{p}/sess-1/rename?name=sess-2", {"name": "sess-2"})
    assert (await client.get_info("sess-2"))["status"] == "RUNNING"


@pytest.mark.parametrize("key", ["24.09", "26.3", "26.9"])
async def test_rename_works_wherever_the_server_reads_the_name(key: str, make_client: ClientFactory) -> None:
    async with FakeManager(key) as fm:
        client = await started(fm, make_client)
        await client.rename("sess-1", "sess-2")
        await client.get_info("sess-2")


async def test_restart(gfm: FakeManager, make_client: ClientFactory) -> None:
    client = await started(gfm, make_client)
    p = gfm.generation.session_prefix
    if gfm.generation.at_least("26.7"):
        with pytest.raises(bai.UnsupportedOperationError) as info:
            await client.restart("sess-1")
        assert info.value.status == 501
        assert info.value.type == bai.ErrorType.ERR_SERVER
    else:
        assert await client.restart("sess-1") is None
    assert last(gfm) == ("PATCH", f"{p}/sess-1", None)


async def test_destroy_recursive_and_forced(gfm: FakeManager, make_client: ClientFactory) -> None:
    client = await started(gfm, make_client)
    p = gfm.generation.session_prefix
    await client.destroy("sess-1", forced=True, recursive=True)
    assert last(gfm) == ("DELETE", f"{p}/sess-1?forced=true&recursive=true", None)


async def test_logs_task_logs_direct_access_and_services(gfm: FakeManager, make_client: ClientFactory) -> None:
    client = await started(gfm, make_client)
    p = gfm.generation.session_prefix
    logs = await client.get_logs("sess-1")
    assert "container logs of sess-1" in logs["result"]["logs"]
    assert last(gfm) == ("GET", f"{p}/sess-1/logs", None)
    kernel_id = gfm.session_api.kernel(next(iter(gfm.sessions.values()))).kernel_id
    assert await client.get_task_logs(kernel_id) == "task log of sess-1\n"
    assert last(gfm) == ("GET", f"{p}/_/logs?task_id={kernel_id}", None)
    if gfm.generation.key == "19.09":
        await refused_without_sending(gfm, client.get_direct_access_info("sess-1"))
        await refused_without_sending(gfm, client.shutdown_service("sess-1", "jupyter"))
        return await refused_without_sending(gfm, client.compute_session.start_service("sess-1", "jupyter"))
    assert await client.get_direct_access_info("sess-1") == {}
    assert last(gfm) == ("GET", f"{p}/sess-1/direct-access-info", None)
    await client.shutdown_service("sess-1", "jupyter")
    assert last(gfm) == ("POST", f"{p}/sess-1/shutdown-service?service_name=jupyter", {"service_name": "jupyter"})
    started_app = await client.compute_session.start_service("sess-1", "jupyter", 8080, {"A": "1"})
    assert set(started_app) == {"token", "wsproxy_addr"}
    assert last(gfm) == ("POST", f"{p}/sess-1/start-service", {"app": "jupyter", "port": 8080, "envs": '{"A": "1"}'})


async def test_per_kernel_logs_are_gated(make_client: ClientFactory) -> None:
    async with FakeManager("24.09") as fm:
        client = await started(fm, make_client)
        await client.get_logs("sess-1", kernel_id="k-1")
        assert fm.requests[-1].raw_path == "/session/sess-1/logs?kernel_id=k-1"
    async with FakeManager("23.09") as fm:
        client = await started(fm, make_client)
        count = len(fm.requests)
        with pytest.raises(ValueError, match=r"24\.03\.7"):
            await client.get_logs("sess-1", kernel_id="k-1")
        assert len(fm.requests) == count


async def test_commit_status_and_image(gfm: FakeManager, make_client: ClientFactory) -> None:
    client = await started(gfm, make_client)
    p = gfm.generation.session_prefix
    if gfm.generation.key == "19.09":
        return await refused_without_sending(gfm, client.compute_session.commit_session("sess-1", "snap.tar"))
    task = await client.compute_session.commit_session("sess-1", "snap.tar")
    assert last(gfm) == ("POST", f"{p}/sess-1/commit?filename=snap.tar", None)
    assert task["task_id"] in gfm.session_api.background_tasks
    status = await client.compute_session.get_commit_session_status("sess-1")
    assert status["status"] == "ready"
    assert last(gfm) == ("GET", f"{p}/sess-1/commit", None)
    if gfm.generation.key == "22.09":  # imagify needs manager 24.03
        return await refused_without_sending(gfm, client.compute_session.convert_session_to_image("sess-1", "i"))
    image = await client.compute_session.convert_session_to_image("sess-1", "my-image")
    assert "task_id" in image
    assert last(gfm) == ("POST", f"{p}/sess-1/imagify", {"image_name": "my-image"})


@pytest.mark.parametrize("key", ["25.12", "26.9"])
async def test_status_history_unwrapped(key: str, make_client: ClientFactory) -> None:
    async with FakeManager(key) as fm:
        client = await started(fm, make_client)
        history = await client.get_status_history("sess-1")
        steps = {"PENDING", "RUNNING"} | (
            {"SCHEDULED", "PREPARING", "PREPARED", "CREATING"} if key == "26.9" else set()
        )
        assert set(history) == steps  # 26.9.6 records every scheduler step
        assert fm.requests[-1].raw_path == "/session/sess-1/status-history"


async def test_status_history_and_dependency_graph_gates(gfm: FakeManager, make_client: ClientFactory) -> None:
    client = await started(gfm, make_client)
    if gfm.generation.key != "26.9":
        with pytest.raises(ValueError, match=r"25\.12"):
            await client.get_status_history("sess-1")
    if gfm.generation.key == "19.09":
        with pytest.raises(ValueError, match=r"v6\.20220315"):
            await client.get_dependency_graph("sess-1")
    elif gfm.generation.key == "22.09":  # the route came after 22.09
        with pytest.raises(ValueError, match=r"v6\.20230315"):
            await client.get_dependency_graph("sess-1")
    else:
        graph = await client.get_dependency_graph("sess-1")
        assert graph["session_name"] == "sess-1"
        assert last(gfm) == ("GET", "/session/sess-1/dependency-graph", None)


async def test_create_from_template(gfm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(gfm)
    await client.get_manager_version()
    gfm.session_api.templates["t-1"] = {"image" if gfm.generation.at_least("19.03") else "lang": "python"}
    if gfm.generation.key == "19.09":
        return await refused_without_sending(gfm, client.create_session_from_template("t-1"))
    result = await client.create_session_from_template("t-1", session_name="from-tpl", resources={"cpu": 1})
    assert result["created"] is True
    name_key = "clientSessionToken" if gfm.generation.session_prefix == "/kernel" else "name"
    assert last(gfm) == (
        "POST",
        f"{gfm.generation.session_prefix}/_/create-from-template",
        {"template_id": "t-1", name_key: "from-tpl", "config": {"resources": {"cpu": 1}}},
    )


async def test_session_already_exists_carries_the_existing_id(gfm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(gfm)
    first = await client.create_if_not_exists("python", "dup-1")
    with pytest.raises(bai.SessionAlreadyExistsError) as info:
        await client.create_if_not_exists("other-image", "dup-1")
    assert isinstance(info.value, bai.BadRequestError)
    existing = info.value.existing_session_id
    assert existing is not None
    assert existing == first.get("sessionId", existing)


def test_creation_options_are_gated() -> None:
    from backendai_async.resources.sessions import build_create_body

    body = build_create_body(
        "python",
        "s1",
        {"dependencies": ["a"], "callback_url": "http://cb", "priority": 5, "agent_list": ["i-1"]},
        "v9.20250722",
    )
    assert body["dependencies"] == ["a"]
    assert body["callback_url"] == "http://cb"
    assert body["priority"] == 5
    assert body["config"] == {"agent_list": ["i-1"]}
    with pytest.raises(bai.UnsupportedFeatureError, match="'priority' needs API v"):
        build_create_body("python", "s1", {"priority": 5}, "v6.20220615")
    with pytest.raises(
        bai.UnsupportedFeatureError,
        match=re.escape(
            "'batch_timeout' needs API v8.20240915 and manager 24.12; the server is API v8.20240915, manager 24.09.0"
        ),
    ):
        build_create_body("python", "s1", {"batch_timeout": 60}, "v8.20240915", "24.09.0")
    with pytest.raises(bai.UnsupportedFeatureError, match="call get_manager_version"):
        build_create_body("python", "s1", {"batch_timeout": 60}, "v8.20240915")
    assert build_create_body("python", "s1", {"batch_timeout": 60}, "v8.20240915", "24.12.0")["batch_timeout"] == 60


async def test_js_legacy_names(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    assert (await client.create_kernel("python", "legacy-1"))["created"] is True
    with pytest.raises(bai.UnsupportedOperationError):
        await client.refresh_kernel("legacy-1")
    await client.destroy_kernel("legacy-1")
    assert [r.method for r in fm.requests[1:]] == ["POST", "PATCH", "DELETE"]
