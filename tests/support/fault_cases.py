"""The fault cases played through ``FaultProxy``, with the outcome the retry policy promises,
shared by the FakeManager suite and the real-stack suite."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest

import backendai_async as bai

from .fault_proxy import FaultProxy, ProxyFault
from .leaks import Resources, held_connections

__all__ = ["CASES", "DEADLINE", "Case", "play"]

DEADLINE = 3.0  # seconds: the per-call timeout of every case
SLACK = 3.0  # seconds past the deadline still counted as "inside" (a loaded machine)


@dataclass(frozen=True)
class Case:
    name: str
    fault: ProxyFault
    method: str
    #: the error the call raises, or None: it succeeds (after a retry where the policy allows one)
    error: type[bai.BackendAIError] | None
    #: connections the call opens through the proxy
    connections: int = 1


CASES = [
    Case("latency-get", ProxyFault(latency=0.05), "GET", None),
    Case("latency-post", ProxyFault(latency=0.05), "POST", None),
    Case("stall-before-response", ProxyFault("stall", "before-response"), "GET", bai.RequestTimeoutError),
    Case("stall-in-headers", ProxyFault("stall", "headers"), "POST", bai.RequestTimeoutError),
    Case("stall-in-body", ProxyFault("stall", "body"), "GET", bai.RequestTimeoutError),
    # aiohttp itself sends an idempotent request once more after a reset or a disconnect; the second
    # faulty connection fails the SDK's first attempt, and the SDK's retry succeeds on the third
    Case("reset-in-headers-get", ProxyFault("reset", "headers", times=2), "GET", None, connections=3),
    Case("reset-in-headers-post", ProxyFault("reset", "headers"), "POST", bai.RequestError),  # sent: not retried
    Case("reset-in-body-get", ProxyFault("reset", "body"), "GET", bai.ResponseError),
    Case("reset-in-body-post", ProxyFault("reset", "body"), "POST", bai.ResponseError),
    Case("half-close-get", ProxyFault("half-close", "before-response", times=2), "GET", None, connections=3),
    Case("half-close-post", ProxyFault("half-close", "before-response"), "POST", bai.RequestError),
    Case("half-close-in-body", ProxyFault("half-close", "body"), "GET", bai.ResponseError),
]


async def play(case: Case, proxy: FaultProxy, config: bai.ClientConfig) -> Any:
    """Make one call of ``case`` through ``proxy`` with a fresh client (so that the call opens the
    faulty connection), check the outcome, the deadline and that nothing leaked; return the answer."""
    before = Resources()
    accepted = proxy.accepted
    proxy.inject(case.fault)
    loop = asyncio.get_running_loop()
    answer: Any = None
    async with bai.Client(config) as client:
        started = loop.time()
        call = (
            client.request("GET", "/auth/test", params={"echo": "x"}, timeout=DEADLINE)
            if case.method == "GET"
            else client.request("POST", "/auth/test", json={"echo": "x"}, timeout=DEADLINE)
        )
        if case.error is None:
            answer = await call
            assert answer["authorized"] == "yes"
        else:
            with pytest.raises(case.error):
                await call
        assert loop.time() - started < DEADLINE + SLACK, f"{case.name}: outside the deadline"
        assert held_connections(client.http_session) == 0, f"{case.name}: a connection is still held"
    await proxy.idle()
    await before.assert_back()
    assert proxy.accepted - accepted == case.connections, f"{case.name}: {proxy.accepted - accepted} connections"
    return answer
