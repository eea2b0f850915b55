"""``vfolder ls|create|upload|download|rm``."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from ..errors import UsageError
from .context import Context
from .progress import TransferProgress, human_bytes

__all__ = ["create", "download", "ls", "rm", "upload"]

LIST_COLUMNS = ("name", "host", "usage_mode", "permission", "status", "id")


async def ls(ctx: Context) -> None:
    async with ctx.settings.client() as client:
        rows = await client.vfolder.list()
    ctx.out.table(rows, LIST_COLUMNS)


async def create(ctx: Context) -> None:
    """Create a folder on HOST, or on the host the server names as its default."""
    async with ctx.settings.client() as client:
        host = ctx.args.host
        if not host:
            host = (await client.vfolder.list_hosts()).get("default")
            if not host:
                raise UsageError("the server names no default host: give HOST")
        folder = await client.vfolder.create(ctx.args.name, host)
    ctx.out.result(folder, f"{ctx.args.name}: created on {host} (id {folder.get('id', '-')})")


def _local_file(path: str) -> tuple[Path, int]:
    """The file to upload and its size (``OSError`` if it cannot be read)."""
    local = Path(path)
    if local.is_dir():
        raise UsageError(f"{local} is a directory: upload its files one by one")
    return local, local.stat().st_size


def _destination(local: str, remote: str) -> tuple[Path, int | None]:
    """Where a download goes (into ``local`` when it is a directory), and the size of a ``.part``
    file an interrupted run left there."""
    dest = Path(local)
    if dest.is_dir():
        dest = dest / PurePosixPath(remote).name
    part = dest.with_name(dest.name + ".part")
    return dest, part.stat().st_size if part.exists() else None


async def upload(ctx: Context) -> None:
    local, size = _local_file(ctx.args.local)
    remote = ctx.args.remote or local.name
    progress = TransferProgress(ctx.out.stderr, "upload")
    async with ctx.settings.client() as client:
        try:
            await client.vfolder.upload(remote, local, ctx.args.name, progress=progress)
        finally:
            progress.finish()
    answer = {"folder": ctx.args.name, "path": remote, "size": size}
    ctx.out.result(answer, f"uploaded {local} to {ctx.args.name}:{remote} ({human_bytes(size)})")


async def download(ctx: Context) -> None:
    """Download through ``LOCAL.part``; an interrupted run leaves it, and the same command resumes it."""
    dest, partial = _destination(ctx.args.local, ctx.args.remote)
    if partial is not None:
        ctx.out.note(f"resuming {dest} after {human_bytes(partial)} ({dest.name}.part)")
    progress = TransferProgress(ctx.out.stderr, "download")
    async with ctx.settings.client() as client:
        try:
            await client.vfolder.download_file(ctx.args.remote, dest, ctx.args.name, progress=progress)
        finally:
            progress.finish()
    size = _size(dest)
    answer = {"folder": ctx.args.name, "path": ctx.args.remote, "local": str(dest), "size": size}
    ctx.out.result(answer, f"downloaded {ctx.args.name}:{ctx.args.remote} to {dest} ({human_bytes(size)})")


def _size(path: Path) -> int:
    return path.stat().st_size


async def rm(ctx: Context) -> None:
    async with ctx.settings.client() as client:
        await client.vfolder.delete(ctx.args.name)
    ctx.out.result({}, f"{ctx.args.name}: deleted")
