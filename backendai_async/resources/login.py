"""SESSION-mode login against the webserver: ``login``, ``check_login``, ``logout``, ``token_login``.

Measured on the real 26.9.6 webserver: refused credentials answer 401 ``{"authenticated": false,
"data": {"type", "title", "details"}}`` (older webservers: 200 with ``authenticated: false``); both
are a falsy ``LoginResult``. Ten failures in a row answer 429, raised as ``RateLimitError``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import AuthenticationError, ConfigError
from .base import Resource

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions

__all__ = ["Login", "LoginResult"]

MONITOR_REFUSAL = "Monitor user does not allow to login."


class LoginResult:
    """Truthy when authenticated; otherwise ``fail_reason`` says why."""

    __slots__ = ("authenticated", "data", "fail_reason")

    def __init__(self, authenticated: bool, data: Any = None, fail_reason: str | None = None) -> None:
        self.authenticated = authenticated
        self.data = data
        self.fail_reason = fail_reason

    def __bool__(self) -> bool:
        return self.authenticated

    def __repr__(self) -> str:
        if self.authenticated:
            return "LoginResult(authenticated=True)"
        return f"LoginResult(authenticated=False, fail_reason={self.fail_reason!r})"


class Login(Resource):
    """The login life-cycle against the webserver (SESSION mode only); a part of ``client.account``."""

    def _require_session_mode(self, what: str) -> None:
        if self._pipeline.config.connection_mode != "SESSION":
            raise ConfigError(f"{what}() needs connection_mode='SESSION' (BACKEND_ENDPOINT_TYPE=session)")

    async def check_login(self, **options: Unpack[CallOptions]) -> bool:
        """Whether the webserver session is authenticated (False when it answers no)."""
        self._require_session_mode("check_login")
        try:
            body = await self._pipeline.send("POST", "/server/login-check", **options)
        except AuthenticationError:
            return False
        return isinstance(body, dict) and body.get("authenticated") is True

    async def login(self, otp: str | None = None, **options: Unpack[CallOptions]) -> LoginResult:
        """Log in with the configured ``user_id`` and ``password`` (and a TOTP code if given)."""
        self._require_session_mode("login")
        config = self._pipeline.config
        if not config.user_id or not config.password:
            raise ConfigError(
                "login() needs user_id and password (arguments user_id/password or BACKEND_USER_ID/BACKEND_PASSWORD)"
            )
        body: dict[str, str] = {"username": config.user_id, "password": config.password}
        if otp is not None:
            body["otp"] = otp
        return await self._login("/server/login", body, **options)

    async def token_login(
        self,
        token: str | None = None,
        extra: dict[str, Any] | None = None,
        **options: Unpack[CallOptions],
    ) -> LoginResult:
        """Single sign-on: log in with ``token`` (sent as ``sToken``) or the webserver's token cookie."""
        self._require_session_mode("token_login")
        body: dict[str, Any] = dict(extra or {})
        if token is not None:
            body["sToken"] = token
        return await self._login("/server/token-login", body, **options)

    async def logout(self, **options: Unpack[CallOptions]) -> None:
        """End the webserver session."""
        self._require_session_mode("logout")
        await self._pipeline.send("POST", "/server/logout", json={}, **options)
        forget = getattr(self._pipeline.authenticator, "forget", None)  # SessionAuthenticator's
        if callable(forget):
            forget()

    async def _login(self, path: str, body: dict[str, Any], **options: Unpack[CallOptions]) -> LoginResult:
        try:
            answer = await self._pipeline.send("POST", path, json=body, **options, retry_safe=False)
        except AuthenticationError as exc:  # 401: the credentials were refused
            return LoginResult(False, exc.data, exc.message)
        if not isinstance(answer, dict) or answer.get("authenticated") is not True:
            data = answer.get("data") if isinstance(answer, dict) else None
            reason = _fail_reason(data) or "authentication failed"
            return LoginResult(False, data, reason)
        data = answer.get("data")
        if isinstance(data, dict) and data.get("role") == "monitor":
            await self.logout(**options)
            return LoginResult(False, data, MONITOR_REFUSAL)
        await self._pipeline.negotiate(**options)
        return LoginResult(True, data)


def _fail_reason(data: Any) -> str | None:
    if isinstance(data, dict):
        for key in ("details", "title", "type"):
            if isinstance(data.get(key), str) and data[key]:
                return str(data[key])
    return None
