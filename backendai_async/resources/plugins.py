"""Plugin and hosted-service endpoints of the JS client: ``client.cloud`` and ``client.edu_app``.

They exist only where the matching manager plugin is installed; elsewhere they answer 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .base import Resource

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions

__all__ = ["Cloud", "EduApp"]


class Cloud(Resource):
    """``client.cloud``: sign-up and password help of the hosted service."""

    async def ping(self, **options: Unpack[CallOptions]) -> Any:
        """Whether the cloud plugin answers (``GET /cloud/ping``)."""
        return await self._send("GET", "/cloud/ping", **options)

    async def verify_email(self, token: str, **options: Unpack[CallOptions]) -> Any:
        """Confirm a sign-up with the code mailed to the user."""
        body = {"verification_code": token}
        return await self._send("POST", "/cloud/verify-email", json=body, **options)

    async def send_verification_email(self, email: str, **options: Unpack[CallOptions]) -> Any:
        """Mail a sign-up verification code to ``email``."""
        body = {"email": email}
        return await self._send("POST", "/cloud/send-verification-email", json=body, **options)

    async def send_password_change_email(self, email: str, **options: Unpack[CallOptions]) -> Any:
        """Mail a password-change token to ``email`` (then ``change_password``)."""
        body = {"email": email}
        return await self._send("POST", "/cloud/send-password-change-email", json=body, **options)

    async def change_password(self, email: str, password: str, token: str, **options: Unpack[CallOptions]) -> Any:
        """Set a new password with the token of a password-change mail."""
        body = {"email": email, "password": password, "token": token}
        return await self._send("POST", "/cloud/change-password", json=body, **options)


class EduApp(Resource):
    """``client.edu_app``: the education app plugin."""

    async def ping(self, **options: Unpack[CallOptions]) -> Any:
        """Whether the edu-app plugin answers (``GET /eduapp/ping``)."""
        return await self._send("GET", "/eduapp/ping", **options)

    async def get_mount_folders(self, **options: Unpack[CallOptions]) -> Any:
        """The folders to mount automatically."""
        return await self._send("GET", "/eduapp/mounts", **options)

    async def get_user_projects(self, **options: Unpack[CallOptions]) -> Any:
        """The caller's projects."""
        return await self._send("GET", "/eduapp/projects", **options)

    async def get_user_credential(self, stoken: str, **options: Unpack[CallOptions]) -> Any:
        """Exchange a single sign-on token (``sToken``) for the user's credential."""
        return await self._send("GET", "/eduapp/credential", params={"sToken": stoken}, **options)
