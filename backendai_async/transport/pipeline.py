"""THE request pipeline: every call, from ``get_info`` to GraphQL, goes through ``Transport``.

Order: options checked, deadline and abort scope → API version negotiated (lazy, once, locked) →
route and build the URL → per attempt: date, version, authenticator → one attempt on the HTTP
layer under the time left → retry only what the policy allows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from ..abort import AbortSignal
from ..auth import Authenticator
from ..config import ClientConfig
from ..errors import BackendAIError, ClockSkewError, RequestTimeoutError, ResponseError, UsageError
from ..versions import choose_api_version, feature_enabled, rest_gate, unsupported
from .call_options import OPTIONS, deadline, read_options, seconds_or_none
from .clock import Clock
from .endpoints import CONNECT_TIMEOUT, Endpoints
from .http import HTTP, parse_body, read_body
from .log import log, log_attempt
from .prepare import Preparer
from .request import CallArgs, ParseMode, Request, Response, ServerInfo, Target, safe_url
from .retry import retry_delay
from .scope import Calls, CallScope, unexpected_errors
from .stream_response import StreamResponse

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions

__all__ = ["Transport"]

_T = TypeVar("_T")


class Transport:
    """The pipeline: negotiation, preparation and the one attempt loop shared by ``send``,
    ``stream`` and ``websocket``, on the HTTP layer it holds."""

    def __init__(
        self,
        config: ClientConfig,
        authenticator: Authenticator,
        *,
        closing: AbortSignal,
        http_session: aiohttp.ClientSession | None = None,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
        user_agent: str,
        clock: Clock | None = None,
    ) -> None:
        self.config = config
        self.authenticator = authenticator
        self.clock = clock or Clock()
        several = len(config.endpoints) > 1  # connecting to one of them may not take the whole deadline
        connect_timeout = CONNECT_TIMEOUT if several else None
        self._http = HTTP(http_session, config.ssl, authenticator.on_response, connect_timeout, trace_configs)
        self._calls = Calls(closing)
        self._default_seconds = seconds_or_none(config.timeout, "timeout")
        self._preparer = Preparer(config.endpoint_url, authenticator, user_agent, self.clock)
        #: several endpoints: the one in use and the moves between them (None for one endpoint)
        self.endpoints = Endpoints(config, self._preparer, self._http) if several else None
        self.api_version: str | None = config.api_version
        self.server_info: ServerInfo | None = None
        self._version_lock: asyncio.Lock | None = None

    @property
    def http_session(self) -> aiohttp.ClientSession:
        """The aiohttp session for the endpoint."""
        return self._http.session

    @property
    def endpoint_url(self) -> URL:
        """The endpoint in use: the first configured, or the one the last failover moved to."""
        return self.config.endpoint_url if self.endpoints is None else self.endpoints.current.url

    @property
    def closing(self) -> AbortSignal:
        """Aborted when the client closes (long-lived streams stop waiting on it)."""
        return self._calls.closing

    async def close(self) -> None:
        """Wait for aborted calls of other tasks to unwind, then close the sessions that are ours."""
        await self._calls.wait_idle()
        await self._http.close()

    # ---- version negotiation ---------------------------------------------------------------

    async def negotiate(self, **options: Unpack[CallOptions]) -> str:
        """The API version to send: pinned, or learnt once from ``GET /``."""
        signal, seconds = read_options(options, self._default_seconds, OPTIONS)
        if self.api_version is not None:
            return self.api_version
        with CallScope(self._calls, signal):
            return await self._negotiate(deadline(seconds))

    async def probe(self, **options: Unpack[CallOptions]) -> ServerInfo:
        """``GET /``: the server's advertised API version and manager version."""
        signal, seconds = read_options(options, self._default_seconds, OPTIONS)
        with CallScope(self._calls, signal):
            return await self._probe(deadline(seconds))

    async def _negotiate(self, limit: float | None) -> str:
        if self._version_lock is None:
            self._version_lock = asyncio.Lock()
        async with self._version_lock:
            if self.api_version is None:
                info = self.server_info or await self._probe(limit)
                try:
                    self.api_version = choose_api_version(info.api_version)
                except ValueError as exc:
                    raise ResponseError(str(exc), status=200, request_method="GET") from exc
        return self.api_version

    async def _probe(self, limit: float | None) -> ServerInfo:
        # no version header: old servers answer 400 to a version they do not know, even on GET /
        with unexpected_errors("GET"):
            request = self._prepare("GET", "/", {}, None)
            resp = await self._attempts(request, limit, self._http.open)
            body = parse_body(resp, await read_body(resp), "auto", request)
        self.server_info = ServerInfo.from_body(body)
        if self.endpoints is not None:
            self.endpoints.learnt(resp.url, self.server_info)
        return self.server_info

    # ---- calls -----------------------------------------------------------------------------

    async def send(
        self,
        method: str,
        path: Target,
        *,
        default_timeout: float | None = None,
        parse: ParseMode = "auto",
        full_response: bool = False,
        **call: Unpack[CallArgs],
    ) -> Any:
        """Send one API call and return the parsed body (a ``Response`` with ``full_response``).

        ``call`` describes the request (``CallArgs``). Its ``timeout`` (seconds, ``inf`` for none;
        None takes ``default_timeout`` or the config's) covers negotiation, every attempt and every
        backoff, each up to the end of the body; ``parse`` picks how a 2xx body is read.

        ``path`` is an API path on the endpoint, or an absolute ``yarl.URL`` for a server the
        endpoint pointed to (a storage proxy): that is sent bare — no negotiation, no version
        header, no routing, no authenticator, no cookies; a token in its query is the credential
        and is masked in errors. A route the negotiated server lacks (``versions.REST_GATES``)
        raises ``UnsupportedFeatureError`` before anything is sent.
        """
        default = self._default_seconds if default_timeout is None else seconds_or_none(default_timeout, "timeout")
        signal, seconds = read_options(call, default) if call else (None, default)
        limit = deadline(seconds)
        with CallScope(self._calls, signal, method):
            request = self._prepare(method, path, call, self.api_version or await self._version(path, limit))
            resp = await self._attempts(request, limit, self._http.open)
            body = parse_body(resp, await read_body(resp), parse, request)
        return Response(resp.status, resp.headers, body) if full_response else body

    @contextlib.asynccontextmanager
    async def stream(
        self, method: str, path: Target, *, read_timeout: float | None = None, **call: Unpack[CallArgs]
    ) -> AsyncIterator[StreamResponse]:
        """Open a call whose 2xx body the caller reads as it arrives (events, downloads).

        ``timeout`` bounds negotiation and connecting; ``read_timeout`` each wait for data, the
        response headers included (None: no limit). ``path`` and ``call`` as for ``send``.
        Errors before the body are raised as for ``send``, and reads of the body raise
        ``RequestTimeoutError`` or ``ResponseError``. The abort ``signal`` and the client's
        ``close()`` apply until the block ends, and the connection is released then.
        """
        signal, seconds = read_options(call, self._default_seconds)
        limit = deadline(seconds)
        if read_timeout is not None:
            read_timeout = seconds_or_none(read_timeout, "read_timeout")
        with CallScope(self._calls, signal):
            with unexpected_errors(method):
                request = self._prepare(method, path, call, self.api_version or await self._version(path, limit))
                opened = partial(self._http.open, read_timeout=read_timeout, streaming=True)
                resp = await self._attempts(request, limit, opened)
            try:
                yield StreamResponse(resp)
            finally:
                resp.release()

    @contextlib.asynccontextmanager
    async def websocket(
        self, path: str, *, heartbeat: float | None = None, **call: Unpack[CallArgs]
    ) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
        """Open a websocket on ``path``: a signed GET upgrade, re-dated and re-signed per attempt.

        ``timeout`` bounds negotiation and the handshake; a refused handshake raises the
        ``ServerError`` of its status, connection failures ``RequestError`` (retried like a GET).
        The abort ``signal`` and the client's ``close()`` apply until the block ends; the
        websocket is closed then.
        """
        signal, seconds = read_options(call, self._default_seconds)
        limit = deadline(seconds)
        with CallScope(self._calls, signal):
            with unexpected_errors("GET"):
                version = self.api_version or await self._version(path, limit)
                request = self._prepare("GET", path, {**call, "retry_safe": True}, version)
                ws = await self._attempts(request, limit, partial(self._http.websocket, heartbeat=heartbeat))
            try:
                yield ws
            finally:
                await ws.close()

    # ---- preparing and attempting ----------------------------------------------------------

    def _prepare(self, method: str, path: Target, call: CallArgs, version: str | None) -> Request:
        """The call as every attempt sends it, with the negotiated ``version``; refused before
        anything is sent when the server lacks its REST route. An absolute URL is sent bare."""
        if isinstance(path, URL):
            if not path.absolute:
                raise UsageError(f"not an absolute URL: {safe_url(path)}")
            version = None
        elif version is not None and (feature := rest_gate(method, path)) is not None:
            manager = self.server_info.manager_version if self.server_info else None
            if not feature_enabled(feature, version, manager):
                raise unsupported(feature, version, manager, f"{method} {path}")
        return self._preparer.request(method, path, version, call)

    async def _version(self, path: Target, limit: float | None) -> str | None:
        """The API version to send a call on ``path`` with, before it is known: negotiated, or
        None for an absolute URL (sent bare, never worth a negotiation)."""
        return None if isinstance(path, URL) else await self._negotiate(limit)

    async def _attempts(
        self,
        request: Request,
        limit: float | None,
        attempt: Callable[[Request, CIMultiDict[str], float | None], Awaitable[_T]],
    ) -> _T:
        """THE attempt loop: each attempt dated and authenticated anew under the time left,
        moved to another endpoint or retried as the policy allows, and once more after correcting the
        clock for a skew refusal."""
        loop = asyncio.get_running_loop()
        debug = log.isEnabledFor(logging.DEBUG)
        attempts = sent = 0
        corrected = False
        preparer = self._preparer
        failover = None if self.endpoints is None or request.bare else self.endpoints.call()
        while True:
            if failover is not None:
                request, preparer = failover.target(request)
            signed_with = self.clock.offset
            headers, unsigned = preparer.headers(request)
            if unsigned is not None:
                await preparer.authenticator.authenticate(unsigned)
            remaining = None if limit is None else limit - loop.time()
            if remaining is not None and remaining <= 0:
                raise RequestTimeoutError(
                    "the call's deadline passed", request_method=request.method, request_url=safe_url(request.url)
                )
            if debug:
                sent += 1
                started = loop.time()
            try:
                if failover is None:
                    result = await attempt(request, headers, remaining)
                else:
                    result = await failover.send(attempt, request, headers, remaining)
                if debug:
                    log_attempt(request, sent, loop.time() - started, result)
                return result
            except BackendAIError as exc:
                if debug:
                    log_attempt(request, sent, loop.time() - started, exc)
                if isinstance(exc, ClockSkewError) and not corrected and self.clock.correct(exc, signed_with):
                    corrected = True  # the server refused before acting: safe for any method
                    continue
                if failover is not None and failover.moved(request, exc):
                    continue
                delay = retry_delay(
                    exc,
                    attempts,
                    max_retries=self.config.max_retries,
                    retry_safe=request.retry_safe,
                    replayable=request.replayable,
                    deadline=limit,
                    now=loop.time(),
                    jitter=random.random(),
                )
                if delay is None:
                    raise
                attempts += 1
                log.info(
                    "retrying %s %s in %.2fs after %s (attempt %d of %d)",
                    request.method, request.url.path, delay, exc.status or type(exc).__name__, attempts + 1,
                    self.config.max_retries + 1,
                )  # fmt: skip
                await asyncio.sleep(delay)
