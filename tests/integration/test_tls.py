"""TLS end to end on the real 26.9.6 stack serving https (``BAI_STACK_TLS=1``, the second pass of
``nox -s integration``): verification, custom CAs, the signed Host on default and explicit ports,
SESSION login, storage-proxy transfers, and nothing readable on the wire.

The manager and webserver have a certificate of the CA ``tls["ca"]``, the storage proxy one of
another CA, ``tls["storage_ca"]``; ``tls["bundle"]`` holds both.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import ssl
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from yarl import URL

import backendai_async as bai
from tests.support.fault_proxy import FaultProxy
from tests.support.resolver import ToPort

from .conftest import ApiConfigFactory

CERT_PROBLEM = "certificate verify failed: unable to get local issuer certificate"
DATA = os.urandom(3 * 1024 * 1024 + 123)


@pytest.fixture
def tls(current: dict[str, Any]) -> dict[str, str]:
    """The CA files of a stack serving https; skips on the plain-http stack."""
    if not current.get("tls"):
        pytest.skip("the stack serves plain http: these tests run with BAI_STACK_TLS=1 (nox -s integration)")
    return current["tls"]  # type: ignore[no-any-return]


def trusting(*ca_files: str) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca_files[0])
    for path in ca_files[1:]:
        context.load_verify_locations(cafile=path)
    return context


def port_of(url: str) -> int:
    port = URL(url).port
    assert port is not None
    return port


@pytest.fixture
async def folder(api_config: ApiConfigFactory, current: dict[str, Any], tls: dict[str, str]) -> AsyncIterator[str]:
    """A fresh folder of the user, deleted afterwards."""
    name = f"bai-async-tls-{secrets.token_hex(4)}"
    async with bai.Client(api_config("user", ssl=trusting(tls["bundle"]))) as client:
        await client.vfolder.create(name, current["vfolder_host"])
        try:
            yield name
        finally:
            with contextlib.suppress(bai.BackendAIError):
                await client.vfolder.delete(name)


async def test_the_stack_serves_https(current: dict[str, Any], tls: dict[str, str]) -> None:
    assert current["endpoint"].startswith("https://")
    assert current["webserver"].startswith("https://")
    assert current["storage_proxy"].startswith("https://")


async def test_default_verification_refuses_an_unknown_ca(
    api_config: ApiConfigFactory, current: dict[str, Any], tls: dict[str, str]
) -> None:
    config = api_config("user")
    assert config.ssl is True
    async with bai.Client(config) as client:
        with pytest.raises(bai.RequestError, match=CERT_PROBLEM) as info:
            await client.request("POST", "/auth/test", json={"echo": "x"})
    assert f"127.0.0.1:{port_of(current['endpoint'])}" in info.value.message
    assert config.secret_key is not None and config.secret_key not in f"{info.value} {info.value!r}"


async def test_a_custom_ca_through_ssl_and_through_the_environment(
    api_config: ApiConfigFactory, current: dict[str, Any], tls: dict[str, str]
) -> None:
    async with bai.Client(api_config("user", ssl=trusting(tls["ca"]))) as client:
        assert (await client.request("POST", "/auth/test", json={"echo": "ssl="}))["echo"] == "ssl="
    user = current["users"]["user"]
    env = {
        "BACKEND_ACCESS_KEY": user["access_key"],
        "BACKEND_SECRET_KEY": user["secret_key"],
        "BACKEND_ENDPOINT": current["endpoint"],
        "BACKEND_CA_BUNDLE": tls["ca"],
    }
    async with bai.Client(bai.ClientConfig.from_env(env)) as client:
        assert (await client.request("POST", "/auth/test", json={"echo": "env"}))["echo"] == "env"
        assert (await client.user.get())["email"] == user["email"]


@pytest.mark.parametrize(
    "endpoint",
    ["https://127.0.0.1:{port}", "https://localhost:{port}", "https://localhost", "https://localhost:443"],
)
async def test_signatures_are_accepted_on_default_and_explicit_ports(
    endpoint: str, api_config: ApiConfigFactory, current: dict[str, Any], tls: dict[str, str]
) -> None:
    port = port_of(current["endpoint"])
    config = api_config("user", endpoint=endpoint.format(port=port), ssl=trusting(tls["ca"]))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=ToPort(port))) as http:
        async with bai.Client(config, http_session=http) as client:
            assert (await client.request("POST", "/auth/test", json={"echo": "443"}))["echo"] == "443"
            assert (await client.user.get())["email"] == current["users"]["user"]["email"]


async def test_session_mode_login_over_https(
    session_config: Callable[..., bai.ClientConfig], current: dict[str, Any], tls: dict[str, str]
) -> None:
    for host in ("localhost", "127.0.0.1"):
        config = session_config(endpoint=f"https://{host}:{current['webserver_port']}", ssl=trusting(tls["ca"]))
        async with bai.Client(config) as client:
            assert await client.login()
            assert await client.check_login() is True
            assert (await client.request("POST", "/auth/test", json={"echo": host}))["echo"] == host
            await client.logout()
            assert await client.check_login() is False


async def test_storage_proxy_transfers_use_the_same_ssl(
    api_config: ApiConfigFactory, folder: str, tls: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "in.bin"
    source.write_bytes(DATA)
    async with bai.Client(api_config("user", ssl=trusting(tls["ca"], tls["storage_ca"]))) as client:
        await client.vfolder.upload("in.bin", source, folder, chunk_size=1024 * 1024)
        got = await client.vfolder.download_file("in.bin", tmp_path / "out.bin", folder)
    assert hashlib.sha256(got.read_bytes()).digest() == hashlib.sha256(DATA).digest()

    # trusting the manager's CA only: the manager answers, the storage proxy is refused
    async with bai.Client(api_config("user", ssl=trusting(tls["ca"]))) as client:
        with pytest.raises(bai.RequestError, match=CERT_PROBLEM) as info:
            await client.vfolder.upload("again.bin", source, folder)
        assert "token=***" in str(info.value.request_url)
        with pytest.raises(bai.RequestError, match=CERT_PROBLEM):
            await client.vfolder.download_file("in.bin", tmp_path / "refused.bin", folder)
    assert not (tmp_path / "refused.bin").exists()


async def test_no_secret_is_readable_on_the_wire(
    api_config: ApiConfigFactory,
    session_config: Callable[..., bai.ClientConfig],
    current: dict[str, Any],
    tls: dict[str, str],
) -> None:
    user = current["users"]["user"]
    # relays on loopback that keep what the client sends
    async with FaultProxy(URL(current["endpoint"])) as to_manager, FaultProxy(URL(current["webserver"])) as to_web:
        api = api_config("user", endpoint=f"https://localhost:{to_manager.url.port}", ssl=trusting(tls["ca"]))
        async with bai.Client(api) as client:
            assert (await client.request("POST", "/auth/test", json={"echo": "relayed"}))["echo"] == "relayed"
        session = session_config(endpoint=f"https://localhost:{to_web.url.port}", ssl=trusting(tls["ca"]))
        async with bai.Client(session) as client:
            assert await client.login()
            assert (await client.request("POST", "/auth/test", json={"echo": "relayed"}))["echo"] == "relayed"
            await client.logout()
    for wire in (to_manager.received, to_web.received):
        assert wire[:1] == b"\x16"  # the first bytes are a TLS handshake record
        for secret in (user["secret_key"], user["access_key"], user["password"], user["email"]):
            assert secret.encode() not in wire
        for marker in (b"Authorization", b"BackendAI", b"relayed", b"Cookie", b"HTTP/1.1"):
            assert marker not in wire
