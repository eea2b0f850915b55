"""The 26.9 FakeManager answers with the keys and JSON types recorded on a real 26.9.6 stack
(``tests/data/shapes/26.9.6``; the shapes below are copied from those recordings, in the
form ``tests/support/shapes.py`` gives them)."""

from __future__ import annotations

import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager
from tests.support.shapes import shape_of

from .conftest import ClientFactory

SLOTS = {"cpu": "str", "mem": "str"}
SESSION_INFO = {
    "age": "int", "domainName": "str", "groupId": "str", "userId": "str", "lang": "str", "image": "str",
    "architecture": "str", "registry": "str", "tag": "str", "containerId": "null", "occupiedSlots": "str",
    "occupyingSlots": "str", "requestedSlots": "str", "occupiedShares": "str", "environ": "str",
    "resourceOpts": "str", "status": "str", "statusInfo": "str", "statusData": "null", "creationTime": "str",
    "terminationTime": "null", "numQueriesExecuted": "int", "lastStat": "null",
    "idleChecks": {"session_lifetime": {"remaining": "null", "remaining_time_type": "str", "extra": "null"}},
}  # fmt: skip
CHECK_PRESETS = {
    "presets": [{"id": "str", "name": "str", "resource_slots": SLOTS, "shared_memory": "str", "allocatable": "bool"}],
    "keypair_limits": SLOTS, "keypair_using": SLOTS, "keypair_remaining": SLOTS, "group_limits": SLOTS,
    "group_using": SLOTS, "group_remaining": SLOTS, "scaling_group_remaining": SLOTS,
    "scaling_groups": {"default": {"using": SLOTS, "remaining": SLOTS}},
}  # fmt: skip


async def test_session_answers(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    image = "cr.backend.ai/stable/python:3.9-ubuntu20.04"
    await client.create_if_not_exists(image, "shape-session", {"cpu": 1, "mem": "512m"})
    again = await client.create_if_not_exists(image, "shape-session", {"cpu": 1, "mem": "512m"})
    info = await client.get_info("shape-session")
    destroyed = await client.destroy("shape-session")
    terminating = await client.get_info("shape-session")
    with pytest.raises(bai.NotFoundError) as missing:
        await client.get_info("no-such-session")

    assert shape_of(again) == {
        "sessionId": "str", "sessionName": "str", "status": "str", "service_ports": [], "servicePorts": [],
        "created": "bool",
    }  # fmt: skip
    assert shape_of(info) == SESSION_INFO
    assert info["occupiedSlots"] == "{'cpu': Decimal('1.000000'), 'mem': Decimal('536870912.000000')}"
    assert shape_of(destroyed) == {"stats": {"status": "str"}}
    assert shape_of(terminating) == SESSION_INFO
    assert (terminating["status"], terminating["statusInfo"]) == ("TERMINATING", "user-requested")
    err = missing.value
    assert (err.problem_type, err.title, err.error_code) == (
        "https://api.backend.ai/probs/entity-not-found",
        "Entity not found.",
        "session_read_not-found",
    )
    assert "No SessionRow matches the given key" in err.message


async def test_vfolder_id_by_name(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    created = await client.vfolder.create("shape-folder")

    found = await client.request("GET", "/folders/_/id", json={"name": "shape-folder"})
    with pytest.raises(bai.BadRequestError) as query_only:
        await client.request("GET", "/folders/_/id", params={"name": "shape-folder"})
    with pytest.raises(bai.NotFoundError) as missing:
        await client.vfolder.info("no-such-folder")

    assert shape_of(found) == {"id": "str", "name": "str"}
    assert found["id"].replace("-", "") == created["id"].replace("-", "")
    assert (query_only.value.title, query_only.value.error_code) == (
        "Malformed request body.",
        "api_parsing_bad-request",
    )
    assert (missing.value.title, missing.value.data) == ("No such virtual folder.", "no-such-folder")


async def test_check_presets_needs_a_group_on_26(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)

    checked = await client.resource_preset.check({"group": "default"})
    listed = await client.resource_preset.list()
    with pytest.raises(bai.BadRequestError) as no_group:  # the SDK fills `group` in; the fake still refuses without
        await client.request("POST", "/resource/check-presets", json={})

    assert shape_of(checked) == CHECK_PRESETS
    assert shape_of(listed) == {
        "presets": [{"id": "str", "name": "str", "resource_slots": SLOTS, "shared_memory": "str"}]
    }
    assert (no_group.value.title, no_group.value.error_code) == (
        "Invalid or Missing API Parameters.",
        "api_parsing_invalid-parameters",
    )
    assert "group\n  Field required" in no_group.value.message


async def test_older_generations_check_presets_without_a_group(make_client: ClientFactory) -> None:
    async with FakeManager("25.12") as old:
        checked = await make_client(old).resource_preset.check()
    assert checked["presets"][0]["allocatable"] is True


FOLDER = {
    "id": "str", "name": "str", "quota_scope_id": "str", "host": "str", "usage_mode": "str", "created_at": "str",
    "permission": "str", "creator": "str", "ownership_type": "str", "user": "str", "group": "null",
    "cloneable": "bool", "status": "str", "is_owner": "bool", "max_size": "int", "user_email": "str",
    "group_name": "str", "type": "str", "max_files": "int", "cur_size": "int",
}  # fmt: skip
FOLDER_INFO = {
    "name": "str", "id": "str", "quota_scope_id": "str", "host": "str", "status": "str", "numFiles": "int",
    "used_bytes": "int", "created_at": "str", "last_used": "str", "user": "str", "group": "str", "type": "str",
    "is_owner": "bool", "permission": "str", "usage_mode": "str", "cloneable": "bool",
}  # fmt: skip


async def test_vfolder_answers(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    created = await client.vfolder.create("shape-folder")
    with pytest.raises(bai.BadRequestError) as existing:
        await client.vfolder.create("shape-folder")
    listed = await client.vfolder.list()
    info = await client.vfolder.info("shape-folder")
    hosts = await client.request("GET", "/folders/_/hosts")
    all_hosts = await client.request("GET", "/folders/_/all-hosts")
    mkdir = await client.request("POST", "/folders/shape-folder/mkdir", json={"path": "dir"})
    fm.vfolders.folders[created["id"]].files["hello.txt"] = bytearray(b"hello")
    files = await client.request("GET", "/folders/shape-folder/files", params={"path": ""})
    renamed_file = await client.request(
        "POST", "/folders/shape-folder/rename-file", json={"target_path": "hello.txt", "new_name": "hi.txt"}
    )
    deleted_files = await client.request("DELETE", "/folders/shape-folder/delete-files", json={"files": ["hi.txt"]})
    renamed = await client.request("POST", "/folders/shape-folder/rename", json={"new_name": "shape-folder-2"})

    assert shape_of(created) == FOLDER
    assert (created["creator"], created["created_at"]) == ("admin@lablup.com", "")
    assert existing.value.problem_type == "https://api.backend.ai/probs/invalid-api-params"
    assert existing.value.error_code == "api_generic_invalid-parameters"
    assert shape_of(listed) == [{**FOLDER, "group": "str"}]
    assert shape_of(info) == FOLDER_INFO
    assert shape_of(hosts["volume_info"]["local:volume1"]) == {
        "backend": "str", "capabilities": ["str"], "usage": {"percentage": "float"}, "sftp_scaling_groups": [],
    }  # fmt: skip
    assert shape_of(all_hosts) == {"default": "str", "allowed": ["str"]}
    assert mkdir == {"results": {"success": [{"msg": None, "item": "dir"}], "failed": []}}
    assert shape_of(files) == {
        "items": [{"name": "str", "type": "str", "size": "int", "mode": "int", "created": "str", "modified": "str"}]
    }
    assert {item["name"]: item["mode"] for item in files["items"]} == {"dir": 0o40755, "hello.txt": 0o100644}
    assert renamed_file == deleted_files == renamed == {"msg": ""}


async def test_vfolder_answers_of_older_generations(make_client: ClientFactory) -> None:
    async with FakeManager("24.09") as old:
        client = make_client(old)
        created = await client.vfolder.create("old-folder")
        info = await client.vfolder.info("old-folder")
    assert created["user_email"] is None and created["creator"] == "AKIAIOSFODNN7EXAMPLE"
    assert "numFiles" not in info and info["cur_size"] == 0


async def test_routes_the_fake_lacked(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)

    role = await client.request("GET", "/auth/role")
    details = await client.request("GET", "/config/resource-slots/details")
    types = await client.request("GET", "/config/vfolder-types")

    assert role == {"global_role": "superadmin", "domain_role": "admin", "group_role": None}
    slot = {
        "slot_name": "str", "description": "str", "human_readable_name": "str", "display_unit": "str",
        "number_format": {"binary": "bool", "round_length": "int"}, "display_icon": "str",
    }  # fmt: skip
    assert shape_of(details) == {"cpu": slot, "mem": slot}
    assert types == ["group", "user"]


async def test_session_side_answers(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm)
    await client.create_if_not_exists("python:3.9-ubuntu20.04", "shape-session")

    graph = await client.get_dependency_graph("shape-session")
    history = await client.get_status_history("shape-session")
    with pytest.raises(bai.ServerError) as restart:
        await client.request("PATCH", "/session/shape-session")
    with pytest.raises(bai.NotFoundError) as unknown_image:  # the image is checked before the name
        await client.create_if_not_exists("unknown-image", "shape-session")

    assert shape_of(graph) == {
        "session_id": "str", "session_name": "str", "status": "str", "status_changed": "str", "depends_on": [],
    }  # fmt: skip
    assert set(history) == {"PENDING", "SCHEDULED", "PREPARING", "PREPARED", "CREATING", "RUNNING"}
    assert (restart.value.status, restart.value.title, restart.value.error_code) == (
        501,
        "This API is not implemented.",
        "api_generic_not-implemented",
    )
    assert unknown_image.value.title == "No such environment image."


async def test_keypair_info_has_every_field_asked_for(fm: FakeManager) -> None:
    config = bai.ClientConfig("AKIANABBDUSEREXAMPLE", "C8qnIo29EZvXkPK_MXcuAakYTy4NYrxwmCEyNPlf", str(fm.url))
    async with bai.Client(config) as client:
        info = await client.keypair.info()
    assert shape_of(info) == {
        "access_key": "str", "secret_key": "str", "is_active": "bool", "is_admin": "bool", "user_id": "str",
        "created_at": "str", "last_used": "str", "concurrency_limit": "int", "concurrency_used": "int",
        "rate_limit": "int", "num_queries": "int", "resource_policy": "str",
    }  # fmt: skip
    assert (info["user_id"], info["is_admin"]) == ("user@lablup.com", False)
