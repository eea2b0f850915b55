"""A call as the pipeline sends it, and the small value types around it."""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable, Mapping
from typing import Any, Literal

from multidict import MultiDict
from yarl import URL

from ..errors import ResponseError
from ..options import CallOptions
from ..problems import snippet

__all__ = [
    "IDEMPOTENT_METHODS",
    "Body",
    "CallArgs",
    "Params",
    "ParseMode",
    "Request",
    "Response",
    "ServerInfo",
    "Target",
    "masked",
    "query_pairs",
    "safe_url",
]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
Params = Mapping[str, str | int | float] | Iterable[tuple[str, str | int | float]]
ParseMode = Literal["auto", "json", "text", "bytes"]
#: A request body: bytes (replayable), or an async iterable streamed once (never retried).
Body = bytes | AsyncIterable[bytes]
#: An API path on the endpoint, or an absolute ``URL`` elsewhere (see ``Transport.send``).
Target = str | URL


class CallArgs(CallOptions, total=False):
    """What a call describes beside its method and path, as ``send``, ``stream`` and ``websocket``
    take it: the request's parts and the per-call options.

    ``params``: the query; ``json``: a body sent as JSON, or ``data``: bytes, or an async iterable
    streamed once (never retried); ``content_type``: of ``data``; ``headers``: extra headers;
    ``retry_safe``: overrides whether the method is safe to repeat.
    """

    params: Params | None
    json: Any
    data: Body | None
    content_type: str | None
    headers: Mapping[str, str] | None
    retry_safe: bool | None


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

    @classmethod
    def from_body(cls, body: Any) -> ServerInfo:
        """The parsed answer of ``GET /``; ``ResponseError`` if it holds no version."""
        version = body.get("version") if isinstance(body, dict) else None
        manager = body.get("manager") if isinstance(body, dict) else None
        if not isinstance(version, str) or not (manager is None or isinstance(manager, str)):
            raise ResponseError(f"GET / did not return a version: {snippet(str(body).encode())!r}", status=200)
        return cls(version, manager)


class Request:
    """A call as the pipeline sends it, the same for every attempt.

    ``bare``: an absolute URL off the endpoint, sent without credentials of any kind;
    ``retry_safe``: the call may be repeated (``given_retry_safe``, else by its method), which a
    body that cannot be replayed forbids.
    """

    __slots__ = (
        "bare",
        "body",
        "content_type",
        "extra_headers",
        "given_retry_safe",
        "method",
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
        given_retry_safe: bool | None,
        bare: bool,
    ) -> None:
        self.method = method
        self.url = url
        self.version = version
        self.body = body
        self.content_type = content_type
        self.extra_headers = extra_headers
        self.given_retry_safe = given_retry_safe
        self.bare = bare

    @property
    def replayable(self) -> bool:
        """Whether the body can be sent again (bytes or nothing; a stream is sent once)."""
        return self.body is None or isinstance(self.body, bytes)

    @property
    def retry_safe(self) -> bool:
        """Whether repeating the call is safe (asked only after a failure)."""
        given = self.given_retry_safe
        return self.replayable and (self.method in IDEMPOTENT_METHODS if given is None else given)

    def moved(self, url: URL) -> Request:
        """The same call sent to ``url`` (another endpoint)."""
        return Request(
            self.method,
            url,
            self.version,
            self.body,
            self.content_type,
            self.extra_headers,
            self.given_retry_safe,
            self.bare,
        )


def query_pairs(params: Params) -> MultiDict[str | int | float]:
    """Query parameters as yarl takes them, booleans spelt ``true``/``false``."""
    pairs = params.items() if isinstance(params, Mapping) else params
    return MultiDict((k, _query_value(v)) for k, v in pairs)


def _query_value(value: str | int | float) -> str | int | float:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def safe_url(url: URL) -> str:
    """The URL for errors and logs, with any ``token`` query value masked."""
    if "token" in url.query:
        url = url.update_query({"token": "***"})
    return str(url)


def masked(text: str, url: URL) -> str:
    """``text`` with ``url`` in it shown as ``safe_url`` (aiohttp names the URL in some messages)."""
    return text.replace(str(url), safe_url(url)) if "token" in url.query else text
