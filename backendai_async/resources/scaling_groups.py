"""``client.scaling_group``: resource groups (GraphQL to administer, REST for what a user may use)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from ..pagination import paginated
from .base import MutationResult, Resource
from .pipeline import segment, supports

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions
    from ..results import ScalingGroupList

__all__ = ["SCALING_GROUP_FIELDS", "ScalingGroup", "ScalingGroupInfo"]

SCALING_GROUP_FIELDS = (
    "name", "description", "is_active", "created_at", "driver", "driver_opts", "scheduler", "scheduler_opts",
    "wsproxy_addr", "is_public",
)  # fmt: skip
_CREATE_DEFAULTS = {
    "description": "", "is_active": True, "driver": "static", "scheduler": "fifo", "driver_opts": "{}",
    "scheduler_opts": "{}",
}  # fmt: skip
# input keys older managers do not know
_INPUT_GATES = {"wsproxy_addr": "wsproxy-addr", "is_public": "is-public"}


class ScalingGroupInfo(TypedDict, total=False):
    """A scaling (resource) group."""

    name: str
    description: str
    is_active: bool
    is_public: bool
    created_at: str
    driver: str
    driver_opts: str
    scheduler: str
    scheduler_opts: str
    wsproxy_addr: str | None


class ScalingGroup(Resource):
    """``client.scaling_group``."""

    gql_type = "ScalingGroup"

    @paginated
    async def list_available(
        self,
        fields: Sequence[str] = SCALING_GROUP_FIELDS,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[ScalingGroupInfo]:
        """Every scaling group (``wsproxy_addr`` from manager 21.09, ``is_public`` from 22.09.22)."""
        body = await self._select(fields, **options)
        async for item in self._iterate("scaling_groups", {}, body, None, **options):
            yield item

    async def list(self, group: str = "default", **options: Unpack[CallOptions]) -> ScalingGroupList:
        """``GET /scaling-groups?group=``: ``{"scaling_groups": [{"name"}]}`` usable in the project ``group``."""
        result: ScalingGroupList = await self._send("GET", "/scaling-groups", params={"group": group}, **options)
        return result

    async def get_wsproxy_version(
        self,
        scaling_group: str,
        group_id: str | None = None,
        **options: Unpack[CallOptions],
    ) -> dict[str, Any]:
        """``{"wsproxy_version": …}`` of the scaling group; ``"v1"`` for managers before 21.09."""
        if not await self._supports("wsproxy-addr", **options):
            return {"wsproxy_version": "v1"}
        result: dict[str, Any] = await self._send(
            "GET",
            f"/scaling-groups/{segment(scaling_group)}/wsproxy-version",
            params={"group": group_id} if group_id else None,
            **options,
        )
        return result

    async def create(
        self,
        name: str,
        props: Mapping[str, Any] | None = None,
        **options: Unpack[CallOptions],
    ) -> MutationResult:
        """Create a scaling group; ``props`` override the JS defaults (static driver, fifo scheduler, active)."""
        kept = await self._input(props, **options)
        # 19.09 and 20.03 call the input type ScalingGroupInput
        input_type = (
            "CreateScalingGroupInput!" if self._has_element("CreateScalingGroupInput") else "ScalingGroupInput!"
        )
        args = {"name": ("String!", name), "props": (input_type, kept)}
        return await self._mutate("create_scaling_group", args, **options)

    async def associate_domain(self, domain: str, scaling_group: str, **options: Unpack[CallOptions]) -> MutationResult:
        """Let the domain use the scaling group."""
        args = {"domain": ("String!", domain), "scaling_group": ("String!", scaling_group)}
        return await self._mutate("associate_scaling_group_with_domain", args, **options)

    async def update(
        self,
        name: str,
        props: Mapping[str, Any],
        **options: Unpack[CallOptions],
    ) -> MutationResult:
        """Change the scaling group (keys the manager does not know yet are left out)."""
        await self._pipeline.negotiate(**options)
        kept = self._known(props)
        args = {"name": ("String!", name), "props": ("ModifyScalingGroupInput!", kept)}
        return await self._mutate("modify_scaling_group", args, **options)

    async def delete(self, name: str, **options: Unpack[CallOptions]) -> MutationResult:
        """Delete the scaling group."""
        return await self._mutate("delete_scaling_group", {"name": ("String!", name)}, **options)

    async def _input(self, props: Mapping[str, Any] | None, **options: Unpack[CallOptions]) -> dict[str, Any]:
        await self._pipeline.negotiate(**options)
        return self._known({**_CREATE_DEFAULTS, **(props or {})})

    def _known(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in props.items() if k not in _INPUT_GATES or supports(self._pipeline, _INPUT_GATES[k])}
