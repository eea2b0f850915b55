"""The aiohttp-facing layer: the client's sessions, one attempt, aiohttp's exceptions mapped to ours."""

from __future__ import annotations

import asyncio
import functools
import io
import json
from collections.abc import Callable, Mapping, Sequence
from ssl import SSLContext
from typing import Any, cast

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from ..errors import InsecureConnectionError, RequestError, RequestTimeoutError, ResponseError, server_error_class
from ..problems import retry_after, server_error
from .request import ParseMode, Request, masked, safe_url
from .stream_response import READ_ERRORS, read_error

__all__ = ["HTTP", "parse_body", "read_body"]

_LARGE_BODY = 1024 * 1024  # bytes; aiohttp sends larger bodies from a file-like object without a warning
_NO_TIMEOUT = aiohttp.ClientTimeout(total=None)


class HTTP:
    """The client's ``aiohttp.ClientSession`` (borrowed, or created on first use and owned), the
    cookie-less one for URLs off the endpoint, and single attempts on them.

    ``on_response`` sees the headers of every answer from the endpoint (not of bare requests);
    ``connect_timeout`` bounds each TCP connect (seconds; None: only the call's deadline);
    ``trace_configs`` go to the endpoint's session when it is created here; the bare session
    traces like the endpoint's.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None,
        ssl: SSLContext | bool,
        on_response: Callable[[Mapping[str, str]], None],
        connect_timeout: float | None = None,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
    ) -> None:
        self._session = session
        self._owns_session = session is None
        self._bare_session: aiohttp.ClientSession | None = None
        self._ssl = ssl
        self._on_response = on_response
        self.connect_timeout = connect_timeout
        self._trace_configs = list(trace_configs) or None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The session for the endpoint (created on first use, inside the running loop, when owned)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(
                cookie_jar=aiohttp.CookieJar(unsafe=True),  # keep the login cookie on IP endpoints
                timeout=_NO_TIMEOUT,
                trace_configs=self._trace_configs,
            )
        return self._session

    @property
    def bare_session(self) -> aiohttp.ClientSession:
        """The session for absolute URLs off the endpoint: the same connector, but no cookie jar,
        so no login cookie (cookies ignore ports) ever reaches a storage proxy on the endpoint's host."""
        if self._bare_session is None:
            self._bare_session = aiohttp.ClientSession(
                connector=self.session.connector,
                connector_owner=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                timeout=_NO_TIMEOUT,
                trace_configs=self.session.trace_configs,
            )
        return self._bare_session

    async def close(self) -> None:
        """Close the sessions that are ours."""
        if self._bare_session is not None:
            await self._bare_session.close()
        if self._owns_session and self._session is not None:
            await self._session.close()

    async def open(
        self,
        request: Request,
        headers: CIMultiDict[str],
        remaining: float | None,
        *,
        read_timeout: float | None = None,
        streaming: bool = False,
    ) -> aiohttp.ClientResponse:
        """One attempt: a 2xx response with its body unread, or the error the answer means.

        ``remaining`` (seconds; None: no limit) covers the whole response, body included, unless
        ``streaming``: then it covers connecting, and ``read_timeout`` each wait for data.
        """
        connect = self.connect_timeout
        if streaming:
            if connect is None or (remaining is not None and remaining < connect):
                connect = remaining
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=read_timeout)
        else:
            timeout = aiohttp.ClientTimeout(total=remaining, sock_connect=connect)
        method, url, body = request.method, request.url, request.body
        session = self.bare_session if request.bare else (self._session or self.session)
        data: object = io.BytesIO(body) if isinstance(body, bytes) and len(body) >= _LARGE_BODY else body
        try:
            resp = await session.request(
                method,
                url,
                headers=headers,
                data=data,
                timeout=timeout,
                allow_redirects=False,
                raise_for_status=False,
                ssl=self._ssl,
            )
        except asyncio.TimeoutError as exc:  # first: aiohttp's socket timeouts are ClientErrors too
            raise RequestTimeoutError(
                "the call's deadline passed before the response headers arrived",
                request_method=method,
                request_url=safe_url(url),
            ) from exc
        except aiohttp.ClientResponseError as exc:  # the server's answer was not valid HTTP
            raise ResponseError(
                f"could not read the response: {exc.message}",
                status=exc.status or None,
                request_method=method,
                request_url=safe_url(url),
            ) from exc
        except aiohttp.ClientError as exc:
            raise _request_error(exc)(
                f"could not send the request: {masked(_failure(exc), url)}",
                request_method=method,
                request_url=safe_url(url),
            ) from exc
        try:
            if not request.bare:
                self._on_response(resp.headers)
            if resp.status < 300:
                return resp
        except BaseException:
            resp.release()
            raise
        raw = await read_body(resp)
        if resp.status >= 400:
            raise server_error(resp.status, resp.reason, resp.content_type, resp.headers, raw, method, safe_url(url))
        location = resp.headers.get("Location", "")
        raise ResponseError(
            f"unexpected redirect to {URL(location).with_query(None)}; configure the endpoint where the server lives",
            status=resp.status,
            request_method=method,
            request_url=safe_url(url),
        )

    async def websocket(
        self, request: Request, headers: CIMultiDict[str], remaining: float | None, *, heartbeat: float | None = None
    ) -> aiohttp.ClientWebSocketResponse:
        """One websocket handshake, its failures mapped like a request's."""
        url = safe_url(request.url)
        try:
            return await asyncio.wait_for(self._ws_connect(request.url, headers, heartbeat), remaining)
        except asyncio.TimeoutError as exc:
            raise RequestTimeoutError(
                "the call's deadline passed before the websocket opened", request_method="GET", request_url=url
            ) from exc
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status < 400:
                raise ResponseError(
                    f"the websocket handshake failed: {exc.message}",
                    status=exc.status,
                    request_method="GET",
                    request_url=url,
                ) from exc
            raise server_error_class(exc.status)(
                f"the websocket handshake was refused: {exc.message}",
                status=exc.status,
                request_method="GET",
                request_url=url,
                retry_after=retry_after(exc.headers.get("Retry-After")) if exc.headers else None,
            ) from exc
        except aiohttp.ClientError as exc:
            raise _request_error(exc)(
                f"could not open the websocket: {masked(_failure(exc), request.url)}",
                request_method="GET",
                request_url=url,
            ) from exc

    async def _ws_connect(
        self, url: URL, headers: CIMultiDict[str], heartbeat: float | None
    ) -> aiohttp.ClientWebSocketResponse:
        ws = await self.session.ws_connect(url, headers=headers, heartbeat=heartbeat, ssl=self._ssl)
        return cast(aiohttp.ClientWebSocketResponse, ws)  # aiohttp 3.12+ types it as generic


def _request_error(exc: aiohttp.ClientError) -> type[RequestError]:
    """``InsecureConnectionError`` for a refused certificate, ``RequestError`` for the rest."""
    return InsecureConnectionError if isinstance(exc, aiohttp.ClientConnectorCertificateError) else RequestError


def _failure(exc: aiohttp.ClientError) -> str:
    """What went wrong, in words; a refused certificate names the host and the verification error."""
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        cert_error = exc.certificate_error
        problem = getattr(cert_error, "verify_message", None) or str(cert_error)
        return (
            f"the TLS certificate of {exc.host}:{exc.port} was refused (certificate verify failed: {problem}); "
            "to trust its CA, pass ssl= an SSLContext or set BACKEND_CA_BUNDLE"
        )
    return str(exc)


async def read_body(resp: aiohttp.ClientResponse) -> bytes:
    """The whole body; the connection is released."""
    try:
        return await resp.read()
    except READ_ERRORS as exc:
        raise read_error(resp, exc) from exc
    finally:
        resp.release()


def parse_body(resp: aiohttp.ClientResponse, raw: bytes, parse: ParseMode, request: Request) -> Any:
    """A body by its media type (``auto``), or as ``json``, ``text`` or ``bytes``."""
    if parse == "bytes":
        return raw
    media, charset = media_and_charset(resp.headers.get("Content-Type", ""))
    try:
        if parse == "json" or (parse == "auto" and (media == "application/json" or media.endswith("+json"))):
            return json.loads(raw.decode(charset)) if raw.strip() else None
        if parse == "text" or media.startswith("text/"):
            return raw.decode(charset)
    except (ValueError, LookupError) as exc:  # bad JSON or bytes; LookupError: an unknown charset
        raise ResponseError(
            f"could not decode the {media} response body: {exc}",
            status=resp.status,
            request_method=request.method,
            request_url=safe_url(request.url),
        ) from exc
    return raw if raw else None


@functools.lru_cache(maxsize=32)
def media_and_charset(content_type: str) -> tuple[str, str]:
    """The media type of a ``Content-Type`` (lower-case, ``application/octet-stream`` when
    empty) and its charset (``utf-8`` when none), remembered: every answer asks."""
    media, _, params = content_type.partition(";")
    charset = "utf-8"
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"') or charset
    return media.strip().lower() or "application/octet-stream", charset
