"""Virtual folders and file transfer on the real 26.9.6 stack (storage proxy ``local:volume1``)."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import backendai_async as bai
from tests.support.digests import sha256_of

from .conftest import ApiConfigFactory

BIG = 64 * 1024 * 1024
PIECE = 1024 * 1024


def make_tree(root: Path) -> dict[str, Path]:
    """A 64 MiB file, nested folders, small files and an empty directory."""
    files = {
        "big.bin": root / "big.bin",
        "nested/a/b/small.txt": root / "nested" / "a" / "b" / "small.txt",
        "nested/c.txt": root / "nested" / "c.txt",
        "top.txt": root / "top.txt",
    }
    for rel, path in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel == "big.bin":
            with path.open("wb") as f:
                for _ in range(BIG // PIECE):
                    f.write(os.urandom(PIECE))
        else:
            path.write_bytes(f"{rel}\n".encode() * 100)
    (root / "empty" / "inside").mkdir(parents=True)
    return files


def names(listing: Any) -> set[str]:
    return {item["name"] for item in listing["items"]}


async def round_trip(client: bai.Client, host: str, tmp_path: Path) -> None:
    name = f"bai-async-{secrets.token_hex(4)}"
    folder = await client.vfolder.create(name, host)
    folder_id = folder["id"]
    try:
        files = make_tree(tmp_path / "tree")
        progress: dict[str, int] = {}
        uploaded = await client.vfolder.upload_tree(
            tmp_path / "tree", name, concurrency=2, progress=lambda p, done, total: progress.__setitem__(p, done)
        )
        assert sorted(uploaded) == sorted(files)
        assert progress["big.bin"] == BIG

        assert {"big.bin", "nested", "top.txt", "empty"} <= names(await client.vfolder.list_files("", name))
        assert names(await client.vfolder.list_files("nested", name)) == {"a", "c.txt"}
        assert names(await client.vfolder.list_files("empty", name)) == {"inside"}
        big = next(i for i in (await client.vfolder.list_files("", name))["items"] if i["name"] == "big.bin")
        assert big["size"] == BIG

        await client.vfolder.mkdir("made/deep", name, parents=True, exist_ok=False)
        await client.vfolder.rename_file("nested/c.txt", "c2.txt", name)
        await client.vfolder.move_file("nested/c2.txt", "made/deep/c2.txt", name)
        assert names(await client.vfolder.list_files("made/deep", name)) == {"c2.txt"}
        assert names(await client.vfolder.list_files("nested", name)) == {"a"}

        out = tmp_path / "out"
        out.mkdir()
        got = await client.vfolder.download_file("big.bin", out / "big.bin", name)
        assert sha256_of(got) == sha256_of(files["big.bin"])
        moved = await client.vfolder.download_file("made/deep/c2.txt", out / "c2.txt", name)
        assert sha256_of(moved) == sha256_of(files["nested/c.txt"])
        async with client.vfolder.download("nested/a/b/small.txt", name) as stream:
            assert b"".join([piece async for piece in stream]) == files["nested/a/b/small.txt"].read_bytes()

        await client.vfolder.delete_files(["made"], True, name)
        assert "made" not in names(await client.vfolder.list_files("", name))

        await client.vfolder.delete(name)
        assert (await client.vfolder.info(folder_id))["status"] == "delete-pending"
        await client.vfolder.restore_from_trash_bin(folder_id)
        assert (await client.vfolder.info(name))["status"] == "ready"
        await client.vfolder.delete(name)
        await client.vfolder.delete_from_trash_bin(folder_id)
        listed = {f["id"].replace("-", ""): f["status"] for f in await client.vfolder.list()}
        assert listed.get(folder_id.replace("-", ""), "delete-complete").startswith("delete-")
    finally:
        with contextlib.suppress(bai.BackendAIError):
            await client.vfolder.delete(name)
        with contextlib.suppress(bai.BackendAIError):
            await client.vfolder.delete_from_trash_bin(folder_id)


async def test_folder_round_trip_api_mode(
    api_config: ApiConfigFactory, current: dict[str, Any], tmp_path: Path
) -> None:
    async with bai.Client(api_config("user")) as client:
        await round_trip(client, current["vfolder_host"], tmp_path)


async def test_folder_round_trip_session_mode(
    session_config: Callable[..., bai.ClientConfig], current: dict[str, Any], tmp_path: Path
) -> None:
    async with bai.Client(session_config()) as client:
        assert await client.login()
        await round_trip(client, current["vfolder_host"], tmp_path)
        await client.logout()


async def test_hosts_and_types(api_config: ApiConfigFactory, current: dict[str, Any]) -> None:
    async with bai.Client(api_config("user")) as client:
        hosts = await client.vfolder.list_hosts()
        assert current["vfolder_host"] in hosts["allowed"]
        assert set(await client.vfolder.list_allowed_types()) >= {"user"}
    async with bai.Client(api_config("superadmin")) as admin:
        assert current["vfolder_host"] in str(await admin.vfolder.list_all_hosts())


@pytest.mark.parametrize("generation", ["22.09", "19.09"])
async def test_list_on_older_managers(api_config: ApiConfigFactory, generation: str) -> None:
    async with bai.Client(api_config("superadmin", on=generation)) as client:
        assert isinstance(await client.vfolder.list(), list)
