"""client.vfolder folder and file calls: the exact request each generation receives."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager

from .conftest import ClientFactory

Call = Callable[[bai.Client], Awaitable[Any]]
FID = "0123456789abcdef0123456789abcdef"

# (call, method, path as sent, JSON body or None) on the newest generation
CALLS: list[tuple[Call, str, str, Any]] = [
    (lambda c: c.vfolder.list_allowed_types(), "GET", "/folders/_/allowed_types", None),
    (lambda c: c.vfolder.list(), "GET", "/folders", None),
    (
        lambda c: c.vfolder.list("g1", "a@b.c"),
        "GET",
        "/folders?group_id=g1&owner_user_email=a@b.c",
        None,
    ),
    (lambda c: c.vfolder.list_hosts("g1"), "GET", "/folders/_/hosts?group_id=g1", None),
    (lambda c: c.vfolder.list_all_hosts(), "GET", "/folders/_/all-hosts", None),
    (lambda c: c.vfolder.info("data"), "GET", "/folders/data", None),
    (
        lambda c: c.vfolder.update_folder({"cloneable": True}, "data"),
        "POST",
        "/folders/data/update-options",
        {"cloneable": True},
    ),
    (
        lambda c: c.vfolder.clone({"target_name": "copy", "cloneable": False}, "data"),
        "POST",
        "/folders/data/clone",
        {"target_name": "copy", "cloneable": False},
    ),
    (lambda c: c.vfolder.leave_invited("data"), "POST", "/folders/data/leave", {}),
    (
        lambda c: c.vfolder.invite("ro", ["u@x.y"], "data"),
        "POST",
        "/folders/data/invite",
        {"perm": "ro", "user_ids": ["u@x.y"]},
    ),
    (lambda c: c.vfolder.invitations(), "GET", "/folders/invitations/list", None),
    (lambda c: c.vfolder.accept_invitation("i1"), "POST", "/folders/invitations/accept", {"inv_id": "i1"}),
    (lambda c: c.vfolder.delete_invitation("i1"), "DELETE", "/folders/invitations/delete", {"inv_id": "i1"}),
    (lambda c: c.vfolder.list_invitees(), "GET", "/folders/_/shared", None),
    (lambda c: c.vfolder.list_invitees(FID), "GET", f"/folders/_/shared?vfolder_id={FID}", None),
    (
        lambda c: c.vfolder.modify_invitee_permission({"perm": "rw", "user": "u", "vfolder": FID}),
        "POST",
        "/folders/_/shared",
        {"perm": "rw", "user": "u", "vfolder": FID},
    ),
    (
        lambda c: c.vfolder.share("ro", ["u@x.y"], "data"),
        "POST",
        "/folders/data/share",
        {"permission": "ro", "emails": ["u@x.y"]},
    ),
    (lambda c: c.vfolder.unshare(["u@x.y"], "data"), "DELETE", "/folders/data/unshare", {"emails": ["u@x.y"]}),
    (
        lambda c: c.vfolder.get_quota("local:volume1", FID),
        "GET",
        f"/folders/_/quota?folder_host=local:volume1&id={FID}",
        None,
    ),
    (
        lambda c: c.vfolder.set_quota("local:volume1", FID, 1024),
        "POST",
        "/folders/_/quota",
        {"folder_host": "local:volume1", "id": FID, "input": {"size_bytes": 1024}},
    ),
    (lambda c: c.vfolder.list_files("", "data"), "GET", "/folders/data/files?path=", None),
    (
        lambda c: c.vfolder.mkdir("a/b", "data", parents=True, exist_ok=True),
        "POST",
        "/folders/data/mkdir",
        {"path": "a/b", "parents": True, "exist_ok": True},
    ),
    (
        lambda c: c.vfolder.rename_file("a", "z", "data", is_dir=True),
        "POST",
        "/folders/data/rename-file",
        {"target_path": "a", "new_name": "z", "is_dir": True},
    ),
    (
        lambda c: c.vfolder.move_file("z/b", "moved", "data"),
        "POST",
        "/folders/data/move-file",
        {"src": "z/b", "dst": "moved"},
    ),
    (
        lambda c: c.vfolder.delete_files(["moved"], True, "data"),
        "POST",
        "/folders/data/delete-files",
        {"files": ["moved"], "recursive": True},
    ),
    (
        lambda c: c.vfolder.request_download_token("", "data", True),
        "POST",
        "/folders/data/request-download",
        {"file": "", "archive": True},
    ),
    (lambda c: c.vfolder.rename("renamed", "data"), "POST", "/folders/data/rename", {"new_name": "renamed"}),
]


async def test_every_folder_call_on_the_newest_server(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    await client.get_manager_version()
    created = await client.vfolder.create("data", "local:volume1", cloneable=True)
    assert fm.requests[-1].json == {
        "name": "data",
        "host": "local:volume1",
        "usage_mode": "general",
        "permission": "rw",
        "cloneable": True,
    }
    assert created["name"] == "data" and created["status"] == "ready"
    for call, method, raw_path, body in CALLS:
        await call(client)
        sent = fm.requests[-1]
        assert (sent.method, sent.raw_path, sent.json) == (method, raw_path, body)
    assert "renamed" in [f["name"] for f in await client.vfolder.list()]


async def test_trash_bin_round_trip(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    folder = await client.vfolder.create("trashme", "local:volume1")
    await client.vfolder.delete("trashme")
    assert (await client.vfolder.info("trashme"))["status"] == "delete-pending"
    await client.vfolder.restore_from_trash_bin(folder["id"])
    assert fm.requests[-1].json == {"vfolder_id": folder["id"]}
    assert (await client.vfolder.info("trashme"))["status"] == "ready"
    await client.vfolder.delete_by_id(folder["id"])
    assert (fm.requests[-1].method, fm.requests[-1].path, fm.requests[-1].json) == (
        "DELETE",
        "/folders",
        {"id": folder["id"]},
    )
    await client.vfolder.delete_from_trash_bin(folder["id"])
    assert fm.requests[-1].path == "/folders/delete-from-trash-bin"
    with pytest.raises(bai.NotFoundError):
        await client.vfolder.info("trashme")
    await client.vfolder.purge(folder["id"])
    assert not fm.vfolders.folders


async def test_mkdir_rename_move_delete_change_the_tree(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    await client.vfolder.create("tree", "local:volume1")
    await client.vfolder.mkdir(["a/b", "c"], "tree", parents=True)
    await client.vfolder.rename_file("a", "x", "tree", is_dir=True)
    await client.vfolder.move_file("c", "x/b", "tree")
    top = await client.vfolder.list_files("", "tree")
    assert [(i["name"], i["type"]) for i in top["items"]] == [("x", "DIRECTORY")]
    inner = await client.vfolder.list_files("x/b", "tree")
    assert [i["name"] for i in inner["items"]] == ["c"]
    with pytest.raises(bai.BadRequestError):
        await client.vfolder.delete_files(["x"], False, "tree")
    await client.vfolder.delete_files(["x"], True, "tree")
    assert (await client.vfolder.list_files("", "tree"))["items"] == []


@pytest.mark.parametrize(
    ("key", "delete_files", "rename_file", "hosts"),
    [
        ("19.09", ("DELETE", "/folders/f/delete_files"), "/folders/f/rename_file", "/folders/_/all_hosts"),
        ("22.09", ("DELETE", "/folders/f/delete-files"), "/folders/f/rename-file", "/folders/_/all-hosts"),
        ("26.9", ("POST", "/folders/f/delete-files"), "/folders/f/rename-file", "/folders/_/all-hosts"),
    ],
)
async def test_paths_per_generation(
    key: str, delete_files: tuple[str, str], rename_file: str, hosts: str, make_client: ClientFactory
) -> None:
    async with FakeManager(key) as fm:
        client = make_client(fm)
        await client.get_manager_version()
        await client.vfolder.create("f")
        await client.vfolder.list_all_hosts()
        assert fm.requests[-1].path == hosts
        await client.vfolder.mkdir("d", "f")
        await client.vfolder.rename_file("d", "e", "f")
        assert fm.requests[-1].path == rename_file
        assert ("is_dir" in fm.requests[-1].json) is (key != "19.09")
        await client.vfolder.delete_files(["e"], True, "f")
        assert (fm.requests[-1].method, fm.requests[-1].path) == delete_files


async def test_options_an_old_server_lacks_raise_before_sending(make_client: ClientFactory) -> None:
    async with FakeManager("19.09") as fm:
        client = make_client(fm)
        await client.get_manager_version()
        sent = len(fm.requests)
        with pytest.raises(bai.UnsupportedFeatureError, match=r"'cloneable' needs API v6\.20200815") as caught:
            await client.vfolder.create("f", cloneable=True)
        assert (caught.value.feature, caught.value.server) == ("storage-proxy", f"API {client.api_version}")
        with pytest.raises(bai.UnsupportedFeatureError, match="'parents' needs"):
            await client.vfolder.mkdir("d", "f", parents=True)
        with pytest.raises(bai.UnsupportedFeatureError, match="move_file needs"):
            await client.vfolder.move_file("a", "b", "f")
        assert len(fm.requests) == sent
        await client.vfolder.create("f", "local:volume1", usage_mode="general")
        assert fm.requests[-1].json == {"name": "f", "host": "local:volume1"}  # usage_mode needs v4.20191215
        await client.vfolder.list_hosts("g1")  # group_id needs 22.03: dropped
        assert fm.requests[-1].raw_path == "/folders/_/hosts"


async def test_name_is_required_and_checked(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    with pytest.raises(bai.UsageError, match="which vfolder"):
        await client.vfolder.info()
    with pytest.raises(ValueError, match="path segment"):
        await client.vfolder.info("a/b")
    named = bai.VFolder(client._pipeline, "mine")
    await client.vfolder.create("mine")
    assert (await named.info())["name"] == "mine"
    assert repr(named) == "VFolder(name='mine')"


async def test_session_mode_goes_through_func(fm: FakeManager) -> None:
    config = bai.ClientConfig(
        user_id="user@lablup.com", password="C8qnIo29", endpoint=str(fm.url), connection_mode="SESSION"
    )
    async with bai.Client(config) as client:
        assert await client.login()
        await client.vfolder.create("web", "local:volume1")
        assert fm.requests[-1].path == "/func/folders"
        assert (await client.vfolder.info("web"))["name"] == "web"
