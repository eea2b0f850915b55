"""``client.agent``, ``client.agent_summary`` and ``client.storage_proxy``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from ..pagination import paginated
from .base import DEFAULT_PAGE_SIZE, MutationResult, Resource
from .graphql import run_query

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions
    from ..results import AllowedVFolderHostsByScope, VFolderHostPermissions

__all__ = [
    "AGENT_FIELDS",
    "STORAGE_VOLUME_DETAIL_FIELDS",
    "STORAGE_VOLUME_FIELDS",
    "Agent",
    "AgentInfo",
    "AgentSummary",
    "StorageProxy",
    "StorageVolumeInfo",
]

AGENT_FIELDS = (
    "id", "status", "region", "first_contact", "cpu_cur_pct", "mem_cur_bytes", "available_slots", "occupied_slots",
)  # fmt: skip
AGENT_SUMMARY_FIELDS = ("id", "status", "available_slots", "occupied_slots", "scaling_group")
STORAGE_VOLUME_FIELDS = ("id", "backend", "capabilities")
STORAGE_VOLUME_DETAIL_FIELDS = ("id", "backend", "path", "fsprefix", "capabilities")


class AgentInfo(TypedDict, total=False):
    """An agent (the fields asked for); slot maps are JSON strings."""

    id: str
    status: str
    region: str
    addr: str
    scaling_group: str
    schedulable: bool
    first_contact: str
    cpu_cur_pct: float
    mem_cur_bytes: float
    available_slots: str
    occupied_slots: str


class StorageVolumeInfo(TypedDict, total=False):
    """A storage volume (``proxy:volume``) behind a storage proxy."""

    id: str
    backend: str
    path: str
    fsprefix: str
    capabilities: list[str]


class Agent(Resource):
    """``client.agent``: compute agents (superadmin queries)."""

    gql_type = "Agent"

    @paginated
    async def list(
        self,
        status: str = "ALIVE",
        fields: Sequence[str] = AGENT_FIELDS,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[AgentInfo]:
        """Every agent in ``status`` (``agent_list`` page after page on API v5+, ``agents`` before)."""
        body = await self._select(fields, **options)
        paged = await self._supports("paginated-lists", **options)
        root = "agent_list" if paged else "agents"
        async for item in self._iterate(root, {"status": ("String", status)}, body,
                                        page_size if paged else None, **options):  # fmt: skip
            yield item

    async def update(
        self,
        agent_id: str,
        props: Mapping[str, Any],
        **options: Unpack[CallOptions],
    ) -> MutationResult:
        """Change the agent (e.g. ``{"schedulable": False}``)."""
        args = {"id": ("String!", agent_id), "props": ("ModifyAgentInput!", dict(props))}
        return await self._mutate("modify_agent", args, **options)


class AgentSummary(Resource):
    """``client.agent_summary``: the agent summary a non-admin may see (API v6.20220615+, managers 22.09+)."""

    gql_type = "AgentSummary"

    @paginated
    async def list(
        self,
        status: str = "ALIVE",
        fields: Sequence[str] = AGENT_SUMMARY_FIELDS,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[AgentInfo]:
        """Every agent summary in ``status``, page after page."""
        body = await self._select(fields, **options)
        args = {"status": ("String", status)}
        async for item in self._iterate("agent_summary_list", args, body, page_size, **options):
            yield item


class StorageProxy(Resource):
    """``client.storage_proxy``: storage volumes (API v6.20200815+) and vfolder permissions."""

    gql_type = "StorageVolume"

    @paginated
    async def list(
        self,
        fields: Sequence[str] = STORAGE_VOLUME_FIELDS,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[StorageVolumeInfo]:
        """Every storage volume, page after page."""
        body = await self._select(fields, **options)
        async for item in self._iterate("storage_volume_list", {}, body, page_size, **options):
            yield item

    async def detail(
        self,
        host: str,
        fields: Sequence[str] = STORAGE_VOLUME_DETAIL_FIELDS,
        **options: Unpack[CallOptions],
    ) -> StorageVolumeInfo:
        """The storage volume ``host`` (e.g. ``"local:volume1"``)."""
        body = await self._select(fields, **options)
        result: StorageVolumeInfo = await self._get("storage_volume", {"id": ("String!", host)}, body, **options)
        return result

    async def get_all_permissions(self, **options: Unpack[CallOptions]) -> VFolderHostPermissions:
        """``GET /acl``: every vfolder host permission name."""
        result: VFolderHostPermissions = await self._send("GET", "/acl", **options)
        return result

    async def get_allowed_vfolder_hosts_by_current_user_info(
        self,
        domain_name: str,
        project_id: str,
        resource_policy_name: str,
        **options: Unpack[CallOptions],
    ) -> AllowedVFolderHostsByScope:
        """``allowed_vfolder_hosts`` of the domain, the project and the keypair resource policy, in one query:
        ``{"domain": {...}, "group": {...}, "keypair_resource_policy": {...}}``."""
        await self._pipeline.negotiate(**options)
        id_type = "UUID!" if self._has("gql-uuid-ids") else "String!"  # 19.09: group(id: String!)
        text = (
            f"query($domain_name: String, $group_id: {id_type}, $policy_name: String) {{ "
            "domain(name: $domain_name) { allowed_vfolder_hosts } "
            "group(id: $group_id) { allowed_vfolder_hosts } "
            "keypair_resource_policy(name: $policy_name) { allowed_vfolder_hosts } }"
        )
        variables = {"domain_name": domain_name, "group_id": project_id, "policy_name": resource_policy_name}
        data: AllowedVFolderHostsByScope = await run_query(self._pipeline, text, variables, **options)
        return data
