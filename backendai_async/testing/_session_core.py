"""The compute-session core: create (with the generation's validation), look up, info, destroy.

``SessionCore`` works on a ``ManagerState``; the other session routes (``fake_sessions``) build on it.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from ._http import Call, Problem, flag, pick
from ._state import ComputeSession, ManagerState, Rules
from .generations import Generation

__all__ = ["SessionCore", "session_not_found"]

_SESSION_NAME = re.compile(r"(?=.{4,64}$)\w[\w.-]*\w", re.ASCII)
_SESSION_TYPES = frozenset({"interactive", "batch", "inference", "system"})


def session_not_found(generation: Generation) -> Problem:
    """An unknown session, as the generation words it (26.9.6 measured; earlier from the contract)."""
    if generation.at_least("26.9"):
        return Problem(
            404,
            "entity-not-found",
            "No SessionRow matches the given key",
            title="Entity not found.",
            error_code="session_read_not-found",
        )
    return Problem(404, "object-not-found", title="No such session.", error_code="session_read_not-found")


_UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}


def _amount(value: Any) -> Decimal:
    """A resource amount as the manager keeps it: ``"1g"`` -> 1073741824, ``2`` -> 2."""
    text = str(value).strip().lower()
    if text and text[-1] in _UNITS:
        return Decimal(text[:-1]) * _UNITS[text[-1]]
    return Decimal(text)


def _slots_text(slots: dict[str, Decimal]) -> str:
    """The manager's text of a slot map: a Python repr with six-place decimals (measured on 26.9.6)."""
    inner = ", ".join(f"{k!r}: Decimal('{v:.6f}')" for k, v in slots.items())
    return "{" + inner + "}"


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
        #: called with each session when it becomes TERMINATED
        self.on_terminated: list[Callable[[ComputeSession], None]] = []
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def close(self) -> None:
        """Cancel the pending TERMINATING -> TERMINATED transitions (the server is going away)."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    def create(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        gen = self.state.generation
        body = self.rules.json_object(call)
        self._validate_create(call, body)
        name = str(pick(body, "name", "session_name", "clientSessionToken"))
        image = str(pick(body, "image", "lang"))
        owner = self.rules.owner(call, body.get("owner_access_key"))
        live = (s for s in self.state.sessions.values() if s.status != "TERMINATING")  # the name is free again
        existing = next((s for s in live if s.owner == owner and s.name == name), None)
        if gen.at_least("26.9") and image in self.state.unknown_images:
            existing = None  # 26.9.6 checks the image before the name
        if existing is not None:
            if existing.image != image or not flag(pick(body, "reuseIfExists", "reuse", default=True)):
                raise Problem(400, "session-already-exists", data={"existingSessionId": existing.id})
            return self._creation_response(existing, created=False, status=gen.reuse_status)
        if image in self.state.unknown_images:
            raise Problem(
                404,
                "object-not-found",
                f"Unknown image reference: {image} ({pick(body, 'architecture', 'arch', default='x86_64')})"
                if gen.at_least("26.9")
                else "Unknown image reference",
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
        if not created and self.state.generation.at_least("26.9"):  # measured: the reuse answer has both
            body = {**body, "service_ports": []}
            body["servicePorts"] = body.pop("servicePorts")
            body["created"] = body.pop("created")
        return web.json_response(body, status=status)

    def lookup(self, owner: str, ref: str) -> ComputeSession:
        """A live session of ``owner`` by id or name."""
        for session in self.state.sessions.values():
            if session.owner == owner and ref in (session.id, session.name):
                return session
        raise session_not_found(self.state.generation)

    def info(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        assert call.access_key is not None
        s = self.lookup(call.access_key, params["name"])
        if self.state.generation.at_least("26.9"):
            return web.json_response(self._info_26_9(s))
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
            "statusInfo": s.status_info,
            "age": int((self.rules.now() - s.created_at).total_seconds() * 1000),
            "creationTime": s.created_at.isoformat(),
            "terminationTime": None,
            "numQueriesExecuted": 0,
        }
        return web.json_response(info)

    def _info_26_9(self, s: ComputeSession) -> dict[str, Any]:
        """``get_info`` with the keys, order and JSON types measured on 26.9.6: slot maps and options
        are the manager's Python text, ``statusInfo`` is ``"None"`` before anything happened."""
        try:
            requested = {k: _amount(v) for k, v in s.config.get("resources", {}).items()}
        except (InvalidOperation, ValueError):
            requested = {}
        requested = requested or {"cpu": Decimal(1), "mem": Decimal(536870912)}
        text = _slots_text(requested)
        return {
            "age": int((self.rules.now() - s.created_at).total_seconds() * 1000),
            "domainName": s.domain,
            "groupId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"group:{s.group}")),
            "userId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"user:{s.owner}")),
            "lang": s.image,
            "image": s.image,
            "architecture": s.architecture,
            "registry": s.image.split("/", 1)[0] if "/" in s.image else "cr.backend.ai",
            "tag": s.tag or "",
            "containerId": None,
            "occupiedSlots": text if s.status in ("RUNNING", "TERMINATING") else "{}",
            "occupyingSlots": text if s.status in ("RUNNING", "TERMINATING") else "{}",
            "requestedSlots": text,
            "occupiedShares": "{}",
            "environ": repr(s.config.get("environ", {})),
            "resourceOpts": repr(s.config.get("resource_opts") or {"main1": {"shmem": 67108864}}),
            "status": s.status,
            "statusInfo": str(s.status_info),
            "statusData": None,
            "creationTime": s.created_at.isoformat(),
            "terminationTime": None,
            "numQueriesExecuted": 0,
            "lastStat": None,
            "idleChecks": {
                "session_lifetime": {"remaining": None, "remaining_time_type": "expire_after", "extra": None}
            },
        }

    def destroy(self, call: Call, params: dict[str, str]) -> web.StreamResponse:
        """The session becomes TERMINATING at once and TERMINATED after ``termination_delay``."""
        self.rules.check_keys(call.query, ("forced", "recursive", "owner_access_key"))
        owner = self.rules.owner(call, call.query.get("owner_access_key"))
        session = self.lookup(owner, params["name"])
        if session.status != "TERMINATING":
            session.status, session.status_info = "TERMINATING", "user-requested"
            delay = self.state.termination_delay
            if delay > 0:
                loop = asyncio.get_running_loop()
                self._timers[session.id] = loop.call_later(delay, self.terminate, session.id)
            else:
                self.terminate(session.id)
        stats = {"status": "terminated"} if self.state.generation.at_least("26.9") else None
        return web.json_response({"stats": stats})

    def terminate(self, session_id: str) -> None:
        """Finish a session now: TERMINATED, moved from ``sessions`` to ``terminated``."""
        self._timers.pop(session_id, None)
        session = self.state.sessions.pop(session_id, None)
        if session is None:
            return
        session.status, session.terminated_at = "TERMINATED", self.rules.now()
        self.state.terminated[session.id] = session
        for callback in self.on_terminated:
            callback(session)
