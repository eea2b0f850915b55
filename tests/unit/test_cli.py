"""The command line in-process against the FakeManager: commands, output, configuration, exit codes."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from backendai_async.cli import main
from backendai_async.cli.exits import ExitCode
from backendai_async.testing import FakeManager, Fault

from .cli_support import ADMIN_PASSWORD, ADMIN_USER, cli_env

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(
    fake_manager: FakeManager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Run:
    """``cli(*args)`` → (exit code, stdout, stderr), with the fake's keypair in the environment."""
    for name, value in cli_env(fake_manager, tmp_path / "config").items():
        monkeypatch.setenv(name, value)
    for name in [name for name in os.environ if name.startswith("BACKEND_")]:
        if name not in ("BACKEND_ENDPOINT", "BACKEND_ACCESS_KEY", "BACKEND_SECRET_KEY"):
            monkeypatch.delenv(name)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_version_text_and_json(cli: Run) -> None:
    import backendai_async as bai

    assert cli("version") == (0, f"backendai-async {bai.__version__}\n", "")
    code, out, _ = cli("version", "--json")
    assert (code, json.loads(out)) == (0, {"version": bai.__version__})


def test_session_create_ls_info_logs_rm(cli: Run, fake_manager: FakeManager) -> None:
    code, out, err = cli(
        "session", "create", "python:3.9-ubuntu20.04", "work", "--cpu", "2", "--mem", "1g", "--env", "A=1"
    )
    assert (code, out, err) == (0, "work: created (RUNNING)\n", "")
    create = next(r for r in fake_manager.requests if r.method == "POST" and r.path == "/session")
    assert create.json["name"] == "work"
    assert create.json["config"]["resources"] == {"cpu": 2, "mem": "1g"}
    assert create.json["config"]["environ"] == {"A": "1"}

    code, out, _ = cli("session", "ls")
    header, row = out.splitlines()
    assert header.split() == ["NAME", "STATUS", "IMAGE", "CREATED_AT", "ID"]
    assert row.split()[:3] == ["work", "RUNNING", "python:3.9-ubuntu20.04"]
    code, out, _ = cli("session", "ls", "--json")  # --json after the command
    listed = json.loads(out)
    assert [(s["name"], s["status"]) for s in listed] == [("work", "RUNNING")]

    code, out, _ = cli("--json", "session", "info", "work")
    assert code == 0 and json.loads(out)["status"] == "RUNNING"
    code, out, _ = cli("session", "info", "work")
    assert code == 0 and any(line.split() == ["status", "RUNNING"] for line in out.splitlines())
    code, out, _ = cli("session", "logs", "work")
    assert code == 0 and "work" in out

    assert cli("session", "rm", "work") == (0, "work: destroyed\n", "")
    code, out, _ = cli("session", "ls", "--json")
    assert [s["status"] for s in json.loads(out)] in ([], ["TERMINATING"])  # terminated ones are left out
    code, out, _ = cli("session", "ls", "--all", "--json")
    assert [s["name"] for s in json.loads(out)] == ["work"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("no-such-session", ExitCode.NOT_FOUND), ("a/b", ExitCode.USAGE)],
)
def test_a_bad_session_name_is_one_line_and_an_exit_code(cli: Run, name: str, expected: ExitCode) -> None:
    code, out, err = cli("session", "info", name)
    assert (code, out) == (expected, "")
    assert len(err.splitlines()) == 1 and err.startswith("backendai-async: error: ")
    assert "Traceback" not in err


def test_vfolder_create_on_the_default_host_upload_download_rm(
    cli: Run, fake_manager: FakeManager, tmp_path: Path
) -> None:
    code, out, _ = cli("vfolder", "create", "data")
    assert code == 0 and out.startswith("data: created on local:volume1 (id ")
    assert any(r.path == "/folders/_/hosts" for r in fake_manager.requests)
    code, out, _ = cli("vfolder", "ls", "--json")
    assert [(f["name"], f["host"]) for f in json.loads(out)] == [("data", "local:volume1")]

    source = tmp_path / "in.bin"
    source.write_bytes(os.urandom(3 << 20) + b"tail")
    code, out, err = cli("vfolder", "upload", "data", str(source), "--name", "sub/in.bin")
    assert (code, out) == (0, f"uploaded {source} to data:sub/in.bin (3.0 MiB)\n")
    assert err.splitlines()[-1].startswith("upload sub/in.bin: 100% 3.0 MiB/3.0 MiB ")
    assert "\r" not in err  # not a terminal: plain lines
    folder = next(f for f in fake_manager.vfolders.folders.values() if f.name == "data")
    assert bytes(folder.files["sub/in.bin"]) == source.read_bytes()

    target = tmp_path / "out"
    target.mkdir()
    code, out, _ = cli("--json", "vfolder", "download", "data", "sub/in.bin", str(target))
    assert code == 0 and json.loads(out)["local"] == str(target / "in.bin")
    digest = hashlib.sha256((target / "in.bin").read_bytes()).hexdigest()
    assert digest == hashlib.sha256(source.read_bytes()).hexdigest()

    assert cli("vfolder", "rm", "data") == (0, "data: deleted\n", "")
    code, out, err = cli("vfolder", "rm", "no-such-folder")
    assert (code, out) == (ExitCode.NOT_FOUND, "") and len(err.splitlines()) == 1


def test_a_missing_local_file_is_a_local_file_error(cli: Run, tmp_path: Path) -> None:
    assert cli("vfolder", "create", "data")[0] == 0
    code, _, err = cli("vfolder", "upload", "data", str(tmp_path / "missing.bin"))
    assert code == ExitCode.LOCAL_FILE
    assert err == f"backendai-async: error: No such file or directory: {tmp_path / 'missing.bin'}\n"


def test_login_stores_the_session_0600_and_later_commands_reuse_it(
    cli: Run, fake_manager: FakeManager, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("BACKEND_ACCESS_KEY")
    monkeypatch.delenv("BACKEND_SECRET_KEY")
    monkeypatch.setenv("BACKEND_USER_ID", ADMIN_USER)
    monkeypatch.setenv("BACKEND_PASSWORD", ADMIN_PASSWORD)
    code, out, _ = cli("login")
    assert (code, out) == (0, f"logged in to {fake_manager.url} as {ADMIN_USER}\n")
    store = tmp_path / "config" / "backendai-async" / "session.json"
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.parent.stat().st_mode) == 0o700
    assert ADMIN_PASSWORD not in store.read_text()

    monkeypatch.delenv("BACKEND_USER_ID")
    monkeypatch.delenv("BACKEND_PASSWORD")
    fake_manager.requests.clear()
    assert cli("session", "create", "python:3.9-ubuntu20.04", "via-web")[0] == 0
    assert cli("vfolder", "ls")[0] == 0
    assert [r.path for r in fake_manager.requests if r.method == "POST"][-1:] == ["/func/session"]
    assert all(r.path.startswith(("/func/", "/server/")) for r in fake_manager.requests)
    assert all("Authorization" not in r.headers for r in fake_manager.requests)

    assert cli("logout") == (0, f"logged out of {fake_manager.url}\n", "")
    assert not store.exists()
    assert fake_manager.web_sessions == {}
    assert cli("logout") == (0, "not logged in\n", "")
    code, _, err = cli("--mode", "session", "session", "ls")
    assert code == ExitCode.AUTH and "not logged in" in err


def test_refused_login_exits_with_the_auth_code(cli: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BACKEND_USER_ID", ADMIN_USER)
    monkeypatch.setenv("BACKEND_PASSWORD", "wrong")
    code, out, err = cli("login")
    assert (code, out) == (ExitCode.AUTH, "")
    assert err.startswith("backendai-async: error: login refused: ") and "wrong" not in err
    assert not (tmp_path / "config" / "backendai-async").exists()


def test_flags_override_the_environment(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    code, _, err = cli("--endpoint", closed, "session", "ls")
    assert code == ExitCode.NETWORK and len(err.splitlines()) == 1 and closed in err
    monkeypatch.setenv("BACKEND_ENDPOINT", closed)
    code, _, err = cli("--mode", "api", "session", "ls", "--endpoint", "no-scheme")
    assert code == ExitCode.USAGE and "BACKEND_ENDPOINT" in err


def test_server_errors_and_debug(cli: Run, fake_manager: FakeManager) -> None:
    fake_manager.inject(Fault(method="GET", path="/folders", status=500, times=None))
    code, _, err = cli("vfolder", "ls")
    assert code == ExitCode.SERVER and len(err.splitlines()) == 1
    code, _, err = cli("vfolder", "ls", "--debug")
    assert code == ExitCode.SERVER and "Traceback" in err
    assert err.splitlines()[-1].startswith("backendai-async: error: 500 ")


def test_usage_errors_are_one_line_with_code_2(cli: Run) -> None:
    code, out, err = cli("session", "create", "only-an-image")
    assert (code, out) == (ExitCode.USAGE, "")
    assert err == "backendai-async session create: error: the following arguments are required: NAME (see --help)\n"
    code, _, err = cli("session", "create", "img", "name", "--env", "NOEQUALS")
    assert code == ExitCode.USAGE and err == "backendai-async: error: --env takes KEY=VALUE, not 'NOEQUALS'\n"


def test_usage_error_output_is_one_line(fake_manager: FakeManager, tmp_path: Path) -> None:
    env = cli_env(fake_manager, tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "backendai_async", "vfolder", "frobnicate"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and "invalid choice: 'frobnicate'" in done.stderr


def test_importing_the_sdk_does_not_import_the_cli() -> None:
    code = (
        "import sys, backendai_async; print([m for m in sys.modules if m.split('.')[:2] == ['backendai_async', 'cli']])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


def test_login_without_a_user_off_a_terminal_is_a_usage_error(cli: Run) -> None:
    code, out, err = cli("login")  # stdin is not a terminal here: nothing to ask
    assert (code, out) == (ExitCode.USAGE, "")
    assert err == "backendai-async: error: login needs a user: --user or BACKEND_USER_ID\n"
