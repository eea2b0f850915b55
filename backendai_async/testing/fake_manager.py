"""``FakeManager``: a real aiohttp server on loopback that answers like a Backend.AI manager.

It serves the manager's REST routes (version probe, HMAC-checked ``/auth/test``, GraphQL, the
compute-session lifecycle) and the webserver's session-mode routes (``/server/*`` and the
``/func/*`` proxy, dispatched in process) for one simulated server ``Generation``, records every
request, and plays injected ``Fault``s. Behaviour follows the server contract, not the SDK.

This module only assembles the services; each lives in its own module and depends on the small
``ManagerState`` interface (``_state``), never on ``FakeManager``.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from ssl import SSLContext
from types import TracebackType
from typing import TYPE_CHECKING, Any

from aiohttp import web
from multidict import CIMultiDict, MultiDict
from yarl import URL

from ._auth import Gate
from ._directory import Directory
from ._http import (
    Call,
    Handler,
    LiveResponse,
    Problem,
    RecordedRequest,
    Route,
    compile_route,
    parse_json,
    problem_response,
    raise_problem,
    reachable_url,
    server_header,
)
from ._session_core import SessionCore
from ._state import DEFAULT_KEYPAIRS, DEFAULT_USERS, ComputeSession, Keypair, Rules
from ._webserver import WebServer
from .fake_admin import AdminState
from .fake_graphql import GraphQLFailure
from .fake_sessions import SessionAPI
from .fake_vfolders import VFolderService
from .faults import Fault, FaultPlayer
from .generations import GENERATIONS, Generation

if TYPE_CHECKING:
    from .graphql_server import GraphQLServer

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

#: ``graphql_handler(query, variables, access_key) -> data``
GraphQLHandler = Callable[[str, Any, str], Any]


class FakeManager:
    """A Backend.AI manager plus webserver on ``127.0.0.1`` for tests.

    ``generation`` is a key of ``GENERATIONS`` or a ``Generation``. ``keypairs`` replace
    ``DEFAULT_KEYPAIRS``; ``users`` (username -> (password, access key)) replace ``DEFAULT_USERS``;
    ``clock`` returns the server's "now" (aware, UTC) for the ±15 min date window and the ``Date``
    header of its answers.
    ``ssl``, a server-side ``SSLContext`` with a certificate loaded, serves https on the fake and
    on its storage proxy (``vfolders.proxy.ssl`` may be changed before ``start`` to serve the proxy
    with another certificate, or over plain http).
    Public state may be changed at any time: ``keypairs``, ``users``, ``sessions`` (and
    ``terminated``), ``termination_delay``, ``unknown_images``, ``directory`` (what GraphQL lists
    besides those), ``vfolders``, ``admin``, ``sso_tokens``, ``graphql_handler``,
    ``login_failure_status``, ``clock``. ``graphql`` is the GraphQL executor (graphql-core, loaded
    on first use); ``requests`` records every request.
    """

    def __init__(
        self,
        generation: str | Generation = "26.9",
        *,
        keypairs: Iterable[Keypair] | None = None,
        users: Mapping[str, tuple[str, str]] | None = None,
        clock: Callable[[], datetime] | None = None,
        ssl: SSLContext | None = None,
    ) -> None:
        self._generation = GENERATIONS[generation] if isinstance(generation, str) else generation
        self.keypairs: dict[str, Keypair] = {
            kp.access_key: kp for kp in (DEFAULT_KEYPAIRS if keypairs is None else keypairs)
        }
        self.users: dict[str, tuple[str, str]] = dict(DEFAULT_USERS if users is None else users)
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(timezone.utc))
        self.requests: list[RecordedRequest] = []
        #: live compute sessions by session id (TERMINATING ones included)
        self.sessions: dict[str, ComputeSession] = {}
        #: TERMINATED sessions by session id (GraphQL lists them; REST calls answer 404)
        self.terminated: dict[str, ComputeSession] = {}
        #: seconds a destroyed session stays TERMINATING (``get_info`` still answers) before TERMINATED
        self.termination_delay = 0.05
        self.unknown_images: set[str] = {"unknown-image"}
        #: domains, groups, images, agents, scaling groups, policies, storage volumes (for GraphQL)
        self.directory = Directory()
        #: answers every GraphQL document; replace it (e.g. with a ``GraphQLScript``) to script answers
        self.graphql_handler: GraphQLHandler = self._execute_graphql
        #: webserver sessions: session id -> access key
        self.web_sessions: dict[str, str] = {}
        #: SSO tokens for ``/server/token-login``: token -> username
        self.sso_tokens: dict[str, str] = {}
        #: status of a refused login: 401 (current webservers) or 200 (24.09 and older)
        self.login_failure_status = 401
        self.login_allowed_fail_count = 10
        self.login_block_time = timedelta(seconds=1200)
        self._arrived = asyncio.Event()
        self._player = FaultPlayer()
        self._rules = Rules(self)
        self._gate = Gate(self._rules)
        self._web = WebServer(self, self._rules)
        self._core = SessionCore(self._rules)
        #: virtual folders, their routes and the storage proxy (``vfolders.storage_url``)
        self.vfolders = VFolderService(self)
        self.vfolders.proxy.ssl = ssl
        self._ssl = ssl
        #: the administration REST routes' state (presets, etcd, model services, …)
        self.admin = AdminState(
            role_of=lambda access_key: self.keypairs[access_key].role,
            generation=self._generation,
            active_sessions=lambda: sum(s.status not in ("TERMINATED", "CANCELLED") for s in self.sessions.values()),
            registries=self._registries,
        )
        #: the compute-session routes beyond create/info/destroy: execution, files, events, streams
        self.session_api = SessionAPI(self._core)
        self._routes = self._manager_routes()
        self._runner: web.AppRunner | None = None
        self._url: URL | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @functools.cached_property
    def graphql(self) -> GraphQLServer:
        """The GraphQL executor over this fake's state (``graphql.ignored``: filters not applied)."""
        try:
            from .graphql_server import GraphQLServer
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise RuntimeError(
                "GraphQL on the FakeManager needs graphql-core: pip install 'backendai-async[testing]'"
            ) from exc
        return GraphQLServer(self)

    def _execute_graphql(self, query: str, variables: Any, access_key: str) -> Any:
        return self.graphql(query, variables, access_key)

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
        """The root URL, e.g. ``http://127.0.0.1:PORT`` (``https://`` when serving TLS)."""
        if self._url is None:
            raise RuntimeError("FakeManager is not started")
        return self._url

    def _registries(self) -> list[tuple[str, str]]:
        """(project, registry) of the images sessions can run (not the operation images)."""
        compute = (
            i for i in self.directory.images if {"key": "ai.backend.role", "value": "COMPUTE"} in i.get("labels", [])
        )
        return sorted({(i["project"], i["registry"]) for i in compute})

    async def start(self, *, port: int = 0, host: str = "127.0.0.1") -> None:
        """Listen on ``host:port`` (0 = a free port); the storage proxy listens on ``host`` too.

        ``url`` names the bound address; for a wildcard host (``0.0.0.0``, ``::``) it names the
        loopback address instead, which a client on this machine can reach."""
        if self._runner is not None:
            raise RuntimeError("FakeManager is already started")
        self._player.closing.clear()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._entry)
        app.on_response_prepare.append(server_header)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=0.1)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port, ssl_context=self._ssl).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._loop = asyncio.get_running_loop()
        self._url = reachable_url(runner, "http" if self._ssl is None else "https")
        await self.vfolders.start(host)

    async def close(self) -> None:
        """Stop listening and drop open connections (requests in flight are cut short)."""
        runner, self._runner = self._runner, None
        if runner is not None:
            self._player.closing.set()  # ends the faults' waits
            self._core.close()
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

    # -- faults ----------------------------------------------------------------------------

    def inject(self, fault: Fault) -> None:
        """Arm a fault (see ``Fault`` for matching and effects)."""
        self._player.inject(fault)

    @property
    def faults(self) -> list[Fault]:
        """The faults still armed, in matching order."""
        return self._player.armed

    def clear_faults(self) -> None:
        self._player.clear()

    async def wait_for_requests(self, count: int = 1) -> None:
        """Return once ``requests`` holds at least ``count`` requests (e.g. one held by a delay).

        Works from another event loop than the fake's (the pytest fixture runs it in a thread)."""
        loop = self._loop
        if loop is not None and loop is not asyncio.get_running_loop():
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self.wait_for_requests(count), loop))
            return
        while len(self.requests) < count:
            self._arrived.clear()
            await self._arrived.wait()

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
            json=parse_json(body),
        )
        self.requests.append(record)
        self._arrived.set()
        fault = self._player.take(request.method, request.path)
        if fault is None:
            response = self._respond(request, record)
        else:
            response = await self._player.play(request, fault, lambda: self._respond(request, record))
        if isinstance(response, LiveResponse):  # streams: SSE, websockets, subprocess execution
            return await response.serve(request)
        response.headers.setdefault(
            "Date", format_datetime(self.clock().astimezone(timezone.utc), usegmt=True)
        )  # the server's clock
        return response

    def _respond(self, request: web.Request, record: RecordedRequest) -> web.StreamResponse:
        call = Call(
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
            return self._web.handle(call)
        if call.path == "/func" or call.path.startswith("/func/"):
            return self._web.proxy(call, self._manager)
        return self._manager(call)

    def _manager(self, call: Call, session_key: str | None = None) -> web.StreamResponse:
        """Run a manager route; ``session_key`` is the keypair the webserver signs with."""
        try:
            handler, auth, params = self._resolve(call.method, call.path)
            if session_key is not None:
                self._gate.check_version(call)
                call.version = call.version or self.generation.advertised
                call.access_key = session_key
            elif self.generation.auth_before_version:
                if auth:
                    self._gate.authenticate(call)
                self._gate.check_version(call)
            else:
                self._gate.check_version(call)
                if auth:
                    self._gate.authenticate(call)
            limit = self._gate.count_hit(call.access_key)
            response = handler(call, params)
        except Problem as problem:
            return problem_response(problem, with_error_code=self.generation.error_code)
        if response.status < 400:
            response.headers.update(limit)
        return response

    def _manager_routes(self) -> list[Route]:
        gen = self.generation
        prefix = gen.session_prefix
        create_paths = (prefix, f"{prefix}/create") if prefix == "/kernel" else (prefix, f"{prefix}/_/create")
        table: list[tuple[str, str, Handler, bool]] = [
            *self.session_api.routes(create_paths),
            ("GET", "/", self._hello, False),
            *[(m, p, self._auth_test, True) for m in ("GET", "POST") for p in ("/auth", "/auth/test")],
            ("POST", "/admin/graphql", self._graphql, True),
            *[("POST", p, self._core.create, True) for p in create_paths],
            ("GET", prefix + "/{name}", self._core.info, True),
            ("DELETE", prefix + "/{name}", self._core.destroy, True),
            *self.admin.routes(),
        ]
        if gen.has_gql:
            table.append(("POST", "/admin/gql", self._gql, True))
        table.extend(self.vfolders.routes())
        return [Route(method, compile_route(path), handler, auth) for method, path, handler, auth in table]

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
            Problem(405, "method-not-allowed", headers={"Allow": ",".join(sorted(set(allowed)))})
            if allowed
            else Problem(404, "url-not-found", data=path)
        )
        return functools.partial(raise_problem, problem), False, {}

    # -- manager handlers ------------------------------------------------------------------

    def _hello(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        gen = self.generation
        body = {"version": gen.advertised}
        if gen.reports_manager:
            body["manager"] = gen.manager_version
        return web.json_response(body)

    def _auth_test(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        if call.method == "POST":
            body = self._rules.json_object(call)
            self._rules.check_keys(body, ("echo",), ("echo",))
            echo = body["echo"]
        elif self.generation.rejects_unknown_keys:
            self._rules.check_keys(call.query, ("echo",), ("echo",))
            echo = call.query["echo"]
        else:
            echo = ""  # 26.3+ ignores the query of GET /auth
        return web.json_response({"authorized": "yes", "echo": echo})

    def _graphql_data(self, call: Call) -> Any:
        body = self._rules.json_object(call)
        self._rules.check_keys(body, ("query", "variables", "operation_name", "operationName"), ("query",))
        assert call.access_key is not None
        return self.graphql_handler(str(body["query"]), body.get("variables"), call.access_key)

    def _gql(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        try:
            data = self._graphql_data(call)
            # 26.9.6 sends "errors": null on success
            return web.json_response(
                {"data": data, "errors": None} if self.generation.at_least("26.9") else {"data": data}
            )
        except GraphQLFailure as failure:  # GraphQL errors keep the status 200
            return web.json_response({"data": failure.data, "errors": failure.errors})

    def _graphql(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        try:
            return web.json_response(self._graphql_data(call))
        except GraphQLFailure as failure:  # the legacy endpoint answers them with a 400
            raise Problem(400, "graphql-error", data=failure.errors) from failure
