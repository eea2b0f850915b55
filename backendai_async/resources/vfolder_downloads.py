"""``client.vfolder``, downloads: streamed, ranged and resumable, or to a local file (``transfer.py``
moves the bytes)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from yarl import URL

from ..abort import AbortSignal
from ..transport import StreamResponse
from .outage import OUTAGE_WINDOW
from .transfer import (
    Download,
    OpenAt,
    Progress,
    download_to_path,
)
from .vfolder_base import VFolderResource

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions
    from ..results import TransferToken

__all__ = ["VFolderDownloads"]

_Located = tuple["str | URL", dict[str, str]]  # where a download's GET goes, and its query


class VFolderDownloads(VFolderResource):
    """Downloads, by token on the storage proxy (the manager's ``download_single`` before)."""

    async def request_download_token(
        self,
        file: str,
        name: str | None = None,
        archive: bool = False,
        **options: Unpack[CallOptions],
    ) -> TransferToken:
        """``{"token", "url"}`` for a download (``token`` only before the storage proxy)."""
        await self._pipeline.negotiate(**options)
        suffix = "/request-download" if self._has("storage-proxy") else "/request_download"
        body = {"file": file, "archive": archive}
        result: TransferToken = await self._send("POST", self._folder(name) + suffix, json=body, **options)
        return result

    def get_download_url_with_token(self, token: str) -> str:
        """The manager's token download URL (servers before the storage proxy)."""
        return str(self._endpoint_url("/folders/_/download_with_token").update_query(token=token))

    def download_with_token(self, token: str, **options: Unpack[CallOptions]) -> Download:
        """Stream a token download from the manager (servers before the storage proxy)."""

        async def locate(abort: AbortSignal) -> _Located:
            return "/folders/_/download_with_token", {"token": token}

        return self._download(
            locate, label="(token)", archive=False, offset=0, progress=None, outage_window=OUTAGE_WINDOW, **options
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
        outage_window: float = OUTAGE_WINDOW,
        **options: Unpack[CallOptions],
    ) -> Download:
        """Stream ``file`` (a directory as a zip with ``archive``), from byte ``offset``:
        ``async with client.vfolder.download(path, name) as stream: async for piece in stream``.
        A dropped connection resumes with ``Range`` (not for archives), also after a storage-proxy
        outage of up to ``outage_window`` seconds without progress (``math.inf``: no limit)."""
        folder = self._folder(name)
        timeout = options.get("timeout")

        async def locate(abort: AbortSignal) -> _Located:
            await self._pipeline.negotiate(timeout=timeout, signal=abort)
            flags = {"archive": _flag(archive)}
            if not self._has("storage-proxy"):
                return folder + "/download_single", {"file": file, **flags}
            answer = await self.request_download_token(file, name, archive, timeout=timeout, signal=abort)
            query = {"token": answer["token"], **flags}
            if no_cache:
                query["no_cache"] = "true"
            return URL(answer["url"]).update_query(query), {}

        return self._download(
            locate,
            label=file,
            archive=archive,
            offset=offset,
            progress=progress,
            outage_window=outage_window,
            **options,
        )

    def _download(
        self,
        locate: Callable[[AbortSignal], Awaitable[_Located]],
        *,
        label: str,
        archive: bool,
        offset: int,
        progress: Progress | None,
        outage_window: float,
        **options: Unpack[CallOptions],
    ) -> Download:
        """A ``Download`` that finds its URL on first use (token requests count as part of it)."""
        pipeline = self._pipeline
        timeout = options.get("timeout")
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
            outage_window=outage_window,
            signal=options.get("signal"),
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
        outage_window: float = OUTAGE_WINDOW,
        **options: Unpack[CallOptions],
    ) -> Path:
        """Download ``file`` (a directory as a zip with ``archive``) to the local path ``dest``,
        through ``dest.part``: with ``resume`` a ``.part`` left by an interrupted run is
        continued with ``Range``; ``outage_window`` as for ``download``. Returns ``dest``."""
        return await download_to_path(
            lambda offset: self.download(
                file, name, archive, offset=offset, progress=progress, outage_window=outage_window, **options
            ),
            Path(dest),
            resume=resume and not archive,
        )


def _flag(value: bool) -> str:
    return "true" if value else "false"
