"""Upload a directory of files to a virtual folder, a few files at a time, with one progress display
for the whole upload: files finished, bytes, percentage and rate.

    BACKEND_ENDPOINT=... BACKEND_ACCESS_KEY=... BACKEND_SECRET_KEY=... \
        python -m examples.bulk_upload LOCAL_DIR FOLDER [--path REMOTE_DIR] [--concurrency 4]

On a terminal the display is one line rewritten in place; elsewhere (a log, a pipe) it is one line
per finished file. The SDK calls ``progress(path, done, total)`` per file; ``AggregateProgress``
sums those calls over every file.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import TextIO

import backendai_async as bai


class AggregateProgress:
    """A ``progress(path, done, total)`` callback for many files at once that shows their sum."""

    def __init__(self, total_files: int, total_bytes: int, out: TextIO) -> None:
        self.total_files = total_files
        self.total_bytes = total_bytes
        self.done_bytes = 0
        self.finished: set[str] = set()
        self._per_file: dict[str, int] = {}
        self._out = out
        self._live = out.isatty()
        self._started = time.monotonic()

    def __call__(self, path: str, done: int, total: int | None) -> None:
        # `done` may go back after a resumed upload: keep the latest value per file, and the sum
        self.done_bytes += done - self._per_file.get(path, 0)
        self._per_file[path] = done
        finished_now = total is not None and done >= total and path not in self.finished
        if finished_now:
            self.finished.add(path)
        if self._live:
            self._out.write("\r" + self.line())
            self._out.flush()
        elif finished_now:
            print(f"{self.line()}  {path}", file=self._out)

    def line(self) -> str:
        """``3/12 files  1.5 MiB/4.0 MiB   37.5%  12.0 MiB/s``"""
        percent = 100.0 * self.done_bytes / self.total_bytes if self.total_bytes else 100.0
        rate = self.done_bytes / max(time.monotonic() - self._started, 1e-3)
        return (
            f"{len(self.finished)}/{self.total_files} files  {_size(self.done_bytes)}/{_size(self.total_bytes)}"
            f"  {percent:5.1f}%  {_size(rate)}/s"
        )

    def close(self) -> None:
        """End the live line."""
        if self._live:
            self._out.write("\n")
            self._out.flush()


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def count_files(local_dir: Path) -> tuple[int, int]:
    """How many files are under ``local_dir``, and their total size."""
    count = total = 0
    for current, _, names in os.walk(local_dir):
        for name in names:
            count += 1
            total += Path(current, name).stat().st_size
    return count, total


async def bulk_upload(
    client: bai.Client,
    local_dir: Path,
    folder: str,
    *,
    path: str = "",
    concurrency: int = 4,
    out: TextIO = sys.stderr,
) -> list[str]:
    """Upload the tree under ``local_dir`` to ``path`` in ``folder``, ``concurrency`` files at a time;
    returns the uploaded paths. The first failure cancels the other uploads and is raised."""
    files, total = await asyncio.to_thread(count_files, local_dir)
    progress = AggregateProgress(files, total, out)
    try:
        return await client.vfolder.upload_tree(
            local_dir, folder, path=path, concurrency=concurrency, progress=progress
        )
    finally:
        progress.close()


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("local_dir", type=Path)
    parser.add_argument("folder", help="the virtual folder's name")
    parser.add_argument("--path", default="", help="the directory in the folder (default: its root)")
    parser.add_argument("--concurrency", type=int, default=4, help="files uploaded at once (default: 4)")
    args = parser.parse_args(argv)
    try:
        async with bai.Client(bai.ClientConfig.from_env(), agent_signature="bulk-upload") as client:
            uploaded = await bulk_upload(
                client, args.local_dir, args.folder, path=args.path, concurrency=args.concurrency
            )
    except bai.BackendAIError as err:
        print(f"upload failed: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    print(f"uploaded {len(uploaded)} files to {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
