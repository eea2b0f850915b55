"""The command line against the real 26.9.6 stack: login through the webserver, sessions, folders."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import backendai_async as bai

from .conftest import ApiConfigFactory
from .test_foundation import RESOURCES, new_session_name, reap


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backendai_async", *args], env=env, capture_output=True, text=True, timeout=300
    )


def _ok(env: dict[str, str], *args: str) -> Any:
    """Run with ``--json``; the parsed answer (the test fails with stderr on a non-zero exit)."""
    done = _cli(env, "--json", *args)
    assert done.returncode == 0, f"{args}: exit {done.returncode}: {done.stderr}"
    return json.loads(done.stdout)


async def test_cli_round_trip_through_the_webserver(
    current: dict[str, Any], api_config: ApiConfigFactory, tmp_path: Path
) -> None:
    user = current["users"]["user"]
    env = {name: value for name, value in os.environ.items() if not name.startswith("BACKEND_")}
    env.update(
        BACKEND_ENDPOINT=current["webserver"],
        BACKEND_USER_ID=user["email"],
        BACKEND_PASSWORD=user["password"],
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    session, folder = new_session_name(), f"bai-cli-{secrets.token_hex(4)}"
    source = tmp_path / "data.bin"
    source.write_bytes(os.urandom(20 << 20))
    try:
        assert _ok(env, "login")["user_id"] == user["email"]
        store = tmp_path / "config" / "backendai-async" / "session.json"
        assert stat.S_IMODE(store.stat().st_mode) == 0o600
        del env["BACKEND_USER_ID"], env["BACKEND_PASSWORD"]  # from here on: the stored session

        created = _ok(env, "session", "create", current["image"], session, "--cpu", "1", "--mem", RESOURCES["mem"])
        assert (created["created"], created["status"]) == (True, "RUNNING")
        listed = _ok(env, "session", "ls")
        assert [s["status"] for s in listed if s["name"] == session] == ["RUNNING"]
        assert _ok(env, "session", "info", session)["status"] == "RUNNING"
        missing = _cli(env, "session", "info", session + "-missing")
        assert missing.returncode == 4 and missing.stderr.count("\n") == 1
        _ok(env, "session", "rm", session)

        made = _ok(env, "vfolder", "create", folder)  # on the server's default host
        assert made["name"] == folder and made["host"] == current["vfolder_host"]
        assert _ok(env, "vfolder", "upload", folder, str(source), "--name", "in/data.bin")["size"] == 20 << 20
        got = _ok(env, "vfolder", "download", folder, "in/data.bin", str(tmp_path / "copy.bin"))
        assert got["size"] == 20 << 20
        digest = hashlib.sha256((tmp_path / "copy.bin").read_bytes()).hexdigest()
        assert digest == hashlib.sha256(source.read_bytes()).hexdigest()
        _ok(env, "vfolder", "rm", folder)
        assert [f["status"] for f in _ok(env, "vfolder", "ls") if f["name"] == folder] in ([], ["delete-pending"])

        assert _ok(env, "logout")["logged_out"] is True
        assert not store.exists()
        after = _cli(env, "--mode", "session", "session", "ls")
        assert after.returncode == 3 and "not logged in" in after.stderr
    finally:
        await reap(api_config("user"), session)
        async with bai.Client(api_config("user")) as client:
            for item in await client.vfolder.list():
                if item["name"] == folder:
                    with contextlib.suppress(bai.BackendAIError):
                        await client.vfolder.delete(folder)
                    with contextlib.suppress(bai.BackendAIError):
                        await client.vfolder.delete_from_trash_bin(item["id"])
