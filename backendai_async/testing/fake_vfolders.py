"""The FakeManager's virtual folders: the ``/folders`` routes and a storage proxy.

The storage proxy is a second ``aiohttp.web`` app on its own loopback port, as in a real
deployment: the manager hands out its URL with a token, and what reaches it (no credentials) is
recorded apart in ``storage_requests``. It speaks tus 1.0.0 without the creation step
(``OPTIONS``/``HEAD``/``PATCH /upload``) and serves ``GET /download`` with ``Range`` and zip
archives. ``TransferFault`` drops its connection mid-body. Folders and their files live in memory.
Servers before 20.09 get the legacy routes instead (the manager's own tus, ``download_single``).
"""

from __future__ import annotations

import base64
import io
import json
import secrets
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from aiohttp import web
from multidict import CIMultiDict, MultiDict
from yarl import URL

from .fake_manager import RecordedRequest, _Call, _drop, _flag, _pick, _Problem

if TYPE_CHECKING:
    from .fake_manager import FakeManager

__all__ = ["FakeFolder", "TransferFault", "VFolderService"]

HOST = "local:volume1"
TUS = {"Tus-Resumable": "1.0.0"}
_Handler = Callable[[_Call, dict[str, str]], web.StreamResponse]


@dataclass
class FakeFolder:
    """A virtual folder: ``files`` maps a path to its bytes, ``dirs`` holds directory paths."""

    id: str
    name: str
    owner: str
    host: str = HOST
    usage_mode: str = "general"
    permission: str = "rw"
    cloneable: bool = False
    group: str | None = None
    status: str = "ready"
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())
    files: dict[str, bytearray] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=set)

    def exists(self, path: str) -> bool:
        return path in self.files or path in self.dirs or path == ""

    def add_parents(self, path: str) -> None:
        parts = path.split("/")[:-1]
        self.dirs.update("/".join(parts[: i + 1]) for i in range(len(parts)))


@dataclass(frozen=True, kw_only=True)
class TransferFault:
    """Drop the storage proxy's connection mid-body: ``PATCH`` after reading ``after`` bytes of
    the request (the partial bytes are discarded, as the real proxy does), ``GET`` after sending
    ``after`` bytes of the file. Used ``times`` times (None: always)."""

    method: str
    after: int
    times: int | None = 1


@dataclass
class _Upload:
    folder: FakeFolder
    path: str
    size: int
    data: bytearray = field(default_factory=bytearray)


def _token(payload: dict[str, Any]) -> str:
    """Opaque, JWT-shaped."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(payload)}.{secrets.token_urlsafe(16)}"


def _not_found(what: str = "Virtual folder not found.") -> _Problem:
    return _Problem(404, "object-not-found", title=what, error_code="vfolder_read_not-found")


def _bad(msg: str) -> _Problem:
    return _Problem(400, "generic-bad-request", msg)


def _clean(path: Any) -> str:
    """A path inside a folder, normalised; escaping it is an error."""
    if not isinstance(path, str):
        raise _bad("path must be a string")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise _bad("the path escapes the folder")
    return "/".join(parts)


class VFolderService:
    """Folder state, manager routes and the storage proxy of one ``FakeManager``."""

    def __init__(self, manager: FakeManager) -> None:
        self.manager = manager
        #: folders by id
        self.folders: dict[str, FakeFolder] = {}
        #: requests that reached the storage proxy (bodies not kept)
        self.storage_requests: list[RecordedRequest] = []
        self._faults: list[list[Any]] = []  # [fault, remaining]
        self._uploads: dict[str, _Upload] = {}
        self._downloads: dict[str, tuple[FakeFolder, str, bool]] = {}
        self._runner: web.AppRunner | None = None
        self._url: URL | None = None

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def storage_url(self) -> URL:
        """The storage proxy's client-facing root URL."""
        if self._url is None:
            raise RuntimeError("the storage proxy is not started")
        return self._url

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._storage_entry)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=0.1)
        await runner.setup()
        try:
            await web.TCPSite(runner, "127.0.0.1", 0).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        host, port = runner.addresses[0][:2]
        self._url = URL.build(scheme="http", host=host, port=port)

    async def close(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    def inject(self, fault: TransferFault) -> None:
        """Arm a mid-body connection drop on the storage proxy."""
        self._faults.append([fault, fault.times])

    def _take_fault(self, method: str) -> TransferFault | None:
        for armed in self._faults:
            fault: TransferFault = armed[0]
            if fault.method.upper() == method:
                if armed[1] is not None:
                    armed[1] -= 1
                    if armed[1] <= 0:
                        self._faults.remove(armed)
                return fault
        return None

    # -- helpers ---------------------------------------------------------------------------

    def folder(self, owner: str, name: str) -> FakeFolder:
        """The caller's folder by name or id (ready or in the trash)."""
        for folder in self.folders.values():
            if folder.owner == owner and name in (folder.name, folder.id) and folder.status != "delete-complete":
                return folder
        raise _not_found()

    def _by_id(self, owner: str, body: Any, *keys: str) -> FakeFolder:
        ref = _pick(body if isinstance(body, dict) else {}, *keys)
        if not isinstance(ref, str):
            raise _bad(f"{keys[0]} is required")
        ref = ref.replace("-", "")
        for folder in self.folders.values():
            if folder.owner == owner and folder.id == ref:
                return folder
        raise _not_found()

    def _owner_uuid(self, access_key: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"user:{access_key}"))

    def _describe(self, folder: FakeFolder) -> dict[str, Any]:
        user = self._owner_uuid(folder.owner)
        return {
            "id": folder.id,
            "name": folder.name,
            "quota_scope_id": f"user:{user}",
            "host": folder.host,
            "status": folder.status,
            "usage_mode": folder.usage_mode,
            "permission": folder.permission,
            "created_at": folder.created_at,
            "is_owner": True,
            "user": user,
            "group": folder.group,
            "creator": folder.owner,
            "user_email": None,
            "group_name": None,
            "ownership_type": "group" if folder.group else "user",
            "type": "group" if folder.group else "user",
            "cloneable": folder.cloneable,
            "max_files": 0,
            "max_size": 0,
            "cur_size": sum(len(b) for b in folder.files.values()),
        }

    def _caller(self, call: _Call) -> str:
        assert call.access_key is not None
        return call.access_key

    def _body(self, call: _Call) -> dict[str, Any]:
        if not isinstance(call.json, dict):
            raise _bad(f"Malformed body - URL: {call.path}")
        return call.json

    # -- routes ----------------------------------------------------------------------------

    def routes(self) -> list[tuple[str, str, _Handler, bool]]:
        """``(method, path template, handler, needs auth)`` for this generation."""
        gen = self.manager.generation
        f = "/folders"
        table: list[tuple[str, str, _Handler, bool]] = [
            ("POST", f, self._create, True),
            ("GET", f, self._list, True),
            ("DELETE", f, self._delete_by_id, True),
            ("GET", f + "/_/hosts", self._hosts, True),
            ("GET", f + "/_/all_hosts", self._hosts, True),
            ("GET", f + "/_/allowed_types", self._allowed_types, True),
            ("GET", f + "/_/shared", self._empty_list, True),
            ("POST", f + "/_/shared", self._ok, True),
            ("GET", f + "/_/quota", self._quota, True),
            ("POST", f + "/_/quota", self._quota, True),
            ("GET", f + "/invitations/list", self._invitations, True),
            ("POST", f + "/invitations/accept", self._ok, True),
            ("DELETE", f + "/invitations/delete", self._ok, True),
            ("GET", f + "/{name}", self._info, True),
            ("DELETE", f + "/{name}", self._delete, True),
            ("POST", f + "/{name}/rename", self._rename, True),
            ("GET", f + "/{name}/files", self._files, True),
            ("POST", f + "/{name}/mkdir", self._mkdir, True),
            ("POST", f + "/{name}/rename_file", self._rename_file, True),
            ("DELETE", f + "/{name}/delete_files", self._delete_files, True),
            ("POST", f + "/{name}/invite", self._ok, True),
            ("POST", f + "/{name}/leave", self._ok, True),
            ("POST", f + "/{name}/share", self._ok, True),
            ("DELETE", f + "/{name}/unshare", self._ok, True),
        ]
        if gen.at_least("20.09"):
            table += [
                ("GET", f + "/_/all-hosts", self._hosts, True),
                ("GET", f + "/_/allowed-types", self._allowed_types, True),
                ("POST", f + "/{name}/update-options", self._update_options, True),
                ("POST", f + "/{name}/clone", self._clone, True),
                ("POST", f + "/{name}/rename-file", self._rename_file, True),
                ("POST", f + "/{name}/move-file", self._move_file, True),
                ("DELETE", f + "/{name}/delete-files", self._delete_files, True),
                ("POST", f + "/{name}/request-upload", self._request_upload, True),
                ("POST", f + "/{name}/request-download", self._request_download, True),
            ]
        else:
            table += [
                ("POST", f + "/{name}/create_upload_session", self._request_upload, True),
                ("POST", f + "/{name}/request_download", self._request_download, True),
                ("GET", f + "/{name}/download_single", self._download_single, True),
                ("GET", f + "/_/download_with_token", self._download_with_token, False),
                *[(m, f + "/_/tus/upload/{token}", self._legacy_tus, False) for m in ("OPTIONS", "HEAD", "PATCH")],
            ]
        if gen.at_least("24.03"):
            table += [
                ("POST", f + "/restore-from-trash-bin", self._restore, True),
                ("POST", f + "/delete-from-trash-bin", self._delete_forever, True),
                ("POST", f + "/purge", self._purge, True),
            ]
        if gen.at_least("24.09"):
            table.append(("POST", f + "/{name}/delete-files", self._delete_files, True))
        return table

    # -- folder handlers -------------------------------------------------------------------

    def _create(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        body = self._body(call)
        name = body.get("name")
        if not isinstance(name, str) or not name or "/" in name:
            raise _bad("name: invalid vfolder name")
        owner = self._caller(call)
        if any(f.owner == owner and f.name == name and f.status != "delete-complete" for f in self.folders.values()):
            raise _bad(f"VFolder with the given name already exists ({name})")
        folder = FakeFolder(
            id=uuid.uuid4().hex,
            name=name,
            owner=owner,
            host=str(body.get("host") or HOST),
            usage_mode=str(body.get("usage_mode", "general")),
            permission=str(body.get("permission", "rw")),
            cloneable=_flag(body.get("cloneable", False)),
            group=_pick(body, "group", "group_id", "groupId"),
        )
        self.folders[folder.id] = folder
        return web.json_response(self._describe(folder), status=201)

    def _list(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        owner = self._caller(call)
        group = call.query.get("group_id") or call.query.get("groupId")
        folders = [f for f in self.folders.values() if f.owner == owner and (group is None or f.group == group)]
        return web.json_response([self._describe(f) for f in folders])

    def _info(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        return web.json_response(self._describe(self.folder(self._caller(call), params["name"])))

    def _delete(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        return self._trash(self.folder(self._caller(call), params["name"]))

    def _delete_by_id(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        return self._trash(self._by_id(self._caller(call), call.json, "id", "vfolder_id", "vfolderId"))

    def _trash(self, folder: FakeFolder) -> web.StreamResponse:
        if self.manager.generation.at_least("24.03"):
            folder.status = "delete-pending"
        else:
            del self.folders[folder.id]
        return web.Response(status=204)

    def _restore(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self._by_id(self._caller(call), call.json, "vfolder_id", "id", "vfolderId")
        folder.status = "ready"
        return web.Response(status=204)

    def _delete_forever(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self._by_id(self._caller(call), call.json, "vfolder_id", "id", "vfolderId")
        if folder.status != "delete-pending":
            raise _bad("the vfolder is not in the trash bin")
        folder.status, folder.files, folder.dirs = "delete-complete", {}, set()
        return web.Response(status=204)

    def _purge(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self._by_id(self._caller(call), call.json, "vfolder_id", "id", "vfolderId")
        del self.folders[folder.id]
        return web.Response(status=204)

    def _rename(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self.folder(self._caller(call), params["name"])
        new_name = self._body(call).get("new_name")
        if not isinstance(new_name, str) or not new_name:
            raise _bad("new_name is required")
        folder.name = new_name
        return web.Response(status=201)

    def _update_options(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self.folder(self._caller(call), params["name"])
        body = self._body(call)
        if "cloneable" in body:
            folder.cloneable = _flag(body["cloneable"])
        if "permission" in body:
            folder.permission = str(body["permission"])
        return web.Response(status=201)

    def _clone(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        source = self.folder(self._caller(call), params["name"])
        body = self._body(call)
        if not source.cloneable:
            raise _bad("The source vfolder is not permitted to be cloned.")
        clone = FakeFolder(
            id=uuid.uuid4().hex,
            name=str(body.get("target_name")),
            owner=source.owner,
            host=str(body.get("target_host") or source.host),
            files={k: bytearray(v) for k, v in source.files.items()},
            dirs=set(source.dirs),
        )
        self.folders[clone.id] = clone
        return web.json_response(self._describe(clone), status=201)

    def _hosts(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        info = {HOST: {"backend": "vfs", "capabilities": ["vfolder"], "usage": {"percentage": 1.0}}}
        return web.json_response({"default": HOST, "allowed": [HOST], "volume_info": info})

    def _allowed_types(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        return web.json_response(["user", "group"])

    def _quota(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        return web.json_response({"data": {"used_bytes": 0, "limit_bytes": 0}})

    def _invitations(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        return web.json_response({"invitations": []})

    def _empty_list(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        return web.json_response([])

    def _ok(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        return web.json_response({})

    # -- file handlers ---------------------------------------------------------------------

    def _files(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self.folder(self._caller(call), params["name"])
        base = _clean(call.query.get("path", ""))
        if not folder.exists(base) or base in folder.files:
            raise _not_found("No such file or directory.")
        prefix = base + "/" if base else ""
        now = datetime.now(timezone.utc).isoformat()
        items = []
        for path in sorted(folder.dirs | set(folder.files)):
            rest = path[len(prefix) :] if path.startswith(prefix) else None
            if not rest or "/" in rest:
                continue
            is_file = path in folder.files
            items.append(
                {
                    "name": rest,
                    "type": "FILE" if is_file else "DIRECTORY",
                    "size": len(folder.files[path]) if is_file else 4096,
                    "mode": "-rw-r--r--" if is_file else "drwxr-xr-x",
                    "created": now,
                    "modified": now,
                }
            )
        return web.json_response({"items": items, "files": json.dumps(items)})

    def _mkdir(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self.folder(self._caller(call), params["name"])
        body = self._body(call)
        paths = body.get("path")
        parents, exist_ok = _flag(body.get("parents", True)), _flag(body.get("exist_ok", False))
        results: dict[str, list[dict[str, str]]] = {"success": [], "failed": []}
        for raw in paths if isinstance(paths, list) else [paths]:
            path = _clean(raw)
            parent = path.rpartition("/")[0]
            if path in folder.files or (path in folder.dirs and not exist_ok):
                results["failed"].append({"item": path, "msg": "already exists"})
            elif parent and parent not in folder.dirs and not parents:
                results["failed"].append({"item": path, "msg": "no parent directory"})
            else:
                folder.add_parents(path)
                folder.dirs.add(path)
                results["success"].append({"item": path})
        if results["failed"] and not results["success"] and not isinstance(paths, list):
            raise _bad(results["failed"][0]["msg"])
        return web.json_response(results, status=207 if results["failed"] else 201)

    def _rename_file(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self.folder(self._caller(call), params["name"])
        body = self._body(call)
        src = _clean(body.get("target_path"))
        new_name = body.get("new_name")
        if not isinstance(new_name, str) or "/" in new_name or not new_name:
            raise _bad("new_name must be a name")
        parent = src.rpartition("/")[0]
        self._relocate(folder, src, f"{parent}/{new_name}" if parent else new_name)
        return web.json_response({})

    def _move_file(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self.folder(self._caller(call), params["name"])
        body = self._body(call)
        src, dst = _clean(body.get("src")), _clean(body.get("dst"))
        if dst in folder.dirs:
            dst = f"{dst}/{src.rpartition('/')[2]}"
        self._relocate(folder, src, dst)
        return web.json_response({})

    def _relocate(self, folder: FakeFolder, src: str, dst: str) -> None:
        if not src or not folder.exists(src):
            raise _not_found("No such file or directory.")
        if folder.exists(dst):
            raise _bad(f"{dst} already exists")
        folder.add_parents(dst)
        if src in folder.files:
            folder.files[dst] = folder.files.pop(src)
            return
        for path in [p for p in folder.files if p.startswith(src + "/")]:
            folder.files[dst + path[len(src) :]] = folder.files.pop(path)
        for path in [p for p in folder.dirs if p == src or p.startswith(src + "/")]:
            folder.dirs.discard(path)
            folder.dirs.add(dst + path[len(src) :])

    def _delete_files(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self.folder(self._caller(call), params["name"])
        body = self._body(call)
        recursive = _flag(body.get("recursive", False))
        for raw in body.get("files") or []:
            path = _clean(raw)
            if path in folder.files:
                del folder.files[path]
            elif path in folder.dirs:
                inside = [p for p in folder.files if p.startswith(path + "/")] + [
                    p for p in folder.dirs if p.startswith(path + "/")
                ]
                if inside and not recursive:
                    raise _bad(f"{path} is a non-empty directory: use recursive")
                for p in inside:
                    folder.files.pop(p, None)
                    folder.dirs.discard(p)
                folder.dirs.discard(path)
            else:
                raise _not_found("No such file or directory.")
        return web.json_response({})

    # -- transfer sessions -----------------------------------------------------------------

    def _request_upload(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self.folder(self._caller(call), params["name"])
        body = self._body(call)
        path, size = _clean(body.get("path")), body.get("size")
        if not path or not isinstance(size, int) or size < 0:
            raise _bad("path and size are required")
        token = _token({"op": "upload", "vfid": folder.id, "relpath": path, "size": size})
        self._uploads[token] = _Upload(folder, path, size)
        if not self.manager.generation.at_least("20.09"):
            return web.json_response({"token": token})
        return web.json_response({"token": token, "url": str(self.storage_url / "upload")})

    def _request_download(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self.folder(self._caller(call), params["name"])
        body = self._body(call)
        path = _clean(_pick(body, "path", "file"))
        if not folder.exists(path):
            raise _not_found("No such file.")
        token = _token({"op": "download", "vfid": folder.id, "relpath": path})
        self._downloads[token] = (folder, path, _flag(body.get("archive", False)))
        if not self.manager.generation.at_least("20.09"):
            return web.json_response({"token": token})
        return web.json_response({"token": token, "url": str(self.storage_url / "download")})

    def _finish(self, upload: _Upload) -> None:
        folder = upload.folder
        folder.add_parents(upload.path)
        folder.files[upload.path] = upload.data

    # -- legacy transfers on the manager (before 20.09) ------------------------------------

    def _legacy_tus(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        upload = self._uploads.get(params["token"])
        if call.method == "OPTIONS":
            return web.Response(headers={**TUS, "Tus-Version": "1.0.0"})
        if upload is None:
            raise _not_found("No such upload session.")
        if call.method == "PATCH":
            upload.data += call.body
            if len(upload.data) >= upload.size:
                self._finish(upload)
        headers = {**TUS, "Upload-Offset": str(len(upload.data)), "Upload-Length": str(upload.size)}
        return web.Response(status=204 if call.method == "PATCH" else 200, headers=headers)

    def _download_single(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self.folder(self._caller(call), params["name"])
        path = _clean(call.query.get("file"))
        return self._serve_whole(call, folder, path, _flag(call.query.get("archive", False)))

    def _download_with_token(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        entry = self._downloads.get(call.query.get("token", ""))
        if entry is None:
            raise _bad("Could not validate the download token.")
        folder, path, archive = entry
        return self._serve_whole(call, folder, path, archive)

    def _serve_whole(self, call: _Call, folder: FakeFolder, path: str, archive: bool) -> web.StreamResponse:
        if path not in folder.files:
            if archive and folder.exists(path):
                return web.Response(body=_zip(folder, path), content_type="application/zip")
            raise _not_found("The file is not found.")
        data = bytes(folder.files[path])
        start = _range_start(call.headers.get("Range"))
        if start is None:
            return web.Response(body=data, content_type="application/octet-stream")
        if start >= len(data):
            return web.Response(status=416, headers={"Content-Range": f"bytes */{len(data)}"})
        headers = {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"}
        return web.Response(status=206, body=data[start:], headers=headers, content_type="application/octet-stream")

    # -- the storage proxy -----------------------------------------------------------------

    async def _storage_entry(self, request: web.Request) -> web.StreamResponse:
        self.storage_requests.append(
            RecordedRequest(
                method=request.method,
                raw_path=request.raw_path,
                path=request.path,
                query=MultiDict(request.query),
                headers=CIMultiDict(request.headers),
                body=b"",
                json=None,
            )
        )
        handlers = {
            ("GET", "/"): self._status,
            ("OPTIONS", "/upload"): self._tus_options,
            ("HEAD", "/upload"): self._tus_head,
            ("PATCH", "/upload"): self._tus_patch,
            ("GET", "/download"): self._download,
        }
        handler = handlers.get((request.method, request.path))
        if handler is None:
            return _storage_problem(404, "Not found.")
        return await handler(request)

    async def _status(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({"status": "ok", "type": "client-facing", "storage-proxy": "fake"})

    async def _tus_options(self, request: web.Request) -> web.StreamResponse:
        return web.Response(headers={**TUS, "Tus-Version": "1.0.0", "Tus-Max-Size": str(1 << 40)})

    def _upload_of(self, request: web.Request) -> _Upload | web.Response:
        upload = self._uploads.get(request.query.get("token", ""))
        if upload is None:
            return _storage_problem(404, "Upload session not found.")
        return upload

    async def _tus_head(self, request: web.Request) -> web.StreamResponse:
        upload = self._upload_of(request)
        if isinstance(upload, web.Response):
            return upload
        headers = {**TUS, "Upload-Offset": str(len(upload.data)), "Upload-Length": str(upload.size)}
        return web.Response(headers={**headers, "Cache-Control": "no-store"})

    async def _tus_patch(self, request: web.Request) -> web.StreamResponse:
        upload = self._upload_of(request)
        if isinstance(upload, web.Response):
            return upload
        offset = request.headers.get("Upload-Offset", "")
        if request.headers.get("Tus-Resumable") != "1.0.0":
            return _storage_problem(412, "Tus-Resumable 1.0.0 is required.")
        if request.content_type != "application/offset+octet-stream":
            return _storage_problem(415, "The content type must be application/offset+octet-stream.")
        if not offset.isdigit():
            return _storage_problem(400, "Missing or invalid Upload-Offset header.")
        if int(offset) != len(upload.data):
            return _storage_problem(409, f"Upload offset mismatch: expected {len(upload.data)}, got {offset}")
        fault = self._take_fault("PATCH")
        received = bytearray()
        async for piece in request.content.iter_any():
            received += piece
            if fault is not None and len(received) >= fault.after:
                return _drop(request)  # the partial bytes are lost, as with the real proxy
            if len(upload.data) + len(received) > upload.size:
                return _storage_problem(400, "The upload is longer than its declared size.")
        upload.data += received
        if len(upload.data) >= upload.size:
            self._finish(upload)
        return web.Response(status=204, headers={**TUS, "Upload-Offset": str(len(upload.data))})

    async def _download(self, request: web.Request) -> web.StreamResponse:
        entry = self._downloads.get(request.query.get("token", ""))
        if entry is None:
            return _storage_problem(401, "Invalid or expired token.")
        folder, path, _ = entry
        if path not in folder.files:
            if _flag(request.query.get("archive", False)) and folder.exists(path):
                return web.Response(body=_zip(folder, path), content_type="application/zip")
            return _storage_problem(404, "File not found")
        data = bytes(folder.files[path])
        start = _range_start(request.headers.get("Range"))
        status, headers = 200, {"Accept-Ranges": "bytes", "Content-Type": "application/octet-stream"}
        if start is not None:
            if start >= len(data):
                return web.Response(status=416, headers={"Content-Range": f"bytes */{len(data)}"})
            status = 206
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
            data = data[start:]
        response = web.StreamResponse(status=status, headers=headers)
        response.content_length = len(data)
        await response.prepare(request)
        fault = self._take_fault("GET")
        if fault is not None:
            await response.write(data[: fault.after])
            _drop(request)
            return response
        await response.write(data)
        await response.write_eof()
        return response


def _range_start(header: str | None) -> int | None:
    """The first byte of a ``bytes=N-`` range (the only form clients send here)."""
    if not header or not header.startswith("bytes=") or not header.endswith("-"):
        return None
    first = header[len("bytes=") : -1]
    return int(first) if first.isdigit() else None


def _zip(folder: FakeFolder, path: str) -> bytes:
    buffer = io.BytesIO()
    prefix = path + "/" if path else ""
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in sorted(folder.files.items()):
            if name.startswith(prefix):
                archive.writestr(name[len(prefix) :], bytes(data))
    return buffer.getvalue()


def _storage_problem(status: int, title: str) -> web.Response:
    body = {"type": "https://api.backend.ai/probs/storage/generic", "title": title}
    return web.json_response(body, status=status, content_type="application/problem+json")
