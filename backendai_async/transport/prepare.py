"""Preparing a call: routed URL, encoded body, and per attempt the dated, authenticated headers."""

from __future__ import annotations

import json as jsonlib
from typing import Any
from urllib.parse import quote

from multidict import CIMultiDict, MultiDict
from yarl import URL

from ..auth import Authenticator, PreparedRequest
from ..errors import InsecureConnectionError
from ..legacy import body_in_query, check_request_line
from ..versions import feature_enabled
from .clock import Clock
from .request import CallArgs, Params, Request, Target, query_pairs, safe_url

__all__ = ["Preparer"]

_URL_CACHE_LIMIT = 256
_PATH_SAFE = "/:@!$&'()*+,;=-._~"  # RFC 3986 pchar and "/": kept as they are in a path


class Preparer:
    """Turns a call into a ``Request`` for the endpoint ``base``, and a ``Request`` into the
    headers of one attempt."""

    def __init__(self, base: URL, authenticator: Authenticator, user_agent: str, clock: Clock) -> None:
        self.authenticator = authenticator
        self._clock = clock
        self._base_url = URL(f"{base.scheme}://{base.host_port_subcomponent}")
        self._prefix = base.raw_path.rstrip("/")
        self._host = base.host_port_subcomponent or ""
        self._urls: dict[str, URL] = {}
        self._legacy_versions: dict[str, bool] = {}
        # no Host: aiohttp sends the URL's host_port_subcomponent, which is ``_host``, the one signed
        self._base_headers = {"User-Agent": user_agent}

    def on(self, base: URL) -> Preparer:
        """The same preparation for another endpoint ``base``."""
        return Preparer(base, self.authenticator, self._base_headers["User-Agent"], self._clock)

    def request(self, method: str, path: Target, version: str | None, call: CallArgs) -> Request:
        """The call as every attempt sends it; ``path`` an API path, or an absolute URL sent bare
        (``InsecureConnectionError`` for a plain-http one when the endpoint is https: no secret in clear text)."""
        json = call.get("json")
        if json is None:
            data = call.get("data")
            content_type = call.get("content_type") or "application/json"
        else:
            data = jsonlib.dumps(json).encode()
            content_type = "application/json"
        if isinstance(path, URL):
            url, bare = self._bare_url(method, path, call.get("params")), True
        elif version is not None and self._legacy(version):
            url, bare = self._legacy_url(method, path, call.get("params"), json), False
        else:
            url, bare = self.url(path, call.get("params")), False
        return Request(method, url, version, data, content_type, call.get("headers"), call.get("retry_safe"), bare)

    def _legacy(self, version: str) -> bool:
        """Whether API ``version`` (v1-v3) wants body parameters in the query too (remembered)."""
        legacy = self._legacy_versions.get(version)
        if legacy is None:
            legacy = self._legacy_versions[version] = feature_enabled("params-in-query", version, None)
        return legacy

    def _legacy_url(self, method: str, path: str, params: Params | None, json: Any) -> URL:
        """API v1-v3: 19.09's handlers read the query string, so a JSON body's parameters go
        there too (legacy.py), and the request line must stay short enough."""
        if json is not None:
            given = query_pairs(params) if params else MultiDict[str | int | float]()
            params = [*given.items(), *((k, v) for k, v in body_in_query(json) if k not in given)]
        url = self.url(path, params)
        check_request_line(method, url.raw_path_qs)
        return url

    def _bare_url(self, method: str, url: URL, params: Params | None) -> URL:
        """An absolute URL off the endpoint with ``params``; a plain-http one refused when the
        endpoint is https."""
        if params:
            url = url.extend_query(query_pairs(params))
        if url.scheme != "https" and self._base_url.scheme == "https":
            raise InsecureConnectionError(
                "refused to send to a plain-http URL named by an https endpoint: its token would travel "
                "in clear text (serve the storage proxy over https)",
                request_method=method,
                request_url=safe_url(url),
            )
        return url

    def url(self, path: str, params: Params | None) -> URL:
        """The endpoint's URL for an API path (routed by the authenticator, percent-encoded)."""
        url = self._urls.get(path)
        if url is None:
            routed = quote(self._prefix + self.authenticator.route(path), safe=_PATH_SAFE)
            url = self._base_url.with_path(routed, encoded=True)
            if len(self._urls) >= _URL_CACHE_LIMIT:
                self._urls.clear()
            self._urls[path] = url
        if params:
            url = url.with_query(query_pairs(params))
        return url

    def headers(self, request: Request) -> tuple[CIMultiDict[str], PreparedRequest | None]:
        """The headers of one attempt, dated and versioned, and the ``PreparedRequest`` the
        authenticator must complete before they are sent (None when bare: no credentials)."""
        headers: CIMultiDict[str] = CIMultiDict(self._base_headers)
        if request.bare:
            if request.body is not None:
                headers["Content-Type"] = request.content_type
            if request.extra_headers:
                headers.update(request.extra_headers)
            return headers, None
        if request.extra_headers:
            headers.update(request.extra_headers)
        date, day = self._clock.stamp()
        headers["Date"] = date
        body = request.body
        if body is None:  # no Content-Type: the server signs application/octet-stream, as we do
            content_type = None
        else:
            content_type = headers["Content-Type"] = request.content_type
        if request.version is not None:
            headers["X-BackendAI-Version"] = request.version
        return headers, PreparedRequest(
            request.method,
            request.url.raw_path_qs,
            self._host,
            headers,
            body if isinstance(body, bytes) else None,
            content_type,
            request.version,
            date,
            day,
        )
