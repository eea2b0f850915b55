"""``client.user``, ``client.group`` (projects) and ``client.domain``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from ..pagination import paginated
from .base import DEFAULT_PAGE_SIZE, MutationResult, Resource

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions

__all__ = [
    "DOMAIN_FIELDS",
    "DOMAIN_LIST_FIELDS",
    "GROUP_FIELDS",
    "USER_FIELDS",
    "USER_LIST_FIELDS",
    "Domain",
    "DomainInfo",
    "Group",
    "GroupInfo",
    "User",
    "UserInfo",
]

# The JS lists also ask for `password`, which the 22.09 manager already refuses to select.
USER_LIST_FIELDS = (
    "username", "need_password_change", "full_name", "description", "is_active",
    "domain_name", "role", "groups { id name }",
)  # fmt: skip
USER_FIELDS = ("email", *USER_LIST_FIELDS)
GROUP_FIELDS = ("id", "name", "description", "is_active", "created_at", "modified_at", "domain_name")
DOMAIN_FIELDS = (
    "name", "description", "is_active", "created_at", "modified_at", "total_resource_slots",
    "allowed_vfolder_hosts", "allowed_docker_registries", "integration_id", "scaling_groups",
)  # fmt: skip
DOMAIN_LIST_FIELDS = (
    "name", "description", "is_active", "created_at", "total_resource_slots", "allowed_vfolder_hosts",
    "allowed_docker_registries", "integration_id",
)  # fmt: skip


class UserInfo(TypedDict, total=False):
    """A user as GraphQL returns it (the fields asked for)."""

    id: str
    uuid: str
    email: str
    username: str
    password: str | None
    need_password_change: bool
    full_name: str
    description: str
    is_active: bool
    status: str
    domain_name: str
    role: str
    main_access_key: str
    groups: list[dict[str, Any]]


class GroupInfo(TypedDict, total=False):
    """A group (project)."""

    id: str
    name: str
    description: str
    is_active: bool
    created_at: str
    modified_at: str
    domain_name: str
    type: str


class DomainInfo(TypedDict, total=False):
    """A domain."""

    name: str
    description: str
    is_active: bool
    created_at: str
    modified_at: str
    total_resource_slots: str
    allowed_vfolder_hosts: Any
    allowed_docker_registries: list[str]
    integration_id: str | None
    scaling_groups: list[str]


class User(Resource):
    """``client.user``: user accounts."""

    gql_type = "User"

    @paginated
    async def list(
        self,
        is_active: bool | None = True,
        fields: Sequence[str] = USER_LIST_FIELDS,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[UserInfo]:
        """Every user the caller may see (``is_active=None``: active or not), page after page."""
        body = await self._select(fields, **options)
        paged = await self._supports("paginated-lists", **options)
        root = "user_list" if paged else "users"
        async for item in self._iterate(root, {"is_active": ("Boolean", is_active)}, body,
                                        page_size if paged else None, **options):  # fmt: skip
            yield item

    async def get(
        self,
        email: str | None = None,
        fields: Sequence[str] = USER_FIELDS,
        **options: Unpack[CallOptions],
    ) -> UserInfo | None:
        """The user ``email`` (admins), or the caller when it is None; None if there is no such user."""
        body = await self._select(fields, **options)
        result: UserInfo | None = await self._get("user", {"email": ("String", email)}, body, **options)
        return result

    async def create(
        self,
        email: str,
        props: Mapping[str, Any],
        **options: Unpack[CallOptions],
    ) -> MutationResult:
        """Create a user (``props``: ``username``, ``password``, ``domain_name``, ``role``, ``group_ids``, …)."""
        args = {"email": ("String!", email), "props": ("UserInput!", dict(props))}
        return await self._mutate("create_user", args, **options)

    async def update(
        self,
        email: str,
        props: Mapping[str, Any],
        **options: Unpack[CallOptions],
    ) -> MutationResult:
        """Change the user ``email``."""
        args = {"email": ("String!", email), "props": ("ModifyUserInput!", dict(props))}
        return await self._mutate("modify_user", args, **options)

    async def delete(self, email: str, **options: Unpack[CallOptions]) -> MutationResult:
        """Delete the user ``email`` (the manager marks it deleted and deactivates its keypairs)."""
        return await self._mutate("delete_user", {"email": ("String!", email)}, **options)

    async def purge(
        self,
        email: str,
        purge_shared_vfolders: bool = False,
        **options: Unpack[CallOptions],
    ) -> MutationResult:
        """Remove the user ``email`` and its data for good (not in the JS client)."""
        props = {"purge_shared_vfolders": purge_shared_vfolders}
        args = {"email": ("String!", email), "props": ("PurgeUserInput!", props)}
        return await self._mutate("purge_user", args, **options)


class Group(Resource):
    """``client.group``: groups, called projects by newer managers."""

    gql_type = "Group"

    @paginated
    async def list(
        self,
        is_active: bool | None = True,
        domain_name: str | None = None,
        fields: Sequence[str] = GROUP_FIELDS,
        type: Sequence[str] | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[GroupInfo]:
        """Every group the caller may see. From 24.03 the server filters by ``type``
        (default ``["GENERAL"]``, like the JS client)."""
        body = await self._select(fields, **options)
        args: dict[str, tuple[str, Any]] = {"domain_name": ("String", domain_name), "is_active": ("Boolean", is_active)}
        if await self._supports("model-store", **options):
            args["type"] = ("[String]", list(type) if type is not None else ["GENERAL"])
        elif type is not None:
            raise self._unsupported("model-store", "filtering groups by type")
        async for item in self._iterate("groups", args, body, None, **options):
            yield item


class Domain(Resource):
    """``client.domain``."""

    gql_type = "Domain"

    async def get(
        self,
        name: str,
        fields: Sequence[str] = DOMAIN_FIELDS,
        **options: Unpack[CallOptions],
    ) -> DomainInfo | None:
        """The domain ``name`` (None if there is no such domain)."""
        body = await self._select(fields, **options)
        result: DomainInfo | None = await self._get("domain", {"name": ("String", name)}, body, **options)
        return result

    @paginated
    async def list(
        self,
        fields: Sequence[str] = DOMAIN_LIST_FIELDS,
        is_active: bool | None = None,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[DomainInfo]:
        """Every domain (``is_active`` filters when given)."""
        body = await self._select(fields, **options)
        async for item in self._iterate("domains", {"is_active": ("Boolean", is_active)}, body, None, **options):
            yield item

    async def update(
        self,
        name: str,
        props: Mapping[str, Any],
        **options: Unpack[CallOptions],
    ) -> MutationResult:
        """Change the domain ``name``."""
        args = {"name": ("String!", name), "props": ("ModifyDomainInput!", dict(props))}
        return await self._mutate("modify_domain", args, **options)
