"""The small protocol a resource needs from the request pipeline."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol

import aiohttp

from ..auth import Authenticator
from ..config import ClientConfig
from ..errors import NegotiationRequiredError, UsageError
from ..transport import Body, Params, ParseMode, ServerInfo, StreamResponse, Target
from ..versions import feature_enabled

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions

__all__ = ["Pipeline", "segment", "supports"]


class Pipeline(Protocol):
    """What ``transport.Transport`` offers to resources."""

    config: ClientConfig
    authenticator: Authenticator
    api_version: str | None
    server_info: ServerInfo | None

    async def negotiate(self, **options: Unpack[CallOptions]) -> str: ...

    async def probe(self, **options: Unpack[CallOptions]) -> ServerInfo: ...

    async def send(
        self,
        method: str,
        path: Target,
        *,
        params: Params | None = None,
        json: Any = None,
        data: Body | None = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        default_timeout: float | None = None,
        retry_safe: bool | None = None,
        parse: ParseMode = "auto",
        full_response: bool = False,
        **options: Unpack[CallOptions],
    ) -> Any: ...

    def stream(
        self,
        method: str,
        path: Target,
        *,
        params: Params | None = None,
        json: Any = None,
        data: Body | None = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        read_timeout: float | None = None,
        retry_safe: bool | None = None,
        **options: Unpack[CallOptions],
    ) -> AbstractAsyncContextManager[StreamResponse]: ...

    def websocket(
        self,
        path: str,
        *,
        params: Params | None = None,
        heartbeat: float | None = None,
        **options: Unpack[CallOptions],
    ) -> AbstractAsyncContextManager[aiohttp.ClientWebSocketResponse]: ...


def segment(name: str) -> str:
    """``name`` checked for use as one path segment (a session or folder name, an id)."""
    if not name or "/" in name or name in (".", ".."):
        raise UsageError(f"not a valid name for a path segment: {name!r}")
    return name


def supports(pipeline: Pipeline, feature: str) -> bool:
    """Whether the negotiated server has ``feature`` (see ``versions.FEATURES``)."""
    if pipeline.api_version is None:
        raise NegotiationRequiredError("the API version is not known yet: negotiate first")
    manager = pipeline.server_info.manager_version if pipeline.server_info else None
    return feature_enabled(feature, pipeline.api_version, manager)
