"""The webserver of SESSION mode: ``/server/login`` and friends, and the ``/func/*`` proxy to the manager."""

from __future__ import annotations

import binascii
import hmac
import json
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from aiohttp import web

from ._aes import decrypt_payload
from ._http import PROBLEM_BASE, SESSION_COOKIE, SESSION_HEADER, Call, web_error
from ._state import ManagerState, Rules

__all__ = ["WebServer", "WebState"]


class WebState(ManagerState, Protocol):
    """What the webserver keeps besides the manager's state."""

    #: webserver sessions: session id -> access key
    web_sessions: dict[str, str]
    #: SSO tokens for ``/server/token-login``: token -> username
    sso_tokens: dict[str, str]
    login_failure_status: int
    login_allowed_fail_count: int
    login_block_time: timedelta


#: runs a manager route: ``manager(call, session_key=access key the webserver signs with)``
ManagerRoute = Callable[..., web.StreamResponse]


class WebServer:
    """The webserver's routes over a ``WebState``."""

    def __init__(self, state: WebState, rules: Rules) -> None:
        self.state = state
        self.rules = rules
        self._login_failures: dict[str, tuple[int, datetime]] = {}

    def handle(self, call: Call) -> web.StreamResponse:
        handlers: dict[str, Callable[[Call], web.StreamResponse]] = {
            "/server/login": self._login,
            "/server/login-check": self._login_check,
            "/server/logout": self._logout,
            "/server/token-login": self._token_login,
        }
        handler = handlers.get(call.path)
        if handler is None:
            return web_error(404, "url-not-found", "Unknown URL path.")
        if call.method != "POST":
            return web_error(405, "method-not-allowed", "Method not allowed.")
        decoded = self._decoded(call)
        if decoded is None:
            return web_error(400, "invalid-api-params", "Missing or invalid API parameters.")
        return handler(decoded)

    @staticmethod
    def _decoded(call: Call) -> Call | None:
        """The call with its ``X-BackendAI-Encoded`` body decrypted (the official client encrypts
        its login over plain http, keyed on the endpoint it was given); None if it cannot be read."""
        if not call.headers.get("X-BackendAI-Encoded") or not call.body:
            return call
        try:
            body = decrypt_payload(f"http://{call.host}", call.body)
            return replace(call, body=body, json=json.loads(body), content_type="application/json")
        except (ValueError, binascii.Error, UnicodeError):  # json's errors are ValueErrors
            return None

    def _web_session(self, call: Call) -> str | None:
        """The valid webserver session presented by header (preferred) or cookie."""
        session_id = call.headers.get(SESSION_HEADER) or call.cookies.get(SESSION_COOKIE)
        if session_id is None or self.state.web_sessions.get(session_id) not in self.state.keypairs:
            return None
        return session_id

    def _login_data(self, access_key: str) -> dict[str, str]:
        return {"access_key": access_key, "role": self.state.keypairs[access_key].role, "status": "active"}

    def _login(self, call: Call) -> web.StreamResponse:
        if self._web_session(call) is not None:
            return web_error(400, "generic-bad-request", "You have already logged in.")
        body = call.json if isinstance(call.json, dict) else {}
        username, password = body.get("username"), body.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            return web_error(400, "invalid-api-params", "Missing or invalid API parameters.")
        if self._login_blocked(username):
            return web_error(429, "too-many-requests", "Too many failed login attempts.")
        user = self.state.users.get(username)
        if (
            user is None
            or user[1] not in self.state.keypairs
            or not hmac.compare_digest(user[0].encode(), password.encode())
        ):
            count = self._login_failures.get(username, (0, self.rules.now()))[0]
            self._login_failures[username] = (count + 1, self.rules.now())
            return self._login_refused()
        self._login_failures.pop(username, None)
        return self._start_web_session(user[1])

    def _login_blocked(self, username: str) -> bool:
        count, last = self._login_failures.get(username, (0, self.rules.now()))
        if self.rules.now() - last >= self.state.login_block_time:
            self._login_failures.pop(username, None)
            return False
        return count >= self.state.login_allowed_fail_count

    def _token_login(self, call: Call) -> web.StreamResponse:
        if self._web_session(call) is not None:
            return web_error(400, "generic-bad-request", "You have already logged in.")
        token = call.json.get("sToken") if isinstance(call.json, dict) else None
        user = self.state.users.get(self.state.sso_tokens.get(token, "")) if isinstance(token, str) else None
        if user is None or user[1] not in self.state.keypairs:
            return self._login_refused()
        return self._start_web_session(user[1])

    def _login_refused(self) -> web.Response:
        data = {
            "type": PROBLEM_BASE + "auth-failed",
            "title": "Credential/signature mismatch.",
            "details": "User credential mismatch.",
        }
        return web.json_response({"authenticated": False, "data": data}, status=self.state.login_failure_status)

    def _start_web_session(self, access_key: str) -> web.Response:
        session_id = uuid.uuid4().hex
        self.state.web_sessions[session_id] = access_key
        response = web.json_response({"authenticated": True, "data": self._login_data(access_key)})
        response.set_cookie(SESSION_COOKIE, session_id, httponly=True, path="/")
        response.headers[SESSION_HEADER] = session_id
        return response

    def _login_check(self, call: Call) -> web.StreamResponse:
        session_id = self._web_session(call)
        if session_id is None:
            return web.json_response({"authenticated": False, "data": None, "session_id": None})
        data = self._login_data(self.state.web_sessions[session_id])
        return web.json_response({"authenticated": True, "data": data, "session_id": session_id})

    def _logout(self, call: Call) -> web.StreamResponse:
        session_id = self._web_session(call)
        if session_id is not None:
            del self.state.web_sessions[session_id]
        # 26.9.6's webserver: an empty application/octet-stream body; older ones "OK"
        measured = self.state.generation.at_least("26.9")
        response = web.Response(body=b"") if measured else web.Response(text="OK")
        response.del_cookie(SESSION_COOKIE, path="/")
        return response

    def proxy(self, call: Call, manager: ManagerRoute) -> web.StreamResponse:
        """``/func/{path}``: the manager route, as if the webserver had signed it."""
        raw_path = call.raw_path[len("/func") :]
        inner = replace(
            call,
            path=call.path[len("/func") :] or "/",
            raw_path=raw_path if raw_path.startswith("/") else "/" + raw_path,
        )
        if inner.method == "GET" and inner.path == "/":
            return manager(inner)
        decoded = self._decoded(inner)
        if decoded is None:
            return web_error(400, "invalid-api-params", "Missing or invalid API parameters.")
        inner = decoded
        session_id = self._web_session(call)
        if session_id is None:
            return web_error(401, "auth-failed", "Unauthorized access")
        return manager(inner, session_key=self.state.web_sessions[session_id])
