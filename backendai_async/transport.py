"""THE request pipeline: every call, from ``get_info`` to GraphQL, goes through ``Transport.send``.

Order: deadline and abort scope → API version negotiated (lazy, once, locked) → route and build
the URL → per attempt: date, version, authenticator → send on the one ``aiohttp.ClientSession``
under the remaining deadline → classify into the error tree → retry only what is safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json as jsonlib
import logging
import random
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from functools import partial
from types import TracebackType
from typing import Any, Literal, TypeVar, cast
from urllib.parse import quote

import aiohttp
from multidict import CIMultiDict, MultiDict
from yarl import URL

from .abort import AbortSignal
from .auth import Authenticator, PreparedRequest
from .config import ClientConfig
from .errors import (
    AbortError,
    BackendAIError,
    RequestError,
    RequestTimeoutError,
    ResponseError,
    UnknownError,
    server_error_class,
)
from .legacy import body_in_query, check_request_line
from .versions import choose_api_version, feature_enabled

__all__ = ["Body", "Params", "ParseMode", "Response", "ServerInfo", "Target", "Transport", "reading"]

log = logging.getLogger("backendai_async")
_T = TypeVar("_T")

Params = Mapping[str, str | int | float] | Iterable[tuple[str, str | int | float]]
ParseMode = Literal["auto", "json", "text", "bytes"]
#: A request body: bytes (replayable), or an async iterable streamed once (never retried).
Body = bytes | AsyncIterable[bytes]
#: An API path on the endpoint, or an absolute ``URL`` elsewhere (see ``Transport.send``).
Target = str | URL

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_RETRY_AFTER = 10.0  # seconds; a longer Retry-After is raised at once with `retry_after` set
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
_ERROR_SNIPPET = 200
_URL_CACHE_LIMIT = 256
_LARGE_BODY = 1024 * 1024  # bytes; aiohttp sends larger bodies from a file-like object without a warning
_PATH_SAFE = "/:@!$&'()*+,;=-._~"  # RFC 3986 pchar and "/": kept as they are in a path


class Response:
    """A 2xx answer: status, headers and the parsed body."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: Mapping[str, str], body: Any) -> None:
        self.status = status
        self.headers = headers
        self.body = body


class ServerInfo:
    """What ``GET /`` told: the advertised API version and the manager version (None if absent)."""

    __slots__ = ("api_version", "manager_version")

    def __init__(self, api_version: str, manager_version: str | None) -> None:
        self.api_version = api_version
        self.manager_version = manager_version


class _CallScope:
    """One call in flight: counted for ``close()``; an abort of its signal or of the client's
    closing signal becomes ``AbortError``; any other cancellation passes untouched."""

    __slots__ = ("_fired", "_removers", "_signals", "_task", "_transport")

    def __init__(self, transport: Transport, signal: AbortSignal | None) -> None:
        self._transport = transport
        self._signals = (transport._closing,) if signal is None else (signal, transport._closing)
        self._fired = False
        self._removers: list[Callable[[], None]] = []
        self._task: asyncio.Task[Any] | None = None

    def __enter__(self) -> None:
        for signal in self._signals:
            if signal.aborted:
                raise AbortError(_abort_message(signal))
        self._task = task = asyncio.current_task()
        self._removers = [signal.add_callback(self._fire) for signal in self._signals[:-1]]
        self._removers.append(self._transport._closing.add_callback(self._fire_on_close))
        inflight = self._transport._inflight
        inflight[task] = inflight.get(task, 0) + 1

    def _fire(self) -> None:
        if not self._fired and self._task is not None:
            self._fired = True
            self._task.cancel()

    def _fire_on_close(self) -> None:
        if self._task is not asyncio.current_task():  # close() from inside a call must not cancel itself
            self._fire()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for remove in self._removers:
            remove()
        transport = self._transport
        count = transport._inflight.pop(self._task)
        if count > 1:
            transport._inflight[self._task] = count - 1
        if transport._idle is not None and not transport._inflight.keys() - {transport._closer}:
            transport._idle.set()
        if not self._fired or exc_type is not asyncio.CancelledError:
            return
        uncancel = getattr(self._task, "uncancel", None)  # Python 3.11+
        if uncancel is not None and uncancel() > 0:
            return  # somebody else cancelled the task too: let it propagate
        signal = next(s for s in self._signals if s.aborted)
        raise AbortError(_abort_message(signal)) from exc


def _abort_message(signal: AbortSignal) -> str:
    return f"aborted: {signal.reason}" if signal.reason is not None else "aborted"


class Transport:
    """Holds the HTTP session, the negotiated version and the authenticator; sends every call."""

    def __init__(
        self,
        config: ClientConfig,
        authenticator: Authenticator,
        *,
        closing: AbortSignal,
        http_session: aiohttp.ClientSession | None = None,
        user_agent: str,
    ) -> None:
        self.config = config
        self.authenticator = authenticator
        self._closing = closing
        self._session = http_session
        self._owns_session = http_session is None
        self._bare_session: aiohttp.ClientSession | None = None
        base = config.endpoint_url
        self._base_url = URL(f"{base.scheme}://{base.host_port_subcomponent}")
        self._prefix = base.raw_path.rstrip("/")
        self._host = base.host_port_subcomponent or ""
        self._urls: dict[str, URL] = {}
        self._base_headers = {"User-Agent": user_agent, "Host": self._host}
        self.api_version: str | None = config.api_version
        self.server_info: ServerInfo | None = None
        self._version_lock: asyncio.Lock | None = None
        self._inflight: dict[asyncio.Task[Any] | None, int] = {}  # tasks with calls in flight
        self._closer: asyncio.Task[Any] | None = None
        self._idle: asyncio.Event | None = None

    # ---- lifecycle -------------------------------------------------------------------------

    @property
    def http_session(self) -> aiohttp.ClientSession:
        """The aiohttp session (created on first use, inside the running loop, when owned)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(
                cookie_jar=aiohttp.CookieJar(unsafe=True),  # keep the login cookie on IP endpoints
                timeout=aiohttp.ClientTimeout(total=None),
            )
        return self._session

    @property
    def bare_session(self) -> aiohttp.ClientSession:
        """The session for absolute URLs off the endpoint: the same connector (one per client),
        but no cookie jar, so no login cookie (cookies ignore ports) ever reaches a storage
        proxy on the endpoint's host."""
        if self._bare_session is None:
            self._bare_session = aiohttp.ClientSession(
                connector=self.http_session.connector,
                connector_owner=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                timeout=aiohttp.ClientTimeout(total=None),
            )
        return self._bare_session

    async def close(self) -> None:
        """Wait for aborted calls of other tasks to unwind, then close the sessions that are ours."""
        self._closer = asyncio.current_task()
        if self._inflight.keys() - {self._closer}:
            self._idle = asyncio.Event()
            await self._idle.wait()
        if self._bare_session is not None:
            await self._bare_session.close()
        if self._owns_session and self._session is not None:
            await self._session.close()

    # ---- version negotiation ---------------------------------------------------------------

    async def negotiate(self, *, timeout: float | None = None, signal: AbortSignal | None = None) -> str:
        """The API version to send: pinned, or learnt once from ``GET /``."""
        if self.api_version is not None:
            return self.api_version
        with _CallScope(self, signal):
            return await self._negotiate(self.deadline(timeout))

    async def probe(self, *, timeout: float | None = None, signal: AbortSignal | None = None) -> ServerInfo:
        """``GET /``: the server's advertised API version and manager version."""
        with _CallScope(self, signal):
            return await self._probe(self.deadline(timeout))

    async def _negotiate(self, deadline: float | None) -> str:
        if self._version_lock is None:
            self._version_lock = asyncio.Lock()
        async with self._version_lock:
            if self.api_version is None:
                info = self.server_info or await self._probe(deadline)
                try:
                    self.api_version = choose_api_version(info.api_version)
                except ValueError as exc:
                    raise ResponseError(str(exc), status=200, request_method="GET") from exc
        return self.api_version

    async def _probe(self, deadline: float | None) -> ServerInfo:
        # no version header: old servers answer 400 to a version they do not know, even on GET /
        with _unexpected_errors("GET"):
            request = await self._prepare("GET", "/", None, None, None, None, None, None, deadline, versioned=False)
            body = (await self._read(await self._open(request, deadline), request, "auto")).body
        version = body.get("version") if isinstance(body, dict) else None
        manager = body.get("manager") if isinstance(body, dict) else None
        if not isinstance(version, str) or not (manager is None or isinstance(manager, str)):
            raise ResponseError(f"GET / did not return a version: {str(body)[:_ERROR_SNIPPET]!r}", status=200)
        self.server_info = ServerInfo(version, manager)
        return self.server_info

    # ---- the pipeline ----------------------------------------------------------------------

    def deadline(self, timeout: float | None, default: float | None = None) -> float | None:
        """Absolute loop time of a call's deadline (None: no deadline, for ``float('inf')``)."""
        seconds = timeout if timeout is not None else (default if default is not None else self.config.timeout)
        if not seconds > 0:
            raise ValueError(f"timeout must be a positive number of seconds, not {seconds!r}")
        if seconds == float("inf"):
            return None
        return asyncio.get_running_loop().time() + seconds

    async def send(
        self,
        method: str,
        path: Target,
        *,
        params: Params | None = None,
        json: Any = None,
        data: Body | None = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        default_timeout: float | None = None,
        signal: AbortSignal | None = None,
        retry_safe: bool | None = None,
        parse: ParseMode = "auto",
        full_response: bool = False,
    ) -> Any:
        """Send one API call and return the parsed body (a ``Response`` with ``full_response``).

        ``timeout`` (seconds, ``inf`` for none; None takes ``default_timeout`` or the config's)
        covers negotiation, every attempt and every backoff, each up to the end of the body;
        ``retry_safe`` overrides the method's idempotency; ``parse`` picks how a 2xx body is read.

        ``path`` is an API path on the endpoint, or an absolute ``yarl.URL`` for a server the
        endpoint pointed to (a storage proxy): that is sent bare — no negotiation, no version
        header, no routing, no authenticator, no cookies; a token in its query is the credential
        and is masked in errors. ``data`` may be an async iterable of bytes, sent as it comes and
        never retried (it cannot be replayed).
        """
        _check_target(path)
        deadline = self.deadline(timeout, default_timeout)
        with _CallScope(self, signal), _unexpected_errors(method):
            request = await self._prepare(method, path, params, json, data, content_type, headers, retry_safe, deadline)
            response = await self._read(await self._open(request, deadline), request, parse)
        return response if full_response else response.body

    @contextlib.asynccontextmanager
    async def stream(
        self,
        method: str,
        path: Target,
        *,
        params: Params | None = None,
        json: Any = None,
        data: Body | None = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        read_timeout: float | None = None,
        signal: AbortSignal | None = None,
        retry_safe: bool | None = None,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Open a call whose 2xx body the caller reads as it arrives (events, downloads).

        ``timeout`` bounds negotiation and connecting; ``read_timeout`` each wait for data, the
        response headers included (None: no limit). ``path`` and ``data`` as for ``send``.
        Errors before the body are raised as for ``send``; wrap reads of the body in
        ``reading(response)``. The abort ``signal`` and the client's ``close()`` apply until the
        block ends, and the connection is released then.
        """
        _check_target(path)
        deadline = self.deadline(timeout)
        with _CallScope(self, signal):
            with _unexpected_errors(method):
                request = await self._prepare(
                    method, path, params, json, data, content_type, headers, retry_safe, deadline
                )
                resp = await self._open(request, deadline, streaming=True, read_timeout=read_timeout)
            try:
                yield resp
            finally:
                resp.release()

    @contextlib.asynccontextmanager
    async def websocket(
        self,
        path: str,
        *,
        params: Params | None = None,
        timeout: float | None = None,
        heartbeat: float | None = None,
        signal: AbortSignal | None = None,
    ) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
        """Open a websocket on ``path``: a signed GET upgrade, re-dated and re-signed per attempt.

        ``timeout`` bounds negotiation and the handshake; a refused handshake raises the
        ``ServerError`` of its status, connection failures ``RequestError`` (retried like a GET).
        The abort ``signal`` and the client's ``close()`` apply until the block ends; the
        websocket is closed then.
        """
        deadline = self.deadline(timeout)
        with _CallScope(self, signal):
            with _unexpected_errors("GET"):
                request = await self._prepare("GET", path, params, None, None, None, None, True, deadline)
                ws = await self._attempts(request, deadline, partial(self._ws_attempt, request, heartbeat=heartbeat))
            try:
                yield ws
            finally:
                await ws.close()

    async def _ws_connect(
        self, url: URL, headers: CIMultiDict[str], heartbeat: float | None
    ) -> aiohttp.ClientWebSocketResponse:
        ws = await self.http_session.ws_connect(url, headers=headers, heartbeat=heartbeat, ssl=self.config.ssl)
        return cast(aiohttp.ClientWebSocketResponse, ws)  # aiohttp 3.12+ types it as generic

    async def _ws_attempt(
        self, request: _Request, headers: CIMultiDict[str], remaining: float | None, *, heartbeat: float | None
    ) -> aiohttp.ClientWebSocketResponse:
        """One websocket handshake, its failures mapped like a request's."""
        url = _safe_url(request.url)
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
            retry_after = _retry_after(exc.headers.get("Retry-After")) if exc.headers else None
            raise server_error_class(exc.status)(
                f"the websocket handshake was refused: {exc.message}",
                status=exc.status,
                request_method="GET",
                request_url=url,
                retry_after=retry_after,
            ) from exc
        except aiohttp.ClientError as exc:
            raise RequestError(f"could not open the websocket: {exc}", request_method="GET", request_url=url) from exc

    async def _prepare(
        self,
        method: str,
        path: Target,
        params: Params | None,
        json: Any,
        data: Body | None,
        content_type: str | None,
        headers: Mapping[str, str] | None,
        retry_safe: bool | None,
        deadline: float | None,
        versioned: bool = True,
    ) -> _Request:
        bare = isinstance(path, URL)
        version = (self.api_version or await self._negotiate(deadline)) if versioned and not bare else None
        if json is not None:
            data = jsonlib.dumps(json).encode()
            content_type = "application/json"
        legacy = version is not None and feature_enabled("params-in-query", version, None)
        if legacy and json is not None:  # API v1-v3: the handlers read the query string (legacy.py)
            given = _query_pairs(params) if params else MultiDict[str | int | float]()
            params = [*given.items(), *((k, v) for k, v in body_in_query(json) if k not in given)]
        if isinstance(path, URL):
            url = path.extend_query(_query_pairs(params)) if params else path
        else:
            url = self._url(path, params)
        if legacy:
            check_request_line(method, url.raw_path_qs)
        replayable = data is None or isinstance(data, bytes)
        return _Request(
            method,
            url,
            version,
            data,
            content_type or "application/json",
            headers,
            replayable and (method in IDEMPOTENT_METHODS if retry_safe is None else retry_safe),
            bare=bare,
            replayable=replayable,
        )

    def _url(self, path: str, params: Params | None) -> URL:
        url = self._urls.get(path)
        if url is None:
            routed = quote(self._prefix + self.authenticator.route(path), safe=_PATH_SAFE)
            url = self._base_url.with_path(routed, encoded=True)
            if len(self._urls) >= _URL_CACHE_LIMIT:
                self._urls.clear()
            self._urls[path] = url
        if params:
            url = url.with_query(_query_pairs(params))
        return url

    async def _open(
        self, request: _Request, deadline: float | None, *, streaming: bool = False, read_timeout: float | None = None
    ) -> aiohttp.ClientResponse:
        """A 2xx response with its body unread. The deadline covers the whole response, body
        included, unless ``streaming``: then it covers connecting, and ``read_timeout`` each wait
        for data."""

        def attempt(headers: CIMultiDict[str], remaining: float | None) -> Awaitable[aiohttp.ClientResponse]:
            if streaming:
                timeout = aiohttp.ClientTimeout(total=None, sock_connect=remaining, sock_read=read_timeout)
            else:
                timeout = aiohttp.ClientTimeout(total=remaining)
            return self._attempt(request, headers, timeout)

        return await self._attempts(request, deadline, attempt)

    async def _attempts(
        self,
        request: _Request,
        deadline: float | None,
        attempt: Callable[[CIMultiDict[str], float | None], Awaitable[_T]],
    ) -> _T:
        """THE attempt loop: each attempt dated and authenticated anew under the time left,
        retried as the policy allows."""
        loop = asyncio.get_running_loop()
        attempts = 0
        while True:
            headers = await self._authenticated_headers(request)
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                raise RequestTimeoutError(
                    "the call's deadline passed", request_method=request.method, request_url=_safe_url(request.url)
                )
            try:
                return await attempt(headers, remaining)
            except BackendAIError as exc:
                delay = self._retry_delay(exc, attempts, request, deadline, loop.time())
                if delay is None:
                    raise
                attempts += 1
                log.info(
                    "retrying %s %s in %.2fs after %s (attempt %d of %d)",
                    request.method, request.url.path, delay, exc.status or type(exc).__name__, attempts + 1,
                    self.config.max_retries + 1,
                )  # fmt: skip
                await asyncio.sleep(delay)

    async def _authenticated_headers(self, request: _Request) -> CIMultiDict[str]:
        if request.bare:
            headers: CIMultiDict[str] = CIMultiDict(self._base_headers)
            del headers["Host"]  # aiohttp sets the other server's own
            if request.body is not None:
                headers["Content-Type"] = request.content_type
            if request.extra_headers:
                headers.update(request.extra_headers)
            return headers
        headers = CIMultiDict(self._base_headers)
        if request.extra_headers:
            headers.update(request.extra_headers)
        date = datetime.now(timezone.utc).isoformat()
        headers["Date"] = date
        headers["Content-Type"] = request.content_type
        if request.version is not None:
            headers["X-BackendAI-Version"] = request.version
        await self.authenticator.authenticate(
            PreparedRequest(
                request.method,
                request.url.raw_path_qs,
                self._host,
                headers,
                request.body if isinstance(request.body, bytes) else None,
                request.content_type,
                request.version,
                date,
                date[:4] + date[5:7] + date[8:10],
            )
        )
        return headers

    def _retry_delay(
        self, exc: BackendAIError, attempt: int, request: _Request, deadline: float | None, now: float
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to raise ``exc`` now."""
        if attempt >= self.config.max_retries:
            return None
        if isinstance(exc, RequestError):
            # nothing reached the server when the connection could not be made
            unsent = request.replayable and isinstance(exc.__cause__, aiohttp.ClientConnectorError)
            if not (request.retry_safe or unsent):
                return None
        elif not (request.retry_safe and exc.status in RETRY_STATUSES):
            return None
        if exc.retry_after is not None:
            delay = exc.retry_after
            if delay > MAX_RETRY_AFTER:
                return None
        else:
            backoff = min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)
            delay = backoff * (0.5 + random.random() / 2)
        if deadline is not None and now + delay >= deadline:
            return None
        return delay

    async def _attempt(
        self, request: _Request, headers: CIMultiDict[str], timeout: aiohttp.ClientTimeout
    ) -> aiohttp.ClientResponse:
        """One attempt: a 2xx response with its body unread, or the error the answer means."""
        method, url = request.method, request.url
        session = self.bare_session if request.bare else self.http_session
        try:
            resp = await session.request(
                method,
                url,
                headers=headers,
                data=io.BytesIO(request.body)
                if isinstance(request.body, bytes) and len(request.body) >= _LARGE_BODY
                else request.body,
                timeout=timeout,
                allow_redirects=False,
                raise_for_status=False,
                ssl=self.config.ssl,
            )
        except asyncio.TimeoutError as exc:  # first: aiohttp's socket timeouts are ClientErrors too
            raise RequestTimeoutError(
                "the call's deadline passed before the response headers arrived",
                request_method=method,
                request_url=_safe_url(url),
            ) from exc
        except aiohttp.ClientResponseError as exc:  # the server's answer was not valid HTTP
            raise ResponseError(
                f"could not read the response: {exc.message}",
                status=exc.status or None,
                request_method=method,
                request_url=_safe_url(url),
            ) from exc
        except aiohttp.ClientError as exc:
            raise RequestError(
                f"could not send the request: {exc}", request_method=method, request_url=_safe_url(url)
            ) from exc
        if resp.status < 300:
            if not request.bare:
                self.authenticator.on_response(resp.headers)
            return resp
        try:
            if not request.bare:
                self.authenticator.on_response(resp.headers)
            with reading(resp):
                raw = await resp.read()
        finally:
            resp.release()
        if resp.status >= 400:
            raise _server_error(resp, raw, method, _safe_url(url))
        location = resp.headers.get("Location", "")
        raise ResponseError(
            f"unexpected redirect to {URL(location).with_query(None)}; configure the endpoint where the server lives",
            status=resp.status,
            request_method=method,
            request_url=_safe_url(url),
        )

    async def _read(self, resp: aiohttp.ClientResponse, request: _Request, parse: ParseMode) -> Response:
        try:
            with reading(resp):
                raw = await resp.read()
        finally:
            resp.release()
        return Response(resp.status, resp.headers, _parse_body(resp, raw, parse, request.method, request.url))


class _Request:
    """A call as the pipeline sends it, the same for every attempt."""

    __slots__ = (
        "bare",
        "body",
        "content_type",
        "extra_headers",
        "method",
        "replayable",
        "retry_safe",
        "url",
        "version",
    )

    def __init__(
        self,
        method: str,
        url: URL,
        version: str | None,
        body: Body | None,
        content_type: str,
        extra_headers: Mapping[str, str] | None,
        retry_safe: bool,
        *,
        bare: bool = False,
        replayable: bool = True,
    ) -> None:
        self.method = method
        self.url = url
        self.version = version
        self.body = body
        self.content_type = content_type
        self.extra_headers = extra_headers
        self.retry_safe = retry_safe
        self.bare = bare  # an absolute URL off the endpoint: no credentials of any kind
        self.replayable = replayable


class reading:
    """Map failures while reading a response body: ``RequestTimeoutError``, or ``ResponseError``."""

    __slots__ = ("_resp",)

    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self._resp = resp

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None or isinstance(exc, BackendAIError):
            return
        resp = self._resp
        if isinstance(exc, asyncio.TimeoutError):  # first: aiohttp's socket timeouts are ClientErrors too
            raise RequestTimeoutError(
                "the call's deadline passed while reading the response body",
                status=resp.status,
                request_method=resp.method,
                request_url=_safe_url(resp.url),
            ) from exc
        if isinstance(exc, (aiohttp.ClientError, RuntimeError)):  # aiohttp: RuntimeError once the session closed
            raise ResponseError(
                f"could not read the response body: {exc}",
                status=resp.status,
                request_method=resp.method,
                request_url=_safe_url(resp.url),
            ) from exc


class _unexpected_errors:
    """Anything that is not already one of ours (or a cancellation) becomes ``UnknownError``."""

    __slots__ = ("_method",)

    def __init__(self, method: str) -> None:
        self._method = method

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None or isinstance(exc, (BackendAIError, asyncio.CancelledError)) or not isinstance(exc, Exception):
            return
        if isinstance(exc, asyncio.TimeoutError):
            raise RequestTimeoutError("the call's deadline passed", request_method=self._method) from exc
        raise UnknownError(f"{type(exc).__name__}: {exc}", request_method=self._method) from exc


def _parse_body(resp: aiohttp.ClientResponse, raw: bytes, parse: ParseMode, method: str, url: URL) -> Any:
    if parse == "bytes":
        return raw
    media = resp.content_type
    try:
        if parse == "json" or (parse == "auto" and (media == "application/json" or media.endswith("+json"))):
            return jsonlib.loads(raw) if raw.strip() else None
        if parse == "text" or media.startswith("text/"):
            return raw.decode(resp.charset or "utf-8")
    except (ValueError, LookupError) as exc:  # bad JSON or bytes; LookupError: an unknown charset
        raise ResponseError(
            f"could not decode the {media} response body: {exc}",
            status=resp.status,
            request_method=method,
            request_url=_safe_url(url),
        ) from exc
    return raw if raw else None


def _server_error(resp: aiohttp.ClientResponse, raw: bytes, method: str, url: str) -> BackendAIError:
    """One ``ServerError`` subclass; the status is kept whatever the body looks like."""
    problem: dict[str, Any] = {}
    if raw and (resp.content_type.endswith("json")):
        try:
            decoded = jsonlib.loads(raw)
        except ValueError:
            decoded = None
        if isinstance(decoded, dict):
            problem = decoded
            if isinstance(decoded.get("data"), dict) and "type" in decoded["data"] and "type" not in decoded:
                problem = {**decoded["data"], "data": decoded["data"]}  # the webserver's login failure
    title = _str_or_none(problem.get("title"))
    message = (
        _str_or_none(problem.get("msg"))
        or _str_or_none(problem.get("details"))
        or _str_or_none(problem.get("error_msg"))
        or title
        or _snippet(raw)
        or resp.reason
        or "server error"
    )
    problem_type = _str_or_none(problem.get("type"))
    return server_error_class(resp.status, problem_type)(
        message,
        status=resp.status,
        title=title,
        problem_type=problem_type,
        error_code=_str_or_none(problem.get("error_code")),
        data=problem.get("data"),
        request_method=method,
        request_url=url,
        retry_after=_retry_after(resp.headers.get("Retry-After")),
    )


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _check_target(path: Target) -> None:
    if isinstance(path, URL) and not path.absolute:
        raise ValueError(f"not an absolute URL: {_safe_url(path)}")


def _query_pairs(params: Params) -> MultiDict[str | int | float]:
    pairs = params.items() if isinstance(params, Mapping) else params
    return MultiDict((k, _query_value(v)) for k, v in pairs)


def _query_value(value: str | int | float) -> str | int | float:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _snippet(raw: bytes) -> str:
    text = " ".join(raw[: _ERROR_SNIPPET * 4].decode("utf-8", "replace").split())
    return text[:_ERROR_SNIPPET]


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _safe_url(url: URL) -> str:
    """The URL for errors and logs, with any ``token`` query value masked."""
    if "token" in url.query:
        url = url.update_query({"token": "***"})
    return str(url)
