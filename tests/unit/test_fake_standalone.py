"""``python -m backendai_async.testing``: a FakeManager in its own process."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import sys

import pytest

import backendai_async as bai


async def _start(*args: str) -> tuple[asyncio.subprocess.Process, dict[str, str]]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "backendai_async.testing",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 60)
    if not line:  # the process died before announcing itself
        _, err = await process.communicate()
        pytest.fail(err.decode())
    return process, json.loads(line)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_announces_itself_serves_signed_calls_and_stops_cleanly(signum: signal.Signals) -> None:
    process, announced = await _start("--generation", "26.9")
    try:
        assert set(announced) == {"endpoint", "access_key", "secret_key", "storage_url", "generation"}
        assert announced["generation"] == "26.9"
        config = bai.ClientConfig(announced["access_key"], announced["secret_key"], announced["endpoint"])
        async with bai.Client(config) as client:
            assert await client.get_manager_version() == "26.9.6"
            created = await client.create_if_not_exists("python:3.9-ubuntu20.04", "standalone")
            sessions = [s async for s in client.compute_session.list_all(fields=("id",))]
        assert sessions == [{"id": created["sessionId"]}]
    finally:
        process.send_signal(signum)
        out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    assert out == b""  # exactly one line was printed
    assert b"Traceback" not in err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_port_host_and_generation_are_honoured() -> None:
    port = _free_port()
    process, announced = await _start("--generation", "19.09", "--host", "127.0.0.1", "--port", str(port))
    try:
        config = bai.ClientConfig(announced["access_key"], announced["secret_key"], announced["endpoint"])
        async with bai.Client(config) as client:
            version = await client.get_manager_version()
    finally:
        process.terminate()
        _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    assert announced["generation"] == "19.09"
    assert version == "19.09.27"
    assert announced["endpoint"] == f"http://127.0.0.1:{port}"
    assert announced["storage_url"].startswith("http://127.0.0.1:")


async def test_an_unknown_generation_is_refused() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backendai_async.testing", "--generation", "1.0", stderr=asyncio.subprocess.PIPE
    )
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert b"invalid choice: '1.0'" in err
