"""``client.compute_session``: listing through GraphQL (every page, no silent cap), and the JS
``computeSession`` calls on one session: app-service start, commit, commit status, image from session."""

from __future__ import annotations

import json as jsonlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from ..pagination import paginated
from ..versions import ApiVersion
from .graphql import DEFAULT_PAGE_SIZE, paginate, run_query
from .pipeline import Pipeline, segment
from .sessions import session_prefix

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions

__all__ = ["ALL_STATUSES", "DEFAULT_FIELDS", "ComputeSessions"]

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

QueryFunction = Callable[..., Awaitable[Any]]


class ComputeSessions:
    """The JS ``client.computeSession``. ``status`` may be a comma-joined list of statuses."""

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline
        self._query: QueryFunction = partial(run_query, pipeline)

    def __repr__(self) -> str:
        return "ComputeSessions()"

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
        result: dict[str, Any] = await self._query(document, {**variables, "limit": limit, "offset": offset}, **options)
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
        data = await self._query(document, {**variables, "limit": 1, "offset": 0}, **options)
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
            self._query,
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
        """``{"compute_session": {...}}`` of one session by its UUID."""
        version = await self._pipeline.negotiate(**options)
        document = f"query($id: UUID!) {{ compute_session(id: $id) {{ {' '.join(_fields(fields, version))} }} }}"
        result: dict[str, Any] = await self._query(document, {"id": session_uuid}, **options)
        return result

    async def start_service(
        self,
        session: str,
        app: str,
        port: int | None = None,
        envs: Mapping[str, str] | None = None,
        args: Mapping[str, Any] | None = None,
        *,
        login_session_token: str | None = None,
        **options: Unpack[CallOptions],
    ) -> dict[str, Any]:
        """Start an in-container app behind the app proxy: ``{"token", "wsproxy_addr"}``."""
        body: dict[str, Any] = {"app": app}
        if port is not None:
            body["port"] = port
        if envs is not None:
            body["envs"] = jsonlib.dumps(dict(envs))
        if args is not None:
            body["arguments"] = jsonlib.dumps(dict(args))
        if login_session_token is not None:
            body["login_session_token"] = login_session_token
        return await self._send("POST", session, "/start-service", json=body, **options)

    async def commit_session(
        self,
        session: str,
        filename: str | None = None,
        **options: Unpack[CallOptions],
    ) -> dict[str, Any]:
        """Commit the session's container to an image file (a background task on the agent)."""
        params = {"filename": filename} if filename else None
        return await self._send("POST", session, "/commit", params=params, **options)

    async def get_commit_session_status(self, session: str, **options: Unpack[CallOptions]) -> dict[str, Any]:
        """``{"status": "ready" | "ongoing" | …, "kernel": <id>}`` of the latest commit."""
        return await self._send("GET", session, "/commit", **options)

    async def convert_session_to_image(
        self,
        session: str,
        new_image_name: str,
        **options: Unpack[CallOptions],
    ) -> dict[str, Any]:
        """Build an image from the session: ``{"task_id"}`` (follow it with
        ``client.background_task_events``)."""
        body = {"image_name": new_image_name}
        return await self._send("POST", session, "/imagify", json=body, **options)

    async def _send(
        self,
        method: str,
        session: str,
        suffix: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        **options: Unpack[CallOptions],
    ) -> dict[str, Any]:
        version = await self._pipeline.negotiate(**options)
        result = await self._pipeline.send(
            method,
            f"{session_prefix(version)}/{segment(session)}{suffix}",
            params=params,
            json=json,
            **options,
        )
        return result if isinstance(result, dict) else {}

    async def _document(
        self,
        fields: Sequence[str],
        status: str,
        access_key: str,
        group: str,
        **options: Unpack[CallOptions],
    ) -> tuple[str, dict[str, Any]]:
        """The list query with only the filters given (old servers lack some arguments)."""
        version = await self._pipeline.negotiate(**options)
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
        items = f"items {{ {' '.join(_fields(fields, version))} }} " if fields else ""
        document = (
            f"query({', '.join(declared)}) {{ compute_session_list({', '.join(arguments)}) {{ {items}total_count }} }}"
        )
        return document, variables


def _fields(fields: Sequence[str], api_version: str) -> list[str]:
    """API v4 and older call the session's name ``sess_id`` (``name`` later; ``session_name`` in
    the JS client's field lists)."""
    if ApiVersion.parse(api_version).major < 5:
        return ["sess_id" if field in ("name", "session_name") else field for field in fields]
    return list(fields)
