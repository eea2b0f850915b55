"""Administration objects against the real servers, as superadmin, domain admin and user, in API
and SESSION mode: keypairs, users, groups, domains, agents, images, scaling groups, resource presets,
and the life cycles of a user and a keypair.  The server decides what each role may do; the SDK
sends every request and turns a refusal into ``PermissionDeniedError``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

import backendai_async as bai

from .conftest import CURRENT

# one event loop for the module, so that its clients live as long as it does
pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="module")]

ROLES = ["superadmin", "domain_admin", "user"]
# (generation, connection mode): SESSION mode needs the webserver, which only the current stack runs;
# 19.09 speaks API v4 (`keypairs`/`users`/`agents` lists, /admin/graphql)
PLACES = [(CURRENT, "API"), (CURRENT, "SESSION"), ("22.09", "API"), ("19.09", "API")]
DUMMY_AGENT = "i-dummy-01"
FIXTURE_IMAGE = "cr.backend.ai/stable/python:3.9-ubuntu20.04"


@dataclass
class Caller:
    client: bai.Client
    role: str
    email: str
    access_key: str
    generation: str
    mode: str


class ClientPool:
    """One client per (generation, mode, role) for the whole module.

    Each client negotiates (``GET /``) and logs in once: the manager counts anonymous requests such
    as ``GET /`` against one budget per address (1000 per 15 minutes), shared by every test on the
    machine, and each keypair's requests against its own.
    """

    def __init__(self, stack: dict[str, Any]) -> None:
        self.stack = stack
        self._callers: dict[tuple[str, str, str], Caller] = {}

    async def get(self, generation: str, mode: str, role: str) -> Caller:
        gen = self.stack["generations"].get(generation)
        if gen is None or gen["status"] != "up":
            pytest.skip(f"Backend.AI {generation} is not running")
        key = (generation, mode, role)
        if key not in self._callers:
            user = gen["users"][role]
            if mode == "API":
                config = bai.ClientConfig(user["access_key"], user["secret_key"], gen["endpoint"])
            else:  # localhost, not 127.0.0.1: the cookie jar keeps no cookies of IP-address hosts
                endpoint = f"http://localhost:{gen['webserver_port']}"
                config = bai.ClientConfig(user_id=user["email"], password=user["password"], endpoint=endpoint,
                                          connection_mode="SESSION")  # fmt: skip
            client = bai.Client(config)
            if mode == "SESSION":
                assert await client.login()
            self._callers[key] = Caller(client, role, user["email"], user["access_key"], generation, mode)
        return self._callers[key]

    async def close(self) -> None:
        for caller in self._callers.values():
            await caller.client.close()


def new_user_props(name: str) -> dict[str, Any]:
    return {
        "username": name, "password": f"pw-{uuid.uuid4().hex}", "need_password_change": False,
        "full_name": "Integration Test", "description": "", "is_active": True, "domain_name": "default",
        "role": "user", "group_ids": [],
    }  # fmt: skip


async def collect(iterator: Any) -> list[Any]:
    return [item async for item in iterator]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def pool(stack: dict[str, Any]) -> AsyncIterator[ClientPool]:
    clients = ClientPool(stack)
    yield clients
    await clients.close()


@pytest_asyncio.fixture(loop_scope="module", params=[(g, m, r) for g, m in PLACES for r in ROLES],
                        ids=lambda p: "-".join(p))  # fmt: skip
async def caller(request: pytest.FixtureRequest, pool: ClientPool) -> Caller:
    return await pool.get(*request.param)


@pytest_asyncio.fixture(loop_scope="module")
async def superadmin(request: pytest.FixtureRequest, pool: ClientPool) -> bai.Client:
    """A superadmin client of the same place as ``caller`` (for set-up and clean-up)."""
    generation, mode, _ = request.node.callspec.params["caller"]
    return (await pool.get(generation, mode, "superadmin")).client


@pytest_asyncio.fixture(loop_scope="module")
async def admin(pool: ClientPool) -> bai.Client:
    """The superadmin in API mode on the current stack."""
    return (await pool.get(CURRENT, "API", "superadmin")).client


async def test_keypair_info_and_list(caller: Caller) -> None:
    own = await caller.client.keypair.info()
    assert own["access_key"] == caller.access_key
    assert own["is_active"] is True
    assert own["user_id"] == caller.email
    keys = [kp["access_key"] async for kp in caller.client.keypair.list(caller.email, page_size=1)]
    assert keys == [caller.access_key]


async def test_user_list(caller: Caller) -> None:
    if caller.role == "user":
        with pytest.raises(bai.PermissionDeniedError):
            await collect(caller.client.user.list())
        return
    users = await collect(caller.client.user.list(page_size=2))  # several pages
    emails = {u["username"] for u in users} | {u.get("email") for u in users}
    assert len(users) >= 3
    assert all(u["domain_name"] == "default" for u in users)
    assert caller.email.split("@")[0] in emails or caller.email in emails


async def test_own_user(caller: Caller) -> None:
    me = await caller.client.user.get()
    assert me["email"] == caller.email
    assert "default" in {g["name"] for g in me["groups"]}


async def test_group_list(caller: Caller) -> None:
    groups = await collect(caller.client.group.list())
    assert "default" in {g["name"] for g in groups}


async def test_domain_list(caller: Caller) -> None:
    if caller.role != "superadmin":
        with pytest.raises(bai.PermissionDeniedError):
            await collect(caller.client.domain.list())
        return
    domains = await collect(caller.client.domain.list())
    assert "default" in {d["name"] for d in domains}


async def test_domain_get(caller: Caller) -> None:
    domain = await caller.client.domain.get("default", ["name", "is_active"])
    assert domain == {"name": "default", "is_active": True}


async def test_agent_list(caller: Caller) -> None:
    if caller.role != "superadmin":
        with pytest.raises(bai.PermissionDeniedError, match="superadmin privilege required"):
            await collect(caller.client.agent.list())
        return
    agents = await collect(caller.client.agent.list(page_size=1))
    if caller.generation != CURRENT:
        assert agents == []  # the older managers run without an agent
        return
    (agent,) = [a for a in agents if a["id"] == DUMMY_AGENT]
    assert agent["status"] == "ALIVE"
    assert json.loads(agent["available_slots"])["cpu"] == "4"


async def test_image_list(caller: Caller) -> None:
    images = await collect(caller.client.image.list(["name", "registry", "tag", "installed"]))
    if caller.generation != CURRENT:
        assert isinstance(images, list)  # no image fixture on the older managers
        return
    refs = {f"{i['registry']}/{i['name']}:{i['tag']}" for i in images}
    assert FIXTURE_IMAGE in refs


async def test_scaling_groups(caller: Caller) -> None:
    usable = await caller.client.scaling_group.list("default")
    assert {"name": "default"} in usable["scaling_groups"]
    if caller.role != "superadmin":
        with pytest.raises(bai.PermissionDeniedError):
            await collect(caller.client.scaling_group.list_available())
        return
    groups = await collect(caller.client.scaling_group.list_available())
    (default,) = [g for g in groups if g["name"] == "default"]
    assert default["is_active"] is True
    assert ("wsproxy_addr" in default) == (caller.generation != "19.09")  # a field of managers 21.09+


async def test_resource_presets(caller: Caller) -> None:
    listed = await caller.client.resource_preset.list()
    assert isinstance(listed["presets"], list)  # the stack loads no preset fixture: maybe empty
    checked = await caller.client.resource_preset.check({"group": "default"})
    assert isinstance(checked["presets"], list)
    assert "cpu" in checked["keypair_limits"]


async def test_admin_mutation_refused_for_user(caller: Caller) -> None:
    if caller.role != "user":
        pytest.skip("the refusal of a normal user")
    with pytest.raises(bai.PermissionDeniedError):
        await caller.client.keypair.add(caller.email)
    name = f"it-nobody-{uuid.uuid4().hex[:8]}"
    with pytest.raises(bai.PermissionDeniedError):
        await caller.client.user.create(f"{name}@example.com", new_user_props(name))


async def test_user_and_keypair_life_cycle(caller: Caller, superadmin: bai.Client) -> None:
    if caller.role != "superadmin":
        pytest.skip("user and keypair administration is the superadmin's")
    client = caller.client
    name = f"it-admin-{uuid.uuid4().hex[:8]}"
    email = f"{name}@example.com"
    props = new_user_props(name)
    created = await client.user.create(email, props)
    assert created["ok"] is True
    try:
        await client.user.update(email, {"full_name": "Renamed", "description": "changed"})
        user = await client.user.get(email, ["email", "full_name", "description", "role"])
        assert user == {"email": email, "full_name": "Renamed", "description": "changed", "role": "user"}

        added = await client.keypair.add(email, resource_policy="default", rate_limit=500)
        access_key = added["keypair"]["access_key"]  # type: ignore[typeddict-item]
        assert added["keypair"]["rate_limit"] == 500  # type: ignore[typeddict-item]
        info = await client.keypair.info(access_key, ["access_key", "user_id", "is_active"])
        assert info == {"access_key": access_key, "user_id": email, "is_active": True}
        assert access_key in [kp["access_key"] async for kp in client.keypair.list(email)]
        await client.keypair.mutate(access_key, {"is_active": False})
        assert access_key in [kp["access_key"] async for kp in client.keypair.list(email, is_active=False)]
        assert (await client.keypair.delete(access_key))["ok"] is True
        assert access_key not in [kp["access_key"] async for kp in client.keypair.list(email, is_active=None)]
    finally:
        await client.user.delete(email)
        await superadmin.user.purge(email)
    assert await client.user.get(email, ["email"]) is None


async def test_image_install_on_the_dummy_agent(admin: bai.Client) -> None:
    """``image.install`` starts a throwaway session from the image and destroys it."""
    registry, name = FIXTURE_IMAGE.split("/", 1)
    await admin.image.install(name, registry=registry)
    assert "stable/python" in [i["name"] async for i in admin.image.list(["name"])]


async def test_rest_admin_route_refused(caller: Caller) -> None:
    """A real 403: etcd configuration is the superadmin's."""
    if caller.role == "superadmin" or caller.generation != CURRENT:
        pytest.skip("the refusal of a non-superadmin by the current manager")
    with pytest.raises(bai.PermissionDeniedError) as info:
        await caller.client.setting.list()
    assert info.value.status == 403


async def test_own_configuration(caller: Caller) -> None:
    """What every role may read or keep for itself: slots, SSH key, templates, services, dotfiles."""
    if caller.generation != CURRENT:
        pytest.skip("the current manager's user routes")
    client = caller.client
    assert (await client.get_resource_slots())["cpu"] == "count"
    assert "ssh_public_key" in await client.fetch_ssh_keypair()
    assert isinstance(await client.session_template.list(), list)
    assert isinstance(await client.model_service.list(), list)
    assert "create-vfolder" in (await client.storage_proxy.get_all_permissions())["vfolder_host_permission_list"]
    path = f".it-admin-{uuid.uuid4().hex[:8]}"
    await client.user_config.create("export A=1\n", path)
    try:
        await client.user_config.update("export A=2\n", path)
        assert {"path": path, "data": "export A=2\n"}.items() <= next(
            f for f in await client.user_config.get() if f["path"] == path
        ).items()
    finally:
        await client.user_config.delete(path)
    assert path not in [f["path"] for f in await client.user_config.get()]


async def test_etcd_settings_round_trip(caller: Caller) -> None:
    if caller.role != "superadmin" or caller.generation != CURRENT:
        pytest.skip("etcd configuration is the superadmin's")
    key = f"it-admin-{uuid.uuid4().hex[:8]}"
    await caller.client.setting.set(f"{key}/flag", "on")
    try:
        assert (await caller.client.setting.get(f"{key}/flag"))["result"] == "on"
        assert (await caller.client.setting.list(key))["result"] == {"flag": "on"}
    finally:
        await caller.client.setting.delete(key, prefix=True)
    assert (await caller.client.setting.get(f"{key}/flag"))["result"] is None


@pytest_asyncio.fixture(loop_scope="module")
async def temporary_user(admin: bai.Client) -> AsyncIterator[tuple[bai.ClientConfig, str, str]]:
    """A new user in the default project with its own keypair: ``(its API config, email, password)``;
    purged afterwards."""
    name = f"it-admin-{uuid.uuid4().hex[:8]}"
    email = f"{name}@example.com"
    props = new_user_props(name)
    project = [g["id"] async for g in admin.group.list(fields=["id", "name"]) if g["name"] == "default"]
    await admin.user.create(email, {**props, "group_ids": project})
    try:
        keypair = (await admin.keypair.add(email))["keypair"]  # type: ignore[typeddict-item]
        config = bai.ClientConfig(keypair["access_key"], keypair["secret_key"], admin.config.endpoint)
        yield config, email, props["password"]
    finally:
        await admin.user.delete(email)
        await admin.user.purge(email)


async def test_own_account(temporary_user: tuple[bai.ClientConfig, str, str]) -> None:
    """A user's own account: keypair, full name, password, SSH keypair, then signing out."""
    config, email, password = temporary_user
    async with bai.Client(config) as client:
        assert (await client.keypair.info(fields=["user_id"])) == {"user_id": email}
        await client.update_full_name(email, "Another Name")
        assert (await client.user.get(fields=["full_name"])) == {"full_name": "Another Name"}
        with pytest.raises(bai.BadRequestError):
            await client.update_password(password, "new-pass-1", "new-pass-2")  # the repetition differs
        await client.update_password(password, "new-Pass-123", "new-Pass-123")
        pair = await client.refresh_ssh_keypair()
        assert (await client.fetch_ssh_keypair())["ssh_public_key"] == pair["ssh_public_key"]
        await client.signout(email, "new-Pass-123")
        with pytest.raises((bai.AuthenticationError, bai.PermissionDeniedError)):
            await client.keypair.info()


async def test_preset_and_policy_life_cycles(admin: bai.Client) -> None:
    client = admin
    preset = f"it-preset-{uuid.uuid4().hex[:8]}"
    slots = {"cpu": "1", "mem": "1073741824"}
    await client.resource_preset.add(preset, {"resource_slots": json.dumps(slots), "shared_memory": "64m"})
    try:
        listed = {p["name"]: p for p in (await client.resource_preset.list())["presets"]}
        assert listed[preset]["resource_slots"] == slots
        await client.resource_preset.mutate(preset, {"shared_memory": "128m"})
        checked = await client.resource_preset.check({"group": "default"})
        assert preset in {p["name"] for p in checked["presets"]}
    finally:
        await client.resource_preset.delete(preset)
    # 26.9 keeps serving a deleted preset from its REST cache; a second delete shows it is gone
    with pytest.raises(bai.GraphQLError):
        await client.resource_preset.delete(preset)

    policy = f"it-policy-{uuid.uuid4().hex[:8]}"
    props = {"default_for_unspecified": "UNLIMITED", "total_resource_slots": "{}", "max_concurrent_sessions": 1,
             "max_containers_per_session": 1, "idle_timeout": 600, "allowed_vfolder_hosts": "{}"}  # fmt: skip
    await client.resource_policy.add(policy, props)
    try:
        await client.resource_policy.mutate(policy, {"max_concurrent_sessions": 2})
        got = await client.resource_policy.get(policy, ["name", "max_concurrent_sessions"])
        assert got == {"name": policy, "max_concurrent_sessions": 2}
    finally:
        await client.resource_policy.delete(policy)
    assert policy not in {p["name"] for p in await client.resource_policy.get(fields=["name"])}


async def test_scaling_group_and_domain_administration(admin: bai.Client) -> None:
    client = admin
    name = f"it-sg-{uuid.uuid4().hex[:8]}"
    await client.scaling_group.create(name, {"description": "integration", "is_active": False})
    try:
        await client.scaling_group.associate_domain("default", name)
        await client.scaling_group.update(name, {"description": "changed", "is_public": False})
        groups = {g["name"]: g async for g in client.scaling_group.list_available(["name", "description", "is_active"])}
        assert groups[name] == {"name": name, "description": "changed", "is_active": False}
    finally:
        await client.scaling_group.delete(name)
    assert name not in [g["name"] async for g in client.scaling_group.list_available(["name"])]

    before = await client.domain.get("default", ["description"])
    assert before is not None
    await client.domain.update("default", {"description": "changed by the integration tests"})
    try:
        assert await client.domain.get("default", ["description"]) == {
            "description": "changed by the integration tests"
        }
    finally:
        await client.domain.update("default", {"description": before["description"]})


async def test_etcd_registry_and_announcement(admin: bai.Client) -> None:
    client = admin
    host = f"it-{uuid.uuid4().hex[:8]}.example.com"
    await client.registry.set(host, {"": f"https://{host}", "type": "docker"})
    try:
        assert (await client.registry.list())["result"][host] == {"": f"https://{host}", "type": "docker"}
    finally:
        await client.registry.delete(host)
    assert host not in (await client.registry.list())["result"]

    before = await client.service.get_announcement()
    await client.service.update_announcement(True, "integration test")
    try:
        assert await client.service.get_announcement() == {"enabled": True, "message": "integration test"}
    finally:
        await client.service.update_announcement(before["enabled"], before["message"])
    assert await client.maintenance.recalculate_usage() is None  # 26.9.6 answers {}: nothing to return
