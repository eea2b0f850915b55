"""Lists: one object that is awaited (every item, a list) or iterated (pages fetched as the loop goes)."""

from __future__ import annotations

import gc
import inspect

import pytest

import backendai_async as bai
from backendai_async.resources.keypairs import KEYPAIR_LIST_FIELDS, Keypair
from backendai_async.testing import FakeManager, Fault, GraphQLScript, pages

from .conftest import ClientFactory

KEYS = [{"access_key": f"AK{i}"} for i in range(5)]
DOCUMENT = (
    "query($limit: Int!, $offset: Int!, $is_active: Boolean) { keypair_list(limit: $limit, offset: $offset, "
    f"is_active: $is_active) {{ items {{ {' '.join(KEYPAIR_LIST_FIELDS)} }} total_count }} }}"
)


@pytest.fixture
def gql(fm: FakeManager) -> GraphQLScript:
    script = GraphQLScript.install(fm)
    script.expect(DOCUMENT, {"is_active": True}, pages("keypair_list", KEYS), paged=True)
    return script


def page_requests(gql: GraphQLScript) -> list[tuple[int, int]]:
    return [(call.variables["limit"], call.variables["offset"]) for call in gql.calls]


async def test_await_gives_every_item_as_a_list(
    fm: FakeManager, gql: GraphQLScript, make_client: ClientFactory
) -> None:
    listing = make_client(fm).keypair.list(page_size=2)
    assert isinstance(listing, bai.AsyncPaginator)
    assert await listing == KEYS
    assert page_requests(gql) == [(2, 0), (2, 2), (2, 4)]


async def test_async_for_fetches_pages_as_the_loop_goes(
    fm: FakeManager, gql: GraphQLScript, make_client: ClientFactory
) -> None:
    seen: list[str] = []
    async for keypair in make_client(fm).keypair.list(page_size=2):
        seen.append(keypair["access_key"])
        assert len(gql.calls) == (len(seen) + 1) // 2  # the next page only when the loop reaches it
        if len(seen) == 3:
            break
    assert seen == ["AK0", "AK1", "AK2"]
    assert page_requests(gql) == [(2, 0), (2, 2)]


async def test_each_await_runs_the_call_again(fm: FakeManager, gql: GraphQLScript, make_client: ClientFactory) -> None:
    listing = make_client(fm).keypair.list(page_size=5)
    assert await listing == await listing == KEYS
    assert page_requests(gql) == [(5, 0), (5, 0)]


async def test_a_list_neither_awaited_nor_iterated_sends_nothing_and_warns_nothing(
    fm: FakeManager, make_client: ClientFactory
) -> None:
    client = make_client(fm)
    client.keypair.list()
    client.vfolder.list()
    client.compute_session.list_all()
    gc.collect()  # an un-awaited coroutine would warn here (filterwarnings = error)
    assert fm.requests == []
    assert client.api_version is None  # not even the version probe


async def test_rest_lists_are_paginators_too(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    assert await client.session_template.list() == []
    assert [t async for t in client.session_template.list()] == []


@pytest.mark.parametrize("page_size", [0, -1])
async def test_a_page_size_below_one_is_a_usage_error(
    page_size: int, fm: FakeManager, gql: GraphQLScript, make_client: ClientFactory
) -> None:
    listing = make_client(fm).keypair.list(page_size=page_size)
    with pytest.raises(bai.UsageError, match="page_size"):
        await listing
    with pytest.raises(ValueError, match="page_size"):
        async for _ in listing:
            pass
    assert gql.calls == []


async def test_a_failing_page_raises_the_typed_error_in_both_forms(
    fm: FakeManager, gql: GraphQLScript, make_client: ClientFactory
) -> None:
    client = make_client(fm)
    fm.inject(Fault(path="/admin/gql", status=403, times=None))
    with pytest.raises(bai.PermissionDeniedError):
        await client.keypair.list()
    with pytest.raises(bai.PermissionDeniedError):
        async for _ in client.keypair.list():
            pass


async def test_a_rest_list_that_is_not_a_list_is_a_response_error(fm: FakeManager, make_client: ClientFactory) -> None:
    fm.inject(Fault(path="/services", status=200, body=b'{"items": []}', content_type="application/json"))
    with pytest.raises(bai.ResponseError, match="not a list"):
        await make_client(fm).model_service.list()


def test_help_shows_what_a_list_method_returns() -> None:
    assert inspect.signature(Keypair.list).return_annotation == "AsyncPaginator[KeypairInfo]"
    assert "page_size" in inspect.signature(Keypair.list).parameters
    assert Keypair.list.__doc__ is not None
    assert Keypair.list.__doc__.startswith("Every keypair")
