"""The records the GraphQL resolvers return for the fake's live state: keypairs, users, compute
sessions (with their one kernel as ``containers``) and virtual folders, as plain dicts with every
field any measured schema asks for."""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from ._directory import DEFAULT_DOMAIN, DEFAULT_GROUP, Directory, Record, group_id, personal_project_id, user_uuid
from ._state import ComputeSession, ManagerState
from .fake_storage import FakeFolder

__all__ = ["GraphQLState", "email_of", "folder_record", "keypair_record", "session_record", "user_records"]


class _Folders(Protocol):
    @property
    def folders(self) -> dict[str, FakeFolder]: ...


class _Presets(Protocol):
    @property
    def presets(self) -> list[dict[str, Any]]: ...


class GraphQLState(ManagerState, Protocol):
    """What the resolvers read (``FakeManager`` provides it)."""

    @property
    def directory(self) -> Directory: ...

    @property
    def vfolders(self) -> _Folders: ...

    @property
    def admin(self) -> _Presets: ...


def email_of(state: GraphQLState, access_key: str) -> str:
    """The e-mail of the user owning ``access_key`` (a made-up one for a keypair without a user)."""
    if access_key in state.directory.keypair_owners:
        return state.directory.keypair_owners[access_key]
    for email, (_, key) in state.users.items():
        if key == access_key:
            return email
    return f"{access_key.lower()}@fake.invalid"


def keypair_record(state: GraphQLState, access_key: str) -> Record:
    kp = state.keypairs[access_key]
    sessions = [s for s in state.sessions.values() if s.owner == access_key]
    return {
        "id": access_key,
        "user_id": email_of(state, access_key),
        "full_name": None,
        "access_key": access_key,
        "secret_key": kp.secret_key,
        "is_active": kp.is_active,
        "is_admin": kp.role in ("superadmin", "admin"),
        "is_default": True,
        "resource_policy": "default",
        "created_at": "2026-01-01T00:00:00+00:00",
        "last_used": state.clock().isoformat(),  # a string once the key was used, as here
        "rate_limit": kp.rate_limit,
        "num_queries": 0,
        "rolling_count": 0,
        "user": user_uuid(access_key),
        "projects": [DEFAULT_GROUP],
        "ssh_public_key": None,
        "concurrency_used": sum(1 for s in sessions if s.status not in ("TERMINATED", "CANCELLED")),
        "concurrency_limit": 30,
        # nested lists with arguments: graphql-core calls them with (info, **arguments)
        "compute_sessions": lambda info, status=None, **_: [
            session_record(state, s)
            for s in (*state.sessions.values(), *state.terminated.values())
            if s.owner == access_key and (status is None or s.status == status)
        ],
        "vfolders": lambda info, **_: [
            folder_record(state, f) for f in state.vfolders.folders.values() if f.owner == access_key
        ],
    }


def user_records(state: GraphQLState) -> list[Record]:
    users: list[Record] = []
    for email, (_, access_key) in state.users.items():
        if access_key not in state.keypairs:
            continue
        role = state.keypairs[access_key].role
        record: Record = {
            "id": user_uuid(access_key),
            "uuid": user_uuid(access_key),
            "username": email.split("@", 1)[0],
            "email": email,
            "need_password_change": False,
            "full_name": "",
            "description": "",
            "is_active": state.keypairs[access_key].is_active,
            "status": "active" if state.keypairs[access_key].is_active else "inactive",
            "status_info": "admin-requested",  # a string on 26.9.6 (how the users were made)
            "created_at": "2026-01-01T00:00:00+00:00",
            "modified_at": "2026-01-01T00:00:00+00:00",
            "domain_name": DEFAULT_DOMAIN,
            "role": role,
            "resource_policy": "default",
            "allowed_client_ip": None,
            "totp_activated": False,
            "totp_activated_at": None,
            "sudo_session_enabled": False,
            "main_access_key": access_key,
            "container_uid": None,
            "container_main_gid": None,
            "container_gids": None,
            "groups": [{"id": group_id(DEFAULT_GROUP), "name": DEFAULT_GROUP}],
        }
        record.update(state.directory.user_details.get(email, {}))
        users.append(record)
    return users


def session_record(state: GraphQLState, s: ComputeSession) -> Record:
    kernel_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "kernel:" + s.id))
    slots = {k: str(v) for k, v in s.config.get("resources", {}).items()}
    occupied = slots if s.status == "RUNNING" else {}
    registry = s.image.split("/", 1)[0] if "/" in s.image else "cr.backend.ai"
    container = {
        "id": kernel_id,
        "kernel_id": kernel_id,
        "idx": 0,
        "role": "main",
        "hostname": "main1",
        "cluster_idx": 1,
        "local_rank": 0,
        "cluster_role": "main",
        "cluster_hostname": "main1",
        "session_id": s.id,
        "image": s.image,
        "architecture": s.architecture,
        "registry": registry,
        "status": s.status,
        "status_changed": (s.terminated_at or s.created_at).isoformat(),
        "status_info": s.status_info,
        "status_data": {},
        "created_at": s.created_at.isoformat(),
        "terminated_at": s.terminated_at.isoformat() if s.terminated_at else None,
        "agent": "i-fake-agent",
        "agent_addr": "tcp://127.0.0.1:6001",
        "container_id": uuid.uuid5(uuid.NAMESPACE_URL, s.id).hex,
        "resource_opts": {},
        "occupied_slots": occupied,
        "live_stat": None,
        "last_stat": None,
        "preopen_ports": [],
    }
    return {
        **container,
        "id": s.id,
        "session_id": s.id,
        "sess_id": s.name,
        "sess_type": s.type,
        "main_kernel_id": kernel_id,
        "main_kernel_role": "main",
        "tag": s.tag,
        "name": s.name,
        "type": s.type,
        "priority": 10,
        "cluster_template": None,
        "cluster_mode": "single-node",
        "cluster_size": 1,
        "domain_name": s.domain,
        "group_name": s.group,
        "group_id": group_id(s.group),
        "user_email": email_of(state, s.owner),
        "full_name": "",
        "user_id": user_uuid(s.owner),
        "user_uuid": user_uuid(s.owner),
        "access_key": s.owner,
        "created_user_email": email_of(state, s.owner),
        "created_user_id": user_uuid(s.owner),
        "status_history": {"PENDING": s.created_at.isoformat()},
        "starts_at": None,
        "scheduled_at": None,
        "startup_command": None,
        "result": "UNDEFINED",
        "commit_status": None,
        "abusing_reports": [],
        "idle_checks": {},
        "agent_ids": ["i-fake-agent"],
        "agents": ["i-fake-agent"],
        "scaling_group": "default",
        "service_ports": [],
        "mounts": [],
        "vfolder_mounts": [],
        "occupying_slots": occupied,
        "requested_slots": slots,
        "num_queries": 0,
        "lang": s.image,
        "containers": [container],
        "workers": [],
        "dependencies": [],
        "inference_metrics": None,
    }


def folder_record(state: GraphQLState, f: FakeFolder) -> Record:
    return {
        "id": f.id,
        "host": f.host,
        "quota_scope_id": f"user:{user_uuid(f.owner)}",
        "name": f.name,
        "user": None if f.group else user_uuid(f.owner),
        "user_email": None if f.group else email_of(state, f.owner),
        # 26.9.6 lists a user's own folder under the user's personal project
        "group": f.group or (personal_project_id(f.owner) if state.generation.at_least("26.9") else None),
        "group_name": None,
        "creator": email_of(state, f.owner),
        "domain_name": DEFAULT_DOMAIN,
        "unmanaged_path": None,
        "usage_mode": f.usage_mode,
        "permission": f.permission,
        "ownership_type": "group" if f.group else "user",
        "max_files": 0,
        "max_size": 0,
        "created_at": f.created_at,
        "last_used": None,
        "num_files": len(f.files),
        "cur_size": sum(len(b) for b in f.files.values()),
        "cloneable": f.cloneable,
        "status": f.status,
    }
