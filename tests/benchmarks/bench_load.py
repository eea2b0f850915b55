"""Load against the real 26.9.6 manager: rounds of 1,000 concurrent signed calls, then rounds of
100 concurrent event streams that must each see the events of a session created meanwhile.

Prints RSS, open descriptors and live tasks after each round and exits non-zero when memory is
not flat (RSS growth of 5 MiB or more from the first round to the last), when a call or a
stream fails, or when something is left open. Started by ``nox -s bench`` through
tests/integration/run.sh (BAI_STACK_SCRIPT), which starts and stops the stack.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sys
import time
from typing import Any

from bench_soak import checkpoint
from bench_transfer import load_stack

import backendai_async as bai

CALL_ROUNDS = 3
CALLS = 1000
STREAM_ROUNDS = 3
STREAMS = 100
RSS_LIMIT_MIB = 5.0
RESOURCES = {"cpu": 1, "mem": "512m"}


async def concurrent_calls(client: bai.Client) -> float:
    started = time.perf_counter()
    results = await asyncio.gather(*(client.get_resource_slots() for _ in range(CALLS)))
    assert all("cpu" in r for r in results)
    return time.perf_counter() - started


async def streams_see_a_new_session(client: bai.Client, creator: bai.Client, image: str) -> float:
    """Open STREAMS event streams on ``client``, create one session with ``creator`` (the streams
    hold all of ``client``'s pooled connections), and wait until every stream has seen it."""
    name = f"load-{secrets.token_hex(4)}"
    started = time.perf_counter()
    async with contextlib.AsyncExitStack() as stack:
        streams = [await stack.enter_async_context(client.session_events()) for _ in range(STREAMS)]
        created = await creator.create_if_not_exists(image, name, resources=RESOURCES)

        async def sees(events: bai.EventStream) -> None:
            async for event in events:
                if event.json().get("sessionId") == created["sessionId"]:
                    return

        try:
            await asyncio.wait_for(asyncio.gather(*(sees(s) for s in streams)), 120)
        finally:
            await creator.destroy(name, forced=True)
    return time.perf_counter() - started


async def main(stack: dict[str, Any]) -> int:
    user = stack["users"]["user"]
    config = bai.ClientConfig(user["access_key"], user["secret_key"], stack["endpoint"], timeout=300)
    async with bai.Client(config) as client, bai.Client(config) as creator:
        start = checkpoint("start")
        call_points = []
        for i in range(CALL_ROUNDS):
            seconds = await concurrent_calls(client)
            call_points.append(checkpoint(f"{CALLS} concurrent calls #{i + 1} ({seconds:.1f} s)"))
        stream_points = []
        for i in range(STREAM_ROUNDS):
            seconds = await streams_see_a_new_session(client, creator, stack["image"])
            stream_points.append(checkpoint(f"{STREAMS} streams saw it #{i + 1} ({seconds:.1f} s)"))
        end = checkpoint("end")
    failures = []
    for label, points in (("calls", call_points), ("streams", stream_points)):
        growth = points[-1]["rss_mib"] - points[0]["rss_mib"]
        print(f"{label}: RSS growth from the first round to the last {growth:+.2f} MiB (limit {RSS_LIMIT_MIB})")
        if growth >= RSS_LIMIT_MIB:
            failures.append(f"{label}: RSS grew {growth:.2f} MiB")
    if end["tasks"] != start["tasks"]:
        failures.append(f"tasks left: {end['tasks'] - start['tasks']}")
    for failure in failures:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    described = load_stack()
    sys.exit(2 if described is None else asyncio.run(main(described)))
