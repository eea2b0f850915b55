"""The bulk-upload example against the FakeManager: every file arrives intact (SHA-256 of a download),
the display sums every file, and the command reports success and failure."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager

from .bulk_upload import bulk_upload, main

pytestmark = pytest.mark.asyncio  # not needed with asyncio_mode = "auto"

AK, SK = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
FILES = {
    "a.txt": b"alpha\n",
    "empty": b"",
    "sub/b.bin": bytes(range(256)) * 700,
    "sub/deeper/c.csv": b"x,y\n1,2\n" * 5000,
    "other/d.bin": b"\x00\xff" * 33_333,
    **{f"many/{i:02}.txt": f"file {i}\n".encode() * (i + 1) for i in range(8)},
}


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "dataset"
    for rel, data in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def test_every_file_arrives_intact(fake_manager: FakeManager, tree: Path, tmp_path: Path) -> None:
    out = io.StringIO()
    async with bai.Client(bai.ClientConfig(AK, SK, str(fake_manager.url))) as client:
        await client.vfolder.create("data", "local:volume1")
        uploaded = await bulk_upload(client, tree, "data", path="v1", concurrency=3, out=out)
        assert sorted(uploaded) == sorted(f"v1/{rel}" for rel in FILES)
        for rel, data in FILES.items():
            local = tmp_path / "back" / rel
            local.parent.mkdir(parents=True, exist_ok=True)
            await client.vfolder.download_file(f"v1/{rel}", local, "data")
            assert sha256(local.read_bytes()) == sha256(data), rel

    lines = out.getvalue().splitlines()  # not a terminal: one line per finished file
    assert len(lines) == len(FILES)
    assert sorted(line.rsplit("  ", 1)[1] for line in lines) == sorted(uploaded)
    kib = sum(len(d) for d in FILES.values()) / 1024
    assert lines[-1].startswith(f"{len(FILES)}/{len(FILES)} files  {kib:.1f} KiB/{kib:.1f} KiB  100.0%")


async def test_a_terminal_gets_one_live_line(fake_manager: FakeManager, tree: Path) -> None:
    out = Terminal()
    async with bai.Client(bai.ClientConfig(AK, SK, str(fake_manager.url))) as client:
        await client.vfolder.create("data", "local:volume1")
        await bulk_upload(client, tree, "data", concurrency=2, out=out)
    text = out.getvalue()
    assert text.startswith("\r") and text.endswith("\n") and text.count("\n") == 1
    assert text.rsplit("\r", 1)[1].startswith(f"{len(FILES)}/{len(FILES)} files")


async def test_the_command(
    fake_manager: FakeManager, tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BACKEND_ENDPOINT", str(fake_manager.url))
    monkeypatch.setenv("BACKEND_ACCESS_KEY", AK)
    monkeypatch.setenv("BACKEND_SECRET_KEY", SK)
    async with bai.Client(bai.ClientConfig(AK, SK, str(fake_manager.url))) as client:
        await client.vfolder.create("data", "local:volume1")

    assert await main([str(tree), "data", "--concurrency", "2"]) == 0
    assert capsys.readouterr().out == f"uploaded {len(FILES)} files to data\n"

    assert await main([str(tree), "no-such-folder"]) == 1
    assert capsys.readouterr().err.startswith("upload failed: NotFoundError: ")
