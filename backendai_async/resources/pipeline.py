"""The small protocol a resource needs from the request pipeline."""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import aiohttp
from yarl import URL

from ..abort import AbortSignal
from ..auth import Authenticator
from ..config import ClientConfig
from ..errors import NegotiationRequiredError, UsageError
from ..transport import Body, Params, ParseMode, ServerInfo, StreamResponse, Target
from ..versions import REST_GATES, feature_enabled, unsupported

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ..options import CallOptions

__all__ = ["GatedPipeline", "Pipeline", "rest_gate", "segment", "supports"]

_T = TypeVar("_T")


class Pipeline(Protocol):
    """What ``transport.Transport`` offers to resources."""

    @property
    def config(self) -> ClientConfig: ...

    @property
    def authenticator(self) -> Authenticator: ...

    @property
    def endpoint_url(self) -> URL: ...

    @property
    def api_version(self) -> str | None: ...

    @property
    def server_info(self) -> ServerInfo | None: ...

    @property
    def closing(self) -> AbortSignal: ...

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


@functools.cache
def _rest_patterns() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    compiled = []
    for route, feature in REST_GATES.items():
        method, path = route.split(" ", 1)
        regex = "/".join("[^/]+" if part == "*" else re.escape(part) for part in path.split("/"))
        compiled.append((method, re.compile(regex + "/?"), feature))
    return tuple(compiled)


_GATE_CACHE_LIMIT = 1024
_gates_of_routes: dict[tuple[str, str], str | None] = {}  # (method, path) -> rest_gate's answer


def rest_gate(method: str, path: str) -> str | None:
    """The feature (``versions.REST_GATES``) the route ``method path`` needs, or None (remembered:
    every call asks)."""
    key = (method, path)
    try:
        return _gates_of_routes[key]
    except KeyError:
        pass
    route = "/session/" + path[len("/kernel/") :] if path.startswith("/kernel/") else path
    found = next(
        (feature for gated, pattern, feature in _rest_patterns() if gated == method and pattern.fullmatch(route)),
        None,
    )
    if len(_gates_of_routes) >= _GATE_CACHE_LIMIT:
        _gates_of_routes.clear()
    _gates_of_routes[key] = found
    return found


class GatedPipeline:
    """The pipeline as resources see it: a REST route the negotiated server lacks (``versions.REST_GATES``)
    raises ``UnsupportedFeatureError`` before anything is sent; everything else goes to ``inner``."""

    def __init__(self, inner: Pipeline) -> None:
        self._inner = inner

    @property
    def config(self) -> ClientConfig:
        return self._inner.config

    @property
    def authenticator(self) -> Authenticator:
        return self._inner.authenticator

    @property
    def endpoint_url(self) -> URL:
        return self._inner.endpoint_url

    @property
    def api_version(self) -> str | None:
        return self._inner.api_version

    @property
    def server_info(self) -> ServerInfo | None:
        return self._inner.server_info

    @property
    def closing(self) -> AbortSignal:
        return self._inner.closing

    def negotiate(self, **options: Unpack[CallOptions]) -> Coroutine[Any, Any, str]:
        return self._inner.negotiate(**options)

    def probe(self, **options: Unpack[CallOptions]) -> Coroutine[Any, Any, ServerInfo]:
        return self._inner.probe(**options)

    async def _check(self, method: str, path: Target, options: Mapping[str, Any]) -> None:
        feature = rest_gate(method, path if isinstance(path, str) else path.path)
        if feature is not None:
            await self._refuse_without(feature, method, path, options)

    async def _refuse_without(self, feature: str, method: str, path: Target, options: Mapping[str, Any]) -> None:
        await self._inner.negotiate(timeout=options.get("timeout"), signal=options.get("signal"))
        if not supports(self._inner, feature):
            info = self._inner.server_info
            manager = info.manager_version if info else None
            raise unsupported(feature, self._inner.api_version, manager, f"{method} {path}")

    def send(self, method: str, path: Target, **kwargs: Any) -> Coroutine[Any, Any, Any]:
        feature = rest_gate(method, path if isinstance(path, str) else path.path)
        if feature is None:  # the pipeline's own coroutine: no second frame on every call
            return self._inner.send(method, path, **kwargs)
        return self._gated_send(feature, method, path, kwargs)

    async def _gated_send(self, feature: str, method: str, path: Target, kwargs: dict[str, Any]) -> Any:
        await self._refuse_without(feature, method, path, kwargs)
        return await self._inner.send(method, path, **kwargs)

    @asynccontextmanager
    async def _gated(
        self, method: str, path: Target, kwargs: dict[str, Any], opened: Callable[..., AbstractAsyncContextManager[_T]]
    ) -> AsyncIterator[_T]:
        await self._check(method, path, kwargs)
        async with opened(**kwargs) as value:
            yield value

    def stream(self, method: str, path: Target, **kwargs: Any) -> AbstractAsyncContextManager[StreamResponse]:
        return self._gated(method, path, kwargs, functools.partial(self._inner.stream, method, path))

    def websocket(self, path: str, **kwargs: Any) -> AbstractAsyncContextManager[aiohttp.ClientWebSocketResponse]:
        return self._gated("GET", path, kwargs, functools.partial(self._inner.websocket, path))
