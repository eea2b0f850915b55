"""The fake's HTTP toolkit, shared by every service: problem+json errors, the request as a handler
sees it, route templates, body and date parsing, and the manager's signature check.

A leaf module: it imports nothing else from ``backendai_async.testing``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from aiohttp import web
from aiohttp.http import SERVER_SOFTWARE
from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, MultiMapping
from yarl import URL

from ..versions import ApiVersion

__all__ = [
    "PROBLEM_BASE",
    "Call",
    "Handler",
    "LiveResponse",
    "Problem",
    "RecordedRequest",
    "Route",
    "RouteSpec",
]

PROBLEM_BASE = "https://api.backend.ai/probs/"
SESSION_COOKIE = "AIOHTTP_SESSION"
SESSION_HEADER = "X-BackendAI-SessionID"
_UNVERSIONED = ApiVersion(5, "20191215")  # how the server treats a request without a version header
_HASHES = hashlib.algorithms_guaranteed - {"shake_128", "shake_256"}


@dataclass(frozen=True)
class RecordedRequest:
    """One request as it arrived on the wire (``path`` decoded, ``raw_path`` with the query)."""

    method: str
    raw_path: str
    path: str
    query: MultiDict[str]
    headers: CIMultiDict[str]
    body: bytes
    #: the body parsed as JSON, or None when it is empty or not JSON
    json: Any


class LiveResponse(web.StreamResponse):
    """A handler's answer that is served asynchronously once returned: ``serve(request)`` writes
    and returns the real response (an event stream, a websocket, …)."""

    def __init__(self, serve: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> None:
        super().__init__()
        self.serve = serve


PROBLEM_KINDS: dict[str, tuple[str, str]] = {
    "generic-bad-request": ("Bad request.", "backendai_generic_bad-request"),
    "invalid-api-params": ("Missing or invalid API parameters.", "api_parsing_invalid-parameters"),
    "invalid-auth-params": ("Missing or invalid authorization parameters.", "user_auth_invalid-parameters"),
    "auth-failed": ("Credential/signature mismatch.", "user_auth_unauthorized"),
    "generic-forbidden": ("Forbidden operation.", "user_auth_forbidden"),
    "object-not-found": ("No such object.", "backendai_generic_not-found"),
    "url-not-found": ("Unknown URL path.", "api_generic_not-found"),
    "method-not-allowed": ("Method not allowed.", "api_generic_method-not-allowed"),
    "session-already-exists": (
        "The session already exists but you requested not to reuse existing one.",
        "session_create_conflict",
    ),
    "rate-limit-exceeded": ("You have reached your API query rate limit.", "user_auth_rate-limited"),
    "not-implemented": ("This operation is not implemented.", "backendai_generic_not-implemented"),
    "deprecated": ("This API is deprecated.", "backendai_generic_deprecated"),
    "invalid-session-data": ("Invalid session data.", "session_execute_invalid-data"),
    "bgtask-not-found": ("No such background task.", "bgtask_read_not-found"),
    "entity-not-found": ("Entity not found.", "backendai_generic_not-found"),
    "graphql-error": ("GraphQL-generated error", "api_parsing_invalid-parameters"),
    "internal-server-error": ("Internal server error.", "backendai_generic_internal-error"),
    "vfolder-operation-failed": (
        "Virtual folder operation has failed due to bad request.",
        "vfolder_generic_bad-request",
    ),
}


class Problem(Exception):
    """An error answered as ``application/problem+json``."""

    def __init__(
        self,
        status: int,
        slug: str,
        msg: str | None = None,
        *,
        title: str | None = None,
        data: Any = None,
        error_code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        default_title, default_code = PROBLEM_KINDS[slug]
        super().__init__(msg or title or default_title)
        self.status = status
        self.slug = slug
        self.msg = msg
        self.title = title or default_title
        self.data = data
        self.error_code = error_code or default_code
        self.headers = headers

    def body(self, with_error_code: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"type": PROBLEM_BASE + self.slug, "title": self.title}
        if with_error_code:
            body["error_code"] = self.error_code
        if self.msg is not None:
            body["msg"] = self.msg
        if self.data is not None:
            body["data"] = self.data
        return body


def auth_params_error(msg: str) -> Problem:
    return Problem(400, "invalid-auth-params", msg)


@dataclass
class Call:
    """A request as a manager handler sees it (for ``/func`` calls: after the prefix is removed)."""

    method: str
    path: str
    raw_path: str
    query: MultiMapping[str]
    headers: CIMultiDictProxy[str]
    body: bytes
    json: Any
    host: str
    content_type: str
    cookies: Mapping[str, str]
    access_key: str | None = None
    version: str | None = None

    @property
    def api_version(self) -> ApiVersion:
        return ApiVersion.parse(self.version) if self.version else _UNVERSIONED


Handler = Callable[[Call, dict[str, str]], web.StreamResponse]
#: ``(method, path template, handler, needs auth)``: how a service lists its routes
RouteSpec = tuple[str, str, Handler, bool]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: bool  # needs authentication


def compile_route(template: str) -> re.Pattern[str]:
    """``/session/{name}`` -> a regex with one named group per ``{...}`` segment."""
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+)" for i, p in enumerate(parts))
    return re.compile(regex)


def parse_json(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _parse_compact_date(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%dT%H%M%S%z")


def parse_date(text: str) -> datetime | None:
    """ISO 8601 (``Z`` too), compact ``YYYYmmddTHHMMSSZ`` or RFC 1123; a naive date is UTC."""
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsers: tuple[Callable[[str], datetime], ...] = (
        datetime.fromisoformat,
        _parse_compact_date,
        parsedate_to_datetime,
    )
    for parse in parsers:
        try:
            parsed = parse(text)
        except (TypeError, ValueError):
            continue
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)
    return None


def parse_authorization(header: str) -> tuple[str, str, str]:
    """``(hash name, access key, signature)`` from an ``Authorization`` header (§2.2)."""
    scheme, sep, rest = header.partition(" ")
    if not sep:
        raise auth_params_error("Malformed authorization header")
    if scheme not in ("BackendAI", "Sorna"):
        raise auth_params_error("Invalid authorization type name")
    params: dict[str, str] = {}
    for piece in rest.split(","):
        key, eq, value = piece.partition("=")
        if not eq:  # the real server fails with a 500 here
            raise auth_params_error("Malformed authorization header")
        params[key.strip()] = value.strip()
    sign_method = params.get("signMethod")
    access_key, colon, signature = params.get("credential", "").partition(":")
    if not sign_method or not colon:
        raise auth_params_error("Missing or malformed authorization parameters")
    mac, *hash_names = sign_method.lower().split("-")
    if len(hash_names) != 1:
        raise Problem(401, "auth-failed", "Invalid signature")
    if mac != "hmac" or hash_names[0] not in _HASHES:
        raise auth_params_error(f"Unsupported request signing method ({sign_method})")
    return hash_names[0], access_key, signature


def expected_signature(call: Call, hash_name: str, secret_key: str, date_text: str, day: str) -> str:
    """The signature the manager computes (independently of the SDK's signer)."""
    version = call.headers.get("X-BackendAI-Version", "")
    hashed = call.body if version < "v4.20181215" and call.content_type != "multipart/form-data" else b""
    text = "\n".join(
        (
            call.method,
            call.raw_path,
            date_text,
            f"host:{call.host}",
            f"content-type:{call.content_type}",
            f"x-backendai-version:{version}",
            hashlib.new(hash_name, hashed).hexdigest(),
        )
    )
    key = hmac.new(secret_key.encode(), day.encode(), hash_name).digest()
    key = hmac.new(key, call.host.encode(), hash_name).digest()
    return hmac.new(key, text.encode(), hash_name).hexdigest()


def pick(body: Mapping[str, Any], *names: str, default: Any = None) -> Any:
    """The value under the first spelling present."""
    return next((body[n] for n in names if n in body), default)


def flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return bool(value)


def web_error(status: int, slug: str, title: str) -> web.Response:
    """A webserver-generated error: only ``type`` and ``title``."""
    body = {"type": PROBLEM_BASE + slug, "title": title}
    return web.json_response(body, status=status, content_type="application/problem+json")


async def server_header(request: web.Request, response: web.StreamResponse) -> None:
    """``Server: BackendAI`` instead of aiohttp's default (a fault's own ``Server`` stays)."""
    if response.headers.get("Server") == SERVER_SOFTWARE:
        response.headers["Server"] = "BackendAI"


def raise_problem(problem: Problem, call: Call, params: dict[str, str]) -> web.StreamResponse:
    raise problem


def drop(request: web.Request) -> web.StreamResponse:
    """Close the connection; the returned response is never sent (aiohttp ignores it)."""
    if request.transport is not None:
        request.transport.close()
    return web.Response()


def problem_response(problem: Problem, *, with_error_code: bool) -> web.Response:
    """The problem+json answer of a manager-generated error."""
    return web.json_response(
        problem.body(with_error_code),
        status=problem.status,
        headers=problem.headers,
        content_type="application/problem+json",
    )


def reachable_url(runner: web.AppRunner, scheme: str = "http") -> URL:
    """``scheme://host:port`` of a started runner's first address; a wildcard host becomes loopback."""
    host, port = runner.addresses[0][:2]
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - naming, not binding
        host = "127.0.0.1" if host != "::" else "::1"
    return URL.build(scheme=scheme, host=host, port=port)
