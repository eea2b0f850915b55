"""Pipeline overhead: client CPU per signed GET, backendai_async vs plain aiohttp; import cost.

Run with ``nox -s bench``. The server runs in a separate process on loopback so that only the
client's CPU time is measured; the two clients alternate in rounds within one run, because this
machine is noisy. Beside the CPU time, the Python bytecode instructions each client executes per
call (counted with ``sys.monitoring``): a figure that noise does not move, where the SDK's own
Python shows (not the C under it: the hand-written signer's three HMAC set-ups per call cost CPU
but few bytecodes). Prints figures only; asserts nothing about timings.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

import aiohttp

import backendai_async as bai

AK, SK = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
VERSION = "v9.20250722"
CALLS = int(os.environ.get("BENCH_CALLS", "2000"))
ROUNDS = 10
PATH = "/session/bench-session"

SERVER = """
import asyncio
from aiohttp import web
BODY = b'{"status": "RUNNING", "image": "python:3.9-ubuntu20.04", "age": 1234}'
async def handle(request):
    return web.Response(body=BODY, content_type="application/json")
async def main():
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(site._server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


class PlainSigner:
    """A minimal hand-written signer, as a user of plain aiohttp would write it."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.empty = hashlib.sha256(b"").hexdigest()

    def headers(self, method: str, path: str) -> dict[str, str]:
        now = datetime.now(timezone.utc)
        date = now.isoformat()
        k1 = hmac.new(SK.encode(), now.strftime("%Y%m%d").encode(), "sha256").digest()
        key = hmac.new(k1, self.host.encode(), "sha256").digest()
        text = f"{method}\n{path}\n{date}\nhost:{self.host}\ncontent-type:application/json\n"
        text += f"x-backendai-version:{VERSION}\n{self.empty}"
        signature = hmac.new(key, text.encode(), "sha256").hexdigest()
        return {
            "Date": date,
            "Content-Type": "application/json",
            "X-BackendAI-Version": VERSION,
            "Authorization": f"BackendAI signMethod=HMAC-SHA256, credential={AK}:{signature}",
        }


async def plain_round(session: aiohttp.ClientSession, base: str, signer: PlainSigner, n: int) -> None:
    for _ in range(n):
        async with session.get(base + PATH, headers=signer.headers("GET", PATH)) as resp:
            resp.raise_for_status()
            await resp.json()


async def sdk_round(client: bai.Client, n: int) -> None:
    for _ in range(n):
        await client.request("GET", PATH)


async def bytecodes_per_call(round_of: Callable[[int], Awaitable[None]], n: int = 100) -> float:
    """Python bytecode instructions executed per call by ``round_of(n)`` (its loop included);
    nan before Python 3.12 (no ``sys.monitoring``)."""
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is None:
        return math.nan
    tool = monitoring.PROFILER_ID
    executed = 0

    def count(code: object, offset: int) -> None:
        nonlocal executed
        executed += 1

    monitoring.use_tool_id(tool, "bench_pipeline")
    try:
        monitoring.register_callback(tool, monitoring.events.INSTRUCTION, count)
        monitoring.set_events(tool, monitoring.events.INSTRUCTION)
        await round_of(n)
    finally:
        monitoring.set_events(tool, 0)
        monitoring.free_tool_id(tool)
    return executed / n


async def measure(port: int) -> dict[str, list[float]]:
    base = f"http://127.0.0.1:{port}"
    per_round = CALLS // ROUNDS
    names = ("plain aiohttp", "backendai_async")
    cpu: dict[str, list[float]] = {name: [] for name in names}
    wall: dict[str, list[float]] = {name: [] for name in names}
    async with aiohttp.ClientSession() as session:
        config = bai.ClientConfig(AK, SK, base, api_version=VERSION)
        async with bai.Client(config, http_session=session) as client:
            signer = PlainSigner(f"127.0.0.1:{port}")
            await plain_round(session, base, signer, 50)  # warm up both paths and the connection
            await sdk_round(client, 50)
            for i in range(ROUNDS):
                for name in names if i % 2 == 0 else reversed(names):
                    c0, w0 = time.process_time(), time.perf_counter()
                    if name == "plain aiohttp":
                        await plain_round(session, base, signer, per_round)
                    else:
                        await sdk_round(client, per_round)
                    cpu[name].append((time.process_time() - c0) / per_round * 1e6)
                    wall[name].append((time.perf_counter() - w0) / per_round * 1e6)
            bytecodes = {
                "plain aiohttp": [await bytecodes_per_call(lambda n: plain_round(session, base, signer, n))],
                "backendai_async": [await bytecodes_per_call(lambda n: sdk_round(client, n))],
            }
    return {
        **{f"cpu {k}": v for k, v in cpu.items()},
        **{f"wall {k}": v for k, v in wall.items()},
        **{f"bytecodes {k}": v for k, v in bytecodes.items()},
    }


def import_cost() -> tuple[float, float]:
    """Cumulative import µs (min of 5 fresh interpreters): aiohttp alone, and backendai_async
    imported after aiohttp, yarl and multidict (what this package adds on top of them)."""

    def cumulative(stmt: str, module: str) -> float:
        out = subprocess.run(  # from another directory: import the installed package, not the source tree
            [sys.executable, "-X", "importtime", "-c", stmt],
            capture_output=True,
            text=True,
            check=True,
            cwd=tempfile.gettempdir(),
        ).stderr
        for line in out.splitlines():
            m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s*(\S+)$", line)
            if m and m.group(2) == module:
                return float(m.group(1))
        raise RuntimeError(f"{module} not in -X importtime output")

    aiohttp_us = min(cumulative("import aiohttp", "aiohttp") for _ in range(5))
    ours_us = min(
        cumulative("import aiohttp, yarl, multidict; import backendai_async", "backendai_async") for _ in range(5)
    )
    return aiohttp_us, ours_us


def main() -> None:
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        results = asyncio.run(measure(port))
    finally:
        server.terminate()
        server.wait()
    print(f"{CALLS} signed GETs per client against a loopback server (separate process), {ROUNDS} alternating rounds")
    print(f"{'':34} {'median':>8} {'mean':>8} {'min':>8}")
    for name, values in results.items():
        median, mean, low = statistics.median(values), statistics.fmean(values), min(values)
        unit = " /call" if name.startswith("bytecodes") else " us/call"
        print(f"{name + unit:34} {median:8.1f} {mean:8.1f} {low:8.1f}")
    ratio = statistics.median(results["cpu backendai_async"]) / statistics.median(results["cpu plain aiohttp"])
    print(f"CPU ratio backendai_async / plain aiohttp (medians): {ratio:.3f}  (target <= 1.05)")
    ours_bc, plain_bc = results["bytecodes backendai_async"][0], results["bytecodes plain aiohttp"][0]
    bytecode_ratio = ours_bc / plain_bc
    print(f"Python bytecodes per call: {ours_bc:.0f} (backendai_async), {plain_bc:.0f} (plain): {bytecode_ratio:.3f}x")
    aiohttp_us, ours_us = import_cost()
    added_ms = ours_us / 1000
    print(
        f"import aiohttp: {aiohttp_us / 1000:.1f} ms; backendai_async adds {added_ms:.1f} ms on top (target <= 25 ms)"
    )
    print(
        json.dumps(
            {
                "cpu_ratio": round(ratio, 3),
                "bytecode_ratio": round(bytecode_ratio, 3),
                "import_added_ms": round(added_ms, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
