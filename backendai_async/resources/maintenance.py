"""``client.resources`` (cluster totals, usage statistics, the slot table) and ``client.maintenance``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .agents import Agent
from .base import MutationResult, Resource

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions
    from ..results import UsageBucket

__all__ = ["RECALCULATE_TIMEOUT", "RESCAN_TIMEOUT", "Maintenance", "Resources"]

RESCAN_TIMEOUT = 600.0  # the JS client's values
RECALCULATE_TIMEOUT = 60.0
_TOTAL_FIELDS = ("id", "addr", "status", "first_contact", "cpu_cur_pct", "mem_cur_bytes", "occupied_slots",
                 "available_slots")  # fmt: skip


class Resources(Resource):
    """``client.resources``."""

    async def total_resource_information(
        self, status: str = "ALIVE", **options: Unpack[CallOptions]
    ) -> dict[str, dict[str, float]]:
        """Slot totals over every agent in ``status``: ``{slot: {"total", "used"}, …, "agents": {"total"}}``
        (``mem`` also has ``used`` memory as measured; slot values are summed as numbers)."""
        totals: dict[str, dict[str, float]] = {}
        count = 0
        async for agent in Agent(self._pipeline).list(status, _TOTAL_FIELDS, **options):
            count += 1
            for key, slots in (("total", agent.get("available_slots")), ("used", agent.get("occupied_slots"))):
                for slot, value in _slots(slots).items():
                    entry = totals.setdefault(slot, {"total": 0.0, "used": 0.0})
                    entry[key] += float(value)
            cpu = totals.setdefault("cpu", {"total": 0.0, "used": 0.0})
            cpu["percent"] = cpu.get("percent", 0.0) + float(agent.get("cpu_cur_pct") or 0)
            mem = totals.setdefault("mem", {"total": 0.0, "used": 0.0})
            mem["measured"] = mem.get("measured", 0.0) + float(agent.get("mem_cur_bytes") or 0)
        return {**totals, "agents": {"total": count}}

    async def user_stats(self, **options: Unpack[CallOptions]) -> list[UsageBucket]:
        """``GET /resource/stats/user/month``: the caller's usage in 15-minute buckets."""
        result: list[UsageBucket] = await self._send("GET", "/resource/stats/user/month", **options)
        return result

    async def get_resource_slots(self, **options: Unpack[CallOptions]) -> dict[str, str]:
        """The slot table, e.g. ``{"cpu": "count", "mem": "bytes", "cuda.device": "count"}``."""
        modern = await self._supports("config-resource-slots", **options)
        path = "/config/resource-slots" if modern else "/etcd/resource-slots"
        result: dict[str, str] = await self._send("GET", path, **options)
        return result


def _slots(value: Any) -> Mapping[str, Any]:
    """A slot map from GraphQL: a JSON string (or already a mapping)."""
    if isinstance(value, str):
        value = json.loads(value) if value else {}
    return value if isinstance(value, Mapping) else {}


class Maintenance(Resource):
    """``client.maintenance``."""

    async def rescan_images(self, registry: str | None = None, **options: Unpack[CallOptions]) -> MutationResult:
        """Rescan the registry (all when None); the answer's ``task_id`` names the background task."""
        args = {"registry": ("String", registry or None)}
        if options.get("timeout") is None:
            options["timeout"] = RESCAN_TIMEOUT
        await self._pipeline.negotiate(**options)
        body = "ok msg task_id" if self._has_element("RescanImages.task_id") else "ok msg"  # 19.09: no task
        return await self._mutate("rescan_images", args, body, **options)

    async def recalculate_usage(self, **options: Unpack[CallOptions]) -> None:
        """``POST /resource/recalculate-usage`` (superadmin; default deadline 60 s)."""
        await self._send("POST", "/resource/recalculate-usage", default_timeout=RECALCULATE_TIMEOUT, **options)
