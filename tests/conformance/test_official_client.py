"""The official ``backend.ai-client`` 26.9.6 (a client nobody here wrote) against both backends.

``official_driver.py`` runs in a subprocess with the official client's interpreter: the 26.9.6
stack's venv (the webserver depends on the client), found through the stack description, or
``$BAI_STACK_HOME`` (run.sh's default when unset), or ``BAI_OFFICIAL_CLIENT_PYTHON``. The fake is
the standalone ``python -m backendai_async.testing --generation 26.9``, configured for the client
from its one JSON line, exactly as an app in another process would use it. Both must agree with
what the real stack did (``expected/official.json``) on success or failure and on shapes.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import FAKE_IMAGE, FAKE_PASSWORDS, FAKE_USERS, FAKE_VFOLDER_HOST, real_generation, stack_info
from .outcomes import conform

HERE = pathlib.Path(__file__).parent
DRIVER = HERE / "official_driver.py"
RUN_SH_STACK_HOME = "/tmp/backendai-async-stack"  # tests/integration/run.sh's default BAI_STACK_HOME
DRIVER_TIMEOUT = 300.0


def official_python() -> pathlib.Path:
    """The interpreter with ``ai.backend.client`` 26.9.6, or skip (with where it was looked for)."""
    explicit = os.environ.get("BAI_OFFICIAL_CLIENT_PYTHON")
    info = stack_info()
    home = info["stack_home"] if info else os.environ.get("BAI_STACK_HOME", RUN_SH_STACK_HOME)
    python = pathlib.Path(explicit) if explicit else pathlib.Path(home) / "venvs" / "26.09" / "bin" / "python"
    if not python.exists():
        pytest.skip(
            f"the official backend.ai-client is not installed ({python} is missing): tests/integration/run.sh "
            "builds it with the 26.9.6 stack, so this half runs in nox -s integration (or set "
            "BAI_OFFICIAL_CLIENT_PYTHON)"
        )
    probe = subprocess.run(
        [str(python), "-c", "import ai.backend.client"], capture_output=True, timeout=60, check=False
    )
    if probe.returncode != 0:
        pytest.skip(f"{python} cannot import ai.backend.client: {probe.stderr.decode()[-300:]}")
    return python


@pytest.fixture
def standalone_fake() -> Iterator[dict[str, Any]]:
    """``python -m backendai_async.testing --generation 26.9`` in a subprocess: its JSON line."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "backendai_async.testing", "--generation", "26.9"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line, f"the standalone fake printed nothing: {proc.communicate(timeout=10)[1]}"
        yield json.loads(line)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, f"the standalone fake exited with {proc.returncode}: {err}"


def drive(
    python: pathlib.Path, endpoint: str, user: tuple[str, str], args: dict[str, Any], workdir: pathlib.Path
) -> dict[str, dict[str, Any]]:
    """Run the driver; its outcome per operation."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKEND_", "SORNA_"))}
    env.update(
        {
            "BACKEND_ENDPOINT": endpoint,
            "BACKEND_ENDPOINT_TYPE": "api",
            "BACKEND_ACCESS_KEY": user[0],
            "BACKEND_SECRET_KEY": user[1],
        }
    )
    done = subprocess.run(
        [str(python), str(DRIVER), json.dumps({**args, "workdir": str(workdir)})],
        cwd=workdir,  # the client reads a .env from its working directory: an empty one here
        env=env,
        capture_output=True,
        text=True,
        timeout=DRIVER_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"the driver failed ({done.returncode}):\n{done.stderr[-3000:]}"
    outcomes = {}
    for line in done.stdout.splitlines():
        if line.startswith('{"op"'):
            outcome = json.loads(line)
            outcomes[outcome.pop("op")] = outcome
    return outcomes


@pytest.mark.parametrize("target", ["fake", "real"])
def test_official_client_everyday_operations(
    target: str, tmp_path: pathlib.Path, request: pytest.FixtureRequest
) -> None:
    python = official_python()
    if target == "real":
        gen = real_generation()
        users = {role: (u["access_key"], u["secret_key"]) for role, u in gen["users"].items()}
        endpoint, image, host = gen["endpoint"], gen["image"], gen["vfolder_host"]
        webserver, login = (
            f"http://localhost:{gen['webserver_port']}",
            (gen["users"]["user"]["email"], gen["users"]["user"]["password"]),
        )
    else:
        fake = request.getfixturevalue("standalone_fake")
        users = dict(FAKE_USERS)
        assert (fake["access_key"], fake["secret_key"]) == users["superadmin"]
        endpoint, image, host = fake["endpoint"], FAKE_IMAGE, FAKE_VFOLDER_HOST
        # the client keeps the webserver's cookie only for a host name (aiohttp's jar refuses IPs)
        webserver, login = endpoint.replace("127.0.0.1", "localhost"), FAKE_PASSWORDS["user"]
    args = {"image": image, "vfolder_host": host, "admin": users["superadmin"], "webserver": webserver, "login": login}
    outcomes = drive(python, endpoint, users["user"], args, tmp_path)
    conform("official", "everyday", target, outcomes)
