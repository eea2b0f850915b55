"""API v1-v3 on 19.09: the body's parameters and GraphQL documents also travel in the query string,
where 19.09's handlers read them; what the query string cannot carry is refused before sending."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import backendai_async as bai
from backendai_async.legacy import MAX_REQUEST_LINE, body_in_query, inline_variables
from backendai_async.testing import FakeManager

from .conftest import ClientFactory

V3 = "v3.20170615"


@pytest.fixture
async def fm19() -> AsyncIterator[FakeManager]:
    async with FakeManager("19.09") as manager:
        yield manager


async def test_create_sends_its_parameters_in_the_query_too(fm19: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm19, api_version=V3)
    await client.create_if_not_exists("python:3.9", "v3-sess")
    create = next(r for r in fm19.requests if r.method == "POST")
    assert create.path == "/kernel/create"
    assert dict(create.query) == {"lang": "python:3.9", "clientSessionToken": "v3-sess"}
    assert create.json == {"lang": "python:3.9", "clientSessionToken": "v3-sess"}  # and the body, which is signed
    await client.get_info("v3-sess")
    await client.destroy("v3-sess")


async def test_graphql_documents_are_inlined_into_the_query(fm19: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm19, api_version=V3)
    data = await client.query(
        "query($ak: String!) { keypair(access_key: $ak) { access_key is_active } }", {"ak": "AKIAIOSFODNN7EXAMPLE"}
    )
    assert data == {"keypair": {"access_key": "AKIAIOSFODNN7EXAMPLE", "is_active": True}}
    sent = fm19.requests[-1]
    assert sent.path == "/admin/graphql"
    document = 'query { keypair(access_key: "AKIAIOSFODNN7EXAMPLE") { access_key is_active } }'
    assert dict(sent.query) == {"query": document}
    assert sent.json == {"query": document, "variables": None}


async def test_what_the_query_string_cannot_carry_is_refused_before_sending(
    fm19: FakeManager, make_client: ClientFactory
) -> None:
    client = make_client(fm19, api_version=V3)
    with pytest.raises(bai.UsageError, match="mapping"):
        await client.create_if_not_exists("python:3.9", "v3-sess", {"cpu": 1})
    with pytest.raises(bai.UsageError, match="request line"):
        await client.query("query { " + "agents { id } " * (MAX_REQUEST_LINE // 10) + "}")
    assert [r for r in fm19.requests if r.path not in ("/", "")] == []


async def test_api_v4_sends_the_body_only(fm19: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm19)
    await client.create_if_not_exists("python:3.9", "v4-sess")
    create = next(r for r in fm19.requests if r.method == "POST")
    assert dict(create.query) == {}


def test_body_in_query_and_literals() -> None:
    assert body_in_query({"a": True, "b": 3, "c": None, "d": ["x", "y"], "e": {}}) == [
        ("a", "true"),
        ("b", "3"),
        ("d", "x"),
        ("d", "y"),
    ]
    assert inline_variables('query($s: String, $n: Int) { f(s: $s, n: $n, t: "$s") }', {"s": 'a"b'}) == (
        'query { f(s: "a\\"b", n: null, t: "$s") }'
    )
