"""Defaults the real servers need: ``resource_preset.check()`` sends the current project where the
manager requires ``group`` (26.x), and nothing more where it does not."""

from __future__ import annotations

import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager, GraphQLScript

from .conftest import AK, SK, USER_AK, USER_SK, ClientFactory

USER_GROUPS = "query { user { groups { id name } } }"


def checks(fm: FakeManager) -> list[object]:
    return [r.json for r in fm.requests if r.path == "/resource/check-presets"]


@pytest.mark.parametrize("keys", [(AK, SK), (USER_AK, USER_SK)], ids=["superadmin", "user"])
async def test_check_without_arguments_works_on_26_9(keys: tuple[str, str]) -> None:
    async with FakeManager("26.9") as fm, bai.Client(bai.ClientConfig(*keys, str(fm.url))) as client:
        result = await client.resource_preset.check()
        assert "presets" in result
        assert checks(fm) == [{"group": "default"}]


async def test_check_sends_the_first_project_when_the_user_is_not_in_default(make_client: ClientFactory) -> None:
    async with FakeManager("26.9") as fm:
        script = GraphQLScript.install(fm)
        groups = [{"id": "g-1", "name": "team-a"}, {"id": "g-2", "name": "team-b"}]
        script.expect(USER_GROUPS, {}, {"user": {"groups": groups}})
        await make_client(fm).resource_preset.check({"scaling_group": "default"})
        assert checks(fm) == [{"scaling_group": "default", "group": "team-a"}]


async def test_a_given_project_is_kept(make_client: ClientFactory) -> None:
    async with FakeManager("26.9") as fm:
        await make_client(fm).resource_preset.check({"group": "team-b"})
        assert checks(fm) == [{"group": "team-b"}]
        assert not [r for r in fm.requests if r.path == "/admin/gql"]


async def test_older_managers_get_no_project_and_no_extra_query(make_client: ClientFactory) -> None:
    async with FakeManager("22.09") as fm:
        await make_client(fm).resource_preset.check()
        assert checks(fm) == [{}]
        assert not [r for r in fm.requests if r.path.startswith("/admin/")]


async def test_a_pinned_version_counts_as_26(make_client: ClientFactory) -> None:
    async with FakeManager("26.9") as fm:
        await make_client(fm, api_version="v9.20250722").resource_preset.check()
        assert checks(fm) == [{"group": "default"}]
