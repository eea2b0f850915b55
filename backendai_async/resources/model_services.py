"""``client.model_service``: model serving endpoints (``/services``, managers 23.09+).

The JS client only stubbed these; the paths and bodies follow the manager's ``/services`` API.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from ..pagination import paginated
from .base import Resource, listed
from .pipeline import segment

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions

__all__ = ["ModelService"]


class ModelService(Resource):
    """``client.model_service``."""

    @paginated
    async def list(self, name: str | None = None, **options: Unpack[CallOptions]) -> AsyncIterator[dict[str, Any]]:
        """The caller's services (those named ``name`` if given): ``{"id", "name", "desired_session_count", …}``."""
        params = {"name": name} if name else None
        for item in listed(await self._send("GET", "/services", params=params, **options), "/services"):
            yield item

    async def create(self, spec: Mapping[str, Any], **options: Unpack[CallOptions]) -> Any:
        """Start a service from ``spec`` (``service_name``, ``replicas``, ``image``, ``config``: ``{model,
        model_mount_destination, resources, scaling_group, …}``, …), passed as the server documents it."""
        return await self._send("POST", "/services", json=dict(spec), **options)

    async def info(self, service_id: str, **options: Unpack[CallOptions]) -> Any:
        """The service with its routes (``active_routes``) and ``service_endpoint``."""
        return await self._send("GET", f"/services/{segment(service_id)}", **options)

    async def delete(self, service_id: str, **options: Unpack[CallOptions]) -> Any:
        """Terminate the service and its sessions."""
        return await self._send("DELETE", f"/services/{segment(service_id)}", **options)

    async def scale(self, service_id: str, to: int, **options: Unpack[CallOptions]) -> Any:
        """Set the wanted number of inference sessions: ``{"current_route_count", "target_count"}``."""
        path = f"/services/{segment(service_id)}/scale"
        return await self._send("POST", path, json={"to": to}, **options)

    async def sync(self, service_id: str, **options: Unpack[CallOptions]) -> Any:
        """Push the healthy routes to the app proxy again."""
        return await self._send("POST", f"/services/{segment(service_id)}/sync", **options)

    async def update_route(
        self,
        service_id: str,
        route_id: str,
        traffic_ratio: float,
        **options: Unpack[CallOptions],
    ) -> Any:
        """Set the share of traffic the route receives."""
        path = f"/services/{segment(service_id)}/routings/{segment(route_id)}"
        return await self._send("PUT", path, json={"traffic_ratio": traffic_ratio}, **options)

    async def delete_route(self, service_id: str, route_id: str, **options: Unpack[CallOptions]) -> Any:
        """Remove one route (its session) from the service."""
        path = f"/services/{segment(service_id)}/routings/{segment(route_id)}"
        return await self._send("DELETE", path, **options)

    async def generate_token(
        self,
        service_id: str,
        duration: str | None = None,
        valid_until: int | None = None,
        **options: Unpack[CallOptions],
    ) -> Any:
        """A bearer token for the service endpoint, living ``duration`` (e.g. ``"1d"``) or until the Unix
        time ``valid_until``: ``{"token"}``."""
        body: dict[str, Any] = {}
        if duration is not None:
            body["duration"] = duration
        if valid_until is not None:
            body["valid_until"] = valid_until
        return await self._send("POST", f"/services/{segment(service_id)}/token", json=body, **options)
