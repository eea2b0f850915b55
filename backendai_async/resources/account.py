"""``client.account``: the caller's own account: login (``login.py``), sign-out, name and password,
SSH keypair, TOTP."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import NotFoundError
from .login import Login

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions
    from ..results import SSHKeypair, SSHPublicKey

__all__ = ["Account"]


class Account(Login):
    """``client.account``: the caller's account (the JS client's top-level calls about it, which
    ``Client`` keeps as aliases of these)."""

    async def signout(self, user_id: str, password: str, **options: Unpack[CallOptions]) -> Any:
        """Deactivate the caller's own account (``POST /auth/signout``)."""
        body = {"username": user_id, "password": password}
        return await self._pipeline.send("POST", "/auth/signout", json=body, **options)

    async def update_full_name(self, email: str, full_name: str, **options: Unpack[CallOptions]) -> Any:
        """Change the caller's full name."""
        body = {"email": email, "full_name": full_name}
        return await self._pipeline.send("POST", "/auth/update-full-name", json=body, **options)

    async def update_password(
        self,
        old_password: str,
        new_password: str,
        new_password2: str,
        **options: Unpack[CallOptions],
    ) -> Any:
        """Change the caller's password (``new_password2`` repeats it, as the server checks)."""
        body = {"old_password": old_password, "new_password": new_password, "new_password2": new_password2}
        return await self._pipeline.send("POST", "/auth/update-password", json=body, **options)

    async def fetch_ssh_keypair(self, **options: Unpack[CallOptions]) -> SSHPublicKey:
        """``{"ssh_public_key"}`` of the caller's session SSH keypair."""
        result: SSHPublicKey = await self._pipeline.send("GET", "/auth/ssh-keypair", **options)
        return result

    async def refresh_ssh_keypair(self, **options: Unpack[CallOptions]) -> SSHKeypair:
        """Generate a new SSH keypair: ``{"ssh_public_key", "ssh_private_key"}``."""
        result: SSHKeypair = await self._pipeline.send("PATCH", "/auth/ssh-keypair", **options)
        return result

    async def post_ssh_keypair(
        self,
        ssh_public_key: str,
        ssh_private_key: str,
        **options: Unpack[CallOptions],
    ) -> SSHKeypair:
        """Install a caller-made SSH keypair (the manager reads ``pubkey`` and ``privkey``)."""
        body = {"pubkey": ssh_public_key, "privkey": ssh_private_key}
        result: SSHKeypair = await self._pipeline.send("POST", "/auth/ssh-keypair", json=body, **options)
        return result

    async def is_manager_supporting_totp(self, **options: Unpack[CallOptions]) -> bool:
        """Whether the manager offers TOTP (``GET /totp`` answers; a 404 means it does not)."""
        try:
            await self._pipeline.send("GET", "/totp", **options)
        except NotFoundError:
            return False
        return True

    async def initialize_totp(self, **options: Unpack[CallOptions]) -> Any:
        """Start TOTP registration: the answer holds the ``totp_key`` and ``totp_uri`` to show as a QR code."""
        return await self._pipeline.send("POST", "/totp", **options)

    async def activate_totp(self, otp: str, **options: Unpack[CallOptions]) -> Any:
        """Confirm the registration with a first one-time code."""
        return await self._pipeline.send("POST", "/totp/verify", json={"otp": otp}, **options)

    async def remove_totp(self, email: str | None = None, **options: Unpack[CallOptions]) -> Any:
        """Remove TOTP from the caller (or from the user ``email``, admins)."""
        params = {"email": email} if email else None
        return await self._pipeline.send("DELETE", "/totp", params=params, **options)
