"""client.query(): the endpoint per version, errors as GraphQLError, paging without a cap."""

from __future__ import annotations

import json
from typing import Any

import pytest

import backendai_async as bai
from backendai_async.resources.graphql import paginate
from backendai_async.testing import FakeManager, Fault

from .conftest import AK, ClientFactory

KEYPAIR = "query { keypair { access_key is_active } }"


@pytest.mark.parametrize(("key", "path"), [("19.09", "/admin/graphql"), ("20.09", "/admin/graphql"),
                                           ("21.09", "/admin/gql"), ("26.9", "/admin/gql")])  # fmt: skip
async def test_endpoint_per_generation(key: str, path: str, make_client: ClientFactory) -> None:
    async with FakeManager(key) as fm:
        client = make_client(fm)
        data = await client.query(KEYPAIR, {"x": 1})
        assert data["keypair"]["access_key"] == AK
        request = fm.requests[-1]
        assert request.path == path
        assert request.json == {"query": KEYPAIR, "variables": {"x": 1}}


async def test_errors_with_partial_data(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    body = {"data": {"keypair": None, "other": 1}, "errors": [{"message": "boom", "path": ["keypair"]}]}
    fm.inject(Fault(path="/admin/gql", status=200, body=json.dumps(body).encode(), content_type="application/json"))
    with pytest.raises(bai.GraphQLError, match="boom") as info:
        await client.query(KEYPAIR)
    assert isinstance(info.value, bai.ServerError)
    assert info.value.errors == body["errors"]
    assert info.value.data == body["data"]


async def test_legacy_endpoint_errors_are_graphql_errors(make_client: ClientFactory) -> None:
    problem = {"type": "https://api.backend.ai/probs/graphql-error", "title": "GraphQL-generated error",
               "data": [{"message": "no such field"}]}  # fmt: skip
    async with FakeManager("19.09") as fm:
        client = make_client(fm)
        fm.inject(Fault(path="/admin/graphql", status=400, body=json.dumps(problem).encode(),
                        content_type="application/problem+json"))  # fmt: skip
        with pytest.raises(bai.GraphQLError, match="no such field") as info:
            await client.query("{ nope }")
        assert info.value.status == 400
        assert info.value.errors == [{"message": "no such field"}]


async def test_query_is_retried_but_mutation_is_not(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, max_retries=1)
    fm.inject(Fault(path="/admin/gql", status=503, times=1))
    await client.query(KEYPAIR)
    fm.inject(Fault(path="/admin/gql", status=503, times=1))
    with pytest.raises(bai.InternalServerError):
        await client.query("mutation { x }")
    assert [r.path for r in fm.requests].count("/admin/gql") == 3


async def test_permission_errors_stay_typed(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    fm.inject(Fault(path="/admin/gql", status=403, body=b""))
    with pytest.raises(bai.PermissionDeniedError):
        await client.query(KEYPAIR)


@pytest.mark.parametrize(("total", "page_size", "pages"), [(0, 10, 1), (25, 10, 3), (30, 10, 3), (7, 100, 1)])
async def test_paginate_fetches_every_page_and_no_empty_one(total: int, page_size: int, pages: int) -> None:
    calls: list[dict[str, Any]] = []

    async def run_query(document: str, variables: dict[str, Any], **_: Any) -> Any:
        calls.append(variables)
        start, limit = variables["offset"], variables["limit"]
        items = list(range(total))[start : start + limit]
        return {"keypair_list": {"items": items, "total_count": total}}

    items = [item async for item in paginate(run_query, "q", "keypair_list", {"f": 1}, page_size=page_size)]
    assert items == list(range(total))
    assert len(calls) == pages
    assert calls[0] == {"f": 1, "limit": page_size, "offset": 0}


async def test_paginate_refuses_a_malformed_answer() -> None:
    async def run_query(document: str, variables: dict[str, Any], **_: Any) -> Any:
        return {"keypair_list": None}

    with pytest.raises(bai.GraphQLError, match=r"keypair_list\.items"):
        [item async for item in paginate(run_query, "q", "keypair_list")]
