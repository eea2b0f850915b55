"""The command line as a process against the FakeManager: exit codes and stderr as a shell sees them,
Ctrl-C (a real SIGINT) in the middle of a download and its resume, following events, the TTY bar."""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

import backendai_async as bai
from backendai_async.cli.exits import ExitCode
from backendai_async.testing import FakeManager

from .cli_support import cli_command, cli_env, run_cli, with_client

HALF = 2 << 20  # whole pieces (1 MiB): what the client has read is on disk


def _wait_for(condition: Any, what: str, deadline: float = 60) -> None:
    """Poll an external process's effect until ``condition()`` or the deadline."""
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def _seed(fake: FakeManager, size: int) -> bytes:
    """A folder ``data`` holding ``big.bin`` of ``size`` random bytes."""
    data = os.urandom(size)

    async def seed(client: bai.Client) -> None:
        await client.vfolder.create("data")
        await client.vfolder.upload("big.bin", data, "data")

    with_client(fake, seed)
    return data


def test_a_bad_session_name_gives_one_line_on_stderr(fake_manager: FakeManager, tmp_path: Path) -> None:
    done = run_cli(cli_env(fake_manager, tmp_path), "session", "info", "no-such-session")
    assert done.returncode == ExitCode.NOT_FOUND
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("backendai-async: error: 404 ") and "no-such-session" in done.stderr


def test_ctrl_c_keeps_the_partial_download_and_the_same_command_resumes_it(
    fake_manager: FakeManager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = cli_env(fake_manager, tmp_path / "config")
    data = _seed(fake_manager, 2 * HALF + 12345)
    proxy = fake_manager.vfolders.proxy

    async def stalling(request: web.Request) -> web.StreamResponse:
        """The first half, then nothing more: the download hangs where Ctrl-C finds it."""
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        response.content_length = len(data)
        await response.prepare(request)
        await response.write(data[:HALF])
        await asyncio.Event().wait()  # until the client goes away
        return response

    monkeypatch.setattr(proxy, "_download", stalling)
    dest = tmp_path / "copy.bin"
    part = tmp_path / "copy.bin.part"
    process = subprocess.Popen(
        cli_command("vfolder", "download", "data", "big.bin", str(dest)),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(lambda: part.exists() and part.stat().st_size == HALF, "half of the file in the .part file")
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == ExitCode.INTERRUPTED == 130
    assert out == ""
    assert err.splitlines()[-1] == "backendai-async: error: interrupted"
    assert "Traceback" not in err and "Unclosed" not in err and "Task was destroyed" not in err
    assert err.splitlines()[0].startswith("download big.bin: ")  # plain progress lines off a terminal
    assert part.read_bytes() == data[:HALF] and not dest.exists()

    monkeypatch.undo()
    proxy.requests.clear()
    done = run_cli(env, "--json", "vfolder", "download", "data", "big.bin", str(dest))
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == f"resuming {dest} after 2.0 MiB (copy.bin.part)"
    ranged = [r.headers.get("Range") for r in proxy.requests if r.path == "/download"]
    assert ranged == [f"bytes={HALF}-"]
    assert json.loads(done.stdout)["size"] == len(data)
    assert hashlib.sha256(dest.read_bytes()).digest() == hashlib.sha256(data).digest()
    assert not part.exists()


def test_session_events_follow_the_stream_until_ctrl_c(fake_manager: FakeManager, tmp_path: Path) -> None:
    env = cli_env(fake_manager, tmp_path)

    async def create(client: bai.Client) -> None:  # the server follows a name only while the session exists
        for name in ("other", "watched"):
            await client.create_if_not_exists("python:3.9-ubuntu20.04", name)

    with_client(fake_manager, create)
    process = subprocess.Popen(
        cli_command("--json", "session", "events", "watched"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None and process.stdout is not None
        assert "following the events of watched" in process.stderr.readline()  # subscribed
        with_client(fake_manager, lambda client: client.destroy("other"))
        assert run_cli(env, "session", "rm", "watched").returncode == 0
        first = json.loads(process.stdout.readline())
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert first["data"]["sessionName"] == "watched" and first["event"].startswith("session_")
    assert all(json.loads(line)["data"]["sessionName"] == "watched" for line in out.splitlines())
    assert process.returncode == 130
    assert err == "backendai-async: error: interrupted\n"


def _read_all(fd: int, process: subprocess.Popen[bytes]) -> bytes:
    """Everything written to the terminal until the process ends and the terminal closes."""
    output = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            process.kill()
            pytest.fail(f"no output on the terminal for 60 s; so far {output!r}")
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the other side closed
            return output
        if not chunk:
            return output
        output += chunk


def test_a_transfer_on_a_terminal_shows_a_bar_with_percentage_rate_and_eta(
    fake_manager: FakeManager, tmp_path: Path
) -> None:
    env = cli_env(fake_manager, tmp_path / "config")
    with_client(fake_manager, lambda client: client.vfolder.create("data"))
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(8 << 20))
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        process = subprocess.Popen(
            cli_command("vfolder", "upload", "data", str(source)), env=env, stdout=subprocess.PIPE, stderr=slave
        )
        os.close(slave)
        slave = -1
        screen = _read_all(master, process).decode()
        out, _ = process.communicate(timeout=60)
    finally:
        os.close(master)
        if slave >= 0:
            os.close(slave)
    assert process.returncode == 0
    assert out.decode().startswith("uploaded ")
    screen = screen.replace("\r\n", "\n")  # the terminal turns the final newline into CR LF
    assert screen.startswith("\r") and screen.endswith("\n") and screen.count("\n") == 1  # one line, redrawn
    frames = screen.removesuffix("\n").split("\r")[1:]
    assert all(frame.endswith("\x1b[K") for frame in frames)  # each redraw clears what was left
    last = frames[-1].removesuffix("\x1b[K")
    assert re.fullmatch(r"upload big\.bin 100% \|#{10,}\| 8\.0 MiB/8\.0 MiB [0-9.]+ (B|KiB|MiB|GiB)/s ETA 0:00", last)
    assert len(last) < 100  # fits the terminal's width


def test_off_a_terminal_the_progress_is_plain_lines(fake_manager: FakeManager, tmp_path: Path) -> None:
    env = cli_env(fake_manager, tmp_path / "config")
    _seed(fake_manager, 3 << 20)
    done = run_cli(env, "vfolder", "download", "data", "big.bin", str(tmp_path / "copy.bin"))
    assert done.returncode == 0
    lines = done.stderr.splitlines()
    assert "\r" not in done.stderr and "\x1b" not in done.stderr
    assert lines[-1].startswith("download big.bin: 100% 3.0 MiB/3.0 MiB ") and " ETA " in lines[-1]
    assert 2 <= len(lines) <= 11  # at most one line per 10 %


def test_help_lists_the_exit_codes(fake_manager: FakeManager, tmp_path: Path) -> None:
    done = run_cli(cli_env(fake_manager, tmp_path), "--help")
    assert done.returncode == 0 and done.stdout.startswith("usage: backendai-async ")
    table = done.stdout.split("exit codes:\n")[1].splitlines()
    assert [int(line.split()[0]) for line in table] == [int(code) for code in ExitCode]
