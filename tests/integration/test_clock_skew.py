"""Clock skew against the real managers: their refusal of a skewed date (the FakeManager's must be
the same), and a client whose clock is 20 minutes behind (libfaketime) that works all the same."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
import pytest
from yarl import URL

from backendai_async.signing import Signer
from backendai_async.testing import FakeManager

FAKE_GENERATION = {"26.09": "26.9", "22.09": "22.09", "19.09": "19.09"}
SUBPROCESS_DEADLINE = 120.0  # seconds
CLIENT = """
import asyncio, json, logging, os, sys
from datetime import datetime, timezone
import backendai_async as bai

logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")

async def main():
    config = bai.ClientConfig(os.environ["AK"], os.environ["SK"], os.environ["ENDPOINT"], max_retries=0)
    async with bai.Client(config) as client:
        manager = await client.get_manager_version()
        first = await client.request("GET", "/auth/test", params={"echo": "x"})
        second = await client.request("POST", "/auth/test", json={"echo": "y"})
        print(json.dumps({"manager": manager, "authorized": [first["authorized"], second["authorized"]],
                          "clock_offset": client.clock_offset, "local": datetime.now(timezone.utc).isoformat()}))

asyncio.run(main())
"""


async def refusal(http: aiohttp.ClientSession, endpoint: URL, version: str, user: dict[str, str]) -> dict[str, Any]:
    """What a server answers to a request signed 20 minutes in the past."""
    date = (datetime.now(timezone.utc) - timedelta(minutes=20)).isoformat()
    signer = Signer(user["access_key"], user["secret_key"])
    host = endpoint.raw_authority
    signature = signer.signature("GET", "/auth/test?echo=x", date, host, "application/json", version, None)
    headers = {
        "Date": date,
        "Content-Type": "application/json",
        "X-BackendAI-Version": version,
        "Authorization": signer.authorization(signature),
    }
    async with http.get(endpoint / "auth/test" % {"echo": "x"}, headers=headers) as resp:
        return {
            "status": resp.status,
            "reason": resp.reason,
            "content_type": resp.headers["Content-Type"],
            "body": json.loads(await resp.read()),
        }


@pytest.mark.parametrize("generation", list(FAKE_GENERATION))
async def test_the_fake_refuses_a_skewed_date_like_the_real_manager(
    generation: str, generation_info: Callable[[str], dict[str, Any]]
) -> None:
    gen = generation_info(generation)
    version = gen["hello"]["version"]
    async with aiohttp.ClientSession() as http:
        real = await refusal(http, URL(gen["endpoint"]), version, gen["users"]["superadmin"])
        async with FakeManager(FAKE_GENERATION[generation]) as fm:
            admin = next(kp for kp in fm.keypairs.values() if kp.role == "superadmin")
            keys = {"access_key": admin.access_key, "secret_key": admin.secret_key}
            fake = await refusal(http, fm.url, version, keys)
    assert real["status"] == 400
    assert real["body"]["msg"] == "Date/time sync error"
    assert fake == real


@pytest.mark.parametrize("generation", list(FAKE_GENERATION))
async def test_a_client_20_minutes_behind_works(
    generation: str, generation_info: Callable[[str], dict[str, Any]]
) -> None:
    faketime = shutil.which("faketime")
    if faketime is None:
        pytest.skip("libfaketime is not installed (apt-get install faketime; stack/prereqs.sh installs it)")
    gen = generation_info(generation)
    user = gen["users"]["superadmin"]
    env = {
        **os.environ,
        "AK": user["access_key"],
        "SK": user["secret_key"],
        "ENDPOINT": gen["endpoint"],
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",  # only the wall clock is behind; asyncio's timers run true
    }
    proc = await asyncio.create_subprocess_exec(
        faketime, "-f", "-20m", sys.executable, "-c", CLIENT,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(proc.communicate(), SUBPROCESS_DEADLINE)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err.decode()
    result = json.loads(out)
    behind = (datetime.now(timezone.utc) - datetime.fromisoformat(result["local"])).total_seconds()
    assert 1190 < behind < 1210  # the client really ran 20 minutes behind
    assert result["authorized"] == ["yes", "yes"]
    assert 1190 < result["clock_offset"] < 1210
    corrections = [line for line in err.decode().splitlines() if line.startswith("INFO backendai_async clock skew")]
    assert len(corrections) == 1, err.decode()
    print(f"{generation}: local clock {behind:.1f}s behind, clock_offset {result['clock_offset']:.1f}s")
