"""``client.vfolder``, files inside a folder: list, make directories, rename, move, delete."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .vfolder_base import VFolderResource

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions
    from ..results import MessageResult, MkdirResult, VFolderFileList

__all__ = ["VFolderFiles"]


class VFolderFiles(VFolderResource):
    """Files and directories inside a folder."""

    async def list_files(
        self,
        path: str = "",
        name: str | None = None,
        **options: Unpack[CallOptions],
    ) -> VFolderFileList:
        """The entries of a directory (``items``: name, type, size, mode, created, modified)."""
        result: VFolderFileList = await self._send(
            "GET", self._folder(name) + "/files", params={"path": path}, **options
        )
        return result

    async def mkdir(
        self,
        path: str | Sequence[str],
        name: str | None = None,
        parents: bool | None = None,
        exist_ok: bool | None = None,
        **options: Unpack[CallOptions],
    ) -> MkdirResult:
        """Create a directory (several at once on servers that take a list); ``parents`` and
        ``exist_ok`` need API v6."""
        await self._pipeline.negotiate(**options)
        body: dict[str, Any] = {"path": path if isinstance(path, str) else builtins.list(path)}
        for key, value in (("parents", parents), ("exist_ok", exist_ok)):
            if value is None:
                continue
            if not self._has("storage-proxy"):
                raise self._unsupported("storage-proxy", repr(key))
            body[key] = value
        result: MkdirResult = await self._send("POST", self._folder(name) + "/mkdir", json=body, **options)
        return result

    async def rename_file(
        self,
        target_path: str,
        new_name: str,
        name: str | None = None,
        is_dir: bool = False,
        **options: Unpack[CallOptions],
    ) -> MessageResult:
        """Rename a file or directory inside the folder (``new_name`` is a name, not a path)."""
        await self._pipeline.negotiate(**options)
        body: dict[str, Any] = {"target_path": target_path, "new_name": new_name}
        if self._has("storage-proxy"):
            body["is_dir"] = is_dir
            path = self._folder(name) + "/rename-file"
        else:
            path = self._folder(name) + "/rename_file"
        result: MessageResult = await self._send("POST", path, json=body, **options)
        return result

    async def move_file(
        self,
        src: str,
        dst: str,
        name: str | None = None,
        **options: Unpack[CallOptions],
    ) -> MessageResult:
        """Move a file or directory inside the folder (API v6.20200815+)."""
        await self._pipeline.negotiate(**options)
        if not self._has("storage-proxy"):
            raise self._unsupported("storage-proxy", "move_file")
        body = {"src": src, "dst": dst}
        result: MessageResult = await self._send("POST", self._folder(name) + "/move-file", json=body, **options)
        return result

    async def delete_files(
        self,
        files: Sequence[str],
        recursive: bool = False,
        name: str | None = None,
        **options: Unpack[CallOptions],
    ) -> MessageResult:
        """Delete files; directories need ``recursive``."""
        await self._pipeline.negotiate(**options)
        body = {"files": builtins.list(files), "recursive": recursive}
        if not self._has("storage-proxy"):
            method, path = "DELETE", "/delete_files"
        elif self._has("vfolder-delete-files-post"):
            method, path = "POST", "/delete-files"
        else:
            method, path = "DELETE", "/delete-files"
        result: MessageResult = await self._send(method, self._folder(name) + path, json=body, **options)
        return result
