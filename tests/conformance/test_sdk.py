"""The same scenarios through backendai_async against the FakeManager and the real 26.9.6 stack.

Each scenario notes every step's outcome (success and the answer's shape, or the error's class,
status and problem type) and compares them with what the real stack did (``expected/sdk.json``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from pathlib import Path
from typing import Any

import backendai_async as bai

from .conftest import Backend
from .outcomes import Steps, conform

RESOURCES = {"cpu": 1, "mem": "512m"}
UNKNOWN_IMAGE = "unknown-image"  # unknown on the stack, and the fake's default unknown image
SETTLE = 60.0  # seconds for a destroyed session to leave TERMINATING on a busy stack


def new_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def collect(items: Any) -> list[Any]:
    return [item async for item in items]


async def settled_status(client: bai.Client, name: str) -> str | None:
    """Poll (bounded) until the destroyed session is no longer TERMINATING; its last status, or
    None once it is not found."""
    deadline = time.monotonic() + SETTLE
    while True:
        try:
            status = (await client.get_info(name))["status"]
        except bai.NotFoundError:
            return None
        if status != "TERMINATING" or time.monotonic() > deadline:
            return str(status)
        await asyncio.sleep(0.2)


async def test_session_life_cycle(backend: Backend) -> None:
    steps = Steps()
    name = new_name("conf")
    async with bai.Client(backend.config("user"), agent_signature="conformance") as client:
        try:
            first = await steps.run("create", client.create_if_not_exists(backend.image, name, resources=RESOURCES))
            second = await steps.run(
                "create_again", client.create_if_not_exists(backend.image, name, resources=RESOURCES)
            )
            assert first and second
            assert (first["created"], second["created"]) == (True, False)
            info = await steps.run("get_info", client.get_info(name))
            assert info and info["status"] == "RUNNING"
            listed = await steps.run(
                "list_all", collect(client.compute_session.list_all(fields=("id", "name", "status", "created_at")))
            )
            assert listed is not None and name in [s["name"] for s in listed]
            await steps.run("destroy", client.destroy(name))
            after = await steps.run("get_info_after_destroy", client.get_info(name))
            assert after is not None and after["status"] in ("TERMINATING", "TERMINATED")
            # eventually TERMINATED (still readable by name) on both
            steps.note("settles", {"ok": True, "shape": {"status": await settled_status(client, name)}})
        finally:
            with contextlib.suppress(bai.BackendAIError):
                await client.destroy(name, forced=True)
        await steps.run("get_info_unknown", client.get_info("no-such-session"))
        await steps.run("destroy_unknown", client.destroy("no-such-session"))
        # the fake accepts any image but those in ``unknown_images`` ("unknown-image" by default)
        await steps.run("create_unknown_image", client.create_if_not_exists(UNKNOWN_IMAGE, new_name("conf")))
    conform("sdk", "session_life_cycle", backend.name, steps.outcomes)


async def folder_steps(steps: Steps, client: bai.Client, key: str, label: str, tmp_path: Path) -> None:
    """The file operations on a folder named by ``key`` (its name or its id)."""
    await steps.run(f"info_{label}", client.vfolder.info(key))
    await steps.run(f"upload_{label}", client.vfolder.upload("hello.txt", b"hello conformance\n", key))
    await steps.run(f"mkdir_{label}", client.vfolder.mkdir("sub", key))
    await steps.run(f"list_files_{label}", client.vfolder.list_files("", key))
    got = await steps.run(f"download_{label}", client.vfolder.download_file("hello.txt", tmp_path / label, key))
    assert got is not None and got.read_bytes() == b"hello conformance\n"
    steps.outcomes[f"download_{label}"]["shape"] = "path"  # a local Path, not JSON
    await steps.run(f"rename_file_{label}", client.vfolder.rename_file("hello.txt", "renamed.txt", key))
    await steps.run(f"list_files_renamed_{label}", client.vfolder.list_files("", key))
    await steps.run(f"delete_files_{label}", client.vfolder.delete_files(["renamed.txt"], False, key))


async def test_vfolders_by_name_and_by_id(backend: Backend, tmp_path: Path) -> None:
    steps = Steps()
    by_name, by_id = new_name("conf"), new_name("conf")
    async with bai.Client(backend.config("user"), agent_signature="conformance") as client:
        created: list[str] = []
        try:
            first = await steps.run("create", client.vfolder.create(by_name, backend.vfolder_host))
            second = await steps.run("create_second", client.vfolder.create(by_id, backend.vfolder_host))
            assert first and second
            created += [first["id"], second["id"]]
            await steps.run("create_existing", client.vfolder.create(by_name, backend.vfolder_host))
            listed = await steps.run("list", client.vfolder.list())
            assert listed is not None and {by_name, by_id} <= {f["name"] for f in listed}
            await folder_steps(steps, client, by_name, "by_name", tmp_path)
            await folder_steps(steps, client, second["id"], "by_id", tmp_path)
            await steps.run("rename_folder", client.vfolder.rename(by_name + "-r", by_name))
            await steps.run("info_unknown", client.vfolder.info("no-such-folder"))
            await steps.run("delete_by_name", client.vfolder.delete(by_name + "-r"))
            await steps.run("delete_by_id", client.vfolder.delete_by_id(second["id"]))
            await steps.run("delete_from_trash_bin", client.vfolder.delete_from_trash_bin(first["id"]))
        finally:
            for folder_id in created:
                with contextlib.suppress(bai.BackendAIError):
                    await client.vfolder.delete_by_id(folder_id)
                with contextlib.suppress(bai.BackendAIError):
                    await client.vfolder.delete_from_trash_bin(folder_id)
    conform("sdk", "vfolders", backend.name, steps.outcomes)


async def test_admin_lists_and_queries(backend: Backend) -> None:
    steps = Steps()
    async with bai.Client(backend.config("superadmin"), agent_signature="conformance") as client:
        await steps.run("keypair_list", collect(client.keypair.list()))
        await steps.run("keypair_info", client.keypair.info())
        await steps.run("user_list", collect(client.user.list()))
        await steps.run("user_get", client.user.get())
        await steps.run("group_list", collect(client.group.list()))
        await steps.run("domain_list", collect(client.domain.list()))
        await steps.run("image_list", collect(client.image.list(["name", "registry", "tag", "architecture"])))
        await steps.run("agent_list", collect(client.agent.list()))
        await steps.run("scaling_group_list", client.scaling_group.list("default"))
        await steps.run("scaling_group_list_available", collect(client.scaling_group.list_available()))
        await steps.run("preset_list", client.resource_preset.list())
        await steps.run("preset_check", client.resource_preset.check({"group": "default"}))
        # the server refuses a check without a group; resource_preset.check() fills in the current project
        await steps.run("preset_check_no_group", client.request("POST", "/resource/check-presets", json={}))
        await steps.run("preset_check_default_group", client.resource_preset.check())
        await steps.run(
            "graphql_query",
            client.graphql.query(
                "query($email: String) { user(email: $email) { email role status } }", {"email": "admin@lablup.com"}
            ),
        )
        await steps.run("graphql_unknown_field", client.graphql.query("{ keypair { no_such_field } }"))
        await steps.run("graphql_syntax_error", client.graphql.query("{ keypair { "))
    conform("sdk", "admin", backend.name, steps.outcomes)


async def test_a_user_is_refused_admin_queries(backend: Backend) -> None:
    steps = Steps()
    async with bai.Client(backend.config("user"), agent_signature="conformance") as client:
        await steps.run("user_list", collect(client.user.list()))
        await steps.run("agent_list", collect(client.agent.list()))
        await steps.run("own_keypair", client.keypair.info())
        await steps.run("group_list", collect(client.group.list()))
    conform("sdk", "user_refused", backend.name, steps.outcomes)


async def test_a_wrong_secret(backend: Backend) -> None:
    steps = Steps()
    access_key, _ = backend.users["user"]
    config = bai.ClientConfig(access_key, "not-the-secret", backend.endpoint, max_retries=0)
    async with bai.Client(config) as client:
        await steps.run("get_manager_version", client.get_manager_version())  # unsigned: works
        await steps.run("vfolder_list", client.vfolder.list())
        await steps.run("graphql", client.graphql.query("{ keypair { access_key } }"))
    unknown = bai.ClientConfig("AKIANOSUCHKEYEXAMPLE", "x", backend.endpoint, max_retries=0)
    async with bai.Client(unknown) as client:
        await steps.run("unknown_access_key", client.vfolder.list())
    conform("sdk", "wrong_secret", backend.name, steps.outcomes)


async def test_session_mode_through_the_webserver(backend: Backend) -> None:
    steps = Steps()

    async def login_outcome(client: bai.Client) -> dict[str, Any]:
        result = await client.login()
        return {"authenticated": result.authenticated, "fail_reason": result.fail_reason}

    logged_in = []  # what check_login said, in order (shapes alone would not tell)
    async with bai.Client(backend.session_config("user", password="not-the-password")) as client:
        refused = await steps.run("login_refused", login_outcome(client))
        assert refused is not None and not refused["authenticated"]
        logged_in.append(await steps.run("check_login_refused", client.check_login()))
    async with bai.Client(backend.session_config("user")) as client:
        logged_in.append(await steps.run("check_login_before", client.check_login()))
        accepted = await steps.run("login", login_outcome(client))
        assert accepted is not None and accepted["authenticated"]
        logged_in.append(await steps.run("check_login", client.check_login()))
        await steps.run("vfolder_list", client.vfolder.list())
        await steps.run("keypair_info", client.keypair.info())
        await steps.run("logout", client.logout())
        logged_in.append(await steps.run("check_login_after_logout", client.check_login()))
    assert logged_in == [False, False, True, False]
    conform("sdk", "session_mode", backend.name, steps.outcomes)
