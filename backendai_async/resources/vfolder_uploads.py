"""``client.vfolder``, uploads: one file or a whole tree, by tus (``transfer.py`` moves the bytes)."""

from __future__ import annotations

import asyncio
import builtins
import functools
import logging
import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from yarl import URL

from ..errors import ServerError, UsageError
from .outage import OUTAGE_WINDOW, checked_window
from .pipeline import segment
from .transfer import (
    DEFAULT_CHUNK_SIZE,
    PreparedSource,
    Progress,
    UploadSource,
    tus_upload,
    upload_source,
)
from .upload_session import SESSION_GONE, UploadSession
from .vfolder_files import VFolderFiles

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions

__all__ = ["DEFAULT_CONCURRENCY", "VFolderUploads"]

DEFAULT_CONCURRENCY = 4  #: files uploaded at the same time by ``upload_tree``

log = logging.getLogger("backendai_async")


class VFolderUploads(VFolderFiles):
    """Uploads (``upload_tree`` makes the directories with ``mkdir``)."""

    async def create_upload_session(
        self,
        path: str,
        size: int,
        name: str | None = None,
        **options: Unpack[CallOptions],
    ) -> str:
        """A tus upload URL (with its token) for ``size`` bytes at ``path`` in the folder."""
        return str(await self._upload_url(path, size, name, **options))

    async def _upload_url(self, path: str, size: int, name: str | None, **options: Unpack[CallOptions]) -> URL:
        await self._pipeline.negotiate(**options)
        body = {"path": path, "size": size}
        if self._has("storage-proxy"):
            answer = await self._send("POST", self._folder(name) + "/request-upload", json=body, **options)
            return URL(answer["url"]).update_query(token=answer["token"])
        answer = await self._send("POST", self._folder(name) + "/create_upload_session", json=body, **options)
        return self._endpoint_url(f"/folders/_/tus/upload/{segment(answer['token'])}")

    async def upload(
        self,
        path: str,
        source: UploadSource,
        name: str | None = None,
        *,
        size: int | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        progress: Progress | None = None,
        outage_window: float = OUTAGE_WINDOW,
        resume: UploadSession | None = None,
        state_file: str | os.PathLike[str] | None = None,
        **options: Unpack[CallOptions],
    ) -> None:
        """Upload a local file, bytes, or an async iterable of bytes (give its ``size``) to
        ``path`` in the folder, by tus in PATCHes of ``chunk_size`` bytes. ``progress(path, done,
        total)`` follows the bytes; ``timeout`` bounds connecting and each wait, not the whole
        transfer (abort with ``signal``).

        After a failure the upload goes on from the bytes the server has, and keeps trying while
        the storage proxy is down for up to ``outage_window`` seconds without progress
        (``math.inf``: no limit); then ``UploadInterruptedError`` carries the ``session``.
        ``resume=session`` continues that upload (same path, folder and bytes: ``UsageError``
        otherwise). ``state_file`` keeps the session in a local file (mode 0600: the upload token
        is a credential) while the upload is unfinished; a later call with that file, in any
        process, continues it, and the file is removed when the upload completes. A resumed upload
        that the storage proxy no longer knows (400, 404 or 410: expired, or complete) starts
        again from byte 0 in a new session."""
        prepared = upload_source(source, size)
        checked_window(outage_window)
        loop = asyncio.get_running_loop()
        session = resume
        if session is None and state_file is not None and await loop.run_in_executor(None, os.path.exists, state_file):
            session = await loop.run_in_executor(None, UploadSession.load, state_file)
        if session is not None:
            session.check_continues(path, name, prepared.size, prepared.source, prepared.modified)
        send = functools.partial(
            tus_upload,
            self._pipeline,
            source=prepared,
            chunk_size=chunk_size,
            progress=progress,
            outage_window=outage_window,
            **options,
        )
        if session is None:
            await send(await self._new_session(path, prepared, name, state_file, **options))
        else:
            try:
                await send(session, resume=True)
            except ServerError as exc:
                if exc.status not in SESSION_GONE:
                    raise
                log.info("upload of %s: unknown to the storage proxy (%s); again from byte 0", path, exc.status)
                await send(await self._new_session(path, prepared, name, state_file, **options))
        if state_file is not None:
            await loop.run_in_executor(None, Path(state_file).unlink)

    async def _new_session(
        self,
        path: str,
        source: PreparedSource,
        name: str | None,
        state_file: str | os.PathLike[str] | None,
        **options: Unpack[CallOptions],
    ) -> UploadSession:
        """A new upload session for ``source``, written to ``state_file`` when there is one."""
        url = await self._upload_url(path, source.size, name, **options)
        session = UploadSession(
            url, path=path, folder=name, size=source.size, source=source.source, modified=source.modified
        )
        if state_file is not None:
            await asyncio.get_running_loop().run_in_executor(None, session.save, state_file)
        return session

    async def upload_tree(
        self,
        local_dir: str | os.PathLike[str],
        name: str | None = None,
        *,
        path: str = "",
        concurrency: int = DEFAULT_CONCURRENCY,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        progress: Progress | None = None,
        outage_window: float = OUTAGE_WINDOW,
        **options: Unpack[CallOptions],
    ) -> builtins.list[str]:
        """Upload a local directory tree under ``path`` in the folder, layout kept, directories
        (empty ones too) created, up to ``concurrency`` files at a time; each file rides out a
        storage-proxy outage as ``upload`` does. Returns the uploaded paths; the first failure
        cancels the rest and is raised."""
        if concurrency < 1:
            raise UsageError(f"concurrency must be at least 1, not {concurrency!r}")
        loop = asyncio.get_running_loop()
        dirs, files = await loop.run_in_executor(None, _scan_tree, Path(local_dir), path)
        await self._make_dirs(dirs, name, **options)
        queue = iter(files)

        async def worker() -> None:
            for local, remote in queue:
                await self.upload(
                    remote,
                    local,
                    name,
                    chunk_size=chunk_size,
                    progress=progress,
                    outage_window=outage_window,
                    **options,
                )

        await _run_all([worker() for _ in range(min(concurrency, len(files)))])
        return [remote for _, remote in files]

    async def _make_dirs(self, dirs: Sequence[str], name: str | None, **options: Unpack[CallOptions]) -> None:
        await self._pipeline.negotiate(**options)
        if self._has("storage-proxy"):
            for leaf in dirs:
                await self.mkdir(leaf, name, parents=True, exist_ok=True, **options)
            return
        done: set[str] = set()  # old servers: one level at a time, parents first
        for leaf in dirs:
            parts = PurePosixPath(leaf).parts
            for depth in range(1, len(parts) + 1):
                step = "/".join(parts[:depth])
                if step not in done:
                    done.add(step)
                    await self.mkdir(step, name, **options)


def _scan_tree(root: Path, path: str) -> tuple[builtins.list[str], builtins.list[tuple[Path, str]]]:
    """The leaf directories and the files under ``root``, as folder paths below ``path``."""
    if not root.is_dir():
        raise UsageError(f"not a directory: {root}")
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
