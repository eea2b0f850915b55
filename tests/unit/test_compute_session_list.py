"""client.compute_session listing: one page, total_count, every page, sess_id on API v4."""

from __future__ import annotations

from typing import Any

import pytest

from backendai_async.testing import FakeManager

from .conftest import ClientFactory


def fake_sessions(total: int) -> Any:
    def handler(query: str, variables: Any, access_key: str) -> Any:
        offset, limit = variables["offset"], variables["limit"]
        items = [{"id": f"s{i}", "name": f"name-{i}"} for i in range(offset, min(offset + limit, total))]
        return {"compute_session_list": {"items": items, "total_count": total}}

    return handler


@pytest.mark.parametrize(
    ("key", "path"), [("19.09", "/admin/graphql"), ("22.09", "/admin/gql"), ("26.9", "/admin/gql")]
)
async def test_list_sends_only_the_filters_given(key: str, path: str, make_client: ClientFactory) -> None:
    async with FakeManager(key) as fm:
        fm.graphql_handler = fake_sessions(3)
        client = make_client(fm)
        page = await client.compute_session.list(["id", "name"], status="RUNNING,PENDING", limit=2)
        assert [s["id"] for s in page["compute_session_list"]["items"]] == ["s0", "s1"]
        request = fm.requests[-1]
        assert request.path == path
        name_field = "sess_id" if key == "19.09" else "name"
        assert request.json["query"] == (
            "query($limit: Int!, $offset: Int!, $status: String) { compute_session_list(limit: $limit, "
            f"offset: $offset, status: $status) {{ items {{ id {name_field} }} total_count }} }}"
        )
        assert request.json["variables"] == {"status": "RUNNING,PENDING", "limit": 2, "offset": 0}


async def test_total_count_and_filters(fm: FakeManager, make_client: ClientFactory) -> None:
    fm.graphql_handler = fake_sessions(7)
    client = make_client(fm)
    assert await client.compute_session.total_count(access_key="AK", group="g-1") == 7
    body = fm.requests[-1].json
    assert "access_key: $ak" in body["query"]
    assert "group_id: $group_id" in body["query"]
    assert "items" not in body["query"]
    assert body["variables"] == {"ak": "AK", "group_id": "g-1", "status": "RUNNING", "limit": 1, "offset": 0}


async def test_list_all_pages_through_everything(fm: FakeManager, make_client: ClientFactory) -> None:
    fm.graphql_handler = fake_sessions(1205)
    client = make_client(fm)
    seen = [s["id"] async for s in client.compute_session.list_all(["id"], page_size=100)]
    assert len(seen) == 1205  # the JS listAll stopped at 10 pages
    assert len(set(seen)) == 1205
    pages = [r for r in fm.requests if r.path == "/admin/gql"]
    assert len(pages) == 13
    awaited = await client.compute_session.list_all(["id"], page_size=500)
    assert [s["id"] for s in awaited] == seen
    assert len([r for r in fm.requests if r.path == "/admin/gql"]) == 13 + 3


async def test_get_one_session(fm: FakeManager, make_client: ClientFactory) -> None:
    fm.graphql_handler = lambda q, v, ak: {"compute_session": {"id": v["id"]}}
    client = make_client(fm)
    assert await client.compute_session.get(["id"], "u-1") == {"compute_session": {"id": "u-1"}}
