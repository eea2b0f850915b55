"""An empty file downloads as an empty file (found by examples/bulk_upload.py: it raised
StopAsyncIteration from ``async with``)."""

from __future__ import annotations

from pathlib import Path

import backendai_async as bai
from backendai_async.testing import FakeManager

from .conftest import ClientFactory


async def test_an_empty_file_downloads(fm: FakeManager, make_client: ClientFactory, tmp_path: Path) -> None:
    client = make_client(fm)
    await client.vfolder.create("box", "local:volume1")
    await client.vfolder.upload("empty", b"", "box")
    assert await client.vfolder.download_file("empty", tmp_path / "empty", "box") == tmp_path / "empty"
    assert (tmp_path / "empty").read_bytes() == b""
    async with client.vfolder.download("empty", "box") as stream:
        assert [piece async for piece in stream] == []
        assert isinstance(stream, bai.Download) and stream.size == 0
