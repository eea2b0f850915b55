"""The answers describing a virtual folder: the listing item and the info of 26.9.6 as recorded,
and the older shape the fake answered before."""

from __future__ import annotations

from typing import Any

from ._directory import personal_project_id, user_uuid
from .fake_storage import FakeFolder

__all__ = ["describe_folder", "folder_info"]


def describe_folder(folder: FakeFolder, email: str, *, measured: bool, listing: bool = False) -> dict[str, Any]:
    """A folder as create, list (``listing``) and, before 26.9, info answer it."""
    user = user_uuid(folder.owner)
    if measured:
        group = folder.group
        if listing and group is None:  # the listing names the owner's personal project
            group = personal_project_id(folder.owner)
        return {
            "id": folder.id,
            "name": folder.name,
            "quota_scope_id": f"user:{user}",
            "host": folder.host,
            "usage_mode": folder.usage_mode,
            "created_at": folder.created_at.replace("T", " ", 1) if listing else "",
            "permission": folder.permission,
            "creator": email,
            "ownership_type": "group" if folder.group else "user",
            "user": user,
            "group": group,
            "cloneable": folder.cloneable,
            "status": folder.status,
            "is_owner": True,
            "max_size": 0,
            "user_email": "",
            "group_name": "",
            "type": "",
            "max_files": 0,
            "cur_size": sum(len(b) for b in folder.files.values()),
        }
    return {
        "id": folder.id,
        "name": folder.name,
        "quota_scope_id": f"user:{user}",
        "host": folder.host,
        "status": folder.status,
        "usage_mode": folder.usage_mode,
        "permission": folder.permission,
        "created_at": folder.created_at,
        "is_owner": True,
        "user": user,
        "group": folder.group,
        "creator": folder.owner,
        "user_email": None,
        "group_name": None,
        "ownership_type": "group" if folder.group else "user",
        "type": "group" if folder.group else "user",
        "cloneable": folder.cloneable,
        "max_files": 0,
        "max_size": 0,
        "cur_size": sum(len(b) for b in folder.files.values()),
    }


def folder_info(folder: FakeFolder, email: str) -> dict[str, Any]:
    """``GET /folders/{name}`` on 26.9.6: its own key set (``numFiles``, ``used_bytes``, ``last_used``)."""
    listed = describe_folder(folder, email, measured=True, listing=True)
    return {
        "name": folder.name,
        "id": folder.id,
        "quota_scope_id": listed["quota_scope_id"],
        "host": folder.host,
        "status": folder.status,
        "numFiles": len(folder.files),
        "used_bytes": listed["cur_size"],
        "created_at": listed["created_at"],
        "last_used": listed["created_at"],
        "user": listed["user"],
        "group": listed["group"],
        "type": "group" if folder.group else "user",
        "is_owner": True,
        "permission": folder.permission,
        "usage_mode": folder.usage_mode,
        "cloneable": folder.cloneable,
    }
