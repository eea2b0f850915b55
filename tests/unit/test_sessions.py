"""create_if_not_exists / get_info / destroy: the exact request each generation receives."""

from __future__ import annotations

import pytest

import backendai_async as bai
from backendai_async.resources.sessions import build_create_body
from backendai_async.testing import GENERATIONS, FakeManager

from .conftest import AK, ClientFactory

RESOURCES = {"cpu": 2, "mem": "4g", "gpu": "1", "fgpu": 0.5, "shmem": "1g", "env": {"A": "1"}, "mounts": ["data"]}


@pytest.mark.parametrize(
    ("key", "path", "image_key", "name_key"),
    [
        ("18.12", "/kernel/create", "lang", "clientSessionToken"),
        ("19.09", "/kernel/create", "image", "clientSessionToken"),
        ("22.09", "/session", "image", "name"),
        ("26.9", "/session", "image", "name"),
    ],
)
async def test_create_twice_then_info_then_destroy(
    key: str, path: str, image_key: str, name_key: str, make_client: ClientFactory
) -> None:
    prefix = GENERATIONS[key].session_prefix
    async with FakeManager(key) as fm:
        client = make_client(fm)
        first = await client.create_if_not_exists("python:3.9", "my-session", {"cpu": 1, "mem": "1g"})
        second = await client.create_if_not_exists("python:3.9", "my-session", {"cpu": 1, "mem": "1g"})
        assert first["created"] is True
        assert second["created"] is False
        creates = [r for r in fm.requests if r.method == "POST"]
        assert [r.path for r in creates] == [path, path]
        assert creates[0].json == {
            image_key: "python:3.9",
            name_key: "my-session",
            "config": {"resources": {"cpu": 1, "mem": "1g"}},
        }
        info = await client.get_info("my-session")
        assert info["status"] == "RUNNING"
        assert fm.requests[-1].raw_path == f"{prefix}/my-session"
        await client.destroy("my-session", forced=True)
        assert (fm.requests[-1].method, fm.requests[-1].raw_path) == ("DELETE", f"{prefix}/my-session?forced=true")
        assert (await client.get_info("my-session"))["status"] == "TERMINATING"  # as the real server, for a moment


def test_js_resources_mapping_on_v9() -> None:
    body = build_create_body(
        "python", "s1", {**RESOURCES, "cluster_size": 2, "enqueueOnly": True, "group_name": "g"}, "v9.20250722"
    )
    assert body == {
        "image": "python",
        "name": "s1",
        "cluster_size": 2,
        "enqueueOnly": True,
        "group_name": "g",
        "config": {
            "resources": {"cpu": 2, "mem": "4g", "cuda.device": 1, "cuda.shares": "0.50"},
            "resource_opts": {"shmem": "1g"},
            "environ": {"A": "1"},
            "mounts": ["data"],
        },
    }


def test_cluster_size_goes_into_config_before_v6() -> None:
    body = build_create_body("python", "s1", {"cluster_size": 2}, "v5.20191215")
    assert body["config"] == {"clusterSize": 2}


def test_an_unknown_option_is_a_usage_error() -> None:
    with pytest.raises(bai.UsageError, match="unknown key 'cpus'"):
        build_create_body("python", "s1", {"cpus": 1}, "v9.20250722")


@pytest.mark.parametrize(
    ("resources", "version", "feature", "required"),
    [
        ({"enqueueOnly": True}, "v4.20190315", "session-create-options", "API v4.20190615"),
        ({"architecture": "aarch64"}, "v6.20200815", "architecture", "API v6.20220315"),
    ],
)
def test_an_option_the_server_lacks_fails_before_sending(
    resources: dict[str, object], version: str, feature: str, required: str
) -> None:
    with pytest.raises(bai.UnsupportedFeatureError) as caught:
        build_create_body("python", "s1", resources, version)
    assert (caught.value.feature, caught.value.required, caught.value.server) == (feature, required, f"API {version}")
    assert str(caught.value) == f"{next(iter(resources))!r} needs {required}; the server is API {version}"


async def test_bad_name_or_option_sends_nothing_but_the_probe(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    with pytest.raises(ValueError, match="path segment"):
        await client.get_info("../auth")
    with pytest.raises(ValueError, match="unknown key"):
        await client.create_if_not_exists("python", "s1", {"cpus": 1})
    assert [r.path for r in fm.requests] == ["/"]


async def test_generated_name_and_owner_key(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    created = await client.create_if_not_exists("python")
    name = created["sessionName"]
    assert name.endswith("-pySDK")
    await client.get_info(name, AK)
    assert fm.requests[-1].raw_path == f"/session/{name}?owner_access_key={AK}"


async def test_existing_session_with_another_image_is_a_typed_error(
    fm: FakeManager, make_client: ClientFactory
) -> None:
    client = make_client(fm)
    first = await client.create_if_not_exists("python", "s-one")
    with pytest.raises(bai.BadRequestError) as info:
        await client.create_if_not_exists("other-image", "s-one")
    assert info.value.problem_type == "https://api.backend.ai/probs/session-already-exists"
    assert info.value.data == {"existingSessionId": first["sessionId"]}


async def test_unknown_image_is_not_found(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    with pytest.raises(bai.NotFoundError):
        await client.create_if_not_exists("unknown-image", "s-two")


async def test_owner_key_must_be_a_string(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    await client.create_if_not_exists("python", "s-three")
    with pytest.raises(bai.InvalidArgumentTypeError, match="forced= is a keyword"):
        await client.destroy("s-three", True)  # type: ignore[arg-type]
    await client.destroy("s-three", forced=True)
