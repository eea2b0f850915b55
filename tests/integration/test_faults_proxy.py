"""Connection faults between the client and the real 26.9.6 manager, through the fault proxy
(``tests/support/fault_proxy.py``): the same cases and promises as ``tests/unit/test_faults.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from yarl import URL

from tests.support.fault_cases import CASES, Case, play
from tests.support.fault_proxy import FaultProxy

from .conftest import ApiConfigFactory


@pytest.fixture
async def proxy(current: dict[str, Any]) -> AsyncIterator[FaultProxy]:
    async with FaultProxy(URL(current["endpoint"])) as proxy:
        yield proxy


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_fault(case: Case, proxy: FaultProxy, api_config: ApiConfigFactory, current: dict[str, Any]) -> None:
    config = api_config(endpoint=str(proxy.url), api_version=current["hello"]["version"], max_retries=2)
    await play(case, proxy, config)
