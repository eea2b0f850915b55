"""The two backends of the conformance suite: the FakeManager and the real 26.9.6 stack.

``backend`` is parametrised over ``fake`` and ``real``. The fake runs in every session (a
``FakeManager`` of generation 26.9 on loopback); the real one needs the stack that
``tests/integration/run.sh`` starts (``BACKENDAI_STACK_INFO``) and is skipped without it, with
that reason. Every test here is marked ``conformance``; run.sh selects them next to the
integration tests.
"""

from __future__ import annotations

import json
import os
import pathlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

import backendai_async as bai
from backendai_async.testing import FakeManager
from backendai_async.testing.background import in_background

HERE = pathlib.Path(__file__).parent
INFO_ENV = "BACKENDAI_STACK_INFO"
REAL_GENERATION = "26.09"
# the stack's own defaults: these keys are the same on the fake and on the stack's fixtures
FAKE_USERS = {
    "superadmin": ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    "user": ("AKIANABBDUSEREXAMPLE", "C8qnIo29EZvXkPK_MXcuAakYTy4NYrxwmCEyNPlf"),
}
# SESSION mode (the webserver): the same on the fake and in the stack's fixtures
FAKE_PASSWORDS = {"superadmin": ("admin@lablup.com", "wJalrXUt"), "user": ("user@lablup.com", "C8qnIo29")}
FAKE_IMAGE = "cr.backend.ai/stable/python:3.9-ubuntu20.04"
FAKE_VFOLDER_HOST = "local:volume1"


def stack_info() -> dict[str, Any] | None:
    path = os.environ.get(INFO_ENV)
    if not path:
        return None
    return json.loads(pathlib.Path(path).read_text())  # type: ignore[no-any-return]


def real_generation() -> dict[str, Any]:
    """The 26.09 stack's description, or skip the test (with the reason)."""
    info = stack_info()
    if info is None:
        pytest.skip(
            f"real backend: {INFO_ENV} is not set; the real 26.9.6 stack runs in nox -s integration "
            "(tests/integration/run.sh)"
        )
    gen = info["generations"].get(REAL_GENERATION)
    if gen is None or gen["status"] != "up":
        pytest.skip(f"real backend: Backend.AI {REAL_GENERATION} is not running ({gen and gen.get('reason')})")
    return gen  # type: ignore[no-any-return]


@dataclass
class Backend:
    """Where a scenario runs: the endpoint, the keypairs by role, an image and a vfolder host."""

    name: str
    endpoint: str
    users: dict[str, tuple[str, str]]
    image: str
    vfolder_host: str
    webserver: str = ""
    passwords: dict[str, tuple[str, str]] = field(default_factory=dict)
    fake: FakeManager | None = None

    def config(self, role: str = "superadmin", **options: Any) -> bai.ClientConfig:
        access_key, secret_key = self.users[role]
        options.setdefault("max_retries", 1)
        return bai.ClientConfig(access_key, secret_key, self.endpoint, **options)

    def session_config(self, role: str = "user", password: str | None = None) -> bai.ClientConfig:
        """SESSION mode through the webserver (the fake serves its routes itself)."""
        email, known = self.passwords[role]
        return bai.ClientConfig(
            user_id=email, password=password or known, endpoint=self.webserver, connection_mode="SESSION", max_retries=1
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.conformance)


@pytest.fixture(params=["fake", "real"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "real":
        gen = real_generation()
        users = {role: (u["access_key"], u["secret_key"]) for role, u in gen["users"].items()}
        passwords = {role: (u["email"], u["password"]) for role, u in gen["users"].items()}
        webserver = f"http://localhost:{gen['webserver_port']}"
        yield Backend("real", gen["endpoint"], users, gen["image"], gen["vfolder_host"], webserver, passwords)
        return
    with in_background(FakeManager("26.9")) as fake:
        url = str(fake.url).rstrip("/")
        yield Backend("fake", url, dict(FAKE_USERS), FAKE_IMAGE, FAKE_VFOLDER_HOST, url, dict(FAKE_PASSWORDS), fake)
