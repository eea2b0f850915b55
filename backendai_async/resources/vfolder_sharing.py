"""``client.vfolder``, sharing: invitations (user folders) and sharing (project folders)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .vfolder_base import VFolderResource

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions
    from ..results import MessageResult, VFolderInvitationList, VFolderInviteeList, VFolderInviteResult

__all__ = ["VFolderSharing"]


class VFolderSharing(VFolderResource):
    """Invitations and sharing."""

    async def invite(
        self,
        perm: str,
        emails: Sequence[str],
        name: str | None = None,
        **options: Unpack[CallOptions],
    ) -> VFolderInviteResult:
        """Invite users by e-mail to the folder with permission ``perm`` (``"ro"``, ``"rw"``, ``"wd"``)."""
        body = {"perm": perm, "user_ids": builtins.list(emails)}
        result: VFolderInviteResult = await self._send("POST", self._folder(name) + "/invite", json=body, **options)
        return result

    async def invitations(self, **options: Unpack[CallOptions]) -> VFolderInvitationList:
        """Invitations sent to you."""
        result: VFolderInvitationList = await self._send("GET", "/folders/invitations/list", **options)
        return result

    async def accept_invitation(self, inv_id: str, **options: Unpack[CallOptions]) -> MessageResult:
        """Accept the invitation ``inv_id`` (from ``invitations()``)."""
        body = {"inv_id": inv_id}
        result: MessageResult = await self._send("POST", "/folders/invitations/accept", json=body, **options)
        return result

    async def delete_invitation(self, inv_id: str, **options: Unpack[CallOptions]) -> MessageResult:
        """Delete the invitation ``inv_id``: its invitee declines it, its inviter withdraws it."""
        body = {"inv_id": inv_id}
        result: MessageResult = await self._send("DELETE", "/folders/invitations/delete", json=body, **options)
        return result

    async def list_invitees(self, vfolder_id: str | None = None, **options: Unpack[CallOptions]) -> VFolderInviteeList:
        """Users a folder of yours is shared with (all your folders without ``vfolder_id``)."""
        params = {"vfolder_id": vfolder_id} if vfolder_id else None
        result: VFolderInviteeList = await self._send("GET", "/folders/_/shared", params=params, **options)
        return result

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
