"""Connection faults between the client and the FakeManager (``tests/support/fault_proxy.py``):
a typed error inside the deadline, or success after a retry where the policy allows one, and no
leaked connection, task or file descriptor."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager
from tests.support.fault_cases import CASES, Case, play
from tests.support.fault_proxy import FaultProxy

from .conftest import AK, SK


@pytest.fixture
async def proxy(fm: FakeManager) -> AsyncIterator[FaultProxy]:
    async with FaultProxy(fm.url) as proxy:
        yield proxy


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_fault(case: Case, fm: FakeManager, proxy: FaultProxy) -> None:
    config = bai.ClientConfig(AK, SK, str(proxy.url), api_version="v9.20250722", max_retries=2)
    await play(case, proxy, config)
    calls = [r for r in fm.requests if r.path == "/auth/test"]
    assert len(calls) == case.connections  # the server saw each attempt
