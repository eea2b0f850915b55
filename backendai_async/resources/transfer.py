"""Moving file bytes: tus uploads and ranged, resumable downloads, with flat memory.

Uploads send each tus ``PATCH`` body as ``PIECE``-sized reads (a file is never read whole; bytes
and async iterables hold at most one chunk). Downloads hand over pieces as they arrive. After a
dropped connection an upload asks the server where it stands (``HEAD``) and a download asks for
the rest (``Range``); consecutive failures without progress are bounded by ``max_retries``.
This is the one resource module that reads response bodies itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from types import TracebackType
from typing import Protocol

from yarl import URL

from ..abort import AbortController, AbortSignal
from ..errors import (
    AbortError,
    BackendAIError,
    RequestError,
    RequestTimeoutError,
    ResponseError,
    ServerError,
    UsageError,
)
from ..transport import StreamResponse
from .pipeline import Pipeline

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "PIECE",
    "Download",
    "OpenAt",
    "Progress",
    "UploadSource",
    "download_to_path",
    "tus_upload",
    "upload_source",
]

PIECE = 1 << 20  #: bytes read from disk or the network at a time
DEFAULT_CHUNK_SIZE = 64 << 20  #: bytes per tus PATCH request
TUS_VERSION = {"Tus-Resumable": "1.0.0"}

#: ``progress(path, bytes_done, total_bytes_or_None)``; ``bytes_done`` goes back after a resume.
Progress = Callable[[str, int, "int | None"], None]
#: A local file path, bytes, or an async iterable of bytes (its size must then be given).
UploadSource = str | os.PathLike[str] | bytes | AsyncIterable[bytes]
#: ``open_at(offset, signal)``: the streaming GET of a file from byte ``offset``.
OpenAt = Callable[[int, AbortSignal], AbstractAsyncContextManager[StreamResponse]]


def _resumable(exc: BackendAIError) -> bool:
    """A failure another attempt may get past: the connection, a stall, 409 offset, 5xx."""
    if isinstance(exc, (RequestError, ResponseError, RequestTimeoutError)):
        return True
    return isinstance(exc, ServerError) and exc.status is not None and (exc.status == 409 or exc.status >= 500)


# ---- upload ---------------------------------------------------------------------------------


class _Source(Protocol):
    size: int

    async def body(self, offset: int, length: int) -> AsyncIterator[bytes]: ...


class _FileSource:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size

    async def body(self, offset: int, length: int) -> AsyncIterator[bytes]:
        return self._pieces(offset, length)

    async def _pieces(self, offset: int, length: int) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        file = await loop.run_in_executor(None, self.path.open, "rb")
        try:
            file.seek(offset)
            while length > 0:
                piece = await loop.run_in_executor(None, file.read, min(PIECE, length))
                if not piece:
                    raise OSError(f"{self.path} shrank while it was uploaded")
                length -= len(piece)
                yield piece
        finally:
            file.close()


class _BytesSource:
    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self.size = len(data)

    async def body(self, offset: int, length: int) -> AsyncIterator[bytes]:
        return _slices(self._data[offset : offset + length])


class _IterableSource:
    """An async iterable read once; the chunk in flight is kept so a resume can resend it."""

    def __init__(self, chunks: AsyncIterable[bytes], size: int) -> None:
        self._chunks = aiter(chunks)
        self._buffer = bytearray()
        self._start = 0  # offset of _buffer[0]
        self.size = size

    async def body(self, offset: int, length: int) -> AsyncIterator[bytes]:
        if offset < self._start:
            raise UsageError(f"cannot resume an async iterable at byte {offset}: it went past {self._start}")
        del self._buffer[: offset - self._start]
        self._start = offset
        while len(self._buffer) < length:
            try:
                self._buffer += await anext(self._chunks)
            except StopAsyncIteration:
                raise UsageError(
                    f"the async iterable ended after {self._start + len(self._buffer)} of {self.size} bytes"
                ) from None
        with memoryview(self._buffer) as view:
            chunk = bytes(view[:length])
        return _slices(memoryview(chunk))


async def _slices(view: memoryview) -> AsyncIterator[bytes]:
    for start in range(0, len(view), PIECE):
        yield bytes(view[start : start + PIECE])


def upload_source(source: UploadSource, size: int | None = None) -> _Source:
    """Wrap what the caller gave; ``size`` is required for an async iterable only."""
    if isinstance(source, bytes):
        return _BytesSource(source)
    if isinstance(source, (str, os.PathLike)):
        return _FileSource(Path(source))
    if size is None or size < 0:
        raise UsageError("uploading an async iterable needs its size in bytes")
    return _IterableSource(source, size)


def _offset(headers: Mapping[str, str], what: str) -> int:
    value = headers.get("Upload-Offset", "")
    if not value.isdigit():
        raise ResponseError(f"the tus {what} answer has no valid Upload-Offset header: {value!r}")
    return int(value)


async def tus_upload(
    pipeline: Pipeline,
    url: URL,
    source: _Source,
    *,
    label: str,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Progress | None = None,
    timeout: float | None = None,
    signal: AbortSignal | None = None,
) -> None:
    """Send ``source`` to a tus upload URL (the upload exists: no creation step), resuming from
    the server's ``Upload-Offset`` after a failure. ``timeout`` bounds connecting and each wait."""
    if chunk_size <= 0:
        raise UsageError(f"chunk_size must be positive, not {chunk_size!r}")
    size = source.size
    timeout = timeout if timeout is not None else pipeline.config.timeout
    offset = failures = 0
    done = 0

    async def counted(pieces: AsyncIterator[bytes]) -> AsyncGenerator[bytes, None]:
        nonlocal done
        async for piece in pieces:
            yield piece
            done += len(piece)
            if progress is not None:
                progress(label, done, size)

    while True:
        length = min(chunk_size, size - offset)
        headers = {**TUS_VERSION, "Upload-Offset": str(offset), "Content-Length": str(length)}
        done = offset
        try:
            async with contextlib.aclosing(counted(await source.body(offset, length))) as body:
                async with pipeline.stream(
                    "PATCH",
                    url,
                    data=body,
                    content_type="application/offset+octet-stream",
                    headers=headers,
                    timeout=timeout,
                    read_timeout=timeout,
                    signal=signal,
                ) as resp:
                    reached = _offset(resp.headers, "PATCH")
            failures = 0
        except BackendAIError as exc:
            if not _resumable(exc):
                raise
            head = await pipeline.send(
                "HEAD", url, headers=TUS_VERSION, timeout=timeout, signal=signal, full_response=True
            )
            reached = _offset(head.headers, "HEAD")
            failures = 0 if reached > offset else failures + 1
            if failures > pipeline.config.max_retries:
                raise
        if not 0 <= reached <= size:
            raise ResponseError(f"the server reports offset {reached} for an upload of {size} bytes")
        offset = reached
        if progress is not None:
            progress(label, offset, size)
        if offset >= size:
            return


# ---- download -------------------------------------------------------------------------------


class Download:
    """An open download: ``async with`` it, then ``async for piece in it``.

    ``size`` is the total in bytes when the server tells it, ``position`` the bytes delivered so
    far (from the starting offset). A dropped connection is resumed with ``Range`` when
    ``ranged``. ``close()`` is idempotent and may be called from another task: a reader then
    stops as at the end of the data.
    """

    def __init__(
        self,
        open_at: OpenAt,
        *,
        label: str,
        offset: int = 0,
        ranged: bool = True,
        max_retries: int = 0,
        signal: AbortSignal | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.path = label
        self.size: int | None = None
        self.position = offset
        self._open_at = open_at
        self._ranged = ranged
        self._max_retries = max_retries
        self._progress = progress
        self._controller = AbortController()
        self._signal = signal
        self._unlink = signal.add_callback(self._on_abort) if signal else None
        self._pieces = self._generate()
        self._pending: bytes | None = None
        self._running = False
        self._closed = False

    def __repr__(self) -> str:
        return f"Download(path={self.path!r}, position={self.position}, size={self.size})"

    async def __aenter__(self) -> Download:
        try:
            self._pending = await self._next()  # opens the response: errors and size come now
        except StopAsyncIteration:
            pass  # an empty file: the iteration ends at once
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __aiter__(self) -> Download:
        return self

    async def __anext__(self) -> bytes:
        if self._pending is not None:
            piece, self._pending = self._pending, None
            return piece
        if self._closed:
            raise StopAsyncIteration
        try:
            return await self._next()
        except AbortError:
            if self._closed:  # closed from another task while this one waited
                raise StopAsyncIteration from None
            raise

    def _on_abort(self) -> None:
        # only a reader waiting inside the download is interrupted; otherwise the next read fails
        if self._running and self._signal is not None:
            self._controller.abort(self._signal.reason)

    async def _next(self) -> bytes:
        if self._signal is not None and self._signal.aborted:
            await self._pieces.aclose()
            reason = self._signal.reason
            raise AbortError("aborted" if reason is None else f"aborted: {reason}")
        self._running = True
        try:
            return await anext(self._pieces)
        finally:
            self._running = False

    async def close(self) -> None:
        """Stop the download and release its connection (idempotent, from any task)."""
        if self._closed:
            return
        self._closed = True
        if self._unlink is not None:
            self._unlink()
        if self._running:
            self._controller.abort("the download was closed")
        else:
            await self._pieces.aclose()

    async def _generate(self) -> AsyncGenerator[bytes, None]:
        failures = 0
        while True:
            start = self.position
            opened = False
            try:
                async with self._open_at(self.position, self._controller.signal) as resp:
                    opened = True
                    skip = self._check(resp, start)
                    async for piece in resp.iter_chunked(PIECE):
                        if skip:
                            dropped = min(skip, len(piece))
                            piece, skip = piece[dropped:], skip - dropped
                            if not piece:
                                continue
                        self.position += len(piece)
                        if self._progress is not None:
                            self._progress(self.path, self.position, self.size)
                        yield piece
                    if self.size is not None and self.position < self.size:
                        raise ResponseError(f"the download ended at byte {self.position} of {self.size}")
                return
            except BackendAIError as exc:
                # the transport already retried opening; what follows a drop mid-body is ours
                if not (opened and self._ranged and _resumable(exc)):
                    raise
                failures = 0 if self.position > start else failures + 1
                if failures > self._max_retries:
                    raise

    def _check(self, resp: StreamResponse, offset: int) -> int:
        """Learn the size; the bytes to skip when a server ignored ``Range`` (answered 200)."""
        length = resp.content_length
        if resp.status == 206:
            unit, _, spec = resp.headers.get("Content-Range", "").partition(" ")
            first, total = spec.partition("-")[0], spec.rpartition("/")[2]
            if unit != "bytes" or not first.isdigit() or int(first) != offset:
                raise ResponseError(f"asked for bytes from {offset}, got Content-Range {spec!r}", status=206)
            self.size = int(total) if total.isdigit() else None
            return 0
        self.size = length
        return offset


async def download_to_path(open_download: Callable[[int], Download], dest: Path, *, resume: bool = True) -> Path:
    """Write a download to ``dest`` through ``dest.part`` (renamed at the end); with ``resume``
    an existing ``.part`` file is continued with ``Range`` instead of fetched again."""
    part = dest.with_name(dest.name + ".part")
    offset = part.stat().st_size if resume and part.exists() else 0
    loop = asyncio.get_running_loop()
    try:
        stream = await open_download(offset).__aenter__()
    except ServerError as exc:
        if exc.status != 416 or not offset:  # 416: the part file is longer than the file now
            raise
        offset = 0
        stream = await open_download(0).__aenter__()
    try:
        file = await loop.run_in_executor(None, part.open, "ab" if offset else "wb")
        try:
            async for piece in stream:
                file.write(piece)  # page-cache writes: cheaper inline than in a thread per piece
        finally:
            file.close()
    finally:
        await stream.close()
    await loop.run_in_executor(None, os.replace, part, dest)
    return dest
