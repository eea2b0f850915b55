"""The FakeManager's virtual folders: the ``/folders`` routes, in front of the storage proxy of
``fake_storage`` (requests that reach it are in ``storage_requests``). Folders and their files live
in memory. Servers before 20.09 get the legacy routes instead (the manager's own tus,
``download_single``).
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from aiohttp import web
from yarl import URL

from ._http import Call, Problem, RecordedRequest, flag, pick
from ._state import ManagerState
from ._vfolder_shapes import describe_folder, folder_info
from .fake_storage import HOST, TUS, FakeFolder, StorageProxy, TransferFault, Upload, range_start, zip_folder

__all__ = ["FakeFolder", "TransferFault", "VFolderService"]

_Handler = Callable[[Call, dict[str, str]], web.StreamResponse]


def _token(payload: dict[str, Any]) -> str:
    """Opaque, JWT-shaped."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(payload)}.{secrets.token_urlsafe(16)}"


def _not_found(what: str = "Virtual folder not found.") -> Problem:
    return Problem(404, "object-not-found", title=what, error_code="vfolder_read_not-found")


def _bad(msg: str) -> Problem:
    return Problem(400, "generic-bad-request", msg)


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

    def __init__(self, manager: ManagerState) -> None:
        self.manager = manager
        #: folders by id
        self.folders: dict[str, FakeFolder] = {}
        #: the storage proxy (uploads and downloads go there from 20.09 on)
        self.proxy = StorageProxy()

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def storage_url(self) -> URL:
        """The storage proxy's client-facing root URL."""
        return self.proxy.url

    @property
    def storage_requests(self) -> list[RecordedRequest]:
        """Requests that reached the storage proxy (bodies not kept)."""
        return self.proxy.requests

    async def start(self, host: str = "127.0.0.1") -> None:
        await self.proxy.start(host)

    async def close(self) -> None:
        await self.proxy.close()

    def inject(self, fault: TransferFault) -> None:
        """Arm a mid-body connection drop on the storage proxy."""
        self.proxy.inject(fault)

    # -- helpers ---------------------------------------------------------------------------

    def folder(self, owner: str, name: str) -> FakeFolder:
        """The caller's folder by name or id (ready or in the trash)."""
        for folder in self.folders.values():
            if folder.owner == owner and name in (folder.name, folder.id) and folder.status != "delete-complete":
                return folder
        if self.manager.generation.at_least("26.9"):  # measured on 26.9.6
            raise Problem(
                404, "object-not-found", title="No such virtual folder.", data=name, error_code="vfolder_read_not-found"
            )
        raise _not_found()

    def _id_by_name(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        """``GET /folders/_/id`` with a JSON body ``{"name"}`` (the official client's lookup by name);
        the manager reads only the body: a query string alone is a malformed body."""
        if not isinstance(call.json, dict):
            raise Problem(
                400,
                "generic-bad-request",
                f"Malformed body - URL: {call.raw_path}, Method: GET",
                title="Malformed request body.",
                error_code="api_parsing_bad-request",
            )
        name = call.json.get("name")
        if not isinstance(name, str):
            raise _bad("name is required")
        folder = self.folder(self._caller(call), name)
        return web.json_response({"id": str(uuid.UUID(folder.id)), "name": folder.name})

    def _by_id(self, owner: str, body: Any, *keys: str) -> FakeFolder:
        ref = pick(body if isinstance(body, dict) else {}, *keys)
        if not isinstance(ref, str):
            raise _bad(f"{keys[0]} is required")
        ref = ref.replace("-", "")
        for folder in self.folders.values():
            if folder.owner == owner and folder.id == ref:
                return folder
        raise _not_found()

    @property
    def _measured(self) -> bool:
        """Answer with the keys and types recorded on 26.9.6."""
        return self.manager.generation.at_least("26.9")

    def _email(self, access_key: str) -> str:
        return next((email for email, (_, key) in self.manager.users.items() if key == access_key), access_key)

    def _describe(self, folder: FakeFolder, *, listing: bool = False) -> dict[str, Any]:
        email = self._email(folder.owner)
        return describe_folder(folder, email, measured=self._measured, listing=listing)

    def _caller(self, call: Call) -> str:
        assert call.access_key is not None
        return call.access_key

    def _body(self, call: Call) -> dict[str, Any]:
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
            ("GET", f + "/_/id", self._id_by_name, True),
            ("GET", f + "/_/all_hosts", self._hosts, True),
            ("GET", f + "/_/allowed_types", self._allowed_types, True),
            ("GET", f + "/_/shared", self._shared, True),
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

    def _create(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        body = self._body(call)
        name = body.get("name")
        if not isinstance(name, str) or not name or "/" in name:
            raise _bad("name: invalid vfolder name")
        owner = self._caller(call)
        if any(f.owner == owner and f.name == name and f.status != "delete-complete" for f in self.folders.values()):
            if self._measured:
                raise Problem(
                    400,
                    "invalid-api-params",
                    "The virtual folder already exists with the same name. "
                    f"(VFolder with the given name already exists. ({name}))",
                    error_code="api_generic_invalid-parameters",
                )
            raise _bad(f"VFolder with the given name already exists ({name})")
        folder = FakeFolder(
            id=uuid.uuid4().hex,
            name=name,
            owner=owner,
            host=str(body.get("host") or HOST),
            usage_mode=str(body.get("usage_mode", "general")),
            permission=str(body.get("permission", "rw")),
            cloneable=flag(body.get("cloneable", False)),
            group=pick(body, "group", "group_id", "groupId"),
        )
        self.folders[folder.id] = folder
        return web.json_response(self._describe(folder), status=201)

    def _list(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        owner = self._caller(call)
        group = call.query.get("group_id") or call.query.get("groupId")
        folders = [f for f in self.folders.values() if f.owner == owner and (group is None or f.group == group)]
        return web.json_response([self._describe(f, listing=True) for f in folders])

    def _info(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self.folder(self._caller(call), params["name"])
        if not self._measured:
            return web.json_response(self._describe(folder))
        return web.json_response(folder_info(folder, self._email(folder.owner)))

    def _delete(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        return self._trash(self.folder(self._caller(call), params["name"]))

    def _delete_by_id(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        return self._trash(self._by_id(self._caller(call), call.json, "id", "vfolder_id", "vfolderId"))

    def _trash(self, folder: FakeFolder) -> web.StreamResponse:
        if self.manager.generation.at_least("24.03"):
            folder.status = "delete-pending"
        else:
            del self.folders[folder.id]
        return self._no_content()

    def _no_content(self) -> web.Response:
        """204; 26.9.6 labels the empty body ``application/json``."""
        return web.Response(status=204, content_type="application/json" if self._measured else None)

    def _restore(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self._by_id(self._caller(call), call.json, "vfolder_id", "id", "vfolderId")
        folder.status = "ready"
        return self._no_content()

    def _delete_forever(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self._by_id(self._caller(call), call.json, "vfolder_id", "id", "vfolderId")
        if folder.status != "delete-pending":
            raise _bad("the vfolder is not in the trash bin")
        folder.status, folder.files, folder.dirs = "delete-complete", {}, set()
        return self._no_content()

    def _purge(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self._by_id(self._caller(call), call.json, "vfolder_id", "id", "vfolderId")
        del self.folders[folder.id]
        return self._no_content()

    def _rename(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self.folder(self._caller(call), params["name"])
        new_name = self._body(call).get("new_name")
        if not isinstance(new_name, str) or not new_name:
            raise _bad("new_name is required")
        folder.name = new_name
        return web.json_response({"msg": ""}) if self._measured else web.Response(status=201)

    def _update_options(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self.folder(self._caller(call), params["name"])
        body = self._body(call)
        if "cloneable" in body:
            folder.cloneable = flag(body["cloneable"])
        if "permission" in body:
            folder.permission = str(body["permission"])
        return web.Response(status=201)

    def _clone(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
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

    def _hosts(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        info: dict[str, Any] = {"backend": "vfs", "capabilities": ["vfolder"], "usage": {"percentage": 1.0}}
        if not self._measured:
            return web.json_response({"default": HOST, "allowed": [HOST], "volume_info": {HOST: info}})
        if call.path.endswith(("all-hosts", "all_hosts")):
            return web.json_response({"default": HOST, "allowed": [HOST]})
        info["sftp_scaling_groups"] = []
        return web.json_response({"default": HOST, "allowed": [HOST], "volume_info": {HOST: info}})

    def _allowed_types(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        return web.json_response(["user", "group"])

    def _quota(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        return web.json_response({"data": {"used_bytes": 0, "limit_bytes": 0}})

    def _invitations(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        return web.json_response({"invitations": []})

    def _shared(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        return web.json_response({"shared": []})

    def _ok(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        return web.json_response({})

    # -- file handlers ---------------------------------------------------------------------

    def _files(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
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
                    "mode": (0o100644 if is_file else 0o40755)
                    if self._measured
                    else ("-rw-r--r--" if is_file else "drwxr-xr-x"),
                    "created": now,
                    "modified": now,
                }
            )
        if self._measured:
            return web.json_response({"items": items})
        return web.json_response({"items": items, "files": json.dumps(items)})

    def _mkdir(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self.folder(self._caller(call), params["name"])
        body = self._body(call)
        paths = body.get("path")
        parents, exist_ok = flag(body.get("parents", True)), flag(body.get("exist_ok", False))
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
        if self._measured:
            measured = {key: [{"msg": item.get("msg"), "item": item["item"]} for item in items]
                        for key, items in results.items()}  # fmt: skip
            return web.json_response({"results": measured}, status=207 if results["failed"] else 200)
        return web.json_response(results, status=207 if results["failed"] else 201)

    def _rename_file(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self.folder(self._caller(call), params["name"])
        body = self._body(call)
        src = _clean(body.get("target_path"))
        new_name = body.get("new_name")
        if not isinstance(new_name, str) or "/" in new_name or not new_name:
            raise _bad("new_name must be a name")
        parent = src.rpartition("/")[0]
        self._relocate(folder, src, f"{parent}/{new_name}" if parent else new_name)
        return web.json_response({"msg": ""} if self._measured else {})

    def _move_file(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self.folder(self._caller(call), params["name"])
        body = self._body(call)
        src, dst = _clean(body.get("src")), _clean(body.get("dst"))
        if dst in folder.dirs:
            dst = f"{dst}/{src.rpartition('/')[2]}"
        self._relocate(folder, src, dst)
        return web.json_response({})

    def _relocate(self, folder: FakeFolder, src: str, dst: str) -> None:
        if not src or not folder.exists(src):
            if self._measured:  # 26.9.6: the storage proxy's refusal, relayed as a 400
                raise Problem(400, "vfolder-operation-failed")
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

    def _delete_files(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self.folder(self._caller(call), params["name"])
        body = self._body(call)
        recursive = flag(body.get("recursive", False))
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
        return web.json_response({"msg": ""} if self._measured else {})

    # -- transfer sessions -----------------------------------------------------------------

    def _request_upload(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self.folder(self._caller(call), params["name"])
        body = self._body(call)
        path, size = _clean(body.get("path")), body.get("size")
        if not path or not isinstance(size, int) or size < 0:
            raise _bad("path and size are required")
        token = _token({"op": "upload", "vfid": folder.id, "relpath": path, "size": size})
        self.proxy.uploads[token] = Upload(folder, path, size)
        if not self.manager.generation.at_least("20.09"):
            return web.json_response({"token": token})
        return web.json_response({"token": token, "url": str(self.storage_url / "upload")})

    def _request_download(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self.folder(self._caller(call), params["name"])
        body = self._body(call)
        path = _clean(pick(body, "path", "file"))
        if not folder.exists(path):
            raise _not_found("No such file.")
        token = _token({"op": "download", "vfid": folder.id, "relpath": path})
        self.proxy.downloads[token] = (folder, path, flag(body.get("archive", False)))
        if not self.manager.generation.at_least("20.09"):
            return web.json_response({"token": token})
        return web.json_response({"token": token, "url": str(self.storage_url / "download")})

    # -- legacy transfers on the manager (before 20.09) ------------------------------------

    def _legacy_tus(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        upload = self.proxy.pending(params["token"])
        if call.method == "OPTIONS":
            return web.Response(headers={**TUS, "Tus-Version": "1.0.0"})
        if upload is None:
            raise _not_found("No such upload session.")
        if call.method == "PATCH":
            upload.data += call.body
            if len(upload.data) >= upload.size:
                self.proxy.finish(upload)
        headers = {**TUS, "Upload-Offset": str(len(upload.data)), "Upload-Length": str(upload.size)}
        return web.Response(status=204 if call.method == "PATCH" else 200, headers=headers)

    def _download_single(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        folder = self.folder(self._caller(call), params["name"])
        path = _clean(call.query.get("file"))
        return self._serve_whole(call, folder, path, flag(call.query.get("archive", False)))

    def _download_with_token(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        entry = self.proxy.downloads.get(call.query.get("token", ""))
        if entry is None:
            raise _bad("Could not validate the download token.")
        folder, path, archive = entry
        return self._serve_whole(call, folder, path, archive)

    def _serve_whole(self, call: Call, folder: FakeFolder, path: str, archive: bool) -> web.StreamResponse:
        if path not in folder.files:
            if archive and folder.exists(path):
                return web.Response(body=zip_folder(folder, path), content_type="application/zip")
            raise _not_found("The file is not found.")
        data = bytes(folder.files[path])
        start = range_start(call.headers.get("Range"))
        if start is None:
            return web.Response(body=data, content_type="application/octet-stream")
        if start >= len(data):
            return web.Response(status=416, headers={"Content-Range": f"bytes */{len(data)}"})
        headers = {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"}
        return web.Response(status=206, body=data[start:], headers=headers, content_type="application/octet-stream")
