"""Record the answers of a Backend.AI server to the SDK's core calls: their JSON shapes and a
scrubbed sample of each, as ``tests/data/shapes/<manager version>/<call>.json``.

Run it against the real 26.9.6 stack (started by ``tests/integration/run.sh`` with
``BAI_STACK_KEEP=1``)::

    BACKENDAI_STACK_INFO=$BAI_STACK_HOME/stack-info.json .venv/bin/python -m tests.integration.record_shapes

or against today's ``FakeManager`` (``--fake``: prints the differences from the stored
recording instead of writing files). ``tests/integration/test_result_shapes.py`` re-records
live and compares with the stored files.

A shape is the JSON type tree of an answer (``tests/support/shapes.py``); a body that is not
JSON is ``"text"``. Only loopback servers are contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import pathlib
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

import backendai_async as bai
from tests.support.shapes import Shape, differences, shape_of

SHAPES_ROOT = pathlib.Path(__file__).resolve().parents[1] / "data" / "shapes"
RESOURCES = {"cpu": 1, "mem": "512m"}
PRESET = "shape-preset"
AGENT_WAIT = 30.0  # the dummy agent answers 500 for a new kernel for a few seconds
SAMPLE_ITEMS = 3  # of a list answer kept as its sample (the shape covers every item)
#: parts of answers that change with timing, not with the server: call -> {path: why}
VOLATILE: dict[str, dict[str, str]] = {
    "session_destroy": {
        "$.stats": 'stats is {"status": "terminated"} right after the start, {} once the agent has reported '
        "(measured after about 80 s)",
    },
}

# ---------------------------------------------------------------- scrubbing

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HEX_ID = re.compile(r"\b[0-9a-f]{32}\b")
_SECRET_KEYS = re.compile(r"(secret|token|password|access_?key|cookie|jwt|private)", re.I)
_RANDOM_NAME = re.compile(r"shape-([sf])-[0-9a-f]{8}")  # the recorder's session and folder names
SCRUBBED = "<scrubbed>"


@dataclass
class Scrubber:
    """Replaces secrets with ``<scrubbed>`` and ids with stable placeholders, keeping the types."""

    secrets: set[str] = field(default_factory=set)
    _ids: dict[str, str] = field(default_factory=dict)

    def _id(self, text: str, hex_form: bool) -> str:
        key = text.lower().replace("-", "")
        if key not in self._ids:
            self._ids[key] = f"{len(self._ids) + 1:032x}"
        plain = self._ids[key]
        if hex_form:
            return plain
        return f"{plain[:8]}-{plain[8:12]}-{plain[12:16]}-{plain[16:20]}-{plain[20:]}"

    def text(self, value: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret and secret in value:
                value = value.replace(secret, SCRUBBED)
        value = _RANDOM_NAME.sub(lambda m: "shape-session" if m.group(1) == "s" else "shape-folder", value)
        value = _UUID.sub(lambda m: self._id(m.group(0), False), value)
        return _HEX_ID.sub(lambda m: self._id(m.group(0), True), value)

    def __call__(self, value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {self.text(str(k)): self(v, str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v, key) for v in value]
        if isinstance(value, str):
            if _SECRET_KEYS.search(key) and value:
                return SCRUBBED
            return self.text(value)
        return value


# ---------------------------------------------------------------- recording


@dataclass
class Exchange:
    method: str
    path: str
    status: int
    content_type: str
    body: bytes


@dataclass
class Record:
    call: str
    sdk: str
    endpoint: str
    exchange: Exchange | None = None
    error: str | None = None  # the SDK's exception, when the call raised

    def parsed(self) -> Any:
        if self.exchange is None or not self.exchange.body:
            return None
        if "json" in self.exchange.content_type:
            return json.loads(self.exchange.body)
        return self.exchange.body.decode("utf-8", "replace")

    def shape(self) -> Shape:
        if self.exchange is not None and self.exchange.body and "json" not in self.exchange.content_type:
            return "text"
        return shape_of(self.parsed())

    def to_json(self, scrub: Scrubber) -> dict[str, Any]:
        out: dict[str, Any] = {"call": self.call, "sdk": self.sdk, "endpoint": self.endpoint}
        if self.exchange is not None:
            out["status"] = self.exchange.status
            out["content_type"] = self.exchange.content_type
        if self.error is not None:
            out["sdk_error"] = scrub.text(self.error)
        out["shape"] = self.shape()
        if self.call in VOLATILE:
            out["volatile"] = VOLATILE[self.call]
        sample = scrub(self.parsed())
        out["sample"] = sample[:SAMPLE_ITEMS] if isinstance(sample, list) else sample
        return out


class Recorder:
    """Runs SDK calls on an ``aiohttp.ClientSession`` whose middleware keeps every exchange."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self.records: dict[str, Record] = {}

    async def _capture(
        self, request: aiohttp.ClientRequest, handler: Callable[[aiohttp.ClientRequest], Awaitable[Any]]
    ) -> aiohttp.ClientResponse:
        response: aiohttp.ClientResponse = await handler(request)
        body = await response.read()  # cached: the SDK reads it again
        self.exchanges.append(Exchange(request.method, request.url.path, response.status, response.content_type, body))
        return response

    def session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            timeout=aiohttp.ClientTimeout(total=None),
            middlewares=(self._capture,),
        )

    async def call(self, name: str, sdk: str, endpoint: str, run: Callable[[], Awaitable[Any]]) -> Any:
        """Run ``run()``, record the last exchange it made under ``name``; returns its result
        (None when it raised)."""
        start = len(self.exchanges)
        record = Record(name, sdk, endpoint)
        result = None
        try:
            result = await run()
        except bai.BackendAIError as exc:
            record.error = f"{type(exc).__name__}: {exc.message}"
        probe = "(unsigned)" in endpoint
        mine = [x for x in self.exchanges[start:] if (x.path in ("/", "/func/")) == probe]
        record.exchange = mine[-1] if mine else None
        self.records[name] = record
        return result


async def _until_the_agent_knows(run: Callable[[], Awaitable[Any]]) -> Any:
    deadline = time.monotonic() + AGENT_WAIT
    while True:
        try:
            return await run()
        except bai.InternalServerError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1.0)


@dataclass
class Target:
    """Where to record: the manager endpoint, the webserver endpoint, users and the image."""

    endpoint: str
    webserver: str | None
    users: dict[str, dict[str, str]]
    image: str
    vfolder_host: str | None

    @classmethod
    def from_stack(cls, gen: dict[str, Any]) -> Target:
        return cls(gen["endpoint"], gen.get("webserver"), gen["users"], gen["image"], gen.get("vfolder_host"))

    def api(self, role: str) -> bai.ClientConfig:
        user = self.users[role]
        return bai.ClientConfig(user["access_key"], user["secret_key"], endpoint=self.endpoint)

    def session(self, role: str) -> bai.ClientConfig:
        user = self.users[role]
        assert self.webserver is not None
        return bai.ClientConfig(
            user_id=user["email"], password=user["password"], endpoint=self.webserver, connection_mode="SESSION"
        )

    def secrets(self) -> set[str]:
        return {v for user in self.users.values() for k, v in user.items() if k != "email"}


def new_names() -> tuple[str, str]:
    """A fresh (session name, folder name) pair."""
    return f"shape-s-{uuid.uuid4().hex[:8]}", f"shape-f-{uuid.uuid4().hex[:8]}"


async def record_all(target: Target, names: tuple[str, str] | None = None) -> tuple[dict[str, Record], Scrubber]:
    """Every core call, as the ``user`` (and ``superadmin`` where needed), with a compute
    session and a folder of the given ``names`` (fresh ones by default)."""
    rec = Recorder()
    scrub = Scrubber(secrets=target.secrets())
    session_name, folder = names or new_names()
    async with rec.session() as http:
        async with bai.Client(target.api("superadmin"), "record-shapes", http_session=http) as admin:
            # the stack has no preset: one makes the preset lists show their items
            preset = {"resource_slots": json.dumps({"cpu": "1", "mem": "1073741824"}), "shared_memory": "67108864"}
            added = await rec.call(
                "resource_preset_add",
                "client.resource_preset.add(name, props) (superadmin)",
                "POST /admin/gql (create_resource_preset)",
                lambda: admin.resource_preset.add(PRESET, preset),
            )
            try:
                async with bai.Client(target.api("user"), "record-shapes", http_session=http) as c:
                    await _record_api(rec, c, target, session_name, folder)
                    await _record_account(rec, c, admin)
                    await _record_sharing(rec, c, admin, target, folder + "-s")
            finally:
                if added is not None:
                    await admin.resource_preset.delete(PRESET)
            await rec.call(
                "vfolder_all_hosts",
                "client.vfolder.list_all_hosts()",
                "GET /folders/_/all-hosts",
                admin.vfolder.list_all_hosts,
            )
        if target.webserver:
            http.cookie_jar.clear()
            await _record_webserver(rec, target)
    return rec.records, scrub


async def _record_api(rec: Recorder, c: bai.Client, target: Target, name: str, folder: str) -> None:
    r = rec.call
    await r("version_probe", "client.get_server_version()", "GET / (unsigned)", c.get_server_version)
    await c.get_manager_version()
    await r(
        "auth_test",
        "client.request('POST', '/auth/test')",
        "POST /auth/test",
        lambda: c.request("POST", "/auth/test", json={"echo": "hi"}),
    )
    await r(
        "auth_role", "client.request('GET', '/auth/role')", "GET /auth/role", lambda: c.request("GET", "/auth/role")
    )
    await r("resource_slots", "client.get_resource_slots()", "GET /config/resource-slots", c.get_resource_slots)
    await r(
        "resource_slots_details",
        "client.request('GET', '/config/resource-slots/details')",
        "GET /config/resource-slots/details",
        lambda: c.request("GET", "/config/resource-slots/details"),
    )
    await r(
        "vfolder_types",
        "client.request('GET', '/config/vfolder-types')",
        "GET /config/vfolder-types",
        lambda: c.request("GET", "/config/vfolder-types"),
    )
    await r("keypair_info", "client.keypair.info()", "POST /admin/gql (keypair)", c.keypair.info)
    await r("resource_presets", "client.resource_preset.list()", "GET /resource/presets", c.resource_preset.list)
    await r(
        "resource_check_presets",
        "client.resource_preset.check({'group': 'default'})",
        "POST /resource/check-presets",
        lambda: c.resource_preset.check({"group": "default"}),
    )
    await r(
        "resource_check_presets_no_group",
        "client.request('POST', '/resource/check-presets', json={})",  # check() fills the group in
        "POST /resource/check-presets",
        lambda: c.request("POST", "/resource/check-presets", json={}),
    )
    await r(
        "scaling_groups",
        "client.scaling_group.list('default')",
        "GET /scaling-groups?group=default",
        lambda: c.scaling_group.list("default"),
    )

    # compute sessions (the dummy agent)
    await r(
        "session_create_new",
        "client.create_if_not_exists(image, name, resources)",
        "POST /session",
        lambda: c.create_if_not_exists(target.image, name, resources=RESOURCES),
    )
    try:
        await r(
            "session_create_existing",
            "client.create_if_not_exists(image, name, resources)",
            "POST /session",
            lambda: c.create_if_not_exists(target.image, name, resources=RESOURCES),
        )
        await r("session_info", "client.get_info(name)", "GET /session/{name}", lambda: c.get_info(name))
        await r(
            "session_commit_status",
            "client.compute_session.get_commit_session_status(name)",
            "GET /session/{name}/commit",
            lambda: c.compute_session.get_commit_session_status(name),
        )
        await r(
            "session_logs",
            "client.get_logs(name)",
            "GET /session/{name}/logs",
            lambda: _until_the_agent_knows(lambda: c.get_logs(name)),
        )
        await r(
            "session_list_files",
            "client.list_files(name)",
            "GET /session/{name}/files",
            lambda: _until_the_agent_knows(lambda: c.list_files(name)),
        )
        await r(
            "session_direct_access_info",
            "client.get_direct_access_info(name)",
            "GET /session/{name}/direct-access-info",
            lambda: c.get_direct_access_info(name),
        )
        await r(
            "session_status_history",
            "client.get_status_history(name)",
            "GET /session/{name}/status-history",
            lambda: c.get_status_history(name),
        )
        await r(
            "session_dependency_graph",
            "client.get_dependency_graph(name)",
            "GET /session/{name}/dependency-graph",
            lambda: c.get_dependency_graph(name),
        )
        await r(
            "session_create_unknown_image",
            "client.create_if_not_exists(unknown image, the same name)",
            "POST /session",
            lambda: c.create_if_not_exists(target.image + "-other", name, resources=RESOURCES),
        )
        await r("session_restart", "client.restart(name)", "PATCH /session/{name}", lambda: c.restart(name))
    finally:
        await r("session_destroy", "client.destroy(name)", "DELETE /session/{name}", lambda: c.destroy(name))
    await r(
        "session_info_terminating",
        "client.get_info(name) right after destroy",
        "GET /session/{name}",
        lambda: c.get_info(name),
    )
    await r(
        "session_not_found",
        "client.get_info('no-such-session')",
        "GET /session/{name}",
        lambda: c.get_info("no-such-session-" + uuid.uuid4().hex[:6]),
    )

    # virtual folders
    await r("vfolder_hosts", "client.vfolder.list_hosts()", "GET /folders/_/hosts", c.vfolder.list_hosts)
    await r(
        "vfolder_allowed_types",
        "client.vfolder.list_allowed_types()",
        "GET /folders/_/allowed_types",
        c.vfolder.list_allowed_types,
    )
    host = target.vfolder_host or ""
    created = await r(
        "vfolder_create", "client.vfolder.create(name, host)", "POST /folders", lambda: c.vfolder.create(folder, host)
    )
    try:
        await r(
            "vfolder_create_existing",
            "client.vfolder.create(name, host) again",
            "POST /folders",
            lambda: c.vfolder.create(folder, host),
        )
        await r("vfolder_list", "client.vfolder.list()", "GET /folders", c.vfolder.list)
        await r("vfolder_info", "client.vfolder.info(name)", "GET /folders/{name}", lambda: c.vfolder.info(folder))
        await r(
            "vfolder_id",
            "client.request('GET', '/folders/_/id', json={'name': name})",
            "GET /folders/_/id with a JSON body",
            lambda: c.request("GET", "/folders/_/id", json={"name": folder}),
        )
        await r(
            "vfolder_id_query_only",
            "client.request('GET', '/folders/_/id', params={'name': name})",
            "GET /folders/_/id?name={name} (no body)",
            lambda: c.request("GET", "/folders/_/id", params={"name": folder}),
        )
        await r(
            "vfolder_mkdir",
            "client.vfolder.mkdir('dir', name)",
            "POST /folders/{name}/mkdir",
            lambda: c.vfolder.mkdir("dir", folder),
        )
        await r(
            "vfolder_request_upload",
            "client.vfolder.create_upload_session('hello.txt', 5, name)",
            "POST /folders/{name}/request-upload",
            lambda: c.vfolder.create_upload_session("hello.txt", 5, folder),
        )
        await c.vfolder.upload("hello.txt", b"hello", folder)
        await r(
            "vfolder_list_files",
            "client.vfolder.list_files('', name)",
            "GET /folders/{name}/files",
            lambda: c.vfolder.list_files("", folder),
        )
        await r(
            "vfolder_request_download",
            "client.vfolder.request_download_token('hello.txt', name)",
            "POST /folders/{name}/request-download",
            lambda: c.vfolder.request_download_token("hello.txt", folder),
        )
        await r(
            "vfolder_rename_file",
            "client.vfolder.rename_file('hello.txt', 'hi.txt', name)",
            "POST /folders/{name}/rename-file",
            lambda: c.vfolder.rename_file("hello.txt", "hi.txt", folder),
        )
        await r(
            "vfolder_delete_files",
            "client.vfolder.delete_files(['hi.txt'], False, name)",
            "DELETE /folders/{name}/delete-files",
            lambda: c.vfolder.delete_files(["hi.txt"], False, folder),
        )
        await r(
            "vfolder_rename",
            "client.vfolder.rename(new, name)",
            "POST /folders/{name}/rename",
            lambda: c.vfolder.rename(folder + "-r", folder),
        )
    finally:
        renamed = (
            folder + "-r" if rec.records.get("vfolder_rename") and not rec.records["vfolder_rename"].error else folder
        )
        await r(
            "vfolder_delete", "client.vfolder.delete(name)", "DELETE /folders/{name}", lambda: c.vfolder.delete(renamed)
        )
        if isinstance(created, dict) and isinstance(created.get("id"), str):
            folder_id = created["id"]
            await r(
                "vfolder_delete_from_trash_bin",
                "client.vfolder.delete_from_trash_bin(id)",
                "POST /folders/delete-from-trash-bin",
                lambda: c.vfolder.delete_from_trash_bin(folder_id),
            )
    await r(
        "vfolder_not_found",
        "client.vfolder.info('no-such-folder')",
        "GET /folders/{name}",
        lambda: c.vfolder.info("no-such-folder-" + uuid.uuid4().hex[:6]),
    )


async def _record_account(rec: Recorder, c: bai.Client, admin: bai.Client) -> None:
    """The caller's own settings (each put back as it was), and the admin calls without a fixture."""
    r = rec.call
    announcement = await r(
        "announcement", "client.service.get_announcement()", "GET /manager/announcement", c.service.get_announcement
    )
    if isinstance(announcement, dict):
        await r(
            "announcement_update",
            "client.service.update_announcement(enabled, message) (superadmin, the same values)",
            "POST /manager/announcement",
            lambda: admin.service.update_announcement(bool(announcement["enabled"]), str(announcement["message"])),
        )
    script = await r(
        "bootstrap_script",
        "client.user_config.get_bootstrap_script()",
        "GET /user-config/bootstrap-script",
        c.user_config.get_bootstrap_script,
    )
    if isinstance(script, str):
        await r(
            "bootstrap_script_update",
            "client.user_config.update_bootstrap_script(the same script)",
            "POST /user-config/bootstrap-script",
            lambda: c.user_config.update_bootstrap_script(script),
        )
    dotfile = ".shape-rc"
    await r(
        "dotfile_create",
        "client.user_config.create(data, path)",
        "POST /user-config/dotfiles",
        lambda: c.user_config.create("# shape\n", dotfile),
    )
    try:
        await r("dotfiles", "client.user_config.get()", "GET /user-config/dotfiles", c.user_config.get)
        await r(
            "dotfile_update",
            "client.user_config.update(data, path)",
            "PATCH /user-config/dotfiles",
            lambda: c.user_config.update("# shape 2\n", dotfile),
        )
    finally:
        await r(
            "dotfile_delete",
            "client.user_config.delete(path)",
            "DELETE /user-config/dotfiles",
            lambda: c.user_config.delete(dotfile),
        )
    await r("ssh_keypair", "client.fetch_ssh_keypair()", "GET /auth/ssh-keypair", c.fetch_ssh_keypair)
    pair = await r(
        "ssh_keypair_refresh", "client.refresh_ssh_keypair()", "PATCH /auth/ssh-keypair", c.refresh_ssh_keypair
    )
    if isinstance(pair, dict):
        await r(
            "ssh_keypair_post",
            "client.post_ssh_keypair(public, private) (the pair just made)",
            "POST /auth/ssh-keypair",
            lambda: c.post_ssh_keypair(pair["ssh_public_key"], pair["ssh_private_key"]),
        )
    projects = await admin.group.list(domain_name="default")
    project = next((str(p["id"]) for p in projects if p.get("name") == "default"), "")
    await r(
        "allowed_vfolder_hosts",
        "client.storage_proxy.get_allowed_vfolder_hosts_by_current_user_info('default', project, 'default') "
        "(superadmin: a user may not read the keypair resource policy by name)",
        "POST /admin/gql (domain, group, keypair_resource_policy)",
        lambda: admin.storage_proxy.get_allowed_vfolder_hosts_by_current_user_info("default", project, "default"),
    )
    await r("user_stats", "client.resources.user_stats()", "GET /resource/stats/user/month", c.resources.user_stats)
    await r("session_templates", "client.session_template.list()", "GET /template/session", c.session_template.list)
    await r("acl", "client.storage_proxy.get_all_permissions()", "GET /acl", c.storage_proxy.get_all_permissions)
    await r(
        "wsproxy_version",
        "client.scaling_group.get_wsproxy_version('default')",
        "GET /scaling-groups/default/wsproxy-version",
        lambda: c.scaling_group.get_wsproxy_version("default"),
    )
    await r(
        "recalculate_usage",
        "client.maintenance.recalculate_usage() (superadmin)",
        "POST /resource/recalculate-usage",
        admin.maintenance.recalculate_usage,
    )


async def _record_sharing(rec: Recorder, c: bai.Client, admin: bai.Client, target: Target, folder: str) -> None:
    """Invitations between the user and the superadmin, moving a file, quota, and the trash bin."""
    r = rec.call
    created = await c.vfolder.create(folder, target.vfolder_host or "")
    folder_id = str(created.get("id", ""))
    try:
        await c.vfolder.upload("move.txt", b"move", folder)
        await r(
            "vfolder_move_file",
            "client.vfolder.move_file('move.txt', 'moved.txt', name)",
            "POST /folders/{name}/move-file",
            lambda: c.vfolder.move_file("move.txt", "moved.txt", folder),
        )
        await r(
            "vfolder_get_quota",
            "client.vfolder.get_quota(host, id)",
            "GET /folders/_/quota",
            lambda: c.vfolder.get_quota(target.vfolder_host or "", folder_id),
        )
        admin_email = target.users["superadmin"]["email"]
        invite = lambda: c.vfolder.invite("ro", [admin_email], folder)  # noqa: E731
        await r("vfolder_invite", "client.vfolder.invite('ro', [email], name)", "POST /folders/{name}/invite", invite)
        declined = await _first_invitation(admin)
        await r(
            "vfolder_delete_invitation",
            "client.vfolder.delete_invitation(id) (the invitee declines)",
            "DELETE /folders/invitations/delete",
            lambda: admin.vfolder.delete_invitation(declined),
        )
        await invite()
        await r(
            "vfolder_invitations",
            "client.vfolder.invitations() (the invitee)",
            "GET /folders/invitations/list",
            admin.vfolder.invitations,
        )
        accepted = await _first_invitation(admin)
        await r(
            "vfolder_accept_invitation",
            "client.vfolder.accept_invitation(id) (the invitee)",
            "POST /folders/invitations/accept",
            lambda: admin.vfolder.accept_invitation(accepted),
        )
        await r(
            "vfolder_list_invitees",
            "client.vfolder.list_invitees(id)",
            "GET /folders/_/shared",
            lambda: c.vfolder.list_invitees(folder_id),
        )
        await r(
            "vfolder_leave_invited",
            "client.vfolder.leave_invited(name) (the invitee)",
            "POST /folders/{name}/leave",
            lambda: admin.vfolder.leave_invited(folder),
        )
    finally:
        await r(
            "vfolder_delete_by_id",
            "client.vfolder.delete_by_id(id)",
            "DELETE /folders",
            lambda: c.vfolder.delete_by_id(folder_id),
        )
        await r(
            "vfolder_restore_from_trash_bin",
            "client.vfolder.restore_from_trash_bin(id)",
            "POST /folders/restore-from-trash-bin",
            lambda: c.vfolder.restore_from_trash_bin(folder_id),
        )
        await c.vfolder.delete_by_id(folder_id)
        await r(
            "vfolder_purge",
            "client.vfolder.purge(id) (superadmin)",
            "POST /folders/purge",
            lambda: admin.vfolder.purge(folder_id),
        )
        if rec.records["vfolder_purge"].error:
            await c.vfolder.delete_from_trash_bin(folder_id)


async def _first_invitation(invitee: bai.Client) -> str:
    listed = await invitee.vfolder.invitations()
    return str((listed.get("invitations") or [{}])[0].get("id", ""))


async def _record_webserver(rec: Recorder, target: Target) -> None:
    r = rec.call
    async with rec.session() as http:
        async with bai.Client(target.session("user"), "record-shapes", http_session=http) as c:
            await r(
                "login_check_anonymous", "client.check_login() before login", "POST /server/login-check", c.check_login
            )
            await r("login", "client.login()", "POST /server/login", c.login)
            await r("login_check", "client.check_login()", "POST /server/login-check", c.check_login)
            await r(
                "session_mode_version_probe",
                "client.get_server_version() in SESSION mode",
                "GET /func/ (unsigned)",
                c.get_server_version,
            )
            await r("logout", "client.logout()", "POST /server/logout", c.logout)
    wrong = Target(
        target.endpoint,
        target.webserver,
        {"user": {**target.users["user"], "password": "wrong-password"}},
        target.image,
        None,
    )
    async with rec.session() as http:
        async with bai.Client(wrong.session("user"), "record-shapes", http_session=http) as c:
            await r("login_refused", "client.login() with a wrong password", "POST /server/login", c.login)


def write_records(records: dict[str, Record], scrub: Scrubber, out: pathlib.Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, record in sorted(records.items()):
        text = json.dumps(record.to_json(scrub), indent=2, sort_keys=False, ensure_ascii=False)
        (out / f"{name}.json").write_text(text + "\n")


def load_recorded(version: str) -> dict[str, dict[str, Any]]:
    """The stored recordings of a manager version, by call name."""
    folder = SHAPES_ROOT / version
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


def compare(stored: dict[str, dict[str, Any]], records: dict[str, Record]) -> Iterator[str]:
    """Every difference between stored recordings and fresh ones: status, content type, shape."""
    for name in sorted(stored.keys() | records.keys()):
        if name not in records:
            yield f"{name}: not recorded now"
            continue
        if name not in stored:
            yield f"{name}: not in the stored recordings"
            continue
        old, new = stored[name], records[name]
        status = new.exchange.status if new.exchange else None
        if old.get("status") != status:
            yield f"{name}: status {old.get('status')} recorded, {status} now"
        content_type = new.exchange.content_type if new.exchange else None
        if old.get("content_type") != content_type:
            yield f"{name}: content type {old.get('content_type')} recorded, {content_type} now"
        volatile = tuple(old.get("volatile", {}))
        for diff in differences(old["shape"], new.shape(), exact=True):  # a drift of the server
            if not any(diff.startswith((path + ".", path + ":", path + "[")) for path in volatile):
                yield f"{name}: {diff}"
        if isinstance(old.get("sample"), dict) and old.get("status", 0) >= 400:
            now = new.parsed() if isinstance(new.parsed(), dict) else {}
            for key in ("type", "title"):
                if old["sample"].get(key) != now.get(key):
                    yield f"{name}: {key} {old['sample'].get(key)!r} recorded, {now.get(key)!r} now"


async def record_fake() -> dict[str, Record]:
    """The same calls against today's ``FakeManager`` (default settings) on loopback."""
    from backendai_async.testing import DEFAULT_KEYPAIRS, DEFAULT_USERS, FakeManager

    async with FakeManager() as fake:
        users = {}
        for role, (email, (password, key)) in zip(("superadmin", "user"), DEFAULT_USERS.items(), strict=True):
            secret = next(kp.secret_key for kp in DEFAULT_KEYPAIRS if kp.access_key == key)
            users[role] = {"email": email, "password": password, "access_key": key, "secret_key": secret}
        target = Target(str(fake.url), str(fake.url), users, "cr.backend.ai/stable/python:3.9-ubuntu20.04", None)
        records, _ = await record_all(target)
    return records


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--fake", action="store_true", help="record a FakeManager and print its differences")
    parser.add_argument("--version", default="26.9.6", help="the stored recordings to compare with (--fake)")
    args = parser.parse_args()
    if args.fake:
        for line in compare(load_recorded(args.version), asyncio.run(record_fake())):
            print(line)
        return 0
    info_path = os.environ.get("BACKENDAI_STACK_INFO")
    if not info_path:
        print("set BACKENDAI_STACK_INFO (tests/integration/run.sh with BAI_STACK_KEEP=1)", file=sys.stderr)
        return 2
    gen = json.loads(pathlib.Path(info_path).read_text())["generations"]["26.09"]
    records, scrub = asyncio.run(record_all(Target.from_stack(gen)))
    version = gen["hello"]["manager"]
    write_records(records, scrub, SHAPES_ROOT / version)
    print(f"wrote {len(records)} recordings to tests/data/shapes/{version}/")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
