"""The quick-start demo runs end to end against its in-process FakeManager."""

from __future__ import annotations

import pytest

from .quickstart import main


async def test_quickstart_demo(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("BACKEND_ENDPOINT", raising=False)
    assert await main() == 0
    out = capsys.readouterr().out
    assert "run_code                     finished exit=0 stdout='hello from Python" in out
    assert "session_started -> session_terminating -> session_terminated" in out
