"""Fixtures for the tests against real Backend.AI servers.

``tests/integration/run.sh`` starts the servers and exports ``BACKENDAI_STACK_INFO``, the path
of a JSON file describing them::

    {"stack_home": "...",
     "generations": {
        "26.09": {"status": "up", "hello": {"version": "v9.20250722", "manager": "26.9.6"},
                  "endpoint": "http://127.0.0.1:28001", "webserver": "http://127.0.0.1:28000",
                  "webserver_port": 28000, "image": "...", "vfolder_host": "local:volume1",
                  "tls": null (with BAI_STACK_TLS=1: {"ca", "storage_ca", "bundle"}, https URLs),
                  "logs": {"manager": "/path/manager.log", ...},
                  "users": {"superadmin": {"email", "password", "access_key", "secret_key"},
                            "domain_admin": {...}, "user": {...}}},
        "22.09": {... manager only, "webserver": null ...},
        "19.09": {"status": "skipped", "reason": "no python3.6 (...)"}}}

Without it (plain ``pytest``) every test here is skipped, with the reason.  When a test fails,
the server log lines written during that test are added to its report.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
from collections.abc import Callable, Generator
from typing import Any

import pytest

import backendai_async as bai

INFO_ENV = "BACKENDAI_STACK_INFO"
CURRENT = "26.09"  # manager + webserver + dummy agent + storage proxy
GENERATIONS = ("26.09", "22.09", "19.09")
LOG_TAIL_LINES = 40
HERE = pathlib.Path(__file__).parent


def _load_info() -> dict[str, Any] | None:
    path = os.environ.get(INFO_ENV)
    if not path:
        return None
    return json.loads(pathlib.Path(path).read_text())  # type: ignore[no-any-return]


STACK_INFO = _load_info()
NOT_RUNNING = f"{INFO_ENV} is not set: these tests need the real servers (tests/integration/run.sh, nox -s integration)"

# which generations a test talked to, and how long each server log was when it started
_USED_GENERATIONS = pytest.StashKey[set[str]]()
_LOG_OFFSETS = pytest.StashKey[dict[str, int]]()


def _generations_up() -> dict[str, dict[str, Any]]:
    if STACK_INFO is None:
        return {}
    return {name: gen for name, gen in STACK_INFO["generations"].items() if gen["status"] == "up"}


# ---------------------------------------------------------------- hooks


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE not in item.path.parents:
            continue
        item.add_marker(pytest.mark.integration)
        if STACK_INFO is None:
            item.add_marker(pytest.mark.skip(reason=NOT_RUNNING))


def pytest_report_header(config: pytest.Config) -> list[str]:
    if STACK_INFO is None:
        return [f"backend.ai stack: none ({INFO_ENV} not set)"]
    lines = []
    for name, gen in STACK_INFO["generations"].items():
        if gen["status"] == "up":
            hello = gen["hello"]
            lines.append(f"backend.ai {name}: up, manager {hello['manager']} ({hello['version']}) at {gen['endpoint']}")
        else:
            lines.append(f"backend.ai {name}: SKIPPED ({gen['reason']})")
    return lines


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if STACK_INFO is None:
        return
    for name, gen in STACK_INFO["generations"].items():
        if gen["status"] != "up":
            terminalreporter.write_line(f"SKIPPED generation {name}: {gen['reason']}", yellow=True)


def _log_files(generation: str) -> dict[str, str]:
    gen = _generations_up().get(generation)
    return dict(gen["logs"]) if gen else {}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    offsets = {}
    for generation in _generations_up():
        for name, path in _log_files(generation).items():
            with contextlib.suppress(OSError):
                offsets[f"{generation}/{name}"] = os.path.getsize(path)
    item.stash[_LOG_OFFSETS] = offsets


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """On a failure (setup, call or teardown), add what the servers logged meanwhile."""
    report = yield
    if not report.failed or _LOG_OFFSETS not in item.stash:
        return report
    offsets = item.stash[_LOG_OFFSETS]
    used = item.stash.get(_USED_GENERATIONS, set()) or set(_generations_up())
    for generation in sorted(used):
        logs = _log_files(generation)
        written = {name: _read_from(path, offsets.get(f"{generation}/{name}", 0)) for name, path in logs.items()}
        if not any(text.strip() for text in written.values()):  # nothing logged: show where the manager stands
            written = {"manager": _read_from(logs["manager"], 0)}
        for name, text in written.items():
            if text.strip():
                lines = text.splitlines()[-LOG_TAIL_LINES:]
                report.sections.append(
                    (f"{generation} {name} log, last {len(lines)} lines: {logs[name]}", "\n".join(lines))
                )
    return report


def _read_from(path: str, offset: int) -> str:
    """What ``path`` holds from byte ``offset`` on (all of it if the file shrank)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        return f"(unreadable: {exc})"
    return (data[offset:] if len(data) >= offset else data).decode("utf-8", "replace")


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def stack() -> dict[str, Any]:
    """The parsed ``BACKENDAI_STACK_INFO``."""
    if STACK_INFO is None:
        pytest.skip(NOT_RUNNING)
    return STACK_INFO


def _generation(stack: dict[str, Any], name: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    gen = stack["generations"].get(name)
    if gen is None or gen["status"] != "up":
        pytest.skip(f"Backend.AI {name} is not running: {gen['reason'] if gen else 'unknown generation'}")
    request.node.stash.setdefault(_USED_GENERATIONS, set()).add(name)
    return gen  # type: ignore[no-any-return]


@pytest.fixture
def generation_info(stack: dict[str, Any], request: pytest.FixtureRequest) -> Callable[[str], dict[str, Any]]:
    """``generation_info("22.09")``: that generation's description (the test is skipped if it
    is not up)."""
    return lambda name: _generation(stack, name, request)


@pytest.fixture
def current(generation_info: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """The 26.09 stack: manager, webserver, dummy agent, storage proxy."""
    return generation_info(CURRENT)


ApiConfigFactory = Callable[..., bai.ClientConfig]


@pytest.fixture
def api_config(generation_info: Callable[[str], dict[str, Any]]) -> ApiConfigFactory:
    """``api_config(role="superadmin", on="26.09", **ClientConfig options)``: API mode.

    ``role`` is ``superadmin``, ``domain_admin`` or ``user``; ``on`` the generation (the test is
    skipped if it is not up); options such as ``api_version`` or ``secret_key`` override the
    defaults.
    """

    def make(role: str = "superadmin", on: str = CURRENT, **options: Any) -> bai.ClientConfig:
        gen = generation_info(on)
        user = gen["users"][role]
        kwargs: dict[str, Any] = {
            "access_key": user["access_key"],
            "secret_key": user["secret_key"],
            "endpoint": gen["endpoint"],
            "connection_mode": "API",
        }
        kwargs.update(options)
        return bai.ClientConfig(**kwargs)

    return make


@pytest.fixture
def superadmin_config(api_config: ApiConfigFactory) -> bai.ClientConfig:
    return api_config("superadmin")


@pytest.fixture
def domain_admin_config(api_config: ApiConfigFactory) -> bai.ClientConfig:
    return api_config("domain_admin")


@pytest.fixture
def user_config(api_config: ApiConfigFactory) -> bai.ClientConfig:
    return api_config("user")


@pytest.fixture
def config_22_09(api_config: ApiConfigFactory) -> bai.ClientConfig:
    """Superadmin, API mode, on the 22.09 manager (skipped when it is not up)."""
    return api_config("superadmin", on="22.09")


@pytest.fixture
def config_19_09(api_config: ApiConfigFactory) -> bai.ClientConfig:
    """Superadmin, API mode, on the 19.09 manager (skipped when it is not up)."""
    return api_config("superadmin", on="19.09")


@pytest.fixture
def session_config(current: dict[str, Any]) -> Callable[..., bai.ClientConfig]:
    """``session_config(host="localhost", role="user", **options)``: SESSION mode through the
    26.09 webserver, the endpoint written with ``host`` (``localhost`` or ``127.0.0.1``)."""

    def make(host: str = "localhost", role: str = "user", **options: Any) -> bai.ClientConfig:
        user = current["users"][role]
        kwargs: dict[str, Any] = {
            "user_id": user["email"],
            "password": user["password"],
            "endpoint": f"http://{host}:{current['webserver_port']}",
            "connection_mode": "SESSION",
        }
        kwargs.update(options)
        return bai.ClientConfig(**kwargs)

    return make
