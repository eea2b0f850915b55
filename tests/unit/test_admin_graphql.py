"""Administration objects over GraphQL: the exact documents and variables, paging, version gates, refusals."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import backendai_async as bai
from backendai_async.resources.agents import AGENT_FIELDS, STORAGE_VOLUME_DETAIL_FIELDS, STORAGE_VOLUME_FIELDS
from backendai_async.resources.images import IMAGE_FIELDS
from backendai_async.resources.keypairs import KEYPAIR_FIELDS, KEYPAIR_LIST_FIELDS, RESOURCE_POLICY_FIELDS
from backendai_async.resources.scaling_groups import SCALING_GROUP_FIELDS
from backendai_async.resources.users import (
    DOMAIN_FIELDS,
    DOMAIN_LIST_FIELDS,
    GROUP_FIELDS,
    USER_FIELDS,
    USER_LIST_FIELDS,
)
from backendai_async.testing import REFUSAL, FakeManager, GraphQLScript, pages

from .conftest import USER_AK, USER_SK, ClientFactory

OK = {"ok": True, "msg": "success"}
Call = Callable[[bai.Client], Awaitable[Any]]


def sel(fields: Any) -> str:
    return " ".join(fields)


async def collect(iterator: Any) -> list[Any]:
    return [item async for item in iterator]


@pytest.fixture
def gql(fm: FakeManager) -> GraphQLScript:
    return GraphQLScript.install(fm)


# (call, document, variables, root answer, expected result) on the newest generation (26.9)
SINGLE: list[tuple[str, Call, str, dict[str, Any], Any]] = [
    ("keypair.info self", lambda c: c.keypair.info(),
     f"query {{ keypair {{ {sel(KEYPAIR_FIELDS)} }} }}", {}, {"access_key": "AK"}),
    ("keypair.info other", lambda c: c.keypair.info("AKX", ["access_key"]),
     "query($access_key: String!) { keypair(access_key: $access_key) { access_key } }", {"access_key": "AKX"},
     {"access_key": "AKX"}),
    ("keypair.add", lambda c: c.keypair.add("u@x.com", resource_policy="p", rate_limit=5),
     "mutation($user_id: String!, $props: KeyPairInput!) { create_keypair(user_id: $user_id, props: $props) "
     "{ ok msg keypair { is_active is_admin resource_policy concurrency_limit rate_limit access_key secret_key } } }",
     {"user_id": "u@x.com", "props": {"is_active": True, "is_admin": False, "resource_policy": "p", "rate_limit": 5}},
     {**OK, "keypair": {"access_key": "AKNEW"}}),
    ("keypair.mutate", lambda c: c.keypair.mutate("AKX", {"is_active": False}),
     "mutation($access_key: String!, $props: ModifyKeyPairInput!) { modify_keypair(access_key: $access_key, "
     "props: $props) { ok msg } }", {"access_key": "AKX", "props": {"is_active": False}}, OK),
    ("keypair.delete", lambda c: c.keypair.delete("AKX"),
     "mutation($access_key: String!) { delete_keypair(access_key: $access_key) { ok msg } }",
     {"access_key": "AKX"}, OK),
    ("resource_policy.get all", lambda c: c.resource_policy.get(),
     f"query {{ keypair_resource_policies {{ {sel(RESOURCE_POLICY_FIELDS)} max_session_lifetime }} }}", {},
     [{"name": "default"}]),
    ("resource_policy.get one", lambda c: c.resource_policy.get("default", ["name"]),
     "query($name: String!) { keypair_resource_policy(name: $name) { name } }", {"name": "default"},
     {"name": "default"}),
    ("resource_policy.add", lambda c: c.resource_policy.add("p", {"max_concurrent_sessions": 1}),
     "mutation($name: String!, $props: CreateKeyPairResourcePolicyInput!) { create_keypair_resource_policy("
     "name: $name, props: $props) { ok msg } }", {"name": "p", "props": {"max_concurrent_sessions": 1}}, OK),
    ("resource_policy.mutate", lambda c: c.resource_policy.mutate("p", {"idle_timeout": 5}),
     "mutation($name: String!, $props: ModifyKeyPairResourcePolicyInput!) { modify_keypair_resource_policy("
     "name: $name, props: $props) { ok msg } }", {"name": "p", "props": {"idle_timeout": 5}}, OK),
    ("resource_policy.delete", lambda c: c.resource_policy.delete("p"),
     "mutation($name: String!) { delete_keypair_resource_policy(name: $name) { ok msg } }", {"name": "p"}, OK),
    ("user_resource_policy.get", lambda c: c.user_resource_policy.get(),
     "query { user_resource_policies { id name created_at max_vfolder_count max_quota_scope_size } }", {}, []),
    ("user_resource_policy.add", lambda c: c.user_resource_policy.add("u", {"max_vfolder_count": 1}),
     "mutation($name: String!, $props: CreateUserResourcePolicyInput!) { create_user_resource_policy("
     "name: $name, props: $props) { ok msg } }", {"name": "u", "props": {"max_vfolder_count": 1}}, OK),
    ("project_resource_policy.delete", lambda c: c.project_resource_policy.delete("g"),
     "mutation($name: String!) { delete_project_resource_policy(name: $name) { ok msg } }", {"name": "g"}, OK),
    ("user.get self", lambda c: c.user.get(),
     f"query {{ user {{ {sel(USER_FIELDS)} }} }}", {}, {"email": "me"}),
    ("user.get other", lambda c: c.user.get("a@b.c", ["email", "main_access_key"]),
     "query($email: String) { user(email: $email) { email main_access_key } }", {"email": "a@b.c"},
     {"email": "a@b.c"}),
    ("user.create", lambda c: c.user.create("a@b.c", {"password": "pw", "role": "user"}),
     "mutation($email: String!, $props: UserInput!) { create_user(email: $email, props: $props) { ok msg } }",
     {"email": "a@b.c", "props": {"password": "pw", "role": "user"}}, OK),
    ("user.update", lambda c: c.user.update("a@b.c", {"full_name": "A"}),
     "mutation($email: String!, $props: ModifyUserInput!) { modify_user(email: $email, props: $props) { ok msg } }",
     {"email": "a@b.c", "props": {"full_name": "A"}}, OK),
    ("user.delete", lambda c: c.user.delete("a@b.c"),
     "mutation($email: String!) { delete_user(email: $email) { ok msg } }", {"email": "a@b.c"}, OK),
    ("user.purge", lambda c: c.user.purge("a@b.c"),
     "mutation($email: String!, $props: PurgeUserInput!) { purge_user(email: $email, props: $props) { ok msg } }",
     {"email": "a@b.c", "props": {"purge_shared_vfolders": False}}, OK),
    ("domain.get", lambda c: c.domain.get("default"),
     f"query($name: String) {{ domain(name: $name) {{ {sel(DOMAIN_FIELDS)} }} }}", {"name": "default"},
     {"name": "default"}),
    ("domain.update", lambda c: c.domain.update("default", {"description": "d"}),
     "mutation($name: String!, $props: ModifyDomainInput!) { modify_domain(name: $name, props: $props) { ok msg } }",
     {"name": "default", "props": {"description": "d"}}, OK),
    ("agent.update", lambda c: c.agent.update("i-1", {"schedulable": False}),
     "mutation($id: String!, $props: ModifyAgentInput!) { modify_agent(id: $id, props: $props) { ok msg } }",
     {"id": "i-1", "props": {"schedulable": False}}, OK),
    ("storage_proxy.detail", lambda c: c.storage_proxy.detail("local:volume1"),
     f"query($id: String!) {{ storage_volume(id: $id) {{ {sel(STORAGE_VOLUME_DETAIL_FIELDS)} }} }}",
     {"id": "local:volume1"}, {"id": "local:volume1"}),
    ("resource_preset.add", lambda c: c.resource_preset.add("s", {"resource_slots": "{}"}),
     "mutation($name: String!, $props: CreateResourcePresetInput!) { create_resource_preset(name: $name, "
     "props: $props) { ok msg } }", {"name": "s", "props": {"resource_slots": "{}"}}, OK),
    ("resource_preset.mutate", lambda c: c.resource_preset.mutate("s", {"shared_memory": "1g"}),
     "mutation($name: String!, $props: ModifyResourcePresetInput!) { modify_resource_preset(name: $name, "
     "props: $props) { ok msg } }", {"name": "s", "props": {"shared_memory": "1g"}}, OK),
    ("resource_preset.delete", lambda c: c.resource_preset.delete("s"),
     "mutation($name: String!) { delete_resource_preset(name: $name) { ok msg } }", {"name": "s"}, OK),
    ("scaling_group.create", lambda c: c.scaling_group.create("sg", {"wsproxy_addr": "http://w"}),
     "mutation($name: String!, $props: CreateScalingGroupInput!) { create_scaling_group(name: $name, "
     "props: $props) { ok msg } }",
     {"name": "sg", "props": {"description": "", "is_active": True, "driver": "static", "scheduler": "fifo",
                              "driver_opts": "{}", "scheduler_opts": "{}", "wsproxy_addr": "http://w"}}, OK),
    ("scaling_group.associate_domain", lambda c: c.scaling_group.associate_domain("default", "sg"),
     "mutation($domain: String!, $scaling_group: String!) { associate_scaling_group_with_domain("
     "domain: $domain, scaling_group: $scaling_group) { ok msg } }", {"domain": "default", "scaling_group": "sg"}, OK),
    ("scaling_group.update", lambda c: c.scaling_group.update("sg", {"is_public": False}),
     "mutation($name: String!, $props: ModifyScalingGroupInput!) { modify_scaling_group(name: $name, "
     "props: $props) { ok msg } }", {"name": "sg", "props": {"is_public": False}}, OK),
    ("scaling_group.delete", lambda c: c.scaling_group.delete("sg"),
     "mutation($name: String!) { delete_scaling_group(name: $name) { ok msg } }", {"name": "sg"}, OK),
    ("maintenance.rescan_images all", lambda c: c.maintenance.rescan_images(),
     "mutation { rescan_images { ok msg task_id } }", {}, {**OK, "task_id": "t"}),
    ("maintenance.rescan_images one", lambda c: c.maintenance.rescan_images("cr.backend.ai"),
     "mutation($registry: String) { rescan_images(registry: $registry) { ok msg task_id } }",
     {"registry": "cr.backend.ai"}, {**OK, "task_id": "t"}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "call", "document", "variables", "answer"), SINGLE, ids=[s[0] for s in SINGLE])
async def test_document_and_variables(
    name: str, call: Call, document: str, variables: dict[str, Any], answer: Any,
    fm: FakeManager, gql: GraphQLScript, make_client: ClientFactory,
) -> None:  # fmt: skip
    root = document.split("{", 2)[1].split("(")[0].strip()
    gql.expect(document, variables, {root: answer})
    assert await call(make_client(fm)) == answer
    assert [(c.query, c.variables) for c in gql.calls] == [(document, variables)]
    assert fm.requests[-1].path == "/admin/gql"


# (call, document without paging, variables without paging, root)
LISTS: list[tuple[str, Callable[[bai.Client, int], Any], str, dict[str, Any], str]] = [
    ("keypair.list", lambda c, n: c.keypair.list(page_size=n),
     "query($limit: Int!, $offset: Int!, $is_active: Boolean) { keypair_list(limit: $limit, offset: $offset, "
     f"is_active: $is_active) {{ items {{ {sel(KEYPAIR_LIST_FIELDS)} }} total_count }} }}", {"is_active": True},
     "keypair_list"),
    ("keypair.list of a user", lambda c, n: c.keypair.list("u@x.com", ["access_key"], None, page_size=n),
     "query($limit: Int!, $offset: Int!, $email: String) { keypair_list(limit: $limit, offset: $offset, "
     "email: $email) { items { access_key } total_count } }", {"email": "u@x.com"}, "keypair_list"),
    ("user.list", lambda c, n: c.user.list(page_size=n),
     "query($limit: Int!, $offset: Int!, $is_active: Boolean) { user_list(limit: $limit, offset: $offset, "
     f"is_active: $is_active) {{ items {{ {sel(USER_LIST_FIELDS)} }} total_count }} }}", {"is_active": True},
     "user_list"),
    ("agent.list", lambda c, n: c.agent.list(page_size=n),
     "query($limit: Int!, $offset: Int!, $status: String) { agent_list(limit: $limit, offset: $offset, "
     f"status: $status) {{ items {{ {sel(AGENT_FIELDS)} }} total_count }} }}", {"status": "ALIVE"}, "agent_list"),
    ("agent_summary.list", lambda c, n: c.agent_summary.list(fields=["id"], page_size=n),
     "query($limit: Int!, $offset: Int!, $status: String) { agent_summary_list(limit: $limit, offset: $offset, "
     "status: $status) { items { id } total_count } }", {"status": "ALIVE"}, "agent_summary_list"),
    ("storage_proxy.list", lambda c, n: c.storage_proxy.list(page_size=n),
     "query($limit: Int!, $offset: Int!) { storage_volume_list(limit: $limit, offset: $offset) "
     f"{{ items {{ {sel(STORAGE_VOLUME_FIELDS)} }} total_count }} }}", {}, "storage_volume_list"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "call", "document", "variables", "root"), LISTS, ids=[s[0] for s in LISTS])
@pytest.mark.parametrize(("total", "page_size", "requests"), [(0, 3, 1), (7, 3, 3), (6, 3, 2), (250, 100, 3)])
async def test_paginated_lists(
    name: str, call: Callable[[bai.Client, int], Any], document: str, variables: dict[str, Any], root: str,
    total: int, page_size: int, requests: int, fm: FakeManager, gql: GraphQLScript, make_client: ClientFactory,
) -> None:  # fmt: skip
    items = [{"id": i} for i in range(total)]
    gql.expect(document, variables, pages(root, items), paged=True)
    assert await collect(call(make_client(fm), page_size)) == items  # every page, nothing capped
    assert [(c.variables["limit"], c.variables["offset"]) for c in gql.calls] == [
        (page_size, page_size * i) for i in range(requests)
    ]  # and no extra empty page
    gql.calls.clear()
    assert await call(make_client(fm), page_size) == items  # awaited: the same pages, as a list
    assert len(gql.calls) == requests


# (call, document, variables, root) of lists the server returns whole
WHOLE: list[tuple[str, Callable[[bai.Client], Any], str, dict[str, Any], str]] = [
    ("group.list", lambda c: c.group.list(),
     f"query($is_active: Boolean, $type: [String]) {{ groups(is_active: $is_active, type: $type) "
     f"{{ {sel(GROUP_FIELDS)} }} }}", {"is_active": True, "type": ["GENERAL"]}, "groups"),
    ("group.list of a domain", lambda c: c.group.list(None, "default", ["id"], ["GENERAL", "MODEL_STORE"]),
     "query($domain_name: String, $type: [String]) { groups(domain_name: $domain_name, type: $type) { id } }",
     {"domain_name": "default", "type": ["GENERAL", "MODEL_STORE"]}, "groups"),
    ("domain.list", lambda c: c.domain.list(),
     f"query {{ domains {{ {sel(DOMAIN_LIST_FIELDS)} }} }}", {}, "domains"),
    ("image.list", lambda c: c.image.list(),
     f"query {{ images {{ {sel(IMAGE_FIELDS)} }} }}", {}, "images"),
    ("image.list installed system images", lambda c: c.image.list(["name"], True, True),
     "query($is_installed: Boolean, $is_operation: Boolean) { images(is_installed: $is_installed, "
     "is_operation: $is_operation) { name } }", {"is_installed": True, "is_operation": True}, "images"),
    ("scaling_group.list_available", lambda c: c.scaling_group.list_available(),
     f"query {{ scaling_groups {{ {sel(SCALING_GROUP_FIELDS)} }} }}", {}, "scaling_groups"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "call", "document", "variables", "root"), WHOLE, ids=[s[0] for s in WHOLE])
async def test_whole_lists(
    name: str, call: Callable[[bai.Client], Any], document: str, variables: dict[str, Any], root: str,
    fm: FakeManager, gql: GraphQLScript, make_client: ClientFactory,
) -> None:  # fmt: skip
    gql.expect(document, variables, {root: [{"name": "a"}, {"name": "b"}]})
    assert await collect(call(make_client(fm))) == [{"name": "a"}, {"name": "b"}]
    assert len(gql.calls) == 1


async def test_older_managers_get_older_documents(make_client: ClientFactory) -> None:
    """API v4 (19.09): ``keypairs``/``users``/``agents`` lists on ``/admin/graphql``; no gated fields."""
    async with FakeManager("19.09") as fm:
        gql = GraphQLScript.install(fm)
        client = make_client(fm)
        gql.expect("query($is_active: Boolean) { keypairs(is_active: $is_active) { access_key } }",
                   {"is_active": True}, {"keypairs": [{"access_key": "A"}]})  # fmt: skip
        gql.expect("query($is_active: Boolean) { users(is_active: $is_active) { email } }",
                   {"is_active": True}, {"users": [{"email": "e"}]})  # fmt: skip
        gql.expect("query($status: String) { agents(status: $status) { id } }", {"status": "ALIVE"}, {"agents": []})
        gql.expect("query { scaling_groups { name } }", {}, {"scaling_groups": []})
        gql.expect("query { user { email } }", {}, {"user": {"email": "e"}})
        gql.expect("query($is_active: Boolean) { groups(is_active: $is_active) { id } }", {"is_active": True},
                   {"groups": []})  # fmt: skip
        assert await collect(client.keypair.list(fields=["access_key"])) == [{"access_key": "A"}]
        assert await collect(client.user.list(fields=["email"])) == [{"email": "e"}]
        assert await collect(client.agent.list(fields=["id"])) == []
        assert await collect(client.scaling_group.list_available(["name", "wsproxy_addr", "is_public"])) == []
        assert await client.user.get(None, ["email", "main_access_key"]) == {"email": "e"}
        assert await collect(client.group.list(fields=["id"])) == []  # no `type` before 24.03
        with pytest.raises(bai.UnsupportedFeatureError, match=r"filtering groups by type needs manager 24\.03\.0"):
            await collect(client.group.list(fields=["id"], type=["GENERAL"]))
        assert {r.path for r in fm.requests if r.method == "POST"} == {"/admin/graphql"}


async def test_scaling_group_input_drops_keys_the_manager_does_not_know(make_client: ClientFactory) -> None:
    async with FakeManager("20.09") as fm:
        gql = GraphQLScript.install(fm)
        gql.expect("mutation($name: String!, $props: ModifyScalingGroupInput!) { modify_scaling_group(name: $name, "
                   "props: $props) { ok msg } }", {"name": "sg", "props": {"description": "d"}},
                   {"modify_scaling_group": OK})  # fmt: skip
        result = await make_client(fm).scaling_group.update("sg", {"description": "d", "wsproxy_addr": "x"})
        assert result == OK


async def test_refusal_is_a_permission_error(fm: FakeManager, gql: GraphQLScript, make_client: ClientFactory) -> None:
    """No client-side gate: the request is sent, the server's refusal becomes ``PermissionDeniedError``."""
    gql.expect("query { domains { name } }", {}, {"domains": []}, roles={"superadmin"})
    user = bai.Client(bai.ClientConfig(USER_AK, USER_SK, str(fm.url), max_retries=0))
    async with user:
        with pytest.raises(bai.PermissionDeniedError, match="Forbidden operation") as info:
            await collect(user.domain.list(["name"]))
    assert isinstance(info.value, bai.GraphQLPermissionError)
    assert info.value.message == REFUSAL
    assert info.value.data == {"domains": None}
    assert await collect(make_client(fm).domain.list(["name"])) == []  # the superadmin may


async def test_legacy_refusal_is_a_permission_error(make_client: ClientFactory) -> None:
    async with FakeManager("20.09") as fm:
        gql = GraphQLScript.install(fm)
        gql.expect("query { domains { name } }", {}, {"domains": []}, roles={"admin"})
        with pytest.raises(bai.GraphQLPermissionError) as info:
            await collect(make_client(fm, api_version="v5.20191215").domain.list(["name"]))
        assert info.value.status == 400


async def test_failed_mutation_raises(fm: FakeManager, gql: GraphQLScript, make_client: ClientFactory) -> None:
    gql.expect("mutation($access_key: String!) { delete_keypair(access_key: $access_key) { ok msg } }",
               {"access_key": "nope"}, {"delete_keypair": {"ok": False, "msg": "no such keypair"}})  # fmt: skip
    with pytest.raises(bai.GraphQLError, match="no such keypair") as info:
        await make_client(fm).keypair.delete("nope")
    assert info.value.data == {"delete_keypair": {"ok": False, "msg": "no such keypair"}}


async def test_unexpected_document_is_reported(fm: FakeManager, gql: GraphQLScript, make_client: ClientFactory) -> None:
    with pytest.raises(bai.GraphQLError, match="unexpected GraphQL request"):
        await make_client(fm).keypair.info()


async def test_storage_hosts_in_one_query(fm: FakeManager, gql: GraphQLScript, make_client: ClientFactory) -> None:
    document = (
        "query($domain_name: String, $group_id: UUID!, $policy_name: String) { "
        "domain(name: $domain_name) { allowed_vfolder_hosts } group(id: $group_id) { allowed_vfolder_hosts } "
        "keypair_resource_policy(name: $policy_name) { allowed_vfolder_hosts } }"
    )
    answer = {"domain": {"allowed_vfolder_hosts": "{}"}, "group": None, "keypair_resource_policy": None}
    gql.expect(document, {"domain_name": "default", "group_id": "g", "policy_name": "default"}, answer)
    storage_proxy = make_client(fm).storage_proxy
    result = await storage_proxy.get_allowed_vfolder_hosts_by_current_user_info("default", "g", "default")
    assert result == answer


async def test_total_resource_information(fm: FakeManager, gql: GraphQLScript, make_client: ClientFactory) -> None:
    fields = "id addr status first_contact cpu_cur_pct mem_cur_bytes occupied_slots available_slots"
    document = ("query($limit: Int!, $offset: Int!, $status: String) { agent_list(limit: $limit, offset: $offset, "
                f"status: $status) {{ items {{ {fields} }} total_count }} }}")  # fmt: skip
    agents = [
        {"id": "a", "cpu_cur_pct": "10", "mem_cur_bytes": 5, "available_slots": '{"cpu": "4", "mem": "8"}',
         "occupied_slots": '{"cpu": "1"}'},
        {"id": "b", "cpu_cur_pct": 20, "mem_cur_bytes": 1, "available_slots": '{"cpu": "2", "cuda.device": "1"}',
         "occupied_slots": "{}"},
    ]  # fmt: skip
    gql.expect(document, {"status": "ALIVE"}, pages("agent_list", agents), paged=True)
    totals = await make_client(fm).resources.total_resource_information()
    assert totals["cpu"] == {"total": 6.0, "used": 1.0, "percent": 30.0}
    assert totals["mem"] == {"total": 8.0, "used": 0.0, "measured": 6.0}
    assert totals["cuda.device"] == {"total": 1.0, "used": 0.0}
    assert totals["agents"] == {"total": 2}


async def test_refused_by_role_in_session_mode(fm: FakeManager, gql: GraphQLScript) -> None:
    gql.expect("query { domains { name } }", {}, {"domains": []}, roles={"superadmin"})
    config = bai.ClientConfig(user_id="user@lablup.com", password="C8qnIo29", endpoint=str(fm.url),
                              connection_mode="SESSION", max_retries=0)  # fmt: skip
    async with bai.Client(config) as client:
        assert await client.login()
        with pytest.raises(bai.PermissionDeniedError):
            await collect(client.domain.list(["name"]))
    assert any(r.path == "/func/admin/gql" for r in fm.requests)


async def test_mutation_refusal_is_a_permission_error(
    fm: FakeManager, gql: GraphQLScript, make_client: ClientFactory
) -> None:
    """What the real managers answer a normal user's mutation: ``ok: false`` and "no permission"."""
    refusal = {"ok": False, "msg": "no permission to execute create_keypair", "keypair": None}
    document = (
        "mutation($user_id: String!, $props: KeyPairInput!) { create_keypair(user_id: $user_id, props: $props) "
        "{ ok msg keypair { is_active is_admin resource_policy concurrency_limit rate_limit access_key secret_key } } }"
    )
    props = {"is_active": True, "is_admin": False, "resource_policy": "default", "rate_limit": 1000}
    gql.expect(document, {"user_id": "u@x.com", "props": props}, {"create_keypair": refusal})
    with pytest.raises(bai.PermissionDeniedError, match="no permission"):
        await make_client(fm).keypair.add("u@x.com")
