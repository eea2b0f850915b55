"""The compute-session API of the ``FakeManager`` beyond create/info/destroy: execution, files,
logs, rename, commit, services, history, session and background-task events (SSE), and the
terminal and execute websockets.

Parameter locations follow the generation's ``param_era`` (server-contract §4.0) and the execute
run-id key its ``run_id_key`` (§4.5), so a client that sends parameters only where one release
reads them fails against the others. Code runs in a local subprocess only with ``run_locally``.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import email.parser
import email.policy
import io
import json
import posixpath
import sys
import tarfile
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from multidict import MultiMapping

from ._http import Call, LiveResponse, Problem
from ._session_core import SessionCore, session_not_found
from ._state import ComputeSession

__all__ = ["EventHub", "SessionAPI"]

MAX_UPLOAD_FILES = 20
MAX_UPLOAD_SIZE = 1024 * 1024
_DONE = ("finished",)

# endpoint -> param era -> where its parameters are read: "body", "query", or "either" (the body
# when the request has one, else the query: the trafaret rule)
_LOCATIONS: dict[str, dict[str, str]] = {
    "rename": {"trafaret": "either", "26.3": "query", "26.4": "body", "26.7": "body"},
    "download": {"trafaret": "body", "26.3": "body", "26.4": "body", "26.7": "query"},
    "download_single": {"trafaret": "either", "26.3": "body", "26.4": "query", "26.7": "query"},
    "files": {"trafaret": "body", "26.3": "query", "26.4": "query", "26.7": "query"},
    "commit": {"trafaret": "either", "26.3": "query", "26.4": "query", "26.7": "query"},
    "shutdown-service": {"trafaret": "either", "26.3": "body", "26.4": "body", "26.7": "body"},
}
_SESSION_EVENT_KEYS = ("name", "sessionName", "ownerAccessKey", "sessionId", "group", "groupName", "scope")

Handler = Callable[[Call, dict[str, str]], web.StreamResponse]


class EventHub:
    """Session events: every subscriber gets what is published after it subscribed."""

    def __init__(self) -> None:
        self.published: list[tuple[str, dict[str, Any]]] = []
        self._queues: list[asyncio.Queue[tuple[str, dict[str, Any]] | None]] = []

    def publish(self, name: str, data: dict[str, Any]) -> None:
        self.published.append((name, data))
        for queue in self._queues:
            queue.put_nowait((name, data))

    def hang_up(self) -> None:
        """End every open event stream (clients then reconnect)."""
        for queue in self._queues:
            queue.put_nowait(None)

    @property
    def subscribers(self) -> int:
        return len(self._queues)

    def _subscribe(self) -> asyncio.Queue[tuple[str, dict[str, Any]] | None]:
        queue: asyncio.Queue[tuple[str, dict[str, Any]] | None] = asyncio.Queue()
        self._queues.append(queue)
        return queue

    def _unsubscribe(self, queue: asyncio.Queue[tuple[str, dict[str, Any]] | None]) -> None:
        self._queues.remove(queue)


@dataclass
class _Kernel:
    """What the fake keeps per session besides ``ComputeSession``."""

    kernel_id: str
    files: dict[str, bytes] = field(default_factory=dict)
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    interrupts: int = 0
    history: dict[str, str] = field(default_factory=dict)


class SessionAPI:
    """The session routes of one ``FakeManager`` (``fm.session_api``), built on its ``SessionCore``.

    Public state: ``events`` (an ``EventHub``), ``background_tasks`` (task id -> events),
    ``templates`` (template id -> {"image", ...}), ``run_locally`` (execute runs the code with
    this Python in a subprocess), ``sse_retry_ms`` (the ``retry`` sent on event streams).
    """

    def __init__(self, core: SessionCore) -> None:
        self._core = core
        self._rules = core.rules
        self._state = core.state
        self.events = EventHub()
        self.background_tasks: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        self.templates: dict[str, dict[str, Any]] = {}
        self.run_locally = False
        self.sse_retry_ms = 20
        self._kernels: dict[str, _Kernel] = {}
        core.on_terminated.append(self._terminated)

    def _terminated(self, session: ComputeSession) -> None:
        self.events.publish("session_terminated", self._event_data(session, "user-requested"))
        self._kernels.pop(session.id, None)

    def kernel(self, session: ComputeSession) -> _Kernel:
        """The per-session state (files, runs, interrupts) of a live session."""
        if session.id not in self._kernels:
            self._kernels[session.id] = _Kernel(str(uuid.uuid5(uuid.NAMESPACE_URL, "kernel:" + session.id)))
        return self._kernels[session.id]

    def routes(self, create_paths: tuple[str, ...]) -> list[tuple[str, str, Handler, bool]]:
        """``(method, path template, handler, needs auth)``, specific paths before ``{name}``."""
        gen = self._state.generation
        p = gen.session_prefix
        download_method = "POST" if gen.at_least("23.09") else "GET"
        table: list[tuple[str, str, Handler, bool]] = [
            ("GET", "/events/session" if p == "/session" else "/stream/kernel/_/events", self._session_events, True),
            ("GET", "/events/background-task", self._bgtask_events, True),
            ("GET", f"/stream{p}/{{name}}/pty", self._pty, True),
            ("GET", f"/stream{p}/{{name}}/execute", self._stream_execute, True),
            ("GET", p + "/_/logs", self._task_logs, True),
            ("POST", p + "/_/create-from-template", self._create_from_template, True),
            *[("POST", path, self._wrap_create(self._core.create), True) for path in create_paths],
            ("DELETE", p + "/{name}", self._wrap_destroy(self._core.destroy), True),
            ("PATCH", p + "/{name}", self._restart, True),
            ("POST", p + "/{name}", self._execute, True),
            ("POST", p + "/{name}/interrupt", self._interrupt, True),
            ("POST", p + "/{name}/complete", self._complete, True),
            ("GET", p + "/{name}/logs", self._logs, True),
            ("POST", p + "/{name}/upload", self._upload, True),
            (download_method, p + "/{name}/download", self._download, True),
            (download_method, p + "/{name}/download_single", self._download_single, True),
            ("GET", p + "/{name}/files", self._list_files, True),
            ("POST", p + "/{name}/rename", self._rename, True),
            ("POST", p + "/{name}/commit", self._commit, True),
            ("GET", p + "/{name}/commit", self._commit_status, True),
            ("POST", p + "/{name}/imagify", self._imagify, True),
            ("POST", p + "/{name}/start-service", self._start_service, True),
            ("POST", p + "/{name}/shutdown-service", self._shutdown_service, True),
            ("GET", p + "/{name}/direct-access-info", self._direct_access_info, True),
        ]
        if gen.at_least("22.03"):
            table.append(("GET", p + "/{name}/dependency-graph", self._dependency_graph, True))
        if gen.at_least("25.12"):
            table.append(("GET", p + "/{name}/status-history", self._status_history, True))
        return table

    # -- helpers ---------------------------------------------------------------------------

    def _session(self, call: Call, params: Mapping[str, str]) -> ComputeSession:
        assert call.access_key is not None
        return self._core.lookup(call.access_key, params["name"])

    def _params(self, call: Call, endpoint: str) -> Mapping[str, Any] | MultiMapping[str]:
        """The parameters where this generation reads them for ``endpoint``."""
        where = _LOCATIONS[endpoint][self._state.generation.param_era]
        if where == "either":
            where = "body" if call.body and call.method not in ("GET", "HEAD") else "query"
        if where == "query":
            return call.query
        return self._rules.json_object(call)

    def _event_data(self, session: ComputeSession, reason: str = "") -> dict[str, Any]:
        return {
            "reason": reason,
            "sessionName": session.name,
            "ownerAccessKey": session.owner,
            "sessionId": session.id,
            "exitCode": None,
        }

    def _bgtask(self, message: str) -> str:
        task_id = str(uuid.uuid4())
        updates = [
            ("bgtask_updated", {"task_id": task_id, "message": message, "current_progress": i, "total_progress": 2})
            for i in (1, 2)
        ]
        self.background_tasks[task_id] = [
            *updates,
            ("bgtask_done", {"task_id": task_id, "message": "done"}),
            ("server_close", {}),
        ]
        return task_id

    # -- lifecycle -------------------------------------------------------------------------

    def _wrap_create(self, create: Handler) -> Handler:
        def handler(call: Call, params: dict[str, str]) -> web.StreamResponse:
            before = set(self._state.sessions)
            response = create(call, params)
            for sid in set(self._state.sessions) - before:
                self._announce(self._state.sessions[sid])
            return response

        return handler

    def _announce(self, session: ComputeSession) -> None:
        """The events of a new session; 26.x names them after the scheduler's statuses (as
        measured on 26.9.6: ``session_pending`` and no ``session_enqueued``)."""
        kernel = self.kernel(session)
        now = self._rules.now().isoformat()
        kernel.history["PENDING"] = now
        modern = self._state.generation.at_least("26.0")
        self.events.publish("session_pending" if modern else "session_enqueued", self._event_data(session))
        if session.status == "RUNNING":
            if modern:  # every scheduler step, as 26.9.6 records them
                for step in ("SCHEDULED", "PREPARING", "PREPARED", "CREATING"):
                    kernel.history[step] = now
            kernel.history["RUNNING"] = now
            self.events.publish("session_scheduled", self._event_data(session))
            if modern:
                self.events.publish("session_preparing", self._event_data(session))
            self.events.publish("kernel_started", {**self._event_data(session), "kernelId": kernel.kernel_id})
            self.events.publish("session_started", self._event_data(session))

    def _wrap_destroy(self, destroy: Handler) -> Handler:
        def handler(call: Call, params: dict[str, str]) -> web.StreamResponse:
            live = {sid: s.status for sid, s in self._state.sessions.items()}
            response = destroy(call, params)
            for sid, status in live.items():
                session = self._state.sessions.get(sid) or self._state.terminated.get(sid)
                if session is not None and status != "TERMINATING" and session.status != status:
                    self.events.publish("session_terminating", self._event_data(session, "user-requested"))
            return response

        return handler

    def _create_from_template(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        body = self._rules.json_object(call)
        template = self.templates.get(str(body.get("template_id")))
        if template is None:
            raise Problem(404, "object-not-found", title="No such task template.")
        merged = {**template, **{k: v for k, v in body.items() if k != "template_id"}}
        inner = dataclasses.replace(call, body=json.dumps(merged).encode(), json=merged)
        return self._wrap_create(self._core.create)(inner, params)

    def _restart(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        self._session(call, params)
        if self._state.generation.at_least("26.7"):
            raise Problem(
                501,
                "not-implemented",
                "Session restart is no longer supported. Terminate the session and enqueue a new one instead.",
                title="This API is not implemented.",
                error_code="api_generic_not-implemented",
            )
        return web.Response(status=204)

    def _rename(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        session = self._session(call, params)
        given = self._params(call, "rename")
        self._rules.check_keys(given, ("name", "session_name", "clientSessionToken"))
        name = given.get("name") or given.get("session_name") or given.get("clientSessionToken")
        if not isinstance(name, str):
            raise self._rules.invalid({"name": "is required"})
        if session.status != "RUNNING":
            raise Problem(400, "invalid-api-params", "Can't change name of not running session")
        session.name = name
        return web.Response(status=204)

    def _commit(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        session = self._session(call, params)
        if call.body:
            self._params(call, "commit")
        self._rules.check_keys(call.query, ("filename", "fname", "login_session_token"))
        task_id = self._bgtask("committing")
        return web.json_response({"task_id": task_id, "kernel": self.kernel(session).kernel_id}, status=201)

    def _commit_status(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        session = self._session(call, params)
        return web.json_response({"status": "ready", "kernel": self.kernel(session).kernel_id})

    def _imagify(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        self._session(call, params)
        body = self._rules.json_object(call)
        self._rules.check_keys(body, ("image_name", "image_visibility", "login_session_token"), ("image_name",))
        return web.json_response({"task_id": self._bgtask("building the image")})

    def _start_service(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        self._session(call, params)
        body = self._rules.json_object(call)
        self._rules.check_keys(body, ("app", "service", "port", "envs", "arguments", "login_session_token"))
        if not (body.get("app") or body.get("service")):
            raise self._rules.invalid({"app": "is required"})
        return web.json_response({"token": uuid.uuid4().hex, "wsproxy_addr": "http://127.0.0.1:5050"})

    def _shutdown_service(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        self._session(call, params)
        given = self._params(call, "shutdown-service")
        self._rules.check_keys(given, ("service_name",), ("service_name",))
        return web.Response(status=204)

    def _direct_access_info(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        session = self._session(call, params)
        if session.type != "system":
            return web.json_response({})
        info = {"kernel_role": "SYSTEM", "session_type": "system", "public_host": "127.0.0.1", "sshd_ports": [2200]}
        return web.json_response(info)

    def _status_history(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        history = dict(self.kernel(self._session(call, params)).history)
        return web.json_response(history if self._state.generation.at_least("26.3") else {"result": history})

    def _dependency_graph(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        s = self._session(call, params)
        graph = {"session_id": s.id, "session_name": s.name, "status": s.status}
        if self._state.generation.at_least("26.9"):
            graph["status_changed"] = str(s.created_at)  # the manager's text: space-separated
        return web.json_response({**graph, "depends_on": []})

    def _logs(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        session = self._session(call, params)
        allowed = ["owner_access_key", "ownerAccessKey"]
        if self._state.generation.at_least("24.03.7"):
            allowed += ["kernel_id", "kernelId"]
        self._rules.check_keys(call.query, allowed)
        kernel = call.query.get("kernel_id") or self.kernel(session).kernel_id
        return web.json_response({"result": {"logs": f"container logs of {session.name} ({kernel})\n"}})

    def _task_logs(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        kernel_id = call.query.get("session_name") or call.query.get("kernel_id") or call.query.get("task_id")
        for session in self._state.sessions.values():
            if session.owner == call.access_key and self.kernel(session).kernel_id == kernel_id:
                return web.Response(text=f"task log of {session.name}\n")
        raise session_not_found(self._state.generation)

    # -- execution -------------------------------------------------------------------------

    def _execute(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        session = self._session(call, params)
        body = self._rules.json_object(call)
        key = self._state.generation.run_id_key
        mode = body.get("mode")
        if key == "runId":
            if "runId" not in body:
                raise Problem(400, "invalid-api-params", "runId is missing!")
            if mode is None:
                raise Problem(400, "invalid-api-params", "mode is missing or empty!")
        run_id = body.get(key)
        if mode not in ("query", "batch", "continue", "input", "complete") or (
            mode in ("continue", "input") and not run_id
        ):
            raise Problem(500, "invalid-session-data", f"invalid execute request (mode={mode!r}, run id={run_id!r})")
        kernel = self.kernel(session)
        code = str(body.get("code") or "")
        if mode in ("query", "batch") and self.run_locally:
            run_id = run_id or uuid.uuid4().hex

            async def serve(request: web.Request) -> web.StreamResponse:
                return web.json_response({"result": await _run_locally(str(run_id), code)})

            return LiveResponse(serve)
        return web.json_response({"result": self._step(kernel, mode, run_id, code)})

    def _step(self, kernel: _Kernel, mode: str, run_id: Any, code: str) -> dict[str, Any]:
        """The scripted kernel: a query answers ``continued`` once, then asks for input if the
        code calls ``input(``, then finishes printing what ran and what was typed."""
        if mode == "complete":
            return {"status": "finished", "completions": [], "runId": run_id}
        if mode in ("query", "batch"):
            run_id = run_id or uuid.uuid4().hex
            kernel.runs[run_id] = {"code": code, "inputs": []}
            if mode == "batch":
                return _result(run_id, "finished", [["stdout", "batch done\n"]], exit_code=0)
            return _result(run_id, "continued", [["stdout", "started\n"]])
        run = kernel.runs.get(run_id)
        if run is None:
            raise Problem(500, "invalid-session-data", f"unknown run {run_id!r}")
        if mode == "input":
            run["inputs"].append(code)
        if "input(" in run["code"] and not run["inputs"]:
            return {**_result(run_id, "waiting-input", []), "options": {"is_password": False}}
        console = [["stdout", f"ran: {run['code']}\n"], *[["stdout", f"input: {text}\n"] for text in run["inputs"]]]
        del kernel.runs[run_id]
        return _result(run_id, "finished", console, exit_code=0)

    def _interrupt(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        self.kernel(self._session(call, params)).interrupts += 1
        return web.Response(status=204)

    def _complete(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        self._session(call, params)
        body = self._rules.json_object(call)
        code = str(body.get("code", ""))
        word = code.rsplit(maxsplit=1)[-1] if code.strip() else ""
        completions = [name for name in ("print", "property", "pow") if word and name.startswith(word)]
        return web.json_response({"result": {"status": "finished", "completions": completions}})

    # -- files -----------------------------------------------------------------------------

    def _upload(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        kernel = self.kernel(self._session(call, params))
        parts = _form_parts(call)
        if len(parts) > MAX_UPLOAD_FILES:
            raise Problem(400, "invalid-api-params", "Too many files")
        for filename, data in parts:
            if len(data) >= MAX_UPLOAD_SIZE:
                raise Problem(400, "invalid-api-params", "Too large file")
            kernel.files[posixpath.normpath(filename)] = data
        return web.Response(status=204)

    def _download(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        kernel = self.kernel(self._session(call, params))
        given = self._params(call, "download")
        self._rules.check_keys(given, ("files",), ("files",))
        files = given.getall("files") if isinstance(given, MultiMapping) else given["files"]
        if not isinstance(files, list) or not files or len(files) > 5:
            raise self._rules.invalid({"files": "must be a list of 1 to 5 paths"})
        writer = aiohttp.MultipartWriter("mixed")
        for name in files:
            data = kernel.files.get(posixpath.normpath(str(name)))
            if data is None:
                raise Problem(400, "invalid-api-params", "The file is not found.")
            part = writer.append(_tar_of(posixpath.basename(str(name)), data), {"Content-Type": "application/x-tar"})
            part.headers["Content-Encoding"] = "identity"
        return web.Response(body=writer)

    def _download_single(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        kernel = self.kernel(self._session(call, params))
        given = self._params(call, "download_single")
        self._rules.check_keys(given, ("file",), ("file",))
        data = kernel.files.get(posixpath.normpath(str(given["file"])))
        if data is None:
            raise Problem(400, "invalid-api-params", "The file is not found.")
        return web.Response(body=data, content_type="application/octet-stream")

    def _list_files(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        kernel = self.kernel(self._session(call, params))
        given = self._params(call, "files")
        self._rules.check_keys(given, ("path",))
        path = posixpath.normpath(str(given.get("path", ".")))
        entries = [
            {"filename": posixpath.basename(name), "size": len(data), "mode": "-rw-r--r--", "mtime": 0}
            for name, data in sorted(kernel.files.items())
            if posixpath.dirname(name) == ("" if path == "." else path)
        ]
        abspath = "/home/work" if path == "." else f"/home/work/{path}"
        return web.json_response({"files": json.dumps(entries), "errors": "", "abspath": abspath})

    # -- events ----------------------------------------------------------------------------

    def _session_events(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        gen = self._state.generation
        query = call.query
        self._rules.check_keys(query, _SESSION_EVENT_KEYS)
        if gen.session_prefix == "/kernel":  # the v4 kernel event stream: sessionId is the name
            self._rules.check_keys(query, ("sessionId",))
            session_id, name = None, query.get("sessionId", "*")
        elif gen.rejects_unknown_keys:  # ≤ 26.2: sessionId overrides the name
            session_id = query.get("sessionId")
            name = query.get("sessionName") or query.get("name") or "*"
        else:  # 26.3+: `name` is ignored, and sessionId is only logged
            session_id = None
            name = query.get("sessionName") or query.get("session_name") or "*"
        owner = self._rules.owner(call, query.get("ownerAccessKey"))
        scope = query.get("scope", "*")
        known = any(s.owner == owner and name in (s.id, s.name) for s in self._state.sessions.values())
        if gen.at_least("26.0") and name != "*" and not known:  # 26.x resolves the name first
            raise Problem(404, "entity-not-found", "No SessionRow matches the given key")

        def wanted(event: str, data: dict[str, Any]) -> bool:
            if data.get("ownerAccessKey") != owner:
                return False
            if scope != "*" and not event.startswith(scope + "_"):
                return False
            if session_id is not None:
                return data.get("sessionId") == session_id
            return name == "*" or data.get("sessionName") == name

        queue = self.events._subscribe()

        async def serve(request: web.Request) -> web.StreamResponse:
            try:
                stream = await self._sse_start(request)
                while (item := await queue.get()) is not None:
                    if wanted(*item):
                        await stream.write(_sse(*item))
                await stream.write_eof()
                return stream
            finally:
                self.events._unsubscribe(queue)

        return LiveResponse(serve)

    def _bgtask_events(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        task_id = call.query.get("task_id") or call.query.get("taskId")
        events = self.background_tasks.get(str(task_id))
        if events is None:
            if self._state.generation.at_least("25.1"):
                raise Problem(404, "bgtask-not-found")
            raise Problem(404, "object-not-found", title="No such background task.")

        async def serve(request: web.Request) -> web.StreamResponse:
            stream = await self._sse_start(request)
            for name, data in events:
                await stream.write(_sse(name, data, retry=5 if name == "bgtask_updated" else None))
            await stream.write_eof()
            return stream

        return LiveResponse(serve)

    async def _sse_start(self, request: web.Request) -> web.StreamResponse:
        stream = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await stream.prepare(request)
        await stream.write(f": ping\r\nretry: {self.sse_retry_ms}\r\n\r\n".encode())
        return stream

    # -- websockets ------------------------------------------------------------------------

    def _pty(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        self._session(call, params)

        async def serve(request: web.Request) -> web.StreamResponse:
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(message.data)
                if data.get("type") == "stdin":
                    await ws.send_json({"type": "out", "data": data["chars"]})
                elif data.get("type") == "resize":
                    text = f"resized to {data['rows']}x{data['cols']}\r\n".encode()
                    await ws.send_json({"type": "out", "data": base64.b64encode(text).decode()})
            return ws

        return LiveResponse(serve)

    def _stream_execute(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        kernel = self.kernel(self._session(call, params))

        async def serve(request: web.Request) -> web.StreamResponse:
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            first = await ws.receive_json()
            if first.get("mode") == "batch":  # as the dummy kernel answers
                await ws.send_json({"status": "not-implemented", "console": None, "exitCode": None})
                await ws.close()
                return ws
            if first.get("mode") != "query":
                await ws.send_json({"status": "error", "msg": "Invalid execution mode"})
                await ws.close()
                return ws
            code = str(first.get("code", ""))
            if self.run_locally:
                await ws.send_json(await _run_locally(uuid.uuid4().hex, code))
                await ws.close()
                return ws
            result = self._step(kernel, "query", None, code)
            while True:
                await ws.send_json(result)
                if result["status"] in _DONE:
                    break
                if result["status"] == "waiting-input":
                    result = self._step(kernel, "input", result["runId"], await ws.receive_str())
                else:
                    result = self._step(kernel, "continue", result["runId"], "")
            await ws.close()
            return ws

        return LiveResponse(serve)


def _result(run_id: str, status: str, console: list[Any], *, exit_code: int | None = None) -> dict[str, Any]:
    return {"runId": run_id, "status": status, "exitCode": exit_code, "console": console, "options": {}, "files": []}


async def _run_locally(run_id: str, code: str) -> dict[str, Any]:
    """Run ``code`` with this Python; its output becomes the console."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    console: list[Any] = []
    if stdout:
        console.append(["stdout", stdout.decode("utf-8", "replace")])
    if stderr:
        console.append(["stderr", stderr.decode("utf-8", "replace")])
    return _result(run_id, "finished", console, exit_code=process.returncode)


def _sse(name: str, data: dict[str, Any], *, retry: int | None = None) -> bytes:
    lines = [f"event: {name}", f"data: {json.dumps(data)}"]
    if retry is not None:
        lines.append(f"retry: {retry}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _form_parts(call: Call) -> list[tuple[str, bytes]]:
    """``(filename, content)`` of each part of a ``multipart/form-data`` body."""
    header = call.headers.get("Content-Type", "")
    if not header.startswith("multipart/form-data"):
        raise Problem(400, "invalid-api-params", "Malformed multipart body")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + header.encode() + b"\r\n\r\n" + call.body
    )
    parts: list[tuple[str, bytes]] = []
    for part in message.iter_parts():
        filename = part.get_filename()
        payload = part.get_payload(decode=True)
        if filename is None or not isinstance(payload, bytes):
            raise Problem(400, "invalid-api-params", "Malformed multipart body")
        parts.append((filename, payload))
    return parts


def _tar_of(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
