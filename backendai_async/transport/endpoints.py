"""Several endpoints of one cluster: the one in use, when a call moves to another, and what a move
carries along (the API version is checked, the login cookie follows).

Only a client configured with more than one endpoint builds these; with one, the pipeline never
touches this module.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from http.cookies import Morsel, SimpleCookie
from typing import TypeVar

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from ..config import ClientConfig
from ..errors import BackendAIError, EndpointMismatchError, RequestError
from ..versions import choose_api_version
from .http import HTTP, parse_body, read_body
from .log import log_failover
from .prepare import Preparer
from .request import Request, ServerInfo

__all__ = ["CONNECT_TIMEOUT", "Endpoint", "Endpoints", "Failover", "moves"]

_T = TypeVar("_T")

#: statuses of a gateway or a server that cannot serve now: a call safe to repeat moves on them
MOVE_STATUSES = frozenset({502, 503, 504})
#: seconds a TCP connect to one of several endpoints may take before the call moves on
CONNECT_TIMEOUT = 5.0
#: nothing was sent: refused, DNS, TLS handshake, and (aiohttp 3.10+ tells it from a read) a connect timeout
_UNSENT = (aiohttp.ClientConnectorError, getattr(aiohttp, "ConnectionTimeoutError", aiohttp.ClientConnectorError))


def moves(exc: BackendAIError, *, retry_safe: bool, replayable: bool) -> bool:
    """Whether a call that failed with ``exc`` may be sent to another endpoint: for any method
    when nothing was sent (and the body can be sent again), else only when the call is safe to
    repeat and the failure is one of the connection or a gateway (502, 503, 504)."""
    if isinstance(exc.__cause__, _UNSENT):
        return replayable
    if not retry_safe:
        return False
    return isinstance(exc, RequestError) or exc.status in MOVE_STATUSES


class Endpoint:
    """One configured endpoint: its URL, its ``Preparer``, when it last failed, what ``GET /`` told."""

    __slots__ = ("failed_at", "info", "prefix", "preparer", "root", "url")

    def __init__(self, root: str, preparer: Preparer) -> None:
        self.root = root
        self.url = URL(root)
        self.prefix = self.url.raw_path.rstrip("/")
        self.preparer = preparer
        self.failed_at: float | None = None
        self.info: ServerInfo | None = None

    def __repr__(self) -> str:
        return f"Endpoint({self.root!r})"


class Endpoints:
    """The configured endpoints and the one in use (sticky: calls stay on it while it works).

    An endpoint that failed is passed over as a target for the config's ``failover_cooldown``
    seconds of ``clock``. Unless the API version is pinned, every endpoint is asked
    ``GET /`` before its first versioned call, and one that would take another API version raises
    ``EndpointMismatchError``.
    """

    def __init__(
        self, config: ClientConfig, first: Preparer, http: HTTP, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.all = tuple(
            Endpoint(root, first if i == 0 else first.on(URL(root))) for i, root in enumerate(config.endpoints)
        )
        self.current = self.all[0]
        self.cooldown = config.failover_cooldown
        self.check_versions = config.api_version is None
        self.clock = clock
        self._http = http

    def call(self) -> Failover:
        """The moves of one call."""
        return Failover(self)

    def learnt(self, url: URL, info: ServerInfo) -> None:
        """Record what ``GET /`` at ``url`` told about its endpoint."""
        text = str(url)
        for endpoint in self.all:
            if text.startswith(endpoint.root + "/") or text == endpoint.root:
                endpoint.info = info

    def candidate(self, failed: Endpoint, tried: set[Endpoint]) -> Endpoint | None:
        """Where a call that failed on ``failed`` goes next: the endpoint in use if another call
        moved it and this call has not tried it, else the next in order that this call has not
        tried and that is not cooling down."""
        if self.current is not failed and self.current not in tried:
            return self.current
        now = self.clock()
        index = self.all.index(failed)
        for endpoint in self.all[index + 1 :] + self.all[:index]:
            if endpoint in tried:
                continue
            if endpoint.failed_at is None or now - endpoint.failed_at >= self.cooldown:
                return endpoint
        return None

    def switch(self, failed: Endpoint, to: Endpoint, exc: BackendAIError) -> None:
        """Make ``to`` the endpoint in use after ``exc`` on ``failed``, with the login cookie."""
        if self.current is to:
            return
        self.current = to
        _carry_cookies(self._http.session.cookie_jar, failed.url, to.url)
        log_failover(failed.root, to.root, exc)

    async def probe(self, endpoint: Endpoint, remaining: float | None) -> ServerInfo:
        """One ``GET /`` on ``endpoint``."""
        preparer = endpoint.preparer
        request = preparer.request("GET", "/", None, {})
        headers, unsigned = preparer.headers(request)
        if unsigned is not None:
            await preparer.authenticator.authenticate(unsigned)
        resp = await self._http.open(request, headers, remaining)
        endpoint.info = ServerInfo.from_body(parse_body(resp, await read_body(resp), "auto", request))
        return endpoint.info

    def check(self, endpoint: Endpoint, info: ServerInfo, version: str) -> None:
        """Raise ``EndpointMismatchError`` if ``endpoint`` (which told ``info``) would take another
        API version than ``version``."""
        if choose_api_version(info.api_version) == version:
            return
        others = [
            f"{e.root} ({e.info.api_version})"
            for e in self.all
            if e.info is not None and e is not endpoint and choose_api_version(e.info.api_version) == version
        ]
        raise EndpointMismatchError(
            f"the configured endpoints serve different API versions: {endpoint.root} ({info.api_version})"
            f" against {', '.join(others) or version}; list only endpoints of one cluster"
        )


class Failover:
    """One call's view of the endpoints: which one its request is on, and which it tried."""

    __slots__ = ("_endpoints", "_on", "_probing", "_tried")

    def __init__(self, endpoints: Endpoints) -> None:
        self._endpoints = endpoints
        self._on = endpoints.all[0]  # the pipeline prepares every call on the first endpoint
        self._tried: set[Endpoint] = set()
        self._probing = False  # a failure now is one of GET /: the call itself was not sent

    def target(self, request: Request) -> tuple[Request, Preparer]:
        """``request`` moved onto the endpoint in use, and that endpoint's ``Preparer``."""
        source, target = self._on, self._endpoints.current
        self._on = target
        self._tried.add(target)
        if source is target:
            return request, target.preparer
        url = URL(target.root + request.url.raw_path_qs[len(source.prefix) :], encoded=True)
        moved = request.moved(url)
        return moved, target.preparer

    async def send(
        self,
        attempt: Callable[[Request, CIMultiDict[str], float | None], Awaitable[_T]],
        request: Request,
        headers: CIMultiDict[str],
        remaining: float | None,
    ) -> _T:
        """One attempt, after ``GET /`` on an endpoint whose API version is not known yet."""
        endpoints, endpoint = self._endpoints, self._on
        if request.version is not None and endpoints.check_versions:
            info = endpoint.info
            if info is None:
                started = endpoints.clock()
                self._probing = True
                info = await endpoints.probe(endpoint, remaining)
                self._probing = False
                if remaining is not None:
                    remaining -= endpoints.clock() - started
            endpoints.check(endpoint, info, request.version)
        return await attempt(request, headers, remaining)

    def moved(self, request: Request, exc: BackendAIError) -> bool:
        """Whether the call goes on at another endpoint after ``exc`` (the failed one cools down)."""
        probing, self._probing = self._probing, False
        if not moves(exc, retry_safe=request.retry_safe or probing, replayable=request.replayable or probing):
            return False
        endpoints, failed = self._endpoints, self._on
        failed.failed_at = endpoints.clock()
        to = endpoints.candidate(failed, self._tried)
        if to is None:
            return False
        endpoints.switch(failed, to, exc)
        return True


def _carry_cookies(jar: aiohttp.abc.AbstractCookieJar, source: URL, target: URL) -> None:
    """Copy the cookies ``source`` would get to ``target`` (both configured endpoints of one
    cluster), so that a webserver login moves along; Secure when ``source`` is https."""
    carried: SimpleCookie = SimpleCookie()
    for name, morsel in jar.filter_cookies(source.with_path("/")).items():
        copy: Morsel[str] = Morsel()
        copy.set(name, morsel.value, morsel.coded_value)
        copy["path"] = "/"
        if source.scheme == "https":
            copy["secure"] = True
        carried[name] = copy
    if carried:
        jar.update_cookies(carried, target.with_path("/"))
