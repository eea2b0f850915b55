"""GraphQL mutations the FakeManager performs on its state: resource presets, keypairs and users.

Each answers ``{ok, msg, ...}`` as the manager does; a caller without the privilege gets
``ok: false`` with the manager's "no permission" message, an unknown object ``ok: false`` with a
reason. Other mutations are answered with a GraphQL error naming them (see ``GraphQLServer``).
"""

from __future__ import annotations

import dataclasses
import secrets
import string
import uuid
from typing import Any

from ._state import Keypair
from .graphql_records import GraphQLState, keypair_record, user_records

__all__ = ["Mutations"]

_ROLES = {"superadmin": 3, "admin": 2, "user": 1, "monitor": 1}


def _new_keys() -> tuple[str, str]:
    alphabet = string.ascii_uppercase + string.digits
    access_key = "AKIA" + "".join(secrets.choice(alphabet) for _ in range(16))
    return access_key, secrets.token_urlsafe(30)[:40]


class Mutations:
    """Mixed into the root value: one method per mutation field."""

    _state: GraphQLState
    _caller: str

    def _allowed(self, role: str) -> bool:
        return _ROLES.get(self._state.keypairs[self._caller].role, 0) >= _ROLES[role]

    def _refused(self, info: Any) -> dict[str, Any]:
        return {"ok": False, "msg": f"no permission to execute {info.field_name}"}

    # -- resource presets ------------------------------------------------------------------------

    def _preset(self, name: str | None, id: str | None) -> dict[str, Any] | None:
        for preset in self._state.admin.presets:
            if preset.get("name") == name or (
                id and str(uuid.uuid5(uuid.NAMESPACE_URL, "preset:" + preset["name"])) == id
            ):
                return preset
        return None

    def create_resource_preset(self, info: Any, name: str, props: dict[str, Any]) -> dict[str, Any]:
        if not self._allowed("superadmin"):
            return self._refused(info)
        if self._preset(name, None) is not None:
            return {"ok": False, "msg": "integrity error: the resource preset already exists", "resource_preset": None}
        slots = {k: str(v) for k, v in (props.get("resource_slots") or {}).items()}
        preset = {"name": name, "resource_slots": slots, "shared_memory": props.get("shared_memory")}
        self._state.admin.presets.append(preset)
        return {"ok": True, "msg": "success", "resource_preset": preset}

    def modify_resource_preset(
        self, info: Any, props: dict[str, Any], name: str | None = None, id: str | None = None
    ) -> dict[str, Any]:
        if not self._allowed("superadmin"):
            return self._refused(info)
        preset = self._preset(name, id)
        if preset is None:
            return {"ok": False, "msg": "no such resource preset"}
        if props.get("resource_slots") is not None:
            preset["resource_slots"] = {k: str(v) for k, v in props["resource_slots"].items()}
        for key in ("name", "shared_memory"):
            if props.get(key) is not None:
                preset[key] = props[key]
        return {"ok": True, "msg": "success"}

    def delete_resource_preset(self, info: Any, name: str | None = None, id: str | None = None) -> dict[str, Any]:
        if not self._allowed("superadmin"):
            return self._refused(info)
        preset = self._preset(name, id)
        if preset is None:
            return {"ok": False, "msg": "no such resource preset"}
        self._state.admin.presets.remove(preset)
        return {"ok": True, "msg": "success"}

    # -- keypairs --------------------------------------------------------------------------------

    def create_keypair(self, info: Any, user_id: str, props: dict[str, Any]) -> dict[str, Any]:
        if not self._allowed("admin"):
            return self._refused(info)
        owner = self._state.users.get(user_id)
        if owner is None:
            return {"ok": False, "msg": f"no such user: {user_id}", "keypair": None}
        role = self._state.keypairs[owner[1]].role if owner[1] in self._state.keypairs else "user"
        if props.get("is_admin") and role == "user":
            role = "admin"
        access_key, secret_key = _new_keys()
        self._state.keypairs[access_key] = Keypair(
            access_key, secret_key, role, is_active=props.get("is_active", True) is not False,
            rate_limit=int(props.get("rate_limit") or 30000),
        )  # fmt: skip
        self._state.directory.keypair_owners[access_key] = user_id
        return {"ok": True, "msg": "success", "keypair": keypair_record(self._state, access_key)}

    def modify_keypair(self, info: Any, access_key: str, props: dict[str, Any]) -> dict[str, Any]:
        if not self._allowed("admin"):
            return self._refused(info)
        keypair = self._state.keypairs.get(access_key)
        if keypair is None:
            return {"ok": False, "msg": "no such keypair"}
        changes: dict[str, Any] = {}
        if props.get("is_active") is not None:
            changes["is_active"] = bool(props["is_active"])
        if props.get("rate_limit") is not None:
            changes["rate_limit"] = int(props["rate_limit"])
        self._state.keypairs[access_key] = dataclasses.replace(keypair, **changes)
        return {"ok": True, "msg": "success"}

    def delete_keypair(self, info: Any, access_key: str) -> dict[str, Any]:
        if not self._allowed("admin"):
            return self._refused(info)
        if self._state.keypairs.pop(access_key, None) is None:
            return {"ok": False, "msg": "no such keypair"}
        self._state.directory.keypair_owners.pop(access_key, None)
        return {"ok": True, "msg": "success"}

    # -- users -----------------------------------------------------------------------------------

    def _user(self, email: str) -> dict[str, Any] | None:
        return next((u for u in user_records(self._state) if u["email"] == email), None)

    def create_user(self, info: Any, email: str, props: dict[str, Any]) -> dict[str, Any]:
        if not self._allowed("admin"):
            return self._refused(info)
        if email in self._state.users:
            return {"ok": False, "msg": "integrity error: the user already exists", "user": None, "keypair": None}
        role = str(props.get("role") or "user").lower()
        access_key, secret_key = _new_keys()
        self._state.keypairs[access_key] = Keypair(access_key, secret_key, role if role in _ROLES else "user")
        self._state.users[email] = (str(props.get("password", "")), access_key)
        details = {k: v for k, v in props.items() if k not in ("password", "group_ids") and v is not None}
        self._state.directory.user_details[email] = {**details, "role": role}
        return {
            "ok": True,
            "msg": "success",
            "user": self._user(email),
            "keypair": keypair_record(self._state, access_key),
        }

    def modify_user(self, info: Any, email: str, props: dict[str, Any]) -> dict[str, Any]:
        if not self._allowed("admin"):
            return self._refused(info)
        if email not in self._state.users:
            return {"ok": False, "msg": "no such user", "user": None}
        access_key = self._state.users[email][1]
        if props.get("password") is not None:
            self._state.users[email] = (str(props["password"]), access_key)
        details = {k: v for k, v in props.items() if k not in ("password", "group_ids") and v is not None}
        self._state.directory.user_details.setdefault(email, {}).update(details)
        return {"ok": True, "msg": "success", "user": self._user(email)}

    def delete_user(self, info: Any, email: str) -> dict[str, Any]:
        """Deactivate the user (the manager keeps the row, status ``deleted``)."""
        if not self._allowed("admin"):
            return self._refused(info)
        if email not in self._state.users:
            return {"ok": False, "msg": "no such user"}
        self._state.directory.user_details.setdefault(email, {}).update({"is_active": False, "status": "deleted"})
        return {"ok": True, "msg": "success"}

    def purge_user(self, info: Any, email: str, props: dict[str, Any] | None = None) -> dict[str, Any]:
        if not self._allowed("superadmin"):
            return self._refused(info)
        entry = self._state.users.pop(email, None)
        if entry is None:
            return {"ok": False, "msg": "no such user"}
        for access_key in [entry[1], *(k for k, e in self._state.directory.keypair_owners.items() if e == email)]:
            self._state.keypairs.pop(access_key, None)
            self._state.directory.keypair_owners.pop(access_key, None)
        self._state.directory.user_details.pop(email, None)
        return {"ok": True, "msg": "success"}
