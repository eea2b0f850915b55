"""Folder answers of the 26.9 fake measured with the official client on 26.9.6 (tests/conformance):
the caller's own folders over GraphQL, and a missing file to move or rename."""

from __future__ import annotations

import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager

from .conftest import ClientFactory

OWN_LIST = "query { vfolder_own_list(limit: 10, offset: 0) { total_count items { name ownership_type group } } }"


async def test_own_list_holds_the_callers_folders(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    await client.vfolder.create("mine", "local:volume1")
    answer = (await client.query(OWN_LIST))["vfolder_own_list"]
    assert answer["total_count"] == 1
    assert answer["items"][0]["name"] == "mine"
    assert answer["items"][0]["ownership_type"] == "user"
    assert isinstance(answer["items"][0]["group"], str)  # the personal project, as on 26.9.6


async def test_a_missing_file_is_the_storage_proxys_refusal(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    await client.vfolder.create("f", "local:volume1")
    for call in (
        lambda: client.vfolder.move_file("no-such-file", "x", "f"),
        lambda: client.vfolder.rename_file("no-such-file", "x", "f"),
    ):
        with pytest.raises(bai.BadRequestError) as refused:
            await call()
        assert refused.value.problem_type == "https://api.backend.ai/probs/vfolder-operation-failed"


async def test_before_26_9_a_missing_file_is_not_found(make_client: ClientFactory) -> None:
    async with FakeManager("24.09") as old:
        client = make_client(old)
        await client.vfolder.create("f", "local:volume1")
        with pytest.raises(bai.NotFoundError):
            await client.vfolder.move_file("no-such-file", "x", "f")
