"""The caller's own account (mixed into ``Client``): sign-out, name and password, SSH keypair, TOTP,
and the resource slot table."""

from __future__ import annotations

from typing import Any

from ..abort import AbortSignal
from ..errors import NotFoundError
from .pipeline import Pipeline, supports

__all__ = ["AccountMethods"]


class AccountMethods:
    """Top-level JS ``Client`` methods about the caller's account."""

    _pipeline: Pipeline

    async def signout(
        self, user_id: str, password: str, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        """Deactivate the caller's own account (``POST /auth/signout``)."""
        body = {"username": user_id, "password": password}
        return await self._pipeline.send("POST", "/auth/signout", json=body, timeout=timeout, signal=signal)

    async def update_full_name(
        self, email: str, full_name: str, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        """Change the caller's full name."""
        body = {"email": email, "full_name": full_name}
        return await self._pipeline.send("POST", "/auth/update-full-name", json=body, timeout=timeout, signal=signal)

    async def update_password(
        self,
        old_password: str,
        new_password: str,
        new_password2: str,
        *,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> Any:
        """Change the caller's password (``new_password2`` repeats it, as the server checks)."""
        body = {"old_password": old_password, "new_password": new_password, "new_password2": new_password2}
        return await self._pipeline.send("POST", "/auth/update-password", json=body, timeout=timeout, signal=signal)

    async def fetch_ssh_keypair(self, *, timeout: float | None = None, signal: AbortSignal | None = None) -> Any:
        """``{"ssh_public_key"}`` of the caller's session SSH keypair."""
        return await self._pipeline.send("GET", "/auth/ssh-keypair", timeout=timeout, signal=signal)

    async def refresh_ssh_keypair(self, *, timeout: float | None = None, signal: AbortSignal | None = None) -> Any:
        """Generate a new SSH keypair: ``{"ssh_public_key", "ssh_private_key"}``."""
        return await self._pipeline.send("PATCH", "/auth/ssh-keypair", timeout=timeout, signal=signal)

    async def post_ssh_keypair(
        self,
        ssh_public_key: str,
        ssh_private_key: str,
        *,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> Any:
        """Install a caller-made SSH keypair."""
        body = {"ssh_public_key": ssh_public_key, "ssh_private_key": ssh_private_key}
        return await self._pipeline.send("POST", "/auth/ssh-keypair", json=body, timeout=timeout, signal=signal)

    async def is_manager_supporting_totp(
        self, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> bool:
        """Whether the manager offers TOTP (``GET /totp`` answers; a 404 means it does not)."""
        try:
            await self._pipeline.send("GET", "/totp", timeout=timeout, signal=signal)
        except NotFoundError:
            return False
        return True

    async def initialize_totp(self, *, timeout: float | None = None, signal: AbortSignal | None = None) -> Any:
        """Start TOTP registration: the answer holds the ``totp_key`` and ``totp_uri`` to show as a QR code."""
        return await self._pipeline.send("POST", "/totp", timeout=timeout, signal=signal)

    async def activate_totp(self, otp: str, *, timeout: float | None = None, signal: AbortSignal | None = None) -> Any:
        """Confirm the registration with a first one-time code."""
        return await self._pipeline.send("POST", "/totp/verify", json={"otp": otp}, timeout=timeout, signal=signal)

    async def remove_totp(
        self, email: str | None = None, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        """Remove TOTP from the caller (or from the user ``email``, admins)."""
        params = {"email": email} if email else None
        return await self._pipeline.send("DELETE", "/totp", params=params, timeout=timeout, signal=signal)

    async def get_resource_slots(
        self, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> dict[str, str]:
        """The slot table, e.g. ``{"cpu": "count", "mem": "bytes", "cuda.device": "count"}``."""
        await self._pipeline.negotiate(timeout=timeout, signal=signal)
        path = "/config/resource-slots" if supports(self._pipeline, "config-resource-slots") else "/etcd/resource-slots"
        result: dict[str, str] = await self._pipeline.send("GET", path, timeout=timeout, signal=signal)
        return result
