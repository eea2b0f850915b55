"""vfolder transfer through the real storage proxy: backendai_async vs plain aiohttp.

Uploads and downloads a 256 MiB file (``BENCH_TRANSFER_MIB``) with ``client.vfolder.upload`` /
``download_file`` and with plain aiohttp streaming the same bytes to the same URLs (one tus
PATCH of the whole file; a GET written to disk as it arrives), alternating, ``BENCH_ROUNDS``
rounds each, in one run. Both sides get their token from the manager inside the timed span and
write downloads to a file that does not exist yet (removing a 256 MiB file costs this machine's
ext4 ``discard`` mount real time, so it happens outside the timed spans, for both).
Reports median throughput, the median of the per-round ratios (each pair ran back to back, so it
shares the machine's load of the moment; target >= 0.9x plain) and the peak RSS growth during
each transfer (target < 64 MiB), sampled from ``/proc/self/statm`` by a thread.

Needs the real stack: ``BACKENDAI_STACK_INFO`` names its description (see tests/integration).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import pathlib
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from yarl import URL

import backendai_async as bai

MIB = 1024 * 1024
SIZE = int(os.environ.get("BENCH_TRANSFER_MIB", "256")) * MIB
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
PAGE = os.sysconf("SC_PAGE_SIZE")


class PeakRSS:
    """The highest resident set size seen while the block runs, minus the size at its start."""

    def __init__(self) -> None:
        self.growth = 0
        self._stop = threading.Event()

    @staticmethod
    def current() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * PAGE

    def __enter__(self) -> PeakRSS:
        self._start = self.current()
        self._peak = self._start
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self._peak = max(self._peak, self.current())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._peak = max(self._peak, self.current())
        self.growth = self._peak - self._start


def sha256_of(path: pathlib.Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for piece in iter(lambda: f.read(MIB), b""):
            digest.update(piece)
    return digest.hexdigest()


async def plain_upload(
    client: bai.Client, session: aiohttp.ClientSession, folder: str, path: str, src: pathlib.Path
) -> None:
    url = await client.vfolder.create_upload_session(path, SIZE, folder)  # the same token request
    headers = {
        "Tus-Resumable": "1.0.0",
        "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream",
        "Content-Length": str(SIZE),
    }
    with src.open("rb") as f:
        async with session.patch(url, data=f, headers=headers) as resp:
            resp.raise_for_status()
            assert int(resp.headers["Upload-Offset"]) == SIZE


async def plain_download(
    client: bai.Client, session: aiohttp.ClientSession, folder: str, path: str, dest: pathlib.Path
) -> None:
    answer = await client.vfolder.request_download_token(path, folder)  # the same token request
    url = URL(answer["url"]).update_query(token=answer["token"])
    async with session.get(url) as resp:
        resp.raise_for_status()
        with dest.open("wb") as f:
            async for piece in resp.content.iter_chunked(MIB):
                f.write(piece)


async def timed(job: Callable[[], Awaitable[object]]) -> tuple[float, int]:
    with PeakRSS() as rss:
        start = time.perf_counter()
        await job()
        elapsed = time.perf_counter() - start
    return elapsed, rss.growth


def report(label: str, samples: list[tuple[float, int]]) -> None:
    """Print the throughput and memory line."""
    rates = [SIZE / MIB / seconds for seconds, _ in samples]
    growth = max(g for _, g in samples) / MIB
    print(
        f"  {label:<24} median {statistics.median(rates):7.1f} MiB/s "
        f"(min {min(rates):6.1f}, max {max(rates):6.1f}); peak RSS growth {growth:5.1f} MiB"
    )


def load_stack() -> dict[str, Any] | None:
    """The 26.09 generation of ``BACKENDAI_STACK_INFO``, or None (with the reason printed)."""
    info_path = os.environ.get("BACKENDAI_STACK_INFO")
    if not info_path:
        print("BACKENDAI_STACK_INFO is not set: this benchmark needs the real stack", file=sys.stderr)
        return None
    stack: dict[str, Any] = json.loads(pathlib.Path(info_path).read_text())["generations"]["26.09"]
    if stack["status"] != "up":
        print(f"the 26.09 stack is not up: {stack.get('reason')}", file=sys.stderr)
        return None
    return stack


async def main(stack: dict[str, Any]) -> int:
    user = stack["users"]["user"]
    config = bai.ClientConfig(user["access_key"], user["secret_key"], stack["endpoint"], timeout=60)
    folder = f"bench-{secrets.token_hex(4)}"
    results: dict[str, list[tuple[float, int]]] = {k: [] for k in ("sdk up", "plain up", "sdk down", "plain down")}
    with tempfile.TemporaryDirectory(prefix="bai-bench-") as tmp:
        work = pathlib.Path(tmp)
        src = work / "src.bin"
        with src.open("wb") as f:
            for _ in range(SIZE // MIB):
                f.write(os.urandom(MIB))
        expected = sha256_of(src)
        async with bai.Client(config) as client, aiohttp.ClientSession() as session:
            created = await client.vfolder.create(folder, stack["vfolder_host"])
            try:
                for i in range(ROUNDS):
                    first_sdk = i % 2 == 0  # alternate which side goes first
                    ups: list[tuple[str, Callable[[], Awaitable[object]]]] = [
                        ("sdk up", lambda i=i: client.vfolder.upload(f"sdk-{i}.bin", src, folder)),
                        ("plain up", lambda i=i: plain_upload(client, session, folder, f"plain-{i}.bin", src)),
                    ]
                    downs: list[tuple[str, Callable[[], Awaitable[object]]]] = [
                        (
                            "sdk down",
                            lambda i=i: client.vfolder.download_file(f"sdk-{i}.bin", work / "sdk.out", folder),
                        ),
                        (
                            "plain down",
                            lambda i=i: plain_download(client, session, folder, f"plain-{i}.bin", work / "plain.out"),
                        ),
                    ]
                    for pair in (ups, downs):
                        for label, job in pair if first_sdk else reversed(pair):
                            results[label].append(await timed(job))
                    for out in ("sdk.out", "plain.out"):
                        if sha256_of(work / out) != expected:
                            raise SystemExit(f"{out}: the downloaded bytes differ from the upload")
                        (work / out).unlink()  # untimed: the next round writes new files
                    await client.vfolder.delete_files([f"sdk-{i}.bin", f"plain-{i}.bin"], False, folder)
            finally:
                with contextlib.suppress(bai.BackendAIError):
                    await client.vfolder.delete(folder)
                    await client.vfolder.delete_from_trash_bin(created["id"])
    where = stack["storage_proxy"]
    print(f"vfolder transfer, {SIZE // MIB} MiB via {where}, {ROUNDS} alternating rounds, SHA-256 checked")
    for direction in ("up", "down"):
        report(f"backendai_async {direction}load", results[f"sdk {direction}"])
        report(f"plain aiohttp {direction}load", results[f"plain {direction}"])
        pairs = zip(results[f"sdk {direction}"], results[f"plain {direction}"], strict=True)
        ratio = statistics.median(plain_s / sdk_s for (sdk_s, _), (plain_s, _) in pairs)
        growth = max(g for _, g in results[f"sdk {direction}"]) / MIB
        verdict = "ok" if ratio >= 0.9 and growth < 64 else "BELOW TARGET"
        print(f"  {direction}load: {ratio:.3f}x plain (median of paired rounds; target >= 0.9x), ", end="")
        print(f"RSS growth {growth:.1f} MiB (< 64): {verdict}")
    return 0  # figures only: this machine is too noisy for a timing to fail a run


if __name__ == "__main__":
    described = load_stack()
    sys.exit(2 if described is None else asyncio.run(main(described)))
