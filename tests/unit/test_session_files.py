"""upload / download / download_single / list_files: limits, streaming, parameter locations."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager, Fault

from .conftest import ClientFactory

THREE = ("19.09", "22.09", "26.9")


@pytest.fixture(params=THREE)
async def gfm(request: pytest.FixtureRequest) -> AsyncIterator[FakeManager]:
    async with FakeManager(request.param) as manager:
        yield manager


async def started(fm: FakeManager, make_client: ClientFactory) -> bai.Client:
    client = make_client(fm)
    await client.create_if_not_exists("python", "files-1")
    return client


async def chunks() -> AsyncIterator[bytes]:
    yield b"stre"
    yield b"amed"


async def test_upload_is_one_multipart_request(gfm: FakeManager, make_client: ClientFactory, tmp_path: Path) -> None:
    client = await started(gfm, make_client)
    local = tmp_path / "local.txt"
    local.write_bytes(b"from disk")
    await client.upload("files-1", {"a.txt": b"bytes", "dir/b.txt": local, "c.txt": chunks()})
    request = gfm.requests[-1]
    assert (request.method, request.raw_path) == ("POST", f"{gfm.generation.session_prefix}/files-1/upload")
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert request.body.count(b'name="src"') == 3
    kernel = gfm.session_api.kernel(next(iter(gfm.sessions.values())))
    assert kernel.files == {"a.txt": b"bytes", "dir/b.txt": b"from disk", "c.txt": b"streamed"}
    await client.upload("files-1", [local])
    assert kernel.files["local.txt"] == b"from disk"


async def test_upload_limits_are_checked_before_sending(fm: FakeManager, make_client: ClientFactory) -> None:
    client = await started(fm, make_client)
    count = len(fm.requests)
    with pytest.raises(ValueError, match="at most 20 files"):
        await client.upload("files-1", {f"f{i}": b"x" for i in range(21)})
    with pytest.raises(ValueError, match="too large"):
        await client.upload("files-1", {"big": b"x" * (1024 * 1024)})

    async def endless() -> AsyncIterator[bytes]:
        while True:
            yield b"x" * 65536

    with pytest.raises(ValueError, match="too large"):
        await client.upload("files-1", {"big": endless()})
    assert len(fm.requests) == count
    await client.upload("files-1", {f"f{i}": b"x" * (1024 * 1024 - 1) for i in range(2)})


async def test_download_streams_tar_parts_to_a_directory(
    gfm: FakeManager, make_client: ClientFactory, tmp_path: Path
) -> None:
    client = await started(gfm, make_client)
    await client.upload("files-1", {"a.txt": b"alpha", "dir/b.txt": b"beta"})
    paths = await client.download("files-1", ["a.txt", "dir/b.txt"], tmp_path)
    assert sorted(p.name for p in paths) == ["a.txt", "b.txt"]
    assert {p.name: p.read_bytes() for p in paths} == {"a.txt": b"alpha", "b.txt": b"beta"}
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "b.txt"]  # no archive left behind
    request = gfm.requests[-1]
    method = "POST" if gfm.generation.at_least("23.09") else "GET"
    p = gfm.generation.session_prefix
    assert (request.method, request.raw_path) == (method, f"{p}/files-1/download?files=a.txt&files=dir/b.txt")
    assert request.json == {"files": ["a.txt", "dir/b.txt"]}


@pytest.mark.parametrize("key", ["24.09", "26.3", "26.9"])
async def test_download_and_listing_wherever_the_server_reads(
    key: str, make_client: ClientFactory, tmp_path: Path
) -> None:
    async with FakeManager(key) as fm:
        client = await started(fm, make_client)
        await client.upload("files-1", {"a.txt": b"alpha"})
        [path] = await client.download("files-1", ["a.txt"], tmp_path)
        assert path.name == "a.txt"
        assert await client.download_single("files-1", "a.txt") == b"alpha"
        listing = await client.list_files("files-1")
        assert [entry["filename"] for entry in listing["files"]] == ["a.txt"]


async def test_download_of_a_missing_file_is_a_server_error(
    fm: FakeManager, make_client: ClientFactory, tmp_path: Path
) -> None:
    client = await started(fm, make_client)
    with pytest.raises(bai.BadRequestError, match="not found"):
        await client.download("files-1", ["missing.txt"], tmp_path)
    with pytest.raises(ValueError, match="1 to 5"):
        await client.download("files-1", [f"f{i}" for i in range(6)], tmp_path)


async def test_download_single_and_list_files(gfm: FakeManager, make_client: ClientFactory) -> None:
    client = await started(gfm, make_client)
    p = gfm.generation.session_prefix
    await client.upload("files-1", {"a.txt": b"alpha", "sub/b.txt": b"beta"})
    assert await client.download_single("files-1", "sub/b.txt") == b"beta"
    request = gfm.requests[-1]
    method = "POST" if gfm.generation.at_least("23.09") else "GET"
    assert (request.method, request.raw_path, request.json) == (
        method,
        f"{p}/files-1/download_single?file=sub/b.txt",
        {"file": "sub/b.txt"},
    )
    listing = await client.list_files("files-1", "sub")
    assert listing["files"] == [{"filename": "b.txt", "size": 4, "mode": "-rw-r--r--", "mtime": 0}]
    assert listing["abspath"] == "/home/work/sub"
    request = gfm.requests[-1]
    assert (request.method, request.raw_path, request.json) == ("GET", f"{p}/files-1/files?path=sub", {"path": "sub"})


async def test_an_empty_file_list_string_is_an_empty_list(fm: FakeManager, make_client: ClientFactory) -> None:
    client = await started(fm, make_client)
    body = b'{"files": "", "errors": "", "abspath": ""}'  # what the dummy agent answers
    fm.inject(Fault(path="/session/files-1/files", status=200, body=body, content_type="application/json"))
    assert (await client.list_files("files-1"))["files"] == []
    broken = b'{"files": "[oops"}'
    fm.inject(Fault(path="/session/files-1/files", status=200, body=broken, content_type="application/json"))
    with pytest.raises(bai.ResponseError, match="not JSON"):
        await client.list_files("files-1")
