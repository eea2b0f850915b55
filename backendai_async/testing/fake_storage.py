"""Folder contents and the storage proxy: a second ``aiohttp.web`` app on its own loopback port.

As in a real deployment, the manager hands out the proxy's URL with a token; what reaches it (no
credentials) is recorded in ``requests``. It speaks tus 1.0.0 without the creation step
(``OPTIONS``/``HEAD``/``PATCH /upload``) and serves ``GET /download`` with ``Range`` and zip
archives. ``TransferFault`` drops its connection mid-body. An upload it no longer knows is answered
as 26.9.6 does: 404 ``tus-session-not-found`` once complete or its offset expired, 400
``invalid-api-params`` for a token it did not sign or that expired.
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from ssl import SSLContext
from typing import Any, Literal

from aiohttp import web
from multidict import CIMultiDict, MultiDict
from yarl import URL

from ._http import RecordedRequest, drop, flag, reachable_url

__all__ = ["HOST", "TUS", "FakeFolder", "StorageProxy", "TransferFault"]

HOST = "local:volume1"
TUS = {"Tus-Resumable": "1.0.0"}


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
class Upload:
    folder: FakeFolder
    path: str
    size: int
    data: bytearray = field(default_factory=bytearray)
    #: "complete", or what expired: "offset" (26.9.6 keeps it 24 h after the last PATCH), "token"
    ended: Literal["complete", "offset", "token"] | None = None


class StorageProxy:
    """The storage proxy: pending uploads and downloads by token, injected ``TransferFault``s."""

    def __init__(self) -> None:
        #: the server-side TLS context it serves https with (None: plain http); set before ``start``
        self.ssl: SSLContext | None = None
        #: requests that reached the storage proxy (bodies not kept)
        self.requests: list[RecordedRequest] = []
        #: uploads by token, those that ended included
        self.uploads: dict[str, Upload] = {}
        self.downloads: dict[str, tuple[FakeFolder, str, bool]] = {}
        #: bytes of PATCH bodies read, those of requests cut mid-body included
        self.received_bytes = 0
        self._received = asyncio.Event()
        self._faults: list[list[Any]] = []  # [fault, remaining]
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._url: URL | None = None

    @property
    def url(self) -> URL:
        """The storage proxy's client-facing root URL."""
        if self._url is None:
            raise RuntimeError("the storage proxy is not started")
        return self._url

    async def start(self, host: str = "127.0.0.1") -> None:
        """Listen on a free port; after ``close()``, on the same port again (a restart: uploads
        and files are kept, connections in flight were cut)."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._storage_entry)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=0.1)
        await runner.setup()
        try:
            port = self._url.port if self._url is not None else 0
            await web.TCPSite(runner, host, port, ssl_context=self.ssl).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._loop = asyncio.get_running_loop()
        self._url = reachable_url(runner, "http" if self.ssl is None else "https")

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

    def expire_uploads(self, what: Literal["offset", "token"] = "token") -> None:
        """End every unfinished upload as time does on 26.9.6: its ``"offset"`` expires (then
        ``HEAD``/``PATCH`` answer 404) or its ``"token"`` does (400)."""
        for upload in self.uploads.values():
            if upload.ended is None:
                upload.ended = what

    def pending(self, token: str) -> Upload | None:
        """The unfinished upload of ``token``."""
        upload = self.uploads.get(token)
        return upload if upload is not None and upload.ended is None else None

    async def wait_for_bytes(self, count: int) -> None:
        """Return once ``received_bytes`` is at least ``count``; works from another event loop
        than the proxy's."""
        loop = self._loop
        if loop is not None and loop is not asyncio.get_running_loop():
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self.wait_for_bytes(count), loop))
            return
        while self.received_bytes < count:
            self._received.clear()
            await self._received.wait()

    def finish(self, upload: Upload) -> None:
        """Store a completed upload in its folder."""
        upload.ended = "complete"
        folder = upload.folder
        folder.add_parents(upload.path)
        folder.files[upload.path] = upload.data

    # -- the storage proxy -----------------------------------------------------------------

    async def _storage_entry(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(
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

    def _upload_of(self, request: web.Request) -> Upload | web.Response:
        upload = self.uploads.get(request.query.get("token", ""))
        if upload is None or upload.ended == "token":
            why = "Signature verification failed" if upload is None else "Signature has expired"
            body = {
                "type": "https://api.backend.ai/probs/storage/invalid-api-params",
                "title": "Invalid API parameters",
                "data": {"token": f"cannot decode the given value as JWT: {why}"},
            }
            return web.json_response(body, status=400, content_type="application/problem+json")
        if upload.ended is not None:
            why = "has no on-disk staging file" if upload.ended == "complete" else "is not registered or has expired"
            body = {
                "type": "https://api.backend.ai/probs/storage/tus-session-not-found",
                "title": "TUS upload session not found",
                "error_code": "storage-proxy_read_not-found",
                "msg": f"Upload session {why}",
            }
            return web.json_response(body, status=404, content_type="application/problem+json")
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
            self.received_bytes += len(piece)
            self._received.set()
            if fault is not None and len(received) >= fault.after:
                return drop(request)  # the partial bytes are lost, as with the real proxy
            if len(upload.data) + len(received) > upload.size:
                return _storage_problem(400, "The upload is longer than its declared size.")
        upload.data += received
        if len(upload.data) >= upload.size:
            self.finish(upload)
        return web.Response(status=204, headers={**TUS, "Upload-Offset": str(len(upload.data))})

    async def _download(self, request: web.Request) -> web.StreamResponse:
        entry = self.downloads.get(request.query.get("token", ""))
        if entry is None:
            return _storage_problem(401, "Invalid or expired token.")
        folder, path, _ = entry
        if path not in folder.files:
            if flag(request.query.get("archive", False)) and folder.exists(path):
                return web.Response(body=zip_folder(folder, path), content_type="application/zip")
            return _storage_problem(404, "File not found")
        data = bytes(folder.files[path])
        start = range_start(request.headers.get("Range"))
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
            drop(request)
            return response
        for start in range(0, len(data), 1 << 20):  # a piece at a time, as a file is sent: a restart cuts the rest
            await response.write(data[start : start + (1 << 20)])
        await response.write_eof()
        return response


def range_start(header: str | None) -> int | None:
    """The first byte of a ``bytes=N-`` range (the only form clients send here)."""
    if not header or not header.startswith("bytes=") or not header.endswith("-"):
        return None
    first = header[len("bytes=") : -1]
    return int(first) if first.isdigit() else None


def zip_folder(folder: FakeFolder, path: str) -> bytes:
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
