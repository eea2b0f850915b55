"""``client.compute_session``: every call on compute sessions, composed of one part per job.

The lifecycle is in ``sessions.py``, code execution in ``execution.py``, files in
``session_files.py``, events and websockets in ``streams.py``; listing through GraphQL (every page,
no silent cap) is here.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from ..pagination import paginated
from ..versions import ApiVersion
from .execution import SessionExecution
from .graphql import DEFAULT_PAGE_SIZE, paginate, run_query
from .session_files import SessionFiles
from .sessions import SessionLifecycle, SessionResource
from .streams import SessionStreams

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions

__all__ = ["ALL_STATUSES", "DEFAULT_FIELDS", "ComputeSession", "SessionListing"]

DEFAULT_FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "image",
    "created_at",
    "terminated_at",
    "status",
    "status_info",
    "occupied_slots",
    "containers { live_stat last_stat }",
)
ALL_STATUSES = "RUNNING,RESTARTING,TERMINATING,PENDING,SCHEDULED,PREPARING,PULLING,TERMINATED,CANCELLED,ERROR"


class SessionListing(SessionResource):
    """Sessions through GraphQL: one page, the count, every page, one session by id. ``status`` may
    be a comma-joined list of statuses."""

    gql_type = "ComputeSession"

    async def list(
        self,
        fields: Sequence[str] = DEFAULT_FIELDS,
        status: str = "RUNNING",
        access_key: str = "",
        limit: int = 30,
        offset: int = 0,
        group: str = "",
        **options: Unpack[CallOptions],
    ) -> dict[str, Any]:
        """One page: ``{"compute_session_list": {"items": [...], "total_count": n}}``."""
        document, variables = await self._document(fields, status, access_key, group, **options)
        result: dict[str, Any] = await run_query(
            self._pipeline, document, {**variables, "limit": limit, "offset": offset}, **options
        )
        return result

    async def total_count(
        self,
        status: str = "RUNNING",
        access_key: str = "",
        group: str = "",
        **options: Unpack[CallOptions],
    ) -> int:
        """How many sessions match."""
        document, variables = await self._document((), status, access_key, group, **options)
        data = await run_query(self._pipeline, document, {**variables, "limit": 1, "offset": 0}, **options)
        return int(data["compute_session_list"]["total_count"])

    @paginated
    async def list_all(
        self,
        fields: Sequence[str] = DEFAULT_FIELDS,
        status: str = ALL_STATUSES,
        access_key: str = "",
        group: str = "",
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        **options: Unpack[CallOptions],
    ) -> AsyncIterator[dict[str, Any]]:
        """Every matching session, page after page: ``async for s in client.compute_session.list_all()``."""
        document, variables = await self._document(fields, status, access_key, group, **options)
        async for item in paginate(
            partial(run_query, self._pipeline),
            document,
            "compute_session_list",
            variables,
            page_size=page_size,
            **options,
        ):
            yield item

    async def get(
        self,
        fields: Sequence[str],
        session_uuid: str,
        **options: Unpack[CallOptions],
    ) -> dict[str, Any]:
        """``{"compute_session": {...}}`` of one session by its UUID (API v5+: 19.09 has no lookup by UUID)."""
        await self._require("Query.compute_session(id:)", **options)
        document = f"query($id: UUID!) {{ compute_session(id: $id) {{ {' '.join(self._fields(fields))} }} }}"
        result: dict[str, Any] = await run_query(self._pipeline, document, {"id": session_uuid}, **options)
        return result

    async def _document(
        self,
        fields: Sequence[str],
        status: str,
        access_key: str,
        group: str,
        **options: Unpack[CallOptions],
    ) -> tuple[str, dict[str, Any]]:
        """The list query with only the filters given (old servers lack some arguments)."""
        await self._pipeline.negotiate(**options)
        declared = ["$limit: Int!", "$offset: Int!"]
        arguments = ["limit: $limit", "offset: $offset"]
        variables: dict[str, Any] = {}
        for name, argument, value in (("ak", "access_key", access_key), ("group_id", "group_id", group)):
            if value:
                declared.append(f"${name}: String")
                arguments.append(f"{argument}: ${name}")
                variables[name] = value
        if status:
            declared.append("$status: String")
            arguments.append("status: $status")
            variables["status"] = status
        items = f"items {{ {' '.join(self._fields(fields))} }} " if fields else ""
        document = (
            f"query({', '.join(declared)}) {{ compute_session_list({', '.join(arguments)}) {{ {items}total_count }} }}"
        )
        return document, variables

    def _fields(self, fields: Sequence[str]) -> tuple[str, ...]:
        """``fields`` for the negotiated server: API v4 and older call the session's name ``sess_id``
        (``name`` later); the JS client's ``session_name`` is asked under its own key (an alias);
        fields the server lacks (``containers`` before API v5) are left out."""
        api_version = self._pipeline.api_version or ""
        name = "sess_id" if ApiVersion.parse(api_version).major < 5 else "name"
        chosen: builtins.list[str] = []
        for field in fields:
            if field == "name":
                chosen.append(name)
            elif field == "session_name":
                chosen.append(f"session_name: {name}")
            elif self._has_element(f"ComputeSession.{field.split('{')[0].strip()}"):
                chosen.append(field)
        return tuple(chosen)


class ComputeSession(SessionLifecycle, SessionExecution, SessionFiles, SessionStreams, SessionListing):
    """``client.compute_session``: compute sessions, by name or id (the JS ``computeSession`` and the
    JS client's top-level session calls, which ``Client`` keeps as aliases of these)."""
