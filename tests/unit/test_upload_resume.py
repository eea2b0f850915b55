"""Resuming an upload from its state file: after the uploading process was killed with SIGKILL,
when the storage proxy no longer knows the upload (it starts again from byte 0), and the state
files that are refused because they are for other bytes."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from yarl import URL

import backendai_async as bai
from backendai_async.testing import FakeManager

from .conftest import AK, SK, ClientFactory
from .test_transfer_outages import CHUNK, DATA, cut_after, patched, sha, stored

UPLOAD_UNTIL_KILLED = """
import asyncio, sys
import backendai_async as bai

async def main() -> None:
    endpoint, access_key, secret_key, source, state, chunk_size = sys.argv[1:]
    config = bai.ClientConfig(access_key, secret_key, endpoint, max_retries=0)
    async with bai.Client(config) as client:
        await client.vfolder.upload("big.bin", source, "box", chunk_size=int(chunk_size), state_file=state)

asyncio.run(main())
"""


@pytest.fixture
async def client(fm: FakeManager, make_client: ClientFactory) -> AsyncIterator[bai.Client]:
    client = make_client(fm)
    await client.vfolder.create("box", "local:volume1")
    yield client
    connector = client.http_session.connector
    assert connector is not None and not connector._acquired  # no connection left in use


def requested_uploads(fm: FakeManager) -> int:
    return sum(r.path.endswith("/request-upload") for r in fm.requests)


async def test_an_upload_killed_with_sigkill_resumes_from_its_state_file(
    fm: FakeManager, client: bai.Client, tmp_path: Path
) -> None:
    size, chunk = 32 << 20, 1 << 20
    source, state = tmp_path / "big.bin", tmp_path / "big.bin.upload"
    data = os.urandom(size)
    source.write_bytes(data)
    proxy = fm.vfolders.proxy
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", UPLOAD_UNTIL_KILLED, str(fm.url), AK, SK, str(source), str(state), str(chunk),
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        # the proxy runs on this loop: once it has read a quarter, the child is killed before
        # it can be answered much more
        await asyncio.wait_for(proxy.wait_for_bytes(size // 4), 60)
    finally:
        child.kill()
        _, errors = await child.communicate()
    assert child.returncode == -signal.SIGKILL, errors.decode()
    (upload,) = proxy.uploads.values()
    kept = len(upload.data)  # what the proxy committed; the body in flight was cut and lost
    assert size // 4 - chunk <= kept < size and kept % chunk == 0
    assert state.exists() and requested_uploads(fm) == 1

    fm.vfolders.storage_requests.clear()
    await client.vfolder.upload("big.bin", source, "box", chunk_size=chunk, state_file=state)
    assert requested_uploads(fm) == 1  # the same upload, continued
    assert patched(fm)[0][0] == kept
    assert sha(stored(fm, "big.bin")) == sha(data)
    assert 0 <= proxy.received_bytes - size <= chunk  # sent twice: at most the chunk in flight at the kill
    assert not state.exists()


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    """A local file holding ``DATA``, and the name of its state file."""
    source = tmp_path / "in.bin"
    source.write_bytes(DATA)
    return source, tmp_path / "in.bin.upload"


async def interrupted_upload(fm: FakeManager, client: bai.Client, source: Path, state: Path) -> int:
    """Upload ``source`` with ``state`` until the storage proxy goes away after four chunks;
    returns the offset the proxy kept. The proxy is started again."""
    progress, _ = cut_after(fm, 4 * CHUNK)
    with pytest.raises(bai.UploadInterruptedError) as caught:
        await client.vfolder.upload(
            "in.bin", source, "box", chunk_size=CHUNK, progress=progress, outage_window=0, state_file=state
        )
    await fm.vfolders.proxy.start()
    return caught.value.session.offset


@pytest.mark.parametrize(("gone", "status"), [("token", 400), ("offset", 404), ("complete", 404)])
async def test_an_upload_the_proxy_no_longer_knows_starts_again_from_byte_zero(
    fm: FakeManager,
    client: bai.Client,
    files: tuple[Path, Path],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    gone: str,
    status: int,
) -> None:
    caplog.set_level(logging.INFO, logger="backendai_async")
    source, state = files
    assert await interrupted_upload(fm, client, source, state) > 0
    if gone == "complete":  # finished by another run, which removed the state file: a copy is left
        shutil.copy(state, tmp_path / "copy")
        await client.vfolder.upload("in.bin", source, "box", chunk_size=CHUNK, state_file=state)
        shutil.copy(tmp_path / "copy", state)
    else:
        fm.vfolders.proxy.expire_uploads(gone)  # type: ignore[arg-type]
    before = requested_uploads(fm)
    fm.vfolders.storage_requests.clear()
    caplog.clear()

    await client.vfolder.upload("in.bin", source, "box", chunk_size=CHUNK, state_file=state)
    head = fm.vfolders.storage_requests[0]
    assert head.method == "HEAD" and requested_uploads(fm) == before + 1  # refused, then a new upload
    assert patched(fm)[0][0] == 0 and sum(length for _, length in patched(fm)) == len(DATA)
    assert sha(stored(fm, "in.bin")) == sha(DATA)
    assert not state.exists()
    lines = [r.getMessage() for r in caplog.records if "from byte 0" in r.getMessage()]
    assert lines == [f"upload of in.bin: unknown to the storage proxy ({status}); again from byte 0"]


async def test_the_state_file_names_the_new_upload_at_once(
    fm: FakeManager, client: bai.Client, files: tuple[Path, Path]
) -> None:
    source, state = files
    await interrupted_upload(fm, client, source, state)
    fm.vfolders.proxy.expire_uploads("offset")
    first = bai.UploadSession.load(state)
    progress, _ = cut_after(fm, 2 * CHUNK)  # the new upload is interrupted in turn
    with pytest.raises(bai.UploadInterruptedError) as caught:
        await client.vfolder.upload(
            "in.bin", source, "box", chunk_size=CHUNK, progress=progress, outage_window=0, state_file=state
        )
    second = bai.UploadSession.load(state)
    assert second.url == caught.value.session.url != first.url
    await fm.vfolders.proxy.start()
    fm.vfolders.storage_requests.clear()
    await client.vfolder.upload("in.bin", source, "box", chunk_size=CHUNK, state_file=state)
    assert patched(fm)[0][0] == caught.value.session.offset > 0  # continued, not started again
    assert sha(stored(fm, "in.bin")) == sha(DATA)


async def test_a_proxy_that_stays_down_ends_the_resumed_upload_and_keeps_its_state_file(
    fm: FakeManager, client: bai.Client, files: tuple[Path, Path]
) -> None:
    source, state = files
    await interrupted_upload(fm, client, source, state)
    await fm.vfolders.proxy.close()  # no answer at all: not a session the proxy forgot
    with pytest.raises(bai.UploadInterruptedError):
        await client.vfolder.upload("in.bin", source, "box", chunk_size=CHUNK, state_file=state, outage_window=0)
    assert state.exists()  # kept for a later run
    assert requested_uploads(fm) == 1


async def test_the_fake_answers_an_unknown_upload_as_26_9_6_does(fm: FakeManager, client: bai.Client) -> None:
    url = await client.vfolder.create_upload_session("x.bin", 10, "box")
    forged = url.replace("token=", "token=x")
    async with aiohttp.ClientSession() as http:
        answers = []
        for target, gone in ((forged, None), (url, "offset"), (url, "token")):
            if gone is not None:
                fm.vfolders.proxy.expire_uploads(gone)  # type: ignore[arg-type]
            for method in ("HEAD", "PATCH"):
                headers = {"Tus-Resumable": "1.0.0", "Upload-Offset": "0"}
                async with http.request(method, target, headers=headers, data=b"" if method == "PATCH" else None) as r:
                    body = await r.json(content_type=None) if method == "PATCH" else None
                    answers.append((r.status, r.content_type, body and body.get("type")))
    probs = "https://api.backend.ai/probs/storage/"
    problem = "application/problem+json"
    assert answers == [
        (400, problem, None),
        (400, problem, probs + "invalid-api-params"),
        (404, problem, None),
        (404, problem, probs + "tus-session-not-found"),
        (404, problem, None),  # the offset went first: the token expiring later changes nothing
        (404, problem, probs + "tus-session-not-found"),
    ]


@pytest.mark.parametrize("change", ["destination", "size", "other file", "modified", "bytes"])
async def test_a_state_file_for_other_bytes_is_refused(
    fm: FakeManager, client: bai.Client, files: tuple[Path, Path], tmp_path: Path, change: str
) -> None:
    source, state = files
    await interrupted_upload(fm, client, source, state)
    target: str | bytes | Path = source
    path = "in.bin"
    if change == "destination":
        path = "elsewhere.bin"
    elif change == "size":
        source.write_bytes(DATA + b"more")
    elif change == "other file":
        target = tmp_path / "copy.bin"
        shutil.copy(source, target)
    elif change == "modified":
        os.utime(source, ns=(0, source.stat().st_mtime_ns + 1))
    else:
        target = DATA
    sent = len(fm.requests), len(fm.vfolders.storage_requests)
    expected = {
        "destination": "is for 'in.bin'",
        "size": "is for 'in.bin'",
        "other file": "local file",
        "bytes": "local file",
    }
    with pytest.raises(bai.UsageError, match=expected.get(change, "modified after its upload started")):
        await client.vfolder.upload(path, target, "box", chunk_size=CHUNK, state_file=state)  # type: ignore[arg-type]
    assert (len(fm.requests), len(fm.vfolders.storage_requests)) == sent  # refused before sending
    assert state.exists()


def test_a_state_file_records_the_local_file(tmp_path: Path) -> None:
    session = bai.UploadSession(
        URL("http://proxy/upload?token=t"), path="p", folder="f", size=3, source="/data/in.bin", modified=7
    )
    session.save(tmp_path / "state")
    loaded = bai.UploadSession.load(tmp_path / "state")
    assert (loaded.url, loaded.path, loaded.folder, loaded.size) == (session.url, "p", "f", 3)
    assert (loaded.source, loaded.modified) == ("/data/in.bin", 7)
    loaded.check_continues("p", "f", 3, "/data/in.bin", 7)
    older = tmp_path / "older"  # written before the local file was recorded: not checked
    older.write_text(
        '{"kind": "backendai_async.upload-session", "url": "http://p/u", "path": "p", "folder": null, "size": 3}'
    )
    bai.UploadSession.load(older).check_continues("p", None, 3, "/anything", 1)
