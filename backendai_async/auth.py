"""Authenticators: how a prepared request gets its credentials, once per attempt.

The pipeline routes the path with ``route()``, prepares the request (URL, ``Date``,
``Content-Type``, ``X-BackendAI-Version`` final; aiohttp adds ``Host``, given as ``host``), calls
``authenticate()`` on every attempt, and hands each response's headers from the endpoint to
``on_response()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from multidict import CIMultiDict

from .signing import Signer

__all__ = [
    "Authenticator",
    "HMACAuthenticator",
    "PreparedRequest",
    "SessionAuthenticator",
]

SESSION_ID_HEADER = "X-BackendAI-SessionID"


class PreparedRequest:
    """One attempt of a request, as it will go on the wire; authenticators edit ``headers``.

    ``raw_path`` is the percent-encoded path and query exactly as sent; ``host`` the ``Host``
    header; ``date`` the ``Date`` header text and ``day`` its ``YYYYMMDD``; ``body`` the bytes
    sent, or None for an empty or streamed body.
    """

    __slots__ = (
        "api_version",
        "body",
        "content_type",
        "date",
        "day",
        "headers",
        "host",
        "method",
        "raw_path",
    )

    def __init__(
        self,
        method: str,
        raw_path: str,
        host: str,
        headers: CIMultiDict[str],
        body: bytes | None,
        content_type: str | None,
        api_version: str | None,
        date: str,
        day: str,
    ) -> None:
        self.method = method
        self.raw_path = raw_path
        self.host = host
        self.headers = headers
        self.body = body
        self.content_type = content_type
        self.api_version = api_version
        self.date = date
        self.day = day


@runtime_checkable
class Authenticator(Protocol):
    """What the pipeline needs from an authenticator."""

    def route(self, path: str) -> str:
        """The path on the endpoint for an API path (e.g. ``/func`` prefix in SESSION mode)."""
        ...

    async def authenticate(self, request: PreparedRequest) -> None:
        """Add credentials to ``request.headers``; called again for every retry."""
        ...

    def on_response(self, headers: Mapping[str, str]) -> None:
        """See the headers of each response from the endpoint."""
        ...


class HMACAuthenticator:
    """API mode: signs every request with the keypair (HMAC, ``hash_type`` from hashlib)."""

    __slots__ = ("_signer",)

    def __init__(self, access_key: str, secret_key: str, hash_type: str = "sha256") -> None:
        self._signer = Signer(access_key, secret_key, hash_type)

    @property
    def access_key(self) -> str:
        """The access key the requests are signed for (the secret key is never exposed)."""
        return self._signer.access_key

    def __repr__(self) -> str:
        return f"HMACAuthenticator(access_key={self._signer.access_key!r})"

    def route(self, path: str) -> str:
        return path

    async def authenticate(self, request: PreparedRequest) -> None:
        version = request.api_version
        if version is None:  # the unversioned probe (GET /) is anonymous
            return
        signer = self._signer
        request.headers["Authorization"] = signer.authorization(
            signer.signature(
                request.method,
                request.raw_path,
                request.date,
                request.host,
                request.content_type,
                version,
                request.body,
                day=request.day,
            )
        )

    def on_response(self, headers: Mapping[str, str]) -> None:
        return None


class SessionAuthenticator:
    """SESSION mode, through the webserver: ``/server/*`` as is, every other path under ``/func``.

    The webserver keeps the keypair and signs upstream; the client proves its login with the
    ``AIOHTTP_SESSION`` cookie and, so that IP-address endpoints work without cookies, by echoing
    the ``X-BackendAI-SessionID`` header the webserver returns.
    """

    __slots__ = ("_session_id",)

    def __init__(self) -> None:
        self._session_id: str | None = None

    def __repr__(self) -> str:
        return f"SessionAuthenticator(logged_in={self._session_id is not None})"

    @property
    def has_session(self) -> bool:
        """Whether a session id from the webserver is held."""
        return self._session_id is not None

    def route(self, path: str) -> str:
        if path == "/server" or path.startswith("/server/"):
            return path
        return "/func" + path

    async def authenticate(self, request: PreparedRequest) -> None:
        if self._session_id is not None:
            request.headers[SESSION_ID_HEADER] = self._session_id

    def on_response(self, headers: Mapping[str, str]) -> None:
        session_id = headers.get(SESSION_ID_HEADER)
        if session_id:
            self._session_id = session_id

    def forget(self) -> None:
        """Drop the held session id (after a logout)."""
        self._session_id = None
