"""Drive the official ``backend.ai-client`` through everyday operations; one JSON line per operation.

Run with the interpreter that has ``ai.backend.client`` installed (the 26.9.6 stack's venv), not
with ours; it imports nothing from this repository but ``tests/support/shapes.py``. The client is
configured the way its users do it, from the environment: ``BACKEND_ENDPOINT``,
``BACKEND_ENDPOINT_TYPE=api``, ``BACKEND_ACCESS_KEY``, ``BACKEND_SECRET_KEY`` (a user's keypair).
The one argument is a JSON object: ``{"image", "vfolder_host", "admin": [access_key, secret_key],
"webserver", "login": [email, password], "workdir"}`` (the webserver for SESSION mode). Each
printed line is ``{"op", "ok", "shape"}`` or ``{"op", "ok": false, "error", "status",
"problem_type"}``.
"""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "support"))
from ai.backend.client.config import APIConfig  # type: ignore[import-not-found]
from ai.backend.client.exceptions import BackendAPIError  # type: ignore[import-not-found]
from ai.backend.client.session import AsyncSession  # type: ignore[import-not-found]
from shapes import shape_of

RESOURCES = {"cpu": 1, "mem": "512m"}


def jsonable(value: Any) -> Any:
    """The client's answers as JSON values (its paginated results and UUIDs are objects)."""
    if hasattr(value, "total_count") and hasattr(value, "items"):
        return {"total_count": value.total_count, "items": jsonable(list(value.items))}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


async def step(op: str, call: Callable[[], Awaitable[Any]]) -> Any:
    try:
        value = await call()
    except BackendAPIError as exc:
        data = exc.data if isinstance(exc.data, dict) else {}
        result = {
            "op": op,
            "ok": False,
            "error": type(exc).__name__,
            "status": exc.status,
            "problem_type": data.get("type"),
        }
        value = None
    except Exception as exc:  # what the client raises on an answer it cannot use (KeyError, ...)
        result = {
            "op": op,
            "ok": False,
            "error": type(exc).__name__,
            "status": None,
            "problem_type": None,
            "message": str(exc)[:200],
        }
        value = None
    else:
        result = {"op": op, "ok": True, "shape": shape_of(jsonable(value))}
    print(json.dumps(result), flush=True)
    return value


async def sessions(api: Any, image: str) -> None:
    name = f"conf-{uuid.uuid4().hex[:10]}"

    async def get_or_create() -> dict[str, Any]:
        made = await api.ComputeSession.get_or_create(image, name=name, resources=RESOURCES)
        # what the client keeps of the answer, on the object it returns
        return {"id": made.id, "created": made.created, "status": made.status, "service_ports": made.service_ports}

    first = await step("session_create", get_or_create)
    second = await step("session_create_again", get_or_create)
    created = [s["created"] if s else None for s in (first, second)]
    print(json.dumps({"op": "session_created_flags", "ok": created == [True, False], "shape": "bool"}), flush=True)
    await step("session_info", lambda: api.ComputeSession(name).get_info())
    await step("session_status_history", lambda: api.ComputeSession(name).get_status_history())
    await step("session_list", lambda: api.ComputeSession.paginated_list())
    await step("session_list_running", lambda: api.ComputeSession.paginated_list(status="RUNNING"))
    await step("session_dependency_graph", lambda: api.ComputeSession(name).get_dependency_graph())
    await step("session_rename", lambda: api.ComputeSession(name).rename(name + "-r"))
    await step("session_destroy", lambda: api.ComputeSession(name).destroy())
    await step("session_destroy_renamed", lambda: api.ComputeSession(name + "-r").destroy())
    await step("session_info_unknown", lambda: api.ComputeSession("no-such-session").get_info())
    await step("session_destroy_unknown", lambda: api.ComputeSession("no-such-session").destroy())


async def folder_ops(api: Any, folder: Any, label: str, workdir: pathlib.Path) -> None:
    src = workdir / "src"
    src.mkdir(exist_ok=True)
    (src / "hello.txt").write_bytes(b"hello conformance\n")
    out = workdir / f"out-{label}"
    out.mkdir()
    await step(f"vfolder_info_{label}", lambda: folder.info())
    await step(f"vfolder_upload_{label}", lambda: folder.upload(["hello.txt"], basedir=src))
    await step(f"vfolder_mkdir_{label}", lambda: folder.mkdir("sub"))
    await step(f"vfolder_list_files_{label}", lambda: folder.list_files("."))
    await step(f"vfolder_download_{label}", lambda: folder.download(["hello.txt"], basedir=out))
    downloaded = (out / "hello.txt").read_bytes() if (out / "hello.txt").exists() else None
    print(
        json.dumps({"op": f"vfolder_downloaded_{label}", "ok": downloaded == b"hello conformance\n", "shape": "bytes"}),
        flush=True,
    )
    await step(f"vfolder_rename_file_{label}", lambda: folder.rename_file("hello.txt", "renamed.txt"))
    await step(f"vfolder_list_files_renamed_{label}", lambda: folder.list_files("."))
    await step(f"vfolder_delete_files_{label}", lambda: folder.delete_files(["renamed.txt"]))


async def vfolders(api: Any, host: str, workdir: pathlib.Path) -> None:
    by_name, by_id = f"conf-{uuid.uuid4().hex[:10]}", f"conf-{uuid.uuid4().hex[:10]}"
    await step("vfolder_create", lambda: api.VFolder.create(by_name, host))
    second = await step("vfolder_create_second", lambda: api.VFolder.create(by_id, host))
    await step("vfolder_create_existing", lambda: api.VFolder.create(by_name, host))
    await step("vfolder_list", lambda: api.VFolder.list())
    await step("vfolder_get_id", lambda: api.VFolder(by_name).get_id())
    await folder_ops(api, api.VFolder(by_name), "by_name", workdir)
    if second is not None:
        await folder_ops(api, api.VFolder(by_id, id=uuid.UUID(second["id"])), "by_id", workdir)
    await step("vfolder_info_unknown", lambda: api.VFolder("no-such-folder").info())
    await step("vfolder_own_list", lambda: api.VFolder.paginated_own_list())
    await step("vfolder_invitations", lambda: api.VFolder.invitations())
    await step("vfolder_move_file_missing", lambda: api.VFolder(by_name).move_file("no-such-file", "x"))
    await step("vfolder_rename_file_missing", lambda: api.VFolder(by_name).rename_file("no-such-file", "x"))
    await step("vfolder_rename", lambda: api.VFolder(by_name).rename(by_name + "-r"))
    by_name += "-r"
    await step("vfolder_delete_by_name", lambda: api.VFolder(by_name).delete())
    if second is not None:
        await step("vfolder_delete_by_id", lambda: api.VFolder.delete_by_id(second["id"]))


async def admin(api: Any, admin_key: str) -> None:
    await step("keypair_list", lambda: api.KeyPair.paginated_list())
    await step("keypair_info", lambda: api.KeyPair(admin_key).info())
    await step("user_list", lambda: api.User.paginated_list())
    await step("group_list", lambda: api.Group.list("default"))
    await step("image_list", lambda: api.Image.list())
    await step("agent_list", lambda: api.Agent.paginated_list())
    await step("scaling_group_list", lambda: api.ScalingGroup.list())
    await step("scaling_group_list_available", lambda: api.ScalingGroup.list_available("default"))
    await step("preset_list", lambda: api.Resource.list())
    await step("preset_check", lambda: api.Resource.check_presets(group="default"))
    await step("preset_check_no_group", lambda: api.Resource.check_presets())
    await step("keypair_list_plain", lambda: api.KeyPair.list())
    await step("keypair_resource_policy_list", lambda: api.KeypairResourcePolicy.list())
    await step("user_detail", lambda: api.User.detail("admin@lablup.com"))
    await step("domain_list", lambda: api.Domain.list())
    await step("scaling_group_detail", lambda: api.ScalingGroup.detail("default"))
    await step("vfolder_paginated_list", lambda: api.VFolder.paginated_list())
    await step("vfolder_list_hosts", lambda: api.VFolder.list_hosts())
    await step("vfolder_list_all_hosts", lambda: api.VFolder.list_all_hosts())
    await step("vfolder_allowed_types", lambda: api.VFolder.list_allowed_types())
    await step("resource_slots", lambda: api.Resource.get_resource_slots())
    await step("resource_vfolder_types", lambda: api.Resource.get_vfolder_types())
    await step("resource_docker_registries", lambda: api.Resource.get_docker_registries())
    await step("system_versions", lambda: api.System.get_versions())
    await step("manager_status", lambda: api.Manager.status())
    await step("session_template_list", lambda: api.SessionTemplate.list_templates())
    await step("dotfile_list", lambda: api.Dotfile.list_dotfiles())
    await step("admin_query", lambda: api.Admin.query("{ keypair { access_key is_active is_admin } }"))
    await step("admin_query_unknown_field", lambda: api.Admin.query("{ keypair { no_such_field } }"))


async def session_mode(webserver: str, email: str, password: str) -> None:
    """SESSION mode: the webserver, a cookie, no signature (the login is encrypted over http)."""
    config = APIConfig(endpoint=webserver, endpoint_type="session")
    async with AsyncSession(config=config) as api:
        await step("session_mode_login_refused", lambda: api.Auth.login(email, "not-the-password"))
        await step("session_mode_login", lambda: api.Auth.login(email, password))
        await step("session_mode_vfolder_list", lambda: api.VFolder.list())
        await step("session_mode_logout", lambda: api.Auth.logout())
        await step("session_mode_vfolder_list_after_logout", lambda: api.VFolder.list())


async def main() -> None:
    args = json.loads(sys.argv[1])
    workdir = pathlib.Path(args["workdir"])
    endpoint = os.environ["BACKEND_ENDPOINT"]
    async with AsyncSession() as api:  # the user's keypair, from the environment
        await sessions(api, args["image"])
        await vfolders(api, args["vfolder_host"], workdir)
    admin_key, admin_secret = args["admin"]
    async with AsyncSession(config=APIConfig(endpoint=endpoint, access_key=admin_key, secret_key=admin_secret)) as api:
        await admin(api, admin_key)
    await session_mode(args["webserver"], *args["login"])
    wrong = APIConfig(endpoint=endpoint, access_key=os.environ["BACKEND_ACCESS_KEY"], secret_key="not-the-secret")
    async with AsyncSession(config=wrong) as api:
        await step("wrong_secret", lambda: api.VFolder.list())


if __name__ == "__main__":
    asyncio.run(main())
