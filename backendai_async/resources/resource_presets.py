"""``client.resource_preset``: named resource sizes (REST to read, GraphQL to administer)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from .base import MutationResult, Resource

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions
    from ..results import CheckPresetsResult, ResourcePresetList

__all__ = ["DEFAULT_PROJECT", "ResourcePreset", "ResourcePresetInfo"]

DEFAULT_PROJECT = "default"  # the project managers before 26.x assume


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
        usage, and each preset with ``allocatable``.

        Managers 26.x require ``group`` (a project name) where older ones defaulted to ``"default"``:
        without one, the current project is sent, as the JS client and the WebUI do (see
        ``current_project``). A pinned API version, which leaves the manager unknown, counts as 26.x.
        """
        body = dict(params or {})
        if "group" not in body and await self._group_required(**options):
            body["group"] = await self.current_project(**options)
        result: CheckPresetsResult = await self._send("POST", "/resource/check-presets", json=body, **options)
        return result

    async def current_project(self, **options: Unpack[CallOptions]) -> str:
        """The caller's current project, by name: ``"default"`` when the caller's user belongs to it
        (what managers before 26.x assume), else the first project the user belongs to. Read with the
        GraphQL ``user { groups }`` of the caller; ``"default"`` if the keypair has no user."""
        user = await self._get("user", {}, "groups { id name }", **options)
        names = [str(g["name"]) for g in (user or {}).get("groups") or () if isinstance(g, dict) and g.get("name")]
        if not names or DEFAULT_PROJECT in names:
            return DEFAULT_PROJECT
        return names[0]

    async def _group_required(self, **options: Unpack[CallOptions]) -> bool:
        await self._pipeline.negotiate(**options)
        info = self._pipeline.server_info
        return info is None or info.manager_version is None or self._has("check-presets-group-required")

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
