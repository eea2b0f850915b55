"""``client.vfolder``: the JavaScript ``VFolder`` (virtual folders, ``/folders``) plus transfers.

Methods keep the JS names (snake_case) and positional order; where JS takes an optional trailing
``name`` it defaults to the object's ``name`` (None on ``client.vfolder``, so pass it). Paths and
bodies follow the negotiated server (gates in ``versions.FEATURES``): ``request-upload`` and the
storage proxy from ``storage-proxy`` (API v6.20200815), the manager's own tus and
``download_single`` before.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from yarl import URL

from ..abort import AbortSignal
from ..transport import StreamResponse
from .pipeline import Pipeline, segment, supports
from .transfer import (
    DEFAULT_CHUNK_SIZE,
    Download,
    OpenAt,
    Progress,
    UploadSource,
    download_to_path,
    tus_upload,
    upload_source,
)

__all__ = ["DEFAULT_CONCURRENCY", "VFolder"]

DEFAULT_CONCURRENCY = 4  #: files uploaded at the same time by ``upload_tree``

_Located = tuple["str | URL", dict[str, str]]  # where a download's GET goes, and its query


class VFolder:
    """Virtual folders of the manager and their files (``client.vfolder``)."""

    def __init__(self, pipeline: Pipeline, name: str | None = None) -> None:
        self._pipeline = pipeline
        self.name = name

    def __repr__(self) -> str:
        return f"VFolder(name={self.name!r})"

    # ---- helpers ---------------------------------------------------------------------------

    def _folder(self, name: str | None) -> str:
        """``/folders/<name>`` for ``name`` or the object's own name."""
        chosen = name if name is not None else self.name
        if chosen is None:
            raise ValueError("which vfolder? pass its name (client.vfolder has none of its own)")
        return f"/folders/{segment(chosen)}"

    async def _gates(self, timeout: float | None, signal: AbortSignal | None) -> None:
        await self._pipeline.negotiate(timeout=timeout, signal=signal)

    def _has(self, feature: str) -> bool:
        return supports(self._pipeline, feature)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | float] | None = None,
        json: Any = None,
        timeout: float | None,
        signal: AbortSignal | None,
    ) -> Any:
        return await self._pipeline.send(method, path, params=params, json=json, timeout=timeout, signal=signal)

    # ---- folders ---------------------------------------------------------------------------

    async def list_allowed_types(self, *, timeout: float | None = None, signal: AbortSignal | None = None) -> Any:
        """The folder types this server allows, e.g. ``["user", "group"]``."""
        return await self._call("GET", "/folders/_/allowed_types", timeout=timeout, signal=signal)

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
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> Any:
        """Create a folder; ``group`` (a project id) makes a project folder. Options the server
        does not know raise ``ValueError`` unless left at their defaults."""
        await self._gates(timeout, signal)
        body: dict[str, Any] = {"name": name}
        if host:
            body["host"] = host
        if unmanaged_path:
            body["unmanaged_path"] = unmanaged_path
        options = (
            ("group", group, "", "group-folder"),
            ("usage_mode", usage_mode, "general", "vfolder-usage-mode"),
            ("permission", permission, "rw", "vfolder-usage-mode"),
            ("cloneable", cloneable, False, "storage-proxy"),
        )
        for key, value, default, feature in options:
            if self._has(feature):
                if value != "":
                    body[key] = value
            elif value != default:
                raise ValueError(f"{key!r} is not supported by API {self._pipeline.api_version}")
        return await self._call("POST", "/folders", json=body, timeout=timeout, signal=signal)

    async def clone(
        self,
        input: Mapping[str, Any],
        name: str | None = None,
        *,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> Any:
        """Clone a cloneable folder; ``input`` holds ``target_name``, ``target_host``,
        ``usage_mode``, ``permission``, ``cloneable``."""
        return await self._call("POST", self._folder(name) + "/clone", json=dict(input), timeout=timeout, signal=signal)

    async def update_folder(
        self,
        input: Mapping[str, Any],
        name: str | None = None,
        *,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> Any:
        """Change ``cloneable`` and/or ``permission``."""
        path = self._folder(name) + "/update-options"
        return await self._call("POST", path, json=dict(input), timeout=timeout, signal=signal)

    async def list_hosts(
        self, group_id: str | None = None, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        """The usable hosts (``default``, ``allowed``, ``volume_info``); ``group_id`` from 22.03."""
        await self._gates(timeout, signal)
        params = {"group_id": group_id} if group_id and self._has("vfolder-hosts-group") else None
        return await self._call("GET", "/folders/_/hosts", params=params, timeout=timeout, signal=signal)

    async def list_all_hosts(self, *, timeout: float | None = None, signal: AbortSignal | None = None) -> Any:
        """Every host (superadmin)."""
        await self._gates(timeout, signal)
        path = "/folders/_/all-hosts" if self._has("storage-proxy") else "/folders/_/all_hosts"
        return await self._call("GET", path, timeout=timeout, signal=signal)

    async def info(
        self, name: str | None = None, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        return await self._call("GET", self._folder(name), timeout=timeout, signal=signal)

    async def rename(
        self, new_name: str, name: str | None = None, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        """Rename the folder (JS renames ``this.name`` only; here ``name`` works too)."""
        path = self._folder(name) + "/rename"
        return await self._call("POST", path, json={"new_name": new_name}, timeout=timeout, signal=signal)

    async def delete(
        self, name: str | None = None, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        """Delete by name (newer servers move it to the trash bin)."""
        return await self._call("DELETE", self._folder(name), timeout=timeout, signal=signal)

    async def delete_by_id(self, id: str, *, timeout: float | None = None, signal: AbortSignal | None = None) -> Any:
        """Delete by folder id."""
        return await self._call("DELETE", "/folders", json={"id": id}, timeout=timeout, signal=signal)

    async def restore_from_trash_bin(
        self, vfolder_id: str, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        """Bring a deleted folder back (24.03+)."""
        body = {"vfolder_id": vfolder_id}
        return await self._call("POST", "/folders/restore-from-trash-bin", json=body, timeout=timeout, signal=signal)

    async def delete_from_trash_bin(
        self, vfolder_id: str, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        """Delete a trashed folder forever: its files go (24.03+)."""
        body = {"vfolder_id": vfolder_id}
        return await self._call("POST", "/folders/delete-from-trash-bin", json=body, timeout=timeout, signal=signal)

    async def purge(self, vfolder_id: str, *, timeout: float | None = None, signal: AbortSignal | None = None) -> Any:
        """Remove a deleted folder's record too (admins; 24.03+)."""
        body = {"vfolder_id": vfolder_id}
        return await self._call("POST", "/folders/purge", json=body, timeout=timeout, signal=signal)

    async def leave_invited(
        self, name: str | None = None, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        """Leave a folder shared with you."""
        return await self._call("POST", self._folder(name) + "/leave", timeout=timeout, signal=signal)

    # ---- invitations and sharing ----------------------------------------------------------

    async def invite(
        self,
        perm: str,
        emails: Sequence[str],
        name: str | None = None,
        *,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> Any:
        body = {"perm": perm, "user_ids": builtins.list(emails)}
        return await self._call("POST", self._folder(name) + "/invite", json=body, timeout=timeout, signal=signal)

    async def invitations(self, *, timeout: float | None = None, signal: AbortSignal | None = None) -> Any:
        """Invitations sent to you."""
        return await self._call("GET", "/folders/invitations/list", timeout=timeout, signal=signal)

    async def accept_invitation(
        self, inv_id: str, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        body = {"inv_id": inv_id}
        return await self._call("POST", "/folders/invitations/accept", json=body, timeout=timeout, signal=signal)

    async def delete_invitation(
        self, inv_id: str, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        body = {"inv_id": inv_id}
        return await self._call("DELETE", "/folders/invitations/delete", json=body, timeout=timeout, signal=signal)

    async def list_invitees(
        self, vfolder_id: str | None = None, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        """Users a folder of yours is shared with (all your folders without ``vfolder_id``)."""
        params = {"vfolder_id": vfolder_id} if vfolder_id else None
        return await self._call("GET", "/folders/_/shared", params=params, timeout=timeout, signal=signal)

    async def modify_invitee_permission(
        self, input: Mapping[str, Any], *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        """``input``: ``{"perm", "user", "vfolder"}``."""
        return await self._call("POST", "/folders/_/shared", json=dict(input), timeout=timeout, signal=signal)

    async def share(
        self,
        permission: str,
        emails: Sequence[str],
        name: str | None = None,
        *,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> Any:
        """Share a project folder with users of the project."""
        body = {"permission": permission, "emails": builtins.list(emails)}
        return await self._call("POST", self._folder(name) + "/share", json=body, timeout=timeout, signal=signal)

    async def unshare(
        self,
        emails: Sequence[str],
        name: str | None = None,
        *,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> Any:
        body = {"emails": builtins.list(emails)}
        return await self._call("DELETE", self._folder(name) + "/unshare", json=body, timeout=timeout, signal=signal)

    # ---- quota ----------------------------------------------------------------------------

    async def get_quota(
        self, host: str, vfolder_id: str, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        params = {"folder_host": host, "id": vfolder_id}
        return await self._call("GET", "/folders/_/quota", params=params, timeout=timeout, signal=signal)

    async def set_quota(
        self,
        host: str,
        vfolder_id: str,
        quota: int,
        *,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> Any:
        """Set the quota in bytes."""
        body = {"folder_host": host, "id": vfolder_id, "input": {"size_bytes": quota}}
        return await self._call("POST", "/folders/_/quota", json=body, timeout=timeout, signal=signal)

    # ---- files ----------------------------------------------------------------------------

    async def list_files(
        self,
        path: str = "",
        name: str | None = None,
        *,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> Any:
        """The entries of a directory (``items``: name, type, size, mode, created, modified)."""
        return await self._call(
            "GET", self._folder(name) + "/files", params={"path": path}, timeout=timeout, signal=signal
        )

    async def mkdir(
        self,
        path: str | Sequence[str],
        name: str | None = None,
        parents: bool | None = None,
        exist_ok: bool | None = None,
        *,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> Any:
        """Create a directory (several at once on servers that take a list); ``parents`` and
        ``exist_ok`` need API v6."""
        await self._gates(timeout, signal)
        body: dict[str, Any] = {"path": path if isinstance(path, str) else builtins.list(path)}
        for key, value in (("parents", parents), ("exist_ok", exist_ok)):
            if value is None:
                continue
            if not self._has("storage-proxy"):
                raise ValueError(f"{key!r} is not supported by API {self._pipeline.api_version}")
            body[key] = value
        return await self._call("POST", self._folder(name) + "/mkdir", json=body, timeout=timeout, signal=signal)

    async def rename_file(
        self,
        target_path: str,
        new_name: str,
        name: str | None = None,
        is_dir: bool = False,
        *,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> Any:
        """Rename a file or directory inside the folder (``new_name`` is a name, not a path)."""
        await self._gates(timeout, signal)
        body: dict[str, Any] = {"target_path": target_path, "new_name": new_name}
        if self._has("storage-proxy"):
            body["is_dir"] = is_dir
            path = self._folder(name) + "/rename-file"
        else:
            path = self._folder(name) + "/rename_file"
        return await self._call("POST", path, json=body, timeout=timeout, signal=signal)

    async def move_file(
        self,
        src: str,
        dst: str,
        name: str | None = None,
        *,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> Any:
        """Move a file or directory inside the folder (API v6.20200815+)."""
        await self._gates(timeout, signal)
        if not self._has("storage-proxy"):
            raise ValueError(f"move_file is not supported by API {self._pipeline.api_version}")
        body = {"src": src, "dst": dst}
        return await self._call("POST", self._folder(name) + "/move-file", json=body, timeout=timeout, signal=signal)

    async def delete_files(
        self,
        files: Sequence[str],
        recursive: bool = False,
        name: str | None = None,
        *,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> Any:
        """Delete files; directories need ``recursive``."""
        await self._gates(timeout, signal)
        body = {"files": builtins.list(files), "recursive": recursive}
        if not self._has("storage-proxy"):
            method, path = "DELETE", "/delete_files"
        elif self._has("vfolder-delete-files-post"):
            method, path = "POST", "/delete-files"
        else:
            method, path = "DELETE", "/delete-files"
        return await self._call(method, self._folder(name) + path, json=body, timeout=timeout, signal=signal)

    # ---- upload ---------------------------------------------------------------------------

    async def create_upload_session(
        self,
        path: str,
        size: int,
        name: str | None = None,
        *,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> str:
        """A tus upload URL (with its token) for ``size`` bytes at ``path`` in the folder."""
        return str(await self._upload_url(path, size, name, timeout=timeout, signal=signal))

    async def _upload_url(
        self, path: str, size: int, name: str | None, *, timeout: float | None, signal: AbortSignal | None
    ) -> URL:
        await self._gates(timeout, signal)
        body = {"path": path, "size": size}
        if self._has("storage-proxy"):
            answer = await self._call(
                "POST", self._folder(name) + "/request-upload", json=body, timeout=timeout, signal=signal
            )
            return URL(answer["url"]).update_query(token=answer["token"])
        answer = await self._call(
            "POST", self._folder(name) + "/create_upload_session", json=body, timeout=timeout, signal=signal
        )
        return self._endpoint_url(f"/folders/_/tus/upload/{segment(answer['token'])}")

    def _endpoint_url(self, path: str) -> URL:
        """An absolute URL on the endpoint for a manager path (``/func`` in SESSION mode)."""
        base = self._pipeline.config.endpoint_url
        return base.with_path(base.path.rstrip("/") + self._pipeline.authenticator.route(path))

    async def upload(
        self,
        path: str,
        source: UploadSource,
        name: str | None = None,
        *,
        size: int | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        progress: Progress | None = None,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> None:
        """Upload a local file, bytes, or an async iterable of bytes (give its ``size``) to
        ``path`` in the folder, by tus in PATCHes of ``chunk_size`` bytes, resuming after a
        dropped connection. ``progress(path, done, total)`` follows the bytes; ``timeout``
        bounds connecting and each wait, not the whole transfer (abort with ``signal``)."""
        prepared = upload_source(source, size)
        url = await self._upload_url(path, prepared.size, name, timeout=timeout, signal=signal)
        await tus_upload(
            self._pipeline,
            url,
            prepared,
            label=path,
            chunk_size=chunk_size,
            progress=progress,
            timeout=timeout,
            signal=signal,
        )

    async def upload_tree(
        self,
        local_dir: str | os.PathLike[str],
        name: str | None = None,
        *,
        path: str = "",
        concurrency: int = DEFAULT_CONCURRENCY,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        progress: Progress | None = None,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> builtins.list[str]:
        """Upload a local directory tree under ``path`` in the folder, layout kept, directories
        (empty ones too) created, up to ``concurrency`` files at a time. Returns the uploaded
        paths; the first failure cancels the rest and is raised."""
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency!r}")
        loop = asyncio.get_running_loop()
        dirs, files = await loop.run_in_executor(None, _scan_tree, Path(local_dir), path)
        await self._make_dirs(dirs, name, timeout=timeout, signal=signal)
        queue = iter(files)

        async def worker() -> None:
            for local, remote in queue:
                await self.upload(
                    remote,
                    local,
                    name,
                    chunk_size=chunk_size,
                    progress=progress,
                    timeout=timeout,
                    signal=signal,
                )

        await _run_all([worker() for _ in range(min(concurrency, len(files)))])
        return [remote for _, remote in files]

    async def _make_dirs(
        self, dirs: Sequence[str], name: str | None, *, timeout: float | None, signal: AbortSignal | None
    ) -> None:
        await self._gates(timeout, signal)
        if self._has("storage-proxy"):
            for leaf in dirs:
                await self.mkdir(leaf, name, parents=True, exist_ok=True, timeout=timeout, signal=signal)
            return
        done: set[str] = set()  # old servers: one level at a time, parents first
        for leaf in dirs:
            parts = PurePosixPath(leaf).parts
            for depth in range(1, len(parts) + 1):
                step = "/".join(parts[:depth])
                if step not in done:
                    done.add(step)
                    await self.mkdir(step, name, timeout=timeout, signal=signal)

    # ---- download -------------------------------------------------------------------------

    async def request_download_token(
        self,
        file: str,
        name: str | None = None,
        archive: bool = False,
        *,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> Any:
        """``{"token", "url"}`` for a download (``token`` only before the storage proxy)."""
        await self._gates(timeout, signal)
        suffix = "/request-download" if self._has("storage-proxy") else "/request_download"
        body = {"file": file, "archive": archive}
        return await self._call("POST", self._folder(name) + suffix, json=body, timeout=timeout, signal=signal)

    def get_download_url_with_token(self, token: str) -> str:
        """The manager's token download URL (servers before the storage proxy)."""
        return str(self._endpoint_url("/folders/_/download_with_token").update_query(token=token))

    def download_with_token(
        self, token: str, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Download:
        """Stream a token download from the manager (servers before the storage proxy)."""

        async def locate(abort: AbortSignal) -> _Located:
            return "/folders/_/download_with_token", {"token": token}

        return self._download(
            locate, label="(token)", archive=False, offset=0, progress=None, timeout=timeout, signal=signal
        )

    def download(
        self,
        file: str,
        name: str | None = None,
        archive: bool = False,
        no_cache: bool = False,
        *,
        offset: int = 0,
        progress: Progress | None = None,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> Download:
        """Stream ``file`` (a directory as a zip with ``archive``), from byte ``offset``:
        ``async with client.vfolder.download(path, name) as stream: async for piece in stream``.
        A dropped connection resumes with ``Range`` (not for archives)."""
        folder = self._folder(name)

        async def locate(abort: AbortSignal) -> _Located:
            await self._gates(timeout, abort)
            flags = {"archive": _flag(archive)}
            if not self._has("storage-proxy"):
                return folder + "/download_single", {"file": file, **flags}
            answer = await self.request_download_token(file, name, archive, timeout=timeout, signal=abort)
            query = {"token": answer["token"], **flags}
            if no_cache:
                query["no_cache"] = "true"
            return URL(answer["url"]).update_query(query), {}

        return self._download(
            locate, label=file, archive=archive, offset=offset, progress=progress, timeout=timeout, signal=signal
        )

    def _download(
        self,
        locate: Callable[[AbortSignal], Awaitable[_Located]],
        *,
        label: str,
        archive: bool,
        offset: int,
        progress: Progress | None,
        timeout: float | None,
        signal: AbortSignal | None,
    ) -> Download:
        """A ``Download`` that finds its URL on first use (token requests count as part of it)."""
        pipeline = self._pipeline
        located: _Located | None = None

        @contextlib.asynccontextmanager
        async def open_at(start: int, abort: AbortSignal) -> AsyncIterator[StreamResponse]:
            nonlocal located
            if located is None:
                located = await locate(abort)
            target, params = located
            headers = {"Range": f"bytes={start}-"} if start else None
            async with pipeline.stream(
                "GET", target, params=params, headers=headers, timeout=timeout, read_timeout=timeout, signal=abort
            ) as resp:
                yield resp

        opener: OpenAt = open_at
        return Download(
            opener,
            label=label,
            offset=offset,
            ranged=not archive,
            max_retries=pipeline.config.max_retries,
            signal=signal,
            progress=progress,
        )

    async def download_file(
        self,
        file: str,
        dest: str | os.PathLike[str],
        name: str | None = None,
        archive: bool = False,
        *,
        resume: bool = True,
        progress: Progress | None = None,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> Path:
        """Download ``file`` (a directory as a zip with ``archive``) to the local path ``dest``,
        through ``dest.part``: with ``resume`` a ``.part`` left by an interrupted run is
        continued with ``Range``. Returns ``dest``."""
        return await download_to_path(
            lambda offset: self.download(
                file, name, archive, offset=offset, progress=progress, timeout=timeout, signal=signal
            ),
            Path(dest),
            resume=resume and not archive,
        )

    async def list(
        self,
        group_id: str | None = None,
        user_email: str | None = None,
        *,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> Any:
        """Folders you can see; ``group_id`` (project) and ``user_email`` (owner) filter."""
        params: dict[str, str] = {}
        if group_id:
            params["group_id"] = group_id
        if user_email:
            params["owner_user_email"] = user_email
        return await self._call("GET", "/folders", params=params or None, timeout=timeout, signal=signal)


def _scan_tree(root: Path, path: str) -> tuple[builtins.list[str], builtins.list[tuple[Path, str]]]:
    """The leaf directories and the files under ``root``, as folder paths below ``path``."""
    if not root.is_dir():
        raise NotADirectoryError(f"not a directory: {root}")
    base = PurePosixPath(path.strip("/") or ".")
    dirs: builtins.list[str] = []
    files: builtins.list[tuple[Path, str]] = []
    for current, subdirs, names in os.walk(root):
        subdirs.sort()
        target = base / Path(current).relative_to(root).as_posix()
        if str(target) != "." and not subdirs:
            dirs.append(str(target))  # leaves: their parents are created with them
        files.extend((Path(current, n), str(target / n)) for n in sorted(names))
    return dirs, files


def _flag(value: bool) -> str:
    return "true" if value else "false"


async def _run_all(jobs: Sequence[Any]) -> None:
    """Run coroutines together; the first failure cancels the others and is raised."""
    tasks = [asyncio.ensure_future(job) for job in jobs]
    if not tasks:
        return
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in done:
        failure = None if task.cancelled() else task.exception()
        if failure is not None:
            raise failure
