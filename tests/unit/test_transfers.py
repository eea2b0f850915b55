"""Uploads (tus) and downloads (Range) through the fake storage proxy: resume, trees, progress."""

from __future__ import annotations

import asyncio
import hashlib
import io
import zipfile
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

import backendai_async as bai
from backendai_async.testing import FakeManager, TransferFault

from .conftest import ClientFactory

CHUNK = 64 * 1024
DATA = bytes(range(256)) * 1200  # 307200 bytes: 4 full chunks and a short one


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored(fm: FakeManager, folder: str, path: str) -> bytes:
    found = next(f for f in fm.vfolders.folders.values() if f.name == folder)
    return bytes(found.files[path])


@pytest.fixture
async def client(fm: FakeManager, make_client: ClientFactory) -> bai.Client:
    client = make_client(fm, max_retries=2)
    await client.vfolder.create("box", "local:volume1")
    return client


async def test_upload_file_speaks_tus_and_reports_progress(fm: FakeManager, client: bai.Client, tmp_path: Path) -> None:
    source = tmp_path / "in.bin"
    source.write_bytes(DATA)
    seen: list[tuple[str, int, int | None]] = []
    await client.vfolder.upload("dir/in.bin", source, "box", chunk_size=CHUNK, progress=lambda *a: seen.append(a))
    assert fm.requests[-1].json == {"path": "dir/in.bin", "size": len(DATA)}
    patches = fm.vfolders.storage_requests
    assert [int(r.headers["Upload-Offset"]) for r in patches] == list(range(0, len(DATA), CHUNK))
    for r in patches:
        assert r.method == "PATCH" and r.path == "/upload"
        assert r.headers["Tus-Resumable"] == "1.0.0"
        assert r.headers["Content-Type"] == "application/offset+octet-stream"
        assert int(r.headers["Content-Length"]) == min(CHUNK, len(DATA) - int(r.headers["Upload-Offset"]))
        assert not {"Authorization", "X-BackendAI-Version", "Cookie"} & set(r.headers)
    assert stored(fm, "box", "dir/in.bin") == DATA
    assert seen[-1] == ("dir/in.bin", len(DATA), len(DATA))
    assert [done for _, done, _ in seen] == sorted(done for _, done, _ in seen)


async def test_upload_resumes_after_a_drop_and_the_download_too(
    fm: FakeManager, client: bai.Client, tmp_path: Path
) -> None:
    source = tmp_path / "in.bin"
    source.write_bytes(DATA)
    fm.vfolders.inject(TransferFault(method="PATCH", after=CHUNK // 2))
    fm.vfolders.inject(TransferFault(method="PATCH", after=10))  # the same chunk again: no progress twice
    await client.vfolder.upload("in.bin", source, "box", chunk_size=CHUNK)
    methods = [(r.method, r.headers.get("Upload-Offset")) for r in fm.vfolders.storage_requests]
    assert methods[:5] == [("PATCH", "0"), ("HEAD", None), ("PATCH", "0"), ("HEAD", None), ("PATCH", "0")]
    assert sha(stored(fm, "box", "in.bin")) == sha(DATA)

    fm.vfolders.storage_requests.clear()
    fm.vfolders.inject(TransferFault(method="GET", after=100_000))
    dest = await client.vfolder.download_file("in.bin", tmp_path / "out.bin", "box")
    assert sha(dest.read_bytes()) == sha(DATA)
    gets = fm.vfolders.storage_requests
    assert [r.headers.get("Range") for r in gets] == [None, "bytes=100000-"]
    assert not (tmp_path / "out.bin.part").exists()


async def test_failures_without_progress_are_bounded(fm: FakeManager, make_client: ClientFactory) -> None:
    client = make_client(fm, max_retries=0)
    await client.vfolder.create("box")
    fm.vfolders.inject(TransferFault(method="PATCH", after=1, times=None))
    with pytest.raises(bai.UploadInterruptedError) as caught:  # the first retry is at once, then the window
        await client.vfolder.upload("x", DATA, "box", chunk_size=CHUNK, outage_window=0)
    assert [r.method for r in fm.vfolders.storage_requests] == ["PATCH", "HEAD", "PATCH"]
    assert isinstance(caught.value, bai.RequestError) and isinstance(caught.value.__cause__, bai.RequestError)
    assert (caught.value.session.path, caught.value.session.offset) == ("x", 0)


async def test_a_part_file_is_continued_with_range(fm: FakeManager, client: bai.Client, tmp_path: Path) -> None:
    await client.vfolder.upload("in.bin", DATA, "box")
    (tmp_path / "out.bin.part").write_bytes(DATA[:5000])
    await client.vfolder.download_file("in.bin", tmp_path / "out.bin", "box")
    assert (tmp_path / "out.bin").read_bytes() == DATA
    assert fm.vfolders.storage_requests[-1].headers["Range"] == "bytes=5000-"
    (tmp_path / "out.bin.part").write_bytes(DATA + b"longer than the file")  # 416: start again
    await client.vfolder.download_file("in.bin", tmp_path / "out.bin", "box")
    assert (tmp_path / "out.bin").read_bytes() == DATA


async def test_async_iterable_upload_resends_the_chunk_in_flight(fm: FakeManager, client: bai.Client) -> None:
    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(DATA), 10_000):
            yield DATA[start : start + 10_000]

    fm.vfolders.inject(TransferFault(method="PATCH", after=CHUNK - 1))
    await client.vfolder.upload("it.bin", pieces(), "box", size=len(DATA), chunk_size=CHUNK)
    assert stored(fm, "box", "it.bin") == DATA
    with pytest.raises(ValueError, match="size"):
        await client.vfolder.upload("it.bin", pieces(), "box")
    with pytest.raises(ValueError, match="ended after"):
        await client.vfolder.upload("it.bin", pieces(), "box", size=len(DATA) + 1)


async def test_empty_file_is_finished_by_one_patch(fm: FakeManager, client: bai.Client) -> None:
    await client.vfolder.upload("empty", b"", "box")
    assert stored(fm, "box", "empty") == b""
    assert [r.headers["Content-Length"] for r in fm.vfolders.storage_requests] == ["0"]


async def test_upload_tree_keeps_the_layout(fm: FakeManager, client: bai.Client, tmp_path: Path) -> None:
    root = tmp_path / "tree"
    files = {"a.txt": b"A" * 10, "sub/b.bin": DATA, "sub/deeper/c": b"C", "other/d": b"D" * 70_000}
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    (root / "empty" / "dir").mkdir(parents=True)
    progress: dict[str, int] = {}
    uploaded = await client.vfolder.upload_tree(
        root, "box", path="up", concurrency=2, chunk_size=CHUNK, progress=lambda p, d, t: progress.__setitem__(p, d)
    )
    assert sorted(uploaded) == sorted(f"up/{rel}" for rel in files)
    folder = next(f for f in fm.vfolders.folders.values() if f.name == "box")
    assert {p: bytes(d) for p, d in folder.files.items()} == {f"up/{rel}": d for rel, d in files.items()}
    assert {"up/empty/dir", "up/sub/deeper", "up/other"} <= folder.dirs
    mkdirs = [r.json for r in fm.requests if r.path.endswith("/mkdir")]
    assert all(m["parents"] and m["exist_ok"] for m in mkdirs)
    assert progress == {f"up/{rel}": len(d) for rel, d in files.items()}


async def test_upload_tree_stops_at_the_first_failure(
    fm: FakeManager, make_client: ClientFactory, tmp_path: Path
) -> None:
    client = make_client(fm)
    await client.vfolder.create("box")
    for i in range(4):
        (tmp_path / f"f{i}").write_bytes(b"x" * 100)
    fm.vfolders.inject(TransferFault(method="PATCH", after=1, times=None))
    with pytest.raises(bai.RequestError):
        await client.vfolder.upload_tree(tmp_path, "box", concurrency=2, outage_window=0)


async def test_download_as_an_async_iterator(fm: FakeManager, client: bai.Client) -> None:
    await client.vfolder.upload("in.bin", DATA, "box")
    fm.vfolders.inject(TransferFault(method="GET", after=1000))
    async with client.vfolder.download("in.bin", "box") as stream:
        assert stream.size == len(DATA)
        received = b"".join([piece async for piece in stream])
    assert received == DATA
    assert stream.position == len(DATA)
    async with client.vfolder.download("in.bin", "box", offset=300_000) as stream:
        assert b"".join([piece async for piece in stream]) == DATA[300_000:]
    stream = client.vfolder.download("in.bin", "box")
    async with stream:
        await stream.__anext__()
        await stream.close()
        await stream.close()
        assert [piece async for piece in stream] == []


async def test_close_from_another_task_ends_a_waiting_reader(fm: FakeManager, client: bai.Client) -> None:
    await client.vfolder.upload("in.bin", DATA, "box")
    async with client.vfolder.download("in.bin", "box") as stream:
        reader_waiting = asyncio.Event()

        async def read_all() -> int:
            total = 0
            async for piece in stream:
                total += len(piece)
                reader_waiting.set()
            return total

        reader = asyncio.create_task(read_all())
        await reader_waiting.wait()
        await stream.close()
        assert await reader <= len(DATA)


async def test_abort_between_pieces_fails_the_next_read_only(fm: FakeManager, client: bai.Client) -> None:
    await client.vfolder.upload("in.bin", DATA, "box")
    controller = bai.AbortController()
    pieces = 0

    async def consume() -> None:
        nonlocal pieces
        async with client.vfolder.download("in.bin", "box", signal=controller.signal) as stream:
            async for _ in stream:
                pieces += 1
                controller.abort("stop")
                await asyncio.sleep(0)  # the caller's own awaits are not cancelled

    with pytest.raises(bai.AbortError, match="stop"):
        await consume()
    assert pieces == 1


async def test_archive_download_is_a_zip(fm: FakeManager, client: bai.Client, tmp_path: Path) -> None:
    await client.vfolder.upload("d/x", b"xx", "box")
    await client.vfolder.upload("d/y/z", b"zz", "box")
    dest = await client.vfolder.download_file("d", tmp_path / "d.zip", "box", archive=True)
    with zipfile.ZipFile(io.BytesIO(dest.read_bytes())) as archive:
        assert sorted(archive.namelist()) == ["x", "y/z"]
    request = fm.requests[-1]
    assert (request.path, request.json) == ("/folders/box/request-download", {"file": "d", "archive": True})
    assert fm.vfolders.storage_requests[-1].query["archive"] == "true"


async def test_abort_during_an_upload(fm: FakeManager, client: bai.Client) -> None:
    controller = bai.AbortController()
    with pytest.raises(bai.AbortError):
        await client.vfolder.upload(
            "big",
            DATA,
            "box",
            chunk_size=CHUNK,
            progress=lambda *a: controller.abort("enough"),
            signal=controller.signal,
        )


async def test_storage_errors_mask_the_token(fm: FakeManager, client: bai.Client, tmp_path: Path) -> None:
    await client.vfolder.upload("gone", DATA, "box")
    folder = next(f for f in fm.vfolders.folders.values() if f.name == "box")
    fm.vfolders.inject(TransferFault(method="GET", after=1000))
    with pytest.raises(bai.NotFoundError) as info:  # the resume finds the file gone
        await client.vfolder.download_file("gone", tmp_path / "g", "box", progress=lambda *a: folder.files.clear())
    url = info.value.request_url or ""
    assert "token=***" in url and url.startswith(str(fm.vfolders.storage_url))
    token_url = await client.vfolder.create_upload_session("u", 1, "box")
    assert token_url.startswith(str(fm.vfolders.storage_url / "upload") + "?token=")


async def test_session_mode_transfers_send_no_session_to_the_storage_proxy(fm: FakeManager, tmp_path: Path) -> None:
    config = bai.ClientConfig(
        user_id="user@lablup.com", password="C8qnIo29", endpoint=str(fm.url), connection_mode="SESSION"
    )
    async with bai.Client(config) as client:
        assert await client.login()
        await client.vfolder.create("web")
        await client.vfolder.upload("f", DATA, "web", chunk_size=CHUNK)
        await client.vfolder.download_file("f", tmp_path / "f", "web")
    assert (tmp_path / "f").read_bytes() == DATA
    assert "/func/folders/web/request-upload" in [r.path for r in fm.requests]
    for r in fm.vfolders.storage_requests:
        assert not {"Cookie", "X-BackendAI-SessionID", "Authorization"} & set(r.headers)


async def test_legacy_server_uses_the_managers_tus_and_download_single(
    make_client: ClientFactory, tmp_path: Path
) -> None:
    async with FakeManager("19.09") as fm:
        client = make_client(fm)
        await client.get_manager_version()
        await client.vfolder.create("old")
        await client.vfolder.mkdir("d", "old")
        await client.vfolder.upload("d/f", DATA, "old", chunk_size=CHUNK)
        assert fm.requests[-6].path == "/folders/old/create_upload_session"
        patches = [r for r in fm.requests if r.method == "PATCH"]
        assert len(patches) == 5 and all(r.path.startswith("/folders/_/tus/upload/") for r in patches)
        assert not any("Authorization" in r.headers for r in patches)
        (tmp_path / "f.part").write_bytes(DATA[:10])
        await client.vfolder.download_file("d/f", tmp_path / "f", "old")
        assert (tmp_path / "f").read_bytes() == DATA
        last = fm.requests[-1]
        assert (last.path, last.query["file"], last.headers["Range"]) == (
            "/folders/old/download_single",
            "d/f",
            "bytes=10-",
        )
        assert "Authorization" in last.headers
        token = (await client.vfolder.request_download_token("d/f", "old"))["token"]
        assert fm.requests[-1].path == "/folders/old/request_download"
        assert (
            client.vfolder.get_download_url_with_token(token) == f"{fm.url}/folders/_/download_with_token?token={token}"
        )
        async with client.vfolder.download_with_token(token) as stream:
            assert b"".join([p async for p in stream]) == DATA


async def test_a_server_ignoring_range_is_skipped_to_the_offset(
    fm: FakeManager, make_client: ClientFactory, tmp_path: Path
) -> None:
    async def whole(request: web.Request) -> web.Response:
        return web.Response(body=DATA)  # 200 with everything, whatever the Range

    app = web.Application()
    app.router.add_get("/file", whole)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        host, port = runner.addresses[0][:2]
        url = URL.build(scheme="http", host=host, port=port, path="/file")
        pipeline = make_client(fm)._pipeline

        def open_at(offset: int, signal: bai.AbortSignal) -> AbstractAsyncContextManager[aiohttp.ClientResponse]:
            return pipeline.stream("GET", url, headers={"Range": f"bytes={offset}-"}, signal=signal)

        async with bai.Download(open_at, label="file", offset=1000) as stream:
            assert b"".join([piece async for piece in stream]) == DATA[1000:]
    finally:
        await runner.cleanup()
