"""Plugin and hosted-service endpoints of the JS client: ``client.cloud`` and ``client.edu_app``.

They exist only where the matching manager plugin is installed; elsewhere they answer 404.
"""

from __future__ import annotations

from typing import Any

from ..abort import AbortSignal
from .base import Resource

__all__ = ["Cloud", "EduApp"]


class Cloud(Resource):
    """``client.cloud``: sign-up and password help of the hosted service."""

    async def ping(self, *, timeout: float | None = None, signal: AbortSignal | None = None) -> Any:
        return await self._send("GET", "/cloud/ping", timeout=timeout, signal=signal)

    async def verify_email(self, token: str, *, timeout: float | None = None, signal: AbortSignal | None = None) -> Any:
        """Confirm a sign-up with the code mailed to the user."""
        body = {"verification_code": token}
        return await self._send("POST", "/cloud/verify-email", json=body, timeout=timeout, signal=signal)

    async def send_verification_email(
        self, email: str, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        body = {"email": email}
        return await self._send("POST", "/cloud/send-verification-email", json=body, timeout=timeout, signal=signal)

    async def send_password_change_email(
        self, email: str, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        body = {"email": email}
        return await self._send("POST", "/cloud/send-password-change-email", json=body, timeout=timeout, signal=signal)

    async def change_password(
        self, email: str, password: str, token: str, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        """Set a new password with the token of a password-change mail."""
        body = {"email": email, "password": password, "token": token}
        return await self._send("POST", "/cloud/change-password", json=body, timeout=timeout, signal=signal)


class EduApp(Resource):
    """``client.edu_app``: the education app plugin."""

    async def ping(self, *, timeout: float | None = None, signal: AbortSignal | None = None) -> Any:
        return await self._send("GET", "/eduapp/ping", timeout=timeout, signal=signal)

    async def get_mount_folders(self, *, timeout: float | None = None, signal: AbortSignal | None = None) -> Any:
        """The folders to mount automatically."""
        return await self._send("GET", "/eduapp/mounts", timeout=timeout, signal=signal)

    async def get_user_projects(self, *, timeout: float | None = None, signal: AbortSignal | None = None) -> Any:
        return await self._send("GET", "/eduapp/projects", timeout=timeout, signal=signal)

    async def get_user_credential(
        self, stoken: str, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        """Exchange a single sign-on token (``sToken``) for the user's credential."""
        return await self._send("GET", "/eduapp/credential", params={"sToken": stoken}, timeout=timeout, signal=signal)
