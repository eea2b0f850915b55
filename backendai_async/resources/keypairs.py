"""``client.keypair`` and the resource policies: ``client.resource_policy`` (keypair policies),
``client.user_resource_policy`` and ``client.project_resource_policy``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from ..pagination import paginated
from .base import DEFAULT_PAGE_SIZE, MutationResult, Resource

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions

__all__ = [
    "KEYPAIR_FIELDS",
    "KEYPAIR_LIST_FIELDS",
    "RESOURCE_POLICY_FIELDS",
    "Keypair",
    "KeypairInfo",
    "ProjectResourcePolicy",
    "ResourcePolicy",
    "ResourcePolicyInfo",
    "UserResourcePolicy",
]

KEYPAIR_FIELDS = (
    "access_key", "secret_key", "is_active", "is_admin", "user_id", "created_at", "last_used",
    "concurrency_limit", "concurrency_used", "rate_limit", "num_queries", "resource_policy",
)  # fmt: skip
KEYPAIR_LIST_FIELDS = (
    "access_key", "is_active", "is_admin", "user_id", "created_at", "last_used",
    "concurrency_used", "rate_limit", "num_queries", "resource_policy",
)  # fmt: skip
_KEYPAIR_ADD_FIELDS = ("is_active", "is_admin", "resource_policy", "concurrency_limit", "rate_limit")
RESOURCE_POLICY_FIELDS = (
    "name", "created_at", "default_for_unspecified", "total_resource_slots", "max_concurrent_sessions",
    "max_containers_per_session", "max_vfolder_count", "max_vfolder_size", "allowed_vfolder_hosts",
    "idle_timeout",
)  # fmt: skip


class KeypairInfo(TypedDict, total=False):
    """A keypair as GraphQL returns it (the fields asked for)."""

    access_key: str
    secret_key: str
    is_active: bool
    is_admin: bool
    user_id: str
    created_at: str
    last_used: str | None
    concurrency_limit: int
    concurrency_used: int
    rate_limit: int
    num_queries: int
    resource_policy: str


class ResourcePolicyInfo(TypedDict, total=False):
    """A resource policy (keypair, user or project; the fields asked for)."""

    name: str
    created_at: str
    default_for_unspecified: str
    total_resource_slots: str
    max_concurrent_sessions: int
    max_containers_per_session: int
    max_vfolder_count: int
    max_vfolder_size: int
    max_quota_scope_size: int
    allowed_vfolder_hosts: Any
    idle_timeout: int
    max_session_lifetime: int


class Keypair(Resource):
    """``client.keypair``: information, listing and administration of access keys."""

    gql_type = "KeyPair"

    async def info(
        self,
        access_key: str | None = None,
        fields: Sequence[str] = KEYPAIR_FIELDS,
        **options: Unpack[CallOptions],
    ) -> KeypairInfo | None:
        """The keypair ``access_key`` (admins), or the caller's own keypair when it is None;
        None when the server finds none."""
        args = {"access_key": ("String!", access_key)}
        result: KeypairInfo | None = await self._get("keypair", args, await self._select(fields, **options), **options)
        return result

    @paginated
    async def list(
        self,
        user_id: str | None = None,
        fields: Sequence[str] = KEYPAIR_LIST_FIELDS,
        is_active: bool | None = True,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[KeypairInfo]:
        """Every keypair (of the user with e-mail ``user_id`` if given; ``is_active=None``: all).

        Pages of ``page_size`` on API v5+ (``keypair_list``); one list before (``keypairs``).
        """
        body = await self._select(fields, **options)
        paged = await self._supports("paginated-lists", **options)
        args = {"email": ("String", user_id), "is_active": ("Boolean", is_active)}
        root = "keypair_list" if paged else "keypairs"
        async for item in self._iterate(root, args, body, page_size if paged else None, **options):
            yield item

    async def add(
        self,
        user_id: str,
        is_active: bool = True,
        is_admin: bool = False,
        resource_policy: str = "default",
        rate_limit: int = 1000,
        **options: Unpack[CallOptions],
    ) -> MutationResult:
        """Create a keypair for the user ``user_id`` (e-mail); the answer's ``keypair`` holds its keys."""
        props = {
            "is_active": is_active,
            "is_admin": is_admin,
            "resource_policy": resource_policy,
            "rate_limit": rate_limit,
        }
        args = {"user_id": ("String!", user_id), "props": ("KeyPairInput!", props)}
        fields = " ".join((*_KEYPAIR_ADD_FIELDS, "access_key", "secret_key"))
        return await self._mutate("create_keypair", args, f"ok msg keypair {{ {fields} }}", **options)

    async def mutate(
        self,
        access_key: str,
        props: Mapping[str, Any],
        **options: Unpack[CallOptions],
    ) -> MutationResult:
        """Change the keypair (``is_active``, ``is_admin``, ``resource_policy``, ``rate_limit``, …)."""
        args = {"access_key": ("String!", access_key), "props": ("ModifyKeyPairInput!", dict(props))}
        return await self._mutate("modify_keypair", args, **options)

    async def delete(self, access_key: str, **options: Unpack[CallOptions]) -> MutationResult:
        """Delete the keypair."""
        return await self._mutate("delete_keypair", {"access_key": ("String!", access_key)}, **options)


class _PolicyResource(Resource):
    """Resource policies of one kind: ``<kind>_resource_policies``, ``create_<kind>_resource_policy``, …"""

    kind = "keypair"
    gql_type = "KeyPairResourcePolicy"
    input_prefix = "KeyPair"
    default_fields: Sequence[str] = RESOURCE_POLICY_FIELDS

    async def get(
        self,
        name: str | None = None,
        fields: Sequence[str] | None = None,
        **options: Unpack[CallOptions],
    ) -> Any:
        """The policy ``name``, or the list of every policy when ``name`` is None."""
        body = await self._select(fields or self.default_fields, **options)
        if name is None:
            return await self._get(f"{self.kind}_resource_policies", {}, body, **options)
        return await self._get(f"{self.kind}_resource_policy", {"name": ("String!", name)}, body, **options)

    async def add(
        self,
        name: str,
        props: Mapping[str, Any],
        **options: Unpack[CallOptions],
    ) -> MutationResult:
        """Create the policy ``name`` from ``props``."""
        args = {"name": ("String!", name), "props": (f"Create{self.input_prefix}ResourcePolicyInput!", dict(props))}
        return await self._mutate(f"create_{self.kind}_resource_policy", args, **options)

    async def mutate(
        self,
        name: str,
        props: Mapping[str, Any],
        **options: Unpack[CallOptions],
    ) -> MutationResult:
        """Change the policy ``name``."""
        args = {"name": ("String!", name), "props": (f"Modify{self.input_prefix}ResourcePolicyInput!", dict(props))}
        return await self._mutate(f"modify_{self.kind}_resource_policy", args, **options)

    async def delete(self, name: str, **options: Unpack[CallOptions]) -> MutationResult:
        """Delete the policy ``name``."""
        return await self._mutate(f"delete_{self.kind}_resource_policy", {"name": ("String!", name)}, **options)


class ResourcePolicy(_PolicyResource):
    """``client.resource_policy``: keypair resource policies (``max_session_lifetime`` from 22.03)."""

    default_fields = (*RESOURCE_POLICY_FIELDS, "max_session_lifetime")


class UserResourcePolicy(_PolicyResource):
    """``client.user_resource_policy`` (managers 23.09+)."""

    kind = "user"
    gql_type = "UserResourcePolicy"
    input_prefix = "User"
    default_fields = ("id", "name", "created_at", "max_vfolder_count", "max_quota_scope_size")


class ProjectResourcePolicy(_PolicyResource):
    """``client.project_resource_policy`` (managers 23.09+)."""

    kind = "project"
    gql_type = "ProjectResourcePolicy"
    input_prefix = "Project"
    default_fields = ("id", "name", "created_at", "max_vfolder_count", "max_quota_scope_size")
