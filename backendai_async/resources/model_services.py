"""``client.model_service``: model serving endpoints (``/services``, managers 23.09+).

The JS client only stubbed these; the paths and bodies follow the manager's ``/services`` API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..abort import AbortSignal
from .base import Resource
from .pipeline import segment

__all__ = ["ModelService"]


class ModelService(Resource):
    """``client.model_service``."""

    async def list(
        self, name: str | None = None, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        """The caller's services (those named ``name`` if given): ``[{"id", "name", "desired_session_count", …}]``."""
        params = {"name": name} if name else None
        return await self._send("GET", "/services", params=params, timeout=timeout, signal=signal)

    async def create(
        self, spec: Mapping[str, Any], *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        """Start a service from ``spec`` (``service_name``, ``replicas``, ``image``, ``config``: ``{model,
        model_mount_destination, resources, scaling_group, …}``, …), passed as the server documents it."""
        return await self._send("POST", "/services", json=dict(spec), timeout=timeout, signal=signal)

    async def info(self, service_id: str, *, timeout: float | None = None, signal: AbortSignal | None = None) -> Any:
        """The service with its routes (``active_routes``) and ``service_endpoint``."""
        return await self._send("GET", f"/services/{segment(service_id)}", timeout=timeout, signal=signal)

    async def delete(self, service_id: str, *, timeout: float | None = None, signal: AbortSignal | None = None) -> Any:
        """Terminate the service and its sessions."""
        return await self._send("DELETE", f"/services/{segment(service_id)}", timeout=timeout, signal=signal)

    async def scale(
        self, service_id: str, to: int, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        """Set the wanted number of inference sessions: ``{"current_route_count", "target_count"}``."""
        path = f"/services/{segment(service_id)}/scale"
        return await self._send("POST", path, json={"to": to}, timeout=timeout, signal=signal)

    async def sync(self, service_id: str, *, timeout: float | None = None, signal: AbortSignal | None = None) -> Any:
        """Push the healthy routes to the app proxy again."""
        return await self._send("POST", f"/services/{segment(service_id)}/sync", timeout=timeout, signal=signal)

    async def update_route(
        self,
        service_id: str,
        route_id: str,
        traffic_ratio: float,
        *,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> Any:
        """Set the share of traffic the route receives."""
        path = f"/services/{segment(service_id)}/routings/{segment(route_id)}"
        return await self._send("PUT", path, json={"traffic_ratio": traffic_ratio}, timeout=timeout, signal=signal)

    async def delete_route(
        self, service_id: str, route_id: str, *, timeout: float | None = None, signal: AbortSignal | None = None
    ) -> Any:
        """Remove one route (its session) from the service."""
        path = f"/services/{segment(service_id)}/routings/{segment(route_id)}"
        return await self._send("DELETE", path, timeout=timeout, signal=signal)

    async def generate_token(
        self,
        service_id: str,
        duration: str | None = None,
        valid_until: int | None = None,
        *,
        timeout: float | None = None,
        signal: AbortSignal | None = None,
    ) -> Any:
        """A bearer token for the service endpoint, living ``duration`` (e.g. ``"1d"``) or until the Unix
        time ``valid_until``: ``{"token"}``."""
        body: dict[str, Any] = {}
        if duration is not None:
            body["duration"] = duration
        if valid_until is not None:
            body["valid_until"] = valid_until
        return await self._send(
            "POST", f"/services/{segment(service_id)}/token", json=body, timeout=timeout, signal=signal
        )
