"""Compute-session lifecycle calls of the JavaScript ``Client``: create (also from a template), info,
destroy, restart, rename, logs, task logs, direct access, app-service shutdown, status history and
dependency graph. (Commit and app-service start live on ``client.compute_session``, as in JS.)"""

from __future__ import annotations

import json as jsonlib
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from ..errors import InvalidArgumentTypeError, UsageError
from ..versions import feature_enabled, unsupported
from .base import Resource
from .pipeline import segment

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions
    from ..results import (
        CommitStatus,
        DependencyGraph,
        DestroyResult,
        DirectAccessInfo,
        SessionCreateResult,
        SessionInfo,
        SessionLogs,
    )

__all__ = [
    "CREATE_TIMEOUT",
    "DESTROY_TIMEOUT",
    "SessionLifecycle",
    "SessionResource",
    "build_create_body",
    "generate_session_name",
    "session_prefix",
]

CREATE_TIMEOUT = 300.0  # creation waits for the scheduler
DESTROY_TIMEOUT = 15.0  # the JS client's value

# JS `resources` keys that name a resource slot, and the slot they become
_SLOTS = {
    "cpu": "cpu",
    "mem": "mem",
    "gpu": "cuda.device",
    "cuda.device": "cuda.device",
    "vgpu": "cuda.shares",
    "fgpu": "cuda.shares",
    "cuda.shares": "cuda.shares",
    "rocm": "rocm.device",
    "tpu": "tpu.device",
    "ipu": "ipu.device",
    "atom": "atom.device",
    "atom-plus": "atom-plus.device",
    "gaudi2": "gaudi2.device",
    "warboy": "warboy.device",
    "hyperaccel-lpu": "hyperaccel-lpu.device",
}
# top-level body keys: JS spelling -> (wire key, feature gate or None)
_TOP_LEVEL: dict[str, tuple[str, str | None]] = {
    "group_name": ("group_name", "group"),
    "domain": ("domain", "group"),
    "type": ("type", "session-create-options"),
    "startsAt": ("starts_at", "bootstrap-script"),
    "starts_at": ("starts_at", "bootstrap-script"),
    "enqueueOnly": ("enqueueOnly", "session-create-options"),
    "maxWaitSeconds": ("maxWaitSeconds", "session-create-options"),
    "reuseIfExists": ("reuseIfExists", "session-create-options"),
    "startupCommand": ("startupCommand", "session-create-options"),
    "bootstrapScript": ("bootstrap_script", "bootstrap-script"),
    "bootstrap_script": ("bootstrap_script", "bootstrap-script"),
    "owner_access_key": ("owner_access_key", "owner-access-key"),
    "architecture": ("architecture", "architecture"),
    "dependencies": ("dependencies", "session-dependencies"),
    "callback_url": ("callback_url", "session-dependencies"),
    "callbackUrl": ("callback_url", "session-dependencies"),
    "priority": ("priority", "session-priority"),
    "batch_timeout": ("batch_timeout", "batch-timeout"),
    "batchTimeout": ("batch_timeout", "batch-timeout"),
    "tag": ("tag", None),
}
# keys under `config`: JS spelling -> (wire key, feature gate or None)
_CONFIG: dict[str, tuple[str, str | None]] = {
    "mounts": ("mounts", None),
    "mount_map": ("mount_map", None),
    "mount_options": ("mount_options", "multi-container"),
    "scaling_group": ("scaling_group", None),
    "env": ("environ", None),
    "environ": ("environ", None),
    "preopen_ports": ("preopen_ports", "multi-container"),
    "agent_list": ("agent_list", "multi-container"),
    "attach_network": ("attach_network", "attach-network"),
    "mount_ids": ("mount_ids", "attach-network"),
    "mount_id_map": ("mount_id_map", "attach-network"),
}
_CLUSTER = {"cluster_size": "clusterSize", "cluster_mode": "clusterMode"}


def session_prefix(api_version: str) -> str:
    """``/session`` from API v5, ``/kernel`` before."""
    return "/session" if feature_enabled("session-prefix", api_version, None) else "/kernel"


def build_create_body(
    image: str,
    name: str,
    resources: Mapping[str, Any] | None,
    api_version: str,
    manager_version: str | None = None,
) -> dict[str, Any]:
    """The creation body for ``api_version`` from the JS ``createIfNotExists`` arguments.

    ``resources`` mixes slots (``cpu``, ``mem``, ``gpu`` → ``cuda.device``, ``fgpu`` →
    ``cuda.shares``, …), top-level options (``enqueueOnly``, ``group_name``, ``cluster_size``,
    ``dependencies``, ``priority``, …) and config entries (``mounts``, ``env``, ``scaling_group``,
    ``shmem``, …). Unknown keys and options the version does not know raise ``ValueError`` before
    anything is sent.
    """
    body: dict[str, Any] = {
        ("image" if feature_enabled("image-key", api_version, None) else "lang"): image,
        _name_key(api_version): name,
    }
    body.update(_creation_options(resources, api_version, manager_version))
    return body


def _name_key(api_version: str) -> str:
    return "name" if feature_enabled("session-name-key", api_version, None) else "clientSessionToken"


def _creation_options(
    resources: Mapping[str, Any] | None, api_version: str, manager_version: str | None
) -> dict[str, Any]:
    """Top-level options and ``config`` from the JS ``resources`` mapping."""

    def gate(feature: str | None, key: str) -> None:
        if feature is not None and not feature_enabled(feature, api_version, manager_version):
            raise unsupported(feature, api_version, manager_version, repr(key))

    body: dict[str, Any] = {}
    slots: dict[str, Any] = {}
    config: dict[str, Any] = {}
    for key, value in (resources or {}).items():
        if value is None:
            continue
        if key in _SLOTS:
            slot = _SLOTS[key]
            if slot == "cuda.device":
                value = int(value)
            elif slot == "cuda.shares":
                value = f"{float(value):.2f}"
            slots[slot] = value
        elif key in _TOP_LEVEL:
            wire, feature = _TOP_LEVEL[key]
            gate(feature, key)
            body[wire] = value
        elif key in _CONFIG:
            wire, feature = _CONFIG[key]
            gate(feature, key)
            config[wire] = value
        elif key == "shmem":
            config["resource_opts"] = {"shmem": value}
        elif key in _CLUSTER:
            if feature_enabled("cluster-top-level", api_version, None):
                body[key] = value
            else:
                config[_CLUSTER[key]] = value
        else:
            raise UsageError(f"unknown key {key!r} in resources")
    if slots:
        config["resources"] = slots
    if config:
        body["config"] = config
    return body


class SessionResource(Resource):
    """A part of ``client.compute_session``: calls on compute sessions, by name or id."""

    async def _prefix(self, **options: Unpack[CallOptions]) -> str:
        """``/session`` (``/kernel`` before API v5), after negotiating (once: every call asks)."""
        return session_prefix(self._pipeline.api_version or await self._pipeline.negotiate(**options))

    def _manager_version(self) -> str | None:
        info = self._pipeline.server_info
        return info.manager_version if info else None


class SessionLifecycle(SessionResource):
    """Create (also from a template), inspect, restart, rename, destroy; app services and commits."""

    async def create_if_not_exists(
        self,
        image: str,
        name: str | None = None,
        resources: Mapping[str, Any] | None = None,
        **options: Unpack[CallOptions],
    ) -> SessionCreateResult:
        """Create the session ``name`` from ``image``, or return it if it already runs.

        Returns the server's JSON; ``created`` says whether the session is new. The default
        deadline is ``CREATE_TIMEOUT`` (the server answers once the session has started). A live
        session of that name with another image (or ``reuseIfExists: False``) raises
        ``SessionAlreadyExistsError`` carrying ``existing_session_id``.
        """
        version = await self._pipeline.negotiate(**options)
        body = build_create_body(
            image, segment(name or generate_session_name()), resources, version, self._manager_version()
        )
        response = await self._pipeline.send(
            "POST",
            "/session" if feature_enabled("session-prefix", version, None) else "/kernel/create",
            json=body,
            default_timeout=CREATE_TIMEOUT,
            **options,
            retry_safe=body.get("reuseIfExists") is not False,  # get-or-create by name repeats safely
            full_response=True,
        )
        return _with_created(response.status, response.body)

    async def create_session_from_template(
        self,
        template_id: str,
        image: str | None = None,
        session_name: str | None = None,
        resources: Mapping[str, Any] | None = None,
        **options: Unpack[CallOptions],
    ) -> SessionCreateResult:
        """Create a session from a session template; ``image`` and ``resources`` override it."""
        version = await self._pipeline.negotiate(**options)
        body: dict[str, Any] = {"template_id": template_id, _name_key(version): session_name or generate_session_name()}
        if image is not None:
            body["image" if feature_enabled("image-key", version, None) else "lang"] = image
        body.update(_creation_options(resources, version, self._manager_version()))
        response = await self._pipeline.send(
            "POST",
            f"{session_prefix(version)}/_/create-from-template",
            json=body,
            default_timeout=CREATE_TIMEOUT,
            **options,
            full_response=True,
        )
        return _with_created(response.status, response.body)

    async def get_info(
        self,
        name: str,
        owner_key: str | None = None,
        **options: Unpack[CallOptions],
    ) -> SessionInfo:
        """The session's information (main kernel)."""
        result: SessionInfo = await self._pipeline.send(
            "GET",
            f"{await self._prefix(**options)}/{segment(name)}",
            params=_owner_params(owner_key),
            **options,
        )
        return result

    async def destroy(
        self,
        name: str,
        owner_key: str | None = None,
        forced: bool = False,
        *,
        recursive: bool = False,
        **options: Unpack[CallOptions],
    ) -> DestroyResult | list[DestroyResult]:
        """Terminate the session; ``forced`` skips the graceful shutdown, ``recursive`` also
        destroys the sessions depending on it (then the answer is a list, one item a session).
        Default deadline 15 s."""
        params: dict[str, str] = {}
        params.update(_owner_params(owner_key))
        if forced:
            params["forced"] = "true"
        if recursive:
            params["recursive"] = "true"
        result: DestroyResult | list[DestroyResult] = await self._pipeline.send(
            "DELETE",
            f"{await self._prefix(**options)}/{segment(name)}",
            params=params,
            default_timeout=DESTROY_TIMEOUT,
            **options,
        )
        return result

    async def restart(
        self,
        name: str,
        owner_key: str | None = None,
        **options: Unpack[CallOptions],
    ) -> None:
        """Restart the session's kernels. Managers 26.7+ dropped this: ``UnsupportedOperationError``."""
        await self._pipeline.send(
            "PATCH",
            f"{await self._prefix(**options)}/{segment(name)}",
            params=_owner_params(owner_key),
            **options,
        )

    async def rename(self, name: str, new_name: str, **options: Unpack[CallOptions]) -> None:
        """Rename a running session (``name`` sent in both the query and the body, §4.0)."""
        await self._pipeline.send(
            "POST",
            f"{await self._prefix(**options)}/{segment(name)}/rename",
            params={"name": segment(new_name)},
            json={"name": new_name},
            **options,
        )

    async def get_logs(
        self,
        name: str,
        owner_key: str | None = None,
        kernel_id: str | None = None,
        **options: Unpack[CallOptions],
    ) -> SessionLogs:
        """The container logs ``{"result": {"logs": <text>}}`` of the main kernel, or of
        ``kernel_id`` (managers 24.03.7+; ``UnsupportedFeatureError`` on older ones)."""
        prefix = await self._prefix(**options)
        params: dict[str, str] = {}
        params.update(_owner_params(owner_key))
        if kernel_id:
            if not self._has("per-kernel-logs"):
                raise self._unsupported("per-kernel-logs", "kernel_id")
            params["kernel_id"] = kernel_id
        result: SessionLogs = await self._pipeline.send(
            "GET", f"{prefix}/{segment(name)}/logs", params=params, **options
        )
        return result

    async def get_task_logs(self, kernel_id: str, **options: Unpack[CallOptions]) -> str:
        """A batch task's log file, by the kernel id of the task (sent as ``task_id``, the one key
        19.09, 22.09 and 26.x all read)."""
        result: str = await self._pipeline.send(
            "GET",
            f"{await self._prefix(**options)}/_/logs",
            params={"task_id": kernel_id},
            **options,
            parse="text",
        )
        return result

    async def get_direct_access_info(self, name: str, **options: Unpack[CallOptions]) -> DirectAccessInfo:
        """SSH access of a system session (``{}`` for other sessions)."""
        result: DirectAccessInfo = await self._pipeline.send(
            "GET",
            f"{await self._prefix(**options)}/{segment(name)}/direct-access-info",
            **options,
        )
        return result

    async def shutdown_service(self, name: str, service_name: str, **options: Unpack[CallOptions]) -> None:
        """Stop an app service (``service_name`` in both the query and the body)."""
        await self._pipeline.send(
            "POST",
            f"{await self._prefix(**options)}/{segment(name)}/shutdown-service",
            params={"service_name": service_name},
            json={"service_name": service_name},
            **options,
        )

    async def get_status_history(self, name: str, **options: Unpack[CallOptions]) -> dict[str, str]:
        """The session's status transitions (managers 25.12+; the ``result`` wrapper of 25.12 to 26.2 is
        removed). ``UnsupportedFeatureError`` on older managers."""
        prefix = await self._prefix(**options)
        if not self._has("session-status-history"):
            raise self._unsupported("session-status-history", "status history")
        result = await self._pipeline.send("GET", f"{prefix}/{segment(name)}/status-history", **options)
        if isinstance(result, dict) and result.keys() == {"result"}:
            result = result["result"]
        history: dict[str, str] = result
        return history

    async def get_dependency_graph(self, name: str, **options: Unpack[CallOptions]) -> DependencyGraph:
        """The tree of sessions this one depends on (API v6.20220315+)."""
        prefix = await self._prefix(**options)
        if not self._has("session-dependencies"):
            raise self._unsupported("session-dependencies", "the dependency graph")
        result: DependencyGraph = await self._pipeline.send(
            "GET", f"{prefix}/{segment(name)}/dependency-graph", **options
        )
        return result

    async def start_service(
        self,
        session: str,
        app: str,
        port: int | None = None,
        envs: Mapping[str, str] | None = None,
        args: Mapping[str, Any] | None = None,
        *,
        login_session_token: str | None = None,
        **options: Unpack[CallOptions],
    ) -> dict[str, Any]:
        """Start an in-container app behind the app proxy: ``{"token", "wsproxy_addr"}``."""
        body: dict[str, Any] = {"app": app}
        if port is not None:
            body["port"] = port
        if envs is not None:
            body["envs"] = jsonlib.dumps(dict(envs))
        if args is not None:
            body["arguments"] = jsonlib.dumps(dict(args))
        if login_session_token is not None:
            body["login_session_token"] = login_session_token
        return await self._on_session("POST", session, "/start-service", json=body, **options)

    async def commit_session(
        self,
        session: str,
        filename: str | None = None,
        **options: Unpack[CallOptions],
    ) -> dict[str, Any]:
        """Commit the session's container to an image file (a background task on the agent)."""
        params = {"filename": filename} if filename else None
        return await self._on_session("POST", session, "/commit", params=params, **options)

    async def get_commit_session_status(self, session: str, **options: Unpack[CallOptions]) -> CommitStatus:
        """``{"status": "ready" | "ongoing" | …, "kernel": <id>}`` of the latest commit."""
        return cast("CommitStatus", await self._on_session("GET", session, "/commit", **options))

    async def convert_session_to_image(
        self,
        session: str,
        new_image_name: str,
        **options: Unpack[CallOptions],
    ) -> dict[str, Any]:
        """Build an image from the session: ``{"task_id"}`` (follow it with
        ``client.background_task_events``)."""
        body = {"image_name": new_image_name}
        return await self._on_session("POST", session, "/imagify", json=body, **options)

    async def _on_session(
        self,
        method: str,
        session: str,
        suffix: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        **options: Unpack[CallOptions],
    ) -> dict[str, Any]:
        result = await self._pipeline.send(
            method,
            f"{await self._prefix(**options)}/{segment(session)}{suffix}",
            params=params,
            json=json,
            **options,
        )
        return result if isinstance(result, dict) else {}


def _with_created(status: int, body: Any) -> SessionCreateResult:
    result: SessionCreateResult = cast("SessionCreateResult", body) if isinstance(body, dict) else {}
    result.setdefault("created", status == 201)  # servers before `created`: 201 new, 200 reused
    return result


def generate_session_name() -> str:
    """A random session name, like the JS client's ``generateSessionId``."""
    return f"{secrets.token_hex(4)}-pySDK"


def _owner_params(owner_key: str | None) -> dict[str, str]:
    """``owner_access_key`` for an admin acting on another keypair's session."""
    if owner_key is not None and not isinstance(owner_key, str):  # e.g. destroy(name, True)
        raise InvalidArgumentTypeError(
            f"owner_key must be an access key or None, not {owner_key!r} (forced= is a keyword)"
        )
    return {"owner_access_key": owner_key} if owner_key else {}
