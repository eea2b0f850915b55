"""Moving file bytes: tus uploads and ranged, resumable downloads, with flat memory.

Uploads send each tus ``PATCH`` body as ``PIECE``-sized reads (a file is never read whole; bytes
and async iterables hold at most one chunk). Downloads hand over pieces as they arrive. After a
dropped connection an upload asks the server where it stands (``HEAD``) and a download asks for
the rest (``Range``); both keep trying through an outage of the storage proxy for as long as the
outage window (``outage.py``) allows without progress. This is the one resource module that reads
response bodies itself.
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

from ..abort import AbortController, AbortSignal
from ..errors import (
    AbortError,
    BackendAIError,
    InsecureConnectionError,
    RequestError,
    RequestTimeoutError,
    ResponseError,
    ServerError,
    UsageError,
)
from ..transport import StreamResponse
from .outage import OUTAGE_WINDOW, Outage
from .pipeline import Pipeline
from .upload_session import UploadInterruptedError, UploadSession

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "PIECE",
    "Download",
    "OpenAt",
    "PreparedSource",
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
    """A failure another attempt may get past: the connection (not a refusal for security), a
    stall, 409 offset, 5xx."""
    if isinstance(exc, InsecureConnectionError):
        return False
    if isinstance(exc, (RequestError, ResponseError, RequestTimeoutError)):
        return True
    return isinstance(exc, ServerError) and exc.status is not None and (exc.status == 409 or exc.status >= 500)


# ---- upload ---------------------------------------------------------------------------------


class PreparedSource(Protocol):
    """What an upload reads: ``size`` bytes, a range at a time."""

    size: int
    source: str | None  # a local file's absolute path
    modified: int | None  # and its modification time (ns)

    async def body(self, offset: int, length: int) -> AsyncIterator[bytes]: ...


class _FileSource:
    def __init__(self, path: Path) -> None:
        self.path = path
        status = path.stat()
        self.size = status.st_size
        self.source: str | None = str(path.resolve())
        self.modified: int | None = status.st_mtime_ns

    async def body(self, offset: int, length: int) -> AsyncIterator[bytes]:
        return self._pieces(offset, length)

    async def _pieces(self, offset: int, length: int) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        # opened inline (a quick local call, like the stat above): a thread's open that a
        # cancellation interrupted would leave its file to the garbage collector
        file = self.path.open("rb")
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
        self.source: str | None = None
        self.modified: int | None = None

    async def body(self, offset: int, length: int) -> AsyncIterator[bytes]:
        return _slices(self._data[offset : offset + length])


class _IterableSource:
    """An async iterable read once; the chunk in flight is kept so a resume can resend it."""

    def __init__(self, chunks: AsyncIterable[bytes], size: int) -> None:
        self._chunks = aiter(chunks)
        self._buffer = bytearray()
        self._start = 0  # offset of _buffer[0]
        self.size = size
        self.source: str | None = None
        self.modified: int | None = None

    async def body(self, offset: int, length: int) -> AsyncIterator[bytes]:
        if offset < self._start:
            raise UsageError(f"cannot resume an async iterable at byte {offset}: it went past {self._start}")
        while self._start + len(self._buffer) < offset:  # bytes the server has (a resumed upload)
            self._start += len(self._buffer)
            self._buffer[:] = await self._next_piece()
        del self._buffer[: offset - self._start]
        self._start = offset
        while len(self._buffer) < length:
            self._buffer += await self._next_piece()
        with memoryview(self._buffer) as view:
            chunk = bytes(view[:length])
        return _slices(memoryview(chunk))

    async def _next_piece(self) -> bytes:
        try:
            return await anext(self._chunks)
        except StopAsyncIteration:
            raise UsageError(
                f"the async iterable ended after {self._start + len(self._buffer)} of {self.size} bytes"
            ) from None


async def _slices(view: memoryview) -> AsyncIterator[bytes]:
    for start in range(0, len(view), PIECE):
        yield bytes(view[start : start + PIECE])


class _Feed:
    """One PATCH body as aiohttp pulls it. When the request fails, aiohttp's writer task may still
    be inside a read: ``aclose()`` waits for that read to end, then closes the pieces."""

    def __init__(self, pieces: AsyncGenerator[bytes, None]) -> None:
        self._pieces = pieces
        self._idle = asyncio.Event()
        self._idle.set()

    def __aiter__(self) -> _Feed:
        return self

    async def __anext__(self) -> bytes:
        self._idle.clear()
        try:
            return await anext(self._pieces)
        finally:
            self._idle.set()

    async def aclose(self) -> None:
        await self._idle.wait()
        await self._pieces.aclose()


def upload_source(source: UploadSource, size: int | None = None) -> PreparedSource:
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
    session: UploadSession,
    source: PreparedSource,
    *,
    resume: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Progress | None = None,
    outage_window: float = OUTAGE_WINDOW,
    timeout: float | None = None,
    signal: AbortSignal | None = None,
) -> None:
    """Send ``source`` to the session's tus URL (the upload exists: no creation step), from the
    server's ``Upload-Offset`` when resuming or after a failure. ``timeout`` bounds connecting and
    each wait; failures without progress are retried for ``outage_window`` seconds, then raised as
    ``UploadInterruptedError`` carrying ``session``."""
    if chunk_size <= 0:
        raise UsageError(f"chunk_size must be positive, not {chunk_size!r}")
    size, label, url = source.size, session.path, session.url
    timeout = timeout if timeout is not None else pipeline.config.timeout
    outage = Outage(outage_window, signal, label)
    offset: int | None = None if resume else 0  # None: ask the server (HEAD)
    done = 0

    async def counted(pieces: AsyncIterator[bytes]) -> AsyncGenerator[bytes, None]:
        nonlocal done
        async for piece in pieces:
            yield piece
            done += len(piece)
            if progress is not None:
                progress(label, done, size)

    async def ask() -> int:
        head = await pipeline.send("HEAD", url, headers=TUS_VERSION, timeout=timeout, signal=signal, full_response=True)
        return _offset(head.headers, "HEAD")

    async def send(start: int) -> int:
        nonlocal done
        length = min(chunk_size, size - start)
        headers = {**TUS_VERSION, "Upload-Offset": str(start), "Content-Length": str(length)}
        done = start
        async with contextlib.aclosing(_Feed(counted(await source.body(start, length)))) as body:
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
                return _offset(resp.headers, "PATCH")

    while True:
        patched = offset is not None
        try:
            reached = await (ask() if offset is None else send(offset))
        except BackendAIError as exc:
            if not _resumable(exc):
                raise
            offset = None
            if not await outage.wait(exc):
                raise UploadInterruptedError(
                    f"gave up the upload of {label!r} at byte {session.offset} of {size} after "
                    f"{outage_window:g} s without progress: {exc.message}",
                    session,
                    status=exc.status,
                    request_method=exc.request_method,
                    request_url=exc.request_url,
                ) from exc
            continue
        if not 0 <= reached <= size:
            raise ResponseError(f"the server reports offset {reached} for an upload of {size} bytes")
        offset = session.offset = reached
        outage.progress(offset)
        if progress is not None:
            progress(label, offset, size)
        if offset >= size and (patched or size > 0):
            return


# ---- download -------------------------------------------------------------------------------


class Download:
    """An open download: ``async with`` it, then ``async for piece in it``.

    ``size`` is the total in bytes when the server tells it, ``position`` the bytes delivered so
    far (from the starting offset). Once the response has opened, a dropped connection is
    resumed with ``Range`` when ``ranged``, through an outage of up to ``outage_window`` seconds
    without progress (see ``outage.py``). ``close()`` is idempotent and may be called from another task: a reader then
    stops as at the end of the data.
    """

    def __init__(
        self,
        open_at: OpenAt,
        *,
        label: str,
        offset: int = 0,
        ranged: bool = True,
        outage_window: float = OUTAGE_WINDOW,
        signal: AbortSignal | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.path = label
        self.size: int | None = None
        self.position = offset
        self._open_at = open_at
        self._ranged = ranged
        self._progress = progress
        self._controller = AbortController()
        self._outage = Outage(outage_window, self._controller.signal, label)
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
        opened = False
        while True:
            self._outage.progress(self.position)
            try:
                async with self._open_at(self.position, self._controller.signal) as resp:
                    opened = True
                    skip = self._check(resp, self.position)
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
                # opening is retried by the transport; once a response came, the resumes are ours
                if not (opened and self._ranged and _resumable(exc)):
                    raise
                if not await self._outage.wait(exc):
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
        file = part.open("ab" if offset else "wb")  # inline: see _FileSource._pieces
        try:
            async for piece in stream:
                file.write(piece)  # page-cache writes: cheaper inline than in a thread per piece
        finally:
            file.close()
    finally:
        await stream.close()
    await loop.run_in_executor(None, os.replace, part, dest)
    return dest
