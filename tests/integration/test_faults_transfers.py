"""Transfers across a real storage-proxy restart on 26.9.6 (``stack/service.sh 26.09 stop|start
storage-proxy``): a 768 MiB upload and a 768 MiB download go on after the restart, SHA-256 equal,
with no connection, task or file descriptor left behind. Whatever a test stops, it starts again.
Also: an upload whose process is killed with SIGKILL goes on from its state file, and one that the
storage proxy no longer knows starts again from byte 0."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import secrets
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from yarl import URL

import backendai_async as bai
from tests.support.digests import sha256_of

from .conftest import ApiConfigFactory

SIZE = 768 * 1024 * 1024
PIECE = 1024 * 1024
CHUNK = 64 * 1024 * 1024  # the SDK's default tus PATCH
SERVICE = Path(__file__).parent / "stack" / "service.sh"


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """768 MiB of random bytes, written a piece at a time, and its SHA-256; deleted afterwards."""
    path = tmp_path_factory.mktemp("faults") / "big.bin"
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(SIZE // PIECE):
            piece = os.urandom(PIECE)
            digest.update(piece)
            out.write(piece)
    yield path, digest.hexdigest()
    path.unlink()


async def storage_proxy(action: str) -> None:
    """``service.sh 26.09 <action> storage-proxy``; returns once it is stopped, or answers again."""
    proc = await asyncio.create_subprocess_exec(
        "bash", str(SERVICE), "26.09", action, "storage-proxy",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await proc.communicate()
    assert proc.returncode == 0, out.decode(errors="replace")


@contextlib.asynccontextmanager
async def restart_when(reached: asyncio.Event, *, resume: asyncio.Event | None = None) -> AsyncIterator[None]:
    """Inside the block: once ``reached`` is set, stop the storage proxy (then set ``resume``) and
    start it again. When the block ends, a restart that began has run to its end (started again)."""

    async def restart() -> None:
        await reached.wait()
        await storage_proxy("stop")
        if resume is not None:
            resume.set()
        await storage_proxy("start")

    task = asyncio.create_task(restart())
    try:
        yield
    finally:
        if reached.is_set():
            await task
        else:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def other_tasks() -> set[asyncio.Task[object]]:
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}


@contextlib.asynccontextmanager
async def client_without_leaks(config: bai.ClientConfig) -> AsyncIterator[bai.Client]:
    """A client on its own aiohttp session; when the block ends no connection is in use, and once
    both are closed no task or file descriptor is left."""
    tasks, fds = other_tasks(), open_fds()
    async with aiohttp.ClientSession() as http, bai.Client(config, http_session=http) as client:
        yield client
        assert http.connector is not None
        assert len(http.connector._acquired) == 0
    await asyncio.sleep(0)  # one turn of the loop: closed transports release their sockets (call_soon)
    assert open_fds() <= fds
    assert other_tasks() <= tasks


@contextlib.asynccontextmanager
async def scratch_folder(client: bai.Client, host: str) -> AsyncIterator[str]:
    name = f"bai-faults-{secrets.token_hex(4)}"
    folder_id = (await client.vfolder.create(name, host))["id"]
    try:
        yield name
    finally:
        with contextlib.suppress(bai.BackendAIError):
            await client.vfolder.delete(name)
        with contextlib.suppress(bai.BackendAIError):
            await client.vfolder.delete_from_trash_bin(folder_id)


def rode_out_an_outage(caplog: pytest.LogCaptureFixture, path: str) -> bool:
    """Whether the SDK logged a wait for the storage proxy during the transfer of ``path``."""
    return any(r.getMessage().startswith(f"transfer of {path}: ") for r in caplog.records)


async def test_an_upload_survives_a_storage_proxy_restart(
    api_config: ApiConfigFactory,
    current: dict[str, object],
    big_file: tuple[Path, str],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="backendai_async")
    source, digest = big_file
    reached = asyncio.Event()
    sent = 0
    last = 0

    def progress(path: str, done: int, total: int | None) -> None:
        nonlocal sent, last
        sent += max(0, done - last)  # bytes handed to the connection; a resume goes back
        last = done
        if done >= SIZE // 6:
            reached.set()

    async with client_without_leaks(api_config("user")) as client:
        async with scratch_folder(client, str(current["vfolder_host"])) as name:
            async with restart_when(reached):
                await client.vfolder.upload("big.bin", source, name, progress=progress)
            assert rode_out_an_outage(caplog, "big.bin")
            assert SIZE <= sent <= SIZE + CHUNK  # at most the chunk in flight was sent again
            dest = await client.vfolder.download_file("big.bin", tmp_path / "back.bin", name)
            assert sha256_of(dest) == digest
            dest.unlink()


async def test_a_download_survives_a_storage_proxy_restart(
    api_config: ApiConfigFactory,
    current: dict[str, object],
    big_file: tuple[Path, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="backendai_async")
    source, digest = big_file
    reached, resume = asyncio.Event(), asyncio.Event()
    async with client_without_leaks(api_config("user")) as client:
        async with scratch_folder(client, str(current["vfolder_host"])) as name:
            await client.vfolder.upload("big.bin", source, name)
            digest_back = hashlib.sha256()
            async with restart_when(reached, resume=resume):
                async with client.vfolder.download("big.bin", name) as stream:
                    async for piece in stream:
                        digest_back.update(piece)
                        if stream.position >= SIZE // 3 and not reached.is_set():
                            reached.set()
                            await resume.wait()  # no reading until the proxy is down: the body is cut
            assert rode_out_an_outage(caplog, "big.bin")
            assert (stream.position, stream.size) == (SIZE, SIZE)
            assert digest_back.hexdigest() == digest


UPLOAD_UNTIL_KILLED = """
import asyncio, sys
import backendai_async as bai

async def main() -> None:
    endpoint, access_key, secret_key, source, name, state = sys.argv[1:]
    def progress(path: str, done: int, total: int | None) -> None:
        print(done, flush=True)  # bytes handed to the connection so far
    config = bai.ClientConfig(access_key, secret_key, endpoint, max_retries=0)
    async with bai.Client(config) as client:
        await client.vfolder.upload("big.bin", source, name, progress=progress, state_file=state)

asyncio.run(main())
"""


async def tus_offset(http: aiohttp.ClientSession, url: URL) -> int:
    async with http.head(url, headers={"Tus-Resumable": "1.0.0"}) as resp:
        assert resp.status == 200
        return int(resp.headers["Upload-Offset"])


async def test_an_upload_killed_with_sigkill_goes_on_from_its_state_file(
    api_config: ApiConfigFactory,
    current: dict[str, object],
    big_file: tuple[Path, str],
    tmp_path: Path,
) -> None:
    source, digest = big_file
    state = tmp_path / "big.bin.upload"
    config = api_config("user")
    async with client_without_leaks(config) as client, aiohttp.ClientSession() as http:
        async with scratch_folder(client, str(current["vfolder_host"])) as name:
            child = await asyncio.create_subprocess_exec(
                sys.executable, "-c", UPLOAD_UNTIL_KILLED,
                config.endpoints[0], str(config.access_key), str(config.secret_key), str(source), name, str(state),
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            try:  # poll the real proxy (a deadline, no fixed sleep) until it holds a chunk or more
                deadline = asyncio.get_running_loop().time() + 60
                while not state.exists() or await tus_offset(http, bai.UploadSession.load(state).url) < CHUNK:
                    assert asyncio.get_running_loop().time() < deadline, "the child uploaded nothing"
                    await asyncio.sleep(0.02)
            finally:
                child.kill()
                out, errors = await child.communicate()
            assert child.returncode == -signal.SIGKILL, errors.decode()
            session = bai.UploadSession.load(state)
            kept = await tus_offset(http, session.url)
            handed = max(map(int, out.split()))
            assert CHUNK <= kept < SIZE and kept % CHUNK == 0
            assert kept <= handed <= kept + CHUNK  # lost at the kill: at most the chunk in flight

            sent: list[int] = []
            await client.vfolder.upload(
                "big.bin", source, name, state_file=state, progress=lambda p, done, total: sent.append(done)
            )
            assert min(sent) == kept and sent[-1] == SIZE  # went on from the proxy's offset
            assert not state.exists()
            dest = await client.vfolder.download_file("big.bin", tmp_path / "back.bin", name)
            assert sha256_of(dest) == digest
            dest.unlink()


@pytest.mark.parametrize("gone", ["complete", "unsigned token"])
async def test_an_upload_the_proxy_no_longer_knows_starts_again_from_byte_zero(
    api_config: ApiConfigFactory,
    current: dict[str, object],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    gone: str,
) -> None:
    caplog.set_level(logging.INFO, logger="backendai_async")
    data = os.urandom(3 * PIECE + 5)
    source, state = tmp_path / "small.bin", tmp_path / "small.bin.upload"
    source.write_bytes(data)
    async with client_without_leaks(api_config("user")) as client:
        async with scratch_folder(client, str(current["vfolder_host"])) as name:
            url = URL(await client.vfolder.create_upload_session("small.bin", len(data), name))
            session = bai.UploadSession(
                url,
                path="small.bin",
                folder=name,
                size=len(data),
                source=str(source.resolve()),
                modified=source.stat().st_mtime_ns,
            )
            if gone == "complete":  # a run completed it, and a copy of its state file was left behind
                session.save(state)
                await client.vfolder.upload("small.bin", source, name, chunk_size=PIECE, state_file=state)
                assert not state.exists()
            else:  # answered as 26.9.6 answers an expired token (measured): 400 invalid-api-params
                session.url = url.update_query(token=url.query["token"][:-4] + "AAAA")
            session.save(state)
            caplog.clear()
            await client.vfolder.upload("small.bin", source, name, chunk_size=PIECE, state_file=state)
            status = 404 if gone == "complete" else 400
            lines = [r.getMessage() for r in caplog.records if "from byte 0" in r.getMessage()]
            assert lines == [f"upload of small.bin: unknown to the storage proxy ({status}); again from byte 0"]
            assert not state.exists()
            dest = await client.vfolder.download_file("small.bin", tmp_path / "back.bin", name)
            assert dest.read_bytes() == data
