"""Soak on loopback: 20,000 calls against the FakeManager (another process, so that only the
client's memory is measured), then 2,000 calls aborted together.

Prints RSS, open file descriptors and live tasks at each checkpoint, and exits non-zero when
RSS grows by 5 MiB or more after the warm-up, when descriptors are not bounded by the
connector, or when the aborted calls leave anything behind. Run with ``nox -s bench``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import backendai_async as bai

CALLS = int(os.environ.get("BENCH_SOAK_CALLS", "20000"))
WARMUP = 2000
CONCURRENCY = 50
ABORTED = 2000
CONNECTOR_LIMIT = 100  # aiohttp's default, which the client keeps
RSS_LIMIT_MIB = 5.0


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def start_fake() -> tuple[subprocess.Popen[str], dict[str, str]]:
    fake = subprocess.Popen([sys.executable, "-m", "backendai_async.testing"], stdout=subprocess.PIPE, text=True)
    assert fake.stdout is not None
    return fake, json.loads(fake.stdout.readline())


async def calls(client: bai.Client, n: int) -> None:
    left = iter(range(n))

    async def worker() -> None:
        for _ in left:
            await client.get_info("soak")

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


async def aborted_together(client: bai.Client) -> int:
    controller = bai.AbortController()
    started = asyncio.Event()

    async def one() -> None:
        started.set()
        await client.get_info("soak", signal=controller.signal)

    tasks = [asyncio.create_task(one()) for _ in range(ABORTED)]
    await started.wait()
    controller.abort()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    return sum(isinstance(r, bai.AbortError) for r in results)


def checkpoint(label: str) -> dict[str, float]:
    point = {"rss_mib": rss_mib(), "fds": open_fds(), "tasks": len(asyncio.all_tasks())}
    print(f"{label:<36} RSS {point['rss_mib']:7.1f} MiB  fds {point['fds']:4d}  tasks {point['tasks']}")
    return point


async def main(info: dict[str, str]) -> int:
    config = bai.ClientConfig(info["access_key"], info["secret_key"], info["endpoint"])
    async with bai.Client(config) as client:
        await client.create_if_not_exists("cr.backend.ai/stable/python:3.9-ubuntu20.04", "soak")
        start = checkpoint("start")
        await calls(client, WARMUP)
        warm = checkpoint(f"after {WARMUP} warm-up calls")
        await calls(client, CALLS)
        soaked = checkpoint(f"after {CALLS} more calls")
        n_aborted = await aborted_together(client)
        after_abort = checkpoint(f"after {ABORTED} aborted")
        await client.destroy("soak")
    growth = soaked["rss_mib"] - warm["rss_mib"]
    print(f"RSS growth after warm-up: {growth:+.2f} MiB over {CALLS} calls (limit {RSS_LIMIT_MIB} MiB)")
    print(f"aborted together: {n_aborted}/{ABORTED} raised AbortError")
    failures = []
    if growth >= RSS_LIMIT_MIB:
        failures.append(f"RSS grew {growth:.2f} MiB")
    if soaked["fds"] > start["fds"] + CONNECTOR_LIMIT:
        failures.append(f"descriptors {soaked['fds']} exceed start {start['fds']} + connector limit {CONNECTOR_LIMIT}")
    if n_aborted != ABORTED or after_abort["tasks"] != start["tasks"] or after_abort["fds"] > soaked["fds"]:
        failures.append("the aborted calls left something behind")
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    fake, info = start_fake()
    try:
        sys.exit(asyncio.run(main(info)))
    finally:
        fake.terminate()
        fake.wait()
