"""execute (every mode, both run-id keys), run_code, interrupt, complete per generation."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager

from .conftest import ClientFactory

THREE = ("19.09", "22.09", "26.9")


@pytest.fixture(params=THREE)
async def gfm(request: pytest.FixtureRequest) -> AsyncIterator[FakeManager]:
    async with FakeManager(request.param) as manager:
        yield manager


async def started(fm: FakeManager, make_client: ClientFactory) -> bai.Client:
    client = make_client(fm)
    await client.create_if_not_exists("python", "exec-1")
    return client


async def test_execute_sends_both_run_id_keys(gfm: FakeManager, make_client: ClientFactory) -> None:
    client = await started(gfm, make_client)
    p = gfm.generation.session_prefix
    first = await client.execute("exec-1", None, "query", "print(1)")
    assert first["result"]["status"] == "continued"
    run_id = first["result"]["runId"]
    request = gfm.requests[-1]
    assert (request.method, request.raw_path) == ("POST", f"{p}/exec-1")
    assert request.json == {"mode": "query", "code": "print(1)", "runId": None, "run_id": None, "options": {}}
    done = await client.execute("exec-1", run_id, "continue", "")
    assert done["result"]["status"] == "finished"
    assert gfm.requests[-1].json == {"mode": "continue", "code": "", "runId": run_id, "run_id": run_id, "options": {}}


@pytest.mark.parametrize(("key", "status"), [("22.09", 400), ("26.9", 500)])
async def test_each_generation_reads_its_own_run_id_key(key: str, status: int, make_client: ClientFactory) -> None:
    """The switch the SDK's "send both" answers: a body with only the other key fails."""
    async with FakeManager(key) as fm:
        client = await started(fm, make_client)
        other = "run_id" if fm.generation.run_id_key == "runId" else "runId"
        with pytest.raises(bai.ServerError) as info:
            await client.request("POST", "/session/exec-1", json={"mode": "continue", "code": "", other: "r1"})
        assert info.value.status == status


async def test_batch_and_complete_modes(gfm: FakeManager, make_client: ClientFactory) -> None:
    client = await started(gfm, make_client)
    batch = await client.execute("exec-1", "r-batch", "batch", "", {"exec": "python main.py"})
    assert batch["result"]["status"] == "finished"
    assert gfm.requests[-1].json["options"] == {"exec": "python main.py"}
    legacy = await client.execute("exec-1", None, "complete", "pri")
    assert legacy["result"]["status"] == "finished"


async def test_run_code_loops_and_answers_input(gfm: FakeManager, make_client: ClientFactory) -> None:
    client = await started(gfm, make_client)
    asked: list[Mapping[str, Any]] = []

    def on_input(options: Mapping[str, Any]) -> str:
        asked.append(options)
        return "Alice"

    result = await client.run_code("exec-1", "name = input()", on_input=on_input)
    assert (result.status, result.exit_code) == ("finished", 0)
    assert result.stdout == "started\nran: name = input()\ninput: Alice\n"
    assert asked == [{"is_password": False}]
    modes = [r.json["mode"] for r in gfm.requests if r.method == "POST" and r.json and "mode" in r.json]
    assert modes == ["query", "continue", "input"]


async def test_run_code_async_callback_and_missing_callback(fm: FakeManager, make_client: ClientFactory) -> None:
    client = await started(fm, make_client)

    async def on_input(options: Mapping[str, Any]) -> str:
        return "Bob"

    assert "input: Bob" in (await client.run_code("exec-1", "input()", on_input=on_input)).stdout
    with pytest.raises(bai.UsageError, match="on_input"):
        await client.run_code("exec-1", "input()")


async def test_run_code_in_a_local_subprocess(fm: FakeManager, make_client: ClientFactory) -> None:
    client = await started(fm, make_client)
    fm.session_api.run_locally = True
    result = await client.run_code("exec-1", "import sys; print(6 * 7); sys.exit(3)")
    assert (result.stdout, result.exit_code) == ("42\n", 3)
    failed = await client.run_code("exec-1", "raise SystemExit('boom')")
    assert "boom" in failed.stderr


async def test_interrupt_and_complete(gfm: FakeManager, make_client: ClientFactory) -> None:
    client = await started(gfm, make_client)
    p = gfm.generation.session_prefix
    await client.interrupt("exec-1")
    assert (gfm.requests[-1].method, gfm.requests[-1].raw_path) == ("POST", f"{p}/exec-1/interrupt")
    assert gfm.session_api.kernel(next(iter(gfm.sessions.values()))).interrupts == 1
    completion = await client.complete("exec-1", "x = pr", {"row": 0, "col": 6})
    assert completion["result"]["completions"] == ["print", "property"]
    assert gfm.requests[-1].json == {"code": "x = pr", "options": {"row": 0, "col": 6}}
    assert gfm.requests[-1].raw_path == f"{p}/exec-1/complete"
