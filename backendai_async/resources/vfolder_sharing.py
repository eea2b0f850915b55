"""``client.vfolder``, sharing: invitations (user folders) and sharing (project folders)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .vfolder_base import VFolderResource

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions

__all__ = ["VFolderSharing"]


class VFolderSharing(VFolderResource):
    """Invitations and sharing."""

    async def invite(
        self,
        perm: str,
        emails: Sequence[str],
        name: str | None = None,
        **options: Unpack[CallOptions],
    ) -> Any:
        """Invite users by e-mail to the folder with permission ``perm`` (``"ro"``, ``"rw"``, ``"wd"``)."""
        body = {"perm": perm, "user_ids": builtins.list(emails)}
        return await self._send("POST", self._folder(name) + "/invite", json=body, **options)

    async def invitations(self, **options: Unpack[CallOptions]) -> Any:
        """Invitations sent to you."""
        return await self._send("GET", "/folders/invitations/list", **options)

    async def accept_invitation(self, inv_id: str, **options: Unpack[CallOptions]) -> Any:
        """Accept the invitation ``inv_id`` (from ``invitations()``)."""
        body = {"inv_id": inv_id}
        return await self._send("POST", "/folders/invitations/accept", json=body, **options)

    async def delete_invitation(self, inv_id: str, **options: Unpack[CallOptions]) -> Any:
        """Delete the invitation ``inv_id``: its invitee declines it, its inviter withdraws it."""
        body = {"inv_id": inv_id}
        return await self._send("DELETE", "/folders/invitations/delete", json=body, **options)

    async def list_invitees(self, vfolder_id: str | None = None, **options: Unpack[CallOptions]) -> Any:
        """Users a folder of yours is shared with (all your folders without ``vfolder_id``)."""
        params = {"vfolder_id": vfolder_id} if vfolder_id else None
        return await self._send("GET", "/folders/_/shared", params=params, **options)

    async def modify_invitee_permission(self, input: Mapping[str, Any], **options: Unpack[CallOptions]) -> Any:
        """``input``: ``{"perm", "user", "vfolder"}``."""
        return await self._send("POST", "/folders/_/shared", json=dict(input), **options)

    async def share(
        self,
        permission: str,
        emails: Sequence[str],
        name: str | None = None,
        **options: Unpack[CallOptions],
    ) -> Any:
        """Share a project folder with users of the project."""
        body = {"permission": permission, "emails": builtins.list(emails)}
        return await self._send("POST", self._folder(name) + "/share", json=body, **options)

    async def unshare(
        self,
        emails: Sequence[str],
        name: str | None = None,
        **options: Unpack[CallOptions],
    ) -> Any:
        """Stop sharing the folder with these users (e-mails)."""
        body = {"emails": builtins.list(emails)}
        return await self._send("DELETE", self._folder(name) + "/unshare", json=body, **options)
