"""``client.vfolder``, the folders themselves: create, list, inspect, rename, delete and the trash bin,
hosts, quota."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from ..pagination import paginated
from .base import listed
from .vfolder_base import VFolderResource

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions
    from ..results import MessageResult, VFolderHosts, VFolderInfo, VFolderItem

__all__ = ["VFolderFolders"]


class VFolderFolders(VFolderResource):
    """Folders: create, list, clone, update, rename, delete, trash bin, hosts, quota."""

    async def list_allowed_types(self, **options: Unpack[CallOptions]) -> list[str]:
        """The folder types this server allows, e.g. ``["user", "group"]``."""
        result: list[str] = await self._send("GET", "/folders/_/allowed_types", **options)
        return result

    async def create(
        self,
        name: str,
        host: str = "",
        group: str = "",
        usage_mode: str = "general",
        permission: str = "rw",
        cloneable: bool = False,
        *,
        unmanaged_path: str | None = None,
        **options: Unpack[CallOptions],
    ) -> VFolderItem:
        """Create a folder; ``group`` (a project id) makes a project folder. Options the server
        does not know raise ``ValueError`` unless left at their defaults."""
        await self._pipeline.negotiate(**options)
        body: dict[str, Any] = {"name": name}
        if host:
            body["host"] = host
        if unmanaged_path:
            body["unmanaged_path"] = unmanaged_path
        gated = (
            ("group", group, "", "group-folder"),
            ("usage_mode", usage_mode, "general", "vfolder-usage-mode"),
            ("permission", permission, "rw", "vfolder-usage-mode"),
            ("cloneable", cloneable, False, "storage-proxy"),
        )
        for key, value, default, feature in gated:
            if self._has(feature):
                if value != "":
                    body[key] = value
            elif value != default:
                raise self._unsupported(feature, repr(key))
        result: VFolderItem = await self._send("POST", "/folders", json=body, **options)
        return result

    async def clone(
        self,
        input: Mapping[str, Any],
        name: str | None = None,
        **options: Unpack[CallOptions],
    ) -> Any:
        """Clone a cloneable folder; ``input`` holds ``target_name``, ``target_host``,
        ``usage_mode``, ``permission``, ``cloneable``."""
        return await self._send("POST", self._folder(name) + "/clone", json=dict(input), **options)

    async def update_folder(
        self,
        input: Mapping[str, Any],
        name: str | None = None,
        **options: Unpack[CallOptions],
    ) -> Any:
        """Change ``cloneable`` and/or ``permission``."""
        path = self._folder(name) + "/update-options"
        return await self._send("POST", path, json=dict(input), **options)

    async def list_hosts(self, group_id: str | None = None, **options: Unpack[CallOptions]) -> VFolderHosts:
        """The usable hosts (``default``, ``allowed``, ``volume_info``); ``group_id`` from 22.03."""
        await self._pipeline.negotiate(**options)
        params = {"group_id": group_id} if group_id and self._has("vfolder-hosts-group") else None
        result: VFolderHosts = await self._send("GET", "/folders/_/hosts", params=params, **options)
        return result

    async def list_all_hosts(self, **options: Unpack[CallOptions]) -> VFolderHosts:
        """Every host (superadmin)."""
        await self._pipeline.negotiate(**options)
        path = "/folders/_/all-hosts" if self._has("storage-proxy") else "/folders/_/all_hosts"
        result: VFolderHosts = await self._send("GET", path, **options)
        return result

    async def info(self, name: str | None = None, **options: Unpack[CallOptions]) -> VFolderInfo:
        """The folder's details: id, host, owner, permission, usage mode, …"""
        result: VFolderInfo = await self._send("GET", self._folder(name), **options)
        return result

    async def rename(self, new_name: str, name: str | None = None, **options: Unpack[CallOptions]) -> MessageResult:
        """Rename the folder (JS renames ``this.name`` only; here ``name`` works too)."""
        path = self._folder(name) + "/rename"
        result: MessageResult = await self._send("POST", path, json={"new_name": new_name}, **options)
        return result

    async def delete(self, name: str | None = None, **options: Unpack[CallOptions]) -> None:
        """Delete by name (newer servers move it to the trash bin)."""
        await self._send("DELETE", self._folder(name), **options)

    async def delete_by_id(self, id: str, **options: Unpack[CallOptions]) -> None:
        """Delete by folder id."""
        await self._send("DELETE", "/folders", json={"id": id}, **options)

    async def restore_from_trash_bin(self, vfolder_id: str, **options: Unpack[CallOptions]) -> None:
        """Bring a deleted folder back (24.03+)."""
        body = {"vfolder_id": vfolder_id}
        await self._send("POST", "/folders/restore-from-trash-bin", json=body, **options)

    async def delete_from_trash_bin(self, vfolder_id: str, **options: Unpack[CallOptions]) -> None:
        """Delete a trashed folder forever: its files go (24.03+)."""
        body = {"vfolder_id": vfolder_id}
        await self._send("POST", "/folders/delete-from-trash-bin", json=body, **options)

    async def purge(self, vfolder_id: str, **options: Unpack[CallOptions]) -> None:
        """Remove a deleted folder's record too (admins; 24.03+)."""
        body = {"vfolder_id": vfolder_id}
        await self._send("POST", "/folders/purge", json=body, **options)

    async def leave_invited(self, name: str | None = None, **options: Unpack[CallOptions]) -> MessageResult:
        """Leave a folder shared with you (26.x refuses the call without a JSON body)."""
        result: MessageResult = await self._send("POST", self._folder(name) + "/leave", json={}, **options)
        return result

    async def get_quota(self, host: str, vfolder_id: str, **options: Unpack[CallOptions]) -> Any:
        """The quota of the folder ``vfolder_id`` on storage ``host`` (``set_quota`` changes it)."""
        params = {"folder_host": host, "id": vfolder_id}
        return await self._send("GET", "/folders/_/quota", params=params, **options)

    async def set_quota(
        self,
        host: str,
        vfolder_id: str,
        quota: int,
        **options: Unpack[CallOptions],
    ) -> Any:
        """Set the quota in bytes."""
        body = {"folder_host": host, "id": vfolder_id, "input": {"size_bytes": quota}}
        return await self._send("POST", "/folders/_/quota", json=body, **options)

    @paginated
    async def list(
        self,
        group_id: str | None = None,
        user_email: str | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[VFolderItem]:
        """Folders you can see; ``group_id`` (project) and ``user_email`` (owner) filter."""
        params: dict[str, str] = {}
        if group_id:
            params["group_id"] = group_id
        if user_email:
            params["owner_user_email"] = user_email
        for item in listed(await self._send("GET", "/folders", params=params or None, **options), "/folders"):
            yield item
