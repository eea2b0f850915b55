"""``FakeManager``: a real aiohttp server on loopback that answers like a Backend.AI manager.

It serves the manager's REST routes (version probe, HMAC-checked ``/auth/test``, GraphQL, the
compute-session lifecycle) and the webserver's session-mode routes (``/server/*`` and the
``/func/*`` proxy, dispatched in process) for one simulated server ``Generation``, records every
request, and plays injected ``Fault``s. Behaviour follows the server contract, not the SDK.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import json
import re
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

from aiohttp import web
from aiohttp.http import SERVER_SOFTWARE
from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, MultiMapping
from yarl import URL

from ..versions import ApiVersion
from .fake_admin import AdminState
from .fake_graphql import GraphQLFailure
from .generations import GENERATIONS, Generation

__all__ = [
    "DEFAULT_KEYPAIRS",
    "DEFAULT_USERS",
    "ComputeSession",
    "FakeManager",
    "Fault",
    "GraphQLHandler",
    "Keypair",
    "RecordedRequest",
]

PROBLEM_BASE = "https://api.backend.ai/probs/"
SESSION_COOKIE = "AIOHTTP_SESSION"
SESSION_HEADER = "X-BackendAI-SessionID"
_DATE_WINDOW = timedelta(minutes=15)
_RATE_WINDOW = timedelta(seconds=900)
_UNVERSIONED = ApiVersion(5, "20191215")  # how the server treats a request without a version header
_HASHES = hashlib.algorithms_guaranteed - {"shake_128", "shake_256"}
_SESSION_NAME = re.compile(r"(?=.{4,64}$)\w[\w.-]*\w", re.ASCII)
_SESSION_TYPES = frozenset({"interactive", "batch", "inference", "system"})


@dataclass(frozen=True)
class Keypair:
    """An access key the fake knows; ``role`` is ``"superadmin"``, ``"admin"`` or ``"user"``."""

    access_key: str
    secret_key: str = field(repr=False)
    role: str = "user"
    is_active: bool = True
    #: requests allowed per 900 s window (``X-RateLimit-Limit``)
    rate_limit: int = 30000


#: The public example keypairs of the Backend.AI fixtures.
DEFAULT_KEYPAIRS: tuple[Keypair, ...] = (
    Keypair("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "superadmin"),
    Keypair("AKIANABBDUSEREXAMPLE", "C8qnIo29EZvXkPK_MXcuAakYTy4NYrxwmCEyNPlf", "user"),
)
#: Webserver logins: username -> (password, access key).
DEFAULT_USERS: Mapping[str, tuple[str, str]] = {
    "admin@lablup.com": ("wJalrXUt", "AKIAIOSFODNN7EXAMPLE"),
    "user@lablup.com": ("C8qnIo29", "AKIANABBDUSEREXAMPLE"),
}


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


@dataclass(frozen=True, kw_only=True)
class Fault:
    """A misbehaviour played instead of (or around) the normal answer.

    Matching: ``method`` (None = any, case-insensitive) and ``path`` against the request's
    decoded path on the wire, without the query (``/func/...`` included): None matches every path,
    a value ending in ``*`` matches every path starting with what precedes the ``*``, anything
    else matches that exact path. The first armed fault that matches, in injection order, is
    used; after ``times`` uses it is disarmed (None = never).

    Effects, in order: wait ``delay`` seconds; with ``disconnect`` and no ``body_delay``, close
    the connection without a response. Otherwise answer: with ``status`` or ``body`` set, that
    response (status 200 and an empty body by default) replaces the normal one; ``headers``
    are added to whichever response is sent. With ``body_delay``, send the headers and the
    first half of the body, wait, then send the rest, or close the connection if ``disconnect``.
    """

    method: str | None = None
    path: str | None = None
    status: int | None = None
    headers: Mapping[str, str] | None = None
    body: bytes | None = None
    content_type: str | None = None
    delay: float = 0.0
    body_delay: float = 0.0
    disconnect: bool = False
    times: int | None = 1

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to a request."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.path is None:
            return True
        if self.path.endswith("*"):
            return path.startswith(self.path[:-1])
        return path == self.path

    @property
    def replaces_response(self) -> bool:
        return self.status is not None or self.body is not None

    def response(self) -> web.Response:
        """The response this fault answers with instead of the normal one."""
        return web.Response(status=self.status or 200, body=self.body or b"", content_type=self.content_type)


class LiveResponse(web.StreamResponse):
    """A handler's answer that is served asynchronously once returned: ``serve(request)`` writes
    and returns the real response (an event stream, a websocket, …)."""

    def __init__(self, serve: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> None:
        super().__init__()
        self.serve = serve


@dataclass
class _ArmedFault:
    fault: Fault
    remaining: int | None


@dataclass
class ComputeSession:
    """A live compute session of the fake."""

    id: str
    name: str
    owner: str
    image: str
    status: str
    created_at: datetime
    type: str = "interactive"
    domain: str = "default"
    group: str = "default"
    architecture: str = "x86_64"
    tag: str | None = None
    config: dict[str, Any] = field(default_factory=dict)


#: ``graphql_handler(query, variables, access_key) -> data``
GraphQLHandler = Callable[[str, Any, str], Any]


def _canned_graphql(query: str, variables: Any, access_key: str) -> Any:
    """A minimal answer: the caller's keypair for a query mentioning ``keypair``, else ``{}``."""
    if "keypair" in query:
        return {"keypair": {"access_key": access_key, "is_active": True}}
    return {}


# problem type slug -> (default title, error_code)
_PROBLEM_KINDS: dict[str, tuple[str, str]] = {
    "generic-bad-request": ("Bad request.", "backendai_generic_bad-request"),
    "invalid-api-params": ("Missing or invalid API parameters.", "api_parsing_invalid-parameters"),
    "invalid-auth-params": ("Missing or invalid authorization parameters.", "user_auth_bad-request"),
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
}


class _Problem(Exception):
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
        default_title, default_code = _PROBLEM_KINDS[slug]
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


def _auth_params_error(msg: str) -> _Problem:
    return _Problem(400, "invalid-auth-params", msg)


def _session_not_found() -> _Problem:
    return _Problem(404, "object-not-found", title="No such session.", error_code="session_read_not-found")


@dataclass
class _Call:
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


Handler = Callable[[_Call, dict[str, str]], web.StreamResponse]


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: bool  # needs authentication


def _compile(template: str) -> re.Pattern[str]:
    """``/session/{name}`` -> a regex with one named group per ``{...}`` segment."""
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+)" for i, p in enumerate(parts))
    return re.compile(regex)


def _parse_json(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _parse_compact_date(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%dT%H%M%S%z")


def _parse_date(text: str) -> datetime | None:
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


def _parse_authorization(header: str) -> tuple[str, str, str]:
    """``(hash name, access key, signature)`` from an ``Authorization`` header (§2.2)."""
    scheme, sep, rest = header.partition(" ")
    if not sep:
        raise _auth_params_error("Malformed authorization header")
    if scheme not in ("BackendAI", "Sorna"):
        raise _auth_params_error("Invalid authorization type name")
    params: dict[str, str] = {}
    for piece in rest.split(","):
        key, eq, value = piece.partition("=")
        if not eq:  # the real server fails with a 500 here
            raise _auth_params_error("Malformed authorization header")
        params[key.strip()] = value.strip()
    sign_method = params.get("signMethod")
    access_key, colon, signature = params.get("credential", "").partition(":")
    if not sign_method or not colon:
        raise _auth_params_error("Missing or malformed authorization parameters")
    mac, *hash_names = sign_method.lower().split("-")
    if len(hash_names) != 1:
        raise _Problem(401, "auth-failed", "Invalid signature")
    if mac != "hmac" or hash_names[0] not in _HASHES:
        raise _auth_params_error(f"Unsupported request signing method ({sign_method})")
    return hash_names[0], access_key, signature


def _expected_signature(call: _Call, hash_name: str, secret_key: str, date_text: str, day: str) -> str:
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


def _pick(body: Mapping[str, Any], *names: str, default: Any = None) -> Any:
    """The value under the first spelling present."""
    return next((body[n] for n in names if n in body), default)


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return bool(value)


def _web_error(status: int, slug: str, title: str) -> web.Response:
    """A webserver-generated error: only ``type`` and ``title``."""
    body = {"type": PROBLEM_BASE + slug, "title": title}
    return web.json_response(body, status=status, content_type="application/problem+json")


async def _server_header(request: web.Request, response: web.StreamResponse) -> None:
    """``Server: BackendAI`` instead of aiohttp's default (a fault's own ``Server`` stays)."""
    if response.headers.get("Server") == SERVER_SOFTWARE:
        response.headers["Server"] = "BackendAI"


# Create-body keys of the trafaret era (≤ 26.2) and the manager release that first accepts each.
_CREATE_KEYS: dict[str, str] = {
    **dict.fromkeys(("clientSessionToken", "lang", "config", "tag"), "18.12"),
    **dict.fromkeys(("image", "owner_access_key"), "19.03"),
    **dict.fromkeys(
        ("type", "sessionType", "group", "groupName", "group_name", "domain", "domainName", "domain_name"),
        "19.09",
    ),
    **dict.fromkeys(("enqueueOnly", "maxWaitSeconds", "reuseIfExists", "startupCommand"), "19.09"),
    **dict.fromkeys(("name", "session_name", "bootstrap_script", "bootstrapScript", "starts_at", "startsAt"), "20.03"),
    **dict.fromkeys(("cluster_size", "clusterSize", "cluster_mode", "clusterMode"), "20.09"),
    **dict.fromkeys(("architecture", "arch", "dependencies", "callback_url", "callbackUrl", "callbackURL"), "22.03"),
    "priority": "24.09",
    **dict.fromkeys(("batch_timeout", "batchTimeout"), "24.12"),
}
# The creation ``config`` schema of 24.09+ for API majors 6 and up: key -> (release, API major).
_CONFIG_KEYS: dict[str, tuple[str, int]] = {
    **dict.fromkeys(
        ("mounts", "mount_map", "mountMap", "mount_options", "mountOptions", "environ", "resources"),
        ("24.09", 6),
    ),
    **dict.fromkeys(
        ("scaling_group", "scalingGroup", "resource_opts", "resourceOpts", "preopen_ports", "preopenPorts"),
        ("24.09", 6),
    ),
    **dict.fromkeys(("agent_list", "agentList"), ("24.09", 6)),
    **dict.fromkeys(("attach_network", "attachNetwork"), ("24.12", 8)),
    **dict.fromkeys(("mount_ids", "mount_id_map", "mountIdMap"), ("25.12", 9)),
}


class FakeManager:
    """A Backend.AI manager plus webserver on ``127.0.0.1`` for tests.

    ``generation`` is a key of ``GENERATIONS`` or a ``Generation``. ``keypairs`` replace
    ``DEFAULT_KEYPAIRS``; ``users`` (username -> (password, access key)) replace ``DEFAULT_USERS``;
    ``clock`` returns the server's "now" (aware, UTC) for the ±15 min date window.
    Public state may be changed at any time: ``keypairs``, ``users``, ``sessions``,
    ``unknown_images``, ``sso_tokens``, ``graphql_handler``, ``login_failure_status``, ``clock``.
    """

    def __init__(
        self,
        generation: str | Generation = "26.9",
        *,
        keypairs: Iterable[Keypair] | None = None,
        users: Mapping[str, tuple[str, str]] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._generation = GENERATIONS[generation] if isinstance(generation, str) else generation
        self.keypairs: dict[str, Keypair] = {
            kp.access_key: kp for kp in (DEFAULT_KEYPAIRS if keypairs is None else keypairs)
        }
        self.users: dict[str, tuple[str, str]] = dict(DEFAULT_USERS if users is None else users)
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(timezone.utc))
        self.requests: list[RecordedRequest] = []
        #: live compute sessions by session id
        self.sessions: dict[str, ComputeSession] = {}
        self.unknown_images: set[str] = {"unknown-image"}
        self.graphql_handler: GraphQLHandler = _canned_graphql
        #: webserver sessions: session id -> access key
        self.web_sessions: dict[str, str] = {}
        #: SSO tokens for ``/server/token-login``: token -> username
        self.sso_tokens: dict[str, str] = {}
        #: status of a refused login: 401 (current webservers) or 200 (24.09 and older)
        self.login_failure_status = 401
        self.login_allowed_fail_count = 10
        self.login_block_time = timedelta(seconds=1200)
        self._faults: list[_ArmedFault] = []
        self._arrived = asyncio.Event()
        self._closing = asyncio.Event()
        self._login_failures: dict[str, tuple[int, datetime]] = {}
        self._hits: dict[str, deque[datetime]] = {}
        from .fake_vfolders import VFolderService  # it builds on this module

        #: virtual folders, their routes and the storage proxy (``vfolders.storage_url``)
        self.vfolders = VFolderService(self)
        #: the administration REST routes' state (presets, etcd, model services, …)
        self.admin = AdminState(role_of=lambda access_key: self.keypairs[access_key].role)
        from .fake_sessions import SessionAPI  # it builds on this module

        #: the compute-session routes beyond create/info/destroy: execution, files, events, streams
        self.session_api = SessionAPI(self)
        self._routes = self._manager_routes()
        self._runner: web.AppRunner | None = None
        self._url: URL | None = None

    def __repr__(self) -> str:
        where = str(self._url) if self._runner is not None else "stopped"
        return f"FakeManager(generation={self.generation.key!r}, {where})"

    @property
    def generation(self) -> Generation:
        """The simulated server generation (fixed for the life of the fake)."""
        return self._generation

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> URL:
        """The root URL, e.g. ``http://127.0.0.1:PORT``."""
        if self._url is None:
            raise RuntimeError("FakeManager is not started")
        return self._url

    async def start(self, *, port: int = 0) -> None:
        """Listen on ``127.0.0.1:port`` (0 = a free port)."""
        if self._runner is not None:
            raise RuntimeError("FakeManager is already started")
        self._closing.clear()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._entry)
        app.on_response_prepare.append(_server_header)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=0.1)
        await runner.setup()
        try:
            await web.TCPSite(runner, "127.0.0.1", port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        host, bound_port = runner.addresses[0][:2]
        self._url = URL.build(scheme="http", host=host, port=bound_port)
        await self.vfolders.start()

    async def close(self) -> None:
        """Stop listening and drop open connections (requests in flight are cut short)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            self._closing.set()  # ends the faults' waits
            await runner.cleanup()
            await self.vfolders.close()

    async def __aenter__(self) -> FakeManager:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def wait_for_requests(self, count: int = 1) -> None:
        """Return once ``requests`` holds at least ``count`` requests (e.g. one held by a delay)."""
        while len(self.requests) < count:
            self._arrived.clear()
            await self._arrived.wait()

    # -- faults ----------------------------------------------------------------------------

    def inject(self, fault: Fault) -> None:
        """Arm a fault (see ``Fault`` for matching and effects)."""
        self._faults.append(_ArmedFault(fault, fault.times))

    @property
    def faults(self) -> list[Fault]:
        """The faults still armed, in matching order."""
        return [armed.fault for armed in self._faults]

    def clear_faults(self) -> None:
        self._faults.clear()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for armed in self._faults:
            if armed.fault.matches(method, path):
                if armed.remaining is not None:
                    armed.remaining -= 1
                    if armed.remaining <= 0:
                        self._faults.remove(armed)
                return armed.fault
        return None

    async def _play(self, request: web.Request, fault: Fault, record: RecordedRequest) -> web.StreamResponse:
        if fault.delay and not await self._pause(fault.delay):
            return _drop(request)
        if fault.disconnect and not fault.body_delay:
            return _drop(request)
        response = fault.response() if fault.replaces_response else self._respond(request, record)
        if fault.headers:
            response.headers.update(fault.headers)
        if not fault.body_delay:
            return response
        return await self._send_slowly(request, response, fault.body_delay, drop=fault.disconnect)

    async def _pause(self, seconds: float) -> bool:
        """Wait ``seconds``; False when the server started closing meanwhile."""
        try:
            await asyncio.wait_for(self._closing.wait(), seconds)
        except asyncio.TimeoutError:
            return True
        return False

    async def _send_slowly(
        self, request: web.Request, response: web.StreamResponse, pause: float, *, drop: bool
    ) -> web.StreamResponse:
        """Send the headers and half the body, wait, then the rest (or close the connection)."""
        body = response.body if isinstance(response, web.Response) else None
        payload = bytes(body) if isinstance(body, (bytes, bytearray)) else b""
        stream = web.StreamResponse(status=response.status, reason=response.reason, headers=response.headers)
        stream.cookies.update(response.cookies)
        stream.content_length = len(payload)
        await stream.prepare(request)
        await stream.write(payload[: len(payload) // 2])
        if not await self._pause(pause) or drop:
            _drop(request)
            return stream
        await stream.write(payload[len(payload) // 2 :])
        await stream.write_eof()
        return stream

    # -- dispatch --------------------------------------------------------------------------

    async def _entry(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        record = RecordedRequest(
            method=request.method,
            raw_path=request.raw_path,
            path=request.path,
            query=MultiDict(request.query),
            headers=CIMultiDict(request.headers),
            body=body,
            json=_parse_json(body),
        )
        self.requests.append(record)
        self._arrived.set()
        fault = self._take_fault(request.method, request.path)
        response = await self._play(request, fault, record) if fault is not None else self._respond(request, record)
        if isinstance(response, LiveResponse):  # streams: SSE, websockets, subprocess execution
            return await response.serve(request)
        return response

    def _respond(self, request: web.Request, record: RecordedRequest) -> web.StreamResponse:
        call = _Call(
            method=request.method,
            path=request.path,
            raw_path=request.raw_path,
            query=request.query,
            headers=request.headers,
            body=record.body,
            json=record.json,
            host=request.host,
            content_type=request.content_type,
            cookies=request.cookies,
        )
        if call.path.startswith("/server/"):
            return self._webserver(call)
        if call.path == "/func" or call.path.startswith("/func/"):
            return self._proxy(call)
        return self._manager(call)

    def _manager(self, call: _Call, session_key: str | None = None) -> web.StreamResponse:
        """Run a manager route; ``session_key`` is the keypair the webserver signs with."""
        try:
            handler, auth, params = self._resolve(call.method, call.path)
            if session_key is not None:
                self._check_version(call)
                call.version = call.version or self.generation.advertised
                call.access_key = session_key
            elif self.generation.auth_before_version:
                if auth:
                    self._authenticate(call)
                self._check_version(call)
            else:
                self._check_version(call)
                if auth:
                    self._authenticate(call)
            limit = self._count_hit(call.access_key)
            response = handler(call, params)
        except _Problem as problem:
            return self._problem_response(problem)
        if response.status < 400:
            response.headers.update(limit)
        return response

    def _manager_routes(self) -> list[_Route]:
        gen = self.generation
        prefix = gen.session_prefix
        create_paths = (prefix, f"{prefix}/create") if prefix == "/kernel" else (prefix, f"{prefix}/_/create")
        table: list[tuple[str, str, Handler, bool]] = [
            *self.session_api.routes(create_paths),
            ("GET", "/", self._hello, False),
            *[(m, p, self._auth_test, True) for m in ("GET", "POST") for p in ("/auth", "/auth/test")],
            ("POST", "/admin/graphql", self._graphql, True),
            *[("POST", p, self._create_session, True) for p in create_paths],
            ("GET", prefix + "/{name}", self._session_info, True),
            ("DELETE", prefix + "/{name}", self._destroy_session, True),
            *self.admin.routes(),
        ]
        if gen.has_gql:
            table.append(("POST", "/admin/gql", self._gql, True))
        table.extend(self.vfolders.routes())
        return [_Route(method, _compile(path), handler, auth) for method, path, handler, auth in table]

    def _resolve(self, method: str, path: str) -> tuple[Handler, bool, dict[str, str]]:
        """``(handler, needs auth, path parameters)``; unknown paths and methods get an
        anonymous handler answering 404 or 405."""
        allowed: list[str] = []
        for route in self._routes:
            m = route.pattern.fullmatch(path)
            if m is None:
                continue
            if route.method == method:
                return route.handler, route.auth, m.groupdict()
            allowed.append(route.method)
        problem = (
            _Problem(405, "method-not-allowed", headers={"Allow": ",".join(sorted(set(allowed)))})
            if allowed
            else _Problem(404, "url-not-found", data=path)
        )
        return functools.partial(_raise, problem), False, {}

    def _problem_response(self, problem: _Problem) -> web.Response:
        return web.json_response(
            problem.body(self.generation.error_code),
            status=problem.status,
            headers=problem.headers,
            content_type="application/problem+json",
        )

    # -- version, authentication, rate limit -----------------------------------------------

    def _check_version(self, call: _Call) -> None:
        version = call.headers.get("X-BackendAI-Version")
        if version is not None and version not in self.generation.accepted:
            raise _Problem(400, "generic-bad-request", "Unsupported API version.")
        call.version = version

    def _authenticate(self, call: _Call) -> None:
        """HMAC verification exactly as server-contract §2.2; sets ``call.access_key``."""
        date = self._request_date(call) if self.generation.date_check_first else None
        header = call.headers.get("Authorization")
        if header is None:
            raise _Problem(401, "auth-failed", "Unauthorized access")
        hash_name, access_key, signature = _parse_authorization(header)
        if "X-BackendAI-Version" not in call.headers:
            raise _auth_params_error("API version missing in request headers")
        date_text, day = date or self._request_date(call)
        keypair = self.keypairs.get(access_key)
        if keypair is None or not keypair.is_active:
            raise _Problem(401, "auth-failed", "Access key not found")
        expected = _expected_signature(call, hash_name, keypair.secret_key, date_text, day)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise _Problem(401, "auth-failed", "Signature mismatch")
        call.access_key = access_key

    def _now(self) -> datetime:
        now = self.clock()
        return now if now.tzinfo is not None else now.replace(tzinfo=timezone.utc)

    def _request_date(self, call: _Call) -> tuple[str, str]:
        """``(date header text, YYYYMMDD in its own offset)``; ``Date`` wins over ``X-BackendAI-Date``."""
        text = call.headers.get("Date") or call.headers.get("X-BackendAI-Date")
        parsed = _parse_date(text) if text else None
        if text is None or parsed is None or abs(parsed - self._now()) >= _DATE_WINDOW:
            raise _auth_params_error("Date/time sync error")
        return text, parsed.strftime("%Y%m%d")

    def _count_hit(self, access_key: str | None) -> dict[str, str]:
        """Count a request in the key's 900 s window; the ``X-RateLimit-*`` headers to send."""
        if access_key is None:
            return {"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "1000", "X-RateLimit-Window": "900"}
        now = self._now()
        hits = self._hits.setdefault(access_key, deque())
        while hits and now - hits[0] >= _RATE_WINDOW:
            hits.popleft()
        hits.append(now)
        limit = self.keypairs[access_key].rate_limit
        if len(hits) > limit:
            raise _Problem(429, "rate-limit-exceeded")
        return {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(limit - len(hits)),
            "X-RateLimit-Window": "900",
        }

    # -- parameter validation --------------------------------------------------------------

    def _invalid(self, data: dict[str, Any], msg: str = "Input validation error") -> _Problem:
        """A validation error as this generation words it (trafaret ≤ 26.2, pydantic after)."""
        if self.generation.rejects_unknown_keys:
            return _Problem(400, "invalid-api-params", msg, data=data or None)
        return _Problem(400, "generic-bad-request", "; ".join(f"{k}: {v}" for k, v in data.items()) or msg)

    def _check_keys(self, given: Collection[str], allowed: Collection[str], required: Iterable[str] = ()) -> None:
        """Missing keys are errors; unknown keys too on generations that reject them."""
        errors = {key: "is required" for key in required if key not in given}
        if self.generation.rejects_unknown_keys:
            errors |= {key: f"{key} is not allowed key" for key in given if key not in allowed}
        if errors:
            raise self._invalid(errors)

    def _json_object(self, call: _Call) -> dict[str, Any]:
        if not isinstance(call.json, dict):
            raise self._invalid({}, msg=f"Malformed body - URL: {call.path}")
        return call.json

    def _owner(self, call: _Call, requested: Any) -> str:
        """The access key acting as owner: the caller's, or ``owner_access_key`` for admins."""
        caller = call.access_key
        assert caller is not None
        if not requested or requested == caller:
            return caller
        if self.keypairs[caller].role not in ("superadmin", "admin"):
            raise _Problem(403, "generic-forbidden", "Insufficient privileges")
        if requested not in self.keypairs:
            raise self._invalid({"owner_access_key": "unknown access key"})
        return str(requested)

    # -- manager handlers ------------------------------------------------------------------

    def _hello(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        gen = self.generation
        body = {"version": gen.advertised}
        if gen.reports_manager:
            body["manager"] = gen.manager_version
        return web.json_response(body)

    def _auth_test(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        if call.method == "POST":
            body = self._json_object(call)
            self._check_keys(body, ("echo",), ("echo",))
            echo = body["echo"]
        elif self.generation.rejects_unknown_keys:
            self._check_keys(call.query, ("echo",), ("echo",))
            echo = call.query["echo"]
        else:
            echo = ""  # 26.3+ ignores the query of GET /auth
        return web.json_response({"authorized": "yes", "echo": echo})

    def _graphql_data(self, call: _Call) -> Any:
        body = self._json_object(call)
        self._check_keys(body, ("query", "variables", "operation_name", "operationName"), ("query",))
        assert call.access_key is not None
        return self.graphql_handler(str(body["query"]), body.get("variables"), call.access_key)

    def _gql(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        try:
            return web.json_response({"data": self._graphql_data(call)})
        except GraphQLFailure as failure:  # GraphQL errors keep the status 200
            return web.json_response({"data": failure.data, "errors": failure.errors})

    def _graphql(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        try:
            return web.json_response(self._graphql_data(call))
        except GraphQLFailure as failure:  # the legacy endpoint answers them with a 400
            raise _Problem(400, "graphql-error", data=failure.errors) from failure

    def _create_session(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        gen = self.generation
        body = self._json_object(call)
        self._validate_create(call, body)
        name = str(_pick(body, "name", "session_name", "clientSessionToken"))
        image = str(_pick(body, "image", "lang"))
        owner = self._owner(call, body.get("owner_access_key"))
        existing = next((s for s in self.sessions.values() if s.owner == owner and s.name == name), None)
        if existing is not None:
            if existing.image != image or not _flag(_pick(body, "reuseIfExists", "reuse", default=True)):
                raise _Problem(400, "session-already-exists", data={"existingSessionId": existing.id})
            return self._creation_response(existing, created=False, status=gen.reuse_status)
        if image in self.unknown_images:
            raise _Problem(
                404,
                "object-not-found",
                "Unknown image reference",
                title="No such environment image.",
                error_code="image_read_not-found",
            )
        session = ComputeSession(
            id=str(uuid.uuid4()),
            name=name,
            owner=owner,
            image=image,
            status="PENDING" if _flag(_pick(body, "enqueueOnly", "enqueue_only")) else "RUNNING",
            created_at=self._now(),
            type=_pick(body, "type", "sessionType", "session_type", default="interactive"),
            domain=_pick(body, "domain", "domainName", "domain_name", default="default"),
            group=_pick(body, "group", "groupName", "group_name", default="default"),
            architecture=_pick(body, "architecture", "arch", default="x86_64"),
            tag=body.get("tag"),
            config=dict(body.get("config") or {}),
        )
        self.sessions[session.id] = session
        return self._creation_response(session, created=True, status=201)

    def _validate_create(self, call: _Call, body: dict[str, Any]) -> None:
        gen = self.generation
        known = [key for key, since in _CREATE_KEYS.items() if gen.at_least(since)]
        self._check_keys(body, known)
        errors: dict[str, Any] = {}
        name = _pick(body, "name", "session_name", "clientSessionToken")
        if not isinstance(name, str):
            errors["name"] = "is required"
        elif gen.rejects_unknown_keys and not _SESSION_NAME.fullmatch(name):
            errors["name"] = "does not match the session name pattern"
        if not isinstance(_pick(body, "image", "lang"), str):
            errors["image"] = "is required"
        session_type = _pick(body, "type", "sessionType", "session_type", default="interactive")
        if session_type not in _SESSION_TYPES:
            errors["type"] = f"must be one of {sorted(_SESSION_TYPES)}"
        elif session_type == "batch" and not _pick(body, "startupCommand", "startup_command"):
            errors["startupCommand"] = "is required for batch sessions"
        config = body.get("config", {})
        if not isinstance(config, dict):
            errors["config"] = "must be an object"
        elif gen.rejects_unknown_keys and gen.at_least("24.09") and call.api_version.major >= 6:
            major = call.api_version.major
            allowed = {k for k, (since, api) in _CONFIG_KEYS.items() if gen.at_least(since) and major >= api}
            unknown = {key: f"{key} is not allowed key" for key in config if key not in allowed}
            if unknown:
                errors["config"] = unknown
        if errors:
            raise self._invalid(errors)

    def _creation_response(self, session: ComputeSession, *, created: bool, status: int) -> web.Response:
        kernel = self.generation.session_prefix == "/kernel"
        body = {
            "kernelId" if kernel else "sessionId": session.name if kernel else session.id,
            "sessionName": session.name,
            "status": session.status,
            "servicePorts": [],
            "created": created,
        }
        return web.json_response(body, status=status)

    def _lookup(self, owner: str, ref: str) -> ComputeSession:
        """A live session of ``owner`` by id or name."""
        for session in self.sessions.values():
            if session.owner == owner and ref in (session.id, session.name):
                return session
        raise _session_not_found()

    def _session_info(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        assert call.access_key is not None
        s = self._lookup(call.access_key, params["name"])
        slots = json.dumps({k: str(v) for k, v in s.config.get("resources", {}).items()})
        info = {
            "domainName": s.domain,
            "groupId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"group:{s.group}")),
            "userId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"user:{s.owner}")),
            "lang": s.image,
            "image": s.image,
            "architecture": s.architecture,
            "registry": s.image.split("/", 1)[0] if "/" in s.image else "cr.backend.ai",
            "tag": s.tag,
            "containerId": uuid.uuid5(uuid.NAMESPACE_URL, s.id).hex,
            "occupiedSlots": slots if s.status == "RUNNING" else "{}",
            "requestedSlots": slots,
            "environ": json.dumps(s.config.get("environ", {})),
            "resourceOpts": json.dumps(s.config.get("resource_opts", {})),
            "status": s.status,
            "statusInfo": None,
            "age": int((self._now() - s.created_at).total_seconds() * 1000),
            "creationTime": s.created_at.isoformat(),
            "terminationTime": None,
            "numQueriesExecuted": 0,
        }
        return web.json_response(info)

    def _destroy_session(self, call: _Call, params: dict[str, str]) -> web.StreamResponse:
        self._check_keys(call.query, ("forced", "recursive", "owner_access_key"))
        owner = self._owner(call, call.query.get("owner_access_key"))
        session = self._lookup(owner, params["name"])
        del self.sessions[session.id]
        return web.json_response({"stats": None})

    # -- webserver (session mode) ----------------------------------------------------------

    def _webserver(self, call: _Call) -> web.StreamResponse:
        handlers: dict[str, Callable[[_Call], web.StreamResponse]] = {
            "/server/login": self._login,
            "/server/login-check": self._login_check,
            "/server/logout": self._logout,
            "/server/token-login": self._token_login,
        }
        handler = handlers.get(call.path)
        if handler is None:
            return _web_error(404, "url-not-found", "Unknown URL path.")
        if call.method != "POST":
            return _web_error(405, "method-not-allowed", "Method not allowed.")
        return handler(call)

    def _web_session(self, call: _Call) -> str | None:
        """The valid webserver session presented by header (preferred) or cookie."""
        session_id = call.headers.get(SESSION_HEADER) or call.cookies.get(SESSION_COOKIE)
        if session_id is None or self.web_sessions.get(session_id) not in self.keypairs:
            return None
        return session_id

    def _login_data(self, access_key: str) -> dict[str, str]:
        return {"access_key": access_key, "role": self.keypairs[access_key].role, "status": "active"}

    def _login(self, call: _Call) -> web.StreamResponse:
        if self._web_session(call) is not None:
            return _web_error(400, "generic-bad-request", "You have already logged in.")
        body = call.json if isinstance(call.json, dict) else {}
        username, password = body.get("username"), body.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            return _web_error(400, "invalid-api-params", "Missing or invalid API parameters.")
        if self._login_blocked(username):
            return _web_error(429, "too-many-requests", "Too many failed login attempts.")
        user = self.users.get(username)
        if user is None or user[1] not in self.keypairs or not hmac.compare_digest(user[0].encode(), password.encode()):
            count = self._login_failures.get(username, (0, self._now()))[0]
            self._login_failures[username] = (count + 1, self._now())
            return self._login_refused()
        self._login_failures.pop(username, None)
        return self._start_web_session(user[1])

    def _login_blocked(self, username: str) -> bool:
        count, last = self._login_failures.get(username, (0, self._now()))
        if self._now() - last >= self.login_block_time:
            self._login_failures.pop(username, None)
            return False
        return count >= self.login_allowed_fail_count

    def _token_login(self, call: _Call) -> web.StreamResponse:
        if self._web_session(call) is not None:
            return _web_error(400, "generic-bad-request", "You have already logged in.")
        token = call.json.get("sToken") if isinstance(call.json, dict) else None
        user = self.users.get(self.sso_tokens.get(token, "")) if isinstance(token, str) else None
        if user is None or user[1] not in self.keypairs:
            return self._login_refused()
        return self._start_web_session(user[1])

    def _login_refused(self) -> web.Response:
        data = {
            "type": PROBLEM_BASE + "auth-failed",
            "title": "Credential/signature mismatch.",
            "details": "User credential mismatch.",
        }
        return web.json_response({"authenticated": False, "data": data}, status=self.login_failure_status)

    def _start_web_session(self, access_key: str) -> web.Response:
        session_id = uuid.uuid4().hex
        self.web_sessions[session_id] = access_key
        response = web.json_response({"authenticated": True, "data": self._login_data(access_key)})
        response.set_cookie(SESSION_COOKIE, session_id, httponly=True, path="/")
        response.headers[SESSION_HEADER] = session_id
        return response

    def _login_check(self, call: _Call) -> web.StreamResponse:
        session_id = self._web_session(call)
        if session_id is None:
            return web.json_response({"authenticated": False, "data": None, "session_id": None})
        data = self._login_data(self.web_sessions[session_id])
        return web.json_response({"authenticated": True, "data": data, "session_id": session_id})

    def _logout(self, call: _Call) -> web.StreamResponse:
        session_id = self._web_session(call)
        if session_id is not None:
            del self.web_sessions[session_id]
        response = web.Response(text="OK")
        response.del_cookie(SESSION_COOKIE, path="/")
        return response

    def _proxy(self, call: _Call) -> web.StreamResponse:
        """``/func/{path}``: the manager route, as if the webserver had signed it."""
        raw_path = call.raw_path[len("/func") :]
        inner = replace(
            call,
            path=call.path[len("/func") :] or "/",
            raw_path=raw_path if raw_path.startswith("/") else "/" + raw_path,
        )
        if inner.method == "GET" and inner.path == "/":
            return self._manager(inner)
        session_id = self._web_session(call)
        if session_id is None:
            return _web_error(401, "auth-failed", "Unauthorized access")
        return self._manager(inner, session_key=self.web_sessions[session_id])


def _raise(problem: _Problem, call: _Call, params: dict[str, str]) -> web.StreamResponse:
    raise problem


def _drop(request: web.Request) -> web.StreamResponse:
    """Close the connection; the returned response is never sent (aiohttp ignores it)."""
    if request.transport is not None:
        request.transport.close()
    return web.Response()
