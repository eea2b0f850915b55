"""Files of a compute session: ``upload`` (multipart), ``download`` (multipart/mixed of tar
archives, streamed to a directory), ``download_single``, ``list_files``.

Parameters go out where every server generation finds them (server-contract §4.0): the JSON body
and the query string both carry ``files``, ``file`` and ``path``.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import os
import secrets
from collections.abc import AsyncIterable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Union

from ..errors import ResponseError, UsageError
from ..transport import StreamPart
from ..versions import feature_enabled
from .pipeline import segment
from .sessions import SessionResource, session_prefix

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions
    from ..results import SessionFileList

if TYPE_CHECKING:
    from tarfile import TarFile

__all__ = ["MAX_UPLOAD_FILES", "MAX_UPLOAD_SIZE", "FileSource", "SessionFiles"]

MAX_UPLOAD_FILES = 20
MAX_UPLOAD_SIZE = 1024 * 1024  # bytes; the server refuses a file of this size or more
MAX_DOWNLOAD_FILES = 5
_CHUNK = 64 * 1024

#: A local path, the bytes themselves, or an async stream of bytes.
FileSource = Union[str, "os.PathLike[str]", bytes, AsyncIterable[bytes]]


class SessionFiles(SessionResource):
    """Files of a session, under ``/home/work``: ``upload``, ``download``, ``download_single``,
    ``list_files``."""

    async def upload(
        self,
        session: str,
        files: Mapping[str, FileSource] | Iterable[str | os.PathLike[str]],
        **options: Unpack[CallOptions],
    ) -> None:
        """Upload files into the session's ``/home/work``.

        ``files`` maps a destination path (relative to ``/home/work``) to its source, or lists
        local paths (uploaded under their base names). At most 20 files, each under 1 MiB: more
        raises ``ValueError`` before anything is sent.
        """
        pairs = list(files.items()) if isinstance(files, Mapping) else [(Path(p).name, p) for p in files]
        if len(pairs) > MAX_UPLOAD_FILES:
            raise UsageError(f"at most {MAX_UPLOAD_FILES} files per upload, not {len(pairs)}")
        contents = [(name, await _read_limited(name, source)) for name, source in pairs]
        boundary = secrets.token_hex(16)
        version = await self._pipeline.negotiate(**options)
        await self._pipeline.send(
            "POST",
            f"{session_prefix(version)}/{segment(session)}/upload",
            data=_form_data(contents, boundary),
            content_type=f"multipart/form-data; boundary={boundary}",
            **options,
        )

    async def download(
        self,
        session: str,
        files: Iterable[str],
        dest: str | os.PathLike[str] = ".",
        *,
        read_timeout: float | None = 60.0,
        **options: Unpack[CallOptions],
    ) -> list[Path]:
        """Download up to 5 paths (relative to ``/home/work``) into the directory ``dest``.

        The server answers one tar archive per path; each is written to disk as it arrives and
        then unpacked (members that would land outside ``dest`` are refused). Returns the paths
        unpacked. ``timeout`` bounds connecting, ``read_timeout`` each wait for data.
        """
        names = list(files)
        if not 0 < len(names) <= MAX_DOWNLOAD_FILES:
            raise UsageError(f"download takes 1 to {MAX_DOWNLOAD_FILES} paths, not {len(names)}")
        target = Path(dest)
        version = await self._pipeline.negotiate(**options)
        unpacked: list[Path] = []
        async with self._pipeline.stream(
            "POST" if feature_enabled("session-download-post", version, None) else "GET",
            f"{session_prefix(version)}/{segment(session)}/download",
            params=[("files", name) for name in names],
            json={"files": names},
            read_timeout=read_timeout,
            retry_safe=True,  # reading files changes nothing
            **options,
        ) as resp:
            async for part in resp.parts():
                unpacked.extend(await _save_tar_part(part, target))
        return unpacked

    async def download_single(self, session: str, file: str, **options: Unpack[CallOptions]) -> bytes:
        """The bytes of one file (at most 1 MiB) of the session."""
        version = await self._pipeline.negotiate(**options)
        result: bytes = await self._pipeline.send(
            "POST" if feature_enabled("session-download-post", version, None) else "GET",
            f"{session_prefix(version)}/{segment(session)}/download_single",
            params={"file": file},
            json={"file": file},
            **options,
            retry_safe=True,
            parse="bytes",
        )
        return result

    async def list_files(self, session: str, path: str = ".", **options: Unpack[CallOptions]) -> SessionFileList:
        """``{"files": [entries], "errors", "abspath"}`` for a directory under ``/home/work``
        (the server's JSON-in-a-string ``files`` decoded; an empty string, as the dummy agent
        sends, is an empty list)."""
        version = await self._pipeline.negotiate(**options)
        result: SessionFileList = await self._pipeline.send(
            "GET",
            f"{session_prefix(version)}/{segment(session)}/files",
            params={"path": path},
            json={"path": path},  # ≤ 26.2 reads a JSON body even on this GET
            **options,
        )
        files = result.get("files")
        if isinstance(files, str):
            try:
                result["files"] = jsonlib.loads(files) if files.strip() else []
            except ValueError as exc:
                raise ResponseError(f"the file list is not JSON: {exc}", status=200) from exc
        return result


async def _read_limited(name: str, source: FileSource) -> bytes:
    """The content of one upload, refused at ``MAX_UPLOAD_SIZE`` bytes or more."""
    if not name or "\r" in name or "\n" in name:
        raise UsageError(f"not a valid upload destination: {name!r}")
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, (str, os.PathLike)):
        data = await asyncio.to_thread(_read_file, Path(source))
    else:
        buffer = bytearray()
        async for chunk in source:
            buffer += chunk
            if len(buffer) >= MAX_UPLOAD_SIZE:
                break
        data = bytes(buffer)
    if len(data) >= MAX_UPLOAD_SIZE:
        raise UsageError(f"{name!r} is too large to upload: files must be under {MAX_UPLOAD_SIZE} bytes")
    return data


def _read_file(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(MAX_UPLOAD_SIZE)


def _form_data(contents: list[tuple[str, bytes]], boundary: str) -> bytes:
    """``multipart/form-data`` with one ``src`` part per file, the destination as its filename."""
    out = bytearray()
    for name, data in contents:
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        out += (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="src"; filename="{quoted}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)


async def _save_tar_part(part: StreamPart, target: Path) -> list[Path]:
    """Write one tar part to a file in ``target`` chunk by chunk, unpack it, delete it."""
    await asyncio.to_thread(target.mkdir, parents=True, exist_ok=True)
    archive = target / f".download-{secrets.token_hex(6)}.tar"
    fh = await asyncio.to_thread(archive.open, "wb")
    try:
        try:
            while chunk := await part.read_chunk(_CHUNK):
                await asyncio.to_thread(fh.write, chunk)
        finally:
            await asyncio.to_thread(fh.close)
        return await asyncio.to_thread(_unpack, archive, target)
    finally:
        await asyncio.to_thread(archive.unlink, missing_ok=True)


def _unpack(archive: Path, target: Path) -> list[Path]:
    import tarfile  # only when a download arrives: it costs import time

    root = target.resolve()
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        for member in members:
            where = (root / member.name).resolve()
            if not where.is_relative_to(root) or member.issym() or member.islnk() or member.isdev():
                raise ResponseError(f"refused archive member {member.name!r}", status=200)
        _extract(tar, root)
    return [root / m.name for m in members if m.isfile()]


def _extract(tar: TarFile, root: Path) -> None:
    import tarfile

    if hasattr(tarfile, "data_filter"):
        tar.extractall(root, filter="data")
    else:  # pragma: no cover - Python without extraction filters; members were checked above
        tar.extractall(root)  # noqa: S202
