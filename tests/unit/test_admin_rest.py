"""Administration objects over REST: method, path, query and body as sent, and the answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager, FakeService

from .conftest import USER_AK, USER_SK, ClientFactory

Call = Callable[[bai.Client], Awaitable[Any]]

# (call, method, path, query, body)
REQUESTS: list[tuple[str, Call, str, str, dict[str, str], Any]] = [
    ("resource_preset.list", lambda c: c.resource_preset.list(), "GET", "/resource/presets", {}, None),
    ("resource_preset.list sg", lambda c: c.resource_preset.list("default"), "GET", "/resource/presets",
     {"scaling_group": "default"}, None),
    ("resource_preset.check", lambda c: c.resource_preset.check({"group": "default"}), "POST",
     "/resource/check-presets", {}, {"group": "default"}),
    ("resources.user_stats", lambda c: c.resources.user_stats(), "GET", "/resource/stats/user/month", {}, None),
    ("maintenance.recalculate_usage", lambda c: c.maintenance.recalculate_usage(), "POST",
     "/resource/recalculate-usage", {}, None),
    ("scaling_group.list", lambda c: c.scaling_group.list(), "GET", "/scaling-groups", {"group": "default"}, None),
    ("scaling_group.get_wsproxy_version", lambda c: c.scaling_group.get_wsproxy_version("sg", "g1"), "GET",
     "/scaling-groups/sg/wsproxy-version", {"group": "g1"}, None),
    ("registry.list", lambda c: c.registry.list(), "POST", "/config/get", {},
     {"key": "config/docker/registry", "prefix": True}),
    ("registry.set", lambda c: c.registry.set("cr.io:5000", {"": "https://cr.io"}), "POST", "/config/set", {},
     {"key": "config/docker/registry/cr.io%3A5000", "value": {"": "https://cr.io"}}),
    ("registry.delete", lambda c: c.registry.delete("cr.io"), "POST", "/config/delete", {},
     {"key": "config/docker/registry/cr.io", "prefix": True}),
    ("setting.list", lambda c: c.setting.list("docker"), "POST", "/config/get", {},
     {"key": "config/docker", "prefix": True}),
    ("setting.get", lambda c: c.setting.get("a/b"), "POST", "/config/get", {}, {"key": "config/a/b", "prefix": False}),
    ("setting.set", lambda c: c.setting.set("a/b", "1"), "POST", "/config/set", {},
     {"key": "config/a/b", "value": "1"}),
    ("setting.delete", lambda c: c.setting.delete("a", True), "POST", "/config/delete", {},
     {"key": "config/a", "prefix": True}),
    ("image.modify_label", lambda c: c.image.modify_label("cr.io:5000", "stable/python", "3.9", "k", "v"), "POST",
     "/config/set", {}, {"key": "images/cr.io%3A5000/stable%2Fpython/3.9/labels/k", "value": "v"}),
    ("image.get", lambda c: c.image.get("cr.io", "python", "3.9"), "POST", "/config/get", {},
     {"key": "images/cr.io/python/3.9/resource/", "prefix": True}),
    ("service.get_announcement", lambda c: c.service.get_announcement(), "GET", "/manager/announcement", {}, None),
    ("service.update_announcement", lambda c: c.service.update_announcement(True, "hi"), "POST",
     "/manager/announcement", {}, {"enabled": True, "message": "hi"}),
    ("user_config.get_bootstrap_script", lambda c: c.user_config.get_bootstrap_script(), "GET",
     "/user-config/bootstrap-script", {}, None),
    ("user_config.update_bootstrap_script", lambda c: c.user_config.update_bootstrap_script("echo"), "POST",
     "/user-config/bootstrap-script", {}, {"script": "echo"}),
    ("user_config.create", lambda c: c.user_config.create("x=1", ".bashrc"), "POST", "/user-config/dotfiles", {},
     {"path": ".bashrc", "data": "x=1", "permission": "644"}),
    ("user_config.get", lambda c: c.user_config.get(), "GET", "/user-config/dotfiles", {}, None),
    ("session_template.list", lambda c: c.session_template.list(), "GET", "/template/session", {}, None),
    ("session_template.list all of a group", lambda c: c.session_template.list(True, "g1"), "GET",
     "/template/session", {"all": "true", "group_id": "g1"}, None),
    ("storage_proxy.get_all_permissions", lambda c: c.storage_proxy.get_all_permissions(), "GET", "/acl", {}, None),
    ("signout", lambda c: c.signout("u@x.com", "pw"), "POST", "/auth/signout", {},
     {"username": "u@x.com", "password": "pw"}),
    ("update_full_name", lambda c: c.update_full_name("u@x.com", "U X"), "POST", "/auth/update-full-name", {},
     {"email": "u@x.com", "full_name": "U X"}),
    ("update_password", lambda c: c.update_password("a", "b", "b"), "POST", "/auth/update-password", {},
     {"old_password": "a", "new_password": "b", "new_password2": "b"}),
    ("fetch_ssh_keypair", lambda c: c.fetch_ssh_keypair(), "GET", "/auth/ssh-keypair", {}, None),
    ("refresh_ssh_keypair", lambda c: c.refresh_ssh_keypair(), "PATCH", "/auth/ssh-keypair", {}, None),
    ("post_ssh_keypair", lambda c: c.post_ssh_keypair("pub", "priv"), "POST", "/auth/ssh-keypair", {},
     {"pubkey": "pub", "privkey": "priv"}),
    ("is_manager_supporting_totp", lambda c: c.is_manager_supporting_totp(), "GET", "/totp", {}, None),
    ("initialize_totp", lambda c: c.initialize_totp(), "POST", "/totp", {}, None),
    ("activate_totp", lambda c: c.activate_totp("123456"), "POST", "/totp/verify", {}, {"otp": "123456"}),
    ("remove_totp", lambda c: c.remove_totp("u@x.com"), "DELETE", "/totp", {"email": "u@x.com"}, None),
    ("get_resource_slots", lambda c: c.get_resource_slots(), "GET", "/config/resource-slots", {}, None),
    ("model_service.list", lambda c: c.model_service.list("svc"), "GET", "/services", {"name": "svc"}, None),
]  # fmt: skip


@pytest.mark.parametrize(("name", "call", "method", "path", "query", "body"), REQUESTS, ids=[r[0] for r in REQUESTS])
async def test_request_as_sent(
    name: str, call: Call, method: str, path: str, query: dict[str, str], body: Any,
    fm: FakeManager, make_client: ClientFactory,
) -> None:  # fmt: skip
    await call(make_client(fm))
    request = fm.requests[-1]
    assert (request.method, request.path, dict(request.query), request.json) == (method, path, query, body)


async def test_answers(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    presets = await client.resource_preset.list()
    assert presets["presets"][0]["name"] == "small"
    checked = await client.resource_preset.check({"group": "default"})  # 26.x requires the group
    assert checked["presets"][0]["allocatable"] is True
    assert await client.scaling_group.list() == {"scaling_groups": [{"name": "default"}]}
    await client.setting.set("plugins/x", "1")
    assert await client.setting.get("plugins/x") == {"result": "1"}
    assert await client.setting.list("plugins") == {"result": {"x": "1"}}
    await client.setting.delete("plugins", prefix=True)
    assert fm.admin.etcd == {}
    assert await client.enterprise.get_license() is None  # an open-source manager answers 404
    assert await client.is_manager_supporting_totp() is True
    assert await client.get_resource_slots() == {"cpu": "count", "mem": "bytes"}


async def test_image_resource_limits_one_key_each(fm: FakeManager, make_client: ClientFactory) -> None:
    await make_client(fm).image.modify_resource("cr.io", "python", "3.9", {"cpu": {"min": "1", "max": "2"}})
    assert [r.json for r in fm.requests if r.path == "/config/set"] == [
        {"key": "images/cr.io/python/3.9/resource/cpu/min", "value": "1"},
        {"key": "images/cr.io/python/3.9/resource/cpu/max", "value": "2"},
    ]


async def test_dotfile_life_cycle(fm: FakeManager, make_client: ClientFactory) -> None:
    user_config = make_client(fm).user_config
    await user_config.create("a", ".vimrc")
    await user_config.update("b", ".vimrc")
    assert await user_config.get() == [{"path": ".vimrc", "permission": "644", "data": "b"}]
    await user_config.delete(".vimrc")
    delete = fm.requests[-1]
    assert (delete.method, dict(delete.query), delete.json) == ("DELETE", {"path": ".vimrc"}, {"path": ".vimrc"})
    with pytest.raises(bai.NotFoundError):
        await user_config.delete(".vimrc")


async def test_model_service_life_cycle(fm: FakeManager, make_client: ClientFactory) -> None:
    services = make_client(fm).model_service
    spec = {"service_name": "svc", "replicas": 1, "image": "python", "config": {"model": "m"}}
    created = await services.create(spec)
    sid = created["endpoint_id"]
    assert fm.requests[-1].json == spec
    assert await services.list() == [{"id": sid, "name": "svc", "desired_session_count": 1}]
    assert await services.scale(sid, 3) == {"current_route_count": 1, "target_count": 3}
    assert (fm.requests[-1].path, fm.requests[-1].json) == (f"/services/{sid}/scale", {"to": 3})
    assert await services.sync(sid) == {"success": True}
    await services.update_route(sid, "r1", 0.5)
    assert (fm.requests[-1].method, fm.requests[-1].json) == ("PUT", {"traffic_ratio": 0.5})
    assert (await services.info(sid))["active_routes"] == [{"route_id": "r1", "traffic_ratio": 0.5}]
    await services.delete_route(sid, "r1")
    assert fm.requests[-1].method == "DELETE" and fm.requests[-1].path == f"/services/{sid}/routings/r1"
    assert await services.generate_token(sid, duration="1d") == {"token": f"token-for-{sid}"}
    assert fm.requests[-1].json == {"duration": "1d"}
    await services.generate_token(sid, valid_until=1700000000)
    assert fm.requests[-1].json == {"valid_until": 1700000000}
    await services.delete(sid)
    assert fm.admin.services == {}
    with pytest.raises(bai.NotFoundError):
        await services.info(sid)
    with pytest.raises(ValueError, match="path segment"):
        await services.info("../x")


async def test_model_service_state_is_visible(fm: FakeManager, make_client: ClientFactory) -> None:
    fm.admin.services["s1"] = FakeService("s1", "given", {}, 2)
    assert await make_client(fm).model_service.list() == [{"id": "s1", "name": "given", "desired_session_count": 2}]


async def test_superadmin_routes_refuse_users(fm: FakeManager) -> None:
    async with bai.Client(bai.ClientConfig(USER_AK, USER_SK, str(fm.url), max_retries=0)) as user:
        with pytest.raises(bai.PermissionDeniedError):
            await user.setting.list()
        with pytest.raises(bai.PermissionDeniedError):
            await user.maintenance.recalculate_usage()
        assert await user.resource_preset.list()  # not an admin route


async def test_old_managers(make_client: ClientFactory) -> None:
    async with FakeManager("18.12") as fm:
        client = make_client(fm)
        await client.get_resource_slots()
        assert fm.requests[-1].path == "/etcd/resource-slots"
    async with FakeManager("20.09") as fm:
        client = make_client(fm)
        assert await client.scaling_group.get_wsproxy_version("default") == {"wsproxy_version": "v1"}
        assert not any(r.path.startswith("/scaling-groups") for r in fm.requests)


async def test_sub_objects_do_not_leak_secrets(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    assert repr(client.keypair) == "<Keypair>"
    assert "wJalrXUt" not in repr(vars(client))


async def test_image_install_runs_a_throwaway_session(fm: FakeManager, make_client: ClientFactory) -> None:
    await make_client(fm).image.install("stable/python:3.9-ubuntu20.04", registry="cr.backend.ai")
    create, destroy = [r for r in fm.requests if r.path.startswith("/session")]
    assert create.method == "POST"
    assert create.json["image"] == "cr.backend.ai/stable/python:3.9-ubuntu20.04"
    assert create.json["config"]["resources"] == {"cpu": 1, "mem": "512m"}
    assert (destroy.method, destroy.path) == ("DELETE", f"/session/{create.json['name']}")
    assert [s.status for s in fm.sessions.values()] == ["TERMINATING"]  # TERMINATED a moment later


PLUGIN_REQUESTS: list[tuple[str, Call, str, str, dict[str, str], Any]] = [
    ("cloud.ping", lambda c: c.cloud.ping(), "GET", "/cloud/ping", {}, None),
    ("cloud.verify_email", lambda c: c.cloud.verify_email("t"), "POST", "/cloud/verify-email", {},
     {"verification_code": "t"}),
    ("cloud.send_verification_email", lambda c: c.cloud.send_verification_email("e"), "POST",
     "/cloud/send-verification-email", {}, {"email": "e"}),
    ("cloud.send_password_change_email", lambda c: c.cloud.send_password_change_email("e"), "POST",
     "/cloud/send-password-change-email", {}, {"email": "e"}),
    ("cloud.change_password", lambda c: c.cloud.change_password("e", "p", "t"), "POST", "/cloud/change-password",
     {}, {"email": "e", "password": "p", "token": "t"}),
    ("edu_app.ping", lambda c: c.edu_app.ping(), "GET", "/eduapp/ping", {}, None),
    ("edu_app.get_mount_folders", lambda c: c.edu_app.get_mount_folders(), "GET", "/eduapp/mounts", {}, None),
    ("edu_app.get_user_projects", lambda c: c.edu_app.get_user_projects(), "GET", "/eduapp/projects", {}, None),
    ("edu_app.get_user_credential", lambda c: c.edu_app.get_user_credential("s"), "GET", "/eduapp/credential",
     {"sToken": "s"}, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "call", "method", "path", "query", "body"), PLUGIN_REQUESTS, ids=[r[0] for r in PLUGIN_REQUESTS]
)
async def test_plugin_requests_without_the_plugin(
    name: str, call: Call, method: str, path: str, query: dict[str, str], body: Any,
    fm: FakeManager, make_client: ClientFactory,
) -> None:  # fmt: skip
    """The FakeManager, like a manager without the plugin, answers 404."""
    with pytest.raises(bai.NotFoundError):
        await call(make_client(fm))
    request = fm.requests[-1]
    assert (request.method, request.path, dict(request.query), request.json) == (method, path, query, body)
