"""``ClientConfig``: what to talk to and how, validated once, before any I/O."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from ssl import SSLContext, SSLError, create_default_context
from typing import TYPE_CHECKING, Literal

from yarl import URL

from .errors import ConfigError

if TYPE_CHECKING:
    from .reconnect import ReconnectPolicy

__all__ = ["DEFAULT_ENDPOINT", "ClientConfig", "ConnectionMode", "__version__"]

__version__ = "0.1.0"

DEFAULT_ENDPOINT = "https://api.backend.ai"
ConnectionMode = Literal["API", "SESSION"]

_API_VERSION = r"v\d+\.\d{8}"
# argument name -> environment variable, for error messages
_ENV = {
    "access_key": "BACKEND_ACCESS_KEY",
    "secret_key": "BACKEND_SECRET_KEY",
    "endpoint": "BACKEND_ENDPOINT",
    "connection_mode": "BACKEND_ENDPOINT_TYPE",
    "api_version": "BACKEND_VERSION",
    "user_id": "BACKEND_USER_ID",
    "password": "BACKEND_PASSWORD",
    "hash_type": "BACKEND_HASH_TYPE",
    "ssl": "BACKEND_CA_BUNDLE",
}


def _bad(argument: str, problem: str) -> ConfigError:
    env = _ENV.get(argument)
    where = f"argument {argument!r}" + (f" / environment variable {env}" if env else "")
    return ConfigError(f"{where}: {problem}")


@dataclasses.dataclass(frozen=True)
class ClientConfig:
    """Connection settings, in the JavaScript client's argument order.

    API mode needs ``access_key`` and ``secret_key``. SESSION mode (through the webserver) takes
    ``user_id`` and ``password``; as in the JS client, the first two positional arguments are read as
    user id and password in SESSION mode when ``user_id`` is not given.

    ``timeout`` is the default deadline of one call in seconds (connect, headers and body, all
    attempts); ``max_retries`` the extra attempts for calls that are safe to repeat; ``ssl`` is passed
    to aiohttp for the endpoint and the storage proxies alike (``True`` verifies certificates against
    the system's CAs, ``False`` does not verify, an ``SSLContext`` customises, e.g. trusts another CA);
    ``reconnect`` is how event streams reconnect unless a stream is given its own policy (None: the
    defaults of ``ReconnectPolicy``).

    ``endpoint`` may name several endpoints of one cluster (a sequence, or a comma-separated string)
    for failover: ``endpoints`` is the normalised tuple and ``endpoint`` their comma-joined string
    (the one URL when there is one). ``failover_cooldown`` is how many seconds an endpoint that
    failed is passed over before the client tries it again.
    """

    access_key: str | None = None
    secret_key: str | None = dataclasses.field(default=None, repr=False)
    endpoint: str | Sequence[str] | None = None
    connection_mode: str = "API"
    _: dataclasses.KW_ONLY
    user_id: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    api_version: str | None = None
    hash_type: str = "sha256"
    timeout: float = 15.0
    max_retries: int = 2
    ssl: bool | SSLContext = dataclasses.field(default=True, repr=False)
    failover_cooldown: float = 30.0
    endpoints: tuple[str, ...] = dataclasses.field(init=False, repr=False)
    reconnect: ReconnectPolicy | None = None

    def __post_init__(self) -> None:
        mode = str(self.connection_mode).upper()
        if mode not in ("API", "SESSION"):
            raise _bad("connection_mode", f"must be 'API' or 'SESSION', not {self.connection_mode!r}")
        set_ = object.__setattr__
        set_(self, "connection_mode", mode)
        if mode == "API":
            for name in ("access_key", "secret_key"):
                if not getattr(self, name):
                    raise _bad(name, "is required in API mode")
        elif self.user_id is None and self.access_key:
            set_(self, "user_id", self.access_key)
            set_(self, "password", self.secret_key)
            set_(self, "access_key", None)
            set_(self, "secret_key", None)
        endpoints = _normalise_endpoints(self.endpoint or DEFAULT_ENDPOINT)
        set_(self, "endpoints", endpoints)
        set_(self, "endpoint", ",".join(endpoints))
        if self.api_version is not None and not re.fullmatch(_API_VERSION, self.api_version):
            raise _bad("api_version", f"malformed version {self.api_version!r} (e.g. 'v9.20250722')")
        hash_type = self.hash_type.lower()
        if hash_type not in hashlib.algorithms_guaranteed or "-" in hash_type:
            raise _bad("hash_type", f"unsupported hash {self.hash_type!r} (e.g. 'sha256')")
        set_(self, "hash_type", hash_type)
        if not (isinstance(self.timeout, (int, float)) and self.timeout > 0):
            raise _bad("timeout", f"must be a positive number of seconds, not {self.timeout!r}")
        if not (isinstance(self.max_retries, int) and self.max_retries >= 0):
            raise _bad("max_retries", f"must be an integer >= 0, not {self.max_retries!r}")
        if not (isinstance(self.failover_cooldown, (int, float)) and self.failover_cooldown >= 0):
            raise _bad("failover_cooldown", f"must be a number of seconds >= 0, not {self.failover_cooldown!r}")
        if self.reconnect is not None:
            from .reconnect import ReconnectPolicy  # (imported when used: import stays cheap)

            if not isinstance(self.reconnect, ReconnectPolicy):
                raise _bad("reconnect", f"must be a ReconnectPolicy or None, not {self.reconnect!r}")
        if not isinstance(self.ssl, (bool, SSLContext)):
            raise _bad("ssl", "must be True, False or an ssl.SSLContext (e.g. ssl.create_default_context(cafile=...))")

    @property
    def endpoint_url(self) -> URL:
        """The first endpoint as a URL (no trailing slash, no default port): the one tried first."""
        return URL(self.endpoints[0])

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ClientConfig:
        """Build a config from ``BACKEND_*`` environment variables.

        ``BACKEND_ACCESS_KEY``, ``BACKEND_SECRET_KEY``, ``BACKEND_ENDPOINT`` (default
        ``https://api.backend.ai``; several endpoints comma-separated), ``BACKEND_ENDPOINT_TYPE``
        (``api`` or ``session``), ``BACKEND_VERSION`` (pins the API version), ``BACKEND_USER_ID``
        and ``BACKEND_PASSWORD`` (SESSION mode), ``BACKEND_HASH_TYPE`` (default ``sha256``),
        ``BACKEND_CA_BUNDLE`` (a PEM file of the CAs to trust instead of the system's; ``ssl`` becomes a
        context loaded from it).
        """
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(_ENV[name], "").strip()
            return value or None

        return cls(
            get("access_key"),
            get("secret_key"),
            get("endpoint"),
            get("connection_mode") or "API",
            user_id=get("user_id"),
            password=get("password"),
            api_version=get("api_version"),
            hash_type=get("hash_type") or "sha256",
            ssl=_ca_bundle(ca_bundle) if (ca_bundle := get("ssl")) else True,
        )


def _ca_bundle(path: str) -> SSLContext:
    """A verifying context that trusts the CAs of a PEM file (and no others)."""
    try:
        return create_default_context(cafile=path)
    except (OSError, SSLError) as exc:
        raise _bad("ssl", f"cannot load the CA bundle {path!r}: {exc}") from exc


def _normalise_endpoints(endpoint: str | Sequence[str]) -> tuple[str, ...]:
    given = endpoint.split(",") if isinstance(endpoint, str) else list(endpoint)
    if not all(isinstance(one, str) for one in given):
        raise _bad("endpoint", f"must be a URL string or a sequence of them, not {endpoint!r}")
    endpoints = tuple(str(_normalise_endpoint(one)) for one in given if one.strip())
    if not endpoints:
        raise _bad("endpoint", f"names no endpoint: {endpoint!r}")
    if len(set(endpoints)) < len(endpoints):
        raise _bad("endpoint", f"names an endpoint twice: {', '.join(endpoints)}")
    return endpoints


def _normalise_endpoint(endpoint: str) -> URL:
    try:
        url = URL(endpoint.strip())
    except (TypeError, ValueError) as exc:
        raise _bad("endpoint", f"not a URL: {endpoint!r}") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise _bad("endpoint", f"needs an http:// or https:// scheme and a host, got {endpoint!r}")
    if url.user is not None or url.password is not None:
        raise _bad("endpoint", "must not carry credentials")
    if url.raw_query_string or url.raw_fragment:
        raise _bad("endpoint", "must not have a query or fragment")
    try:
        port = url.port
    except ValueError as exc:
        raise _bad("endpoint", f"bad port in {endpoint!r}") from exc
    if port is None:
        raise _bad("endpoint", f"bad port in {endpoint!r}")
    return URL(f"{url.scheme}://{url.host_port_subcomponent}{url.raw_path.rstrip('/')}", encoded=True)
