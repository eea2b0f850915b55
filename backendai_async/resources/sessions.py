"""Compute-session lifecycle calls of the JavaScript ``Client``: create, info, destroy."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from ..abort import AbortSignal
from ..versions import feature_enabled
from .pipeline import Pipeline, segment

__all__ = ["CREATE_TIMEOUT", "DESTROY_TIMEOUT", "SessionMethods", "build_create_body", "session_prefix"]

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
    "tag": ("tag", None),
}
# keys under `config`: JS spelling -> wire key
_CONFIG = {
    "mounts": "mounts",
    "mount_map": "mount_map",
    "scaling_group": "scaling_group",
    "env": "environ",
    "environ": "environ",
    "preopen_ports": "preopen_ports",
}
_CLUSTER = {"cluster_size": "clusterSize", "cluster_mode": "clusterMode"}


def session_prefix(api_version: str) -> str:
    """``/session`` from API v5, ``/kernel`` before."""
    return "/session" if feature_enabled("session-prefix", api_version, None) else "/kernel"


def build_create_body(image: str, name: str, resources: Mapping[str, Any] | None, api_version: str) -> dict[str, Any]:
    """The creation body for ``api_version`` from the JS ``createIfNotExists`` arguments.

    ``resources`` mixes slots (``cpu``, ``mem``, ``gpu`` → ``cuda.device``, ``fgpu`` →
    ``cuda.shares``, …), top-level options (``enqueueOnly``, ``group_name``, ``cluster_size``, …) and
    config entries (``mounts``, ``env``, ``scaling_group``, ``shmem``, …). Unknown keys and options
    the version does not know raise ``ValueError`` before anything is sent.
    """

    def gate(feature: str | None, key: str) -> None:
        if feature is not None and not feature_enabled(feature, api_version, None):
            raise ValueError(f"{key!r} is not supported by API {api_version}")

    body: dict[str, Any] = {
        ("image" if feature_enabled("image-key", api_version, None) else "lang"): image,
        ("name" if feature_enabled("session-name-key", api_version, None) else "clientSessionToken"): name,
    }
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
            config[_CONFIG[key]] = value
        elif key == "shmem":
            config["resource_opts"] = {"shmem": value}
        elif key in _CLUSTER:
            if feature_enabled("cluster-top-level", api_version, None):
                body[key] = value
            else:
                config[_CLUSTER[key]] = value
        else:
            raise ValueError(f"unknown key {key!r} in resources")
    if slots:
        config["resources"] = slots
    if config:
        body["config"] = config
    return body


class SessionMethods:
    """``create_if_not_exists``, ``get_info`` and ``destroy`` (mixed into ``Client``)."""

    _pipeline: Pipeline

    async def create_if_not_exists(
        self,
        image: str,
        name: str | None = None,
        resources: Mapping[str, Any] | None = None,
        *,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> dict[str, Any]:
        """Create the session ``name`` from ``image``, or return it if it already runs.

        Returns the server's JSON; ``created`` says whether the session is new. The default
        deadline is ``CREATE_TIMEOUT`` (the server answers once the session has started).
        """
        version = await self._pipeline.negotiate(timeout=timeout, signal=signal)
        body = build_create_body(image, segment(name or generate_session_name()), resources, version)
        response = await self._pipeline.send(
            "POST",
            "/session" if feature_enabled("session-prefix", version, None) else "/kernel/create",
            json=body,
            timeout=timeout,
            default_timeout=CREATE_TIMEOUT,
            signal=signal,
            retry_safe=body.get("reuseIfExists") is not False,  # get-or-create by name repeats safely
            full_response=True,
        )
        result: dict[str, Any] = response.body if isinstance(response.body, dict) else {}
        result.setdefault("created", response.status == 201)  # servers before `created`: 201 new, 200 reused
        return result

    async def get_info(
        self,
        name: str,
        owner_key: str | None = None,
        *,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> dict[str, Any]:
        """The session's information (main kernel)."""
        version = await self._pipeline.negotiate(timeout=timeout, signal=signal)
        result: dict[str, Any] = await self._pipeline.send(
            "GET",
            f"{session_prefix(version)}/{segment(name)}",
            params={"owner_access_key": owner_key} if owner_key else None,
            timeout=timeout,
            signal=signal,
        )
        return result

    async def destroy(
        self,
        name: str,
        owner_key: str | None = None,
        forced: bool = False,
        *,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> Any:
        """Terminate the session; ``forced`` skips the graceful shutdown. Default deadline 15 s."""
        version = await self._pipeline.negotiate(timeout=timeout, signal=signal)
        params: dict[str, str] = {}
        if owner_key:
            params["owner_access_key"] = owner_key
        if forced:
            params["forced"] = "true"
        return await self._pipeline.send(
            "DELETE",
            f"{session_prefix(version)}/{segment(name)}",
            params=params,
            timeout=timeout,
            default_timeout=DESTROY_TIMEOUT,
            signal=signal,
        )


def generate_session_name() -> str:
    """A random session name, like the JS client's ``generateSessionId``."""
    return f"{secrets.token_hex(4)}-pySDK"
