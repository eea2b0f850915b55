"""``client.resource_preset``: named resource sizes (REST to read, GraphQL to administer)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from ..results import CheckPresetsResult, ResourcePresetList
from .base import MutationResult, Resource

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions

__all__ = ["ResourcePreset", "ResourcePresetInfo"]


class ResourcePresetInfo(TypedDict, total=False):
    """A preset as ``GET /resource/presets`` lists it (``allocatable`` only from ``check``)."""

    name: str
    resource_slots: dict[str, Any]
    shared_memory: str | None
    allocatable: bool


class ResourcePreset(Resource):
    """``client.resource_preset``."""

    async def list(
        self,
        scaling_group: str | None = None,
        **options: Unpack[CallOptions],
    ) -> ResourcePresetList:
        """``GET /resource/presets``: ``{"presets": [...]}`` (newer managers filter by ``scaling_group``)."""
        params = {"scaling_group": scaling_group} if scaling_group else None
        result: ResourcePresetList = await self._send("GET", "/resource/presets", params=params, **options)
        return result

    async def check(
        self,
        params: Mapping[str, Any] | None = None,
        **options: Unpack[CallOptions],
    ) -> CheckPresetsResult:
        """``POST /resource/check-presets`` (``params`` e.g. ``{"scaling_group", "group"}``): limits,
        usage, and each preset with ``allocatable``."""
        result: CheckPresetsResult = await self._send(
            "POST", "/resource/check-presets", json=dict(params or {}), **options
        )
        return result

    async def add(self, name: str, props: Mapping[str, Any], **options: Unpack[CallOptions]) -> MutationResult:
        """Create the preset ``name`` (``props``: ``resource_slots`` as a JSON string, ``shared_memory``)."""
        args = {"name": ("String!", name), "props": ("CreateResourcePresetInput!", dict(props))}
        return await self._mutate("create_resource_preset", args, **options)

    async def mutate(self, name: str, props: Mapping[str, Any], **options: Unpack[CallOptions]) -> MutationResult:
        """Change the preset ``name``."""
        args = {"name": ("String!", name), "props": ("ModifyResourcePresetInput!", dict(props))}
        return await self._mutate("modify_resource_preset", args, **options)

    async def delete(self, name: str, **options: Unpack[CallOptions]) -> MutationResult:
        """Delete the preset ``name``."""
        return await self._mutate("delete_resource_preset", {"name": ("String!", name)}, **options)
