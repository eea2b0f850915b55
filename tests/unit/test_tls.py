"""TLS end to end against the FakeManager serving https: verification, custom CAs, signing the Host
on default and explicit ports, SESSION login, storage-proxy transfers, and no secret in clear text."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import ssl
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import trustme

import backendai_async as bai
from backendai_async.signing import Signer
from backendai_async.testing import FakeManager, Fault
from tests.support.fault_proxy import FaultProxy
from tests.support.resolver import ToPort

from .cli_support import cli_command, cli_env
from .conftest import AK, SK, ClientFactory

NAMES = ("127.0.0.1", "localhost", "bai.test")
CERT_PROBLEM = "certificate verify failed: unable to get local issuer certificate"
DATA = os.urandom(300_000)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def unknown_ca() -> trustme.CA:
    """A CA nobody trusts."""
    return trustme.CA()


def server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*NAMES).configure_cert(context)
    return context


@pytest.fixture
def trusting(ca: trustme.CA) -> ssl.SSLContext:
    """A client context that trusts ``ca`` (and verifies)."""
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
async def fm(ca: trustme.CA) -> AsyncIterator[FakeManager]:
    """A FakeManager and its storage proxy serving https with certificates of ``ca``."""
    async with FakeManager(ssl=server_context(ca)) as manager:
        yield manager


@pytest.fixture
async def relay(fm: FakeManager) -> AsyncIterator[FaultProxy]:
    """A plain-http relay to the fake on loopback: what reaches it shows what crossed in clear text."""
    async with FaultProxy(fm.url) as proxy:
        yield proxy


def session_config(fm: FakeManager, **options: Any) -> bai.ClientConfig:
    return bai.ClientConfig(
        user_id="user@lablup.com",
        password="C8qnIo29",
        endpoint=str(fm.url),
        connection_mode="SESSION",
        max_retries=0,
        **options,
    )


async def make_folder(fm: FakeManager, client: bai.Client) -> None:
    """The folder "box" holding ``f.bin`` (DATA)."""
    await client.vfolder.create("box", "local:volume1")
    next(f for f in fm.vfolders.folders.values() if f.name == "box").files["f.bin"] = bytearray(DATA)


# ---- verification and trust --------------------------------------------------------------------


async def test_default_verification_refuses_an_unknown_ca_naming_the_problem(
    fm: FakeManager, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "backendai_async")
    client = make_client(fm, max_retries=2)  # ssl=True: the system's CAs
    assert client.config.ssl is True
    with pytest.raises(bai.InsecureConnectionError) as info:
        await client.request("POST", "/auth/test", json={"echo": "x"})
    error = info.value
    assert error.type == bai.ErrorType.ERR_REQUEST
    assert CERT_PROBLEM in error.message
    assert f"{fm.url.host}:{fm.url.port}" in error.message
    assert "BACKEND_CA_BUNDLE" in error.message  # how to fix it
    assert isinstance(error.__cause__, aiohttp.ClientConnectorCertificateError)
    assert SK not in f"{error} {error!r} {error.request_url}"
    assert fm.requests == []  # nothing got past the handshake
    assert "retrying" not in caplog.text  # a refused certificate is refused again: not retried


async def test_a_custom_ca_through_ssl_works_with_an_explicit_port(
    fm: FakeManager, make_client: ClientFactory, trusting: ssl.SSLContext
) -> None:
    client = make_client(fm, ssl=trusting)
    assert fm.url.scheme == "https"
    assert (await client.request("POST", "/auth/test", json={"echo": "tls"}))["echo"] == "tls"
    signed = fm.requests[-1]
    assert signed.headers["Host"] == f"127.0.0.1:{fm.url.port}"  # what was signed is what the fake checked
    assert signed.headers["Authorization"].startswith("BackendAI signMethod=HMAC-SHA256")


async def test_a_ca_bundle_from_the_environment(fm: FakeManager, ca_file: Path, unknown_ca: trustme.CA) -> None:
    env = {"BACKEND_ACCESS_KEY": AK, "BACKEND_SECRET_KEY": SK, "BACKEND_ENDPOINT": str(fm.url)}
    config = bai.ClientConfig.from_env({**env, "BACKEND_CA_BUNDLE": str(ca_file)})
    assert isinstance(config.ssl, ssl.SSLContext)
    assert config.ssl.verify_mode == ssl.CERT_REQUIRED and config.ssl.check_hostname
    async with bai.Client(config) as client:
        assert (await client.request("POST", "/auth/test", json={"echo": "env"}))["echo"] == "env"

    other = ca_file.with_name("other.pem")  # the bundle replaces the system's CAs: only it is trusted
    unknown_ca.cert_pem.write_to_path(str(other))
    async with bai.Client(bai.ClientConfig.from_env({**env, "BACKEND_CA_BUNDLE": str(other)})) as client:
        with pytest.raises(bai.InsecureConnectionError, match=CERT_PROBLEM):
            await client.request("POST", "/auth/test", json={"echo": "x"})


def test_a_ca_bundle_that_cannot_be_loaded_is_a_config_error(tmp_path: Path) -> None:
    env = {"BACKEND_ACCESS_KEY": AK, "BACKEND_SECRET_KEY": SK}
    with pytest.raises(bai.ConfigError, match="BACKEND_CA_BUNDLE: cannot load the CA bundle") as info:
        bai.ClientConfig.from_env({**env, "BACKEND_CA_BUNDLE": str(tmp_path / "missing.pem")})
    assert SK not in str(info.value)
    (tmp_path / "bad.pem").write_text("not a certificate\n")
    with pytest.raises(bai.ConfigError, match="BACKEND_CA_BUNDLE"):
        bai.ClientConfig.from_env({**env, "BACKEND_CA_BUNDLE": str(tmp_path / "bad.pem")})
    with pytest.raises(bai.ConfigError, match=r"'ssl'.*an ssl\.SSLContext"):
        bai.ClientConfig(AK, SK, ssl=str(tmp_path / "ca.pem"))  # type: ignore[arg-type]


_SSL_CERT_FILE_SCRIPT = """
import asyncio, backendai_async as bai

async def main():
    async with bai.Client() as client:
        print((await client.request("POST", "/auth/test", json={"echo": "ssl-cert-file"}))["echo"])

asyncio.run(main())
"""


async def test_ssl_cert_file_is_honoured_by_the_default_verification(fm: FakeManager, ca_file: Path) -> None:
    # Python's default context (which ssl=True uses) reads SSL_CERT_FILE when the process starts
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BACKEND_", "SSL_CERT_"))}
    env.update(BACKEND_ACCESS_KEY=AK, BACKEND_SECRET_KEY=SK, BACKEND_ENDPOINT=str(fm.url), SSL_CERT_FILE=str(ca_file))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _SSL_CERT_FILE_SCRIPT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert out.decode().strip() == "ssl-cert-file"


# ---- signing the Host over https ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "host"),
    [
        ("https://bai.test", "bai.test"),
        ("https://bai.test:443", "bai.test"),
        ("https://bai.test:{port}", "bai.test:{port}"),
    ],
)
async def test_signatures_are_accepted_on_the_default_and_explicit_ports(
    endpoint: str, host: str, fm: FakeManager, trusting: ssl.SSLContext
) -> None:
    port = fm.url.port
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=ToPort(port))) as http:
        config = bai.ClientConfig(AK, SK, endpoint.format(port=port), ssl=trusting, max_retries=0)
        async with bai.Client(config, http_session=http) as client:
            assert (await client.request("POST", "/auth/test", json={"echo": "443"}))["echo"] == "443"
            assert (await client.request("GET", "/auth/test", params={"echo": "q"}))["authorized"] == "yes"
    assert {r.headers["Host"] for r in fm.requests} == {host.format(port=port)}
    assert all("Authorization" in r.headers for r in fm.requests if r.path == "/auth/test")


async def test_the_fake_checks_the_host_on_the_wire_like_the_manager(fm: FakeManager, trusting: ssl.SSLContext) -> None:
    # the official client's bug: signing "host:443" while the Host header says "host" is refused
    date = datetime.now(timezone.utc).isoformat()
    version = "v9.20250722"
    signer = Signer(AK, SK)

    def headers(signed_host: str) -> dict[str, str]:
        signature = signer.signature("GET", "/auth/test", date, signed_host, "application/json", version)
        return {
            "Date": date,
            "Content-Type": "application/json",
            "X-BackendAI-Version": version,
            "Authorization": signer.authorization(signature),
        }

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(resolver=ToPort(fm.url.port))) as http:
        statuses = []
        for signed_host in ("bai.test:443", "bai.test"):
            async with http.get("https://bai.test:443/auth/test", headers=headers(signed_host), ssl=trusting) as resp:
                statuses.append(resp.status)
    assert statuses == [401, 200]
    assert [r.headers["Host"] for r in fm.requests] == ["bai.test", "bai.test"]


# ---- SESSION mode --------------------------------------------------------------------------------


async def test_session_mode_login_over_https(fm: FakeManager, trusting: ssl.SSLContext) -> None:
    async with bai.Client(session_config(fm, ssl=trusting)) as client:
        assert await client.login()
        assert await client.check_login() is True
        assert (await client.request("POST", "/auth/test", json={"echo": "s"}))["echo"] == "s"
        await client.logout()
    login = next(r for r in fm.requests if r.path == "/server/login")
    assert login.json == {"username": "user@lablup.com", "password": "C8qnIo29"}  # in the clear, inside TLS only
    assert all("Authorization" not in r.headers for r in fm.requests)


async def test_session_mode_refuses_an_unknown_ca_before_sending_the_password(fm: FakeManager) -> None:
    async with bai.Client(session_config(fm)) as client:
        with pytest.raises(bai.InsecureConnectionError, match=CERT_PROBLEM) as info:
            await client.login()
    assert "C8qnIo29" not in f"{info.value} {info.value!r}"
    assert fm.requests == []


# ---- storage proxy -------------------------------------------------------------------------------


async def test_storage_proxy_transfers_over_https_use_the_same_ssl(
    fm: FakeManager, make_client: ClientFactory, trusting: ssl.SSLContext, tmp_path: Path
) -> None:
    client = make_client(fm, ssl=trusting)
    await make_folder(fm, client)
    source = tmp_path / "in.bin"
    source.write_bytes(DATA)
    await client.vfolder.upload("in.bin", source, "box", chunk_size=64 * 1024)
    dest = await client.vfolder.download_file("in.bin", tmp_path / "out.bin", "box")
    assert hashlib.sha256(dest.read_bytes()).digest() == hashlib.sha256(DATA).digest()
    assert fm.vfolders.storage_url.scheme == "https"
    transfers = fm.vfolders.storage_requests
    assert {r.method for r in transfers} >= {"PATCH", "GET"}
    for r in transfers:  # the token only: no signature, no cookie, no session id
        assert not {"Authorization", "Cookie", "X-BackendAI-SessionID"} & set(r.headers)


@pytest.fixture
async def fm_unknown_storage_ca(ca: trustme.CA, unknown_ca: trustme.CA) -> AsyncIterator[FakeManager]:
    """The manager with a certificate of ``ca``, its storage proxy with one of ``unknown_ca``."""
    manager = FakeManager(ssl=server_context(ca))
    manager.vfolders.proxy.ssl = server_context(unknown_ca)
    async with manager:
        yield manager


async def test_an_unknown_ca_on_the_storage_proxy_is_refused(
    fm_unknown_storage_ca: FakeManager,
    make_client: ClientFactory,
    trusting: ssl.SSLContext,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "backendai_async")
    fm = fm_unknown_storage_ca
    client = make_client(fm, ssl=trusting)
    await make_folder(fm, client)  # the manager is trusted
    source = tmp_path / "in.bin"
    source.write_bytes(DATA)
    storage = f"{fm.vfolders.storage_url.host}:{fm.vfolders.storage_url.port}"
    with pytest.raises(bai.InsecureConnectionError, match=CERT_PROBLEM) as info:
        await client.vfolder.upload("in.bin", source, "box")
    assert storage in info.value.message
    assert "token=***" in str(info.value.request_url)
    with pytest.raises(bai.InsecureConnectionError, match=CERT_PROBLEM):
        await client.vfolder.download_file("f.bin", tmp_path / "out.bin", "box")
    assert fm.vfolders.storage_requests == []
    assert [r.getMessage() for r in caplog.records if "transfer of" in r.getMessage()] == []  # no outage retries


# ---- nothing in clear text -------------------------------------------------------------------------


async def test_a_redirect_from_https_to_http_is_refused(
    fm: FakeManager, make_client: ClientFactory, trusting: ssl.SSLContext, relay: FaultProxy
) -> None:
    target = str(relay.url)
    for status in (301, 302, 307, 308):
        fm.inject(Fault(path="/auth/test", status=status, headers={"Location": f"{target}/auth/test"}))
    fm.inject(Fault(path="/server/login", status=307, headers={"Location": f"{target}/server/login"}))
    client = make_client(fm, ssl=trusting)
    for status in (301, 302, 307, 308):
        with pytest.raises(bai.ResponseError, match=f"unexpected redirect to {target}/auth/test") as info:
            await client.request("POST", "/auth/test", json={"echo": "x"})
        assert info.value.status == status
    async with bai.Client(session_config(fm, ssl=trusting)) as session_client:
        with pytest.raises(bai.ResponseError, match="unexpected redirect"):
            await session_client.login()
    assert relay.accepted == 0
    assert bytes(relay.received) == b""


async def test_a_plain_http_storage_proxy_named_by_an_https_endpoint_is_refused(
    ca: trustme.CA,
    make_client: ClientFactory,
    trusting: ssl.SSLContext,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "backendai_async")
    manager = FakeManager(ssl=server_context(ca))
    manager.vfolders.proxy.ssl = None  # the storage proxy listens on plain http
    async with manager as fm:
        client = make_client(fm, ssl=trusting)
        await make_folder(fm, client)
        source = tmp_path / "in.bin"
        source.write_bytes(DATA)
        with pytest.raises(bai.InsecureConnectionError, match="plain-http URL named by an https endpoint") as info:
            await client.vfolder.upload("in.bin", source, "box")
        assert info.value.request_url is not None and "token=***" in info.value.request_url
        with pytest.raises(bai.InsecureConnectionError, match="plain-http URL"):
            await client.vfolder.download_file("f.bin", tmp_path / "out.bin", "box")
        assert fm.vfolders.storage_url.scheme == "http"
        assert fm.vfolders.storage_requests == []  # not one byte went out in clear text
        await client.close()  # before the fake: Python 3.10 leaks a TLS transport the server closed
    assert [r.getMessage() for r in caplog.records if "transfer of" in r.getMessage()] == []  # no outage retries


async def test_a_refused_certificate_moves_the_call_to_the_next_endpoint(
    fm: FakeManager, unknown_ca: trustme.CA, trusting: ssl.SSLContext
) -> None:
    async with FakeManager(ssl=server_context(unknown_ca)) as untrusted:
        config = bai.ClientConfig(AK, SK, [str(untrusted.url), str(fm.url)], ssl=trusting, max_retries=0)
        async with bai.Client(config) as client:
            assert (await client.request("POST", "/auth/test", json={"echo": "moved"}))["echo"] == "moved"
            assert client.endpoint == str(fm.url)
        assert untrusted.requests == []


# ---- the command line ----------------------------------------------------------------------------


async def test_the_cli_logs_in_and_out_over_https_trusting_the_ca_bundle(
    fm: FakeManager, ca_file: Path, tmp_path: Path
) -> None:
    env = cli_env(fm, tmp_path / "config", keys=False)
    env.update(BACKEND_CA_BUNDLE=str(ca_file), BACKEND_USER_ID="user@lablup.com", BACKEND_PASSWORD="C8qnIo29")

    async def cli(*args: str) -> tuple[int | None, bytes]:
        process = await asyncio.create_subprocess_exec(
            *cli_command(*args), env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        output, _ = await process.communicate()
        return process.returncode, output

    assert await cli("login") == (0, f"logged in to {fm.url} as user@lablup.com\n".encode())
    assert len(fm.web_sessions) == 1
    assert await cli("logout") == (0, f"logged out of {fm.url}\n".encode())
    assert fm.web_sessions == {}
