"""Transfers through a storage-proxy outage: the FakeManager's storage proxy is closed and started
again on the same port while an upload or a download runs."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import os
import stat
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from yarl import URL

import backendai_async as bai
from backendai_async.resources import outage
from backendai_async.testing import FakeManager, TransferFault
from backendai_async.transport.request import masked

from .conftest import AK, SK, ClientFactory

CHUNK = 256 * 1024
DATA = os.urandom(10 * CHUNK + 1234)  # ten full chunks and a short one


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored(fm: FakeManager, path: str) -> bytes:
    folder = next(f for f in fm.vfolders.folders.values() if f.name == "box")
    return bytes(folder.files[path])


def patched(fm: FakeManager) -> list[tuple[int, int]]:
    """(Upload-Offset, Content-Length) of every PATCH that reached the storage proxy."""
    return [
        (int(r.headers["Upload-Offset"]), int(r.headers["Content-Length"]))
        for r in fm.vfolders.storage_requests
        if r.method == "PATCH"
    ]


class Waits(logging.Handler):
    """Counts the SDK's log lines for a transfer that waits for the storage proxy."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0
        self._waiters: list[tuple[int, asyncio.Event]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("transfer of "):
            self.count += 1
            for wanted, event in self._waiters:
                if self.count >= wanted:
                    event.set()

    async def reach(self, count: int) -> None:
        event = asyncio.Event()
        self._waiters.append((count, event))
        if self.count >= count:
            event.set()
        await event.wait()


@pytest.fixture
def waits() -> Iterator[Waits]:
    logger = logging.getLogger("backendai_async")
    handler, level = Waits(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
async def client(fm: FakeManager, make_client: ClientFactory) -> AsyncIterator[bai.Client]:
    client = make_client(fm)
    await client.vfolder.create("box", "local:volume1")
    tasks = asyncio.all_tasks()
    yield client
    connector = client.http_session.connector
    assert connector is not None and not connector._acquired  # no connection left in use
    await client.close()
    await fm.vfolders.proxy.close()  # its handlers of the client's idle connections end too
    assert asyncio.all_tasks() - {asyncio.current_task()} <= tasks  # no task left behind


def cut_after(fm: FakeManager, at: int) -> tuple[bai.Progress, asyncio.Event]:
    """A progress callback that closes the storage proxy once ``at`` bytes went out (the request
    in flight is cut), and the event set when it is closed."""
    closed = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []

    async def close() -> None:
        await fm.vfolders.proxy.close()
        closed.set()

    def progress(path: str, done: int, total: int | None) -> None:
        if done >= at and not tasks:
            tasks.append(asyncio.create_task(close()))

    return progress, closed


async def test_an_outage_shorter_than_the_window_is_ridden_out(
    fm: FakeManager, client: bai.Client, waits: Waits
) -> None:
    progress, closed = cut_after(fm, 3 * CHUNK + CHUNK // 2)

    async def restart() -> None:
        await closed.wait()
        await waits.reach(3)  # the client tried while the proxy was down, then backed off
        await fm.vfolders.proxy.start()

    restarter = asyncio.create_task(restart())
    await client.vfolder.upload("in.bin", DATA, "box", chunk_size=CHUNK, progress=progress)
    await restarter
    assert sha(stored(fm, "in.bin")) == sha(DATA)
    sent = sum(length for _, length in patched(fm))
    assert len(DATA) <= sent <= len(DATA) + CHUNK  # at most the chunk in flight went out twice


async def test_an_outage_longer_than_the_window_hands_over_the_session(
    fm: FakeManager, client: bai.Client, waits: Waits
) -> None:
    progress, _ = cut_after(fm, 4 * CHUNK)
    with pytest.raises(bai.UploadInterruptedError) as caught:
        await client.vfolder.upload("in.bin", DATA, "box", chunk_size=CHUNK, progress=progress, outage_window=0.5)
    error = caught.value
    assert isinstance(error, bai.RequestError) and isinstance(error.__cause__, bai.RequestError)
    session = error.session
    assert (session.path, session.folder, session.size) == ("in.bin", "box", len(DATA))
    assert 3 * CHUNK <= session.offset <= 5 * CHUNK and session.offset % CHUNK == 0
    token = session.url.query["token"]
    for shown in (str(error), repr(error), repr(session), error.request_url or ""):
        assert token not in shown
    assert waits.count >= 2

    await fm.vfolders.proxy.start()
    fm.vfolders.storage_requests.clear()
    offset = session.offset
    await client.vfolder.upload("in.bin", DATA, "box", chunk_size=CHUNK, resume=session)
    assert fm.vfolders.storage_requests[0].method == "HEAD"
    assert patched(fm)[0][0] == offset
    assert sum(length for _, length in patched(fm)) == len(DATA) - offset  # only what was missing
    assert session.offset == len(DATA)
    assert sha(stored(fm, "in.bin")) == sha(DATA)
    with pytest.raises(bai.UsageError, match="upload session is for"):
        await client.vfolder.upload("other.bin", DATA, "box", resume=session)


RESUME_IN_ANOTHER_PROCESS = """
import asyncio, sys
import backendai_async as bai

async def main() -> None:
    endpoint, access_key, secret_key, source, state = sys.argv[1:]
    config = bai.ClientConfig(access_key, secret_key, endpoint, max_retries=0)
    async with bai.Client(config) as client:
        await client.vfolder.upload("in.bin", source, "box", chunk_size=%d, state_file=state)

asyncio.run(main())
"""


async def test_another_process_resumes_from_the_state_file(
    fm: FakeManager, client: bai.Client, tmp_path: Path, waits: Waits
) -> None:
    source, state = tmp_path / "in.bin", tmp_path / "in.bin.upload"
    source.write_bytes(DATA)
    progress, _ = cut_after(fm, 5 * CHUNK)
    with pytest.raises(bai.UploadInterruptedError) as caught:
        await client.vfolder.upload(
            "in.bin", source, "box", chunk_size=CHUNK, progress=progress, outage_window=0.5, state_file=state
        )
    offset = caught.value.session.offset
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    saved = json.loads(state.read_text())
    assert saved["url"] == str(caught.value.session.url) and saved["size"] == len(DATA)

    await fm.vfolders.proxy.start()
    fm.vfolders.storage_requests.clear()
    requests_before = len(fm.requests)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", RESUME_IN_ANOTHER_PROCESS % CHUNK, str(fm.url), AK, SK, str(source), str(state),
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, errors = await process.communicate()
    assert process.returncode == 0, errors.decode()
    assert not any(r.path.endswith("/request-upload") for r in fm.requests[requests_before:])  # no new session
    assert patched(fm)[0][0] == offset
    assert sum(length for _, length in patched(fm)) == len(DATA) - offset
    assert sha(stored(fm, "in.bin")) == sha(DATA)
    assert not state.exists()  # removed once complete


async def test_an_async_iterable_resumed_skips_what_the_server_has(fm: FakeManager, client: bai.Client) -> None:
    progress, _ = cut_after(fm, 2 * CHUNK)
    with pytest.raises(bai.UploadInterruptedError) as caught:
        await client.vfolder.upload("it.bin", DATA, "box", chunk_size=CHUNK, progress=progress, outage_window=0)
    session = caught.value.session
    await fm.vfolders.proxy.start()

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(DATA), 100_000):
            yield DATA[start : start + 100_000]

    await client.vfolder.upload("it.bin", pieces(), "box", size=len(DATA), chunk_size=CHUNK, resume=session)
    assert sha(stored(fm, "it.bin")) == sha(DATA)


@pytest.fixture
def long_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every wait for the storage proxy lasts a minute: only an abort or a cancel ends it early."""
    monkeypatch.setattr(outage, "backoff", lambda *args: 60.0)


async def test_an_abort_during_the_outage_ends_the_upload_at_once(
    fm: FakeManager, client: bai.Client, waits: Waits, long_backoff: None
) -> None:
    controller = bai.AbortController()
    progress, _ = cut_after(fm, CHUNK)
    upload = asyncio.create_task(
        client.vfolder.upload(
            "in.bin", DATA, "box", chunk_size=CHUNK, progress=progress, outage_window=math.inf, signal=controller.signal
        )
    )
    await waits.reach(2)  # in the minute-long wait
    controller.abort("user")
    with pytest.raises(bai.AbortError, match="user"):
        await asyncio.wait_for(upload, 10)


async def test_a_cancel_during_the_outage_is_not_swallowed(
    fm: FakeManager, client: bai.Client, waits: Waits, long_backoff: None
) -> None:
    progress, _ = cut_after(fm, CHUNK)
    upload = asyncio.create_task(client.vfolder.upload("in.bin", DATA, "box", chunk_size=CHUNK, progress=progress))
    await waits.reach(2)
    upload.cancel()
    with pytest.raises(asyncio.CancelledError):
        await upload
    assert upload.cancelled()


async def test_a_download_resumes_with_range_after_a_restart(fm: FakeManager, client: bai.Client, waits: Waits) -> None:
    big = os.urandom(16 << 20)  # more than the socket buffers hold: the body is cut mid-way
    await client.vfolder.upload("big.bin", big, "box")
    fm.vfolders.storage_requests.clear()
    digest = hashlib.sha256()
    restarted: asyncio.Task[None] | None = None
    async with client.vfolder.download("big.bin", "box") as stream:
        async for piece in stream:
            digest.update(piece)
            if restarted is None:
                await fm.vfolders.proxy.close()  # the reader waits meanwhile: the response is unfinished
                restarted = asyncio.create_task(restart_after(fm, waits, 2))
    assert restarted is not None and waits.count >= 2
    await restarted
    assert digest.hexdigest() == sha(big)
    ranges = [r.headers.get("Range") for r in fm.vfolders.storage_requests]
    assert ranges[0] is None and ranges[-1] is not None and ranges[-1].startswith("bytes=")
    assert (stream.position, stream.size) == (len(big), len(big))


async def restart_after(fm: FakeManager, waits: Waits, count: int) -> None:
    await waits.reach(count)
    await fm.vfolders.proxy.start()


async def test_closing_a_download_waiting_for_the_proxy_ends_it(
    fm: FakeManager, client: bai.Client, waits: Waits, long_backoff: None
) -> None:
    await client.vfolder.upload("big.bin", os.urandom(16 << 20), "box")
    stream = client.vfolder.download("big.bin", "box")
    async with stream:
        await fm.vfolders.proxy.close()

        async def read_rest() -> int:
            return sum([len(piece) async for piece in stream])

        reader = asyncio.create_task(read_rest())
        await waits.reach(2)
        await stream.close()
        assert await asyncio.wait_for(reader, 10) < 16 << 20


def test_a_state_file_is_checked(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    for content in ("", "{}", '{"kind": "backendai_async.upload-session", "url": 1}', "[]"):
        bad.write_text(content)
        with pytest.raises(bai.UsageError, match="not an upload state file"):
            bai.UploadSession.load(bad)


async def test_a_negative_window_is_refused_before_anything_is_sent(fm: FakeManager, client: bai.Client) -> None:
    sent = len(fm.requests)
    with pytest.raises(bai.UsageError, match="outage_window"):
        await client.vfolder.upload("x", b"x", "box", outage_window=-1)
    assert len(fm.requests) == sent
    with pytest.raises(bai.UsageError, match="outage_window"):
        client.vfolder.download("x", "box", outage_window=float("nan"))


async def test_the_token_is_in_no_error_or_log_line_when_a_body_is_cut(
    fm: FakeManager, client: bai.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="backendai_async")
    fm.vfolders.inject(TransferFault(method="PATCH", after=1, times=None))
    big = bytes(8 << 20)
    with pytest.raises(bai.UploadInterruptedError) as caught:
        await client.vfolder.upload("x", big, "box", chunk_size=len(big), outage_window=0)
    token = caught.value.session.url.query["token"]
    errors = [caught.value, caught.value.__cause__]
    for shown in [*map(str, errors), *map(repr, errors), *(r.getMessage() for r in caplog.records)]:
        assert token not in shown


def test_aiohttp_messages_that_name_the_url_are_masked() -> None:
    url = URL("http://127.0.0.1:1/upload?token=s3cret&x=1")
    text = masked(f"Can not write request body for {url}", url)  # aiohttp's ClientOSError on 26.9.6
    assert "s3cret" not in text and text.endswith("?token=***&x=1")
    assert masked("Server disconnected", url) == "Server disconnected"
