"""The compute-session core: create (with the generation's validation), look up, info, destroy.

``SessionCore`` works on a ``ManagerState``; the other session routes (``fake_sessions``) build on it.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from aiohttp import web

from ._http import Call, Problem, flag, pick
from ._state import ComputeSession, ManagerState, Rules

__all__ = ["SessionCore", "session_not_found"]

_SESSION_NAME = re.compile(r"(?=.{4,64}$)\w[\w.-]*\w", re.ASCII)
_SESSION_TYPES = frozenset({"interactive", "batch", "inference", "system"})


def session_not_found() -> Problem:
    return Problem(404, "object-not-found", title="No such session.", error_code="session_read_not-found")


_CREATE_KEYS: dict[str, str] = {
    **dict.fromkeys(("clientSessionToken", "lang", "config", "tag"), "18.12"),
    **dict.fromkeys(("image", "owner_access_key"), "19.03"),
    **dict.fromkeys(
        ("type", "sessionType", "group", "groupName", "group_name", "domain", "domainName", "domain_name"),
        "19.09",
    ),
    **dict.fromkeys(("enqueueOnly", "maxWaitSeconds", "reuseIfExists", "startupCommand"), "19.09"),
    **dict.fromkeys(("name", "session_name", "bootstrap_script", "bootstrapScript", "starts_at", "startsAt"), "20.03"),
    **dict.fromkeys(("cluster_size", "clusterSize", "cluster_mode", "clusterMode"), "20.09"),
    **dict.fromkeys(("architecture", "arch", "dependencies", "callback_url", "callbackUrl", "callbackURL"), "22.03"),
    "priority": "24.09",
    **dict.fromkeys(("batch_timeout", "batchTimeout"), "24.12"),
}
# The creation ``config`` schema of 24.09+ for API majors 6 and up: key -> (release, API major).
_CONFIG_KEYS: dict[str, tuple[str, int]] = {
    **dict.fromkeys(
        ("mounts", "mount_map", "mountMap", "mount_options", "mountOptions", "environ", "resources"),
        ("24.09", 6),
    ),
    **dict.fromkeys(
        ("scaling_group", "scalingGroup", "resource_opts", "resourceOpts", "preopen_ports", "preopenPorts"),
        ("24.09", 6),
    ),
    **dict.fromkeys(("agent_list", "agentList"), ("24.09", 6)),
    **dict.fromkeys(("attach_network", "attachNetwork"), ("24.12", 8)),
    **dict.fromkeys(("mount_ids", "mount_id_map", "mountIdMap"), ("25.12", 9)),
}


class SessionCore:
    """Create, look up, describe and destroy sessions of one fake."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.state: ManagerState = rules.state

    def create(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        gen = self.state.generation
        body = self.rules.json_object(call)
        self._validate_create(call, body)
        name = str(pick(body, "name", "session_name", "clientSessionToken"))
        image = str(pick(body, "image", "lang"))
        owner = self.rules.owner(call, body.get("owner_access_key"))
        existing = next((s for s in self.state.sessions.values() if s.owner == owner and s.name == name), None)
        if existing is not None:
            if existing.image != image or not flag(pick(body, "reuseIfExists", "reuse", default=True)):
                raise Problem(400, "session-already-exists", data={"existingSessionId": existing.id})
            return self._creation_response(existing, created=False, status=gen.reuse_status)
        if image in self.state.unknown_images:
            raise Problem(
                404,
                "object-not-found",
                "Unknown image reference",
                title="No such environment image.",
                error_code="image_read_not-found",
            )
        session = ComputeSession(
            id=str(uuid.uuid4()),
            name=name,
            owner=owner,
            image=image,
            status="PENDING" if flag(pick(body, "enqueueOnly", "enqueue_only")) else "RUNNING",
            created_at=self.rules.now(),
            type=pick(body, "type", "sessionType", "session_type", default="interactive"),
            domain=pick(body, "domain", "domainName", "domain_name", default="default"),
            group=pick(body, "group", "groupName", "group_name", default="default"),
            architecture=pick(body, "architecture", "arch", default="x86_64"),
            tag=body.get("tag"),
            config=dict(body.get("config") or {}),
        )
        self.state.sessions[session.id] = session
        return self._creation_response(session, created=True, status=201)

    def _validate_create(self, call: Call, body: dict[str, Any]) -> None:
        gen = self.state.generation
        known = [key for key, since in _CREATE_KEYS.items() if gen.at_least(since)]
        self.rules.check_keys(body, known)
        errors: dict[str, Any] = {}
        name = pick(body, "name", "session_name", "clientSessionToken")
        if not isinstance(name, str):
            errors["name"] = "is required"
        elif gen.rejects_unknown_keys and not _SESSION_NAME.fullmatch(name):
            errors["name"] = "does not match the session name pattern"
        if not isinstance(pick(body, "image", "lang"), str):
            errors["image"] = "is required"
        session_type = pick(body, "type", "sessionType", "session_type", default="interactive")
        if session_type not in _SESSION_TYPES:
            errors["type"] = f"must be one of {sorted(_SESSION_TYPES)}"
        elif session_type == "batch" and not pick(body, "startupCommand", "startup_command"):
            errors["startupCommand"] = "is required for batch sessions"
        config = body.get("config", {})
        if not isinstance(config, dict):
            errors["config"] = "must be an object"
        elif gen.rejects_unknown_keys and gen.at_least("24.09") and call.api_version.major >= 6:
            major = call.api_version.major
            allowed = {k for k, (since, api) in _CONFIG_KEYS.items() if gen.at_least(since) and major >= api}
            unknown = {key: f"{key} is not allowed key" for key in config if key not in allowed}
            if unknown:
                errors["config"] = unknown
        if errors:
            raise self.rules.invalid(errors)

    def _creation_response(self, session: ComputeSession, *, created: bool, status: int) -> web.Response:
        kernel = self.state.generation.session_prefix == "/kernel"
        body = {
            "kernelId" if kernel else "sessionId": session.name if kernel else session.id,
            "sessionName": session.name,
            "status": session.status,
            "servicePorts": [],
            "created": created,
        }
        return web.json_response(body, status=status)

    def lookup(self, owner: str, ref: str) -> ComputeSession:
        """A live session of ``owner`` by id or name."""
        for session in self.state.sessions.values():
            if session.owner == owner and ref in (session.id, session.name):
                return session
        raise session_not_found()

    def info(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        assert call.access_key is not None
        s = self.lookup(call.access_key, params["name"])
        slots = json.dumps({k: str(v) for k, v in s.config.get("resources", {}).items()})
        info = {
            "domainName": s.domain,
            "groupId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"group:{s.group}")),
            "userId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"user:{s.owner}")),
            "lang": s.image,
            "image": s.image,
            "architecture": s.architecture,
            "registry": s.image.split("/", 1)[0] if "/" in s.image else "cr.backend.ai",
            "tag": s.tag,
            "containerId": uuid.uuid5(uuid.NAMESPACE_URL, s.id).hex,
            "occupiedSlots": slots if s.status == "RUNNING" else "{}",
            "requestedSlots": slots,
            "environ": json.dumps(s.config.get("environ", {})),
            "resourceOpts": json.dumps(s.config.get("resource_opts", {})),
            "status": s.status,
            "statusInfo": None,
            "age": int((self.rules.now() - s.created_at).total_seconds() * 1000),
            "creationTime": s.created_at.isoformat(),
            "terminationTime": None,
            "numQueriesExecuted": 0,
        }
        return web.json_response(info)

    def destroy(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        self.rules.check_keys(call.query, ("forced", "recursive", "owner_access_key"))
        owner = self.rules.owner(call, call.query.get("owner_access_key"))
        session = self.lookup(owner, params["name"])
        del self.state.sessions[session.id]
        return web.json_response({"stats": None})
