"""The FakeManager executes GraphQL against the real schema of its generation, from its own state."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    get_named_type,
    is_non_null_type,
)

import backendai_async as bai
from backendai_async.testing import GENERATIONS, FakeManager, GraphQLFailure
from backendai_async.testing.graphql_server import _Root, load_schema

from .conftest import AK, SK, USER_AK, USER_SK, ClientFactory


async def _all(items: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in items]


def _user_client(fm: FakeManager) -> bai.Client:
    return bai.Client(bai.ClientConfig(USER_AK, USER_SK, str(fm.url), max_retries=0))


async def test_default_fake_lists_everything_from_its_state(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    created = await client.create_if_not_exists("python:3.9-ubuntu20.04", "listed-session")

    sessions = await _all(client.compute_session.list_all())
    keypairs = await _all(client.keypair.list())
    users = await _all(client.user.list())
    groups = await _all(client.group.list())
    images = await _all(client.image.list())
    agents = await _all(client.agent.list())

    assert [(s["id"], s["name"], s["status"]) for s in sessions] == [
        (created["sessionId"], "listed-session", "RUNNING")
    ]
    assert sessions[0]["containers"] == [{"live_stat": None, "last_stat": None}]
    assert {k["access_key"] for k in keypairs} == set(fm.keypairs)
    assert {u["username"] for u in users} == {"admin", "user"}
    assert users[0]["groups"] == [{"id": groups[0]["id"], "name": "default"}]
    assert [g["name"] for g in groups] == ["default"]
    assert {(i["name"], i["tag"]) for i in images} == {
        ("stable/python", "3.9-ubuntu20.04"),
        ("stable/python", "3.11-ubuntu22.04"),
    }
    assert [a["id"] for a in agents] == ["i-fake-agent"]
    assert isinstance(agents[0]["available_slots"], str)  # a JSONString, as the manager sends it


async def test_lists_follow_state_changes(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    fm.directory.add_image("cr.backend.ai/testing/ngc-pytorch:24.03")
    fm.directory.agents.append({**fm.directory.agents[0], "id": "i-lost", "status": "LOST"})

    images = await _all(client.image.list(fields=("name", "tag", "registry")))
    alive = await _all(client.agent.list(fields=("id",)))
    lost = await _all(client.agent.list(status="LOST", fields=("id",)))

    assert {"name": "testing/ngc-pytorch", "tag": "24.03", "registry": "cr.backend.ai"} in images
    assert alive == [{"id": "i-fake-agent"}]
    assert lost == [{"id": "i-lost"}]


async def test_session_list_pages_and_filters(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    for i in range(5):
        created = await client.create_if_not_exists("python:3.9-ubuntu20.04", f"paged-{i}")
        if i % 2:
            fm.sessions[created["sessionId"]].status = "PENDING"

    page = await client.query(
        "query($status: String) { compute_session_list(limit: 2, offset: 1, status: $status) "
        "{ items { name } total_count } }",
        {"status": "RUNNING,PENDING"},
    )
    pending = await _all(client.compute_session.list_all(fields=("name", "status"), status="PENDING", page_size=1))
    everything = await _all(client.compute_session.list_all(fields=("name",), page_size=2))

    assert page["compute_session_list"]["total_count"] == 5
    assert len(page["compute_session_list"]["items"]) == 2
    assert sorted(s["name"] for s in pending) == ["paged-1", "paged-3"]
    assert sorted(s["name"] for s in everything) == [f"paged-{i}" for i in range(5)]
    assert [r.json["variables"].get("offset") for r in fm.requests if r.path == "/admin/gql"][-3:] == [0, 2, 4]


async def test_filter_and_order_in_the_managers_language(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    for name in ("beta-one", "alpha-two", "beta-three"):
        await client.create_if_not_exists("python:3.9-ubuntu20.04", name)
    document = (
        "query($filter: String, $order: String) { compute_session_list(limit: 10, offset: 0, "
        "filter: $filter, order: $order) { items { name } total_count } }"
    )

    data = await client.query(document, {"filter": 'name ilike "BETA%"', "order": "-name"})
    ignored = await client.query(document, {"filter": 'name == "alpha-two" | name == "x"', "order": "+name"})

    assert data["compute_session_list"] == {"items": [{"name": "beta-three"}, {"name": "beta-one"}], "total_count": 2}
    assert ignored["compute_session_list"]["total_count"] == 3  # an or-expression is not applied…
    assert fm.graphql.ignored == ['name == "alpha-two" | name == "x"']  # …and says so


async def test_unknown_field_is_a_graphql_error_like_the_servers(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)

    with pytest.raises(bai.GraphQLError) as caught:
        await client.query("query { keypair { access_key no_such_field } }")

    assert caught.value.status == 200
    assert caught.value.errors == [
        {"message": "Cannot query field 'no_such_field' on type 'KeyPair'.", "locations": [{"line": 1, "column": 30}]}
    ]
    answer = fm.requests[-1]
    assert answer.path == "/admin/gql"


async def test_wrong_argument_and_bad_syntax_are_refused(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)

    with pytest.raises(bai.GraphQLError, match="Unknown argument 'colour'"):
        await client.query("query { keypair(colour: 1) { access_key } }")
    # 26.9.6 lets graphql-core's syntax error escape its handler: 500 (measured, tests/conformance)
    with pytest.raises(bai.InternalServerError) as refused:
        await client.query("query { keypair { access_key }")
    assert refused.value.status == 500
    assert refused.value.problem_type == "https://api.backend.ai/probs/internal-server-error"
    with pytest.raises(bai.GraphQLError, match="Variable '\\$limit'"):
        await client.query("query($limit: Int!) { agent_list(limit: $limit, offset: 0) { total_count } }")


async def test_the_schema_is_the_generations(make_client: ClientFactory) -> None:
    """19.09 names a session ``sess_id`` and has no ``name`` field: the SDK's own documents adapt."""
    async with FakeManager("19.09") as old:
        client = make_client(old)
        await client.create_if_not_exists("python:3.9-ubuntu20.04", "old-session")

        sessions = await _all(client.compute_session.list_all(fields=("name", "status")))
        with pytest.raises(bai.GraphQLError, match="Cannot query field 'name' on type 'ComputeSession'"):
            await client.query("query { compute_session_list(limit: 1, offset: 0) { items { name } } }")

    assert sessions == [{"sess_id": "old-session", "status": "RUNNING"}]
    assert GENERATIONS["19.09"].schema == "19.09"
    assert GENERATIONS["26.9"].schema == "26.9.6"


async def test_legacy_endpoint_answers_errors_with_a_400(make_client: ClientFactory) -> None:
    async with FakeManager("20.09") as legacy:
        client = make_client(legacy)
        with pytest.raises(bai.GraphQLError) as caught:
            await client.query("query { nope }")

    assert caught.value.status == 400
    assert caught.value.errors[0]["message"] == "Cannot query field 'nope' on type 'Queries'."


async def test_roles_limit_what_a_user_sees(fm: FakeManager, make_client: ClientFactory) -> None:
    admin = make_client(fm)
    await admin.create_if_not_exists("python:3.9-ubuntu20.04", "admins-session")
    async with _user_client(fm) as user:
        await user.create_if_not_exists("python:3.9-ubuntu20.04", "users-session")

        own_sessions = await _all(user.compute_session.list_all(fields=("name",)))
        own_keypairs = await _all(user.keypair.list(fields=("access_key",)))
        with pytest.raises(bai.GraphQLPermissionError):
            await _all(user.agent.list())
        with pytest.raises(bai.GraphQLPermissionError):
            await _all(user.user.list())

    all_sessions = await _all(admin.compute_session.list_all(fields=("name",)))
    assert own_sessions == [{"name": "users-session"}]
    assert own_keypairs == [{"access_key": USER_AK}]
    assert sorted(s["name"] for s in all_sessions) == ["admins-session", "users-session"]


async def test_single_objects_and_policies(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    created = await client.create_if_not_exists("python:3.9-ubuntu20.04", "single")

    mine = await client.keypair.info(fields=("access_key", "is_admin"))
    other = await client.keypair.info(USER_AK, fields=("access_key", "is_admin"))
    session = await client.compute_session.get(("name", "status"), created["sessionId"])
    missing = await client.compute_session.get(("name",), str(uuid.uuid4()))
    policy = await client.resource_policy.get("default", fields=("name", "max_vfolder_count"))
    presets = await client.query("query { resource_presets { name resource_slots } }")

    assert mine == {"access_key": AK, "is_admin": True}
    assert other == {"access_key": USER_AK, "is_admin": False}
    assert session == {"compute_session": {"name": "single", "status": "RUNNING"}}
    assert missing == {"compute_session": None}
    assert policy == {"name": "default", "max_vfolder_count": 10}
    assert presets["resource_presets"][0]["name"] == "small"
    assert isinstance(presets["resource_presets"][0]["resource_slots"], str)
    assert SK not in repr(fm.graphql.ignored)


async def test_mutations_change_the_state(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)

    added = await client.resource_preset.add("big", {"resource_slots": '{"cpu": 8, "mem": "16g"}'})
    await client.resource_preset.mutate("big", {"shared_memory": "1g"})
    presets = await client.resource_preset.list()
    await client.resource_preset.delete("small")
    created = await client.user.create(
        "new@example.com",
        {"username": "new", "password": "pw-12345", "need_password_change": False, "domain_name": "default"},
    )
    keypair = await client.keypair.add("new@example.com", rate_limit=77)
    await client.keypair.mutate(keypair["keypair"]["access_key"], {"is_active": False})
    users = await _all(client.user.list(is_active=None, fields=("email", "username")))
    new_keys = await _all(client.keypair.list("new@example.com", is_active=None, fields=("access_key", "is_active")))
    main_key = fm.users["new@example.com"][1]
    await client.user.purge("new@example.com")

    assert added == {"ok": True, "msg": "success"}
    assert [(p["name"], p["shared_memory"]) for p in presets["presets"]] == [("small", "67108864"), ("big", "1g")]
    assert [p["name"] for p in fm.admin.presets] == ["big"]
    assert fm.admin.presets[0]["resource_slots"] == {"cpu": "8", "mem": "16g"}
    assert created == {"ok": True, "msg": "success"}
    assert {"email": "new@example.com", "username": "new"} in users
    assert keypair["keypair"]["rate_limit"] == 77 and keypair["keypair"]["secret_key"]
    assert sorted(new_keys, key=lambda k: k["is_active"]) == [
        {"access_key": keypair["keypair"]["access_key"], "is_active": False},
        {"access_key": main_key, "is_active": True},
    ]
    assert "new@example.com" not in fm.users
    assert main_key not in fm.keypairs and keypair["keypair"]["access_key"] not in fm.keypairs


async def test_a_new_user_can_log_in_and_call(fm: FakeManager, make_client: ClientFactory) -> None:
    admin = make_client(fm)
    await admin.user.create(
        "login@example.com",
        {"username": "login", "password": "s3cret-pw", "need_password_change": False, "domain_name": "default"},
    )
    config = bai.ClientConfig(
        user_id="login@example.com", password="s3cret-pw", endpoint=str(fm.url), connection_mode="SESSION"
    )
    async with bai.Client(config) as client:
        assert await client.login()
        me = await client.user.get(fields=("email", "role"))
    assert me == {"email": "login@example.com", "role": "user"}


async def test_mutations_need_the_privilege(fm: FakeManager) -> None:
    async with _user_client(fm) as user:
        with pytest.raises(bai.GraphQLPermissionError, match="no permission to execute create_resource_preset"):
            await user.resource_preset.add("mine", {"resource_slots": "{}"})
    assert [p["name"] for p in fm.admin.presets] == ["small"]


async def test_an_unimplemented_field_says_so(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    with pytest.raises(bai.GraphQLError, match="the FakeManager does not implement 'endpoint_list'"):
        await client.query("query { endpoint_list(limit: 1, offset: 0) { total_count } }")


_LITERALS = {
    "Int": "1",
    "Float": "1.0",
    "BigInt": "1",
    "Boolean": "true",
    "UUID": f'"{uuid.UUID(int=0)}"',
    "JSONString": '"{}"',
}


def _literal(arg_type: Any) -> str:
    """A valid literal of a type (an input object with its required fields only)."""
    inner = arg_type.of_type if isinstance(arg_type, GraphQLNonNull) else arg_type
    if isinstance(inner, GraphQLList):
        return "[]"
    named = get_named_type(inner)
    if isinstance(named, GraphQLEnumType):
        return next(iter(named.values))
    if isinstance(named, GraphQLInputObjectType):
        fields = {name: _literal(f.type) for name, f in named.fields.items() if is_non_null_type(f.type)}
        return "{" + ", ".join(f"{name}: {value}" for name, value in fields.items()) + "}"
    return _LITERALS.get(named.name, '"x"')


@pytest.mark.parametrize("key", sorted({gen.schema: key for key, gen in GENERATIONS.items()}.values()))
def test_every_implemented_root_field_runs_on_its_schema(key: str) -> None:
    """Each resolver accepts every argument its field takes in each measured schema (no unexpected keyword)."""
    fm = FakeManager(key)
    schema = load_schema(fm.generation.schema)
    documents = []
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert root is not None
        for name, definition in root.fields.items():
            if not hasattr(_Root, name):
                continue
            given = {arg: _literal(t.type) for arg, t in definition.args.items()}  # every argument it takes
            arguments = f"({', '.join(f'{arg}: {value}' for arg, value in given.items())})" if given else ""
            selection = " { __typename }" if isinstance(get_named_type(definition.type), GraphQLObjectType) else ""
            documents.append(f"{operation} {{ {name}{arguments}{selection} }}")

    failures = {}
    for document in documents:
        try:
            fm.graphql(document, None, AK)
        except GraphQLFailure as failure:
            failures[document] = failure.errors
    assert len(documents) > 20
    assert failures == {}


async def test_order_sorts_numbers_as_numbers(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    for index, size in enumerate((9, 10, 100)):
        fm.directory.agents.append({**fm.directory.agents[0], "id": f"i-{index}", "mem_cur_bytes": float(size)})
    document = (
        "query($f: String, $o: String) { agent_list(limit: 10, offset: 0, order: $o, filter: $f) { items { id } } }"
    )

    data = await client.query(document, {"f": 'id ilike "i-_"', "o": "-mem_cur_bytes"})

    assert [a["id"] for a in data["agent_list"]["items"]] == ["i-2", "i-1", "i-0"]


async def test_a_keypairs_sessions_and_folders(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    await client.create_if_not_exists("python:3.9-ubuntu20.04", "kp-session")
    await client.vfolder.create("kp-folder")

    data = await client.query('query { keypair { compute_sessions(status: "RUNNING") { name } vfolders { name } } }')

    assert data["keypair"] == {"compute_sessions": [{"name": "kp-session"}], "vfolders": [{"name": "kp-folder"}]}
