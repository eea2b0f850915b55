"""The event worker against the FakeManager: it journals the sessions that end or fail, logs the
rest, and a SIGTERM stops it cleanly (exit status 0, connection released, handlers removed)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
from pathlib import Path

import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager

from .event_worker import Ended, follow, journal_to, main

pytestmark = pytest.mark.asyncio  # not needed with asyncio_mode = "auto"

AK, SK = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
IMAGE = "cr.backend.ai/stable/python:3.12"


async def test_journals_the_sessions_that_end(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="event_worker")
    journal = tmp_path / "ended.jsonl"
    write = journal_to(journal)
    seen: list[Ended] = []
    both = asyncio.Event()

    def on_end(ended: Ended) -> None:
        write(ended)
        seen.append(ended)
        if len(seen) == 2:
            both.set()

    async with FakeManager() as fm, bai.Client(bai.ClientConfig(AK, SK, str(fm.url))) as client:
        controller, ready = bai.AbortController(), asyncio.Event()
        worker = asyncio.create_task(follow(client, on_end, signal=controller.signal, ready=ready))
        await ready.wait()
        created = await client.create_if_not_exists(IMAGE, "train-01")
        await client.destroy("train-01")
        failure = {"sessionName": "train-02", "sessionId": "f-02", "ownerAccessKey": AK, "reason": "image-pull-failed"}
        fm.session_api.events.publish("session_failure", failure)
        await asyncio.wait_for(both.wait(), 10)
        controller.abort("test over")
        assert await asyncio.wait_for(worker, 10) == 2

    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    terminated = {"session": "train-01", "session_id": created["sessionId"], "outcome": "terminated"}
    assert sorted(lines, key=lambda e: e["session"]) == [
        {**terminated, "reason": "user-requested"},
        {"session": "train-02", "session_id": "f-02", "outcome": "failed", "reason": "image-pull-failed"},
    ]
    logged = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert ("INFO", "session_started train-01 ") in logged
    assert ("WARNING", "session train-02 failed: image-pull-failed") in logged


async def test_sigterm_stops_it_cleanly(
    fake_manager: FakeManager, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    monkeypatch.setenv("BACKEND_ENDPOINT", str(fake_manager.url))
    monkeypatch.setenv("BACKEND_ACCESS_KEY", AK)
    monkeypatch.setenv("BACKEND_SECRET_KEY", SK)
    caplog.set_level(logging.INFO, logger="event_worker")
    worker = asyncio.create_task(main(["--journal", str(tmp_path / "ended.jsonl")]))
    await fake_manager.wait_for_requests(2)  # negotiation, then the event stream: subscribed
    assert fake_manager.requests[-1].path == "/events/session"
    os.kill(os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(worker, 10) == 0
    assert "stopped after 0 ended sessions" in caplog.messages
    loop = asyncio.get_running_loop()
    assert not loop.remove_signal_handler(signal.SIGTERM)  # the worker removed its handlers
    assert not loop.remove_signal_handler(signal.SIGINT)
